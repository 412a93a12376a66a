//! `#[wirewright::service]`: typed calls of every method shape through the generated
//! client and server, over one connection.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use wirewright::rpc::{CallOptions, RpcClientConfig, RpcError, RpcServerConfig};
use wirewright::Message;

/// The service's error.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub enum CalcError {
    /// The sum does not fit.
    Overflow,
    /// Division by zero.
    DivideByZero {
        /// The dividend.
        dividend: u32,
    },
}

impl std::fmt::Display for CalcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for CalcError {}

/// A message used as it is.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 4)]
pub struct Divide {
    /// Dividend.
    pub dividend: u32,
    /// Divisor.
    pub divisor: u32,
}

/// Its answer.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[wire(id = 4)]
pub struct Quotient(pub u32);

/// A calculator.
#[wirewright::service]
pub trait Calc {
    /// Adds two numbers.
    #[wire(id = 1, idempotent)]
    async fn add(&self, a: u32, b: u32) -> Result<u64, CalcError>;
    /// Counts calls; no arguments.
    #[wire(id = 2)]
    async fn count(&self) -> Result<u32, CalcError>;
    /// Joins words: a sequence in, a string out.
    #[wire(id = 3)]
    async fn join(&self, words: Vec<String>, separator: String) -> Result<String, CalcError>;
    /// An existing message pair, used as it is.
    #[wire(id = 4, message)]
    async fn divide(&self, divide: Divide) -> Result<Quotient, CalcError>;
    /// Sleeps.
    #[wire(id = 5)]
    async fn sleep(&self, millis: u64) -> Result<(), CalcError>;
}

#[derive(Default)]
struct Calculator {
    calls: AtomicU32,
}

impl Calc for Calculator {
    async fn add(&self, a: u32, b: u32) -> Result<u64, CalcError> {
        Ok(u64::from(a) + u64::from(b))
    }

    async fn count(&self) -> Result<u32, CalcError> {
        Ok(self.calls.fetch_add(1, Ordering::Relaxed) + 1)
    }

    async fn join(&self, words: Vec<String>, separator: String) -> Result<String, CalcError> {
        Ok(words.join(&separator))
    }

    async fn divide(&self, divide: Divide) -> Result<Quotient, CalcError> {
        match divide.divisor {
            0 => Err(CalcError::DivideByZero {
                dividend: divide.dividend,
            }),
            divisor => Ok(Quotient(divide.dividend / divisor)),
        }
    }

    async fn sleep(&self, millis: u64) -> Result<(), CalcError> {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        Ok(())
    }
}

fn connected() -> CalcClient {
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let server = CalcServer::new(Calculator::default()).into_rpc_server(RpcServerConfig::new());
    tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
    CalcClient::over(client_io, RpcClientConfig::new())
}

#[tokio::test]
async fn every_method_shape_is_called_typed() {
    let calc = connected();
    assert_eq!(calc.add(2, 3).await.unwrap(), 5);
    assert_eq!(calc.count().await.unwrap(), 1);
    assert_eq!(calc.count().await.unwrap(), 2);
    let words = vec!["a".to_owned(), "b".to_owned()];
    assert_eq!(calc.join(words, "-".into()).await.unwrap(), "a-b");
    let divide = Divide {
        dividend: 7,
        divisor: 2,
    };
    assert_eq!(calc.divide(divide).await.unwrap(), Quotient(3));
    calc.sleep(1).await.unwrap();
}

#[tokio::test]
async fn the_methods_error_arrives_typed() {
    let calc = connected();
    let divide = Divide {
        dividend: 7,
        divisor: 0,
    };
    let err = calc.divide(divide).await.unwrap_err();
    assert!(matches!(
        err,
        RpcError::Application(CalcError::DivideByZero { dividend: 7 })
    ));
}

#[tokio::test(start_paused = true)]
async fn per_call_options_give_a_call_its_deadline() {
    let calc = connected();
    let short = CallOptions::new().with_timeout(Duration::from_millis(10));
    let err = calc.with_options(short).sleep(1000).await.unwrap_err();
    assert!(matches!(err, RpcError::Timeout { .. }), "{err}");
    assert_eq!(
        calc.add(1, 1).await.unwrap(),
        2,
        "the client's own options are unchanged"
    );
}

#[tokio::test]
async fn clones_share_the_connection_and_run_concurrently() {
    let calc = connected();
    let calls = (0..32u32).map(|i| {
        let calc = calc.clone();
        async move { calc.add(i, i).await }
    });
    let sums = futures_util::future::join_all(calls).await;
    for (i, sum) in sums.into_iter().enumerate() {
        assert_eq!(sum.unwrap(), 2 * i as u64);
    }
    assert_eq!(calc.get_ref().pending_calls(), 0);
}

#[test]
fn methods_ids_name_their_request_and_response_messages() {
    assert_eq!(<CalcAddRequest as Message>::ID, 1);
    assert_eq!(<CalcAddResponse as Message>::ID, 1);
    assert_eq!(<CalcJoinRequest as Message>::ID, 3);
    let request = CalcRequest::Divide(Divide {
        dividend: 1,
        divisor: 1,
    });
    assert_eq!(wirewright::Protocol::message_type(&request), 4);
}

#[tokio::test]
async fn a_closure_handler_holding_static_references_is_served_on_a_spawned_task() {
    // The connection's future holds no type of the handler's: a handler whose future
    // holds a `&'static str` channel still makes a `Send` server future.
    let (sent, mut received) = tokio::sync::mpsc::unbounded_channel::<&'static str>();
    let (client_io, server_io) = tokio::io::duplex(4096);
    let server = wirewright::rpc::RpcServer::new(RpcServerConfig::new(), move |divide: Divide| {
        let sent = sent.clone();
        async move {
            let _ = sent.send("called");
            tokio::task::yield_now().await;
            Ok::<_, CalcError>(Quotient(divide.dividend))
        }
    });
    tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
    let client = wirewright::rpc::RpcClient::<Divide, Quotient, CalcError>::over(
        client_io,
        RpcClientConfig::new(),
    );
    let divide = Divide {
        dividend: 4,
        divisor: 1,
    };
    assert_eq!(client.call(divide).await.unwrap(), Quotient(4));
    assert_eq!(received.recv().await, Some("called"));
}

/// The generated code names everything by absolute path: a module that shadows the
/// prelude's names still compiles it.
mod shadowed {
    #![allow(dead_code, non_camel_case_types)]

    struct Option;
    struct Some;
    struct None;
    struct Ok;
    struct Err;
    struct Box;
    struct Arc;
    struct Vec;
    struct Clone;
    struct Debug;
    struct Send;
    struct Sync;
    struct Future;
    struct Fn;
    mod std {}
    mod core {}

    /// A service declared where the prelude's names mean other things.
    #[wirewright::service]
    pub trait Shadowed {
        /// Echoes.
        #[wire(id = 1)]
        async fn echo(&self, n: u32) -> Result<u32, super::CalcError>;
    }
}

#[test]
fn a_service_compiles_where_the_preludes_names_are_shadowed() {
    assert_eq!(<shadowed::ShadowedEchoRequest as Message>::ID, 1);
}
