//! The generated WIT types ([`super::wit`]) to the host's [`crate::model`]
//! and back, at the one place they meet: the arguments of each import and
//! what it returns, and what a migration's exports return.
//!
//! Every record is taken apart and rebuilt field by field, and every
//! variant matched case by case with no catch-all arm, so a change to the
//! WIT that the model does not follow (a new field or case, a renamed one)
//! fails to compile here instead of being dropped or mismapped.

use super::wit;
use crate::model;

/// A value of one side of the boundary as the other side's.
pub(super) trait Convert<T> {
    fn convert(self) -> T;
}

impl<A: Convert<B>, B> Convert<Vec<B>> for Vec<A> {
    fn convert(self) -> Vec<B> {
        self.into_iter().map(Convert::convert).collect()
    }
}

impl<A: Convert<B>, B> Convert<Option<B>> for Option<A> {
    fn convert(self) -> Option<B> {
        self.map(Convert::convert)
    }
}

impl<A: Convert<B>, B, E: Convert<F>, F> Convert<Result<B, F>> for Result<A, E> {
    fn convert(self) -> Result<B, F> {
        self.map(Convert::convert).map_err(Convert::convert)
    }
}

/// The WIT's primitives are Rust's on both sides.
macro_rules! same {
    ($($ty:ty),*) => {
        $(impl Convert<$ty> for $ty {
            fn convert(self) -> $ty {
                self
            }
        })*
    };
}

same!((), bool, u8, u32, u64, i64, f64, String);

/// Both directions for records, each listing every field: taking the value
/// apart without `..` and building the other without it is what makes a
/// field missing on either side a compile error.
macro_rules! records {
    ($(record $name:ident { $($field:ident),* $(,)? })*) => {
        $(
            impl Convert<model::$name> for wit::$name {
                fn convert(self) -> model::$name {
                    let wit::$name { $($field),* } = self;
                    model::$name { $($field: $field.convert()),* }
                }
            }
            impl Convert<wit::$name> for model::$name {
                fn convert(self) -> wit::$name {
                    let model::$name { $($field),* } = self;
                    wit::$name { $($field: $field.convert()),* }
                }
            }
        )*
    };
}

/// Both directions for variants (and WIT enums, variants without payloads),
/// each listing every case as `Case` or `Case(payload)`.
macro_rules! variants {
    ($(variant $name:ident { $($case:ident $(($payload:ident))?),* $(,)? })*) => {
        $(
            impl Convert<model::$name> for wit::$name {
                fn convert(self) -> model::$name {
                    match self {
                        $(wit::$name::$case $(($payload))? => model::$name::$case $(($payload.convert()))?,)*
                    }
                }
            }
            impl Convert<wit::$name> for model::$name {
                fn convert(self) -> wit::$name {
                    match self {
                        $(model::$name::$case $(($payload))? => wit::$name::$case $(($payload.convert()))?,)*
                    }
                }
            }
        )*
    };
}

records! {
    record QualifiedName { schema, name }
    record NumericPrecision { precision, scale }
    record TimeOptions { with_time_zone, precision }
    record DataType { scalar, is_array }
    record ColumnDef { name, data_type, nullable, default, identity, generated, collation }
    record ForeignKey { columns, references, referenced_columns, on_delete, on_update }
    record IndexDef { name, table, columns, unique, method, predicate }
    record TableMember { table, name }
    record TableOptions { unlogged, partition_by, partition_of, inherits }
    record PartitionOf { parent, bound }
    record SequenceOptions { data_type, start, increment, min_value, max_value, cache, cycle }
    record CollationDef { provider, locale, lc_ctype, deterministic }
    record FunctionRef { name, arguments, procedure }
    record GrantDef { on, privileges, grantee, grant_option }
    record PolicyDef { name, table, permissive, command, roles, using, with_check }
    record RelationOption { name, value }
    record DomainCheck { name, expression }
    record AttributeDef { name, data_type, collation }
    record Rows { columns, rows }
    record Error { kind, message, sqlstate }
    record RevisionInfo { revision, parent, message }
}

