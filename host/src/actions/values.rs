//! `sql-value` in and out of Postgres: bind parameters for `execute`/`query`,
//! result columns for `query`, and literals for DDL (where Postgres accepts no
//! parameters, e.g. `SET DEFAULT`).

use super::ActionError;
use super::ident::literal as text_literal;
use crate::model::SqlValue;
use bytes::{BufMut, BytesMut};
use postgres_types::{FromSql, IsNull, Kind, ToSql, Type, to_sql_checked};
use std::error::Error as StdError;

type BoxError = Box<dyn StdError + Sync + Send>;

/// A constant as SQL text, for DDL. Text-like values stay untyped literals
/// so that Postgres coerces them to the column's type (`'draft'` into an enum).
pub fn literal(value: &SqlValue) -> Result<String, ActionError> {
    Ok(match value {
        SqlValue::Null => "NULL".into(),
        SqlValue::Boolean(b) => if *b { "true" } else { "false" }.into(),
        SqlValue::Int(i) => format!("({i})"),
        SqlValue::Float(f) if f.is_finite() => format!("({f:?})"),
        SqlValue::Float(f) => format!(
            "'{}'::double precision",
            if f.is_nan() {
                "NaN"
            } else if *f > 0.0 {
                "Infinity"
            } else {
                "-Infinity"
            }
        ),
        SqlValue::Numeric(n) => {
            parse_decimal(n).map_err(ActionError::InvalidArgument)?;
            format!("'{n}'::numeric")
        }
        SqlValue::Text(t) | SqlValue::Json(t) => text_literal(t)?,
        // The E'' form reads the same whatever standard_conforming_strings is.
        SqlValue::Bytes(b) => format!("E'\\\\x{}'::bytea", hex::encode(b)),
    })
}

