//! The pieces of SPEC.md §9 that are more than a payload: `Frame{..}` values, the control
//! payloads (`Ping`, `Pong`, `Goodbye`, `Hello`) and `Failure` as notation, and the
//! conformance servers of §9.10 (`messages`, `messages-hello-required` and `calls`),
//! served on loopback.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::task::JoinHandle;
use wirewright::rpc::{ErrorCode, Failure, RpcServer, RpcServerConfig};
use wirewright::transport::{
    CancellationToken, Connection, ConnectionConfig, ConnectionError, Control, Goodbye,
    GoodbyeReason, Hello, HelloMode, Server, ServerConfig,
};

use crate::from_notation::{struct_fields, FromNotation};
use crate::notation::{Body, Value};
use crate::spec_types::{Get, Join, KvError, Value as KvValue};

/// A `Frame{flags: .., type: .., correlation: .., payload: ..}` value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameValue<'a> {
    /// The flags byte.
    pub flags: u8,
    /// The message type, error code or control kind.
    pub message_type: u16,
    /// The correlation id.
    pub correlation_id: u32,
    /// The payload, still as notation (its type depends on the header).
    pub payload: &'a Value,
}

impl<'a> FromNotation<'a> for FrameValue<'a> {
    fn from_notation(value: &'a Value) -> Result<Self, String> {
        let [flags, message_type, correlation_id, payload] = struct_fields(
            value,
            &["Frame"],
            ["flags", "type", "correlation", "payload"],
        )?;
        Ok(FrameValue {
            flags: u8::from_notation(flags)?,
            message_type: u16::from_notation(message_type)?,
            correlation_id: u32::from_notation(correlation_id)?,
            payload,
        })
    }
}

/// A control payload (`Ping{nonce}`, `Pong{nonce}`, `Goodbye{reason, message}`) as the
/// transport's [`Control`].
///
/// # Errors
/// Any other value.
pub fn control_from_notation(value: &Value) -> Result<Control, String> {
    if let Ok([nonce]) = struct_fields(value, &["Ping"], ["nonce"]) {
        return Ok(Control::Ping {
            nonce: u64::from_notation(nonce)?,
        });
    }
    if let Ok([nonce]) = struct_fields(value, &["Pong"], ["nonce"]) {
        return Ok(Control::Pong {
            nonce: u64::from_notation(nonce)?,
        });
    }
    let [reason, message] = struct_fields(value, &["Goodbye"], ["reason", "message"])?;
    Ok(Control::Goodbye(Goodbye::new(
        GoodbyeReason::from_code(u8::from_notation(reason)?),
        String::from_notation(message)?,
    )))
}

/// `Hello{protocol, fingerprint, revision, schema}` (SPEC.md §9.6) as a [`Hello`].
///
/// # Errors
/// Any other value.
pub fn hello_from_notation(value: &Value) -> Result<Hello, String> {
    let [protocol, fingerprint, revision, schema] = struct_fields(
        value,
        &["Hello"],
        ["protocol", "fingerprint", "revision", "schema"],
    )?;
    Ok(Hello {
        protocol: String::from_notation(protocol)?,
        fingerprint: u64::from_notation(fingerprint)?,
        revision: u32::from_notation(revision)?,
        schema: Option::<String>::from_notation(schema)?,
    })
}

/// A HELLO's payload written in the notation.
pub fn hello_to_notation(hello: &Hello) -> Value {
    named(
        "Hello",
        vec![
            ("protocol", Value::Str(hello.protocol.clone())),
            ("fingerprint", uint(u128::from(hello.fingerprint))),
            ("revision", uint(u128::from(hello.revision))),
            (
                "schema",
                match &hello.schema {
                    Some(text) => Value::Some(Box::new(Value::Str(text.clone()))),
                    None => Value::None,
                },
            ),
        ],
    )
}

/// A control frame's payload written in the notation.
pub fn control_to_notation(control: &Control) -> Value {
    let (name, fields) = match control {
        Control::Ping { nonce } => ("Ping", vec![("nonce", uint(u128::from(*nonce)))]),
        Control::Pong { nonce } => ("Pong", vec![("nonce", uint(u128::from(*nonce)))]),
        Control::Goodbye(goodbye) => (
            "Goodbye",
            vec![
                ("reason", uint(u128::from(goodbye.reason.code()))),
                ("message", Value::Str(goodbye.message.clone())),
            ],
        ),
    };
    named(name, fields)
}

/// `Failure{message: ..}` with the code of the frame's header.
///
/// # Errors
/// Any other value.
pub fn failure_from_notation(code: u16, value: &Value) -> Result<Failure, String> {
    let [message] = struct_fields(value, &["Failure"], ["message"])?;
    Ok(Failure::new(
        ErrorCode::from_code(code),
        String::from_notation(message)?,
    ))
}

/// A failure's payload written in the notation.
pub fn failure_to_notation(failure: &Failure) -> Value {
    named(
        "Failure",
        vec![("message", Value::Str(failure.message.clone()))],
    )
}

fn uint(magnitude: u128) -> Value {
    Value::Int(crate::notation::Int {
        negative: false,
        magnitude,
    })
}

