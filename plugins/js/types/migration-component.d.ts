// Generated from wit/migrate.wit by plugins/js/tools/types.mjs (jco guest-types, s64/u64 as number).
// Do not edit: run plugins/js/build.sh after changing the WIT.
/// <reference path="./interfaces/migrate-host-actions.d.ts" />
/// <reference path="./interfaces/migrate-host-migration.d.ts" />
/// <reference path="./interfaces/migrate-host-types.d.ts" />
declare module 'migrate:host/migration-component@0.1.0' {
  export type * as MigrateHostActions010 from 'migrate:host/actions@0.1.0'; // import migrate:host/actions@0.1.0
  export type * as MigrateHostTypes010 from 'migrate:host/types@0.1.0'; // import migrate:host/types@0.1.0
  export * as migration from 'migrate:host/migration@0.1.0'; // export migrate:host/migration@0.1.0
}
