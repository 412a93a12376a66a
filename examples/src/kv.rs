//! An in-memory key-value service over request/response, written as a
//! `#[wirewright::service]` trait: get, put, delete and list, with typed errors, and
//! watch, a server stream of the changes of the keys under a prefix (SPEC.md §11.8).

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::ops::Bound;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;
use wirewright::bytes::Bytes;
use wirewright::rpc::{Answer, RpcClientConfig, RpcServerConfig, Streaming};
use wirewright::transport::{CancellationToken, ConnectError, Metrics, Server, ServerConfig};
use wirewright::Message;

/// Read the value of `key`.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 1)]
pub struct Get {
    /// The key.
    pub key: String,
}

/// Set `key` to `value`.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 2)]
pub struct Put {
    /// The key.
    pub key: String,
    /// The value.
    pub value: Bytes,
}

/// Remove `key`.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 3)]
pub struct Delete {
    /// The key.
    pub key: String,
}

/// The keys that start with `prefix`, in order, one page at a time: at most `limit` keys
/// (at most [`Store::MAX_LIST_KEYS`]; 0 asks for that many), after the key `after` when
/// it is set. A reply is thus bounded; [`Keys::next`] says where the next page starts.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 4)]
pub struct List {
    /// The prefix ("" for every key).
    pub prefix: String,
    /// Continue after this key (the previous page's [`Keys::next`]); `None` from the start.
    /// Appended in revision 2: a revision-1 client's `List` reads as the first page.
    #[wire(since = 2)]
    pub after: Option<String>,
    /// The most keys to return; 0 (or more than [`Store::MAX_LIST_KEYS`]) for
    /// [`Store::MAX_LIST_KEYS`]. Appended in revision 2.
    #[wire(since = 2)]
    pub limit: u32,
}

/// Watch the keys that start with `prefix`: every change made after the watch opened,
/// as a stream of [`Change`]s (SPEC.md §11.8).
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 5)]
pub struct Watch {
    /// The prefix ("" for every key).
    pub prefix: String,
}

impl List {
    /// The first page of the keys that start with `prefix`, as large as the server allows.
    ///
    /// ```
    /// let list = wirewright_examples::kv::List::all("user:");
    /// assert_eq!((list.after, list.limit), (None, 0));
    /// ```
    pub fn all(prefix: impl Into<String>) -> Self {
        List {
            prefix: prefix.into(),
            after: None,
            limit: 0,
        }
    }
}

/// The value of a key.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 1)]
pub struct Value {
    /// The value.
    pub value: Bytes,
}

/// A value was stored.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 2)]
pub struct Stored {
    /// Whether it replaced another value.
    pub replaced: bool,
}

/// A key was removed.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 3)]
pub struct Deleted;

/// Keys, in order: one page of a [`List`].
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 4)]
pub struct Keys {
    /// The keys.
    pub keys: Vec<String>,
    /// When more keys follow: the key to pass as [`List::after`] for the next page (the
    /// last key of this one). Appended in revision 2: a revision-1 client skips it and
    /// sees the first page.
    #[wire(since = 2)]
    pub next: Option<String>,
}

/// A change of a watched key: an item of a [`Watch`] stream.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 5)]
pub struct Change {
    /// The key.
    pub key: String,
    /// Its new value; `None` when it was deleted.
    pub value: Option<Bytes>,
}

/// The key-value service: each method takes one of the messages above and answers with
/// the message of the same id, so the wire is the one kv had before it used the macro
/// (`KvRequest` holds `Get`, `Put`, `Delete`, `List` and `Watch` with ids 1 to 5,
/// `KvResponse` `Value`, `Stored`, `Deleted`, `Keys` and `Change`; the lock files in
/// `examples/schema/` hold them). The macro also writes [`KvClient`] and [`KvServer`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use wirewright::bytes::Bytes;
/// use wirewright::rpc::{RpcClientConfig, RpcError, RpcServerConfig};
/// use wirewright_examples::kv::{Get, KvClient, KvError, KvServer, Put, Store};
///
/// let (client_io, server_io) = tokio::io::duplex(64 * 1024);
/// let server = KvServer::new(Store::new()).into_rpc_server(RpcServerConfig::new());
/// tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
/// let kv = KvClient::over(client_io, RpcClientConfig::new());
/// let put = Put { key: "a".into(), value: Bytes::from_static(b"1") };
/// assert!(!kv.put(put).await.unwrap().replaced);
/// assert_eq!(kv.get(Get { key: "a".into() }).await.unwrap().value, "1");
/// let missing = kv.get(Get { key: "b".into() }).await.unwrap_err();
/// assert!(matches!(missing, RpcError::Application(KvError::NotFound { .. })));
/// # }
/// ```
#[wirewright::service]
pub trait Kv {
    /// The value of a key.
    #[wire(id = 1, message, idempotent)]
    async fn get(&self, get: Get) -> Result<Value, KvError>;
    /// Stores a value.
    #[wire(id = 2, message)]
    async fn put(&self, put: Put) -> Result<Stored, KvError>;
    /// Removes a key.
    #[wire(id = 3, message)]
    async fn delete(&self, delete: Delete) -> Result<Deleted, KvError>;
    /// One page of keys.
    #[wire(id = 4, message, idempotent)]
    async fn list(&self, list: List) -> Result<Keys, KvError>;
    /// The changes of the keys under a prefix, from now on: a server stream, read with
    /// flow control; dropping it stops the watch on the server.
    #[wire(id = 5, message)]
    async fn watch(&self, watch: Watch) -> Result<Streaming<Change, KvError>, KvError>;
}

