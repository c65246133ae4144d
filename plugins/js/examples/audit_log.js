// @ts-check
// A migration written in JavaScript against the same WIT contract as the
// Rust ones (wit/migrate.wit), with the JavaScript SDK (plugins/js/migrate.js):
// the same audit log as plugins/python/examples/audit_log.py. Built into a
// component by plugins/js/build.sh (componentize-qjs).
import {
  defineMigration, column, ty, primaryKey, index,
  addTable, addConstraint, addIndex, dropTable, execute, query, fail,
} from "../migrate.js";

export const migration = defineMigration({
  revision: "js_20261125",
  parent: null,
  message: "audit log, written in JavaScript",

  up() {
    addTable("audit_log", [
      column("id", ty.bigint(), { notNull: true, identity: "always" }),
      column("actor", ty.text(), { notNull: true }),
      column("action", ty.varchar(40), { notNull: true }),
      column("at", ty.timestamptz(), { notNull: true, defaultExpr: "now()" }),
    ]);
    addConstraint("audit_log", "audit_log_pkey", primaryKey("id"));
    addIndex(index("audit_log_actor_idx", "audit_log", ["actor", "at"]));
    // Data goes in with bind parameters, never spliced into the SQL.
    const written = execute("INSERT INTO audit_log (actor, action) VALUES ($1, $2)", "migrate-host", "created the audit log");
    if (written !== 1) fail(`expected to write 1 row, wrote ${written}`);
    const rows = query("SELECT actor, id FROM audit_log WHERE action = $1", "created the audit log");
    if (rows.length !== 1 || rows[0].actor !== "migrate-host" || rows[0].id !== 1) fail(`read back ${JSON.stringify(rows)}`);
  },

  down() {
    dropTable("audit_log");
  },
});
