// Generated from wit/migrate.wit by plugins/js/tools/types.mjs (jco guest-types, s64/u64 as number).
// Do not edit: run plugins/js/build.sh after changing the WIT.
/// <reference path="./migrate-host-types.d.ts" />
declare module 'migrate:host/migration@0.1.0' {
  export function metadata(): RevisionInfo;
  /**
   * Moves the database forward.
   */
  export function up(): void;
  /**
   * Undoes `up`.
   */
  export function down(): void;
  export type Error = import('migrate:host/types@0.1.0').Error;
  export interface RevisionInfo {
    /**
     * This migration's revision: unique in its chain, 1 to 128 bytes.
     */
    revision: string,
    /**
     * The revision this one applies on top of; none for the first.
     */
    parent?: string,
    /**
     * What the migration does, for humans.
     */
    message: string,
  }
}
