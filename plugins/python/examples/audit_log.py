# A migration written in Python against the same WIT contract as the Rust
# and JavaScript ones (wit/migrate.wit): the same audit log as
# plugins/js/examples/audit_log.js. Built into a component by
# componentize-py (plugins/python/build.sh):
#
#   componentize-py -d ../../wit -w migration-component componentize audit_log \
#       -p examples -p . -o examples/audit_log.wasm
#
# componentize-py exports the class named `Migration`; migrate_helpers
# (plugins/python/migrate_helpers.py) gives it metadata() and the builders.
from migrate_helpers import *

TABLE = "audit_log"


class Migration(BaseMigration):
    REVISION = "py_20261125"
    PARENT = None
    MESSAGE = "audit log, written in Python"

    def up(self):
        add_table(TABLE, [
            column("id", ty.bigint(), not_null=True, identity=IdentityKind.ALWAYS),
            column("actor", ty.text(), not_null=True),
            column("action", ty.varchar(40), not_null=True),
            column("at", ty.timestamptz(), not_null=True, default_expr="now()"),
        ])
        add_constraint(TABLE, "audit_log_pkey", primary_key("id"))
        add_index(index("audit_log_actor_idx", TABLE, ["actor", "at"]))
        # Data goes in with bind parameters, never spliced into the SQL.
        written = execute("INSERT INTO audit_log (actor, action) VALUES ($1, $2)",
                          "migrate-host", "created the audit log")
        if written != 1:
            fail(f"expected to write 1 row, wrote {written}")
        rows = query("SELECT actor, id FROM audit_log WHERE action = $1", "created the audit log")
        if rows != [{"actor": "migrate-host", "id": 1}]:
            fail(f"read back {rows}")

    def down(self):
        drop_table(TABLE)
