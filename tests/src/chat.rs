//! A small chat protocol: four message types and the enum that carries them.
//!
//! ```
//! use wirewright::Encode;
//! use wirewright_tests::chat::Join;
//! let join = Join { room: "lobby".into(), nick: "ann".into() };
//! assert_eq!(join.encode_to_vec(), b"\x05lobby\x03ann");
//! ```

use wirewright::{Message, Protocol};

/// Enter a room under a nickname.
///
/// ```
/// use wirewright::Message;
/// assert_eq!(wirewright_tests::chat::Join::ID, 1);
/// ```
#[derive(Message, Debug, Clone, PartialEq)]
#[wire(id = 1)]
pub struct Join {
    /// The room.
    pub room: String,
    /// The name to appear under.
    pub nick: String,
}

/// Say something in a room; the text borrows from the frame it was decoded from.
///
/// ```
/// use wirewright::Message;
/// assert_eq!(wirewright_tests::chat::Say::NAME, "Say");
/// ```
#[derive(Message, Debug, Clone, PartialEq)]
#[wire(id = 2)]
pub struct Say<'a> {
    /// The room.
    pub room: &'a str,
    /// What was said.
    pub text: &'a str,
    /// When, in milliseconds since the epoch: eight bytes, little-endian.
    #[wire(fixed)]
    pub at_ms: u64,
}

/// Leave every room.
///
/// ```
/// use wirewright::Encode;
/// assert_eq!(wirewright_tests::chat::Leave.encoded_len(), 0);
/// ```
#[derive(Message, Debug, Clone, PartialEq)]
#[wire(id = 3)]
pub struct Leave;

/// A change of presence: a message that is itself an enum.
///
/// ```
/// use wirewright::Encode;
/// use wirewright_tests::chat::Presence;
/// assert_eq!(Presence::Away { minutes: 5 }.encode_to_vec(), [1, 5]);
/// ```
#[derive(Message, Debug, Clone, PartialEq)]
#[wire(id = 4)]
pub enum Presence {
    /// Here.
    Online,
    /// Back in a while.
    Away {
        /// For how long.
        minutes: u16,
    },
    /// Gone, maybe with a parting word.
    Offline(Option<String>),
}

/// Everything a chat connection carries.
///
/// ```
/// use wirewright::Protocol;
/// use wirewright_tests::chat::{Chat, Leave};
/// assert_eq!(Chat::Leave(Leave).message_type(), 3);
/// ```
#[derive(Protocol, Debug, Clone, PartialEq)]
pub enum Chat<'a> {
    /// [`Join`].
    Join(Join),
    /// [`Say`].
    Say(Say<'a>),
    /// [`Leave`].
    Leave(Leave),
    /// [`Presence`].
    Presence(Presence),
}
