//! The 64-bit fingerprint of a schema (SPEC.md §13.4): FNV-1a 64 over its text form.

use super::model::Schema;

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a 64 of `bytes`.
///
/// ```
/// assert_eq!(wirewright::schema::fnv1a_64(b""), 0xcbf29ce484222325);
/// assert_eq!(wirewright::schema::fnv1a_64(b"a"), 0xaf63dc4c8601ec8c);
/// ```
pub fn fnv1a_64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

impl Schema {
    /// The schema's fingerprint: FNV-1a 64 of the UTF-8 bytes of its text form (SPEC.md
    /// §13.4). Two peers whose fingerprints are equal have the same schema.
    ///
    /// ```
    /// use wirewright::schema::Describe;
    /// #[derive(wirewright::Message)]
    /// #[wire(id = 1)]
    /// struct Ping { seq: u32 }
    /// let schema = Ping::schema();
    /// assert_eq!(schema.fingerprint(), wirewright::schema::fnv1a_64(schema.to_string().as_bytes()));
    /// ```
    pub fn fingerprint(&self) -> u64 {
        fnv1a_64(self.to_string().as_bytes())
    }
}