variants! {
    variant ScalarType {
        Smallint, Integer, Bigint, Numeric(precision), Real, DoublePrecision, Smallserial, Serial, Bigserial, Money,
        Char(length), Varchar(length), Text, Bytea, Boolean, Date, Time(options), Timestamp(options), Interval, Uuid,
        Json, Jsonb, Xml, Point, Line, Lseg, Box, Path, Polygon, Circle, Cidr, Inet, Macaddr, Macaddr8, Bit(length),
        Varbit(length), Tsvector, Tsquery, Int4range, Int8range, Numrange, Tsrange, Tstzrange, Daterange, Oid,
        Named(name), Sql(text),
    }
    variant SqlValue {
        Null, Boolean(value), Int(value), Float(value), Numeric(value), Text(value), Bytes(value), Json(value),
    }
    variant ColumnDefault { Value(value), Expression(expression) }
    variant IdentityKind { Always, ByDefault }
    variant TypeCast { None, Auto, Using(expression) }
    variant ForeignKeyAction { NoAction, Restrict, Cascade, SetNull, SetDefault }
    variant Constraint { PrimaryKey(columns), Unique(columns), ForeignKey(key), Check(expression), Sql(text) }
    variant IndexMethod { Btree, Hash, Gist, Gin, Brin, Spgist }
    variant SequenceType { Smallint, Integer, Bigint }
    variant CollationProvider { Libc, Icu }
    variant CommentTarget {
        Schema(name), Table(name), Column(member), View(name), MaterializedView(name), Index(name), Sequence(name),
        Type(name), Collation(name), Function(function), Constraint(member), Trigger(member),
    }
    variant Privilege { Select, Insert, Update, Delete, Truncate, References, Trigger, Usage }
    variant PolicyCommand { All, Select, Insert, Update, Delete }
    variant EnumPosition { Before(value), After(value) }
    variant ReplicaIdentity { Default, Full, Nothing, UsingIndex(index) }
    variant DomainChange {
        SetDefault(expression), DropDefault, SetNotNull, DropNotNull, AddCheck(check), DropConstraint(name),
    }
    variant AttributeChange { Add(attribute), Drop(name), SetType(attribute) }
    variant ErrorKind { InvalidIdentifier, InvalidArgument, Database, NotPermitted, LimitExceeded, Migration }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::*;
    use std::fmt::Debug;

    /// Each value to the generated type and back: the generated value must
    /// serialize exactly as the model's (so every field and case landed on
    /// its namesake, and the model keeps the serde form the generated types
    /// gave the JSON the host writes), and the way back must give the value
    /// unchanged.
    fn round_trip<M, W>(values: impl IntoIterator<Item = M>)
    where
        M: Convert<W> + Clone + PartialEq + Debug + serde::Serialize,
        W: Convert<M> + serde::Serialize,
    {
        for value in values {
            let generated: W = value.clone().convert();
            assert_eq!(
                serde_json::to_value(&generated).unwrap(),
                serde_json::to_value(&value).unwrap(),
                "{value:?}"
            );
            let back: M = generated.convert();
            assert_eq!(back, value);
        }
    }

    fn name(schema: Option<&str>, name: &str) -> QualifiedName {
        QualifiedName {
            schema: schema.map(str::to_owned),
            name: name.to_owned(),
        }
    }

    fn member() -> TableMember {
        TableMember {
            table: name(Some("app"), "orders"),
            name: "total".into(),
        }
    }

    fn every_scalar() -> Vec<ScalarType> {
        use ScalarType::*;
        let time = TimeOptions {
            with_time_zone: true,
            precision: Some(3),
        };
        vec![
            Smallint,
            Integer,
            Bigint,
            Numeric(None),
            Numeric(Some(NumericPrecision {
                precision: 12,
                scale: 2,
            })),
            Real,
            DoublePrecision,
            Smallserial,
            Serial,
            Bigserial,
            Money,
            Char(Some(4)),
            Varchar(None),
            Varchar(Some(80)),
            Text,
            Bytea,
            Boolean,
            Date,
            Time(time),
            Timestamp(TimeOptions {
                with_time_zone: false,
                precision: None,
            }),
            Interval,
            Uuid,
            Json,
            Jsonb,
            Xml,
            Point,
            Line,
            Lseg,
            Box,
            Path,
            Polygon,
            Circle,
            Cidr,
            Inet,
            Macaddr,
            Macaddr8,
            Bit(Some(8)),
            Varbit(None),
            Tsvector,
            Tsquery,
            Int4range,
            Int8range,
            Numrange,
            Tsrange,
            Tstzrange,
            Daterange,
            Oid,
            Named(name(Some("app"), "mood")),
            Sql("interval day to second".into()),
        ]
    }

    fn every_value() -> Vec<SqlValue> {
        use SqlValue::*;
        vec![
            Null,
            Boolean(true),
            Int(-7),
            Float(1.5),
            Numeric("12.50".into()),
            Text("x".into()),
            Bytes(vec![0, 255]),
            Json("{}".into()),
        ]
    }

    #[test]
    fn names_types_and_values() {
        round_trip::<_, wit::QualifiedName>([name(None, "users"), name(Some("app"), "Users")]);
        round_trip::<_, wit::ScalarType>(every_scalar());
        round_trip::<_, wit::DataType>(
            every_scalar()
                .into_iter()
                .map(|scalar| DataType { scalar, is_array: true }),
        );
        round_trip::<_, wit::SqlValue>(every_value());
    }

    #[test]
    fn columns_constraints_and_indexes() {
        let text = DataType {
            scalar: ScalarType::Text,
            is_array: false,
        };
        round_trip::<_, wit::ColumnDef>([
            ColumnDef::new("note", text.clone()),
            ColumnDef {
                name: "id".into(),
                data_type: text.clone(),
                nullable: false,
                default: Some(ColumnDefault::Value(SqlValue::Text("a".into()))),
                identity: Some(IdentityKind::ByDefault),
                generated: Some("upper(a)".into()),
                collation: Some(name(Some("pg_catalog"), "C")),
            },
            ColumnDef {
                default: Some(ColumnDefault::Expression("now()".into())),
                identity: Some(IdentityKind::Always),
                ..ColumnDef::new("at", text)
            },
        ]);
        round_trip::<_, wit::TypeCast>([TypeCast::None, TypeCast::Auto, TypeCast::Using("a::int".into())]);
        let key = |on_delete, on_update| ForeignKey {
            columns: vec!["a".into(), "b".into()],
            references: name(Some("app"), "parents"),
            referenced_columns: vec!["x".into(), "y".into()],
            on_delete,
            on_update,
        };
        use ForeignKeyAction::*;
        round_trip::<_, wit::Constraint>([
            Constraint::PrimaryKey(vec!["id".into()]),
            Constraint::Unique(vec!["a".into(), "b".into()]),
            Constraint::ForeignKey(key(NoAction, Restrict)),
            Constraint::ForeignKey(key(Cascade, SetNull)),
            Constraint::ForeignKey(key(SetDefault, NoAction)),
            Constraint::Check("a > 0".into()),
            Constraint::Sql("EXCLUDE USING gist (r WITH &&)".into()),
        ]);
        use IndexMethod::*;
        round_trip::<_, wit::IndexDef>(
            [Btree, Hash, Gist, Gin, Brin, Spgist]
                .into_iter()
                .map(|method| IndexDef {
                    name: "orders_total".into(),
                    table: name(Some("app"), "orders"),
                    columns: vec!["total".into()],
                    unique: method == Btree,
                    method,
                    predicate: (method == Gin).then(|| "total > 0".into()),
                }),
        );
        round_trip::<_, wit::TableMember>([member()]);
    }

    #[test]
    fn tables_sequences_and_collations() {
        round_trip::<_, wit::TableOptions>([
            TableOptions::default(),
            TableOptions {
                unlogged: true,
                partition_by: Some("RANGE (at)".into()),
                partition_of: Some(PartitionOf {
                    parent: name(Some("app"), "events"),
                    bound: "DEFAULT".into(),
                }),
                inherits: vec![name(None, "base")],
            },
        ]);
        use SequenceType::*;
        round_trip::<_, wit::SequenceOptions>(
            [None, Some(Smallint), Some(Integer), Some(Bigint)]
                .into_iter()
                .map(|data_type| SequenceOptions {
                    data_type,
                    start: Some(1),
                    increment: Some(2),
                    min_value: Some(3),
                    max_value: Some(4),
                    cache: Some(5),
                    cycle: Some(true),
                })
                .chain([SequenceOptions::default()]),
        );
        round_trip::<_, wit::CollationDef>([
            CollationDef {
                provider: CollationProvider::Icu,
                locale: "und-u-ks-level2".into(),
                lc_ctype: None,
                deterministic: false,
            },
            CollationDef {
                provider: CollationProvider::Libc,
                locale: "C".into(),
                lc_ctype: Some("en_US.utf8".into()),
                deterministic: true,
            },
        ]);
    }

    #[test]
    fn comments_grants_policies_and_enums() {
        let q = || name(Some("app"), "thing");
        round_trip::<_, wit::CommentTarget>([
            CommentTarget::Schema("app".into()),
            CommentTarget::Table(q()),
            CommentTarget::Column(member()),
            CommentTarget::View(q()),
            CommentTarget::MaterializedView(q()),
            CommentTarget::Index(q()),
            CommentTarget::Sequence(q()),
            CommentTarget::Type(q()),
            CommentTarget::Collation(q()),
            CommentTarget::Function(FunctionRef {
                name: q(),
                arguments: "a integer".into(),
                procedure: true,
            }),
            CommentTarget::Constraint(member()),
            CommentTarget::Trigger(member()),
        ]);
        let privileges = {
            use Privilege::*;
            vec![Select, Insert, Update, Delete, Truncate, References, Trigger, Usage]
        };
        round_trip::<_, wit::GrantDef>([GrantDef {
            on: q(),
            privileges,
            grantee: "PUBLIC".into(),
            grant_option: true,
        }]);
        use PolicyCommand as C;
        round_trip::<_, wit::PolicyDef>([C::All, C::Select, C::Insert, C::Update, C::Delete].into_iter().map(
            |command| PolicyDef {
                name: "own_rows".into(),
                table: q(),
                permissive: command != C::All,
                command,
                roles: vec!["app".into()],
                using: Some("owner = current_user".into()),
                with_check: (command == C::Insert).then(|| "true".into()),
            },
        ));
        round_trip::<_, wit::EnumPosition>([EnumPosition::Before("a".into()), EnumPosition::After("b".into())]);
    }

    #[test]
    fn what_crosses_back_to_the_guest() {
        round_trip::<_, wit::Rows>([Rows {
            columns: vec!["a".into(), "b".into()],
            rows: vec![every_value(), Vec::new()],
        }]);
        use ErrorKind::*;
        round_trip::<_, wit::Error>(
            [
                InvalidIdentifier,
                InvalidArgument,
                Database,
                NotPermitted,
                LimitExceeded,
                Migration,
            ]
            .into_iter()
            .map(|kind| Error {
                sqlstate: (kind == Database).then(|| "23505".into()),
                ..Error::new(kind, "it failed")
            }),
        );
        round_trip::<_, wit::RevisionInfo>([
            RevisionInfo {
                revision: "0002".into(),
                parent: Some("0001".into()),
                message: "add orders".into(),
            },
            RevisionInfo {
                revision: "0001".into(),
                parent: None,
                message: String::new(),
            },
        ]);
        let returned: Result<u64, Error> = Err(Error::new(Migration, "no"));
        let generated: Result<u64, wit::Error> = returned.clone().convert();
        assert_eq!(
            generated.clone().map_err(|e| (e.kind, e.message)),
            Err((wit::ErrorKind::Migration, "no".into()))
        );
        assert_eq!(Convert::<Result<u64, Error>>::convert(generated), returned);
    }
}
