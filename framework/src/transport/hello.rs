//! HELLO (SPEC.md §13.6): what a peer announces of its schema as a connection's first
//! frame, and how each end judges what the other announced.
//!
//! ```text
//!  header: flags 0x02 (CONTROL), message type 4, correlation id 0
//!  payload: protocol   string        the schema's root ("Chat")
//!           fingerprint u64, 8 bytes LE  FNV-1a 64 of the schema text (§13.4)
//!           revision   u32 varint    the highest `since` in the schema (1 if none)
//!           schema     option<string> the schema text (§13.2), or none
//! ```
//!
//! The exchange itself (who sends what, when) is in `handshake.rs`; this file has the
//! frame and the judgement, which need no I/O.

use std::any::TypeId;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::frame::{FrameWriter, HEADER_LEN, TRAILER_LEN};
use crate::schema::{
    compare, parse, Compatibility, Definition, Describe, Kind, ParseError, Report, Schema,
};
use crate::{Decode, Encode, Fixed, Flags, FrameBuf, FrameHeader, Limits, RawFrame, Reader};

use super::{CodecError, Control, ControlError};

/// Whether an end takes part in the HELLO exchange (SPEC.md §13.6); set with
/// [`ClientConfig::with_hello`](super::ClientConfig::with_hello) and
/// [`ServerConfig::with_hello`](super::ServerConfig::with_hello).
///
/// | | client | server |
/// |---|---|---|
/// | `Off` | sends no HELLO | does not take part: a HELLO is an unknown control kind (GOODBYE 4), as in an older server |
/// | `Optional` (default) | sends HELLO; a server that answers with another frame is served without; one that closes first (an older server) is connected to again without HELLO | answers a HELLO; serves clients that send none |
/// | `Required` | sends HELLO; no answer is [`HelloError`] | answers a HELLO; refuses other clients with GOODBYE 10 |
///
/// ```
/// use wirewright::transport::{ClientConfig, HelloMode};
/// assert_eq!(ClientConfig::new().hello(), HelloMode::Optional);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum HelloMode {
    /// No HELLO.
    Off,
    /// HELLO when the other end takes part (the default).
    #[default]
    Optional,
    /// HELLO or no connection.
    Required,
}

/// What a peer announces in its HELLO frame (SPEC.md §13.6).
///
/// ```
/// use wirewright::schema::Describe;
/// use wirewright::transport::Hello;
///
/// #[derive(wirewright::Message)]
/// #[wire(id = 1)]
/// struct Join { room: String, nick: String }
///
/// let hello = Hello::of(&Join::schema());
/// assert_eq!(hello.protocol, "Join");
/// assert_eq!(hello.fingerprint, 0xf309_206e_14a0_d7b8); // SPEC.md §9.6
/// assert_eq!(hello.revision, 1);
/// assert_eq!(hello.to_string(), "Join (fingerprint f309206e14a0d7b8, revision 1)");
///
/// let mut frame = Vec::new();
/// hello.write(&mut frame);
/// let (read, len) = Hello::read_frame(&frame, &Default::default())?.expect("a whole HELLO");
/// assert_eq!((read, len), (hello, frame.len()));
/// # Ok::<(), wirewright::transport::CodecError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    /// The name of the schema's root (`Chat`, or `(Request, Response, Error)`).
    pub protocol: String,
    /// FNV-1a 64 of the schema text (SPEC.md §13.4).
    pub fingerprint: u64,
    /// The highest revision (`since`) of any field in the schema; 1 when none has one.
    pub revision: u32,
    /// The schema text (SPEC.md §13.2), when the peer sent it.
    pub schema: Option<String>,
}

impl Hello {
    /// The longest HELLO frame wirewright reads (and writes: a schema text that would
    /// make its own HELLO longer is left out, and the peer judges it unverified): 64 KiB.
    /// A longer one is a protocol error, so that a peer cannot make a connection hold
    /// more than this before its first message.
    pub const MAX_FRAME_LEN: usize = 64 * 1024;