fn named(name: &str, fields: Vec<(&str, Value)>) -> Value {
    Value::Named {
        path: vec![name.to_owned()],
        body: Body::Struct(
            fields
                .into_iter()
                .map(|(field, value)| (field.to_owned(), value))
                .collect(),
        ),
    }
}

/// Whether `actual` matches `pattern`, where `_` in the pattern matches anything.
pub fn matches_pattern(pattern: &Value, actual: &Value) -> bool {
    match (pattern, actual) {
        (Value::Any, _) => true,
        (Value::Some(p), Value::Some(a)) => matches_pattern(p, a),
        (Value::Tuple(p), Value::Tuple(a)) | (Value::List(p), Value::List(a)) => {
            p.len() == a.len() && p.iter().zip(a).all(|(p, a)| matches_pattern(p, a))
        }
        (Value::Map(p), Value::Map(a)) => {
            p.len() == a.len()
                && p.iter()
                    .zip(a)
                    .all(|((pk, pv), (ak, av))| matches_pattern(pk, ak) && matches_pattern(pv, av))
        }
        (
            Value::Named {
                path: p_path,
                body: p_body,
            },
            Value::Named {
                path: a_path,
                body: a_body,
            },
        ) => {
            p_path == a_path
                && match (p_body, a_body) {
                    (Body::Unit, Body::Unit) => true,
                    (Body::Tuple(p), Body::Tuple(a)) => {
                        p.len() == a.len() && p.iter().zip(a).all(|(p, a)| matches_pattern(p, a))
                    }
                    (Body::Struct(p), Body::Struct(a)) => {
                        p.len() == a.len()
                            && p.iter()
                                .zip(a)
                                .all(|((pn, pv), (an, av))| pn == an && matches_pattern(pv, av))
                    }
                    _ => false,
                }
        }
        _ => pattern == actual,
    }
}

/// The connection settings of the conformance servers: default limits, no heartbeats and
/// no idle timeout, so that nothing interleaves with a script (SPEC.md §9.10).
pub fn quiet_connection() -> ConnectionConfig {
    ConnectionConfig::new()
        .with_heartbeat_interval(None)
        .with_idle_timeout(None)
        .with_goodbye_timeout(Duration::from_secs(5))
}

/// A conformance server running on loopback.
#[derive(Debug)]
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Cancel to shut it down.
    pub shutdown: CancellationToken,
    /// The serving task.
    pub serving: JoinHandle<std::io::Result<()>>,
}

async fn bind() -> std::io::Result<Server> {
    bind_with(HelloMode::Optional).await
}

async fn bind_with(hello: HelloMode) -> std::io::Result<Server> {
    let config = ServerConfig::new()
        .with_connection(quiet_connection())
        .with_hello(hello);
    Server::bind("127.0.0.1:0", config).await
}

/// SPEC.md §9.10 `messages`: every `Join` goes back unchanged, with its correlation id.
/// It takes part in HELLO with the setting *optional* (SPEC.md §13.6).
///
/// # Errors
/// When the loopback port cannot be bound.
///
/// # Panics
/// Outside a tokio runtime.
pub async fn serve_messages() -> std::io::Result<Running> {
    serve_messages_with(HelloMode::Optional).await
}

/// SPEC.md §9.10 `messages-hello-required`: `messages` with HELLO *required*.
///
/// # Errors
/// When the loopback port cannot be bound.
///
/// # Panics
/// Outside a tokio runtime.
pub async fn serve_messages_hello_required() -> std::io::Result<Running> {
    serve_messages_with(HelloMode::Required).await
}

async fn serve_messages_with(hello: HelloMode) -> std::io::Result<Running> {
    let server = bind_with(hello).await?;
    let (addr, shutdown) = (server.local_addr()?, server.shutdown_token());
    let serving = tokio::spawn(server.serve(echo));
    Ok(Running {
        addr,
        shutdown,
        serving,
    })
}

async fn echo(mut connection: Connection<Join>) -> Result<(), ConnectionError> {
    while let Some(received) = connection.recv().await? {
        let correlation_id = received.correlation_id();
        connection
            .send_correlated(correlation_id, received.message)
            .await?;
    }
    Ok(())
}

/// SPEC.md §9.10 `calls`: `Get{key: "a"}` is answered `Value{value: Some("x")}`, any
/// other key with `KvError::NotFound`.
///
/// # Errors
/// When the loopback port cannot be bound.
///
/// # Panics
/// Outside a tokio runtime.
pub async fn serve_calls() -> std::io::Result<Running> {
    let server = bind().await?;
    let (addr, shutdown) = (server.local_addr()?, server.shutdown_token());
    let rpc = RpcServer::new(RpcServerConfig::new(), |get: Get| async move {
        if get.key == "a" {
            Ok(KvValue {
                value: Some("x".to_owned()),
            })
        } else {
            Err(KvError::NotFound { key: get.key })
        }
    });
    let serving = tokio::spawn(rpc.serve(server));
    Ok(Running {
        addr,
        shutdown,
        serving,
    })
}
