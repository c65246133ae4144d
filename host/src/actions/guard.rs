//! Checks on SQL text that a migration supplies (expressions and raw
//! statements), made with Postgres's own parser (libpg_query).
//!
//! A keyword filter cannot tell `COMMIT` inside a string from a real one;
//! the parser can. These checks keep SQL fragments to the shape their action
//! promises: an expression stays one expression, and `execute`/`query` never
//! end, split or escape the migration's transaction.

use super::ActionError;
use pg_query::NodeEnum;

/// Checks that `expression` is exactly one scalar SQL expression, so that
/// splicing it into `DEFAULT (...)`, `CHECK (...)`, `USING ...` or
/// `WHERE ...` cannot change the statement around it.
pub fn expression(expression: &str, what: &str) -> Result<(), ActionError> {
    let bad = |why: &str| ActionError::InvalidArgument(format!("{what} {expression:?} {why}"));
    if expression.trim().is_empty() {
        return Err(bad("is empty"));
    }
    if expression.contains('\0') {
        return Err(bad("contains a NUL byte"));
    }
    // The host writes the expression on one line with SQL after it: a
    // comment would swallow that SQL, so comments are refused.
    let tokens = pg_query::scan(expression).map_err(|e| bad(&format!("is not valid SQL: {e}")))?;
    let comment = |t: &pg_query::protobuf::ScanToken| {
        matches!(
            t.token(),
            pg_query::protobuf::Token::SqlComment | pg_query::protobuf::Token::CComment
        )
    };
    if tokens.tokens.iter().any(comment) {
        return Err(bad("contains a comment"));
    }
    // The closing parenthesis proves the expression closed itself.
    let probe = format!("SELECT ({expression})");
    let parsed = pg_query::parse(&probe).map_err(|e| bad(&format!("is not a valid SQL expression: {e}")))?;
    let stmts = &parsed.protobuf.stmts;
    let Some(NodeEnum::SelectStmt(select)) = stmts
        .first()
        .and_then(|s| s.stmt.as_ref())
        .and_then(|n| n.node.as_ref())
    else {
        return Err(bad("is not a single SQL expression"));
    };
    let plain_select = stmts.len() == 1
        && select.target_list.len() == 1
        && select.from_clause.is_empty()
        && select.where_clause.is_none()
        && select.group_clause.is_empty()
        && select.having_clause.is_none()
        && select.window_clause.is_empty()
        && select.sort_clause.is_empty()
        && select.limit_count.is_none()
        && select.limit_offset.is_none()
        && select.locking_clause.is_empty()
        && select.with_clause.is_none()
        && select.into_clause.is_none()
        && select.values_lists.is_empty()
        && select.larg.is_none();
    if !plain_select {
        return Err(bad("is not a single SQL expression"));
    }
    Ok(())
}

/// Checks a statement sent through `execute` or `query`: exactly one
/// statement, no transaction control, no session-wide `SET`.
pub fn raw_statement(sql: &str) -> Result<(), ActionError> {
    let refuse = |why: String| ActionError::Refused(why);
    if sql.contains('\0') {
        return Err(refuse("the statement contains a NUL byte".into()));
    }
    let parsed = pg_query::parse(sql).map_err(|e| ActionError::InvalidArgument(format!("SQL syntax error: {e}")))?;
    let stmts = &parsed.protobuf.stmts;
    match stmts.len() {
        0 => {
            return Err(ActionError::InvalidArgument("the SQL text holds no statement".into()));
        }
        1 => {}
        n => {
            return Err(refuse(format!(
                "the SQL text holds {n} statements; send one statement per call"
            )));
        }
    }
    let node = stmts[0].stmt.as_ref().and_then(|n| n.node.as_ref());
    match node {
        Some(NodeEnum::TransactionStmt(_)) => Err(refuse(
            "transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...) is the host's: \
             each migration runs in one transaction that the host commits or rolls back"
                .into(),
        )),
        Some(NodeEnum::VariableSetStmt(set)) if !set.is_local => Err(refuse(
            "a session-wide SET would outlive the migration; use SET LOCAL".into(),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_expressions() {
        for e in [
            "now()",
            "0",
            "'draft'",
            "price > 0",
            "lower(name) = name",
            "a IS NOT NULL AND (b < 3)",
            "gen_random_uuid()",
            "'{}'::jsonb",
            "CASE WHEN x THEN 1 ELSE 2 END",
            "(SELECT 1)",
        ] {
            expression(e, "default").unwrap_or_else(|err| panic!("{e}: {err}"));
        }
    }

    #[test]
    fn rejects_anything_that_escapes_the_expression() {
        for e in [
            "",
            "  ",
            "now()); DROP TABLE users; --",
            "1) FROM pg_sleep(10",
            "1 --",
            "1); COMMIT; SELECT (1",
            "1) UNION SELECT (2",
            "1 /* x */",
            "1 -- x",
            "1 FROM users",
            "1) INTO t FROM (SELECT 1",
        ] {
            assert!(expression(e, "default").is_err(), "{e:?} was accepted");
        }
    }

    #[test]
    fn refuses_transaction_control_and_session_state() {
        for sql in [
            "COMMIT",
            "rollback",
            "BEGIN",
            "START TRANSACTION",
            "SAVEPOINT a",
            "RELEASE SAVEPOINT a",
            "ROLLBACK TO SAVEPOINT a",
            "PREPARE TRANSACTION 'x'",
            "COMMIT PREPARED 'x'",
            "END",
            "ABORT",
            "/* hi */ COMMIT",
            "SET search_path = x",
            "SET statement_timeout = 0",
            "RESET ROLE",
        ] {
            // RESET parses as a VariableSetStmt too (kind VAR_RESET, not local).
            assert!(
                matches!(raw_statement(sql), Err(ActionError::Refused(_))),
                "{sql:?} was accepted"
            );
        }
        assert!(matches!(
            raw_statement("INSERT INTO t VALUES (1); COMMIT"),
            Err(ActionError::Refused(_))
        ));
    }

    #[test]
    fn allows_ordinary_statements() {
        for sql in [
            "SELECT 'COMMIT'",
            "UPDATE t SET a = $1 WHERE id = $2",
            "SET LOCAL lock_timeout = '1s'",
            "INSERT INTO t (a) VALUES ($1) RETURNING id",
            "DO $$ BEGIN PERFORM 1; END $$",
        ] {
            raw_statement(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        assert!(matches!(raw_statement("SELEC 1"), Err(ActionError::InvalidArgument(_))));
    }
}