    /// The HELLO announcing `schema`, with its text (unless the frame would exceed
    /// [`MAX_FRAME_LEN`](Self::MAX_FRAME_LEN)).
    ///
    /// ```
    /// use wirewright::schema::Describe;
    /// # #[derive(wirewright::Message)] #[wire(id = 1)] struct Join { room: String, nick: String }
    /// let hello = wirewright::transport::Hello::of(&Join::schema());
    /// assert_eq!(hello.schema.as_deref(), Some(Join::schema().to_string().as_str()));
    /// ```
    pub fn of(schema: &Schema) -> Hello {
        let text = schema.to_string();
        let mut hello = Hello {
            protocol: schema.root.to_string(),
            fingerprint: crate::schema::fnv1a_64(text.as_bytes()),
            revision: revision(schema),
            schema: Some(text),
        };
        if hello.frame_len() > Self::MAX_FRAME_LEN {
            hello.schema = None;
        }
        hello
    }

    fn payload_len(&self) -> usize {
        self.protocol.as_str().encoded_len()
            + 8
            + self.revision.encoded_len()
            + self.schema.as_deref().encoded_len()
    }

    /// Bytes of the whole frame.
    ///
    /// ```
    /// # use wirewright::transport::Hello;
    /// let hello = Hello { protocol: "Join".into(), fingerprint: 0, revision: 1, schema: None };
    /// assert_eq!(hello.frame_len(), 16 + 15 + 4); // SPEC.md §9.6, frame-hello
    /// ```
    pub fn frame_len(&self) -> usize {
        HEADER_LEN + self.payload_len() + TRAILER_LEN
    }

    /// Appends the HELLO frame (header, payload, CRC-32) to `buf`; returns its length.
    ///
    /// ```
    /// # use wirewright::transport::Hello;
    /// let hello = Hello { protocol: "Join".into(), fingerprint: 0xf309206e14a0d7b8, revision: 1, schema: None };
    /// let mut frame = Vec::new();
    /// hello.write(&mut frame);
    /// assert_eq!(&frame[..8], b"WWRT\x01\x02\x04\x00"); // CONTROL flag, kind 4
    /// ```
    pub fn write<B: FrameBuf + ?Sized>(&self, buf: &mut B) -> usize {
        let header = FrameHeader {
            flags: Flags::CONTROL,
            message_type: Control::HELLO,
            correlation_id: 0,
            payload_len: self.payload_len() as u32,
        };
        let mut frame = FrameWriter::begin(buf, header);
        let payload = frame.payload();
        self.protocol.as_str().encode_raw(payload);
        Fixed(self.fingerprint).encode_raw(payload);
        self.revision.encode_raw(payload);
        self.schema.as_deref().encode_raw(payload);
        frame.finish()
    }

    /// Reads a HELLO from its checked header and payload.
    ///
    /// # Errors
    /// [`ControlError`] when the frame breaks SPEC.md §7/§13.6: the JSON flag, a
    /// correlation id, a payload that does not decode or has bytes left over.
    pub fn parse(
        header: &FrameHeader,
        payload: &[u8],
        limits: &Limits,
    ) -> Result<Hello, ControlError> {
        let kind = header.message_type;
        if header.flags.contains(Flags::JSON) {
            return Err(ControlError::JsonFlag { kind });
        }
        if header.correlation_id != 0 {
            return Err(ControlError::CorrelationId {
                kind,
                correlation_id: header.correlation_id,
            });
        }
        let payload_error = |source| ControlError::Payload { kind, source };
        let mut reader = Reader::with_limits(payload, *limits);
        let hello = Hello {
            protocol: String::decode_raw(&mut reader).map_err(payload_error)?,
            fingerprint: Fixed::<u64>::decode_raw(&mut reader)
                .map_err(payload_error)?
                .0,
            revision: u32::decode_raw(&mut reader).map_err(payload_error)?,
            schema: Option::<String>::decode_raw(&mut reader).map_err(payload_error)?,
        };
        reader.finish().map_err(payload_error)?;
        Ok(hello)
    }

