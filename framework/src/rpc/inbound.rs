//! A received frame whose payload may not have decoded: the connection stays usable and
//! the peer gets an answer (SPEC.md §11.4).

use crate::frame::DecodeFrame;
use crate::{Flags, FrameError, FrameHeader, FrameKind, Reader};

use super::Signal;

/// A frame of protocol `P`, or, when its payload did not decode (a message type `P`
/// does not know, or a payload that breaks SPEC.md §4/§5), why not.
///
/// Framing errors (bad CRC, reserved flags) and frames of the wrong kind still fail the
/// connection: the stream cannot be trusted after them. A payload that does not decode
/// can be answered: the frame's length and CRC were right, so the next frame is where
/// the header says. A message frame with correlation id 0 is not a request and cannot
/// be answered: when its payload does not decode, the error passes (the connection
/// closes with GOODBYE reason 4, SPEC.md §11.4).
///
/// ```
/// use wirewright::rpc::Inbound;
/// use wirewright::frame::{decode_frame, encode_frame};
/// use wirewright::{FrameError, FrameHeader, Message};
///
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(id = 1)]
/// struct Get(String);
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(id = 9)]
/// struct Other(u8);
///
/// let mut buf = Vec::new();
/// encode_frame(&Get("k".into()), 3, &mut buf)?;
/// let (_, frame): (FrameHeader, Inbound<Get>) = decode_frame(&buf)?;
/// assert_eq!(frame.decoded(), Some(Get("k".into())));
///
/// buf.clear();
/// encode_frame(&Other(1), 4, &mut buf)?;
/// let (header, frame): (FrameHeader, Inbound<Get>) = decode_frame(&buf)?;
/// assert!(matches!(frame, Inbound::Undecodable { error: FrameError::UnknownMessageType { message_type: 9, .. } }));
/// assert_eq!(header.correlation_id, 4);
/// # Ok::<(), FrameError>(())
/// ```
#[derive(Debug)]
pub enum Inbound<P> {
    /// The payload decoded.
    Decoded(P),
    /// The payload did not decode: [`FrameError::UnknownMessageType`],
    /// [`FrameError::Payload`], or [`FrameError::UnexpectedFormat`] for a request in a
    /// format the receiver has not enabled.
    Undecodable {
        /// Why.
        error: FrameError,
    },
    /// A call's control frame, DEADLINE or CANCEL (SPEC.md §11.7): only clients send
    /// them.
    Signal(Signal),
}

impl<P> Inbound<P> {
    /// The decoded value, if there is one.
    ///
    /// ```
    /// assert_eq!(wirewright::rpc::Inbound::Decoded(5).decoded(), Some(5));
    /// ```
    pub fn decoded(self) -> Option<P> {
        match self {
            Inbound::Decoded(value) => Some(value),
            Inbound::Undecodable { .. } | Inbound::Signal(_) => None,
        }
    }
}

impl<'de, P: DecodeFrame<'de>> DecodeFrame<'de> for Inbound<P> {
    fn decode_frame_payload(
        header: &FrameHeader,
        payload: &mut Reader<'de>,
    ) -> Result<Self, FrameError> {
        if header.correlation_id == 0 && header.flags.kind() == FrameKind::Message {
            // Not a request: nothing to answer, so nothing to tolerate.
            return P::decode_frame_payload(header, payload).map(Inbound::Decoded);
        }
        tolerate(payload, |payload| P::decode_frame_payload(header, payload))
    }

    /// A call's DEADLINE, CANCEL or CREDIT (control kinds 5 to 7, SPEC.md §11.7, §11.8),
    /// the kinds a client sends, becomes [`Inbound::Signal`]; a frame of those kinds with
    /// the JSON flag or a correlation id is left to the transport, which refuses it as a
    /// malformed control frame, and so are the server's kinds (OPEN, END): unknown control
    /// kinds from a client, a protocol error.
    fn decode_control(
        header: &FrameHeader,
        payload: &mut Reader<'de>,
    ) -> Option<Result<Self, FrameError>> {
        if header.flags.contains(Flags::JSON) || header.correlation_id != 0 {
            return None;
        }
        super::signal::decode_control(header, payload, Signal::is_client_kind, Inbound::Signal)
    }

    /// A request in a format the server has not enabled (a JSON request to a binary
    /// server) is answerable: [`Inbound::Undecodable`], answered with code 2 (SPEC.md
    /// §3.5, §11.4). Other frames keep `P`'s error.
    fn decode_other_format(header: &FrameHeader, error: FrameError) -> Result<Self, FrameError> {
        let is_request = header.correlation_id != 0 && header.flags.kind() == FrameKind::Message;
        match P::decode_other_format(header, error) {
            Ok(value) => Ok(Inbound::Decoded(value)),
            Err(error @ FrameError::UnexpectedFormat { .. }) if is_request => {
                Ok(Inbound::Undecodable { error })
            }
            Err(error) => Err(error),
        }
    }
}

/// Runs `decode`; turns a message error (a payload that does not decode, an unknown
/// message type) into [`Inbound::Undecodable`] after skipping the rest of the payload.
/// Connection errors pass.
fn tolerate<'de, P>(
    payload: &mut Reader<'de>,
    decode: impl FnOnce(&mut Reader<'de>) -> Result<P, FrameError>,
) -> Result<Inbound<P>, FrameError> {
    let error = match decode(payload) {
        // The payload's unknown tail is skipped, as every frame's is (SPEC.md §12.2).
        Ok(value) => return Ok(Inbound::Decoded(value)),
        // A message error (SPEC.md §3.5): the framing was valid, the request answerable.
        Err(error) if !error.is_connection_error() => error,
        Err(connection_error) => return Err(connection_error),
    };
    payload.read_rest();
    Ok(Inbound::Undecodable { error })
}
