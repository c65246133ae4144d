//! The store's data for one run of a migration, and the host side of the
//! WIT `actions` interface: each import's arguments become the host's model
//! types, it checks its limits, becomes an [`Action`] (or a raw statement)
//! and goes to the [`Session`]; its result goes back as the generated types.

use super::convert::Convert;
use super::limits::{LimitExceeded, MemoryLimiter};
use super::session::{ActionFailure, Session};
use super::wit::{self, migrate::host::actions::Host as ActionsHost};
use super::wit::{
    AttributeChange, CollationDef, ColumnDef, ColumnDefault, CommentTarget, Constraint, DataType, DomainChange,
    EnumPosition, GrantDef, IdentityKind, IndexDef, PolicyDef, QualifiedName, RelationOption, ReplicaIdentity,
    SequenceOptions, TableMember, TableOptions, TypeCast,
};
use crate::actions::concurrent::Concurrent;
use crate::actions::{Action, ActionError};
use crate::model::{self, ErrorKind, Rows, SqlValue};
use crate::policy::Grant;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

pub struct HostState {
    pub(super) wasi: WasiCtx,
    pub(super) table: ResourceTable,
    pub(super) limiter: MemoryLimiter,
    pub(super) session: Session,
    pub(super) output: super::output::GuestOutput,
    calls: u64,
    max_calls: u64,
    max_call_bytes: usize,
    max_query_rows: usize,
    max_query_bytes: usize,
    /// What the migration's source may do; every call is checked against it.
    grant: Grant,
    /// A sandboxed source's revision being applied without its data loss
    /// acknowledged: steps that lose data are refused.
    pub(super) unacknowledged: Option<String>,
    /// The first call that failed. A migration that swallows an error and
    /// returns `Ok` must still fail: its transaction is aborted by then.
    pub(super) first_failure: Option<ActionFailure>,
}

impl HostState {
    pub(super) fn new(
        wasi: WasiCtx,
        output: super::output::GuestOutput,
        session: Session,
        limits: &super::Limits,
        grant: Grant,
    ) -> Self {
        HostState {
            grant,
            unacknowledged: None,
            wasi,
            table: ResourceTable::new(),
            limiter: MemoryLimiter {
                limit: limits.memory_bytes,
            },
            session,
            output,
            calls: 0,
            max_calls: limits.max_calls,
            max_call_bytes: limits.max_call_bytes,
            max_query_rows: limits.max_query_rows,
            max_query_bytes: limits.max_query_bytes,
            first_failure: None,
        }
    }

    /// Counts a call against the budget; past it the guest traps.
    fn count(&mut self, bytes: usize) -> wasmtime::Result<()> {
        self.calls += 1;
        if self.calls > self.max_calls {
            return Err(wasmtime::Error::new(LimitExceeded::Calls(self.max_calls)));
        }
        if bytes > self.max_call_bytes {
            return Err(wasmtime::Error::new(LimitExceeded::CallSize {
                size: bytes,
                limit: self.max_call_bytes,
            }));
        }
        Ok(())
    }

    async fn run(&mut self, action: Action) -> Reply<()> {
        self.count(approximate_size(&action))?;
        // The grant first: a refused action never reaches SQL.
        if let Err(error) = self.grant.check(&action) {
            return Ok(self.refuse(&action.describe(), error));
        }
        if let Some(revision) = &self.unacknowledged
            && let Some(hazard) = crate::lint::data_loss(&action)
        {
            let error = ActionError::NotPermitted(format!(
                "{} {}, and a sandboxed source's data loss must be acknowledged: review the migration, then add \
                 {revision:?} to the source's `acknowledge` list in migrate.toml",
                hazard.step, hazard.why
            ));
            return Ok(self.refuse(&action.describe(), error));
        }
        let result = self.session.action(&action).await;
        Ok(self.report(result))
    }

    /// A call the grant refuses, reported like a failed one.
    fn refuse<T>(&mut self, what: &str, error: ActionError) -> Result<T, model::Error> {
        self.report(Err(ActionFailure {
            action: what.to_owned(),
            sql: None,
            error,
        }))
    }

