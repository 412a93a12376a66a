//! The schema as a value: definitions of structs, enums and protocols, and the types
//! their fields have (SPEC.md §13.1).

use std::fmt;

/// The schema of one type or protocol: the root and every definition it reaches.
///
/// Definitions are kept sorted by name, so two schemas of one definition are equal and
/// print the same text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// The type the schema describes (a protocol is a [`Type::Named`] reference too).
    pub root: Type,
    /// Every named definition the root reaches, sorted by name.
    pub definitions: Vec<Definition>,
}

impl Schema {
    /// The definition named `name`.
    ///
    /// ```
    /// use wirewright::schema::Describe;
    /// #[derive(wirewright::Message)]
    /// struct Point { x: u32, y: u32 }
    /// let schema = Point::schema();
    /// assert_eq!(schema.definition("Point").map(|def| def.name.as_str()), Some("Point"));
    /// ```
    pub fn definition(&self, name: &str) -> Option<&Definition> {
        self.definitions
            .binary_search_by(|def| def.name.as_str().cmp(name))
            .ok()
            .map(|index| &self.definitions[index])
    }
}

/// A named struct, enum or protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// The type's name (with its type arguments, as `Page<u32>`).
    pub name: String,
    /// `#[wire(evolvable)]`: the value is a block (SPEC.md §12.3).
    pub evolvable: bool,
    /// The message id, for a message (`#[wire(id = N)]`).
    pub id: Option<u16>,
    /// What it is, with its fields or variants.
    pub kind: Kind,
}

/// The body of a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A struct: its fields in wire order.
    Struct(Fields),
    /// An enum: its variants in declaration order.
    Enum(Vec<Variant>),
    /// A protocol: its messages in declaration order.
    Protocol(Vec<MessageEntry>),
}

/// The fields of a struct or variant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    /// The fields on the wire, in order (`skip` fields are not on the wire, so not here).
    pub fields: Vec<Field>,
    /// The name of the `#[wire(unknown)]` field keeping the unknown tail, if any.
    pub unknown: Option<String>,
}

/// A field on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Its name, or its index in a tuple struct.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// The revision that appended it (`#[wire(since = N)]`); 1 for the first definition.
    pub since: u32,
}

/// An enum variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Variant {
    /// A variant with a tag and fields.
    Tagged {
        /// Its tag on the wire.
        tag: u32,
        /// Its name.
        name: String,
        /// Its fields.
        fields: Fields,
    },
    /// The catch-all `#[wire(other)]` of an evolvable enum, holding unknown variants.
    Other {
        /// Its name.
        name: String,
    },
}

/// One message of a protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageEntry {
    /// The message id the frame header carries.
    pub id: u16,
    /// The protocol's variant holding it.
    pub variant: String,
    /// The message type.
    pub ty: Type,
}

/// An integer type's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Int {
    /// `u8`: one raw byte.
    U8,
    /// `i8`: one raw byte, two's complement.
    I8,
    /// `u16` varint.
    U16,
    /// `u32` varint.
    U32,
    /// `u64` (and `usize`) varint.
    U64,
    /// `u128` varint.
    U128,
    /// `i16` zigzag varint.
    I16,
    /// `i32` zigzag varint.
    I32,
    /// `i64` (and `isize`) zigzag varint.
    I64,
    /// `i128` zigzag varint.
    I128,
}

impl Int {
    /// Every integer type, in the order the text form lists them.
    pub const ALL: [Int; 10] = [
        Int::U8,
        Int::I8,
        Int::U16,
        Int::U32,
        Int::U64,
        Int::U128,
        Int::I16,
        Int::I32,
        Int::I64,
        Int::I128,
    ];

