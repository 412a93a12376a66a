//! Request/response over an in-memory stream on tokio's paused clock: matching replies to
//! calls (out of order, unknown ids), deadlines, lost connections, errors, heartbeats and
//! the in-flight limit.
#![allow(clippy::unwrap_used)]

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use tokio::io::DuplexStream;
use tokio::time::Instant;
use wirewright::rpc::{
    CallOptions, ErrorCode, Failure, Inbound, Reply, RpcClient, RpcClientConfig, RpcError,
    RpcServer, RpcServerConfig,
};
use wirewright::transport::{Connection, ConnectionConfig, ConnectionError};
use wirewright::Message;
use wirewright_tests::rpc_types::{
    echo, echoed, handle, Answer, Call, Echo, Echoed, Fail, Panic, Sleep, Slept, TestError, Unknown,
};

type TestClient = RpcClient<Call, Answer, TestError>;
/// The server's side of a connection, driven by hand.
type RawServer = Connection<Inbound<Call>, Reply<Answer, TestError>>;

fn pipe() -> (DuplexStream, DuplexStream) {
    tokio::io::duplex(64 * 1024)
}

/// A client over one end of a pipe and the test service on the other.
fn served(config: RpcServerConfig) -> TestClient {
    let (client_io, server_io) = pipe();
    let server = RpcServer::new(config, handle);
    tokio::spawn(async move { server.serve_io(server_io, &ConnectionConfig::new()).await });
    RpcClient::over(client_io, RpcClientConfig::new())
}

/// A client, and the raw server connection at the other end.
fn raw() -> (TestClient, RawServer) {
    let (client_io, server_io) = pipe();
    let server = Connection::spawn(server_io, &ConnectionConfig::new());
    (RpcClient::over(client_io, RpcClientConfig::new()), server)
}

fn sleep(ms: u64, tag: u32) -> Call {
    Call::Sleep(Sleep { ms, tag })
}

fn slept(tag: u32) -> Answer {
    Answer::Slept(Slept { tag })
}

#[tokio::test(start_paused = true)]
async fn responses_returned_out_of_order_reach_their_calls() {
    let (client, mut server) = raw();
    let calls = join_all((0..10).map(|seq| client.call(echo(7, seq))));
    let answering = async {
        let mut requests = Vec::new();
        for _ in 0..10 {
            let received = server.recv().await.unwrap().unwrap();
            let Some(Call::Echo(request)) = received.message.decoded() else {
                panic!("not an echo")
            };
            requests.push((received.header.correlation_id, request));
        }
        // Last in, first out; and every answer names its request.
        for (id, request) in requests.into_iter().rev() {
            let answer = echoed(request.task, request.seq);
            server
                .send_correlated(id, Reply::Response(answer))
                .await
                .unwrap();
        }
    };
    let (results, ()) = tokio::join!(calls, answering);
    for (seq, result) in (0..10).zip(results) {
        assert_eq!(result.unwrap(), echoed(7, seq));
    }
    assert_eq!(client.unmatched_replies(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_reply_with_an_unknown_correlation_id_is_dropped_not_delivered() {
    let (client, mut server) = raw();
    let call = client.call(echo(1, 1));
    let answering = async {
        let received = server.recv().await.unwrap().unwrap();
        let id = received.correlation_id();
        // An id no call has, carrying another call's answer, then the right one.
        let stray = Reply::Response(echoed(666, 666));
        server.send_correlated(id + 1000, stray).await.unwrap();
        server
            .send_correlated(id, Reply::Response(echoed(1, 1)))
            .await
            .unwrap();
    };
    let (result, ()) = tokio::join!(call, answering);
    assert_eq!(result.unwrap(), echoed(1, 1));
    assert_eq!(client.unmatched_replies(), 1);

    // The connection goes on.
    let (result, ()) = tokio::join!(client.call(echo(1, 2)), async {
        let received = server.recv().await.unwrap().unwrap();
        let reply = Reply::Response(echoed(1, 2));
        server
            .send_correlated(received.correlation_id(), reply)
            .await
            .unwrap();
    });
    assert_eq!(result.unwrap(), echoed(1, 2));
}

#[tokio::test(start_paused = true)]
async fn deadline_exceeded_times_out_drops_the_late_reply_and_keeps_the_connection() {
    let client = served(RpcServerConfig::new());
    let options = CallOptions::new().with_timeout(Duration::from_secs(1));
    let started = Instant::now();
    let err = client
        .call_with(sleep(10_000, 1), options)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RpcError::Timeout { timeout } if timeout == Duration::from_secs(1)),
        "{err}"
    );
    assert_eq!(started.elapsed(), Duration::from_secs(1));

    // The server answers 9 s later; the reply is dropped.
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(client.unmatched_replies(), 1);
    assert_eq!(client.call(sleep(5, 2)).await.unwrap(), slept(2));
    assert_eq!(client.call(echo(1, 1)).await.unwrap(), echoed(1, 1));
}

#[tokio::test(start_paused = true)]
async fn a_lost_connection_fails_waiting_calls_at_once_not_at_their_deadline() {
    let (client_io, server_io) = pipe();
    let server = RpcServer::new(RpcServerConfig::new(), handle);
    let serving =
        tokio::spawn(async move { server.serve_io(server_io, &ConnectionConfig::new()).await });
    let client = TestClient::over(client_io, RpcClientConfig::new());
    let started = Instant::now();
    let killing = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        serving.abort(); // drops the server's end of the stream
    };
    let (results, ()) = tokio::join!(
        join_all((0..5).map(|tag| client.call(sleep(60_000, tag)))),
        killing
    );
    for result in results {
        let err = result.unwrap_err();
        // The requests were sent: whether they ran is unknown, so they are not retryable.
        assert!(
            matches!(err, RpcError::OutcomeUnknown(ConnectionError::PeerVanished)),
            "{err}"
        );
        assert!(!err.is_retryable());
    }
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    // Without an address the client cannot reconnect: later calls fail at once.
    let err = client.call(echo(1, 1)).await.unwrap_err();
    assert!(matches!(err, RpcError::Connection(_)), "{err}");
}

