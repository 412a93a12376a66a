//! The rules of SPEC.md that are sentences rather than vectors: the JSON mapping's
//! treatment of unknown, missing and repeated fields, non-finite floats and map keys
//! (§8), the cut of log messages at a character boundary (§4.5), and which nesting
//! counts toward the depth limit (§6).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use wirewright::bytes::Bytes;
use wirewright::rpc::{ErrorCode, Failure};
use wirewright::transport::{Goodbye, GoodbyeReason};
use wirewright::{Decode, DecodeErrorKind, Encode, Limits, Message};
use wirewright_tests::spec_types::{Join, Shape, Value};

#[derive(Message, Serialize, Deserialize, Debug, PartialEq)]
struct Profile {
    name: String,
    nick: Option<String>,
}

#[test]
fn json_receiver_ignores_unknown_fields() {
    let join: Join =
        serde_json::from_str(r#"{"room":"a","extra":[1,{"x":null}],"nick":"b"}"#).unwrap();
    assert_eq!(join.room, "a");
    assert_eq!(join.nick, "b");
}

#[test]
fn json_receiver_reads_a_missing_option_field_as_none_and_rejects_other_missing_fields() {
    let profile: Profile = serde_json::from_str(r#"{"name":"a"}"#).unwrap();
    assert_eq!(profile.nick, None);
    let err = serde_json::from_str::<Join>(r#"{"room":"a"}"#).unwrap_err();
    assert!(err.to_string().contains("missing field `nick`"), "{err}");
}

#[test]
fn json_receiver_rejects_a_repeated_struct_field() {
    let err = serde_json::from_str::<Join>(r#"{"room":"a","room":"b","nick":"c"}"#).unwrap_err();
    assert!(err.to_string().contains("duplicate field `room`"), "{err}");
}

#[test]
fn json_receiver_keeps_the_last_of_a_repeated_map_key() {
    let map: BTreeMap<String, u8> = serde_json::from_str(r#"{"a":1,"a":2}"#).unwrap();
    assert_eq!(map, BTreeMap::from([("a".to_owned(), 2)]));
}

#[test]
fn json_receiver_accepts_fields_in_any_order_and_whitespace() {
    let join: Join = serde_json::from_str("{ \"nick\" : \"b\" ,\n \"room\":\"a\" }").unwrap();
    assert_eq!((join.room.as_str(), join.nick.as_str()), ("a", "b"));
}

#[test]
fn json_non_finite_floats_are_written_null_and_null_is_not_a_float() {
    for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(serde_json::to_string(&value).unwrap(), "null");
    }
    assert!(serde_json::from_str::<f64>("null").is_err());
}

#[test]
fn json_integer_beyond_the_type_is_rejected_not_rounded() {
    assert!(serde_json::from_str::<u64>("18446744073709551616").is_err());
    assert!(serde_json::from_str::<u8>("256").is_err());
    assert!(serde_json::from_str::<u32>("1.0").is_err());
    assert_eq!(
        serde_json::from_str::<u64>("9007199254740993").unwrap(),
        9_007_199_254_740_993
    );
}

#[test]
fn json_map_keys_are_strings_and_non_scalar_keys_are_refused() {
    let bools = BTreeMap::from([(false, 1u8), (true, 2)]);
    assert_eq!(
        serde_json::to_string(&bools).unwrap(),
        r#"{"false":1,"true":2}"#
    );
    let chars = BTreeMap::from([('x', 1u8)]);
    assert_eq!(serde_json::to_string(&chars).unwrap(), r#"{"x":1}"#);
    let tuples = BTreeMap::from([((1u8, 2u8), 3u8)]);
    assert!(serde_json::to_string(&tuples).is_err());
    let options = BTreeMap::from([(Some(1u8), 3u8)]);
    // An option key is written as its value (`None` cannot be a key).
    assert_eq!(serde_json::to_string(&options).unwrap(), r#"{"1":3}"#);
    // A float key is its JSON number text.
    let floats = FloatKeys(vec![(1.5, 3)]);
    assert_eq!(serde_json::to_string(&floats).unwrap(), r#"{"1.5":3}"#);
    let none = BTreeMap::from([(None::<u8>, 3u8)]);
    assert!(serde_json::to_string(&none).is_err());
    // A receiver reads an integer key from its decimal string (JSON number syntax)
    // and nothing else.
    assert!(serde_json::from_str::<BTreeMap<u16, u8>>(r#"{"0x1":1}"#).is_err());
    assert!(serde_json::from_str::<BTreeMap<u16, u8>>(r#"{"01":1}"#).is_err());
    assert!(serde_json::from_str::<BTreeMap<u16, u8>>(r#"{" 1":1}"#).is_err());
}

/// A map with `f64` keys (which Rust's maps cannot hold, but serde can express).
struct FloatKeys(Vec<(f64, u8)>);

impl Serialize for FloatKeys {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

#[test]
fn json_byte_strings_are_arrays_of_numbers() {
    let bytes: &[u8] = &[1, 2, 255];
    assert_eq!(serde_json::to_string(bytes).unwrap(), "[1,2,255]");
    assert_eq!(
        serde_json::from_str::<Vec<u8>>("[1,2,255]").unwrap(),
        [1, 2, 255]
    );
    assert!(serde_json::from_str::<Vec<u8>>(r#""AQL/""#).is_err());
}

#[test]
fn json_hash_maps_are_read_in_any_member_order() {
    let map: HashMap<u16, bool> = serde_json::from_str(r#"{"2":true,"1":false}"#).unwrap();
    assert_eq!(map, HashMap::from([(1, false), (2, true)]));
}

#[test]
fn json_option_of_option_loses_the_inner_none() {
    assert_eq!(serde_json::to_string(&Some(None::<u8>)).unwrap(), "null");
    assert_eq!(
        serde_json::from_str::<Option<Option<u8>>>("null").unwrap(),
        None
    );
}

#[test]
fn json_enum_variant_names_are_exact_and_unknown_ones_refused() {
    assert!(serde_json::from_str::<Shape>(r#""empty""#).is_err());
    assert!(serde_json::from_str::<Shape>(r#""Square""#).is_err());
    assert!(serde_json::from_str::<Shape>(r#"{"Empty":null}"#).is_ok());
}

#[test]
fn log_messages_are_cut_at_a_character_boundary() {
    // 1,023 ASCII bytes then a 3-byte character that would straddle byte 1,024.
    let message = format!("{}€tail", "a".repeat(1023));
    let goodbye = Goodbye::new(GoodbyeReason::ProtocolError, message.clone());
    assert_eq!(goodbye.message, "a".repeat(1023));
    let failure = Failure::new(ErrorCode::InvalidRequest, message);
    assert_eq!(failure.message.len(), 1023);
    assert!(String::decode(&failure.message.encode_to_vec()).is_ok());
}

/// The encoding of `levels` nested one-element `Vec`s around the byte 7: `levels`
/// counts of 1, then the byte.
fn nest_vecs(levels: usize) -> Vec<u8> {
    let mut bytes = vec![1u8; levels];
    bytes.push(7);
    bytes
}

#[test]
fn strings_byte_strings_options_tuples_and_arrays_do_not_count_toward_the_depth_limit() {
    let limits = Limits::new().with_max_depth(1);
    // One struct level: Value { value: Option<String> }.
    let bytes = Value {
        value: Some("x".into()),
    }
    .encode_to_vec();
    assert!(Value::decode_with(&bytes, &limits).is_ok());
    // A tuple of an array of options of byte strings, inside nothing that counts.
    let value = ([Some(Bytes::from_static(b"ab"))], "s".to_owned(), 5u32);
    let bytes = value.encode_to_vec();
    let none = Limits::new().with_max_depth(0);
    assert!(<([Option<Bytes>; 1], String, u32)>::decode_with(&bytes, &none).is_ok());
}

#[test]
fn sequences_boxes_and_vec_u8_count_one_level_each() {
    let none = Limits::new().with_max_depth(0);
    let err = Vec::<u8>::decode_with(&[1, 7], &none).unwrap_err();
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::DepthLimitExceeded { limit: 0 }
    );
    assert!(Box::<u8>::decode_with(&[7], &none).is_err());
    let bytes = nest_vecs(3);
    let three = Limits::new().with_max_depth(3);
    assert!(Vec::<Vec<Vec<u8>>>::decode_with(&bytes, &three).is_ok());
    let two = Limits::new().with_max_depth(2);
    assert!(Vec::<Vec<Vec<u8>>>::decode_with(&bytes, &two).is_err());
}

#[test]
fn minimum_lengths_are_the_table_of_spec_section_6() {
    use std::collections::BTreeSet;
    use std::marker::PhantomData;
    use wirewright::Fixed;
    use wirewright_tests::spec_types::{Marker, Meters, Pair, Token};
    fn min<T: for<'de> Decode<'de>>() -> usize {
        T::MIN_ENCODED_LEN
    }
    let ones = [
        min::<bool>(),
        min::<u8>(),
        min::<i8>(),
        min::<u16>(),
        min::<u128>(),
        min::<i64>(),
        min::<usize>(),
        min::<isize>(),
        min::<char>(),
        min::<String>(),
        min::<Bytes>(),
        min::<Vec<u64>>(),
        min::<BTreeMap<u8, u8>>(),
        min::<BTreeSet<u8>>(),
        min::<Option<u64>>(),
        min::<Shape>(),
        min::<Token>(),
    ];
    assert!(ones.iter().all(|&len| len == 1), "{ones:?}");
    assert_eq!(
        [
            min::<Fixed<u16>>(),
            min::<Fixed<i32>>(),
            min::<Fixed<u64>>(),
            min::<Fixed<u128>>()
        ],
        [2, 4, 8, 16]
    );
    assert_eq!((min::<f32>(), min::<f64>()), (4, 8));
    assert_eq!(min::<Box<f64>>(), 8);
    assert_eq!(min::<(u8, f32, Option<u8>)>(), 6);
    assert_eq!((min::<Meters>(), min::<Pair>(), min::<Join>()), (1, 2, 2));
    assert_eq!(min::<[f32; 3]>(), 12);
    assert_eq!(
        [
            min::<()>(),
            min::<PhantomData<u8>>(),
            min::<Marker>(),
            min::<[u64; 0]>()
        ],
        [0; 4]
    );
}
