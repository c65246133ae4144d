//! The lint's rules: the one table of codes, names, severities, reasons and
//! advice. Which step triggers which rule is decided elsewhere, in one place
//! each: [`Action::facts`](crate::actions::Action::facts) for actions, and
//! [`super::sql_rules`] for the statements a migration sends through `execute`.
//!
//! Codes are stable: a suppression names one, so a code is never reused for
//! another rule. The hundreds group them: 1 locks and rewrites, 2 breaking
//! and destructive changes, 3 data-dependent, 4 transactions, 5 types and
//! hygiene.

use crate::actions::facts::HazardKind;

/// How bad a finding is: an unsuppressed error fails `migrate-host lint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One rule of the lint.
#[derive(Debug)]
pub struct Rule {
    pub code: Code,
    /// Kebab-case, as peers name theirs.
    pub name: &'static str,
    pub severity: Severity,
    /// For rules about what a step does to a table that exists: the kind
    /// `plan`, `generate` and `apply --dry-run` label it with. Rules about
    /// compatibility or hygiene have none, and only `lint` shows them.
    pub kind: Option<HazardKind>,
    /// Whether the step holds an `ACCESS EXCLUSIVE` lock on its table until
    /// the transaction ends (for [`Code::MH404`]).
    pub access_exclusive: bool,
    pub why: &'static str,
    pub instead: &'static str,
    /// The peers' rule names it covers (Sq squawk, SM strong_migrations,
    /// At Atlas, Eu eugene).
    pub peers: &'static str,
}

macro_rules! rules {
    ($($code:ident $name:literal $severity:ident $kind:tt $ae:literal
       why $why:literal instead $instead:literal peers $peers:literal;)*) => {
        /// A rule's stable code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        pub enum Code { $($code),* }

        impl Code {
            /// `MH101`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code)),* }
            }
        }

        /// Every rule, in code order.
        pub static RULES: &[Rule] = &[$(Rule {
            code: Code::$code,
            name: $name,
            severity: Severity::$severity,
            kind: rules!(@kind $kind),
            access_exclusive: $ae,
            why: $why,
            instead: $instead,
            peers: $peers,
        }),*];
    };
    (@kind -) => { None };
    (@kind $kind:ident) => { Some(HazardKind::$kind) };
}

