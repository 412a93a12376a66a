//! kv's `List` answers in bounded pages that continue where the last one ended.
#![allow(clippy::unwrap_used)]

use wirewright::bytes::Bytes;
use wirewright::rpc::{Answer, Reply};
use wirewright::Encode;
use wirewright_examples::kv::{Keys, KvRequest, KvResponse, List, Put, Store};

async fn list(store: &Store, list: List) -> Keys {
    match store.handle(KvRequest::List(list)).await {
        Answer::Reply(Reply::Response(KvResponse::Keys(keys))) => keys,
        other => panic!("expected keys: {other:?}"),
    }
}

/// Checks that a put was stored.
fn stored(answer: Answer<KvResponse, wirewright_examples::kv::KvError>) {
    assert!(
        matches!(
            answer,
            Answer::Reply(Reply::Response(KvResponse::Stored(_)))
        ),
        "{answer:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn listing_2500_long_keys_takes_three_bounded_pages() {
    let store = Store::new();
    let key = |n: usize| format!("k{n:05}{}", "x".repeat(Store::MAX_KEY_LEN - 6));
    for n in 0..2500 {
        let put = Put {
            key: key(n),
            value: Bytes::from_static(b"v"),
        };
        stored(store.handle(KvRequest::Put(put)).await);
    }
    let mut request = List::all("k");
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        let page = list(&store, request.clone()).await;
        pages += 1;
        let reply = KvResponse::Keys(page.clone());
        assert!(
            reply.encoded_len() <= 260_000,
            "{} bytes",
            reply.encoded_len()
        );
        all.extend(page.keys);
        match page.next {
            Some(next) => request.after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(all, (0..2500).map(key).collect::<Vec<_>>());
}

#[tokio::test(flavor = "current_thread")]
async fn a_page_respects_its_limit_prefix_and_cursor() {
    let store = Store::new();
    for key in ["a1", "a2", "a3", "b1"] {
        let put = Put {
            key: key.into(),
            value: Bytes::from_static(b"v"),
        };
        stored(store.handle(KvRequest::Put(put)).await);
    }
    let first = list(
        &store,
        List {
            prefix: "a".into(),
            after: None,
            limit: 2,
        },
    )
    .await;
    assert_eq!(first.keys, ["a1", "a2"]);
    assert_eq!(first.next.as_deref(), Some("a2"));
    let second = list(
        &store,
        List {
            prefix: "a".into(),
            after: first.next,
            limit: 2,
        },
    )
    .await;
    assert_eq!((second.keys, second.next), (vec!["a3".to_owned()], None));
}
