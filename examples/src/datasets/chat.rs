//! The chat dataset: small enum messages (join, say, leave, ping) of about 60 bytes.

use serde::{Deserialize, Serialize};
use wirewright::Message;

use super::Generator;

/// One chat message, owning its text.
///
/// ```
/// use wirewright::Encode;
/// use wirewright_examples::datasets::chat::{self, Chat};
/// let messages = chat::messages(100);
/// let mean = messages.iter().map(Encode::encoded_len).sum::<usize>() / messages.len();
/// assert!((40..80).contains(&mean), "{mean}");
/// ```
#[derive(
    Message,
    Serialize,
    Deserialize,
    bincode::Encode,
    bincode::Decode,
    bitcode::Encode,
    bitcode::Decode,
    wincode::SchemaWrite,
    wincode::SchemaRead,
    Debug,
    Clone,
    PartialEq,
)]
#[wire(id = 1)]
pub enum Chat {
    /// Enter a room.
    Join {
        /// The room.
        room: String,
        /// Who.
        nick: String,
    },
    /// Say something in a room.
    Say {
        /// The room.
        room: String,
        /// Who.
        nick: String,
        /// What.
        text: String,
        /// When, in milliseconds since the epoch.
        at_ms: u64,
    },
    /// Leave a room.
    Leave {
        /// The room.
        room: String,
        /// Who.
        nick: String,
    },
    /// Keep the connection alive.
    Ping {
        /// Sequence number.
        seq: u32,
        /// When, in milliseconds since the epoch.
        at_ms: u64,
    },
}

/// [`Chat`] borrowing its text from the buffer it was decoded from: the same encoding in
/// every format.
///
/// ```
/// use wirewright::{Decode, Encode};
/// use wirewright_examples::datasets::chat::{self, ChatRef};
/// let message = &chat::messages(1)[0];
/// let bytes = message.encode_to_vec();
/// assert_eq!(ChatRef::decode(&bytes)?, message.as_ref());
/// # Ok::<(), wirewright::DecodeError>(())
/// ```
#[derive(
    Message,
    Serialize,
    Deserialize,
    bincode::Encode,
    bincode::BorrowDecode,
    bitcode::Encode,
    bitcode::Decode,
    wincode::SchemaWrite,
    wincode::SchemaRead,
    Debug,
    Clone,
    Copy,
    PartialEq,
)]
#[wire(id = 1)]
pub enum ChatRef<'a> {
    /// Enter a room.
    Join {
        /// The room.
        room: &'a str,
        /// Who.
        nick: &'a str,
    },
    /// Say something in a room.
    Say {
        /// The room.
        room: &'a str,
        /// Who.
        nick: &'a str,
        /// What.
        text: &'a str,
        /// When, in milliseconds since the epoch.
        at_ms: u64,
    },
    /// Leave a room.
    Leave {
        /// The room.
        room: &'a str,
        /// Who.
        nick: &'a str,
    },
    /// Keep the connection alive.
    Ping {
        /// Sequence number.
        seq: u32,
        /// When, in milliseconds since the epoch.
        at_ms: u64,
    },
}

impl Chat {
    /// The borrowed form of this message.
    ///
    /// ```
    /// use wirewright_examples::datasets::chat::{Chat, ChatRef};
    /// let ping = Chat::Ping { seq: 1, at_ms: 2 };
    /// assert_eq!(ping.as_ref(), ChatRef::Ping { seq: 1, at_ms: 2 });
    /// ```
    pub fn as_ref(&self) -> ChatRef<'_> {
        match self {
            Chat::Join { room, nick } => ChatRef::Join { room, nick },
            Chat::Say {
                room,
                nick,
                text,
                at_ms,
            } => ChatRef::Say {
                room,
                nick,
                text,
                at_ms: *at_ms,
            },
            Chat::Leave { room, nick } => ChatRef::Leave { room, nick },
            Chat::Ping { seq, at_ms } => ChatRef::Ping {
                seq: *seq,
                at_ms: *at_ms,
            },
        }
    }
}

const ROOMS: [&str; 6] = [
    "lobby",
    "general",
    "rust-lang",
    "random",
    "help",
    "offtopic",
];
const NICKS: [&str; 8] = [
    "ann", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
];
const WORDS: [&str; 16] = [
    "the", "frame", "is", "late", "again", "who", "broke", "build", "ship", "it", "lunch", "soon",
    "merge", "review", "please", "thanks",
];

/// `count` chat messages, the same on every call: seven in ten `Say`, the rest `Join`,
/// `Leave` and `Ping`.
///
/// ```
/// use wirewright_examples::datasets::chat;
/// assert_eq!(chat::messages(5), chat::messages(5));
/// ```
pub fn messages(count: usize) -> Vec<Chat> {
    let mut generator = Generator::new(0xc4a7);
    let mut at_ms = 1_700_000_000_000u64;
    (0..count as u32)
        .map(|seq| {
            at_ms += generator.between(1, 5_000);
            let room = generator.pick(&ROOMS).to_string();
            let nick = generator.pick(&NICKS).to_string();
            match generator.below(10) {
                0 => Chat::Join { room, nick },
                1 => Chat::Leave { room, nick },
                2 => Chat::Ping { seq, at_ms },
                _ => {
                    let len = generator.between(32, 80) as usize;
                    let text = generator.sentence(&WORDS, len);
                    Chat::Say {
                        room,
                        nick,
                        text,
                        at_ms,
                    }
                }
            }
        })
        .collect()
}
