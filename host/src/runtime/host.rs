//! The store's data for one run of a migration, and the host side of the
//! WIT `actions` interface: each import checks its limits, becomes an
//! [`Action`] (or a raw statement) and goes to the [`Session`].

use super::limits::{LimitExceeded, MemoryLimiter};
use super::session::{ActionFailure, Session};
use crate::actions::{Action, ActionError};
use crate::policy::Grant;
use crate::wit::{self, migrate::host::actions::Host as ActionsHost};
use crate::wit::{
    CollationDef, ColumnDef, ColumnDefault, CommentTarget, Constraint, DataType, EnumPosition, ErrorKind, GrantDef,
    IdentityKind, IndexDef, PolicyDef, QualifiedName, Rows, SequenceOptions, SqlValue, TableMember, TableOptions,
    TypeCast,
};
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

    async fn run(&mut self, action: Action) -> wasmtime::Result<Result<(), wit::Error>> {
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
    fn refuse<T>(&mut self, what: &str, error: ActionError) -> Result<T, wit::Error> {
        self.report(Err(ActionFailure {
            action: what.to_owned(),
            sql: None,
            error,
        }))
    }

    fn report<T>(&mut self, result: Result<T, ActionFailure>) -> Result<T, wit::Error> {
        result.map_err(|failure| {
            let error = to_wit_error(&failure);
            self.first_failure.get_or_insert(failure);
            error
        })
    }
}

