//! Property tests: for every supported type, decode(encode(x)) == x, the decoder consumes
//! exactly `encoded_len` bytes, and re-encoding the decoded value gives identical bytes.
#![allow(clippy::unwrap_used)]

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt::Debug;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;

use proptest::prelude::*;
use wirewright::bytes::Bytes;
use wirewright::{Decode, Encode, Fixed, Reader};
use wirewright_tests::spec_types::{Join, Shape};

/// The three properties, for a value that may borrow from its encoding.
fn check_encoding<'a, T>(value: &T, bytes: &'a [u8]) -> Result<T, TestCaseError>
where
    T: Encode + Decode<'a> + Debug,
{
    prop_assert_eq!(bytes.len(), value.encoded_len(), "encoded_len is exact");
    let mut reader = Reader::new(bytes);
    let decoded = T::decode_raw(&mut reader).map_err(|err| TestCaseError::fail(err.to_string()))?;
    prop_assert_eq!(
        reader.position(),
        bytes.len(),
        "decoder consumes every byte"
    );
    prop_assert_eq!(decoded.encode_to_vec(), bytes, "re-encoding is identical");
    Ok(decoded)
}

fn roundtrip<T>(value: T) -> Result<(), TestCaseError>
where
    T: Encode + for<'de> Decode<'de> + PartialEq + Debug,
{
    let bytes = value.encode_to_vec();
    let decoded = check_encoding(&value, &bytes)?;
    prop_assert_eq!(decoded, value);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn scalars_roundtrip(
        b in any::<bool>(), a in any::<u8>(), c in any::<i8>(), d in any::<u16>(),
        e in any::<i16>(), f in any::<u32>(), g in any::<i32>(), h in any::<u64>(),
        i in any::<i64>(), j in any::<u128>(), k in any::<i128>(), l in any::<usize>(),
        m in any::<isize>(), n in any::<char>(),
    ) {
        roundtrip(b)?; roundtrip(a)?; roundtrip(c)?; roundtrip(d)?; roundtrip(e)?;
        roundtrip(f)?; roundtrip(g)?; roundtrip(h)?; roundtrip(i)?; roundtrip(j)?;
        roundtrip(k)?; roundtrip(l)?; roundtrip(m)?; roundtrip(n)?;
        roundtrip(())?;
        roundtrip(PhantomData::<String>)?;
    }

    #[test]
    fn integer_edges_roundtrip(shift in 0u32..64) {
        let v = 1u64 << shift;
        roundtrip(v)?; roundtrip(v - 1)?; roundtrip(v as i64)?; roundtrip((v as i64).wrapping_neg())?;
        roundtrip(u128::from(v) << 64)?;
    }

    #[test]
    fn fixed_width_integers_roundtrip(a in any::<u16>(), b in any::<i32>(), c in any::<u64>(),
                                      d in any::<i128>(), e in any::<usize>()) {
        roundtrip(Fixed(a))?; roundtrip(Fixed(b))?; roundtrip(Fixed(c))?;
        roundtrip(Fixed(d))?; roundtrip(Fixed(e))?;
    }

    #[test]
    fn floats_roundtrip_bit_for_bit(a in any::<u32>(), b in any::<u64>()) {
        // Every bit pattern, NaNs included: compare bits, since NaN != NaN.
        let (single, double) = (f32::from_bits(a), f64::from_bits(b));
        let bytes = single.encode_to_vec();
        prop_assert_eq!(check_encoding(&single, &bytes)?.to_bits(), a);
        let bytes = double.encode_to_vec();
        prop_assert_eq!(check_encoding(&double, &bytes)?.to_bits(), b);
        let many: Vec<f32> = (0..70).map(|i| f32::from_bits(a.wrapping_add(i))).collect();
        let bytes = many.encode_to_vec();
        let back = check_encoding(&many, &bytes)?;
        prop_assert!(back.iter().zip(&many).all(|(x, y)| x.to_bits() == y.to_bits()));
    }

    #[test]
    fn strings_and_bytes_roundtrip(s in any::<String>(), raw in proptest::collection::vec(any::<u8>(), 0..300)) {
        roundtrip(s.clone())?;
        roundtrip(Box::<str>::from(s.as_str()))?;
        roundtrip(Rc::<str>::from(s.as_str()))?;
        roundtrip(Arc::<str>::from(s.as_str()))?;
        roundtrip(raw.clone())?;
        roundtrip(Bytes::from(raw.clone()))?;
        // Borrowed forms decode straight from the input.
        let bytes = s.as_str().encode_to_vec();
        prop_assert_eq!(check_encoding(&s.as_str(), &bytes)?, s.as_str());
        let cow: Cow<'_, str> = Cow::Borrowed(&s);
        prop_assert_eq!(check_encoding(&cow, &bytes)?, cow);
        let bytes = raw.as_slice().encode_to_vec();
        prop_assert_eq!(check_encoding(&raw.as_slice(), &bytes)?, raw.as_slice());
        let cow: Cow<'_, [u8]> = Cow::Borrowed(&raw);
        prop_assert_eq!(check_encoding(&cow, &bytes)?, cow);
    }

    #[test]
    fn sequences_and_arrays_roundtrip(
        v in proptest::collection::vec(any::<i64>(), 0..50),
        nested in proptest::collection::vec(proptest::collection::vec(any::<String>(), 0..4), 0..4),
        arr in any::<[u16; 5]>(), bytes in any::<[u8; 16]>(),
        chars in proptest::collection::vec(proptest::option::of(any::<char>()), 0..20),
        flags in proptest::collection::vec(any::<bool>(), 0..20),
    ) {
        roundtrip(v.clone())?;
        roundtrip(VecDeque::from(v.clone()))?;
        roundtrip(v.clone().into_boxed_slice())?;
        roundtrip(nested)?;
        roundtrip(arr)?; roundtrip(bytes)?;
        roundtrip([arr, arr])?;
        roundtrip(chars)?;
        roundtrip(flags)?;
        roundtrip(vec![(); v.len()])?;
        roundtrip(v.iter().map(|&x| Fixed(x)).collect::<Vec<_>>())?;
    }

    #[test]
    fn options_tuples_and_pointers_roundtrip(
        a in proptest::option::of(any::<u32>()), b in proptest::option::of(proptest::option::of(any::<u8>())),
        t in any::<(u8, i16, bool, char)>(), s in any::<String>(), n in any::<u64>(),
    ) {
        roundtrip(a)?; roundtrip(b)?; roundtrip(t)?;
        roundtrip((t, s.clone(), a, (n, ())))?;
        roundtrip((1u8, 2u16, 3u32, 4u64, 5i8, 6i16, 7i32, 8i64, 9u128, 10i128, 'x', s.clone()))?;
        roundtrip(Box::new(n))?; roundtrip(Rc::new(s.clone()))?; roundtrip(Arc::new(a))?;
        roundtrip(Cow::<'static, u64>::Owned(n))?;
        roundtrip(Box::new(Some(Box::new(n))))?;
    }

    #[test]
    fn maps_and_sets_roundtrip_canonically(
        bm in proptest::collection::btree_map(any::<String>(), any::<Vec<u8>>(), 0..10),
        hm in proptest::collection::hash_map(any::<u32>(), any::<bool>(), 0..30),
        bs in proptest::collection::btree_set(any::<i32>(), 0..30),
        hs in proptest::collection::hash_set(any::<String>(), 0..10),
        nested in proptest::collection::btree_map(any::<u16>(), proptest::collection::btree_set(any::<u8>(), 0..4), 0..5),
    ) {
        roundtrip(bm)?; roundtrip(hm.clone())?; roundtrip(bs)?; roundtrip(hs)?; roundtrip(nested)?;
        // A HashMap has one encoding whatever its iteration order (a new map has new hash keys).
        let rebuilt: HashMap<u32, bool> = hm.iter().map(|(k, v)| (*k, *v)).collect();
        prop_assert_eq!(rebuilt.encode_to_vec(), hm.encode_to_vec());
        let as_set: HashSet<u32> = hm.keys().copied().collect();
        let as_btree: BTreeSet<u32> = hm.keys().copied().collect();
        prop_assert_eq!(as_set.encode_to_vec(), as_btree.encode_to_vec());
        let as_map: BTreeMap<u32, bool> = hm.into_iter().collect();
        roundtrip(as_map)?;
    }

    #[test]
    fn spec_message_types_roundtrip(room in any::<String>(), nick in any::<String>(),
                                    width in any::<u32>(), height in any::<u32>()) {
        roundtrip(Join { room, nick })?;
        roundtrip(Shape::Rect { width, height })?;
        roundtrip(Shape::Circle { radius: width })?;
        roundtrip(Shape::Empty)?;
    }
}
