//! The macros of [wirewright](https://docs.rs/wirewright): `#[derive(Message)]`,
//! `#[derive(Protocol)]` and the `#[service]` attribute (its parse, check and expand
//! steps in `service/`).
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
mod json;
mod member;
mod protocol;
mod schema;
mod service;
mod stub;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Derives `Encode` and `Decode<'de>` for a struct or enum, and `Message` when the type
/// has a message id. It also implements `wirewright::schema::Describe`, the type's schema
/// (SPEC.md §13); a field type that does not implement `Describe` is described as
/// `opaque` with its Rust name.
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
/// - `#[wire(evolvable)]`, and `other`, `since`, `default`, `unknown` on variants and
///   fields: see [Evolution](#evolution-specmd-12) below.
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
///
/// # Evolution (SPEC.md §12)
/// A deployed protocol changes without breaking its peers when fields are **appended**
/// and variants **added** by these rules:
///
/// - A top-level message (a type with an `id`, sent as a frame) needs nothing: a receiver
///   skips the fields a newer peer appended after the ones it knows (the frame gives the
///   payload's length), and fills the defaults of appended fields an older peer did not
///   write. This costs no bytes.
/// - A type nested in another (in a `Vec`, an `Option`, a field, a variant) is frozen
///   unless it is `#[wire(evolvable)]`: its encoding is then a block, one varint length
///   before its body, everywhere it is used (a top-level message too).
/// - An evolvable enum's variants are blocks as well; its `#[wire(other)]` catch-all takes
///   the variants it does not know.
///
/// On the type:
/// - `#[wire(evolvable)]`: the value is a block, so fields can be appended to it (or to
///   an enum's variants) and variants added, where it is nested.
///
/// On a variant of an evolvable enum:
/// - `#[wire(other)]`: the catch-all, `Unknown(wirewright::UnknownVariant)`, holding the
///   tag and bytes of a variant this definition does not know; it re-encodes them byte for
///   byte. It has no tag of its own. Without one, an unknown tag is an error.
///
/// On a field:
/// - `#[wire(since = N)]`: appended in revision N (2 or more; the first definition is
///   revision 1). When the bytes end before it, it takes `Default::default()`. Revisions
///   never decrease in field order, so appended fields come last.
/// - `#[wire(since = N, default = "path")]`: as `since`, with the value of `path()`.
/// - `#[wire(unknown)]`: the last field, a `wirewright::UnknownFields` that keeps the
///   unknown tail of the block (or top-level payload) and writes it back verbatim: a
///   proxy built against an older definition forwards newer messages unchanged.
///
/// ```
/// use wirewright::{Decode, Encode, Message, UnknownFields, UnknownVariant};
///
/// // Revision 1, as deployed.
/// mod v1 {
///     use wirewright::{Message, UnknownFields};
///     #[derive(Message, Debug, PartialEq)]
///     #[wire(evolvable)]
///     pub struct Item { pub name: String, #[wire(unknown)] pub rest: UnknownFields }
///
///     #[derive(Message, Debug, PartialEq)]
///     #[wire(id = 1)]
///     pub struct Order { pub items: Vec<Item> }
/// }
///
/// fn one_euro() -> String { "EUR".into() }
///
/// // Revision 2: fields appended to the message and to the nested item.
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(evolvable)]
/// struct Item {
///     name: String,
///     #[wire(since = 2)]
///     price: u64,
///     #[wire(since = 2, default = "one_euro")]
///     currency: String,
///     #[wire(unknown)]
///     rest: UnknownFields,
/// }
///
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(id = 1)]
/// struct Order { items: Vec<Item>, #[wire(since = 2)] note: Option<String> }
///
/// let item = Item { name: "tea".into(), price: 5, currency: "CHF".into(), rest: UnknownFields::new() };
/// let new = Order { items: vec![item], note: Some("hot".into()) };
/// let bytes = new.encode_to_vec();
///
/// // v1 reads what it knows and keeps the item's new fields as unknown data. (In a frame,
/// // it skips `note` too; standalone `decode` rejects a tail v1's Order does not keep.)
/// let items_only = &bytes[..bytes.len() - 5];
/// let old = v1::Order::decode(items_only)?;
/// assert_eq!(old.items[0].name, "tea");
/// assert_eq!(old.items[0].rest.as_bytes(), [5, 3, b'C', b'H', b'F']);
/// assert_eq!(old.encode_to_vec(), items_only); // written back unchanged
///
/// // v2 reads v1's bytes with the defaults.
/// let old = v1::Order { items: vec![v1::Item { name: "tea".into(), rest: UnknownFields::new() }] };
/// let new = Order::decode(&old.encode_to_vec())?;
/// assert_eq!((new.items[0].price, &*new.items[0].currency, &new.note), (0, "EUR", &None));
///
/// // An evolvable enum with a catch-all keeps a variant added later.
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(evolvable)]
/// enum Event {
///     Created { by: String }, // tag 0: tag, block length, fields
///     Deleted,                // tag 1: `01 00`
///     #[wire(other)]
///     Unknown(UnknownVariant),
/// }
/// assert_eq!(Event::Deleted.encode_to_vec(), [1, 0]);
/// let later = Event::decode(&[7, 1, 42])?; // tag 7, one byte of fields
/// assert!(matches!(&later, Event::Unknown(UnknownVariant { tag: 7, .. })));
/// assert_eq!(later.encode_to_vec(), [7, 1, 42]);
/// # Ok::<(), wirewright::DecodeError>(())
/// ```
///
/// Mistakes are compile errors: an appended field without a default (its type has no
/// `Default` and no `default = "..."`), a revision lower than one before it, a field
/// after the `unknown` one, a catch-all that does not hold one `UnknownVariant`, and
/// `since`, `unknown` or `other` in a frozen enum (its variants have no length to skip
/// by).
#[proc_macro_derive(Message, attributes(wire))]
pub fn derive_message(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::message(&input).into()
}

