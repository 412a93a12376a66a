//! Two revisions of one small shop protocol, for the evolution tests (SPEC.md §12) and
//! the vectors of SPEC.md §9.11: `v1` as deployed, `v2` as its next release.
//!
//! What changed from v1 to v2:
//! - `Order` (a top-level message) gained `note` (revision 2) and `priority` (3);
//! - `Item` (an evolvable struct nested in `Order.items`) gained `price_cents` and
//!   `currency` (revision 2, the latter with a default function);
//! - `Event` (an evolvable enum) gained a field in `Created` and a variant, `Renamed`;
//! - `Ping` (a top-level message that keeps no unknown data) gained `sent_at`.
//!
//! Both revisions keep unknown data (`UnknownFields`, `UnknownVariant`), so a v1 proxy
//! forwards v2 traffic byte for byte, except `Ping`, whose v1 reader skips the tail.
//! `Audit` is a service whose request and response are these messages, for rpc.

/// The deployed revision.
pub mod v1 {
    use wirewright::{Message, Protocol, UnknownFields, UnknownVariant};

    /// A line of an order: an evolvable struct, nested in a `Vec`.
    #[derive(Message, Debug, Clone, PartialEq, Eq)]
    #[wire(evolvable)]
    pub struct Item {
        /// What.
        pub name: String,
        /// How many.
        pub qty: u32,
        /// Fields of later revisions, kept.
        #[wire(unknown)]
        pub rest: UnknownFields,
    }

    /// What happened to an order: an evolvable enum with a catch-all.
    #[derive(Message, Debug, Clone, PartialEq, Eq)]
    #[wire(evolvable)]
    pub enum Event {
        /// Tag 0.
        Created {
            /// Who.
            by: String,
            /// Fields of later revisions, kept.
            #[wire(unknown)]
            rest: UnknownFields,
        },
        /// Tag 1.
        Deleted,
        /// A variant of a later revision, kept.
        #[wire(other)]
        Unknown(UnknownVariant),
    }

    /// A top-level message that keeps the fields it does not know.
    #[derive(Message, Debug, Clone, PartialEq, Eq)]
    #[wire(id = 40)]
    pub struct Order {
        /// Order number.
        pub id: u64,
        /// Lines.
        pub items: Vec<Item>,
        /// Last event.
        pub event: Event,
        /// Fields of later revisions, kept.
        #[wire(unknown)]
        pub rest: UnknownFields,
    }

    /// A top-level message that keeps nothing: its reader skips an unknown tail.
    #[derive(Message, Debug, Clone, PartialEq, Eq)]
    #[wire(id = 41)]
    pub struct Ping {
        /// Sequence number.
        pub seq: u32,
    }

    /// The protocol.
    #[derive(Protocol, Debug, Clone, PartialEq, Eq)]
    pub enum Shop {
        /// An order.
        Order(Order),
        /// A ping.
        Ping(Ping),
    }
}

/// The next release: fields and a variant appended.
pub mod v2 {
    use wirewright::{Message, Protocol, UnknownFields, UnknownVariant};

    /// The currency of an item written by a peer that predates prices.
    pub fn default_currency() -> String {
        "EUR".to_owned()
    }

    /// A line of an order.
    #[derive(Message, Debug, Clone, PartialEq, Eq)]
    #[wire(evolvable)]
    pub struct Item {
        /// What.
        pub name: String,
        /// How many.
        pub qty: u32,
        /// Unit price (revision 2; 0 from older peers).
        #[wire(since = 2)]
        pub price_cents: u64,
        /// Currency (revision 2; `default_currency()` from older peers).
        #[wire(since = 2, default = "default_currency")]
        pub currency: String,
        /// Fields of later revisions, kept.
        #[wire(unknown)]
        pub rest: UnknownFields,
    }

    /// What happened to an order.
    #[derive(Message, Debug, Clone, PartialEq, Eq)]
    #[wire(evolvable)]
    pub enum Event {
        /// Tag 0.
        Created {
            /// Who.
            by: String,
            /// When (revision 2).
            #[wire(since = 2)]
            at: u64,
            /// Fields of later revisions, kept.
            #[wire(unknown)]
            rest: UnknownFields,
        },
        /// Tag 1.
        Deleted,
        /// Tag 2, new in revision 2.
        Renamed {
            /// The new name.
            to: String,
        },
        /// A variant of a later revision, kept.
        #[wire(other)]
        Unknown(UnknownVariant),
    }

    /// A top-level message.
    #[derive(Message, Debug, Clone, PartialEq, Eq)]
    #[wire(id = 40)]
    pub struct Order {
        /// Order number.
        pub id: u64,
        /// Lines.
        pub items: Vec<Item>,
        /// Last event.
        pub event: Event,
        /// A note (revision 2).
        #[wire(since = 2)]
        pub note: Option<String>,
        /// Priority (revision 3).
        #[wire(since = 3)]
        pub priority: u32,
        /// Fields of later revisions, kept.
        #[wire(unknown)]
        pub rest: UnknownFields,
    }

