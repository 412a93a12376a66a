//! The service the request/response tests call: echo, sleep, fail and panic.

use std::fmt;
use std::time::Duration;

use wirewright::{Message, Protocol};

/// Echo `text` back, reversed, with the caller's numbers.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 1)]
pub struct Echo {
    /// The calling task.
    pub task: u32,
    /// The call's number within the task.
    pub seq: u32,
    /// Text to reverse.
    pub text: String,
}

/// Answer after `ms` milliseconds (the handler decides what waiting means).
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 2)]
pub struct Sleep {
    /// How long.
    pub ms: u64,
    /// Returned in the answer.
    pub tag: u32,
}

/// Fail with an application error carrying `code`.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 3)]
pub struct Fail {
    /// Returned in the error.
    pub code: u32,
}

/// Make the handler panic.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 4)]
pub struct Panic;

/// The requests.
#[derive(Protocol, Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// Echo.
    Echo(Echo),
    /// Sleep.
    Sleep(Sleep),
    /// Fail.
    Fail(Fail),
    /// Panic.
    Panic(Panic),
}

/// The answer to [`Echo`].
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 1)]
pub struct Echoed {
    /// The caller's task.
    pub task: u32,
    /// The caller's number.
    pub seq: u32,
    /// The text, reversed.
    pub text: String,
}

/// The answer to [`Sleep`].
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 2)]
pub struct Slept {
    /// The request's tag.
    pub tag: u32,
}

/// The responses.
#[derive(Protocol, Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// To Echo.
    Echoed(Echoed),
    /// To Sleep.
    Slept(Slept),
}

/// The application error.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub enum TestError {
    /// The handler refused the call.
    Refused {
        /// The request's code.
        code: u32,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestError::Refused { code, reason } => write!(f, "refused ({code}): {reason}"),
        }
    }
}

/// A request type the server's protocol does not have.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 99)]
pub struct Unknown;

/// The answer to an echo request.
///
/// ```
/// use wirewright_tests::rpc_types::{echo, echoed, Answer};
/// assert_eq!(echoed(1, 2), Answer::Echoed(wirewright_tests::rpc_types::Echoed { task: 1, seq: 2, text: "2 llac 1 ksat".into() }));
/// # let _ = echo(1, 2);
/// ```
pub fn echoed(task: u32, seq: u32) -> Answer {
    let Call::Echo(Echo { text, .. }) = echo(task, seq) else {
        unreachable!()
    };
    Answer::Echoed(Echoed {
        task,
        seq,
        text: text.chars().rev().collect(),
    })
}

/// An echo request whose text names it.
///
/// ```
/// let call = wirewright_tests::rpc_types::echo(3, 4);
/// assert!(matches!(call, wirewright_tests::rpc_types::Call::Echo(e) if e.text == "task 3 call 4"));
/// ```
pub fn echo(task: u32, seq: u32) -> Call {
    Call::Echo(Echo {
        task,
        seq,
        text: format!("task {task} call {seq}"),
    })
}

/// The service: echo reverses, sleep sleeps, fail fails, panic panics.
///
/// # Errors
/// [`TestError::Refused`] for [`Fail`].
///
/// # Panics
/// For [`Panic`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use wirewright_tests::rpc_types::{echo, echoed, handle};
/// assert_eq!(handle(echo(1, 1)).await, Ok(echoed(1, 1)));
/// # }
/// ```
pub async fn handle(call: Call) -> Result<Answer, TestError> {
    match call {
        Call::Echo(Echo { task, seq, text }) => Ok(Answer::Echoed(Echoed {
            task,
            seq,
            text: text.chars().rev().collect(),
        })),
        Call::Sleep(Sleep { ms, tag }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(Answer::Slept(Slept { tag }))
        }
        Call::Fail(Fail { code }) => Err(TestError::Refused {
            code,
            reason: "asked to fail".into(),
        }),
        Call::Panic(Panic) => panic!("asked to panic"),
    }
}
