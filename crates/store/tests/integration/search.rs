//! Full-text search: trigram index for three characters and more, bounded LIKE below.

use hongyan_store::{HistoryCursor, Message, NewMessage, SearchPage, Store, SHORT_SCAN};

use crate::{account, incoming, outgoing, store, text, ME};

const BOB: &str = "bob@example.org";
const CAROL: &str = "carol@example.org";

async fn put(store: &Store, m: NewMessage) -> Message {
    store.insert_message(&m).await.unwrap().into_message()
}

/// Bodies of every match, newest first, through all pages.
async fn found(store: &Store, peer: Option<&str>, query: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let SearchPage { messages, next } = store.search(ME, peer, query, before, 2).await.unwrap();
        out.extend(messages.iter().map(|m| text(m).to_owned()));
        match next {
            Some(n) => before = Some(n),
            None => return out,
        }
    }
}

#[tokio::test]
async fn chinese_and_english_substrings_of_any_length() {
    let store = store().await;
    for (peer, body, at) in [
        (BOB, "今天下午三点开会，别忘了带报告", 10),
        (CAROL, "明天开会吗？", 20),
        (BOB, "Meet me at the STATION", 30),
        (CAROL, "the stationery shop", 40),
        (BOB, "好", 50),
        (BOB, "ok 好的", 60),
    ] {
        put(&store, incoming(peer, body, at)).await;
    }
    // Trigram path.
    assert_eq!(
        found(&store, None, "下午三点").await,
        ["今天下午三点开会，别忘了带报告"]
    );
    assert_eq!(
        found(&store, None, "开会，别").await,
        ["今天下午三点开会，别忘了带报告"]
    );
    assert_eq!(
        found(&store, None, "station").await,
        ["the stationery shop", "Meet me at the STATION"]
    );
    assert_eq!(
        found(&store, None, "  STATIONERY ").await,
        ["the stationery shop"]
    );
    assert_eq!(
        found(&store, Some(BOB), "station").await,
        ["Meet me at the STATION"]
    );
    assert!(found(&store, None, "三点半").await.is_empty());
    // Two and one characters: the LIKE path, same order and scope.
    assert_eq!(
        found(&store, None, "开会").await,
        ["明天开会吗？", "今天下午三点开会，别忘了带报告"]
    );
    assert_eq!(found(&store, Some(CAROL), "开会").await, ["明天开会吗？"]);
    assert_eq!(found(&store, None, "好").await, ["ok 好的", "好"]);
    assert_eq!(found(&store, None, "OK").await, ["ok 好的"]);
    assert_eq!(found(&store, None, "？").await, ["明天开会吗？"]);
    assert!(found(&store, None, "雁").await.is_empty());
    assert!(found(&store, None, "   ").await.is_empty());
    let none = store.search(ME, None, "station", None, 0).await.unwrap();
    assert_eq!((none.messages.len(), none.next), (0, None));
}