    /// A top-level message that keeps nothing.
    #[derive(Message, Debug, Clone, PartialEq, Eq)]
    #[wire(id = 41)]
    pub struct Ping {
        /// Sequence number.
        pub seq: u32,
        /// Sender's clock (revision 2).
        #[wire(since = 2)]
        pub sent_at: u64,
    }

    /// The protocol.
    #[derive(Protocol, Debug, Clone, PartialEq, Eq)]
    pub enum Shop {
        /// An order.
        Order(Order),
        /// A ping.
        Ping(Ping),
    }
}

/// What a v1 reader decodes from the bytes of a v2 value: the fields it knows, and the
/// encoding of the others as unknown data.
pub mod project {
    use wirewright::bytes::Bytes;
    use wirewright::{Encode, UnknownFields, UnknownVariant};

    use super::{v1, v2};

    fn encoded(parts: &[&dyn ErasedEncode]) -> UnknownFields {
        let mut buf = Vec::new();
        for part in parts {
            part.put(&mut buf);
        }
        UnknownFields::from_bytes(Bytes::from(buf))
    }

    /// `Encode` without its generic method, so parts of several types fit one slice.
    trait ErasedEncode {
        fn put(&self, buf: &mut Vec<u8>);
    }

    impl<T: Encode> ErasedEncode for T {
        fn put(&self, buf: &mut Vec<u8>) {
            self.encode_raw(buf);
        }
    }

    fn join(first: &UnknownFields, second: &UnknownFields) -> UnknownFields {
        let mut buf = first.as_bytes().to_vec();
        buf.extend_from_slice(second.as_bytes());
        UnknownFields::from_bytes(Bytes::from(buf))
    }

    /// The v1 view of a v2 item.
    pub fn item(item: &v2::Item) -> v1::Item {
        v1::Item {
            name: item.name.clone(),
            qty: item.qty,
            rest: join(&encoded(&[&item.price_cents, &item.currency]), &item.rest),
        }
    }

    /// The v1 view of a v2 event.
    pub fn event(event: &v2::Event) -> v1::Event {
        match event {
            v2::Event::Created { by, at, rest } => v1::Event::Created {
                by: by.clone(),
                rest: join(&encoded(&[at]), rest),
            },
            v2::Event::Deleted => v1::Event::Deleted,
            v2::Event::Renamed { to } => v1::Event::Unknown(UnknownVariant {
                tag: 2,
                body: encoded(&[to]),
            }),
            v2::Event::Unknown(unknown) => v1::Event::Unknown(unknown.clone()),
        }
    }

    /// The v1 view of a v2 order.
    pub fn order(order: &v2::Order) -> v1::Order {
        v1::Order {
            id: order.id,
            items: order.items.iter().map(item).collect(),
            event: event(&order.event),
            rest: join(&encoded(&[&order.note, &order.priority]), &order.rest),
        }
    }

    /// The v1 view of a v2 ping: the appended field is skipped, not kept.
    pub fn ping(ping: &v2::Ping) -> v1::Ping {
        v1::Ping { seq: ping.seq }
    }
}

/// What a v2 reader decodes from the bytes of a v1 value (one without unknown data):
/// the appended fields take their defaults.
pub mod lift {
    use super::{v1, v2};

    /// The v2 view of a v1 item.
    pub fn item(item: &v1::Item) -> v2::Item {
        v2::Item {
            name: item.name.clone(),
            qty: item.qty,
            price_cents: 0,
            currency: v2::default_currency(),
            rest: item.rest.clone(),
        }
    }

    /// The v2 view of a v1 event (tags 0 and 1, which both revisions define).
    pub fn event(event: &v1::Event) -> v2::Event {
        match event {
            v1::Event::Created { by, rest } => v2::Event::Created {
                by: by.clone(),
                at: 0,
                rest: rest.clone(),
            },
            v1::Event::Deleted => v2::Event::Deleted,
            v1::Event::Unknown(unknown) => v2::Event::Unknown(unknown.clone()),
        }
    }

    /// The v2 view of a v1 order.
    pub fn order(order: &v1::Order) -> v2::Order {
        v2::Order {
            id: order.id,
            items: order.items.iter().map(item).collect(),
            event: event(&order.event),
            note: None,
            priority: 0,
            rest: order.rest.clone(),
        }
    }

    /// The v2 view of a v1 ping.
    pub fn ping(ping: &v1::Ping) -> v2::Ping {
        v2::Ping {
            seq: ping.seq,
            sent_at: 0,
        }
    }
}

