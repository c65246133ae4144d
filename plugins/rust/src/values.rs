//! Conversions between Rust values and [`SqlValue`], and helpers to read
//! [`Rows`] returned by `query`.

use crate::{Rows, SqlValue};

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl From<$t> for SqlValue {
            fn from(v: $t) -> Self { SqlValue::Int(v.into()) }
        }
    )*};
}
int_value!(i8, i16, i32, i64, u8, u16, u32);

impl From<bool> for SqlValue {
    fn from(v: bool) -> Self { SqlValue::Boolean(v) }
}

impl From<f64> for SqlValue {
    fn from(v: f64) -> Self { SqlValue::Float(v) }
}

impl From<f32> for SqlValue {
    fn from(v: f32) -> Self { SqlValue::Float(v.into()) }
}

impl From<&str> for SqlValue {
    fn from(v: &str) -> Self { SqlValue::Text(v.to_owned()) }
}

impl From<String> for SqlValue {
    fn from(v: String) -> Self { SqlValue::Text(v) }
}

impl From<&String> for SqlValue {
    fn from(v: &String) -> Self { SqlValue::Text(v.clone()) }
}

impl From<Vec<u8>> for SqlValue {
    fn from(v: Vec<u8>) -> Self { SqlValue::Bytes(v) }
}

impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(v: Option<T>) -> Self { v.map_or(SqlValue::Null, Into::into) }
}

impl SqlValue {
    pub fn is_null(&self) -> bool { matches!(self, SqlValue::Null) }

    pub fn as_i64(&self) -> Option<i64> {
        match self { SqlValue::Int(v) => Some(*v), _ => None }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self { SqlValue::Float(v) => Some(*v), SqlValue::Int(v) => Some(*v as f64), _ => None }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self { SqlValue::Boolean(v) => Some(*v), _ => None }
    }

    /// The text of a `text`, `numeric` or `json` value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            SqlValue::Text(v) | SqlValue::Numeric(v) | SqlValue::Json(v) => Some(v),
            _ => None,
        }
    }
}

impl Rows {
    /// The index of a column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    pub fn len(&self) -> usize { self.rows.len() }

    pub fn is_empty(&self) -> bool { self.rows.is_empty() }

    /// The value at `row`, `column` (by name); `None` when either is out of range.
    pub fn get(&self, row: usize, column: &str) -> Option<&SqlValue> {
        let index = self.column_index(column)?;
        self.rows.get(row)?.get(index)
    }
}