/// Query syntax of FTS5 and LIKE is text to search for, and never an error.
#[tokio::test]
async fn special_characters_are_searched_as_text() {
    let store = store().await;
    let bodies = [
        r#"she said "hi" twice"#,
        "a*b is not a prefix",
        "NEAR(apple pie) literally",
        "apple and pie, far apart",
        "-minus sign first",
        "AND OR NOT",
        "100% sure",
        "snake_case name",
        r"back\slash",
        "col:on ^caret (paren",
    ];
    for (i, body) in bodies.iter().enumerate() {
        put(&store, incoming(BOB, body, i as i64)).await;
    }
    for (query, want) in [
        (r#""hi""#, vec![bodies[0]]),
        (r#"said "hi"#, vec![bodies[0]]),
        ("a*b", vec![bodies[1]]),
        ("a*", vec![bodies[1]]),
        ("NEAR(apple pie)", vec![bodies[2]]),
        ("-minus", vec![bodies[4]]),
        ("AND OR", vec![bodies[5]]),
        // "not" is in "a*b is not a prefix" too: ASCII letters match either case.
        ("NOT", vec![bodies[5], bodies[1]]),
        ("OR", vec![bodies[5]]),
        ("%", vec![bodies[6]]),
        ("0%", vec![bodies[6]]),
        ("_", vec![bodies[7]]),
        ("e_c", vec![bodies[7]]),
        (r"\", vec![bodies[8]]),
        (r"k\s", vec![bodies[8]]),
        ("col:on", vec![bodies[9]]),
        ("^c", vec![bodies[9]]),
        ("(pa", vec![bodies[9]]),
        ("\"", vec![bodies[0]]),
        ("*", vec![bodies[1]]),
    ] {
        assert_eq!(found(&store, None, query).await, want, "query {query:?}");
    }
}

#[tokio::test]
async fn results_are_per_account_newest_first_and_page_without_gaps() {
    let store = store().await;
    let two = "two@example.org";
    store.save_account(&account(two)).await.unwrap();
    let mut mine = Vec::new();
    // Sent times out of arrival order, with ties: the order is (sent_at, id), newest first.
    for (i, at) in [50, 10, 30, 30, 70, 10, 60].into_iter().enumerate() {
        let peer = if i % 2 == 0 { BOB } else { CAROL };
        let m = if i % 3 == 0 {
            outgoing(peer, &format!("报告第{i}版"), at)
        } else {
            incoming(peer, &format!("报告第{i}版"), at)
        };
        mine.push(put(&store, m).await);
        let mut theirs = incoming(BOB, &format!("报告第{i}版"), at);
        theirs.account = two.into();
        put(&store, theirs).await;
    }
    mine.sort_by_key(|m| std::cmp::Reverse((m.sent_at, m.id)));
    for query in ["报告第", "报告"] {
        for limit in [1, 2, 3, 7, 50] {
            let mut got: Vec<Message> = Vec::new();
            let mut before: Option<HistoryCursor> = None;
            loop {
                let page = store.search(ME, None, query, before, limit).await.unwrap();
                assert!(page.messages.len() <= limit as usize);
                got.extend(page.messages);
                match page.next {
                    Some(n) => before = Some(n),
                    None => break,
                }
            }
            assert_eq!(got, mine, "{query:?} limit {limit}");
        }
    }
    let bob: Vec<&Message> = mine.iter().filter(|m| m.peer == BOB).collect();
    for query in ["报告第", "报告"] {
        let page = store.search(ME, Some(BOB), query, None, 100).await.unwrap();
        assert_eq!(page.messages.iter().collect::<Vec<_>>(), bob, "{query:?}");
        assert_eq!(page.next, None);
    }
    assert!(store
        .search("nobody@x", None, "报告", None, 10)
        .await
        .unwrap()
        .messages
        .is_empty());
}

#[tokio::test]
async fn corrections_and_retractions_keep_the_index_current() {
    let store = store().await;
    let m = put(&store, incoming(BOB, "meet at the old bridge", 1)).await;
    let other = put(&store, incoming(BOB, "the bridge is closed", 2)).await;
    store
        .edit_message(m.id, "meet at the new tower", 3)
        .await
        .unwrap();
    assert!(found(&store, None, "old bridge").await.is_empty());
    assert_eq!(
        found(&store, None, "new tower").await,
        ["meet at the new tower"]
    );
    assert_eq!(
        found(&store, None, "bridge").await,
        ["the bridge is closed"]
    );
    assert_eq!(found(&store, None, "到").await, Vec::<String>::new());

    store.retract_message(m.id, 4).await.unwrap();
    store.retract_message(other.id, 5).await.unwrap();
    for query in ["new tower", "bridge", "to", "t"] {
        assert!(
            found(&store, None, query).await.is_empty(),
            "{query:?} found a tombstone"
        );
    }
    // The earlier versions are not searchable either.
    assert!(found(&store, None, "meet").await.is_empty());
}

/// Messages deleted with their account leave no index entry that could later match the
/// message that reuses their row id.
#[tokio::test]
async fn deleted_messages_leave_nothing_in_the_index() {
    let store = store().await;
    let old = put(&store, incoming(BOB, "secret plans for tuesday", 1)).await;
    store.delete_account(ME).await.unwrap();
    store.save_account(&account(ME)).await.unwrap();
    let new = put(&store, incoming(BOB, "nothing to see", 2)).await;
    assert_eq!(new.id, old.id, "the scenario needs the row id reused");
    assert!(found(&store, None, "secret plans").await.is_empty());
    assert!(found(&store, None, "pl").await.is_empty());
    assert_eq!(found(&store, None, "nothing").await, ["nothing to see"]);
}

/// A short query looks at a bounded number of messages per call and says where to go on,
/// so a rare one- or two-character text costs several calls instead of one long one.
#[tokio::test]
async fn short_queries_scan_a_bounded_window_per_call() {
    let store = store().await;
    let needle = put(&store, incoming(BOB, "鸿", 0)).await;
    let total = SHORT_SCAN as i64 + 500;
    let batch: Vec<NewMessage> = (1..=total).map(|i| incoming(BOB, "x", i)).collect();
    store.insert_messages(&batch).await.unwrap();

    for peer in [None, Some(BOB)] {
        let first = store.search(ME, peer, "鸿", None, 10).await.unwrap();
        assert!(first.messages.is_empty(), "{peer:?}");
        let next = first.next.expect("more to look at");
        // The window ends SHORT_SCAN messages down: at sent_at total - SHORT_SCAN + 1.
        assert_eq!(next.at, total - SHORT_SCAN as i64 + 1, "{peer:?}");
        let second = store.search(ME, peer, "鸿", Some(next), 10).await.unwrap();
        assert_eq!(second.messages, vec![needle.clone()], "{peer:?}");
        assert_eq!(second.next, None, "{peer:?}");
    }
    // A full page stops the scan at its last match.
    let page = store.search(ME, None, "x", None, 3).await.unwrap();
    assert_eq!(page.messages.len(), 3);
    assert_eq!(page.next, Some(HistoryCursor::from(&page.messages[2])));
}
