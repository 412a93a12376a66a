//! The chat protocol and its room: clients join with a nickname, say things, and leave;
//! the server broadcasts who joined, what was said and who left.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use wirewright::bytes::BufMut;
use wirewright::transport::{CancellationToken, Connection, ConnectionError, MessageSender};
use wirewright::{Encode, Message, Protocol};

use crate::logging::RateLimit;

/// Enter the room under `nick`; must be a client's first message.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 1)]
pub struct Join {
    /// The nickname, unique in the room.
    pub nick: String,
}

/// Say something to the room.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 2)]
pub struct Say {
    /// What.
    pub text: String,
}

/// Leave the room.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 3)]
pub struct Leave;

/// What a chat client sends.
#[derive(Protocol, Debug, Clone, PartialEq, Eq)]
pub enum ClientMessage {
    /// Enter the room.
    Join(Join),
    /// Say something.
    Say(Say),
    /// Leave.
    Leave(Leave),
}

/// You are in: your nickname and who else is here.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 10)]
pub struct Welcome {
    /// Your nickname.
    pub nick: String,
    /// The others in the room.
    pub members: Vec<String>,
}

/// Someone entered the room.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 11)]
pub struct Joined {
    /// Who.
    pub nick: String,
}

/// Someone said something (sent to everyone, the speaker included).
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 12)]
pub struct Said {
    /// Who.
    pub nick: String,
    /// What.
    pub text: String,
}

/// Someone left the room.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 13)]
pub struct Left {
    /// Who.
    pub nick: String,
}

/// The server will not let you in, and why.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 14)]
pub struct Refused {
    /// Why.
    pub reason: String,
}

/// What the chat server sends.
#[derive(Protocol, Debug, Clone, PartialEq, Eq)]
pub enum ServerMessage {
    /// You are in.
    Welcome(Welcome),
    /// Someone entered.
    Joined(Joined),
    /// Someone said something.
    Said(Said),
    /// Someone left.
    Left(Left),
    /// You are not let in.
    Refused(Refused),
}

impl fmt::Display for ServerMessage {
    /// One line of a chat client's screen.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerMessage::Welcome(Welcome { nick, members }) if members.is_empty() => {
                write!(f, "* welcome, {nick}; the room is empty")
            }
            ServerMessage::Welcome(Welcome { nick, members }) => {
                write!(f, "* welcome, {nick}; here: {}", members.join(", "))
            }
            ServerMessage::Joined(Joined { nick }) => write!(f, "* {nick} joined"),
            ServerMessage::Said(Said { nick, text }) => write!(f, "<{nick}> {text}"),
            ServerMessage::Left(Left { nick }) => write!(f, "* {nick} left"),
            ServerMessage::Refused(Refused { reason }) => write!(f, "* refused: {reason}"),
        }
    }
}

/// A message on its way to one member: holds its share of the member's backlog
/// ([`Room::MEMBER_BACKLOG`]) until the connection has written it out. On the wire it is
/// exactly its [`ServerMessage`].
#[derive(Debug)]
pub struct ToMember {
    message: ServerMessage,
    _backlog: Option<Backlogged>,
}

impl From<ServerMessage> for ToMember {
    fn from(message: ServerMessage) -> Self {
        ToMember {
            message,
            _backlog: None,
        }
    }
}

impl ToMember {
    /// The message.
    ///
    /// ```
    /// use wirewright_examples::chat::{Left, ServerMessage, ToMember};
    /// let left = ServerMessage::Left(Left { nick: "ann".into() });
    /// assert_eq!(ToMember::from(left.clone()).message(), &left);
    /// ```
    pub fn message(&self) -> &ServerMessage {
        &self.message
    }
}

impl Encode for ToMember {
    fn encoded_len(&self) -> usize {
        self.message.encoded_len()
    }

    fn encode_raw<B: BufMut + ?Sized>(&self, buf: &mut B) {
        self.message.encode_raw(buf);
    }
}

impl Protocol for ToMember {
    fn message_type(&self) -> u16 {
        self.message.message_type()
    }

    fn message_name(&self) -> &'static str {
        self.message.message_name()
    }
}

/// On the wire a `ToMember` is its [`ServerMessage`], so it has that schema: the HELLO a
/// chat server announces (SPEC.md §13.6) is the one a client computes from the derived
/// types. A hand-written protocol type implements `Describe` by hand to be served.
impl wirewright::schema::Describe for ToMember {
    fn describe(registry: &mut wirewright::schema::Registry) -> wirewright::schema::Type {
        ServerMessage::describe(registry)
    }
}