fn to_wit_error(failure: &ActionFailure) -> wit::Error {
    let (kind, sqlstate) = match &failure.error {
        ActionError::InvalidIdentifier(_) => (ErrorKind::InvalidIdentifier, None),
        ActionError::InvalidArgument(_) | ActionError::Refused(_) => (ErrorKind::InvalidArgument, None),
        ActionError::NotPermitted(_) => (ErrorKind::NotPermitted, None),
        ActionError::Database { sqlstate, .. } => (ErrorKind::Database, sqlstate.clone()),
    };
    wit::Error {
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

type Reply<T> = wasmtime::Result<Result<T, wit::Error>>;

impl ActionsHost for HostState {
    async fn add_table(&mut self, table: QualifiedName, columns: Vec<ColumnDef>, options: TableOptions) -> Reply<()> {
        self.run(Action::AddTable {
            table,
            columns,
            options,
        })
        .await
    }
    async fn set_table_logged(&mut self, table: QualifiedName, logged: bool) -> Reply<()> {
        self.run(Action::SetTableLogged { table, logged }).await
    }
    async fn attach_partition(&mut self, parent: QualifiedName, partition: QualifiedName, bound: String) -> Reply<()> {
        self.run(Action::AttachPartition {
            parent,
            partition,
            bound,
        })
        .await
    }
    async fn detach_partition(&mut self, parent: QualifiedName, partition: QualifiedName) -> Reply<()> {
        self.run(Action::DetachPartition { parent, partition }).await
    }
    async fn set_row_level_security(&mut self, table: QualifiedName, enabled: bool, forced: bool) -> Reply<()> {
        self.run(Action::SetRowLevelSecurity { table, enabled, forced }).await
    }
    async fn create_policy(&mut self, policy: PolicyDef) -> Reply<()> {
        self.run(Action::CreatePolicy { policy }).await
    }
    async fn drop_policy(&mut self, table: QualifiedName, name: String) -> Reply<()> {
        self.run(Action::DropPolicy { table, name }).await
    }
    async fn create_sequence(&mut self, name: QualifiedName, options: SequenceOptions) -> Reply<()> {
        self.run(Action::CreateSequence { name, options }).await
    }
    async fn alter_sequence(&mut self, name: QualifiedName, options: SequenceOptions) -> Reply<()> {
        self.run(Action::AlterSequence { name, options }).await
    }
    async fn set_sequence_owner(&mut self, name: QualifiedName, owner: Option<TableMember>) -> Reply<()> {
        self.run(Action::SetSequenceOwner { name, owner }).await
    }
    async fn drop_sequence(&mut self, name: QualifiedName) -> Reply<()> {
        self.run(Action::DropSequence { name }).await
    }
    async fn set_column_collation(
        &mut self,
        table: QualifiedName,
        column: String,
        collation: Option<QualifiedName>,
    ) -> Reply<()> {
        self.run(Action::SetColumnCollation {
            table,
            column,
            collation,
        })
        .await
    }
    async fn create_collation(&mut self, name: QualifiedName, definition: CollationDef) -> Reply<()> {
        self.run(Action::CreateCollation { name, definition }).await
    }
    async fn drop_collation(&mut self, name: QualifiedName) -> Reply<()> {
        self.run(Action::DropCollation { name }).await
    }
    async fn set_comment(&mut self, target: CommentTarget, text: Option<String>) -> Reply<()> {
        self.run(Action::SetComment { target, text }).await
    }
    async fn grant(&mut self, grant: GrantDef) -> Reply<()> {
        self.run(Action::Grant { grant }).await
    }
    async fn revoke(&mut self, grant: GrantDef) -> Reply<()> {
        self.run(Action::Revoke { grant }).await
    }
    async fn drop_table(&mut self, table: QualifiedName) -> Reply<()> {
        self.run(Action::DropTable { table }).await
    }
    async fn rename_table(&mut self, table: QualifiedName, new_name: String) -> Reply<()> {
        self.run(Action::RenameTable { table, new_name }).await
    }
    async fn add_column(&mut self, table: QualifiedName, column: ColumnDef) -> Reply<()> {
        self.run(Action::AddColumn { table, column }).await
    }
    async fn drop_column(&mut self, table: QualifiedName, column: String) -> Reply<()> {
        self.run(Action::DropColumn { table, column }).await
    }
    async fn rename_column(&mut self, table: QualifiedName, column: String, new_name: String) -> Reply<()> {
        self.run(Action::RenameColumn {
            table,
            column,
            new_name,
        })
        .await
    }
    async fn change_column_type(
        &mut self,
        table: QualifiedName,
        column: String,
        new_type: DataType,
        cast: TypeCast,
    ) -> Reply<()> {
        self.run(Action::ChangeColumnType {
            table,
            column,
            new_type,
            cast,
        })
        .await
    }
    async fn set_column_identity(
        &mut self,
        table: QualifiedName,
        column: String,
        identity: Option<IdentityKind>,
    ) -> Reply<()> {
        self.run(Action::SetColumnIdentity {
            table,
            column,
            identity,
        })
        .await
    }
    async fn drop_column_expression(&mut self, table: QualifiedName, column: String) -> Reply<()> {
        self.run(Action::DropColumnExpression { table, column }).await
    }
    async fn add_not_null(&mut self, table: QualifiedName, column: String) -> Reply<()> {
        self.run(Action::AddNotNull { table, column }).await
    }
    async fn drop_not_null(&mut self, table: QualifiedName, column: String) -> Reply<()> {
        self.run(Action::DropNotNull { table, column }).await
    }
    async fn set_column_default(&mut self, table: QualifiedName, column: String, default: ColumnDefault) -> Reply<()> {
        self.run(Action::SetColumnDefault { table, column, default }).await
    }
    async fn drop_column_default(&mut self, table: QualifiedName, column: String) -> Reply<()> {
        self.run(Action::DropColumnDefault { table, column }).await
    }
    async fn add_constraint(&mut self, table: QualifiedName, name: String, constraint: Constraint) -> Reply<()> {
        self.run(Action::AddConstraint {
            table,
            name,
            constraint,
        })
        .await
    }
    async fn drop_constraint(&mut self, table: QualifiedName, name: String) -> Reply<()> {
        self.run(Action::DropConstraint { table, name }).await
    }
    async fn add_index(&mut self, index: IndexDef) -> Reply<()> {
        self.run(Action::AddIndex { index }).await
    }
    async fn add_index_sql(&mut self, definition: String) -> Reply<()> {
        self.run(Action::AddIndexSql { definition }).await
    }
    async fn create_view(&mut self, name: QualifiedName, query: String, materialized: bool) -> Reply<()> {
        self.run(Action::CreateView {
            name,
            query,
            materialized,
        })
        .await
    }
    async fn drop_view(&mut self, name: QualifiedName, materialized: bool) -> Reply<()> {
        self.run(Action::DropView { name, materialized }).await
    }
    async fn create_extension(&mut self, name: String, schema: Option<String>, version: Option<String>) -> Reply<()> {
        self.run(Action::CreateExtension { name, schema, version }).await
    }
    async fn update_extension(&mut self, name: String, version: String) -> Reply<()> {
        self.run(Action::UpdateExtension { name, version }).await
    }
    async fn drop_extension(&mut self, name: String) -> Reply<()> {
        self.run(Action::DropExtension { name }).await
    }
    async fn create_function(&mut self, definition: String) -> Reply<()> {
        self.run(Action::CreateFunction { definition }).await
    }
    async fn drop_function(&mut self, name: QualifiedName, arguments: String, procedure: bool) -> Reply<()> {
        self.run(Action::DropFunction {
            name,
            arguments,
            procedure,
        })
        .await
    }
    async fn create_trigger(&mut self, definition: String) -> Reply<()> {
        self.run(Action::CreateTrigger { definition }).await
    }
    async fn drop_trigger(&mut self, table: QualifiedName, name: String) -> Reply<()> {
        self.run(Action::DropTrigger { table, name }).await
    }
    async fn create_schema(&mut self, name: String) -> Reply<()> {
        self.run(Action::CreateSchema { name }).await
    }
    async fn drop_schema(&mut self, name: String) -> Reply<()> {
        self.run(Action::DropSchema { name }).await
    }
    async fn drop_index(&mut self, index: QualifiedName) -> Reply<()> {
        self.run(Action::DropIndex { index }).await
    }
    async fn create_enum(&mut self, name: QualifiedName, values: Vec<String>) -> Reply<()> {
        self.run(Action::CreateEnum { name, values }).await
    }
    async fn add_enum_values(
        &mut self,
        name: QualifiedName,
        values: Vec<String>,
        position: Option<EnumPosition>,
    ) -> Reply<()> {
        self.run(Action::AddEnumValues { name, values, position }).await
    }
    async fn drop_enum_values(&mut self, name: QualifiedName, values: Vec<String>) -> Reply<()> {
        self.run(Action::DropEnumValues { name, values }).await
    }
    async fn drop_type(&mut self, name: QualifiedName) -> Reply<()> {
        self.run(Action::DropType { name }).await
    }
    async fn execute(&mut self, sql: String, params: Vec<SqlValue>) -> Reply<u64> {
        self.count(sql.len() + params_size(&params))?;
        if let Err(error) = self.grant.check_sql(&sql, self.unacknowledged.as_deref()) {
            return Ok(self.refuse("execute", error));
        }
        let result = self.session.execute(&sql, &params).await;
        Ok(self.report(result))
    }
    async fn query(&mut self, sql: String, params: Vec<SqlValue>) -> Reply<Rows> {
        self.count(sql.len() + params_size(&params))?;
        if let Err(error) = self.grant.check_sql(&sql, self.unacknowledged.as_deref()) {
            return Ok(self.refuse("query", error));
        }
        let result = self
            .session
            .query(&sql, &params, self.max_query_rows, self.max_query_bytes)
            .await;
        Ok(self.report(result))
    }
}
