//! What a server sends back for a request: a response frame, or an error frame with the
//! application's error or a [`Failure`] (SPEC.md §11.2, §11.3).

use bytes::BufMut;

use crate::frame::{DecodeFrame, EncodeFrame};
use crate::{
    Decode, DecodeProtocol, Encode, Flags, FrameError, FrameHeader, FrameKind, Protocol, Reader,
};

use super::{ErrorCode, Failure};

/// The answer to a request, as one protocol that a server sends and a client receives.
///
/// ```text
///  Response(r)     flags 04 (RESPONSE)          type: r's message id   payload: r (§4)
///  Application(e)  flags 0c (RESPONSE | ERROR)  type: 0                payload: e (§4)
///  Failure(f)      flags 0c (RESPONSE | ERROR)  type: f.code (1..)     payload: f.message (string)
/// ```
///
/// Every frame carries the correlation id of the request it answers.
///
/// ```
/// use wirewright::rpc::{ErrorCode, Failure, Reply};
/// use wirewright::frame::{decode_frame, encode_frame};
/// use wirewright::{FrameHeader, Message};
///
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(id = 2)]
/// struct Pong(u32);
///
/// let mut buf = Vec::new();
/// encode_frame(&Reply::<Pong, String>::Response(Pong(7)), 41, &mut buf)?;
/// assert_eq!(buf[5], 0x04); // RESPONSE
/// let (header, reply): (FrameHeader, Reply<Pong, String>) = decode_frame(&buf)?;
/// assert_eq!((header.correlation_id, reply), (41, Reply::Response(Pong(7))));
///
/// buf.clear();
/// let failure = Failure::new(ErrorCode::Overloaded, "");
/// encode_frame(&Reply::<Pong, String>::Failure(failure.clone()), 42, &mut buf)?;
/// assert_eq!((buf[5], buf[6]), (0x0c, 4)); // RESPONSE | ERROR, code 4
/// let (_, reply): (FrameHeader, Reply<Pong, String>) = decode_frame(&buf)?;
/// assert_eq!(reply, Reply::Failure(failure));
/// # Ok::<(), wirewright::FrameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply<Resp, E> {
    /// The handler's response.
    Response(Resp),
    /// The handler's own error (error code 0).
    Application(E),
    /// The framework failed the call (error codes 1 and up).
    Failure(Failure),
}

impl<Resp, E> Reply<Resp, E> {
    /// The handler's result as a reply.
    ///
    /// ```
    /// use wirewright::rpc::Reply;
    /// let reply: Reply<u8, String> = Reply::from_result(Err("no such key".to_owned()));
    /// assert_eq!(reply, Reply::Application("no such key".to_owned()));
    /// ```
    pub fn from_result(result: Result<Resp, E>) -> Self {
        match result {
            Ok(response) => Reply::Response(response),
            Err(error) => Reply::Application(error),
        }
    }
}

impl<Resp: Encode, E: Encode> Encode for Reply<Resp, E> {
    fn encoded_len(&self) -> usize {
        match self {
            Reply::Response(response) => response.encoded_len(),
            Reply::Application(error) => error.encoded_len(),
            Reply::Failure(failure) => failure.message.as_str().encoded_len(),
        }
    }

    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        match self {
            Reply::Response(response) => response.encode_raw(buf),
            Reply::Application(error) => error.encode_raw(buf),
            Reply::Failure(failure) => failure.message.as_str().encode_raw(buf),
        }
    }
}

impl<Resp: Protocol, E: Encode> EncodeFrame for Reply<Resp, E> {
    fn frame_type(&self) -> u16 {
        match self {
            Reply::Response(response) => response.message_type(),
            Reply::Application(_) => ErrorCode::APPLICATION,
            Reply::Failure(failure) => failure.code.code(),
        }
    }

    fn frame_flags(&self) -> Flags {
        match self {
            Reply::Response(_) => Flags::RESPONSE,
            Reply::Application(_) | Reply::Failure(_) => Flags::RESPONSE | Flags::ERROR,
        }
    }
}

impl<'de, Resp, E> DecodeFrame<'de> for Reply<Resp, E>
where
    Resp: DecodeProtocol<'de>,
    E: Decode<'de>,
{
    /// Takes response and error frames; a message frame (a request) is
    /// [`FrameError::UnexpectedKind`].
    fn decode_frame_payload(
        header: &FrameHeader,
        payload: &mut Reader<'de>,
    ) -> Result<Self, FrameError> {
        let message_type = header.message_type;
        let payload_error = |source| FrameError::Payload {
            message_type,
            source,
        };
        match header.flags.kind() {
            FrameKind::Response => Resp::decode_message(message_type, payload).map(Reply::Response),
            // The error is the whole payload: it evolves as a top-level message does
            // (SPEC.md §12.2).
            FrameKind::Error if message_type == ErrorCode::APPLICATION => {
                E::decode_payload_raw(payload)
                    .map(Reply::Application)
                    .map_err(payload_error)
            }
            FrameKind::Error => {
                let message = String::decode_raw(payload).map_err(payload_error)?;
                Ok(Reply::Failure(Failure {
                    code: ErrorCode::from_code(message_type),
                    message,
                }))
            }
            FrameKind::Message | FrameKind::Control => {
                Err(FrameError::unexpected_kind(header, FrameKind::Response))
            }
        }
    }

    /// A message frame is [`FrameError::UnexpectedKind`] whatever its format, as in
    /// [`decode_frame_payload`](Self::decode_frame_payload).
    fn decode_other_format(header: &FrameHeader, error: FrameError) -> Result<Self, FrameError> {
        match header.flags.kind() {
            FrameKind::Response | FrameKind::Error => Err(error),
            FrameKind::Message | FrameKind::Control => {
                Err(FrameError::unexpected_kind(header, FrameKind::Response))
            }
        }
    }
}
