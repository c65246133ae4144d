//! What a removal takes away, and whether that loses data: one answer for
//! the drop actions ([`super::facts`]) and for raw `DROP`/`TRUNCATE`
//! statements ([`super::guard`]) alike.

/// What a removal takes away. The one answer to "does dropping this lose
/// data?", for actions and for raw `DROP`/`TRUNCATE` statements alike: a
/// sandboxed source needs its project's acknowledgement for those that do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removed {
    Table,
    Column,
    /// `TRUNCATE`.
    Rows,
    /// Its current value.
    Sequence,
    Type,
    EnumValues,
    /// Rebuilt from the table's rows.
    Index,
    /// Its query is in the migration's source.
    View,
    Schema,
    Collation,
    Constraint,
    Policy,
    Function,
    Trigger,
    Extension,
}

impl Removed {
    /// Rows or values are gone afterwards. A type and enum values count:
    /// what the data meant goes with them (their removal fails while a
    /// column uses them, unless a cast moved its values first). An index
    /// is rebuilt from the rows, a view or code from the migration's source.
    pub fn loses_data(self) -> bool {
        match self {
            Removed::Table
            | Removed::Column
            | Removed::Rows
            | Removed::Sequence
            | Removed::Type
            | Removed::EnumValues => true,
            Removed::Index
            | Removed::View
            | Removed::Schema
            | Removed::Collation
            | Removed::Constraint
            | Removed::Policy
            | Removed::Function
            | Removed::Trigger
            | Removed::Extension => false,
        }
    }
}
