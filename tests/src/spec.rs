//! Reads the `wirewright-vector` blocks of SPEC.md.

/// One test vector of SPEC.md §9.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vector {
    /// Unique name.
    pub name: String,
    /// The Rust type, as written in the spec.
    pub type_name: String,
    /// The value, as written in the spec.
    pub value: String,
    /// The encoding.
    pub bytes: Vec<u8>,
}

/// The text of SPEC.md at the root of the repository.
pub fn spec_text() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../SPEC.md");
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("reading {path}: {err}"))
}

/// Every vector in `spec`, in order.
///
/// # Panics
/// On a malformed block: a missing field or a byte that is not two hex digits.
pub fn vectors(spec: &str) -> Vec<Vector> {
    let mut vectors = Vec::new();
    let mut lines = spec.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "```wirewright-vector" {
            continue;
        }
        let (mut name, mut type_name, mut value, mut hex) = (None, None, None, None);
        for line in lines.by_ref() {
            if line.trim() == "```" {
                break;
            }
            let (key, rest) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("vector line without a colon: {line:?}"));
            let rest = rest.trim().to_owned();
            match key.trim() {
                "name" => name = Some(rest),
                "type" => type_name = Some(rest),
                "value" => value = Some(rest),
                "hex" => hex = Some(rest),
                other => panic!("unknown vector field {other:?}"),
            }
        }
        let name = name.expect("vector without a name");
        let hex = hex.unwrap_or_else(|| panic!("vector {name} has no hex"));
        vectors.push(Vector {
            bytes: parse_hex(&hex).unwrap_or_else(|err| panic!("vector {name}: {err}")),
            type_name: type_name.unwrap_or_else(|| panic!("vector {name} has no type")),
            value: value.unwrap_or_else(|| panic!("vector {name} has no value")),
            name,
        });
    }
    vectors
}

/// Parses space-separated pairs of hex digits.
///
/// # Errors
/// A message naming the first token that is not two hex digits.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    text.split_whitespace()
        .map(|token| {
            if token.len() != 2 {
                return Err(format!("{token:?} is not two hex digits"));
            }
            u8::from_str_radix(token, 16).map_err(|_| format!("{token:?} is not two hex digits"))
        })
        .collect()
}

/// Bytes as space-separated hex, the format of the vectors.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
