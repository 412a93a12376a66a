//! The derive macros of [wirewright](https://docs.rs/wirewright): `#[derive(Message)]`
//! and `#[derive(Protocol)]`.
//!
//! Use them through the `wirewright` crate, which re-exports them next to the traits of
//! the same names (`use wirewright::{Message, Protocol};` brings in both).
//!
//! The code reads in three steps, as serde_derive's does: `attr.rs` and `ast.rs` parse
//! the input into a typed model, `check.rs` applies the rules that span several
//! attributes, and `encode.rs`, `decode.rs` and `protocol.rs` write the impls. Every
//! mistake is collected (`ctxt.rs`) and reported together, each at its own span; the
//! impls are then replaced by stubs (`stub.rs`) so that the mistakes are all the user
//! sees.

mod ast;
mod attr;
mod bound;
mod check;
mod ctxt;
mod decode;
mod encode;
mod expand;
mod protocol;
mod stub;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Derives `Encode` and `Decode<'de>` for a struct or enum, and `Message` when the type
/// has a message id.
///
/// ```
/// use wirewright::{Decode, Encode, Message};
///
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(id = 2)]
/// pub struct Say<'a> {
///     pub room: &'a str,
///     pub text: &'a str,
///     #[wire(fixed)]
///     pub at_ms: u64,
/// }
///
/// let say = Say { room: "lobby", text: "hi", at_ms: 1 };
/// let bytes = say.encode_to_vec();
/// assert_eq!(bytes, b"\x05lobby\x02hi\x01\0\0\0\0\0\0\0");
/// assert_eq!(Say::decode(&bytes)?, say);
/// assert_eq!((Say::ID, Say::NAME), (2, "Say"));
/// # Ok::<(), wirewright::DecodeError>(())
/// ```
///
/// # The encoding (SPEC.md §5)
/// - A struct (named, tuple or unit) is its fields in declaration order, nothing else.
/// - An enum is its variant's tag, a `u32` varint, then that variant's fields. Tags go
///   as Rust's discriminants do: the first variant is 0 and each variant without
///   `#[wire(tag = N)]` takes the previous variant's tag plus one.
/// - Fields that borrow (`&'a str`, `&'a [u8]`, `Cow<'a, str>`) borrow from the input:
///   the impl is `impl<'de: 'a, 'a> Decode<'de> for Say<'a>`.
/// - Decode errors name where they happened: `Say.text`, `Shape::Circle.radius`,
///   `Outer.items[2].name`.
///
/// # Attributes
/// On the type:
/// - `#[wire(id = N)]`: the message id (a `u16`); also implements `Message`.
/// - `#[wire(crate = "path")]`: where the runtime is, for crates that re-export it
///   (default `::wirewright`).
/// - `#[wire(bound = "T: Encode + Decode<'de>")]`: the where clauses of the impls,
///   replacing the inferred ones (`T: Encode` in `Encode`, `T: Decode<'de>` in `Decode`
///   for each type parameter a field on the wire uses); `bound(encode = "...", decode =
///   "...")` sets them separately, and `'de` names the input lifetime.
///
/// On a variant:
/// - `#[wire(tag = N)]`: the variant's tag (a `u32`). Two variants with one tag are a
///   compile error.
///
/// On a field:
/// - `#[wire(fixed)]`: an integer at its full width, little-endian (`FixedInt`).
/// - `#[wire(skip)]`: not on the wire; decoded as `Default::default()`.
/// - `#[wire(with = "module")]`: encoded by `module::encoded_len(&T) -> usize`,
///   `module::encode_raw<B: BufMut + ?Sized>(&T, &mut B)` and
///   `module::decode_raw<'de>(&mut Reader<'de>) -> Result<T, DecodeError>`.
///
/// ```
/// use wirewright::{Decode, Encode, Message};
///
/// #[derive(Message, Debug, PartialEq)]
/// enum Shape {
///     Empty,                          // tag 0
///     #[wire(tag = 10)]
///     Circle { #[wire(fixed)] radius: u32 },   // tag 10
///     Square(u16, #[wire(skip)] Option<String>), // tag 11
/// }
///
/// assert_eq!(Shape::Circle { radius: 1 }.encode_to_vec(), [10, 1, 0, 0, 0]);
/// let square = Shape::Square(300, Some("not sent".into()));
/// assert_eq!(square.encode_to_vec(), [11, 0xac, 0x02]);
/// assert_eq!(Shape::decode(&[11, 0xac, 0x02])?, Shape::Square(300, None));
/// let err = Shape::decode(&[3]).unwrap_err();
/// assert_eq!(err.to_string(), "Shape: unknown variant tag 3 for enum Shape at byte 0");
/// # Ok::<(), wirewright::DecodeError>(())
/// ```
#[proc_macro_derive(Message, attributes(wire))]
pub fn derive_message(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::message(&input).into()
}

/// Derives `Encode`, `Protocol` and `DecodeProtocol<'de>` for an enum of messages: each
/// variant holds one type that implements `Message`, and the frame header's message id
/// selects the variant.
///
/// ```
/// use wirewright::{decode_frame, encode_frame, FrameError, FrameHeader, Message, Protocol};
///
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(id = 1)]
/// pub struct Join { pub room: String, pub nick: String }
///
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(id = 2)]
/// pub struct Say<'a> { pub room: &'a str, pub text: &'a str }
///
/// #[derive(Protocol, Debug, PartialEq)]
/// pub enum Chat<'a> { Join(Join), Say(Say<'a>) }
///
/// let mut buf = Vec::new();
/// encode_frame(&Chat::Say(Say { room: "lobby", text: "hi" }), 7, &mut buf)?;
/// let (header, chat): (FrameHeader, Chat<'_>) = decode_frame(&buf)?;
/// assert_eq!((header.message_type, chat), (2, Chat::Say(Say { room: "lobby", text: "hi" })));
///
/// // A message of another protocol is refused by id, naming the protocol.
/// #[derive(Message)]
/// #[wire(id = 9)]
/// struct Leave;
/// buf.clear();
/// encode_frame(&Leave, 0, &mut buf)?;
/// let err = decode_frame::<Chat<'_>>(&buf).unwrap_err();
/// assert!(matches!(err, FrameError::UnknownMessageType { message_type: 9, protocol: "Chat" }));
/// # Ok::<(), FrameError>(())
/// ```
///
/// Two variants whose message types have the same id do not compile; the error names
/// both. (When one of the two types mentions a type parameter of the enum, the ids are
/// only known once the parameter is, so that error comes from `cargo build`, not from
/// `cargo check`.) A message type that mentions a type parameter is bounded itself
/// (`Put<V>: Message`). The enum takes `#[wire(crate = "...")]` and
/// `#[wire(bound = "...")]`; variants and fields take no attributes.
#[proc_macro_derive(Protocol, attributes(wire))]
pub fn derive_protocol(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::protocol(&input).into()
}
