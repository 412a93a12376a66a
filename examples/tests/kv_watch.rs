//! kv's `watch`: a server stream of the changes of the keys under a prefix, from the
//! moment it opened; a watcher that falls too far behind is ended rather than buffered.
#![allow(clippy::unwrap_used)]

use futures_util::StreamExt;
use wirewright::bytes::Bytes;
use wirewright::rpc::{RpcClientConfig, RpcServerConfig};
use wirewright_examples::kv::{Change, Delete, KvClient, KvServer, Put, Store, Watch};

fn client(store: &Store, config: RpcClientConfig) -> KvClient {
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let server = KvServer::new(store.clone()).into_rpc_server(RpcServerConfig::new());
    tokio::spawn(async move { server.serve_io(server_io, &Default::default()).await });
    KvClient::over(client_io, config)
}

fn put(key: &str, value: &'static str) -> Put {
    Put {
        key: key.into(),
        value: Bytes::from_static(value.as_bytes()),
    }
}

#[tokio::test]
async fn a_watch_sees_the_changes_under_its_prefix_in_order() {
    let store = Store::new();
    let kv = client(&store, RpcClientConfig::new());
    kv.put(put("user:0", "before")).await.unwrap();
    let mut changes = kv
        .watch(Watch {
            prefix: "user:".into(),
        })
        .await
        .unwrap();
    kv.put(put("user:1", "alice")).await.unwrap();
    kv.put(put("other", "x")).await.unwrap();
    kv.delete(Delete {
        key: "user:1".into(),
    })
    .await
    .unwrap();
    let first = changes.next().await.unwrap().unwrap();
    let second = changes.next().await.unwrap().unwrap();
    assert_eq!(
        first,
        Change {
            key: "user:1".into(),
            value: Some(Bytes::from_static(b"alice"))
        }
    );
    assert_eq!(
        second,
        Change {
            key: "user:1".into(),
            value: None
        }
    );
    assert_eq!(store.watches(), 1);
    drop(changes);
    // The next change notices the watch is gone.
    kv.put(put("user:2", "bob")).await.unwrap();
    assert_eq!(store.watches(), 0);
}

#[tokio::test]
async fn a_watcher_that_stops_reading_is_ended_instead_of_buffered() {
    let store = Store::new();
    let kv = client(&store, RpcClientConfig::new().with_stream_window(1024));
    let mut changes = kv.watch(Watch { prefix: "k".into() }).await.unwrap();
    let writes = Store::MAX_WATCH_BACKLOG * 4;
    for n in 0..writes {
        kv.put(put(&format!("k{n}"), "v")).await.unwrap();
    }
    assert_eq!(store.watches(), 0, "the lagging watch was ended");
    let mut seen = 0;
    while let Some(change) = changes.next().await {
        assert_eq!(change.unwrap().key, format!("k{seen}"));
        seen += 1;
    }
    assert!(
        seen < writes && seen >= Store::MAX_WATCH_BACKLOG,
        "the watch delivered {seen} changes in order before it ended"
    );
}