#[tokio::test(start_paused = true)]
async fn handler_errors_arrive_typed_and_the_connection_stays_usable() {
    let client = served(RpcServerConfig::new());
    let err = client.call(Call::Fail(Fail { code: 7 })).await.unwrap_err();
    assert!(
        matches!(&err, RpcError::Application(TestError::Refused { code: 7, reason }) if reason == "asked to fail"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "the handler returned an error: refused (7): asked to fail"
    );

    let err = client.call(Call::Panic(Panic)).await.unwrap_err();
    assert!(
        matches!(
            &err,
            RpcError::Failed(Failure {
                code: ErrorCode::HandlerFailed,
                ..
            })
        ),
        "{err}"
    );
    assert_eq!(client.call(echo(1, 1)).await.unwrap(), echoed(1, 1));
}

/// A request with the message type of `Echo` and a payload that is not an `Echo`.
#[derive(Message, Debug, Clone)]
#[wire(id = 1)]
struct NotAnEcho(bool);

#[tokio::test(start_paused = true)]
async fn unknown_and_undecodable_requests_are_answered_with_error_codes() {
    let (client_io, server_io) = pipe();
    let server = RpcServer::new(RpcServerConfig::new(), handle);
    tokio::spawn(async move { server.serve_io(server_io, &ConnectionConfig::new()).await });
    let client = RpcClient::<Unknown, Answer, TestError>::over(client_io, RpcClientConfig::new());
    let err = client.call(Unknown).await.unwrap_err();
    let RpcError::Failed(failure) = err else {
        panic!("{err}")
    };
    assert_eq!(failure.code, ErrorCode::UnknownRequest);
    assert_eq!(failure.message, "unknown message type 99 for protocol Call");
    // The same connection answers the next one too.
    assert!(matches!(
        client.call(Unknown).await,
        Err(RpcError::Failed(_))
    ));

    let (client_io, server_io) = pipe();
    let server = RpcServer::new(RpcServerConfig::new(), handle);
    tokio::spawn(async move { server.serve_io(server_io, &ConnectionConfig::new()).await });
    let client = RpcClient::<NotAnEcho, Answer, TestError>::over(client_io, RpcClientConfig::new());
    let err = client.call(NotAnEcho(true)).await.unwrap_err();
    assert!(
        matches!(
            &err,
            RpcError::Failed(Failure {
                code: ErrorCode::InvalidRequest,
                ..
            })
        ),
        "{err}"
    );
    assert_eq!(client.metrics().snapshot().frames_in, 1);
}

#[tokio::test(start_paused = true)]
async fn a_reply_the_client_cannot_decode_fails_that_call_only() {
    let (client_io, server_io) = pipe();
    let server = RpcServer::new(RpcServerConfig::new(), handle);
    tokio::spawn(async move { server.serve_io(server_io, &ConnectionConfig::new()).await });
    // This client knows only `Slept`; the server answers an echo with `Echoed`.
    let client = RpcClient::<Call, Slept, TestError>::over(client_io, RpcClientConfig::new());
    let err = client.call(echo(1, 1)).await.unwrap_err();
    assert!(
        matches!(
            err,
            RpcError::InvalidReply {
                message_type: 1,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(client.call(sleep(1, 5)).await.unwrap(), Slept { tag: 5 });
}

#[tokio::test(start_paused = true)]
async fn beyond_the_in_flight_limit_the_server_stops_reading() {
    let (client_io, server_io) = pipe();
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let server = RpcServer::new(RpcServerConfig::new().with_max_in_flight(2), {
        let (running, most) = (Arc::clone(&running), Arc::clone(&most));
        move |call: Call| {
            let (running, most) = (Arc::clone(&running), Arc::clone(&most));
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                let answer = handle(call).await;
                running.fetch_sub(1, Ordering::SeqCst);
                answer
            }
        }
    });
    let connection = ConnectionConfig::new().with_receive_queue(1);
    tokio::spawn(async move { server.serve_io(server_io, &connection).await });
    let client = TestClient::over(client_io, RpcClientConfig::new());
    let started = Instant::now();
    let results = join_all((0..10).map(|tag| client.call(sleep(1000, tag)))).await;
    for (tag, result) in (0..).zip(results) {
        assert_eq!(result.unwrap(), slept(tag));
    }
    assert_eq!(most.load(Ordering::SeqCst), 2);
    assert_eq!(started.elapsed(), Duration::from_secs(5)); // five rounds of two
}

#[tokio::test(start_paused = true)]
async fn a_busy_server_that_rejects_answers_overloaded_at_once() {
    let config = RpcServerConfig::new()
        .with_max_in_flight(2)
        .with_reject_when_busy(true);
    let client = served(config);
    let started = Instant::now();
    let results = join_all((0..10).map(|tag| client.call(sleep(1000, tag)))).await;
    let answered = results.iter().filter(|result| result.is_ok()).count();
    let overloaded = results
        .iter()
        .filter(|result| {
            matches!(result, Err(err @ RpcError::Failed(Failure { code: ErrorCode::Overloaded, .. })) if err.is_retryable())
        })
        .count();
    assert_eq!((answered, overloaded), (2, 8));
    assert_eq!(started.elapsed(), Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn a_call_longer_than_the_idle_timeout_survives_on_heartbeats() {
    let client = served(RpcServerConfig::new());
    let config = ConnectionConfig::new();
    let long = config.idle_timeout().unwrap() * 5;
    let options = CallOptions::new().with_timeout(long * 2);
    let started = Instant::now();
    let answer = client
        .call_with(sleep(long.as_millis() as u64, 1), options)
        .await
        .unwrap();
    assert_eq!(answer, slept(1));
    assert_eq!(started.elapsed(), long);
    assert!(client.metrics().snapshot().frames_in > 2, "PINGs arrived");
}

#[tokio::test(start_paused = true)]
async fn a_request_with_correlation_id_zero_gets_no_answer() {
    let (client_io, server_io) = pipe();
    let server = RpcServer::new(RpcServerConfig::new(), handle);
    tokio::spawn(async move { server.serve_io(server_io, &ConnectionConfig::new()).await });
    let mut raw = Connection::<Inbound<Reply<Answer, TestError>>, Call>::spawn(
        client_io,
        &ConnectionConfig::new(),
    );
    raw.send(echo(1, 1)).await.unwrap(); // correlation id 0
    raw.send_correlated(5, echo(1, 2)).await.unwrap();
    let received = raw.recv().await.unwrap().unwrap();
    assert_eq!(received.correlation_id(), 5, "only the request is answered");
    assert_eq!(
        received.message.decoded(),
        Some(Reply::Response(Answer::Echoed(Echoed {
            task: 1,
            seq: 2,
            text: "2 llac 1 ksat".into()
        })))
    );
}

#[tokio::test(start_paused = true)]
async fn a_service_that_cannot_fail_uses_infallible() {
    let (client_io, server_io) = pipe();
    let server = RpcServer::new(
        RpcServerConfig::new(),
        |Echo { task, seq, text }: Echo| async move { Ok::<_, Infallible>(Echoed { task, seq, text }) },
    );
    tokio::spawn(async move { server.serve_io(server_io, &ConnectionConfig::new()).await });
    let client = RpcClient::<Echo, Echoed, Infallible>::over(client_io, RpcClientConfig::new());
    let request = Echo {
        task: 1,
        seq: 2,
        text: "x".into(),
    };
    let answer = client.call(request).await.unwrap();
    assert_eq!((answer.task, answer.seq, answer.text.as_str()), (1, 2, "x"));
}
