//! What a call of a server produces: one reply, or a stream of responses (a
//! server-streaming method, SPEC.md §11.8).

use std::pin::Pin;

use futures_util::{Stream, StreamExt};

use super::Reply;

/// The items of a server-streaming method, as its handler returns them: each `Ok` is
/// sent as an item, an `Err` ends the stream with the typed error, and the end of the
/// stream ends it normally (SPEC.md §11.8). A `#[service]` method returning
/// `Result<Streaming<T, E>, E>` is a streaming method.
///
/// ```
/// use wirewright::rpc::Streaming;
/// let numbers: Streaming<u32, String> = Box::pin(futures_util::stream::iter([Ok(1), Ok(2)]));
/// # drop(numbers);
/// ```
pub type Streaming<T, E> = Pin<Box<dyn Stream<Item = Result<T, E>> + Send + 'static>>;

/// What a call produces on the server: one [`Reply`], or a stream of responses sent as
/// a stream's items (SPEC.md §11.8). The handlers of [`RpcServer::new`] always reply;
/// those of [`RpcServer::streaming`] choose.
///
/// [`RpcServer::new`]: super::RpcServer::new
/// [`RpcServer::streaming`]: super::RpcServer::streaming
///
/// ```
/// use wirewright::rpc::{Answer, Reply};
/// let answer = Answer::<u8, String>::from_result(Ok(1));
/// assert!(matches!(answer, Answer::Reply(Reply::Response(1))));
/// ```
pub enum Answer<Resp, E> {
    /// One reply.
    Reply(Reply<Resp, E>),
    /// A stream: OPEN, its items, then END or an error (SPEC.md §11.8).
    Stream(Streaming<Resp, E>),
}

impl<Resp, E> std::fmt::Debug for Answer<Resp, E>
where
    Resp: std::fmt::Debug,
    E: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Reply(reply) => f.debug_tuple("Reply").field(reply).finish(),
            Answer::Stream(_) => f.write_str("Stream(..)"),
        }
    }
}

impl<Resp, E> Answer<Resp, E> {
    /// The reply of a handler's result.
    ///
    /// ```
    /// # use wirewright::rpc::{Answer, Reply};
    /// let answer = Answer::<u8, String>::from_result(Err("no".into()));
    /// assert!(matches!(answer, Answer::Reply(Reply::Application(_))));
    /// ```
    pub fn from_result(result: Result<Resp, E>) -> Self {
        Answer::Reply(Reply::from_result(result))
    }

    /// A streaming handler's result: its stream, each item made a response by
    /// `response`, or its error as the reply.
    ///
    /// ```
    /// use wirewright::rpc::{Answer, Reply};
    /// let items = futures_util::stream::iter([Ok::<u8, String>(1)]);
    /// let answer = Answer::<u16, String>::from_stream(Ok(items), u16::from);
    /// assert!(matches!(answer, Answer::Stream(_)));
    /// let refused = Answer::<u16, String>::from_stream(Err::<futures_util::stream::Empty<Result<u8, String>>, _>("no".into()), u16::from);
    /// assert!(matches!(refused, Answer::Reply(Reply::Application(_))));
    /// ```
    pub fn from_stream<T, S>(result: Result<S, E>, response: fn(T) -> Resp) -> Self
    where
        S: Stream<Item = Result<T, E>> + Send + 'static,
        T: 'static,
        Resp: 'static,
        E: 'static,
    {
        match result {
            Ok(stream) => Answer::Stream(Box::pin(stream.map(move |item| item.map(response)))),
            Err(error) => Answer::Reply(Reply::Application(error)),
        }
    }
}
