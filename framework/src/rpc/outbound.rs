//! A reply on its way out: what an [`RpcServer`](super::RpcServer)'s connection sends.

use bytes::BufMut;

use crate::frame::EncodeFrame;
use crate::{Encode, Flags, Protocol};

use super::budget::Charge;
use super::Reply;

/// A [`Reply`] queued for sending, with its encoded length (computed once) and its share
/// of the connection's reply budget ([`RpcServerConfig::reply_budget`]), given back when
/// the connection has written it out. On the wire it is exactly its reply.
///
/// [`RpcServerConfig::reply_budget`]: super::RpcServerConfig::reply_budget
///
/// ```
/// use wirewright::rpc::{Outbound, Reply};
/// use wirewright::frame::encode_frame;
/// use wirewright::Message;
///
/// #[derive(Message, Debug, PartialEq)]
/// #[wire(id = 2)]
/// struct Pong(u32);
///
/// let outbound = Outbound::new(Reply::<Pong, String>::Response(Pong(7)));
/// let (mut direct, mut wrapped) = (Vec::new(), Vec::new());
/// encode_frame(&Reply::<Pong, String>::Response(Pong(7)), 41, &mut direct)?;
/// encode_frame(&outbound, 41, &mut wrapped)?;
/// assert_eq!(direct, wrapped);
/// assert_eq!(outbound.into_reply(), Reply::Response(Pong(7)));
/// # Ok::<(), wirewright::FrameError>(())
/// ```
#[derive(Debug)]
pub struct Outbound<Resp, E> {
    reply: Reply<Resp, E>,
    len: usize,
    charge: Option<Charge>,
}

impl<Resp: Encode, E: Encode> Outbound<Resp, E> {
    /// `reply`, charged to no budget.
    ///
    /// ```
    /// # use wirewright::rpc::{Outbound, Reply};
    /// let outbound = Outbound::new(Reply::<u8, String>::Response(1));
    /// assert_eq!(outbound.reply(), &Reply::Response(1));
    /// ```
    pub fn new(reply: Reply<Resp, E>) -> Self {
        let len = reply.encoded_len();
        Outbound {
            reply,
            len,
            charge: None,
        }
    }
}

impl<Resp, E> Outbound<Resp, E> {
    /// `reply`, whose encoded length is `len`, holding `charge` until it is dropped.
    pub(crate) fn charged(reply: Reply<Resp, E>, len: usize, charge: Charge) -> Self {
        Outbound {
            reply,
            len,
            charge: Some(charge),
        }
    }

    /// The reply.
    ///
    /// ```
    /// # use wirewright::rpc::{Outbound, Reply};
    /// assert_eq!(Outbound::new(Reply::<u8, String>::Response(3)).reply(), &Reply::Response(3));
    /// ```
    pub fn reply(&self) -> &Reply<Resp, E> {
        &self.reply
    }

    /// The reply, releasing its share of the budget.
    ///
    /// ```
    /// # use wirewright::rpc::{Outbound, Reply};
    /// assert_eq!(Outbound::new(Reply::<u8, String>::Response(3)).into_reply(), Reply::Response(3));
    /// ```
    pub fn into_reply(self) -> Reply<Resp, E> {
        drop(self.charge);
        self.reply
    }
}

impl<Resp: Encode, E: Encode> Encode for Outbound<Resp, E> {
    fn encoded_len(&self) -> usize {
        self.len
    }

    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        self.reply.encode_raw(buf);
    }
}

impl<Resp: Protocol, E: Encode> EncodeFrame for Outbound<Resp, E> {
    fn frame_type(&self) -> u16 {
        self.reply.frame_type()
    }

    fn frame_flags(&self) -> Flags {
        self.reply.frame_flags()
    }
}
