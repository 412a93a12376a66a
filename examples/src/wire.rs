//! Stand-ins for `#[derive(Message)]` and `#[derive(Protocol)]` (being built on the
//! `derive` branch): `macro_rules!` that write the same impls by hand, so that the
//! transport examples can define their messages in a few lines. Once the derive is
//! merged, these become `#[derive(Message)] #[wire(id = N)]` and `#[derive(Protocol)]`.

/// A struct with named fields that travels as a message: `Encode`, `Decode` and
/// `Message`, fields in declaration order (SPEC.md §4.10).
///
/// ```
/// wirewright_examples::wire_message! {
///     /// A greeting.
///     #[derive(Debug, PartialEq)]
///     pub struct Hello = 7 {
///         /// Who.
///         pub name: String,
///     }
/// }
/// use wirewright::{Decode, Encode, Message};
/// let bytes = Hello { name: "ann".into() }.encode_to_vec();
/// assert_eq!(bytes, b"\x03ann");
/// assert_eq!(Hello::decode(&bytes)?, Hello { name: "ann".into() });
/// assert_eq!(Hello::ID, 7);
/// # Ok::<(), wirewright::DecodeError>(())
/// ```
#[macro_export]
macro_rules! wire_message {
    (
        $(#[$meta:meta])*
        pub struct $name:ident = $id:literal {
            $( $(#[$field_meta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $ty, )*
        }

        impl ::wirewright::Encode for $name {
            fn encoded_len(&self) -> usize {
                0 $( + ::wirewright::Encode::encoded_len(&self.$field) )*
            }
            fn encode_raw<B: ::wirewright::bytes::BufMut + ?Sized>(&self, _buf: &mut B) {
                $( ::wirewright::Encode::encode_raw(&self.$field, _buf); )*
            }
        }

        impl<'de> ::wirewright::Decode<'de> for $name {
            const MIN_ENCODED_LEN: usize =
                0 $( + <$ty as ::wirewright::Decode<'de>>::MIN_ENCODED_LEN )*;
            fn decode_raw(
                reader: &mut ::wirewright::Reader<'de>,
            ) -> ::core::result::Result<Self, ::wirewright::DecodeError> {
                reader.enter()?;
                $(
                    let $field = <$ty as ::wirewright::Decode<'de>>::decode_raw(reader)
                        .map_err(|e| e.in_field(stringify!($field)).in_type(stringify!($name)))?;
                )*
                reader.leave();
                Ok($name { $( $field, )* })
            }
        }

        impl ::wirewright::Message for $name {
            const ID: u16 = $id;
            const NAME: &'static str = stringify!($name);
        }
    };
}

/// An enum whose variants each hold one message: `Encode`, `Protocol` and
/// `DecodeProtocol`, dispatching on the message-type id (SPEC.md §4.12).
///
/// ```
/// wirewright_examples::wire_message! {
///     /// Up.
///     #[derive(Debug, PartialEq)]
///     pub struct Up = 1 {}
/// }
/// wirewright_examples::wire_message! {
///     /// Down.
///     #[derive(Debug, PartialEq)]
///     pub struct Down = 2 {}
/// }
/// wirewright_examples::wire_protocol! {
///     /// Moves.
///     #[derive(Debug, PartialEq)]
///     pub enum Move {
///         /// Up.
///         Up(Up),
///         /// Down.
///         Down(Down),
///     }
/// }
/// use wirewright::{decode_frame, encode_frame, FrameHeader, Protocol};
/// let mut frame = Vec::new();
/// encode_frame(&Move::Down(Down {}), 0, &mut frame)?;
/// let (header, back): (FrameHeader, Move) = decode_frame(&frame)?;
/// assert_eq!((header.message_type, back), (2, Move::Down(Down {})));
/// # Ok::<(), wirewright::FrameError>(())
/// ```
#[macro_export]
macro_rules! wire_protocol {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident($ty:ty) ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub enum $name {
            $( $(#[$variant_meta])* $variant($ty), )*
        }

        impl ::wirewright::Encode for $name {
            fn encoded_len(&self) -> usize {
                match self { $( $name::$variant(message) => ::wirewright::Encode::encoded_len(message), )* }
            }
            fn encode_raw<B: ::wirewright::bytes::BufMut + ?Sized>(&self, buf: &mut B) {
                match self { $( $name::$variant(message) => ::wirewright::Encode::encode_raw(message, buf), )* }
            }
        }

        impl ::wirewright::Protocol for $name {
            fn message_type(&self) -> u16 {
                match self { $( $name::$variant(_) => <$ty as ::wirewright::Message>::ID, )* }
            }
            fn message_name(&self) -> &'static str {
                match self { $( $name::$variant(_) => <$ty as ::wirewright::Message>::NAME, )* }
            }
        }

        impl<'de> ::wirewright::DecodeProtocol<'de> for $name {
            const PROTOCOL_NAME: &'static str = stringify!($name);

            fn accepts(message_type: u16) -> bool {
                false $( || message_type == <$ty as ::wirewright::Message>::ID )*
            }

            fn decode_message(
                message_type: u16,
                payload: &mut ::wirewright::Reader<'de>,
            ) -> ::core::result::Result<Self, ::wirewright::FrameError> {
                $(
                    if message_type == <$ty as ::wirewright::Message>::ID {
                        return <$ty as ::wirewright::DecodeProtocol<'de>>::decode_message(message_type, payload)
                            .map($name::$variant);
                    }
                )*
                Err(::wirewright::FrameError::UnknownMessageType {
                    message_type,
                    protocol: stringify!($name),
                })
            }
        }
    };
}