    /// Reads the HELLO at the start of `bytes`, the first bytes a peer sent on a
    /// connection: `Ok(Some((hello, frame length)))` for a whole valid HELLO,
    /// `Ok(None)` when the bytes do not start with a HELLO (or not yet: fewer than a
    /// header, or a HELLO cut short).
    ///
    /// # Errors
    /// A HELLO frame that breaks SPEC.md: [`CodecError::Frame`] (a bad CRC),
    /// [`CodecError::Control`] (a bad payload, or longer than
    /// [`MAX_FRAME_LEN`](Self::MAX_FRAME_LEN)).
    pub fn read_frame(bytes: &[u8], limits: &Limits) -> Result<Option<(Hello, usize)>, CodecError> {
        match FirstFrame::read(bytes, limits)? {
            FirstFrame::Hello { hello, len } => Ok(Some((hello, len))),
            _ => Ok(None),
        }
    }
}

impl fmt::Display for Hello {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (fingerprint {:016x}, revision {})",
            self.protocol, self.fingerprint, self.revision
        )
    }
}

/// The highest `since` of any field of `schema`; 1 when none has one.
fn revision(schema: &Schema) -> u32 {
    let fields = |definition: &Definition| -> u32 {
        match &definition.kind {
            Kind::Struct(fields) => fields.fields.iter().map(|field| field.since).max(),
            Kind::Enum(variants) => variants
                .iter()
                .filter_map(|variant| match variant {
                    crate::schema::Variant::Tagged { fields, .. } => {
                        fields.fields.iter().map(|field| field.since).max()
                    }
                    crate::schema::Variant::Other { .. } => None,
                })
                .max(),
            Kind::Protocol(_) => None,
        }
        .unwrap_or(1)
    };
    schema
        .definitions
        .iter()
        .map(fields)
        .max()
        .unwrap_or(1)
        .max(1)
}

/// What the first bytes of a connection hold, as far as HELLO is concerned.
#[derive(Debug)]
pub(crate) enum FirstFrame {
    /// Not enough bytes to tell, or a HELLO (or GOODBYE) not yet whole: `needed` more
    /// bytes at least.
    Incomplete { needed: usize },
    /// A whole valid HELLO of `len` bytes.
    Hello { hello: Hello, len: usize },
    /// A whole GOODBYE (a server that closes before answering).
    Goodbye(super::Goodbye),
    /// Any other frame, or bytes that are no frame: the connection's reader judges them.
    Other,
}

impl FirstFrame {
    /// Classifies the first bytes of a connection. A HELLO or GOODBYE is read whole, up
    /// to [`Hello::MAX_FRAME_LEN`].
    pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<FirstFrame, CodecError> {
        if bytes.len() < HEADER_LEN {
            return Ok(FirstFrame::Incomplete {
                needed: HEADER_LEN - bytes.len(),
            });
        }
        let header = match FrameHeader::parse(&bytes[..HEADER_LEN], limits) {
            Ok(Some(header)) => header,
            _ => return Ok(FirstFrame::Other),
        };
        let kind = header.message_type;
        if !header.flags.contains(Flags::CONTROL)
            || !matches!(kind, Control::HELLO | Control::GOODBYE)
        {
            return Ok(FirstFrame::Other);
        }
        let len = header.frame_len();
        if len > Hello::MAX_FRAME_LEN {
            if kind == Control::GOODBYE {
                return Ok(FirstFrame::Other);
            }
            return Err(CodecError::Control(ControlError::HelloTooLong {
                len,
                max: Hello::MAX_FRAME_LEN,
            }));
        }
        if bytes.len() < len {
            return Ok(FirstFrame::Incomplete {
                needed: len - bytes.len(),
            });
        }
        let frame = RawFrame::parse(&bytes[..len], limits).map_err(CodecError::Frame)?;
        if kind == Control::GOODBYE {
            let payload = bytes::Bytes::copy_from_slice(frame.payload);
            return match Control::parse(&header, &payload, limits) {
                Ok(Control::Goodbye(goodbye)) => Ok(FirstFrame::Goodbye(goodbye)),
                _ => Ok(FirstFrame::Other),
            };
        }
        let hello = Hello::parse(&header, frame.payload, limits).map_err(CodecError::Control)?;
        Ok(FirstFrame::Hello { hello, len })
    }
}