rules! {
    MH101 "index-without-concurrently" Error Lock false
        why "builds the index under a lock that blocks writes to the table"
        instead "on a big table, build it with add-index-concurrently (a step of its own, outside the migration's \
                 transaction)"
        peers "Sq require-concurrent-index-creation · SM add_index · At PG101 · Eu E6";
    MH102 "drop-index-without-concurrently" Warning Lock true
        why "DROP INDEX locks the index's table against reads and writes until the migration commits"
        instead "drop it with drop-index-concurrently (a step of its own)"
        peers "Sq require-concurrent-index-deletion · SM remove_index · At PG102";
    MH103 "reindex-or-detach-without-concurrently" Warning Lock true
        why "REINDEX or DETACH PARTITION without CONCURRENTLY blocks the table's writes (DETACH: reads too) until \
             the migration commits"
        instead "use reindex-concurrently or detach-partition-concurrently (steps of their own)"
        peers "Sq require-concurrent-reindex, require-concurrent-partition-detach";
    MH104 "unique-without-index" Error Lock true
        why "builds a unique index under a lock that blocks reads and writes"
        instead "build the unique index with add-index-concurrently, then add the constraint USING INDEX"
        peers "Sq disallowed-unique-constraint, adding-serial-primary-key-field · SM add_unique_constraint · \
               At PG104, PG105 · Eu E7, W14";
    MH105 "exclusion-constraint" Error Lock true
        why "builds the exclusion constraint's index under an ACCESS EXCLUSIVE lock, and no existing index can \
             stand in for it"
        instead "add it when the table is created, or in a maintenance window"
        peers "SM add_exclusion_constraint · At PG109 · Eu E8";
    MH106 "constraint-without-not-valid" Error Lock false
        why "validates every row while it holds a lock on the table"
        instead "add it NOT VALID (Constraint::Sql(\"... NOT VALID\")), then VALIDATE CONSTRAINT after a \
                 commit-step or in a later migration, which takes a weaker lock"
        peers "Sq adding-foreign-key-constraint, constraint-missing-not-valid · SM add_foreign_key, add_reference, \
               add_check_constraint · At PG305, PG306 · Eu E1";
    MH107 "set-not-null" Error Lock true
        why "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock"
        instead "add CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT after a commit-step, then SET NOT \
                 NULL (Postgres then skips the scan)"
        peers "Sq adding-not-nullable-field · SM change_column_null · At PG303 · Eu E2";
    MH108 "volatile-default" Error Rewrite true
        why "adds a column whose default is volatile, so Postgres writes a value into every row under an ACCESS \
             EXCLUSIVE lock"
        instead "add the column without a default, set the default, then backfill existing rows in batches"
        peers "Sq adding-field-with-default · SM add_column_default, add_column_default_callable · At PG302";
    MH109 "rewriting-column" Error Rewrite true
        why "adds a stored generated, serial or identity column, which rewrites the table under an ACCESS \
             EXCLUSIVE lock"
        instead "add a plain column, backfill it in batches, and keep it current with a trigger (or a default \
                 from a sequence set afterwards)"
        peers "SM add_column_generated_stored, add_column_auto_incrementing · At PG309, PG310 · Eu E11";
    MH110 "column-type-change" Error Rewrite true
        why "changes the column's type: unless the change is binary-coercible (varchar to text, a longer varchar) \
             Postgres rewrites the table under an ACCESS EXCLUSIVE lock"
        instead "on a big table, add a new column, backfill it in batches, switch readers, then drop the old one"
        peers "Sq changing-column-type · SM change_column · At PG301 · Eu E5";
    MH111 "collation-change" Warning Lock true
        why "changes the column's collation: every index on the column is rebuilt under an ACCESS EXCLUSIVE lock"
        instead "add a new column with the collation, backfill it, index it CONCURRENTLY, switch readers"
        peers "Sq changing-column-type · SM change_column · At PG301";
    MH112 "set-persistence-or-access-method" Error Rewrite true
        why "changes persistence (LOGGED/UNLOGGED) or access method: Postgres copies every row into a new file"
        instead "do it while the table is small, or in a maintenance window"
        peers "At PG307, PG311";
    MH113 "trigger-on-existing-table" Warning - false
        why "a new trigger changes what every write to a table in use does, and its cost is paid by every write"
        instead "make sure the application expects it; measure it on a copy with the production write rate"
        peers "At PG308";
    MH114 "vacuum-full-or-cluster" Error Rewrite true
        why "VACUUM FULL and CLUSTER rewrite the table under an ACCESS EXCLUSIVE lock"
        instead "use pg_repack (or REPACK on PostgreSQL 19) outside a migration"
        peers "Sq prefer-repack";
    MH201 "drop-table" Error DataLoss true
        why "drops the table and every row in it"
        instead "copy or rename it first and drop it in a later release, once nothing reads it"
        peers "Sq ban-drop-table · At DS102";
    MH202 "drop-column" Error DataLoss true
        why "drops the column's values"
        instead "stop writing and reading it in one release, back it up, drop it in the next"
        peers "Sq ban-drop-column · SM remove_column · At DS103";
    MH203 "drop-schema-or-database" Error - true
        why "drops a schema (with CASCADE, everything in it) or a database that running code may still use"
        instead "drop its objects one by one in migrations that say so, once nothing uses them"
        peers "Sq ban-drop-database · At DS101";
    MH204 "drop-constraint" Warning - false
        why "drops a constraint that running code or later rows may rely on (a foreign key, a check, a primary \
             key that replication and upserts use)"
        instead "make sure nothing relies on it; replace it before dropping it"
        peers "At CD101, CD102, CD103";
    MH205 "rename" Error - true
        why "renames a table, column or enum value that the running application still uses by its old name"
        instead "add the new one and keep both in step (a view or a trigger) until every reader moved, then drop the \
                 old one"
        peers "Sq renaming-table, renaming-column · SM rename_table, rename_column, rename_schema, rename_enum_value · \
               At BC101, BC102";
    MH206 "drop-not-null" Warning - false
        why "makes a column nullable that running code may read as never NULL"
        instead "make sure every reader handles NULL before this ships"
        peers "Sq ban-drop-not-null";
    MH207 "truncate-cascade" Error DataLoss true
        why "TRUNCATE ... CASCADE also empties every table that references this one, however far"
        instead "truncate the tables you mean by name"
        peers "Sq ban-truncate-cascade";
    MH208 "json-column" Warning - false
        why "json has no equality operator (DISTINCT, UNION and GROUP BY fail on it) and keeps duplicate keys"
        instead "use jsonb"
        peers "SM add_column_json · Eu E3";
    MH209 "using-cast" Error DataLoss true
        why "converts every value with a USING expression, which may discard them (and rewrites the table)"
        instead "check the expression on a copy of the data first; keep the old column until the new one is verified"
        peers "Sq changing-column-type · SM change_column · At PG301";
    MH210 "drop-type-or-enum-value" Error DataLoss false
        why "removes a type or enum values (the migration fails while a column, function or row still uses them)"
        instead "move rows off the values, and columns off the type, in the same migration or the one before"
        peers "SM rename_enum_value (its advice: never remove or rename a value in use)";
    MH211 "drop-sequence" Error DataLoss false
        why "drops the sequence and its current value"
        instead "keep it until nothing calls nextval on it"
        peers "(none: the peers do not model sequences)";
    MH301 "add-required-column" Error - true
        why "adds a NOT NULL column without a default, which fails on a table that has rows"
        instead "add it nullable (or with a default), backfill it, then set NOT NULL"
        peers "Sq adding-required-field · At MF103";
    MH302 "not-null-violated" Error - false
        why "rows of the table hold NULL in the column, so SET NOT NULL fails, after scanning the table under its \
             lock"
        instead "backfill the NULLs (in batches) in this migration or the one before, then set NOT NULL"
        peers "At MF103, MF104";
    MH303 "unique-violated" Error - false
        why "values of the columns appear more than once, so the unique index or constraint fails to build, after \
             scanning the table under its lock"
        instead "remove or merge the duplicates first, in this migration or the one before"
        peers "At MF101, MF102";
    MH401 "non-transactional-in-transaction" Error - false
        why "execute runs in the migration's transaction, and this statement (CONCURRENTLY, VACUUM, ...) cannot \
             run in one: the migration fails"
        instead "use the -concurrently actions, or execute-outside-transaction (a step of its own)"
        peers "Sq ban-concurrent-index-creation-in-transaction · At PG103, TX101";
    MH402 "validate-in-same-transaction" Error Lock true
        why "validates a constraint added NOT VALID in the same transaction: its scan runs under the ADD's strong \
             lock, which is held until commit"
        instead "VALIDATE CONSTRAINT after a commit-step, or in a later migration"
        peers "Sq constraint-missing-not-valid · SM validate_foreign_key, validate_check_constraint";
    MH403 "missing-lock-timeout" Error Lock false
        why "locks a table in use with no lock_timeout: while it waits for its lock, every query on the table \
             queues behind it"
        instead "keep a lock_timeout (the default --lock-timeout, a source's lock_timeout, SET LOCAL lock_timeout) \
                 and let the retries handle a busy table"
        peers "Sq require-lock-timeout · SM lock_timeout · Eu E9";
    MH404 "statements-under-access-exclusive" Warning - false
        why "runs more statements while an earlier one holds an ACCESS EXCLUSIVE lock on a table in use: nothing \
             reads or writes that table until the migration commits"
        instead "put the step that takes the ACCESS EXCLUSIVE lock last, or in a migration of its own"
        peers "Eu E4, E10";
    MH501 "prefer-bigint" Warning - false
        why "a 16- or 32-bit integer key runs out (2^31 rows is reached in production)"
        instead "use bigint (or bigserial / a bigint identity)"
        peers "Sq prefer-bigint-over-int, prefer-bigint-over-smallint";
    MH502 "prefer-identity" Warning - false
        why "serial columns own a sequence with its own privileges and dump quirks"
        instead "use GENERATED BY DEFAULT AS IDENTITY"
        peers "Sq prefer-identity";
    MH503 "prefer-text" Warning - false
        why "varchar(n) and char(n) are no faster than text, char pads with blanks, and raising the limit later \
             is a migration"
        instead "use text, with a CHECK (length(column) <= n) if the limit matters"
        peers "Sq prefer-text-field, ban-char-field";
    MH504 "prefer-timestamptz" Warning - false
        why "timestamp without time zone loses the offset: a value means a different instant on another server"
        instead "use timestamptz (timestamp with time zone)"
        peers "Sq prefer-timestamptz";
    MH505 "identifier-too-long" Error - false
        why "Postgres truncates names over 63 bytes, so the object gets another name than the one written"
        instead "use a name of at most 63 bytes"
        peers "Sq identifier-too-long";
    MH506 "enum-value-without-position" Warning - false
        why "ADD VALUE without BEFORE or AFTER appends the value, whatever order the type's values sort in"
        instead "say where it goes (EnumPosition::Before/After, or BEFORE/AFTER in SQL)"
        peers "Sq require-enum-value-ordering";
}

impl Code {
    pub fn rule(self) -> &'static Rule {
        // RULES is in declaration order, which is the enum's.
        &RULES[self as usize]
    }

    /// The code named by `text` (`MH101`, or the rule's name).
    pub fn parse(text: &str) -> Option<Code> {
        RULES
            .iter()
            .find(|r| r.code.as_str().eq_ignore_ascii_case(text) || r.name == text)
            .map(|r| r.code)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
