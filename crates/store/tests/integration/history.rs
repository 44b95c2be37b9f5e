use hongyan_store::{HistoryCursor, Message, NewMessage, Store};

use crate::{account, incoming, outgoing, store, text, Lcg, ME};

const BOB: &str = "bob@example.org";

/// Pages backwards from the newest message and returns what the pages held, oldest first.
async fn page_through(store: &Store, peer: &str, limit: u32) -> (Vec<Message>, usize) {
    let mut pages: Vec<Vec<Message>> = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.history(ME, peer, cursor, limit).await.unwrap();
        assert!(page.len() <= limit as usize);
        if page.is_empty() {
            break;
        }
        for pair in page.windows(2) {
            assert!(
                (pair[0].sent_at, pair[0].id) < (pair[1].sent_at, pair[1].id),
                "page is not oldest first: {pair:?}"
            );
        }
        let next = HistoryCursor::from(&page[0]);
        if let Some(prev) = cursor {
            let HistoryCursor { at, id } = prev;
            assert!(
                (next.at, next.id) < (at, id),
                "paging does not move back: {next:?} after {prev:?}"
            );
            assert!(
                page.iter().all(|m| (m.sent_at, m.id) < (at, id)),
                "page holds messages not older than the cursor {prev:?}"
            );
        }
        cursor = Some(next);
        let short = page.len() < limit as usize;
        pages.push(page);
        if short {
            // A short page is the start of the conversation: one more call must be empty.
            assert!(store
                .history(ME, peer, cursor, limit)
                .await
                .unwrap()
                .is_empty());
            break;
        }
    }
    let count = pages.len();
    (pages.into_iter().rev().flatten().collect(), count)
}

#[tokio::test]
async fn empty_conversation_has_no_history() {
    let store = store().await;
    assert!(store.history(ME, BOB, None, 50).await.unwrap().is_empty());
    assert!(store
        .history(
            ME,
            BOB,
            Some(HistoryCursor {
                at: i64::MAX,
                id: i64::MAX
            }),
            50
        )
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .history("nobody@x", BOB, None, 50)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn newest_page_is_returned_oldest_first() {
    let store = store().await;
    for i in 0..10 {
        store
            .insert_message(&incoming(BOB, &format!("m{i}"), i * 100))
            .await
            .unwrap();
    }
    let page = store.history(ME, BOB, None, 3).await.unwrap();
    let bodies: Vec<&str> = page.iter().map(text).collect();
    assert_eq!(bodies, ["m7", "m8", "m9"]);
    let next = store
        .history(ME, BOB, Some((&page[0]).into()), 3)
        .await
        .unwrap();
    let bodies: Vec<&str> = next.iter().map(text).collect();
    assert_eq!(bodies, ["m4", "m5", "m6"]);
    assert!(store.history(ME, BOB, None, 0).await.unwrap().is_empty());
    assert_eq!(store.history(ME, BOB, None, 1_000).await.unwrap().len(), 10);
}

/// Equal timestamps, messages arriving out of order (an archive sync fills in older ones
/// later), other conversations interleaved: paging must still visit every message exactly
/// once, in (sent_at, id) order.
#[tokio::test]
async fn pages_have_no_gaps_and_no_repeats_across_equal_timestamps() {
    let store = store().await;
    store
        .save_account(&account("two@example.org"))
        .await
        .unwrap();
    let mut rng = Lcg(7);
    let mut batch: Vec<NewMessage> = Vec::new();
    for i in 0..240 {
        // Few distinct timestamps, so most pages start and end inside a run of equal ones.
        let at = 1_000 * rng.below(12) as i64;
        let mut m = match rng.below(3) {
            0 => outgoing(BOB, &format!("out {i}"), at),
            _ => incoming(BOB, &format!("in {i}"), at),
        };
        match rng.below(4) {
            0 => m.peer = "carol@example.org".into(),
            1 => m.account = "two@example.org".into(),
            _ => {}
        }
        batch.push(m);
        if batch.len() == 17 {
            store.insert_messages(&batch).await.unwrap();
            batch.clear();
        }
    }
    store.insert_messages(&batch).await.unwrap();

    let everything = store.history(ME, BOB, None, 10_000).await.unwrap();
    assert!(
        everything.len() > 80,
        "scenario too small: {}",
        everything.len()
    );
    for pair in everything.windows(2) {
        assert!((pair[0].sent_at, pair[0].id) < (pair[1].sent_at, pair[1].id));
    }
    assert!(everything.iter().all(|m| m.account == ME && m.peer == BOB));

    for limit in [1, 2, 7, 10, 50] {
        let (paged, pages) = page_through(&store, BOB, limit).await;
        assert_eq!(paged, everything, "limit {limit}");
        assert_eq!(
            pages,
            everything.len().div_ceil(limit as usize),
            "limit {limit}"
        );
    }

    // A cursor at the very first message: nothing older.
    let first = HistoryCursor::from(&everything[0]);
    assert!(store
        .history(ME, BOB, Some(first), 50)
        .await
        .unwrap()
        .is_empty());
    // A cursor in the middle of a run of equal timestamps splits the run by id.
    let mid = everything.len() / 2;
    let older = store
        .history(ME, BOB, Some((&everything[mid]).into()), 10_000)
        .await
        .unwrap();
    assert_eq!(older, everything[..mid]);
}

#[tokio::test]
async fn peers_are_compared_case_sensitively() {
    let store = store().await;
    store
        .insert_message(&incoming("Bob@Example.org", "upper", 1))
        .await
        .unwrap();
    store
        .insert_message(&incoming(BOB, "lower", 2))
        .await
        .unwrap();
    let upper = store
        .history(ME, "Bob@Example.org", None, 10)
        .await
        .unwrap();
    let lower = store.history(ME, BOB, None, 10).await.unwrap();
    assert_eq!(upper.len(), 1);
    assert_eq!(text(&upper[0]), "upper");
    assert_eq!(lower.len(), 1);
    assert_eq!(text(&lower[0]), "lower");
    assert_eq!(store.conversations(ME).await.unwrap().len(), 2);
}
