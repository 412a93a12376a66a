//! [`Describe`] for the standard types wirewright encodes (SPEC.md §4): one schema per
//! encoding, so borrowed and owned forms of a type describe alike.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::convert::Infallible;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;

use bytes::Bytes;

use super::describe::{Describe, Registry};
use super::model::{Int, Type};
use crate::{Fixed, FixedInt};

macro_rules! leaf {
    ($($ty:ty => $schema:expr),* $(,)?) => {$(
        impl Describe for $ty {
            fn describe(_: &mut Registry) -> Type {
                $schema
            }
        }
    )*};
}

leaf!(
    bool => Type::Bool,
    u8 => Type::Int(Int::U8),
    i8 => Type::Int(Int::I8),
    u16 => Type::Int(Int::U16),
    u32 => Type::Int(Int::U32),
    u64 => Type::Int(Int::U64),
    u128 => Type::Int(Int::U128),
    usize => Type::Int(Int::U64),
    i16 => Type::Int(Int::I16),
    i32 => Type::Int(Int::I32),
    i64 => Type::Int(Int::I64),
    i128 => Type::Int(Int::I128),
    isize => Type::Int(Int::I64),
    f32 => Type::F32,
    f64 => Type::F64,
    char => Type::Char,
    str => Type::String,
    String => Type::String,
    Bytes => Type::Bytes,
    () => Type::Unit,
    Infallible => Type::Never,
);

impl<T: ?Sized> Describe for PhantomData<T> {
    fn describe(_: &mut Registry) -> Type {
        Type::Unit
    }
}

impl<T: Describe + FixedInt> Describe for Fixed<T> {
    fn describe(registry: &mut Registry) -> Type {
        T::describe(registry).fixed()
    }
}

macro_rules! same_as_inner {
    ($($ptr:ident),*) => {$(
        impl<T: Describe + ?Sized> Describe for $ptr<T> {
            fn describe(registry: &mut Registry) -> Type {
                T::describe(registry)
            }
        }
    )*};
}

same_as_inner!(Box, Rc, Arc);

impl<T: Describe + ?Sized> Describe for &T {
    fn describe(registry: &mut Registry) -> Type {
        T::describe(registry)
    }
}

impl<T: Describe + ToOwned + ?Sized> Describe for Cow<'_, T> {
    fn describe(registry: &mut Registry) -> Type {
        T::describe(registry)
    }
}

impl<T: Describe> Describe for Option<T> {
    fn describe(registry: &mut Registry) -> Type {
        Type::Option(Box::new(T::describe(registry)))
    }
}

macro_rules! sequence {
    ($($seq:ty),*) => {$(
        impl<T: Describe> Describe for $seq {
            fn describe(registry: &mut Registry) -> Type {
                Type::seq(T::describe(registry))
            }
        }
    )*};
}

sequence!([T], Vec<T>, VecDeque<T>);

impl<T: Describe, const N: usize> Describe for [T; N] {
    fn describe(registry: &mut Registry) -> Type {
        Type::Array(Box::new(T::describe(registry)), N as u64)
    }
}

impl<K: Describe, V: Describe> Describe for BTreeMap<K, V> {
    fn describe(registry: &mut Registry) -> Type {
        Type::Map(
            Box::new(K::describe(registry)),
            Box::new(V::describe(registry)),
        )
    }
}

impl<K: Describe, V: Describe, S> Describe for HashMap<K, V, S> {
    fn describe(registry: &mut Registry) -> Type {
        BTreeMap::<K, V>::describe(registry)
    }
}

impl<T: Describe> Describe for BTreeSet<T> {
    fn describe(registry: &mut Registry) -> Type {
        Type::Set(Box::new(T::describe(registry)))
    }
}

impl<T: Describe, S> Describe for HashSet<T, S> {
    fn describe(registry: &mut Registry) -> Type {
        BTreeSet::<T>::describe(registry)
    }
}

macro_rules! tuple {
    ($($name:ident)+) => {
        impl<$($name: Describe),+> Describe for ($($name,)+) {
            fn describe(registry: &mut Registry) -> Type {
                Type::Tuple(vec![$($name::describe(registry)),+])
            }
        }
    };
}

tuple!(A);
tuple!(A B);
tuple!(A B C);
tuple!(A B C D);
tuple!(A B C D E);
tuple!(A B C D E F);
tuple!(A B C D E F G);
tuple!(A B C D E F G H);
tuple!(A B C D E F G H I);
tuple!(A B C D E F G H I J);
tuple!(A B C D E F G H I J K);
tuple!(A B C D E F G H I J K L);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_and_owned_forms_describe_alike() {
        let mut registry = Registry::new();
        let string = String::describe(&mut registry);
        for other in [
            <&str>::describe(&mut registry),
            Cow::<str>::describe(&mut registry),
            Box::<str>::describe(&mut registry),
            Arc::<str>::describe(&mut registry),
        ] {
            assert_eq!(other, string);
        }
        let bytes = Bytes::describe(&mut registry);
        for other in [
            <&[u8]>::describe(&mut registry),
            Vec::<u8>::describe(&mut registry),
            Cow::<[u8]>::describe(&mut registry),
            Box::<[u8]>::describe(&mut registry),
        ] {
            assert_eq!(other, bytes);
        }
        assert_eq!(
            HashMap::<u8, String>::describe(&mut registry),
            BTreeMap::<u8, String>::describe(&mut registry)
        );
        assert_eq!(usize::describe(&mut registry), u64::describe(&mut registry));
        assert_eq!(Fixed::<u8>::describe(&mut registry), Type::Int(Int::U8));
        assert_eq!(Fixed::<u32>::describe(&mut registry), Type::Fixed(Int::U32));
    }
}