/// Derives `Encode`, `Protocol` and `DecodeProtocol<'de>` for an enum of messages: each
/// variant holds one type that implements `Message`, and the frame header's message id
/// selects the variant. It also implements `wirewright::schema::Describe`: the protocol's
/// schema lists each message's id, variant and type (SPEC.md §13).
///
/// ```
/// use wirewright::frame::{decode_frame, encode_frame};
/// use wirewright::{FrameError, FrameHeader, Message, Protocol};
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
///
/// The derive also writes `SerializeMessage` and `DeserializeMessage<'de>` for the enum,
/// which wirewright keeps when its `json` feature is on (the derive's output is the same
/// whatever features are enabled), for use whenever every message type it holds
/// implements serde's `Serialize` (or `Deserialize<'de>`): a JSON frame carries the
/// variant's message and the header's id picks the variant, as in a binary frame.
#[proc_macro_derive(Protocol, attributes(wire))]
pub fn derive_protocol(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::protocol(&input).into()
}

/// Makes a trait of `async fn`s a request/response service: its request and response
/// protocols, a typed client and a server adapter (see `wirewright::rpc`, whose
/// documentation opens with an example).
///
/// ```text
/// #[wirewright::service]
/// pub trait Calc {
///     #[wire(id = 1, idempotent)]
///     async fn add(&self, a: u32, b: u32) -> Result<u64, CalcError>;
/// }
/// ```
///
/// For a trait `Calc` it writes:
///
/// - the trait, each method declared `fn add(&self, a: u32, b: u32) -> impl Future<Output =
///   Result<u64, CalcError>> + Send` (implement it with `async fn`);
/// - `CalcRequest` and `CalcResponse`, protocols with one message per method whose id is the
///   method's `#[wire(id = N)]`: `CalcAddRequest { a, b }` (the arguments, a top-level
///   message, so an argument appended later with `#[wire(since = N)]` keeps old peers
///   talking, SPEC.md §12) and `CalcAddResponse(u64)`;
/// - `CalcClient<S = RpcClient<CalcRequest, CalcResponse, CalcError>>`, with one async method
///   per trait method returning `Result<T, RpcError<CalcError>>`, over any tower service of
///   `Call<CalcRequest>`; `with_options` gives calls their `CallOptions`, and methods marked
///   `#[wire(idempotent)]` are always idempotent;
/// - `CalcServer<I>`, which serves any `I: Calc` (`into_rpc_server`, or as a tower service
///   behind `RpcServer::from_service`).
///
/// A method marked `#[wire(id = N, message)]` takes one message and returns one, both with
/// the id N, used on the wire as they are: an existing protocol moves onto the macro with
/// its bytes unchanged.
///
/// A method returning `Result<Streaming<T, E>, E>` (`wirewright::rpc::Streaming`) is a
/// server stream (SPEC.md §11.8): its response message carries one item (`T`), the client's
/// method returns an `RpcStream` of them (read with flow control; dropping it cancels the
/// stream), and the server adapter serves through `RpcServer::streaming`.
///
/// Every method has an id, distinct from the others, and the same error type; arguments are
/// owned wire types; the macro takes `crate = "path"` for crates that re-export wirewright.
/// Mistakes are reported together, each at its span.
#[proc_macro_attribute]
pub fn service(args: TokenStream, input: TokenStream) -> TokenStream {
    service::expand(args.into(), input.into()).into()
}
