//! Derived code uses absolute paths only: it compiles in a module that shadows the
//! prelude (`Result`, `Option`, `Vec`, `String`, `Box`, `Default`, even `usize`), and
//! it raises no warning under `#![deny(warnings)]` (nor under several lints that are
//! allowed by default).

#![deny(warnings)]
#![allow(clippy::unwrap_used)]

mod shadowed {
    // And the stricter lints that are allowed by default.
    #![deny(
        warnings,
        rust_2018_idioms,
        elided_lifetimes_in_paths,
        single_use_lifetimes,
        trivial_casts,
        trivial_numeric_casts,
        unreachable_pub,
        unused_lifetimes,
        unused_qualifications,
        unused_results
    )]
    #![allow(dead_code, non_camel_case_types)]

    use wirewright::{Message, Protocol};

    // Everything the generated code might name without a path, named otherwise here.
    struct Result;
    struct Option;
    struct Vec;
    struct String;
    struct Box;
    struct Default;
    struct Ok;
    struct Err;
    struct Some;
    struct None;
    struct Sized;
    struct usize;
    struct u16;
    struct str;
    struct bool;
    mod core {}
    mod std {}
    mod bytes {}
    trait Encode {
        fn encoded_len(&self) -> ::core::primitive::u8;
    }
    trait Decode {
        fn decode_raw();
    }

    type Text = ::std::string::String;
    type List<T> = ::std::vec::Vec<T>;
    type Maybe<T> = ::std::option::Option<T>;

    #[derive(Message, Debug, PartialEq)]
    #[wire(id = 1)]
    pub(crate) struct Note {
        pub(crate) text: Text,
        pub(crate) tags: List<Text>,
        pub(crate) reply_to: Maybe<::core::primitive::u64>,
        #[wire(fixed)]
        pub(crate) at: ::core::primitive::u32,
        #[wire(skip)]
        pub(crate) cached: ::core::primitive::bool,
        pub(crate) child: Maybe<::std::boxed::Box<Note>>,
    }

    #[derive(Message, Debug, PartialEq)]
    #[wire(id = 2)]
    pub(crate) enum Event<'a, T> {
        Nothing,
        Posted(T),
        Renamed {
            from: &'a ::core::primitive::str,
            to: &'a ::core::primitive::str,
        },
        #[wire(tag = 300)]
        Deleted(#[wire(fixed)] ::core::primitive::u64),
    }

    #[derive(Message, Debug, PartialEq)]
    #[wire(id = 3)]
    pub(crate) struct Ping;

    #[derive(Message, Debug, PartialEq)]
    pub(crate) enum Never {}

    #[derive(Message, Debug, PartialEq)]
    pub(crate) enum Single {
        Only(::core::primitive::u8),
    }

    #[derive(Message, Debug, PartialEq)]
    pub(crate) struct AllSkipped {
        #[wire(skip)]
        pub(crate) cache: ::core::primitive::u8,
    }

    #[derive(Message, Debug, PartialEq)]
    #[wire(id = 4)]
    pub(crate) struct Generic<T, const N: ::core::primitive::usize> {
        pub(crate) items: [T; N],
        #[wire(with = "as_is")]
        pub(crate) raw: ::core::primitive::u8,
    }

    mod as_is {
        pub(crate) fn encoded_len(_: &::core::primitive::u8) -> ::core::primitive::usize {
            1
        }
        pub(crate) fn encode_raw<B: ::wirewright::bytes::BufMut + ?::core::marker::Sized>(
            value: &::core::primitive::u8,
            buf: &mut B,
        ) {
            buf.put_u8(*value);
        }
        pub(crate) fn decode_raw(
            reader: &mut ::wirewright::Reader<'_>,
        ) -> ::core::result::Result<::core::primitive::u8, ::wirewright::DecodeError> {
            reader.read_u8()
        }
    }

    #[derive(Protocol, Debug, PartialEq)]
    pub(crate) enum Lonely {
        Ping(Ping),
    }

    #[derive(Protocol, Debug, PartialEq)]
    pub(crate) enum Feed<'a> {
        Note(Note),
        Event(Event<'a, Note>),
        Ping(Ping),
        Generic(Generic<::core::primitive::u16, 2>),
    }
}

/// Field types that come from a `macro_rules!` expansion still get their impls.
macro_rules! wire_struct {
    ($name:ident { $($field:ident: $ty:ty),* }) => {
        #[derive(wirewright::Message, Debug, PartialEq)]
        struct $name { $($field: $ty),* }
    };
}

wire_struct!(FromMacro { a: u8, b: String });

#[test]
fn types_derived_under_shadowed_names_round_trip() {
    use shadowed::{AllSkipped, Event, Feed, Generic, Lonely, Note, Ping, Single};
    use wirewright::frame::{decode_frame, encode_frame};
    use wirewright::FrameHeader;
    use wirewright::{Decode, Encode};

    let note = Note {
        text: "hello".into(),
        tags: vec!["a".into()],
        reply_to: Some(3),
        at: 9,
        cached: false,
        child: Some(Box::new(Note {
            text: String::new(),
            tags: Vec::new(),
            reply_to: None,
            at: 0,
            cached: false,
            child: None,
        })),
    };
    let feeds = [
        Feed::Note(note),
        Feed::Event(Event::Renamed { from: "a", to: "b" }),
        Feed::Event(Event::Deleted(7)),
        Feed::Event(Event::Nothing),
        Feed::Ping(Ping),
        Feed::Generic(Generic {
            items: [1, 300],
            raw: 9,
        }),
    ];
    for feed in &feeds {
        let mut buf = Vec::new();
        encode_frame(feed, 0, &mut buf).unwrap();
        let (_, back): (FrameHeader, Feed<'_>) = decode_frame(&buf).unwrap();
        assert_eq!(&back, feed);
    }
    assert_eq!(Single::decode(&[0, 5]).unwrap(), Single::Only(5));
    assert!(AllSkipped { cache: 3 }.encode_to_vec().is_empty());
    assert_eq!(AllSkipped::decode(&[]).unwrap(), AllSkipped { cache: 0 });
    let mut buf = Vec::new();
    encode_frame(&Lonely::Ping(Ping), 0, &mut buf).unwrap();
    let (_, lonely): (FrameHeader, Lonely) = decode_frame(&buf).unwrap();
    assert_eq!(lonely, Lonely::Ping(Ping));
}

#[test]
fn struct_from_a_macro_round_trips() {
    use wirewright::{Decode, Encode};
    let value = FromMacro {
        a: 1,
        b: "b".into(),
    };
    assert_eq!(FromMacro::decode(&value.encode_to_vec()).unwrap(), value);
}
