//! A reply on its way out: what an [`RpcServer`](super::RpcServer)'s connection sends.

use bytes::BufMut;

use crate::frame::EncodeFrame;
use crate::{Encode, Flags, Protocol};

use super::budget::Charge;
use super::{Reply, Signal};

/// A [`Reply`] (or a stream's OPEN or END signal, SPEC.md §11.8) queued for sending, with
/// its encoded length (computed once) and its share of the connection's reply budget
/// ([`RpcServerConfig::reply_budget`]), given back when the connection has written it
/// out. On the wire it is exactly its reply (or signal).
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
/// assert_eq!(outbound.into_reply(), Some(Reply::Response(Pong(7))));
/// # Ok::<(), wirewright::FrameError>(())
/// ```
#[derive(Debug)]
pub struct Outbound<Resp, E> {
    body: Body<Resp, E>,
    len: usize,
    charge: Option<Charge>,
}

/// What an [`Outbound`] carries.
#[derive(Debug)]
enum Body<Resp, E> {
    Reply(Reply<Resp, E>),
    Signal(Signal),
}

impl<Resp: Encode, E: Encode> Outbound<Resp, E> {
    /// `reply`, charged to no budget.
    ///
    /// ```
    /// # use wirewright::rpc::{Outbound, Reply};
    /// let outbound = Outbound::new(Reply::<u8, String>::Response(1));
    /// assert_eq!(outbound.reply(), Some(&Reply::Response(1)));
    /// ```
    pub fn new(reply: Reply<Resp, E>) -> Self {
        let len = reply.encoded_len();
        Outbound {
            body: Body::Reply(reply),
            len,
            charge: None,
        }
    }
}

impl<Resp, E> Outbound<Resp, E> {
    /// `reply`, whose encoded length is `len`, holding `charge` until it is dropped.
    pub(crate) fn charged(reply: Reply<Resp, E>, len: usize, charge: Charge) -> Self {
        Outbound {
            body: Body::Reply(reply),
            len,
            charge: Some(charge),
        }
    }

    /// A stream's `signal` (OPEN or END), holding `charge` until it is dropped.
    pub(crate) fn signal(signal: Signal, charge: Charge) -> Self {
        Outbound {
            len: signal.encoded_len(),
            body: Body::Signal(signal),
            charge: Some(charge),
        }
    }

    /// The reply, unless this is a stream's signal.
    ///
    /// ```
    /// # use wirewright::rpc::{Outbound, Reply};
    /// assert_eq!(Outbound::new(Reply::<u8, String>::Response(3)).reply(), Some(&Reply::Response(3)));
    /// ```
    pub fn reply(&self) -> Option<&Reply<Resp, E>> {
        match &self.body {
            Body::Reply(reply) => Some(reply),
            Body::Signal(_) => None,
        }
    }

    /// The stream signal (OPEN or END, SPEC.md §11.8), if this is one.
    ///
    /// ```
    /// # use wirewright::rpc::{Outbound, Reply};
    /// assert_eq!(Outbound::new(Reply::<u8, String>::Response(3)).stream_signal(), None);
    /// ```
    pub fn stream_signal(&self) -> Option<Signal> {
        match &self.body {
            Body::Reply(_) => None,
            Body::Signal(signal) => Some(*signal),
        }
    }

    /// The reply, releasing its share of the budget (`None` for a stream's signal).
    ///
    /// ```
    /// # use wirewright::rpc::{Outbound, Reply};
    /// let reply = Outbound::new(Reply::<u8, String>::Application("no".into())).into_reply();
    /// assert_eq!(reply, Some(Reply::Application("no".into())));
    /// ```
    pub fn into_reply(self) -> Option<Reply<Resp, E>> {
        drop(self.charge);
        match self.body {
            Body::Reply(reply) => Some(reply),
            Body::Signal(_) => None,
        }
    }
}

impl<Resp: Encode, E: Encode> Encode for Outbound<Resp, E> {
    fn encoded_len(&self) -> usize {
        self.len
    }

    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        match &self.body {
            Body::Reply(reply) => reply.encode_raw(buf),
            Body::Signal(signal) => signal.encode_raw(buf),
        }
    }
}

impl<Resp: Protocol, E: Encode> EncodeFrame for Outbound<Resp, E> {
    fn frame_type(&self) -> u16 {
        match &self.body {
            Body::Reply(reply) => reply.frame_type(),
            Body::Signal(signal) => signal.frame_type(),
        }
    }

    fn frame_flags(&self) -> Flags {
        match &self.body {
            Body::Reply(reply) => reply.frame_flags(),
            Body::Signal(signal) => signal.frame_flags(),
        }
    }
}
