//! Rust values from the notation of SPEC.md §9.1: each type checks that the parsed value
//! has its shape (a value of the wrong shape or out of range is an error, never
//! coerced).
//!
//! ```
//! use wirewright_tests::from_notation::FromNotation;
//! use wirewright_tests::notation::parse_value;
//! let value = parse_value("[1, 300]").unwrap();
//! assert_eq!(Vec::<u16>::from_notation(&value).unwrap(), [1, 300]);
//! assert!(Vec::<u8>::from_notation(&value).is_err()); // 300 is not a u8
//! ```

use std::collections::{BTreeMap, BTreeSet};

use wirewright::bytes::Bytes;
use wirewright::{Fixed, FixedInt};

use crate::notation::{Body, Float, Int, Value};

/// A Rust value that a notation value describes; `'a` is the parsed value's lifetime,
/// so `&str` can borrow from it.
pub trait FromNotation<'a>: Sized {
    /// The Rust value, or why `value` does not describe one.
    ///
    /// # Errors
    /// A value of another shape, or an integer out of range.
    fn from_notation(value: &'a Value) -> Result<Self, String>;
}

fn mismatch<T>(expected: &str, value: &Value) -> Result<T, String> {
    Err(format!("expected {expected}, found {value:?}"))
}

impl FromNotation<'_> for bool {
    fn from_notation(value: &Value) -> Result<Self, String> {
        match value {
            Value::Bool(b) => Ok(*b),
            _ => mismatch("a bool", value),
        }
    }
}

impl FromNotation<'_> for () {
    fn from_notation(value: &Value) -> Result<Self, String> {
        match value {
            Value::Unit => Ok(()),
            _ => mismatch("()", value),
        }
    }
}

fn int(value: &Value) -> Result<i128, String> {
    match value {
        Value::Int(Int {
            negative,
            magnitude,
        }) => {
            let signed =
                i128::try_from(*magnitude).map_err(|_| format!("{magnitude} is too large"))?;
            Ok(if *negative { -signed } else { signed })
        }
        _ => mismatch("an integer", value),
    }
}

macro_rules! integers {
    ($($ty:ty),*) => {$(
        impl FromNotation<'_> for $ty {
            fn from_notation(value: &Value) -> Result<Self, String> {
                let wide = int(value)?;
                <$ty>::try_from(wide).map_err(|_| format!("{wide} is not a {}", stringify!($ty)))
            }
        }
    )*};
}

integers!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl FromNotation<'_> for u128 {
    fn from_notation(value: &Value) -> Result<Self, String> {
        match value {
            Value::Int(Int {
                negative: false,
                magnitude,
            }) => Ok(*magnitude),
            _ => mismatch("a non-negative integer", value),
        }
    }
}

impl FromNotation<'_> for i128 {
    fn from_notation(value: &Value) -> Result<Self, String> {
        match value {
            Value::Int(Int {
                negative: true,
                magnitude,
            }) if *magnitude == 1 << 127 => Ok(i128::MIN),
            _ => int(value),
        }
    }
}

impl<'a, T: FixedInt + FromNotation<'a>> FromNotation<'a> for Fixed<T> {
    fn from_notation(value: &'a Value) -> Result<Self, String> {
        T::from_notation(value).map(Fixed)
    }
}

impl FromNotation<'_> for f64 {
    fn from_notation(value: &Value) -> Result<Self, String> {
        match value {
            Value::Float(Float::Decimal(text)) => text.parse().map_err(|err| format!("{err}")),
            Value::Float(Float::Infinity { negative }) => Ok(if *negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }),
            Value::Float(Float::Nan) => Ok(f64::from_bits(0x7ff8_0000_0000_0000)),
            Value::Float(Float::Bits64(bits)) => Ok(f64::from_bits(*bits)),
            _ => mismatch("an f64", value),
        }
    }
}

impl FromNotation<'_> for f32 {
    fn from_notation(value: &Value) -> Result<Self, String> {
        match value {
            Value::Float(Float::Decimal(text)) => {
                let parsed: f32 = text.parse().map_err(|err| format!("{err}"))?;
                // SPEC.md §9.1: an f32 decimal is exact in binary32.
                if f64::from(parsed) != text.parse::<f64>().map_err(|err| format!("{err}"))? {
                    return Err(format!("{text} is not exact in binary32"));
                }
                Ok(parsed)
            }
            Value::Float(Float::Infinity { negative }) => Ok(if *negative {
                f32::NEG_INFINITY
            } else {
                f32::INFINITY
            }),
            Value::Float(Float::Nan) => Ok(f32::from_bits(0x7fc0_0000)),
            Value::Float(Float::Bits32(bits)) => Ok(f32::from_bits(*bits)),
            _ => mismatch("an f32", value),
        }
    }
}

impl FromNotation<'_> for char {
    fn from_notation(value: &Value) -> Result<Self, String> {
        match value {
            Value::Char(c) => Ok(*c),
            _ => mismatch("a char", value),
        }
    }
}

impl<'a> FromNotation<'a> for &'a str {
    fn from_notation(value: &'a Value) -> Result<Self, String> {
        match value {
            Value::Str(text) => Ok(text),
            _ => mismatch("a string", value),
        }
    }
}

impl FromNotation<'_> for String {
    fn from_notation(value: &Value) -> Result<Self, String> {
        <&str>::from_notation(value).map(str::to_owned)
    }
}

