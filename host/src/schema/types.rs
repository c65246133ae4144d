//! Catalog types to the contract's typed [`DataType`].

use crate::model::{DataType, NumericPrecision, QualifiedName, ScalarType, TimeOptions};

/// The typed form of a column's type, from the (element) type's name and
/// schema, its typmod and whether the column is an array. Types the contract
/// has no case for (domains, extension types) become `Named`.
pub fn data_type(type_name: &str, type_schema: &str, typmod: i32, is_array: bool) -> DataType {
    let modifier = (typmod >= 0).then_some(typmod);
    // For the character and bit types the typmod is the length (+4 for
    // the varlena header in the character types).
    let length = |header: i32| modifier.map(|m| (m - header) as u32);
    let time = |with_time_zone| TimeOptions {
        with_time_zone,
        precision: modifier.map(|m| m as u32),
    };
    let scalar = match (type_schema, type_name) {
        ("pg_catalog", "int2") => ScalarType::Smallint,
        ("pg_catalog", "int4") => ScalarType::Integer,
        ("pg_catalog", "int8") => ScalarType::Bigint,
        ("pg_catalog", "numeric") => ScalarType::Numeric(modifier.map(|m| NumericPrecision {
            precision: (((m - 4) >> 16) & 0xffff) as u32,
            scale: ((m - 4) & 0xffff) as u32,
        })),
        ("pg_catalog", "float4") => ScalarType::Real,
        ("pg_catalog", "float8") => ScalarType::DoublePrecision,
        ("pg_catalog", "money") => ScalarType::Money,
        ("pg_catalog", "bpchar") => ScalarType::Char(length(4)),
        ("pg_catalog", "varchar") => ScalarType::Varchar(length(4)),
        ("pg_catalog", "text") => ScalarType::Text,
        ("pg_catalog", "bytea") => ScalarType::Bytea,
        ("pg_catalog", "bool") => ScalarType::Boolean,
        ("pg_catalog", "date") => ScalarType::Date,
        ("pg_catalog", "time") => ScalarType::Time(time(false)),
        ("pg_catalog", "timetz") => ScalarType::Time(time(true)),
        ("pg_catalog", "timestamp") => ScalarType::Timestamp(time(false)),
        ("pg_catalog", "timestamptz") => ScalarType::Timestamp(time(true)),
        ("pg_catalog", "interval") if modifier.is_none() => ScalarType::Interval,
        ("pg_catalog", "uuid") => ScalarType::Uuid,
        ("pg_catalog", "json") => ScalarType::Json,
        ("pg_catalog", "jsonb") => ScalarType::Jsonb,
        ("pg_catalog", "xml") => ScalarType::Xml,
        ("pg_catalog", "point") => ScalarType::Point,
        ("pg_catalog", "line") => ScalarType::Line,
        ("pg_catalog", "lseg") => ScalarType::Lseg,
        ("pg_catalog", "box") => ScalarType::Box,
        ("pg_catalog", "path") => ScalarType::Path,
        ("pg_catalog", "polygon") => ScalarType::Polygon,
        ("pg_catalog", "circle") => ScalarType::Circle,
        ("pg_catalog", "cidr") => ScalarType::Cidr,
        ("pg_catalog", "inet") => ScalarType::Inet,
        ("pg_catalog", "macaddr") => ScalarType::Macaddr,
        ("pg_catalog", "macaddr8") => ScalarType::Macaddr8,
        ("pg_catalog", "bit") => ScalarType::Bit(length(0)),
        ("pg_catalog", "varbit") => ScalarType::Varbit(length(0)),
        ("pg_catalog", "tsvector") => ScalarType::Tsvector,
        ("pg_catalog", "tsquery") => ScalarType::Tsquery,
        ("pg_catalog", "int4range") => ScalarType::Int4range,
        ("pg_catalog", "int8range") => ScalarType::Int8range,
        ("pg_catalog", "numrange") => ScalarType::Numrange,
        ("pg_catalog", "tsrange") => ScalarType::Tsrange,
        ("pg_catalog", "tstzrange") => ScalarType::Tstzrange,
        ("pg_catalog", "daterange") => ScalarType::Daterange,
        ("pg_catalog", "oid") => ScalarType::Oid,
        (schema, name) => ScalarType::Named(QualifiedName::qualified(schema, name)),
    };
    DataType { scalar, is_array }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::types::{TypeUse, render};

    /// The typmods Postgres stores, as `format_type` would print them back.
    #[test]
    fn typmods_decode_to_what_render_prints() {
        let cases = [
            ("varchar", 44, false, "character varying(40)"),
            ("bpchar", 14, false, "character(10)"),
            ("numeric", (10 << 16 | 2) + 4, false, "numeric(10, 2)"),
            ("numeric", -1, true, "numeric[]"),
            ("timestamptz", 3, false, "timestamp(3) with time zone"),
            ("time", -1, false, "time"),
            ("bit", 8, false, "bit(8)"),
            ("int4", -1, true, "integer[]"),
        ];
        for (name, typmod, is_array, expected) in cases {
            let dt = data_type(name, "pg_catalog", typmod, is_array);
            assert_eq!(
                render(&dt, "public", TypeUse::NewColumn).unwrap(),
                expected,
                "{name}({typmod})"
            );
        }
        let named = data_type("post_status", "blog", -1, false);
        assert_eq!(
            render(&named, "public", TypeUse::NewColumn).unwrap(),
            "\"blog\".\"post_status\""
        );
    }
}