    /// Its name in the text form: `u32`.
    pub fn name(self) -> &'static str {
        match self {
            Int::U8 => "u8",
            Int::I8 => "i8",
            Int::U16 => "u16",
            Int::U32 => "u32",
            Int::U64 => "u64",
            Int::U128 => "u128",
            Int::I16 => "i16",
            Int::I32 => "i32",
            Int::I64 => "i64",
            Int::I128 => "i128",
        }
    }

    /// Its width in bits.
    pub fn bits(self) -> u32 {
        match self {
            Int::U8 | Int::I8 => 8,
            Int::U16 | Int::I16 => 16,
            Int::U32 | Int::I32 => 32,
            Int::U64 | Int::I64 => 64,
            Int::U128 | Int::I128 => 128,
        }
    }

    /// Whether it is signed.
    pub fn signed(self) -> bool {
        matches!(self, Int::I8 | Int::I16 | Int::I32 | Int::I64 | Int::I128)
    }
}

/// The type of a field, element or message, as its encoding sees it (SPEC.md §4).
///
/// Types with one encoding have one schema: `&str`, `String` and `Cow<str>` are all
/// [`Type::String`]; `Vec<u8>`, `&[u8]` and `Bytes` are all [`Type::Bytes`]; `Box<T>` is
/// `T`; `usize` is `u64`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    /// `bool`.
    Bool,
    /// An integer, varint (or a raw byte for `u8`/`i8`).
    Int(Int),
    /// An integer at full width, little-endian (`#[wire(fixed)]`, `Fixed<T>`); never
    /// `u8`/`i8`, whose fixed form is their plain form.
    Fixed(Int),
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `char`.
    Char,
    /// UTF-8 text with a length.
    String,
    /// Bytes with a length (a sequence of `u8`).
    Bytes,
    /// `()` and `PhantomData`: zero bytes.
    Unit,
    /// An enum without variants (`Infallible`): no value.
    Never,
    /// A count, then the elements.
    Seq(Box<Type>),
    /// `[T; N]`: N elements, no count.
    Array(Box<Type>, u64),
    /// A count, then keys and values in canonical order.
    Map(Box<Type>, Box<Type>),
    /// A count, then elements in canonical order.
    Set(Box<Type>),
    /// A tag byte, then the value when present.
    Option(Box<Type>),
    /// The elements in order (at least one; `()` is [`Type::Unit`]).
    Tuple(Vec<Type>),
    /// A reference to a definition of the schema, by name.
    Named(String),
    /// A field encoded by `#[wire(with = "module")]`: the module's path.
    With(String),
    /// A type that does not implement [`Describe`](super::Describe): its Rust name.
    Opaque(String),
}

impl Type {
    /// A sequence of `element`: [`Type::Bytes`] for `u8` elements (one encoding, one
    /// schema).
    pub fn seq(element: Type) -> Type {
        match element {
            Type::Int(Int::U8) => Type::Bytes,
            element => Type::Seq(Box::new(element)),
        }
    }

    /// The fixed-width form of an integer type; other types are returned unchanged, and
    /// `u8`/`i8` stay as they are (their fixed form is the same byte).
    pub fn fixed(self) -> Type {
        match self {
            Type::Int(Int::U8 | Int::I8) => self,
            Type::Int(int) => Type::Fixed(int),
            other => other,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Int(int) => f.write_str(int.name()),
            Type::Fixed(int) => write!(f, "fixed {}", int.name()),
            Type::F32 => f.write_str("f32"),
            Type::F64 => f.write_str("f64"),
            Type::Char => f.write_str("char"),
            Type::String => f.write_str("string"),
            Type::Bytes => f.write_str("bytes"),
            Type::Unit => f.write_str("unit"),
            Type::Never => f.write_str("never"),
            Type::Seq(element) => write!(f, "seq<{element}>"),
            Type::Array(element, len) => write!(f, "array<{element}, {len}>"),
            Type::Map(key, value) => write!(f, "map<{key}, {value}>"),
            Type::Set(element) => write!(f, "set<{element}>"),
            Type::Option(inner) => write!(f, "option<{inner}>"),
            Type::Tuple(elements) => {
                f.write_str("(")?;
                for (index, element) in elements.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{element}")?;
                }
                if elements.len() == 1 {
                    f.write_str(",")?;
                }
                f.write_str(")")
            }
            Type::Named(name) => f.write_str(name),
            Type::With(path) => write!(f, "with {path}"),
            Type::Opaque(name) => write!(f, "opaque {name}"),
        }
    }
}