/// How this end judged the peer's HELLO (SPEC.md §13.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Equal fingerprints: the same schema.
    Same,
    /// The schemas differ, without a breaking difference: the report (old = the
    /// peer's schema, new = this end's) lists every difference.
    Compatible(Report),
    /// The fingerprints differ and the peer sent no schema text: accepted, unchecked.
    Unverified,
}

/// What the peer announced in its HELLO, and how this end judged it; see
/// [`Connection::peer_hello`](super::Connection::peer_hello).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerHello {
    /// The peer's HELLO.
    pub hello: Hello,
    /// The judgement.
    pub verdict: Verdict,
}

/// Why the HELLO exchange failed (SPEC.md §13.6). Carried by
/// [`ConnectError::Hello`](super::ConnectError::Hello) on a client; a server logs it
/// and counts it in [`Metrics::hello_rejections`](super::Metrics::hello_rejections).
///
/// ```
/// use wirewright::transport::{Hello, HelloError};
/// let hello = |fingerprint| Box::new(Hello { protocol: "Chat".into(), fingerprint, revision: 1, schema: None });
/// let err = HelloError::IncompatibleSchema {
///     local: hello(1),
///     peer: hello(2),
///     difference: "breaking: Say.text: string → u32: ...".into(),
/// };
/// assert!(err.to_string().starts_with(
///     "incompatible schemas: this end has Chat (fingerprint 0000000000000001, revision 1), \
///      the peer Chat (fingerprint 0000000000000002, revision 1): breaking: Say.text"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HelloError {
    /// The peers' schemas cannot talk: another protocol, or a breaking difference.
    #[error("incompatible schemas: this end has {local}, the peer {peer}: {difference}")]
    IncompatibleSchema {
        /// What this end announced.
        local: Box<Hello>,
        /// What the peer announced.
        peer: Box<Hello>,
        /// The first breaking difference (or the two protocol names).
        difference: String,
    },
    /// HELLO is required and the peer's first frame was another frame.
    #[error("HELLO is required and the peer's first frame was another (flags {flags:#04x}, type {message_type})")]
    NotHello {
        /// The flags byte of the peer's first frame.
        flags: u8,
        /// Its message type (or control kind).
        message_type: u16,
    },
    /// HELLO is required and nothing (or no whole frame) came within the hello timeout.
    #[error("HELLO is required and none arrived within {} ms", timeout.as_millis())]
    NoAnswer {
        /// The hello timeout.
        timeout: std::time::Duration,
    },
    /// HELLO is required and the peer closed before sending one: with a GOODBYE (a
    /// server that does not take part sends reason 4), or by ending its stream.
    #[error("HELLO is required and the peer closed before sending one{}", match goodbye { Some(goodbye) => format!(": {goodbye}"), None => String::new() })]
    Closed {
        /// The peer's GOODBYE, if it sent one.
        goodbye: Option<super::Goodbye>,
    },
    /// The peer's HELLO breaks SPEC.md §13.6 (its frame or its payload).
    #[error("malformed HELLO: {0}")]
    Malformed(#[source] CodecError),
    /// The schema text in the peer's HELLO is not a schema text (SPEC.md §13.2).
    #[error("malformed schema text in the peer's HELLO: {0}")]
    SchemaText(#[source] ParseError),
    /// Reading or writing the stream failed during the exchange.
    #[error("I/O error during the HELLO exchange: {0}")]
    Io(#[source] std::io::Error),
}

/// This end's HELLO: the announcement, its schema and its frame, computed once per
/// protocol and shared by every connection that announces it ([`LocalHello::of`] keeps
/// them per type, for the life of the program). [`Server::serve`](super::Server::serve)
/// and [`Client::connect`](super::Client::connect) pick it from the connection's
/// protocols; a layer above that announces another schema (rpc announces the tuple
/// `(Req, Resp, E)`) passes its own to
/// [`Server::serve_announcing`](super::Server::serve_announcing) and
/// [`Client::connect_driven`](super::Client::connect_driven).
///
/// ```
/// use std::sync::Arc;
/// use wirewright::transport::LocalHello;
/// # #[derive(wirewright::Message, Debug)] #[wire(id = 1)] struct Note(u8);
/// let hello = LocalHello::of::<Note>();
/// assert_eq!(hello.hello().protocol, "Note");
/// assert!(Arc::ptr_eq(&hello, &LocalHello::of::<Note>())); // computed once
/// ```
#[derive(Debug)]
pub struct LocalHello {
    pub(crate) hello: Hello,
    schema: Schema,
    pub(crate) frame: Vec<u8>,
}

impl LocalHello {
    /// The HELLO announcing `P`'s schema, computed the first time it is asked for and
    /// shared after that.
    pub fn of<P: Describe + 'static>() -> Arc<LocalHello> {
        type Cache = Mutex<HashMap<TypeId, Arc<LocalHello>>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let cache = CACHE.get_or_init(Cache::default);
        let key = TypeId::of::<P>();
        let lock = || cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(hello) = lock().get(&key) {
            return Arc::clone(hello);
        }
        // Computed outside the lock: another thread may compute it too, the first wins.
        let computed = Arc::new(LocalHello::new(P::schema()));
        Arc::clone(lock().entry(key).or_insert(computed))
    }

    /// The HELLO of a connection that receives `In` and sends `Out`, on the client's
    /// side (`client`) or the server's: the schema of the protocol when both directions
    /// carry one, else of the tuple (what the client sends, what the server sends), so
    /// that both ends announce the same schema (SPEC.md §13.6).
    pub(crate) fn of_connection<In, Out>(client: bool) -> Arc<LocalHello>
    where
        In: Describe + 'static,
        Out: Describe + 'static,
    {
        if TypeId::of::<In>() == TypeId::of::<Out>() {
            LocalHello::of::<In>()
        } else if client {
            LocalHello::of::<(Out, In)>()
        } else {
            LocalHello::of::<(In, Out)>()
        }
    }

    /// The HELLO announcing `schema`, computed now (not shared: prefer
    /// [`of`](Self::of) for a protocol type).
    ///
    /// ```
    /// use wirewright::schema::Describe;
    /// use wirewright::transport::LocalHello;
    /// # #[derive(wirewright::Message, Debug)] #[wire(id = 1)] struct Note(u8);
    /// let hello = LocalHello::new(Note::schema());
    /// assert_eq!(hello.hello(), LocalHello::of::<Note>().hello());
    /// ```
    pub fn new(schema: Schema) -> LocalHello {
        let hello = Hello::of(&schema);
        let mut frame = Vec::new();
        hello.write(&mut frame);
        LocalHello {
            hello,
            schema,
            frame,
        }
    }

    /// What this end announces.
    pub fn hello(&self) -> &Hello {
        &self.hello
    }

    /// Judges the peer's HELLO (SPEC.md §13.6): another protocol is incompatible, an
    /// equal fingerprint the same schema; otherwise the peer's text (old) is compared
    /// with this end's schema (new), and only a breaking difference is incompatible.
    pub(crate) fn judge(&self, peer: &Hello) -> Result<Verdict, HelloError> {
        let incompatible = |difference: String| HelloError::IncompatibleSchema {
            local: Box::new(self.hello.clone()),
            peer: Box::new(peer.clone()),
            difference,
        };
        if peer.protocol != self.hello.protocol {
            return Err(incompatible(format!(
                "another protocol: `{}` here, `{}` there",
                self.hello.protocol, peer.protocol
            )));
        }
        if peer.fingerprint == self.hello.fingerprint {
            return Ok(Verdict::Same);
        }
        let Some(text) = &peer.schema else {
            return Ok(Verdict::Unverified);
        };
        let old = parse(text).map_err(HelloError::SchemaText)?;
        let report = compare(&old, &self.schema);
        match report
            .differences
            .iter()
            .find(|difference| difference.compatibility == Compatibility::Breaking)
        {
            Some(breaking) => Err(incompatible(breaking.to_string())),
            None => Ok(Verdict::Compatible(report)),
        }
    }
}