/// What the service refuses, sent back typed.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub enum KvError {
    /// No such key.
    NotFound {
        /// The key.
        key: String,
    },
    /// The key is longer than the service allows.
    KeyTooLong {
        /// Its length in bytes.
        len: u32,
        /// The limit.
        max: u32,
    },
    /// The value is larger than the service allows.
    ValueTooLarge {
        /// Its length in bytes.
        len: u32,
        /// The limit.
        max: u32,
    },
}

impl fmt::Display for KvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KvError::NotFound { key } => write!(f, "no key {key:?}"),
            KvError::KeyTooLong { len, max } => {
                write!(f, "key of {len} bytes is longer than {max}")
            }
            KvError::ValueTooLarge { len, max } => {
                write!(f, "value of {len} bytes is larger than {max}")
            }
        }
    }
}

impl std::error::Error for KvError {}

/// The store: a sorted map behind a mutex, shared by every connection, and the watches
/// of its keys.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use wirewright_examples::kv::{Get, Kv, KvError, Store};
/// let store = Store::new();
/// let missing = store.get(Get { key: "a".into() }).await;
/// assert_eq!(missing, Err(KvError::NotFound { key: "a".into() }));
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Store {
    entries: Arc<Mutex<BTreeMap<String, Bytes>>>,
    watches: Arc<Mutex<Vec<Watcher>>>,
}

/// One open watch: its prefix and where its changes go.
#[derive(Debug)]
struct Watcher {
    prefix: String,
    changes: mpsc::Sender<Change>,
}

impl Store {
    /// The longest key, in bytes.
    pub const MAX_KEY_LEN: usize = 256;
    /// The largest value, in bytes.
    pub const MAX_VALUE_LEN: usize = 64 * 1024;
    /// The most keys one [`List`] returns: with keys of at most
    /// [`MAX_KEY_LEN`](Self::MAX_KEY_LEN) bytes, a reply has at most about 258 KB.
    pub const MAX_LIST_KEYS: u32 = 1000;
    /// The most changes a watch holds for its reader: a watch that falls further behind
    /// (its client reads slower than the keys change) is ended, and its client sees the
    /// stream end and watches again. With the stream's credit, this bounds what a watch
    /// holds on the server.
    pub const MAX_WATCH_BACKLOG: usize = 1024;

    /// An empty store.
    ///
    /// ```
    /// let store = wirewright_examples::kv::Store::new();
    /// # drop(store);
    /// ```
    pub fn new() -> Self {
        Store::default()
    }

    /// Answers one request, as the server does: by calling the method it names. A
    /// [`Watch`] is answered by a stream ([`Answer::Stream`]), every other request by one
    /// reply.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use wirewright::bytes::Bytes;
    /// use wirewright::rpc::{Answer, Reply};
    /// use wirewright_examples::kv::{Get, KvRequest, KvResponse, Put, Store, Value};
    /// let store = Store::new();
    /// let put = Put { key: "a".into(), value: Bytes::from_static(b"1") };
    /// store.handle(KvRequest::Put(put)).await;
    /// let value = store.handle(KvRequest::Get(Get { key: "a".into() })).await;
    /// assert!(matches!(value, Answer::Reply(Reply::Response(KvResponse::Value(Value { value }))) if value == "1"));
    /// # }
    /// ```
    pub async fn handle(&self, request: KvRequest) -> Answer<KvResponse, KvError> {
        KvServer::new(self.clone()).handle(request).await
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Bytes>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tells the watches of `key` that it changed; ends those that fell
    /// [`MAX_WATCH_BACKLOG`](Self::MAX_WATCH_BACKLOG) changes behind or whose stream is
    /// gone.
    fn changed(&self, key: &str, value: Option<&Bytes>) {
        let mut watches = self.watches.lock().unwrap_or_else(PoisonError::into_inner);
        watches.retain(|watcher| {
            if !key.starts_with(&watcher.prefix) {
                return !watcher.changes.is_closed();
            }
            let change = Change {
                key: key.to_owned(),
                value: value.cloned(),
            };
            watcher.changes.try_send(change).is_ok()
        });
    }

    /// How many watches are open (a watch whose client went away closes when the
    /// next change of any key notices it).
    ///
    /// ```
    /// assert_eq!(wirewright_examples::kv::Store::new().watches(), 0);
    /// ```
    pub fn watches(&self) -> usize {
        let watches = self.watches.lock().unwrap_or_else(PoisonError::into_inner);
        watches
            .iter()
            .filter(|watcher| !watcher.changes.is_closed())
            .count()
    }
}

impl Kv for Store {
    async fn get(&self, Get { key }: Get) -> Result<Value, KvError> {
        match self.entries().get(&key) {
            Some(value) => Ok(Value {
                value: value.clone(),
            }),
            None => Err(KvError::NotFound { key }),
        }
    }