/// The values of SPEC.md §9.11's vectors, whose notation names revision 1's types
/// `ItemV1`, `EventV1`, `OrderV1`, `PingV1` and revision 2's `ItemV2`, ... (§9.0).
mod notation {
    use wirewright::{UnknownFields, UnknownVariant};

    use super::{v1, v2};
    use crate::from_notation::{is_unit, struct_fields, tuple_fields, FromNotation};
    use crate::notation::Value;

    impl FromNotation<'_> for v1::Item {
        fn from_notation(value: &Value) -> Result<Self, String> {
            let [name, qty, rest] = struct_fields(value, &["ItemV1"], ["name", "qty", "rest"])?;
            Ok(v1::Item {
                name: String::from_notation(name)?,
                qty: u32::from_notation(qty)?,
                rest: UnknownFields::from_notation(rest)?,
            })
        }
    }

    impl FromNotation<'_> for v2::Item {
        fn from_notation(value: &Value) -> Result<Self, String> {
            let [name, qty, price_cents, currency, rest] = struct_fields(
                value,
                &["ItemV2"],
                ["name", "qty", "price_cents", "currency", "rest"],
            )?;
            Ok(v2::Item {
                name: String::from_notation(name)?,
                qty: u32::from_notation(qty)?,
                price_cents: u64::from_notation(price_cents)?,
                currency: String::from_notation(currency)?,
                rest: UnknownFields::from_notation(rest)?,
            })
        }
    }

    impl FromNotation<'_> for v1::Event {
        fn from_notation(value: &Value) -> Result<Self, String> {
            if is_unit(value, &["EventV1", "Deleted"]) {
                return Ok(v1::Event::Deleted);
            }
            if let Ok([unknown]) = tuple_fields(value, &["EventV1", "Unknown"]) {
                return Ok(v1::Event::Unknown(UnknownVariant::from_notation(unknown)?));
            }
            let [by, rest] = struct_fields(value, &["EventV1", "Created"], ["by", "rest"])?;
            Ok(v1::Event::Created {
                by: String::from_notation(by)?,
                rest: UnknownFields::from_notation(rest)?,
            })
        }
    }

    impl FromNotation<'_> for v2::Event {
        fn from_notation(value: &Value) -> Result<Self, String> {
            if is_unit(value, &["EventV2", "Deleted"]) {
                return Ok(v2::Event::Deleted);
            }
            if let Ok([unknown]) = tuple_fields(value, &["EventV2", "Unknown"]) {
                return Ok(v2::Event::Unknown(UnknownVariant::from_notation(unknown)?));
            }
            if let Ok([to]) = struct_fields(value, &["EventV2", "Renamed"], ["to"]) {
                return Ok(v2::Event::Renamed {
                    to: String::from_notation(to)?,
                });
            }
            let [by, at, rest] =
                struct_fields(value, &["EventV2", "Created"], ["by", "at", "rest"])?;
            Ok(v2::Event::Created {
                by: String::from_notation(by)?,
                at: u64::from_notation(at)?,
                rest: UnknownFields::from_notation(rest)?,
            })
        }
    }

    impl FromNotation<'_> for v1::Order {
        fn from_notation(value: &Value) -> Result<Self, String> {
            let [id, items, event, rest] =
                struct_fields(value, &["OrderV1"], ["id", "items", "event", "rest"])?;
            Ok(v1::Order {
                id: u64::from_notation(id)?,
                items: Vec::from_notation(items)?,
                event: v1::Event::from_notation(event)?,
                rest: UnknownFields::from_notation(rest)?,
            })
        }
    }

    impl FromNotation<'_> for v2::Order {
        fn from_notation(value: &Value) -> Result<Self, String> {
            let [id, items, event, note, priority, rest] = struct_fields(
                value,
                &["OrderV2"],
                ["id", "items", "event", "note", "priority", "rest"],
            )?;
            Ok(v2::Order {
                id: u64::from_notation(id)?,
                items: Vec::from_notation(items)?,
                event: v2::Event::from_notation(event)?,
                note: Option::from_notation(note)?,
                priority: u32::from_notation(priority)?,
                rest: UnknownFields::from_notation(rest)?,
            })
        }
    }

    impl FromNotation<'_> for v1::Ping {
        fn from_notation(value: &Value) -> Result<Self, String> {
            let [seq] = struct_fields(value, &["PingV1"], ["seq"])?;
            Ok(v1::Ping {
                seq: u32::from_notation(seq)?,
            })
        }
    }

    impl FromNotation<'_> for v2::Ping {
        fn from_notation(value: &Value) -> Result<Self, String> {
            let [seq, sent_at] = struct_fields(value, &["PingV2"], ["seq", "sent_at"])?;
            Ok(v2::Ping {
                seq: u32::from_notation(seq)?,
                sent_at: u64::from_notation(sent_at)?,
            })
        }
    }
}
