//! Maps and sets: a varint count, then the entries in canonical order (SPEC.md §4.7).
//!
//! Canonical order is ascending order of the keys' *encodings*, compared as unsigned
//! byte strings (a shorter prefix sorts first). It depends on nothing but the bytes, so a
//! peer in any language can produce and check it, and it makes `HashMap` encodings
//! deterministic. Encoding sorts when the map's own order differs; decoding checks each
//! key's bytes against the previous key's, which also rejects duplicates.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use bytes::BufMut;

use crate::error::DecodeErrorKind;
use crate::impls::sequence::reserve_for;
use crate::{varint, Decode, DecodeError, Encode, Reader};

/// Appends `count` entries in canonical order. `entries` yields each key and, for maps,
/// its value.
fn encode_entries<'a, K, V, B, I>(entries: I, count: usize, buf: &mut B)
where
    K: Encode + 'a,
    V: Encode + 'a,
    B: BufMut + ?Sized,
    I: Iterator<Item = (&'a K, Option<&'a V>)>,
{
    varint::put_u64(buf, count as u64);
    if count == 0 {
        return;
    }
    // Encode every key once into one scratch buffer, remembering where each one lies.
    let mut keys = Vec::new();
    let mut spans: Vec<(core::ops::Range<usize>, &K, Option<&V>)> = Vec::with_capacity(count);
    let mut sorted = true;
    for (key, value) in entries {
        let start = keys.len();
        key.encode_raw(&mut keys);
        if let Some((previous, _, _)) = spans.last() {
            sorted &= keys[previous.clone()] < keys[start..];
        }
        spans.push((start..keys.len(), key, value));
    }
    if !sorted {
        spans.sort_unstable_by(|a, b| keys[a.0.clone()].cmp(&keys[b.0.clone()]));
    }
    for (span, _, value) in spans {
        buf.put_slice(&keys[span]);
        if let Some(value) = value {
            value.encode_raw(buf);
        }
    }
}

/// Decodes `count` entries (count already read), calling `insert` with each key and
/// value, and rejecting keys that are not strictly ascending in encoded order.
fn decode_entries<'de, K, V, F>(
    reader: &mut Reader<'de>,
    count: usize,
    mut insert: F,
) -> Result<(), DecodeError>
where
    K: Decode<'de>,
    V: Decode<'de>,
    F: FnMut(K, V),
{
    reader.enter()?;
    let mut previous: Option<core::ops::Range<usize>> = None;
    for index in 0..count {
        let start = reader.position();
        let key = K::decode_raw(reader).map_err(|err| err.in_field("key").at_index(index))?;
        let span = start..reader.position();
        if let Some(previous) = previous {
            let input = reader.input();
            if input[previous] >= input[span.clone()] {
                return Err(reader
                    .error_at(start, DecodeErrorKind::KeyOrder)
                    .at_index(index));
            }
        }
        previous = Some(span);
        let value = V::decode_raw(reader).map_err(|err| err.in_field("value").at_index(index))?;
        insert(key, value);
    }
    reader.leave();
    Ok(())
}

fn entries_len<'a, K: Encode + 'a, V: Encode + 'a>(
    count: usize,
    entries: impl Iterator<Item = (&'a K, Option<&'a V>)>,
) -> usize {
    varint::encoded_len_u64(count as u64)
        + entries
            .map(|(key, value)| key.encoded_len() + value.map_or(0, Encode::encoded_len))
            .sum::<usize>()
}

impl<K: Encode, V: Encode> Encode for BTreeMap<K, V> {
    fn encoded_len(&self) -> usize {
        entries_len(self.len(), self.iter().map(|(k, v)| (k, Some(v))))
    }
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        encode_entries(self.iter().map(|(k, v)| (k, Some(v))), self.len(), buf);
    }
}

impl<'de, K: Decode<'de> + Ord, V: Decode<'de>> Decode<'de> for BTreeMap<K, V> {
    const MIN_ENCODED_LEN: usize = 1;
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        let count = reader.read_count(K::MIN_ENCODED_LEN + V::MIN_ENCODED_LEN)?;
        let mut map = BTreeMap::new();
        decode_entries(reader, count, |k, v| {
            map.insert(k, v);
        })?;
        Ok(map)
    }
}

impl<K: Encode, V: Encode, S> Encode for HashMap<K, V, S> {
    fn encoded_len(&self) -> usize {
        entries_len(self.len(), self.iter().map(|(k, v)| (k, Some(v))))
    }
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        encode_entries(self.iter().map(|(k, v)| (k, Some(v))), self.len(), buf);
    }
}

impl<'de, K, V, S> Decode<'de> for HashMap<K, V, S>
where
    K: Decode<'de> + Eq + Hash,
    V: Decode<'de>,
    S: BuildHasher + Default,
{
    const MIN_ENCODED_LEN: usize = 1;
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        let count = reader.read_count(K::MIN_ENCODED_LEN + V::MIN_ENCODED_LEN)?;
        let mut map = HashMap::with_capacity_and_hasher(reserve_for::<(K, V)>(count), S::default());
        decode_entries(reader, count, |k, v| {
            map.insert(k, v);
        })?;
        Ok(map)
    }
}

impl<T: Encode> Encode for BTreeSet<T> {
    fn encoded_len(&self) -> usize {
        entries_len::<T, ()>(self.len(), self.iter().map(|k| (k, None)))
    }
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        encode_entries::<T, (), _, _>(self.iter().map(|k| (k, None)), self.len(), buf);
    }
}

impl<'de, T: Decode<'de> + Ord> Decode<'de> for BTreeSet<T> {
    const MIN_ENCODED_LEN: usize = 1;
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        let count = reader.read_count(T::MIN_ENCODED_LEN)?;
        let mut set = BTreeSet::new();
        decode_entries::<T, (), _>(reader, count, |k, ()| {
            set.insert(k);
        })?;
        Ok(set)
    }
}

impl<T: Encode, S> Encode for HashSet<T, S> {
    fn encoded_len(&self) -> usize {
        entries_len::<T, ()>(self.len(), self.iter().map(|k| (k, None)))
    }
    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        encode_entries::<T, (), _, _>(self.iter().map(|k| (k, None)), self.len(), buf);
    }
}

impl<'de, T, S> Decode<'de> for HashSet<T, S>
where
    T: Decode<'de> + Eq + Hash,
    S: BuildHasher + Default,
{
    const MIN_ENCODED_LEN: usize = 1;
    fn decode_raw(reader: &mut Reader<'de>) -> Result<Self, DecodeError> {
        let count = reader.read_count(T::MIN_ENCODED_LEN)?;
        let mut set = HashSet::with_capacity_and_hasher(reserve_for::<T>(count), S::default());
        decode_entries::<T, (), _>(reader, count, |k, ()| {
            set.insert(k);
        })?;
        Ok(set)
    }
}