/// A guest value as a bind parameter, converted to whatever type Postgres
/// inferred for the parameter.
#[derive(Debug)]
pub struct Param<'a>(pub &'a SqlValue);

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let mismatch = || -> BoxError {
            format!(
                "a {} value cannot be sent to a parameter of type {}; cast the parameter in SQL (e.g. $1::text)",
                kind_name(self.0),
                ty.name()
            )
            .into()
        };
        match self.0 {
            SqlValue::Null => Ok(IsNull::Yes),
            SqlValue::Boolean(b) => match *ty {
                Type::BOOL => b.to_sql(ty, out),
                _ if is_text(ty) => text_bytes(if *b { "true" } else { "false" }, out),
                _ => Err(mismatch()),
            },
            SqlValue::Int(i) => match *ty {
                Type::INT2 => i16::try_from(*i).map_err(|_| out_of_range(*i, ty))?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i).map_err(|_| out_of_range(*i, ty))?.to_sql(ty, out),
                Type::INT8 => i.to_sql(ty, out),
                Type::OID => u32::try_from(*i).map_err(|_| out_of_range(*i, ty))?.to_sql(ty, out),
                Type::FLOAT4 => (*i as f32).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::NUMERIC => encode_numeric(&i.to_string(), out),
                _ if is_text(ty) => text_bytes(&i.to_string(), out),
                _ => Err(mismatch()),
            },
            SqlValue::Float(f) => match *ty {
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                Type::FLOAT8 => f.to_sql(ty, out),
                // Display never uses an exponent, which numeric text cannot hold.
                Type::NUMERIC if f.is_finite() => encode_numeric(&format!("{f}"), out),
                _ if is_text(ty) => text_bytes(&f.to_string(), out),
                _ => Err(mismatch()),
            },
            SqlValue::Numeric(n) => match *ty {
                Type::NUMERIC => encode_numeric(n, out),
                Type::FLOAT4 | Type::FLOAT8 => {
                    let f: f64 = n.parse().map_err(|_| format!("{n:?} is not a number"))?;
                    if *ty == Type::FLOAT4 {
                        (f as f32).to_sql(ty, out)
                    } else {
                        f.to_sql(ty, out)
                    }
                }
                _ if is_text(ty) => text_bytes(n, out),
                _ => Err(mismatch()),
            },
            SqlValue::Text(t) => text_to_sql(t, ty, out).unwrap_or_else(|| Err(mismatch())),
            SqlValue::Json(j) => match *ty {
                Type::JSON => text_bytes(j, out),
                Type::JSONB => {
                    out.put_u8(1); // jsonb binary format version
                    text_bytes(j, out)
                }
                _ if is_text(ty) => text_bytes(j, out),
                _ => Err(mismatch()),
            },
            SqlValue::Bytes(b) => match *ty {
                Type::BYTEA => b.as_slice().to_sql(ty, out),
                _ => Err(mismatch()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Text converts to most scalar types; `None` when it cannot go to `ty`.
fn text_to_sql(t: &str, ty: &Type, out: &mut BytesMut) -> Option<Result<IsNull, BoxError>> {
    let parse_err = |what: &str| -> BoxError { format!("{t:?} is not a valid {what}").into() };
    Some(match *ty {
        _ if is_text(ty) => text_bytes(t, out),
        Type::JSON => text_bytes(t, out),
        Type::JSONB => {
            out.put_u8(1);
            text_bytes(t, out)
        }
        Type::UUID => match parse_uuid(t) {
            Some(bytes) => {
                out.put_slice(&bytes);
                Ok(IsNull::No)
            }
            None => Err(parse_err("uuid")),
        },
        Type::BOOL => match t.trim().to_ascii_lowercase().as_str() {
            "t" | "true" | "yes" | "on" | "1" => true.to_sql(ty, out),
            "f" | "false" | "no" | "off" | "0" => false.to_sql(ty, out),
            _ => Err(parse_err("boolean")),
        },
        Type::INT2 => t
            .trim()
            .parse::<i16>()
            .map_err(|_| parse_err("smallint"))
            .and_then(|v| v.to_sql(ty, out)),
        Type::INT4 => t
            .trim()
            .parse::<i32>()
            .map_err(|_| parse_err("integer"))
            .and_then(|v| v.to_sql(ty, out)),
        Type::INT8 => t
            .trim()
            .parse::<i64>()
            .map_err(|_| parse_err("bigint"))
            .and_then(|v| v.to_sql(ty, out)),
        Type::FLOAT4 => t
            .trim()
            .parse::<f32>()
            .map_err(|_| parse_err("real"))
            .and_then(|v| v.to_sql(ty, out)),
        Type::FLOAT8 => t
            .trim()
            .parse::<f64>()
            .map_err(|_| parse_err("double"))
            .and_then(|v| v.to_sql(ty, out)),
        Type::NUMERIC => encode_numeric(t.trim(), out),
        Type::DATE => chrono::NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d")
            .map_err(|_| parse_err("date (YYYY-MM-DD)"))
            .and_then(|v| v.to_sql(ty, out)),
        Type::TIME => chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M:%S%.f")
            .map_err(|_| parse_err("time (HH:MM:SS)"))
            .and_then(|v| v.to_sql(ty, out)),
        Type::TIMESTAMP => parse_naive_datetime(t)
            .ok_or_else(|| parse_err("timestamp (YYYY-MM-DD HH:MM:SS)"))
            .and_then(|v| v.to_sql(ty, out)),
        Type::TIMESTAMPTZ => chrono::DateTime::parse_from_rfc3339(t.trim())
            .map(|v| v.with_timezone(&chrono::Utc))
            .or_else(|_| parse_naive_datetime(t).map(|v| v.and_utc()).ok_or(()))
            .map_err(|_| parse_err("timestamptz (RFC 3339)"))
            .and_then(|v| v.to_sql(ty, out)),
        _ if matches!(ty.kind(), Kind::Enum(_)) => text_bytes(t, out),
        _ => return None,
    })
}

fn parse_naive_datetime(t: &str) -> Option<chrono::NaiveDateTime> {
    let t = t.trim();
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d"]
        .iter()
        .find_map(|f| {
            chrono::NaiveDateTime::parse_from_str(t, f).ok().or_else(|| {
                chrono::NaiveDate::parse_from_str(t, f)
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            })
        })
}

fn parse_uuid(t: &str) -> Option<[u8; 16]> {
    let hex_digits: String = t.trim().chars().filter(|c| *c != '-').collect();
    let hex_digits = hex_digits.trim_start_matches('{').trim_end_matches('}');
    let mut bytes = [0u8; 16];
    hex::decode_to_slice(hex_digits, &mut bytes).ok()?;
    Some(bytes)
}

fn is_text(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
    ) || ty.name() == "citext"
}

fn text_bytes(t: &str, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    out.put_slice(t.as_bytes());
    Ok(IsNull::No)
}

fn out_of_range(i: i64, ty: &Type) -> BoxError {
    format!("{i} is out of range for a parameter of type {}", ty.name()).into()
}

fn kind_name(value: &SqlValue) -> &'static str {
    match value {
        SqlValue::Null => "null",
        SqlValue::Boolean(_) => "boolean",
        SqlValue::Int(_) => "int",
        SqlValue::Float(_) => "float",
        SqlValue::Numeric(_) => "numeric",
        SqlValue::Text(_) => "text",
        SqlValue::Bytes(_) => "bytes",
        SqlValue::Json(_) => "json",
    }
}

