//! What a codec yields and accepts: the decoder's item (a received message with its
//! header, or a control frame) and the encoder's item (a message with its correlation id,
//! or a control frame).

use crate::frame::EncodeFrame;
use crate::FrameHeader;

use super::Control;

/// A decoded frame: a message of the protocol, or a control frame.
///
/// A [`Connection`](super::Connection) handles control frames itself; a bare
/// [`FrameCodec`](super::FrameCodec) yields them so that the caller can.
///
/// ```
/// use wirewright::transport::{Control, Incoming};
/// let item: Incoming<u8> = Incoming::Control(Control::Ping { nonce: 1 });
/// assert!(item.into_message().is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming<P> {
    /// A message frame.
    Message(Received<P>),
    /// A control frame (SPEC.md §7).
    Control(Control),
}

impl<P> Incoming<P> {
    /// The message, if this is a message frame.
    ///
    /// ```
    /// use wirewright::{Flags, FrameHeader};
    /// use wirewright::transport::{Incoming, Received};
    /// let header = FrameHeader { flags: Flags::EMPTY, message_type: 1, correlation_id: 0, payload_len: 1 };
    /// let item = Incoming::Message(Received { header, message: 7u8 });
    /// assert_eq!(item.into_message().map(|received| received.message), Some(7));
    /// ```
    pub fn into_message(self) -> Option<Received<P>> {
        match self {
            Incoming::Message(received) => Some(received),
            Incoming::Control(_) => None,
        }
    }
}

/// A received message with the header of its frame.
///
/// ```
/// use wirewright::{Flags, FrameHeader};
/// use wirewright::transport::Received;
/// let header = FrameHeader { flags: Flags::EMPTY, message_type: 1, correlation_id: 42, payload_len: 1 };
/// let received = Received { header, message: 7u8 };
/// assert_eq!(received.correlation_id(), 42);
/// assert_eq!(received.into_message(), 7);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received<P> {
    /// The frame's header (message type, correlation id, payload length, flags).
    pub header: FrameHeader,
    /// The decoded message.
    pub message: P,
}

impl<P> Received<P> {
    /// The frame's correlation id (0 when the frame is not part of an exchange).
    ///
    /// ```
    /// # use wirewright::{Flags, FrameHeader};
    /// # let header = FrameHeader { flags: Flags::EMPTY, message_type: 1, correlation_id: 0, payload_len: 1 };
    /// let received = wirewright::transport::Received { header, message: () };
    /// assert_eq!(received.correlation_id(), 0);
    /// ```
    pub fn correlation_id(&self) -> u32 {
        self.header.correlation_id
    }

    /// The message, without its header.
    ///
    /// ```
    /// # use wirewright::{Flags, FrameHeader};
    /// # let header = FrameHeader { flags: Flags::EMPTY, message_type: 1, correlation_id: 0, payload_len: 1 };
    /// let received = wirewright::transport::Received { header, message: "hi" };
    /// assert_eq!(received.into_message(), "hi");
    /// ```
    pub fn into_message(self) -> P {
        self.message
    }
}

/// A message to send with a correlation id.
///
/// ```
/// use wirewright::transport::Correlated;
/// let request = Correlated::new(7, "payload");
/// assert_eq!((request.correlation_id, request.message), (7, "payload"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Correlated<M> {
    /// Written in the frame header; pairs a response with its request.
    pub correlation_id: u32,
    /// The message.
    pub message: M,
}

impl<M> Correlated<M> {
    /// `message` with `correlation_id`.
    ///
    /// ```
    /// assert_eq!(wirewright::transport::Correlated::new(1, ()).correlation_id, 1);
    /// ```
    pub fn new(correlation_id: u32, message: M) -> Self {
        Correlated {
            correlation_id,
            message,
        }
    }
}

/// A frame to encode: a message with its correlation id, or a control frame. Every
/// message, [`Correlated`] message and [`Control`] converts into it with `into()`.
///
/// A [`FrameCodec`](super::FrameCodec) has this one encoder item, so that `Framed`'s
/// `flush` and `close` need no type annotations.
///
/// ```
/// use wirewright::transport::{Control, Correlated, Outgoing};
/// # #[derive(wirewright::Message)] #[wire(id = 1)] struct Note;
/// let plain: Outgoing<Note> = Note.into();
/// assert!(matches!(plain, Outgoing::Message(Correlated { correlation_id: 0, .. })));
/// let request: Outgoing<Note> = Correlated::new(9, Note).into();
/// assert!(matches!(request, Outgoing::Message(Correlated { correlation_id: 9, .. })));
/// let ping: Outgoing<Note> = Control::Ping { nonce: 1 }.into();
/// assert!(matches!(ping, Outgoing::Control(Control::Ping { nonce: 1 })));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing<M> {
    /// A message frame.
    Message(Correlated<M>),
    /// A control frame.
    Control(Control),
}

impl<M: EncodeFrame> From<M> for Outgoing<M> {
    /// The message with correlation id 0.
    fn from(message: M) -> Self {
        Outgoing::Message(Correlated::new(0, message))
    }
}

impl<M> From<Correlated<M>> for Outgoing<M> {
    fn from(message: Correlated<M>) -> Self {
        Outgoing::Message(message)
    }
}

impl<M> From<Control> for Outgoing<M> {
    fn from(control: Control) -> Self {
        Outgoing::Control(control)
    }
}