    fn report<T>(&mut self, result: Result<T, ActionFailure>) -> Result<T, model::Error> {
        result.map_err(|failure| {
            let error = to_guest_error(&failure);
            self.first_failure.get_or_insert(failure);
            error
        })
    }
}

fn to_guest_error(failure: &ActionFailure) -> model::Error {
    let (kind, sqlstate) = match &failure.error {
        ActionError::InvalidIdentifier(_) => (ErrorKind::InvalidIdentifier, None),
        ActionError::InvalidArgument(_) | ActionError::Refused(_) => (ErrorKind::InvalidArgument, None),
        ActionError::NotPermitted(_) => (ErrorKind::NotPermitted, None),
        ActionError::Database { sqlstate, .. } => (ErrorKind::Database, sqlstate.clone()),
    };
    model::Error {
        kind,
        message: failure.to_string(),
        sqlstate,
    }
}

/// The bytes a call carries, for the per-call size limit. Debug formatting
/// over-counts a little, which is fine for a bound.
fn approximate_size(action: &Action) -> usize {
    format!("{action:?}").len()
}

fn params_size(params: &[SqlValue]) -> usize {
    params
        .iter()
        .map(|p| match p {
            SqlValue::Text(s) | SqlValue::Json(s) | SqlValue::Numeric(s) => s.len(),
            SqlValue::Bytes(b) => b.len(),
            _ => 8,
        })
        .sum()
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl wit::migrate::host::types::Host for HostState {}

/// What the host's side of an import answers, in the model's types: a
/// trap, or the call's result.
type Reply<T> = wasmtime::Result<Result<T, model::Error>>;

/// The same answer as the generated trait returns it.
type WitReply<T> = wasmtime::Result<Result<T, wit::Error>>;

/// Each import of the `actions` interface that is one [`Action`]: the
/// method, its parameters (named as the variant's fields, typed as the
/// generated bindings give them) and the variant. Every argument becomes
/// the model's type here, and every one goes through [`HostState::run`]:
/// the grant, the acknowledgement, then the session.
/// Under `concurrently`, the same for the steps outside a transaction, each
/// a [`Concurrent`] variant.
macro_rules! actions_host {
    (concurrently { $($cmethod:ident($($cfield:ident: $cty:ty),* $(,)?) => $cvariant:ident;)* }
     $($method:ident($($field:ident: $ty:ty),* $(,)?) => $variant:ident;)*) => {
        impl ActionsHost for HostState {
            $(async fn $method(&mut self, $($field: $ty),*) -> WitReply<()> {
                let action = Action::$variant { $($field: $field.convert()),* };
                Ok(self.run(action).await?.convert())
            })*

            $(async fn $cmethod(&mut self, $($cfield: $cty),*) -> WitReply<()> {
                let step = Concurrent::$cvariant { $($cfield: $cfield.convert()),* };
                Ok(self.run(Action::Concurrently { step }).await?.convert())
            })*

            async fn execute(&mut self, sql: String, params: Vec<wit::SqlValue>) -> WitReply<u64> {
                Ok(self.execute(sql, params.convert()).await?.convert())
            }

            async fn query(&mut self, sql: String, params: Vec<wit::SqlValue>) -> WitReply<wit::Rows> {
                Ok(self.query(sql, params.convert()).await?.convert())
            }

            async fn lint_allow(&mut self, code: String, reason: String) -> WitReply<()> {
                Ok(self.lint_allow(code, reason)?.convert())
            }

            async fn commit_step(&mut self) -> WitReply<()> {
                Ok(self.commit_step().await?.convert())
            }

            async fn execute_outside_transaction(&mut self, sql: String, params: Vec<wit::SqlValue>) -> WitReply<u64> {
                Ok(self.execute_outside(sql, params.convert()).await?.convert())
            }
        }
    };
}

actions_host! {
    concurrently {
        add_index_concurrently(index: IndexDef) => AddIndex;
        add_index_sql_concurrently(definition: String) => AddIndexSql;
        drop_index_concurrently(index: QualifiedName) => DropIndex;
        reindex_concurrently(index: QualifiedName) => Reindex;
        detach_partition_concurrently(parent: QualifiedName, partition: QualifiedName) => DetachPartition;
        validate_constraint(table: QualifiedName, name: String) => ValidateConstraint;
    }
    add_table(table: QualifiedName, columns: Vec<ColumnDef>, options: TableOptions) => AddTable;
    set_table_logged(table: QualifiedName, logged: bool) => SetTableLogged;
    set_relation_options(relation: QualifiedName, set: Vec<RelationOption>, reset: Vec<String>) => SetRelationOptions;
    set_replica_identity(table: QualifiedName, identity: ReplicaIdentity) => SetReplicaIdentity;
    attach_index(parent: QualifiedName, index: QualifiedName, partition: QualifiedName) => AttachIndex;
    grant_columns(grant: GrantDef, columns: Vec<String>) => GrantColumns;
    revoke_columns(grant: GrantDef, columns: Vec<String>) => RevokeColumns;
    create_type(definition: String) => CreateType;
    alter_domain(name: QualifiedName, change: DomainChange) => AlterDomain;
    alter_composite_type(name: QualifiedName, change: AttributeChange) => AlterCompositeType;
    attach_partition(parent: QualifiedName, partition: QualifiedName, bound: String) => AttachPartition;
    detach_partition(parent: QualifiedName, partition: QualifiedName) => DetachPartition;
    set_row_level_security(table: QualifiedName, enabled: bool, forced: bool) => SetRowLevelSecurity;
    create_policy(policy: PolicyDef) => CreatePolicy;
    drop_policy(table: QualifiedName, name: String) => DropPolicy;
    create_sequence(name: QualifiedName, options: SequenceOptions) => CreateSequence;
    alter_sequence(name: QualifiedName, options: SequenceOptions) => AlterSequence;
    set_sequence_owner(name: QualifiedName, owner: Option<TableMember>) => SetSequenceOwner;
    drop_sequence(name: QualifiedName) => DropSequence;
    set_column_collation(table: QualifiedName, column: String, collation: Option<QualifiedName>) => SetColumnCollation;
    create_collation(name: QualifiedName, definition: CollationDef) => CreateCollation;
    drop_collation(name: QualifiedName) => DropCollation;
    set_comment(target: CommentTarget, text: Option<String>) => SetComment;
    grant(grant: GrantDef) => Grant;
    revoke(grant: GrantDef) => Revoke;
    drop_table(table: QualifiedName) => DropTable;
    rename_table(table: QualifiedName, new_name: String) => RenameTable;
    add_column(table: QualifiedName, column: ColumnDef) => AddColumn;
    drop_column(table: QualifiedName, column: String) => DropColumn;
    rename_column(table: QualifiedName, column: String, new_name: String) => RenameColumn;
    change_column_type(table: QualifiedName, column: String, new_type: DataType, cast: TypeCast) => ChangeColumnType;
    set_column_identity(table: QualifiedName, column: String, identity: Option<IdentityKind>) => SetColumnIdentity;
    drop_column_expression(table: QualifiedName, column: String) => DropColumnExpression;
    add_not_null(table: QualifiedName, column: String) => AddNotNull;
    drop_not_null(table: QualifiedName, column: String) => DropNotNull;
    set_column_default(table: QualifiedName, column: String, default: ColumnDefault) => SetColumnDefault;
    drop_column_default(table: QualifiedName, column: String) => DropColumnDefault;
    add_constraint(table: QualifiedName, name: String, constraint: Constraint) => AddConstraint;
    drop_constraint(table: QualifiedName, name: String) => DropConstraint;
    rename_constraint(table: QualifiedName, name: String, new_name: String) => RenameConstraint;
    add_index(index: IndexDef) => AddIndex;
    add_index_sql(definition: String) => AddIndexSql;
    create_view(name: QualifiedName, query: String, materialized: bool) => CreateView;
    drop_view(name: QualifiedName, materialized: bool) => DropView;
    create_extension(name: String, schema: Option<String>, version: Option<String>) => CreateExtension;
    update_extension(name: String, version: String) => UpdateExtension;
    drop_extension(name: String) => DropExtension;
    create_function(definition: String) => CreateFunction;
    drop_function(name: QualifiedName, arguments: String, procedure: bool) => DropFunction;
    create_trigger(definition: String) => CreateTrigger;
    drop_trigger(table: QualifiedName, name: String) => DropTrigger;
    create_schema(name: String) => CreateSchema;
    drop_schema(name: String) => DropSchema;
    drop_index(index: QualifiedName) => DropIndex;
    rename_index(index: QualifiedName, new_name: String) => RenameIndex;
    create_enum(name: QualifiedName, values: Vec<String>) => CreateEnum;
    add_enum_values(name: QualifiedName, values: Vec<String>, position: Option<EnumPosition>) => AddEnumValues;
    drop_enum_values(name: QualifiedName, values: Vec<String>) => DropEnumValues;
    rename_enum_value(name: QualifiedName, value: String, new_value: String) => RenameEnumValue;
    drop_type(name: QualifiedName) => DropType;
}

impl HostState {
    /// `lint-allow`: a suppression for the lint, which only a dry run keeps.
    /// A bad code is the guest's error, not a failed step: the transaction
    /// is fine, so it is not the run's first failure.
    fn lint_allow(&mut self, code: String, reason: String) -> Reply<()> {
        self.count(code.len() + reason.len())?;
        let Some(rule) = crate::lint::Code::parse(code.trim()) else {
            return Ok(Err(model::Error {
                kind: ErrorKind::InvalidArgument,
                message: format!(
                    "lint-allow: no lint rule is called {code:?} (codes are MH101..., as `migrate-host lint` prints \
                     them)"
                ),
                sqlstate: None,
            }));
        };
        if reason.trim().is_empty() {
            return Ok(Err(model::Error {
                kind: ErrorKind::InvalidArgument,
                message: format!("lint-allow {rule}: give the reason a reviewer reads"),
                sqlstate: None,
            }));
        }
        self.session.allow(rule, reason);
        Ok(Ok(()))
    }

    /// `commit-step`.
    async fn commit_step(&mut self) -> Reply<()> {
        self.count(0)?;
        let result = self.session.commit_step().await;
        Ok(self.report(result))
    }

    /// A raw statement's admission: counted against the budget (past it the
    /// guest traps) and checked against the grant (a refusal is `what`'s
    /// error, reported like a failed call).
    fn admit_sql(&mut self, what: &str, sql: &str, params: &[SqlValue]) -> Reply<()> {
        self.count(sql.len() + params_size(params))?;
        Ok(match self.grant.check_sql(sql, self.unacknowledged.as_deref()) {
            Ok(()) => Ok(()),
            Err(error) => self.refuse(what, error),
        })
    }

    /// `execute-outside-transaction`: raw SQL, checked against the grant, a
    /// step of its own.
    async fn execute_outside(&mut self, sql: String, params: Vec<SqlValue>) -> Reply<u64> {
        if let Err(refused) = self.admit_sql("execute-outside-transaction", &sql, &params)? {
            return Ok(Err(refused));
        }
        let result = self.session.execute_outside(&sql, &params).await;
        Ok(self.report(result))
    }

    /// `execute`: raw SQL, checked against the grant.
    async fn execute(&mut self, sql: String, params: Vec<SqlValue>) -> Reply<u64> {
        if let Err(refused) = self.admit_sql("execute", &sql, &params)? {
            return Ok(Err(refused));
        }
        let result = self.session.execute(&sql, &params).await;
        Ok(self.report(result))
    }

    /// `query`: raw SQL that returns rows, checked against the grant.
    async fn query(&mut self, sql: String, params: Vec<SqlValue>) -> Reply<Rows> {
        if let Err(refused) = self.admit_sql("query", &sql, &params)? {
            return Ok(Err(refused));
        }
        let result = self
            .session
            .query(&sql, &params, self.max_query_rows, self.max_query_bytes)
            .await;
        Ok(self.report(result))
    }
}