/// A result column's value as the guest receives it.
#[derive(Debug)]
pub struct Out(pub SqlValue);

impl<'a> FromSql<'a> for Out {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let text = || -> Result<String, BoxError> { Ok(std::str::from_utf8(raw)?.to_owned()) };
        Ok(Out(match *ty {
            Type::BOOL => SqlValue::Boolean(bool::from_sql(ty, raw)?),
            Type::INT2 => SqlValue::Int(i16::from_sql(ty, raw)?.into()),
            Type::INT4 => SqlValue::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT8 => SqlValue::Int(i64::from_sql(ty, raw)?),
            Type::OID => SqlValue::Int(u32::from_sql(ty, raw)?.into()),
            Type::FLOAT4 => SqlValue::Float(f32::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => SqlValue::Float(f64::from_sql(ty, raw)?),
            Type::NUMERIC => SqlValue::Numeric(decode_numeric(raw)?),
            Type::BYTEA => SqlValue::Bytes(raw.to_vec()),
            Type::JSON => SqlValue::Json(text()?),
            Type::JSONB => SqlValue::Json(std::str::from_utf8(raw.get(1..).unwrap_or_default())?.to_owned()),
            Type::UUID => {
                let h = hex::encode(raw);
                if h.len() != 32 {
                    return Err("malformed uuid".into());
                }
                SqlValue::Text(format!(
                    "{}-{}-{}-{}-{}",
                    &h[..8],
                    &h[8..12],
                    &h[12..16],
                    &h[16..20],
                    &h[20..]
                ))
            }
            Type::DATE => SqlValue::Text(chrono::NaiveDate::from_sql(ty, raw)?.to_string()),
            Type::TIME => SqlValue::Text(chrono::NaiveTime::from_sql(ty, raw)?.to_string()),
            Type::TIMESTAMP => SqlValue::Text(
                chrono::NaiveDateTime::from_sql(ty, raw)?
                    .format("%Y-%m-%dT%H:%M:%S%.f")
                    .to_string(),
            ),
            Type::TIMESTAMPTZ => SqlValue::Text(
                chrono::DateTime::<chrono::Utc>::from_sql(ty, raw)?
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            ),
            _ if is_text(ty) || matches!(ty.kind(), Kind::Enum(_)) => SqlValue::Text(text()?),
            _ => {
                return Err(format!(
                    "query cannot return values of type {}; cast the column in SQL (e.g. col::text, or to_json(col))",
                    ty.name()
                )
                .into());
            }
        }))
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(Out(SqlValue::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A decimal number as (negative, integer digits, fraction digits).
fn parse_decimal(text: &str) -> Result<(bool, String, String), String> {
    let bad = || format!("{text:?} is not a decimal number (digits, an optional sign and point)");
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return Err(bad());
    }
    Ok((negative, int.to_owned(), frac.to_owned()))
}

/// Postgres's binary `numeric`: base-10000 digits with a weight and a
/// display scale (see `numeric_send` in Postgres's source).
fn encode_numeric(text: &str, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    if text.eq_ignore_ascii_case("nan") {
        out.put_slice(&[0, 0, 0, 0, 0xC0, 0, 0, 0]);
        return Ok(IsNull::No);
    }
    let (negative, int, frac) = parse_decimal(text)?;
    let int = int.trim_start_matches('0');
    // Pad the integer part on the left and the fraction on the right to whole base-10000 groups.
    let int_padded = format!("{}{int}", "0".repeat((4 - int.len() % 4) % 4));
    let frac_padded = format!("{frac}{}", "0".repeat((4 - frac.len() % 4) % 4));
    let group = |s: &str| -> Vec<i16> {
        s.as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap().parse().unwrap())
            .collect()
    };
    let int_groups = group(&int_padded);
    let mut digits: Vec<i16> = int_groups.iter().copied().chain(group(&frac_padded)).collect();
    let mut weight = int_groups.len() as i32 - 1;
    // Strip leading and trailing zero groups; leading ones lower the weight.
    while digits.first() == Some(&0) {
        digits.remove(0);
        weight -= 1;
    }
    while digits.last() == Some(&0) {
        digits.pop();
    }
    if digits.is_empty() {
        weight = 0;
    }
    let scale = u16::try_from(frac.len()).map_err(|_| "too many fraction digits")?;
    out.put_i16(i16::try_from(digits.len()).map_err(|_| "numeric value too long")?);
    out.put_i16(i16::try_from(weight).map_err(|_| "numeric value out of range")?);
    out.put_u16(if negative && !digits.is_empty() { 0x4000 } else { 0 });
    out.put_u16(scale);
    for d in digits {
        out.put_i16(d);
    }
    Ok(IsNull::No)
}

fn decode_numeric(raw: &[u8]) -> Result<String, BoxError> {
    let word = |i: usize| -> Result<u16, BoxError> {
        raw.get(i * 2..i * 2 + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "malformed numeric".into())
    };
    let ndigits = word(0)? as usize;
    let weight = word(1)? as i16 as i32;
    let sign = word(2)?;
    let scale = word(3)? as usize;
    match sign {
        0xC000 => return Ok("NaN".into()),
        0xD000 => return Ok("Infinity".into()),
        0xF000 => return Ok("-Infinity".into()),
        _ => {}
    }
    let digits: Vec<u16> = (0..ndigits).map(|i| word(4 + i)).collect::<Result<_, _>>()?;
    let mut int = String::new();
    for i in 0..=weight.max(0) {
        let d = if i <= weight {
            digits.get(i as usize).copied().unwrap_or(0)
        } else {
            0
        };
        if weight < 0 {
            break;
        }
        if int.is_empty() {
            int.push_str(&d.to_string())
        } else {
            int.push_str(&format!("{d:04}"))
        }
    }
    if int.is_empty() {
        int.push('0');
    }
    let mut frac = String::new();
    let mut i = weight + 1;
    while frac.len() < scale {
        let d = if i >= 0 {
            digits.get(i as usize).copied().unwrap_or(0)
        } else {
            0
        };
        frac.push_str(&format!("{d:04}"));
        i += 1;
    }
    frac.truncate(scale);
    let sign = if sign == 0x4000 { "-" } else { "" };
    Ok(if scale > 0 {
        format!("{sign}{int}.{frac}")
    } else {
        format!("{sign}{int}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str) -> String {
        let mut buf = BytesMut::new();
        encode_numeric(text, &mut buf).unwrap();
        decode_numeric(&buf).unwrap()
    }

    #[test]
    fn numeric_roundtrips() {
        for (input, expected) in [
            ("0", "0"),
            ("12.50", "12.50"),
            ("-12.5", "-12.5"),
            ("10000", "10000"),
            ("0.0001", "0.0001"),
            ("123456789.123456789", "123456789.123456789"),
            ("-0.5", "-0.5"),
            ("00042", "42"),
            ("1e", ""),
        ] {
            if expected.is_empty() {
                assert!(encode_numeric(input, &mut BytesMut::new()).is_err());
            } else {
                assert_eq!(roundtrip(input), expected, "{input}");
            }
        }
    }

    #[test]
    fn literals_for_ddl() {
        assert_eq!(literal(&SqlValue::Text("O'Neill".into())).unwrap(), "'O''Neill'");
        assert_eq!(literal(&SqlValue::Int(-3)).unwrap(), "(-3)");
        assert_eq!(literal(&SqlValue::Float(1.5)).unwrap(), "(1.5)");
        assert_eq!(literal(&SqlValue::Numeric("10.25".into())).unwrap(), "'10.25'::numeric");
        assert!(literal(&SqlValue::Numeric("1; DROP".into())).is_err());
        assert_eq!(
            literal(&SqlValue::Bytes(vec![0xde, 0xad])).unwrap(),
            "E'\\\\xdead'::bytea"
        );
        assert_eq!(literal(&SqlValue::Null).unwrap(), "NULL");
    }

    #[test]
    fn parses_uuids() {
        assert!(parse_uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11").is_some());
        assert!(parse_uuid("{a0eebc999c0b4ef8bb6d6bb9bd380a11}").is_some());
        assert!(parse_uuid("not-a-uuid").is_none());
    }
}
