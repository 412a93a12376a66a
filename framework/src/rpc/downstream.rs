//! What a client reads: replies, stream items, and the server's stream signals (OPEN and
//! END, SPEC.md §11.8), as [`Inbound`] frames of the reply protocol.

use crate::frame::DecodeFrame;
use crate::{Flags, FrameError, FrameHeader, Reader};

use super::{Inbound, Reply, Signal};

/// A frame a client receives: [`Inbound`] of the replies, whose control frames of kinds
/// 5 to 9 are a call's signals (the client ignores its own kinds, SPEC.md §11.7).
#[derive(Debug)]
pub(crate) struct FromServer<Resp, E>(pub(crate) Inbound<Reply<Resp, E>>);

impl<'de, Resp, E> DecodeFrame<'de> for FromServer<Resp, E>
where
    Reply<Resp, E>: DecodeFrame<'de>,
{
    fn decode_frame_payload(
        header: &FrameHeader,
        payload: &mut Reader<'de>,
    ) -> Result<Self, FrameError> {
        <Inbound<Reply<Resp, E>>>::decode_frame_payload(header, payload).map(FromServer)
    }

    /// A call's signals (control kinds 5 to 9) become [`Inbound::Signal`]; the client
    /// acts on the server's OPEN and END and ignores its own kinds (SPEC.md §11.7, §11.8).
    /// Other control frames are the transport's.
    fn decode_control(
        header: &FrameHeader,
        payload: &mut Reader<'de>,
    ) -> Option<Result<Self, FrameError>> {
        if header.flags.contains(Flags::JSON) || header.correlation_id != 0 {
            return None;
        }
        super::signal::decode_control(header, payload, Signal::is_kind, |signal| {
            FromServer(Inbound::Signal(signal))
        })
    }

    fn decode_other_format(header: &FrameHeader, error: FrameError) -> Result<Self, FrameError> {
        <Inbound<Reply<Resp, E>>>::decode_other_format(header, error).map(FromServer)
    }
}