    async fn put(&self, Put { key, value }: Put) -> Result<Stored, KvError> {
        check_len(&key, &value)?;
        // Copy out of the frame the value was decoded from (it shares its memory).
        let value = Bytes::copy_from_slice(&value);
        let mut entries = self.entries();
        let replaced = entries.insert(key.clone(), value.clone()).is_some();
        // Under the entries' lock, so that watchers see the changes in their order.
        self.changed(&key, Some(&value));
        Ok(Stored { replaced })
    }

    async fn delete(&self, Delete { key }: Delete) -> Result<Deleted, KvError> {
        let mut entries = self.entries();
        match entries.remove(&key) {
            Some(_) => {
                self.changed(&key, None);
                Ok(Deleted)
            }
            None => Err(KvError::NotFound { key }),
        }
    }

    async fn list(&self, list: List) -> Result<Keys, KvError> {
        Ok(page(&self.entries(), list))
    }

    async fn watch(&self, Watch { prefix }: Watch) -> Result<Streaming<Change, KvError>, KvError> {
        if prefix.len() > Store::MAX_KEY_LEN {
            return Err(KvError::KeyTooLong {
                len: u32::try_from(prefix.len()).unwrap_or(u32::MAX),
                max: Store::MAX_KEY_LEN as u32,
            });
        }
        let (changes, receiver) = mpsc::channel(Store::MAX_WATCH_BACKLOG);
        // Registered before the stream opens: every change after OPEN reaches it.
        self.watches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Watcher { prefix, changes });
        let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
            let change = receiver.recv().await?;
            Some((Ok(change), receiver))
        });
        Ok(Box::pin(stream))
    }
}

/// One page of the keys of a [`List`].
fn page(entries: &BTreeMap<String, Bytes>, list: List) -> Keys {
    let List {
        prefix,
        after,
        limit,
    } = list;
    let limit = match limit {
        0 => Store::MAX_LIST_KEYS,
        limit => limit.min(Store::MAX_LIST_KEYS),
    } as usize;
    let start = match after {
        Some(after) if after >= prefix => Bound::Excluded(after),
        _ => Bound::Included(prefix.clone()),
    };
    let mut keys: Vec<String> = entries
        .range((start, Bound::Unbounded))
        .take_while(|(key, _)| key.starts_with(&prefix))
        .take(limit + 1)
        .map(|(key, _)| key.clone())
        .collect();
    let next = (keys.len() > limit).then(|| {
        keys.truncate(limit);
        keys.last().cloned().unwrap_or_default()
    });
    Keys { keys, next }
}

fn check_len(key: &str, value: &Bytes) -> Result<(), KvError> {
    let len = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    if key.len() > Store::MAX_KEY_LEN {
        return Err(KvError::KeyTooLong {
            len: len(key.len()),
            max: Store::MAX_KEY_LEN as u32,
        });
    }
    if value.len() > Store::MAX_VALUE_LEN {
        return Err(KvError::ValueTooLarge {
            len: len(value.len()),
            max: Store::MAX_VALUE_LEN as u32,
        });
    }
    Ok(())
}

/// A kv server running on its own task: where it listens, how to stop it, its counters.
#[derive(Debug)]
pub struct RunningServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Cancel it to shut the server down gracefully.
    pub shutdown: CancellationToken,
    /// The server's transport counters.
    pub metrics: Metrics,
    /// The serving task; it ends once the server has shut down.
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Starts a kv server of `store` on `addr` (`127.0.0.1:0` for any free port), on a task of
/// its own.
///
/// # Errors
/// When `addr` cannot be bound.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use wirewright_examples::kv::{self, Get, Store};
/// let server = kv::start_server("127.0.0.1:0", Store::new()).await?;
/// let client = kv::connect(server.addr).await?;
/// assert!(client.get(Get { key: "a".into() }).await.is_err());
/// client.get_ref().close().await;
/// server.shutdown.cancel();
/// server.task.await??;
/// # Ok(()) }
/// ```
pub async fn start_server(addr: &str, store: Store) -> std::io::Result<RunningServer> {
    let server = Server::bind(addr, ServerConfig::new()).await?;
    let local = server.local_addr()?;
    let shutdown = server.shutdown_token();
    let metrics = server.metrics().clone();
    let rpc = KvServer::new(store).into_rpc_server(RpcServerConfig::new());
    Ok(RunningServer {
        addr: local,
        shutdown,
        metrics,
        task: tokio::spawn(rpc.serve(server)),
    })
}

/// A client of the kv server at `addr`, with the default settings.
///
/// # Errors
/// When no connection attempt succeeded.
pub async fn connect(addr: SocketAddr) -> Result<KvClient, ConnectError> {
    KvClient::connect(addr, RpcClientConfig::new()).await
}