impl FromNotation<'_> for Bytes {
    fn from_notation(value: &Value) -> Result<Self, String> {
        match value {
            Value::Bytes(bytes) => Ok(Bytes::copy_from_slice(bytes)),
            _ => mismatch("a byte string h\"..\"", value),
        }
    }
}

impl<'a, T: FromNotation<'a>> FromNotation<'a> for Box<T> {
    fn from_notation(value: &'a Value) -> Result<Self, String> {
        T::from_notation(value).map(Box::new)
    }
}

impl<'a, T: FromNotation<'a>> FromNotation<'a> for Option<T> {
    fn from_notation(value: &'a Value) -> Result<Self, String> {
        match value {
            Value::None => Ok(None),
            Value::Some(inner) => T::from_notation(inner).map(Some),
            _ => mismatch("None or Some(..)", value),
        }
    }
}

fn list(value: &Value) -> Result<&[Value], String> {
    match value {
        Value::List(items) => Ok(items),
        _ => mismatch("a list [..]", value),
    }
}

impl<'a, T: FromNotation<'a>> FromNotation<'a> for Vec<T> {
    fn from_notation(value: &'a Value) -> Result<Self, String> {
        list(value)?.iter().map(T::from_notation).collect()
    }
}

impl<'a, T: FromNotation<'a>, const N: usize> FromNotation<'a> for [T; N] {
    fn from_notation(value: &'a Value) -> Result<Self, String> {
        let items = Vec::<T>::from_notation(value)?;
        let len = items.len();
        items
            .try_into()
            .map_err(|_| format!("expected {N} elements, found {len}"))
    }
}

impl<'a, T: FromNotation<'a> + Ord> FromNotation<'a> for BTreeSet<T> {
    fn from_notation(value: &'a Value) -> Result<Self, String> {
        let items = list(value)?;
        let set: BTreeSet<T> = items
            .iter()
            .map(T::from_notation)
            .collect::<Result<_, _>>()?;
        if set.len() != items.len() {
            return Err("a set lists an element twice".into());
        }
        Ok(set)
    }
}

impl<'a, K: FromNotation<'a> + Ord, V: FromNotation<'a>> FromNotation<'a> for BTreeMap<K, V> {
    fn from_notation(value: &'a Value) -> Result<Self, String> {
        let Value::Map(entries) = value else {
            return mismatch("a map {..}", value);
        };
        let map: BTreeMap<K, V> = entries
            .iter()
            .map(|(key, value)| Ok((K::from_notation(key)?, V::from_notation(value)?)))
            .collect::<Result<_, String>>()?;
        if map.len() != entries.len() {
            return Err("a map lists a key twice".into());
        }
        Ok(map)
    }
}

macro_rules! tuples {
    ($($len:literal => ($($name:ident $index:tt),+)),*) => {$(
        impl<'a, $($name: FromNotation<'a>),+> FromNotation<'a> for ($($name,)+) {
            fn from_notation(value: &'a Value) -> Result<Self, String> {
                match value {
                    Value::Tuple(items) if items.len() == $len => {
                        Ok(($($name::from_notation(&items[$index])?,)+))
                    }
                    _ => mismatch(concat!("a tuple of ", $len), value),
                }
            }
        }
    )*};
}

tuples!(1 => (A 0), 2 => (A 0, B 1), 3 => (A 0, B 1, C 2), 4 => (A 0, B 1, C 2, D 3));

/// The fields of a named struct or struct variant `path{..}`, checked against `names`
/// (all present, in declaration order).
///
/// # Errors
/// Another path, another shape, or fields missing, extra or out of order.
pub fn struct_fields<'a, const N: usize>(
    value: &'a Value,
    path: &[&str],
    names: [&str; N],
) -> Result<[&'a Value; N], String> {
    match value {
        Value::Named {
            path: found,
            body: Body::Struct(fields),
        } if found == path => {
            let found_names: Vec<&str> = fields.iter().map(|(name, _)| name.as_str()).collect();
            if found_names != names {
                return Err(format!(
                    "{}: expected the fields {names:?} in this order, found {found_names:?}",
                    path.join("::")
                ));
            }
            let values: Vec<&Value> = fields.iter().map(|(_, value)| value).collect();
            values.try_into().map_err(|_| "field count".to_owned())
        }
        _ => mismatch(&format!("{}{{..}}", path.join("::")), value),
    }
}

/// The fields of a tuple struct or tuple variant `path(..)`.
///
/// # Errors
/// Another path, another shape or another number of fields.
pub fn tuple_fields<'a, const N: usize>(
    value: &'a Value,
    path: &[&str],
) -> Result<[&'a Value; N], String> {
    match value {
        Value::Named {
            path: found,
            body: Body::Tuple(items),
        } if found == path && items.len() == N => {
            let values: Vec<&Value> = items.iter().collect();
            values.try_into().map_err(|_| "field count".to_owned())
        }
        _ => mismatch(&format!("{}(..) with {N} fields", path.join("::")), value),
    }
}

/// Whether `value` is the unit struct or unit variant `path`.
pub fn is_unit(value: &Value, path: &[&str]) -> bool {
    matches!(value, Value::Named { path: found, body: Body::Unit } if found == path)
}

/// The path of a named value: `["Shape", "Rect"]` for `Shape::Rect{..}`.
pub fn path_of(value: &Value) -> Option<Vec<&str>> {
    match value {
        Value::Named { path, .. } => Some(path.iter().map(String::as_str).collect()),
        _ => None,
    }
}
