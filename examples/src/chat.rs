//! The chat protocol and its room: clients join with a nickname, say things, and leave;
//! the server broadcasts who joined, what was said and who left.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use wirewright::transport::{Connection, ConnectionError, MessageSender};
use wirewright::{Message, Protocol};

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

/// A connection as the chat server sees it.
pub type ServerSide = Connection<ClientMessage, ServerMessage>;
/// A connection as a chat client sees it.
pub type ClientSide = Connection<ServerMessage, ClientMessage>;

/// The room: who is in it, and how to reach them.
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
    members: Mutex<BTreeMap<String, MessageSender<ServerMessage>>>,
}

impl Room {
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
    /// # Errors
    /// Why the connection ended, if not cleanly.
    pub async fn serve(self: Arc<Self>, mut connection: ServerSide) -> Result<(), ConnectionError> {
        let Some(first) = connection.recv().await? else {
            return Ok(());
        };
        let ClientMessage::Join(Join { nick }) = first.message else {
            let reason = "say who you are first (Join)".to_owned();
            return connection
                .send(ServerMessage::Refused(Refused { reason }))
                .await;
        };
        let admitted = {
            let mut members = self.lock();
            if members.contains_key(&nick) {
                None
            } else {
                let others: Vec<String> = members.keys().cloned().collect();
                members.insert(nick.clone(), connection.sender());
                Some(others)
            }
        };
        let Some(members) = admitted else {
            let reason = format!("{nick} is taken");
            return connection
                .send(ServerMessage::Refused(Refused { reason }))
                .await;
        };
        tracing::info!(%nick, "joined");
        let welcome = Welcome {
            nick: nick.clone(),
            members,
        };
        connection.send(ServerMessage::Welcome(welcome)).await?;
        self.broadcast(
            ServerMessage::Joined(Joined { nick: nick.clone() }),
            Some(&nick),
        );

        let ended = loop {
            match connection.recv().await {
                Ok(Some(received)) => match received.message {
                    ClientMessage::Say(Say { text }) => {
                        let said = Said {
                            nick: nick.clone(),
                            text,
                        };
                        self.broadcast(ServerMessage::Said(said), None);
                    }
                    ClientMessage::Leave(Leave) => break Ok(()),
                    ClientMessage::Join(_) => {}
                },
                Ok(None) => break Ok(()),
                Err(err) => break Err(err),
            }
        };
        self.lock().remove(&nick);
        tracing::info!(%nick, "left");
        self.broadcast(ServerMessage::Left(Left { nick }), None);
        ended
    }

    /// Sends `message` to everyone but `except`, without waiting: a member whose queue
    /// is full misses it rather than holding up the room.
    fn broadcast(&self, message: ServerMessage, except: Option<&str>) {
        for (nick, sender) in self.lock().iter() {
            if Some(nick.as_str()) == except {
                continue;
            }
            if let Err(err) = sender.try_send(message.clone()) {
                tracing::warn!(%nick, %err, "a member missed a message");
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, MessageSender<ServerMessage>>> {
        self.members.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
