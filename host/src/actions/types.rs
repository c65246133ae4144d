//! Column types as SQL text.

use super::ActionError;
use super::ident::qualified;
use crate::model::{DataType, ScalarType, TimeOptions};

/// Postgres's own bounds (see `numeric`, `varchar`, `bit` in its docs).
const MAX_NUMERIC_PRECISION: u32 = 1000;
const MAX_CHAR_LENGTH: u32 = 10_485_760;
const MAX_BIT_LENGTH: u32 = 83_886_080;

/// Where a type is used: serial types only exist when a column is created.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TypeUse {
    NewColumn,
    ChangeType,
}

/// The SQL spelling of `data_type`.
pub fn render(data_type: &DataType, default_schema: &str, usage: TypeUse) -> Result<String, ActionError> {
    let scalar = render_scalar(&data_type.scalar, default_schema)?;
    let serial = matches!(
        data_type.scalar,
        ScalarType::Smallserial | ScalarType::Serial | ScalarType::Bigserial
    );
    if serial && (data_type.is_array || usage == TypeUse::ChangeType) {
        return Err(ActionError::InvalidArgument(format!(
            "{scalar} is only valid for a new, non-array column; use the matching integer type and a sequence default"
        )));
    }
    Ok(if data_type.is_array {
        format!("{scalar}[]")
    } else {
        scalar
    })
}

pub fn render_scalar(scalar: &ScalarType, default_schema: &str) -> Result<String, ActionError> {
    use ScalarType as S;
    Ok(match scalar {
        S::Smallint => "smallint".into(),
        S::Integer => "integer".into(),
        S::Bigint => "bigint".into(),
        S::Numeric(None) => "numeric".into(),
        S::Numeric(Some(p)) => {
            if p.precision == 0 || p.precision > MAX_NUMERIC_PRECISION || p.scale > p.precision {
                return Err(ActionError::InvalidArgument(format!(
                    "numeric({}, {}): precision must be 1 to {MAX_NUMERIC_PRECISION} and scale 0 to the precision",
                    p.precision, p.scale
                )));
            }
            format!("numeric({}, {})", p.precision, p.scale)
        }
        S::Real => "real".into(),
        S::DoublePrecision => "double precision".into(),
        S::Smallserial => "smallserial".into(),
        S::Serial => "serial".into(),
        S::Bigserial => "bigserial".into(),
        S::Money => "money".into(),
        S::Char(n) => sized("character", *n, MAX_CHAR_LENGTH)?,
        S::Varchar(n) => sized("character varying", *n, MAX_CHAR_LENGTH)?,
        S::Text => "text".into(),
        S::Bytea => "bytea".into(),
        S::Boolean => "boolean".into(),
        S::Date => "date".into(),
        S::Time(o) => timed("time", o)?,
        S::Timestamp(o) => timed("timestamp", o)?,
        S::Interval => "interval".into(),
        S::Uuid => "uuid".into(),
        S::Json => "json".into(),
        S::Jsonb => "jsonb".into(),
        S::Xml => "xml".into(),
        S::Point => "point".into(),
        S::Line => "line".into(),
        S::Lseg => "lseg".into(),
        S::Box => "box".into(),
        S::Path => "path".into(),
        S::Polygon => "polygon".into(),
        S::Circle => "circle".into(),
        S::Cidr => "cidr".into(),
        S::Inet => "inet".into(),
        S::Macaddr => "macaddr".into(),
        S::Macaddr8 => "macaddr8".into(),
        S::Bit(n) => sized("bit", *n, MAX_BIT_LENGTH)?,
        S::Varbit(n) => sized("bit varying", *n, MAX_BIT_LENGTH)?,
        S::Tsvector => "tsvector".into(),
        S::Tsquery => "tsquery".into(),
        S::Int4range => "int4range".into(),
        S::Int8range => "int8range".into(),
        S::Numrange => "numrange".into(),
        S::Tsrange => "tsrange".into(),
        S::Tstzrange => "tstzrange".into(),
        S::Daterange => "daterange".into(),
        S::Oid => "oid".into(),
        S::Named(name) => qualified(name, default_schema, "type")?,
        S::Sql(text) => {
            super::guard::type_name(text)?;
            text.clone()
        }
    })
}

fn sized(base: &str, length: Option<u32>, max: u32) -> Result<String, ActionError> {
    match length {
        None => Ok(base.into()),
        Some(n) if n == 0 || n > max => Err(ActionError::InvalidArgument(format!(
            "{base}({n}): the length must be 1 to {max}"
        ))),
        Some(n) => Ok(format!("{base}({n})")),
    }
}

fn timed(base: &str, options: &TimeOptions) -> Result<String, ActionError> {
    let mut text = base.to_owned();
    if let Some(p) = options.precision {
        if p > 6 {
            return Err(ActionError::InvalidArgument(format!(
                "{base}({p}): the precision must be 0 to 6"
            )));
        }
        text = format!("{text}({p})");
    }
    if options.with_time_zone {
        text.push_str(" with time zone");
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NumericPrecision, QualifiedName};

    fn r(scalar: ScalarType, is_array: bool) -> Result<String, ActionError> {
        render(&DataType { scalar, is_array }, "public", TypeUse::NewColumn)
    }

    #[test]
    fn renders_sized_and_timed_types() {
        assert_eq!(
            r(ScalarType::Varchar(Some(40)), false).unwrap(),
            "character varying(40)"
        );
        assert_eq!(r(ScalarType::Varchar(None), true).unwrap(), "character varying[]");
        assert_eq!(
            r(
                ScalarType::Numeric(Some(NumericPrecision {
                    precision: 10,
                    scale: 2
                })),
                false
            )
            .unwrap(),
            "numeric(10, 2)"
        );
        let tz = TimeOptions {
            with_time_zone: true,
            precision: Some(3),
        };
        assert_eq!(
            r(ScalarType::Timestamp(tz), false).unwrap(),
            "timestamp(3) with time zone"
        );
        let plain = TimeOptions {
            with_time_zone: false,
            precision: None,
        };
        assert_eq!(r(ScalarType::Time(plain), false).unwrap(), "time");
        assert_eq!(
            r(ScalarType::Named(QualifiedName::unqualified("post_status")), true).unwrap(),
            "\"public\".\"post_status\"[]"
        );
    }

    #[test]
    fn rejects_out_of_range_modifiers_and_serial_misuse() {
        assert!(r(ScalarType::Varchar(Some(0)), false).is_err());
        assert!(
            r(
                ScalarType::Numeric(Some(NumericPrecision { precision: 2, scale: 3 })),
                false
            )
            .is_err()
        );
        let bad = TimeOptions {
            with_time_zone: false,
            precision: Some(7),
        };
        assert!(r(ScalarType::Time(bad), false).is_err());
        assert!(r(ScalarType::Serial, true).is_err());
        let serial = DataType {
            scalar: ScalarType::Bigserial,
            is_array: false,
        };
        assert!(render(&serial, "public", TypeUse::ChangeType).is_err());
    }
}