/// Bytes counted in a member's backlog until dropped.
#[derive(Debug)]
struct Backlogged {
    backlog: Arc<AtomicUsize>,
    bytes: usize,
}

impl Drop for Backlogged {
    fn drop(&mut self) {
        self.backlog.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

/// A connection as the chat server sees it.
pub type ServerSide = Connection<ClientMessage, ToMember>;
/// A connection as a chat client sees it.
pub type ClientSide = Connection<ServerMessage, ClientMessage>;

/// The room: who is in it, and how to reach them.
///
/// Everything a member can make the server hold is bounded: a nickname has at most
/// [`MAX_NICK_LEN`](Self::MAX_NICK_LEN) bytes, a message [`MAX_TEXT_LEN`](Self::MAX_TEXT_LEN),
/// and the messages waiting to be written to one member at most
/// [`MEMBER_BACKLOG`](Self::MEMBER_BACKLOG) bytes: a member who cannot keep up is told why
/// and disconnected instead of being buffered for without bound. A member leaves the room
/// on every way out of [`serve`](Self::serve) (a drop guard), so a nickname is free again
/// as soon as its connection ends.
///
/// ```no_run
/// use wirewright::transport::{Server, ServerConfig};
/// use wirewright_examples::chat::Room;
/// # #[tokio::main] async fn main() -> std::io::Result<()> {
/// let room = Room::new();
/// let server = Server::bind("127.0.0.1:7001", ServerConfig::new()).await?;
/// server.serve(move |connection| Room::serve(room.clone(), connection)).await
/// # }
/// ```
#[derive(Debug, Default)]
pub struct Room {
    members: Mutex<BTreeMap<String, Member>>,
    /// Rate limit of the warnings about members who fell behind.
    behind: RateLimit,
}

/// How the room reaches one member.
#[derive(Debug)]
struct Member {
    sender: MessageSender<ToMember>,
    /// Bytes queued for the member and not yet written out.
    backlog: Arc<AtomicUsize>,
    /// Cancelled when the member fell behind: its connection is closed.
    behind: CancellationToken,
}

impl Room {
    /// The longest nickname, in bytes (UTF-8).
    pub const MAX_NICK_LEN: usize = 32;
    /// The longest message a member may say, in bytes (UTF-8).
    pub const MAX_TEXT_LEN: usize = 4096;
    /// The most bytes (encoded messages) waiting to be written to one member; a member
    /// whose backlog would grow beyond it is disconnected.
    pub const MEMBER_BACKLOG: usize = 256 * 1024;

    /// An empty room.
    ///
    /// ```
    /// let room = wirewright_examples::chat::Room::new();
    /// assert!(room.members().is_empty());
    /// ```
    pub fn new() -> Arc<Room> {
        Arc::new(Room::default())
    }

    /// Who is in the room, in order of their nicknames.
    ///
    /// ```
    /// assert!(wirewright_examples::chat::Room::new().members().is_empty());
    /// ```
    pub fn members(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    /// Serves one client: `Join` first, then `Say` until `Leave` or the end of the
    /// connection; everyone hears who joined, what was said and who left.
    ///
    /// A `Join` whose nickname is empty, longer than [`MAX_NICK_LEN`](Self::MAX_NICK_LEN)
    /// or taken is answered with [`Refused`] and the connection ends; a `Say` longer than
    /// [`MAX_TEXT_LEN`](Self::MAX_TEXT_LEN) is answered with [`Refused`] and not
    /// broadcast.
    ///
    /// # Errors
    /// Why the connection ended, if not cleanly.
    pub async fn serve(self: Arc<Self>, mut connection: ServerSide) -> Result<(), ConnectionError> {
        let Some(first) = connection.recv().await? else {
            return Ok(());
        };
        let ClientMessage::Join(Join { nick }) = first.message else {
            return refuse(&connection, "say who you are first (Join)".to_owned()).await;
        };
        if nick.is_empty() || nick.len() > Self::MAX_NICK_LEN {
            let reason = format!(
                "a nickname has 1 to {} bytes; this one has {}",
                Self::MAX_NICK_LEN,
                nick.len()
            );
            return refuse(&connection, reason).await;
        }
        let Some((mut membership, members, behind)) = self.admit(&nick, &connection) else {
            return refuse(&connection, format!("{nick} is taken")).await;
        };
        // From here on `membership` takes the member out of the room however this ends.
        tracing::info!(%nick, "joined");
        let welcome = Welcome {
            nick: nick.clone(),
            members,
        };
        connection
            .send(ServerMessage::Welcome(welcome).into())
            .await?;
        self.broadcast(
            ServerMessage::Joined(Joined { nick: nick.clone() }),
            Some(&nick),
        );
        membership.announced = true;

        loop {
            let next = tokio::select! {
                () = behind.cancelled() => {
                    drop(membership); // out of the room first: nothing more is queued
                    let reason = format!(
                        "disconnected: you fell behind ({} bytes waiting to be sent to you)",
                        Self::MEMBER_BACKLOG
                    );
                    let _ = connection.sender().try_send(ServerMessage::Refused(Refused { reason }).into());
                    return Ok(());
                }
                next = connection.recv() => next,
            };
            match next {
                Ok(Some(received)) => match received.message {
                    ClientMessage::Say(Say { text }) if text.len() > Self::MAX_TEXT_LEN => {
                        let reason = format!(
                            "a message has at most {} bytes; this one has {}",
                            Self::MAX_TEXT_LEN,
                            text.len()
                        );
                        connection
                            .send(ServerMessage::Refused(Refused { reason }).into())
                            .await?;
                    }
                    ClientMessage::Say(Say { text }) => {
                        let said = Said {
                            nick: nick.clone(),
                            text,
                        };
                        self.broadcast(ServerMessage::Said(said), None);
                    }
                    ClientMessage::Leave(Leave) => return Ok(()),
                    ClientMessage::Join(_) => {}
                },
                Ok(None) => return Ok(()),
                Err(err) => return Err(err),
            }
        }
    }

    /// Takes `nick` into the room if it is free: the guard that takes it out again, who
    /// else is here, and the token cancelled if the member falls behind.
    fn admit(
        self: &Arc<Self>,
        nick: &str,
        connection: &ServerSide,
    ) -> Option<(Membership, Vec<String>, CancellationToken)> {
        let mut members = self.lock();
        if members.contains_key(nick) {
            return None;
        }
        let others: Vec<String> = members.keys().cloned().collect();
        let behind = CancellationToken::new();
        let member = Member {
            sender: connection.sender(),
            backlog: Arc::default(),
            behind: behind.clone(),
        };
        members.insert(nick.to_owned(), member);
        let membership = Membership {
            room: Arc::clone(self),
            nick: nick.to_owned(),
            announced: false,
        };
        Some((membership, others, behind))
    }

    /// Queues `message` for everyone but `except`, without waiting. A member whose
    /// backlog would pass [`MEMBER_BACKLOG`](Self::MEMBER_BACKLOG) (or whose send queue is
    /// full) is marked as fallen behind: its connection is closed, with a reason.
    fn broadcast(&self, message: ServerMessage, except: Option<&str>) {
        let bytes = message.encoded_len();
        for (nick, member) in self.lock().iter() {
            if Some(nick.as_str()) == except || member.behind.is_cancelled() {
                continue;
            }
            let backlog = member.backlog.fetch_add(bytes, Ordering::AcqRel) + bytes;
            let backlogged = Backlogged {
                backlog: Arc::clone(&member.backlog),
                bytes,
            };
            let queued = backlog <= Self::MEMBER_BACKLOG
                && match member.sender.try_send(ToMember {
                    message: message.clone(),
                    _backlog: Some(backlogged),
                }) {
                    Ok(()) => true,
                    // Leaving: its `Membership` takes it out of the room.
                    Err(ConnectionError::Closed) => continue,
                    Err(_) => false,
                };
            if !queued {
                member.behind.cancel();
                self.behind.warn(|suppressed| {
                    tracing::warn!(%nick, backlog, suppressed, "a member fell behind and is disconnected");
                });
            }
        }
    }

    /// Takes `nick` out of the room; tells the others if they were told it joined.
    fn leave(&self, nick: &str, announced: bool) {
        self.lock().remove(nick);
        tracing::info!(%nick, "left");
        if announced {
            self.broadcast(
                ServerMessage::Left(Left {
                    nick: nick.to_owned(),
                }),
                None,
            );
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Member>> {
        self.members.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A member's place in the room, given up when dropped: on every way out of
/// [`Room::serve`] (a send that fails, an error, a panic, the task dropped).
struct Membership {
    room: Arc<Room>,
    nick: String,
    /// Whether the others were told that the member joined.
    announced: bool,
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.room.leave(&self.nick, self.announced);
    }
}

/// Tells the client why it is not let in; the connection then ends.
async fn refuse(connection: &ServerSide, reason: String) -> Result<(), ConnectionError> {
    tracing::debug!(%reason, "refused a client");
    connection
        .send(ServerMessage::Refused(Refused { reason }).into())
        .await
}
