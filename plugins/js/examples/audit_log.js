// A migration written in JavaScript against the same WIT contract as the
// Rust ones (wit/migrate.wit). Built into a component by componentize-qjs:
//
//   npx componentize-qjs --sync --wit ../../wit --world migration-component \
//       --js examples/audit_log.js -o examples/audit_log.wasm
//
// Imports are the WIT interfaces by name; names are camelCase, records are
// objects with camelCase keys, variants are { tag, val }, an `option` is a
// value or null, and an action that fails throws the contract's `error`
// record (rethrow it, or throw your own { kind: "migration", message }).
import actions from "migrate:host/actions@0.1.0";

const table = { schema: null, name: "audit_log" };
const type = (scalar) => ({ scalar: typeof scalar === "string" ? { tag: scalar } : scalar, isArray: false });
const column = (name, dataType, extra = {}) => ({
  name,
  dataType,
  nullable: true,
  default: null,
  identity: null,
  generated: null,
  collation: null,
  ...extra,
});

export const migration = {
  metadata() {
    return { revision: "js_20261125", parent: null, message: "audit log, written in JavaScript" };
  },

  up() {
    actions.addTable(
      table,
      [
        column("id", type("bigint"), { nullable: false, identity: "always" }),
        column("actor", type("text"), { nullable: false }),
        column("action", type({ tag: "varchar", val: 40 }), { nullable: false }),
        column("at", type({ tag: "timestamp", val: { withTimeZone: true, precision: null } }), {
          nullable: false,
          default: { tag: "expression", val: "now()" },
        }),
      ],
      { unlogged: false, partitionBy: null, partitionOf: null, inherits: [] },
    );
    actions.addConstraint(table, "audit_log_pkey", { tag: "primary-key", val: ["id"] });
    actions.addIndex({
      name: "audit_log_actor_idx",
      table,
      columns: ["actor", "at"],
      unique: false,
      method: "btree",
      predicate: null,
    });
    // Data goes in with bind parameters, never spliced into the SQL.
    const written = actions.execute("INSERT INTO audit_log (actor, action) VALUES ($1, $2)", [
      { tag: "text", val: "migrate-host" },
      { tag: "text", val: "created the audit log" },
    ]);
    if (written !== 1n && written !== 1) {
      throw { kind: "migration", message: `expected to write 1 row, wrote ${written}`, sqlstate: null };
    }
  },

  down() {
    actions.dropTable(table);
  },
};
