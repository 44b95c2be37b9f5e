use hongyan_store::{Account, HistoryCursor, MessageState, RosterItem, Store, Subscription};

use crate::{account, incoming, outgoing, ME};

const BOB: &str = "bob@example.org";

#[tokio::test]
async fn everything_survives_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    // Parent folders that do not exist yet are created.
    let path = dir.path().join("profile").join("nested").join("hongyan.db");

    let me = Account {
        host: Some("127.0.0.1".into()),
        port: Some(5223),
        pinned_cert_sha256: Some("0123456789abcdef".repeat(4)),
        last_login_at: Some(1_700_000_100_000),
        ..account(ME)
    };
    let bob = RosterItem {
        jid: BOB.into(),
        name: Some("鲍勃 🐻".into()),
        groups: vec!["朋友".into(), "Work".into()],
        subscription: Subscription::Both,
        ask_pending: true,
    };
    let (messages, pending) = {
        let store = Store::open(&path).await.unwrap();
        store.save_account(&me).await.unwrap();
        store
            .replace_roster(ME, Some("ver-9"), std::slice::from_ref(&bob))
            .await
            .unwrap();
        let batch: Vec<_> = (0..120)
            .map(|i| incoming(BOB, &format!("第{i}条消息 ✨"), 1_000 + i))
            .collect();
        let stored = store.insert_messages(&batch).await.unwrap();
        let mut out = outgoing(BOB, "还没发出去 📮", 5_000);
        out.origin_id = Some("origin-pending".into());
        let pending = store.insert_message(&out).await.unwrap().into_message();
        // The first 100 are read.
        store
            .mark_read_up_to(ME, BOB, stored[99].message().id)
            .await
            .unwrap();
        let messages = store.history(ME, BOB, None, 1_000).await.unwrap();
        store.close().await;
        (messages, pending)
    };
    assert!(path.exists());

    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.accounts().await.unwrap(), vec![me]);
    assert_eq!(
        store.roster(ME).await.unwrap(),
        (Some("ver-9".into()), vec![bob])
    );
    assert_eq!(store.history(ME, BOB, None, 1_000).await.unwrap(), messages);
    assert_eq!(messages.len(), 121);
    let convs = store.conversations(ME).await.unwrap();
    assert_eq!(convs.len(), 1);
    assert_eq!(convs[0].unread, 20);
    assert_eq!(convs[0].name.as_deref(), Some("鲍勃 🐻"));
    assert_eq!(convs[0].last, pending);
    assert_eq!(
        store.pending_messages(ME).await.unwrap(),
        vec![pending.clone()]
    );
    let page = store
        .history(ME, BOB, Some(HistoryCursor::from(&messages[50])), 10)
        .await
        .unwrap();
    assert_eq!(page, messages[40..50]);

    // Deduplication state survives too.
    let mut again = outgoing(BOB, "resent", 6_000);
    again.origin_id = Some("origin-pending".into());
    assert!(!store.insert_message(&again).await.unwrap().is_new());
    store
        .update_state_by_origin_id(ME, BOB, "origin-pending", MessageState::Sent, None)
        .await
        .unwrap();
    store.close().await;

    // And deletion through the file store cascades like in memory.
    let store = Store::open(&path).await.unwrap();
    assert_eq!(
        store.message(pending.id).await.unwrap().unwrap().state,
        MessageState::Sent
    );
    store.delete_account(ME).await.unwrap();
    store.save_account(&account(ME)).await.unwrap();
    assert!(store.history(ME, BOB, None, 10).await.unwrap().is_empty());
    assert_eq!(store.roster(ME).await.unwrap(), (None, vec![]));
    store.close().await;
}

#[tokio::test]
async fn concurrent_writers_store_a_message_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store.db")).await.unwrap();
    store.save_account(&account(ME)).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut m = incoming(BOB, &format!("copy {i}"), 1);
            m.stanza_id = Some("the-one".into());
            store.insert_message(&m).await.unwrap()
        }));
    }
    let mut new = 0;
    for t in tasks {
        if t.await.unwrap().is_new() {
            new += 1;
        }
    }
    assert_eq!(new, 1);
    assert_eq!(store.history(ME, BOB, None, 10).await.unwrap().len(), 1);
    store.close().await;
}

#[tokio::test]
async fn a_closed_store_reports_errors_instead_of_panicking() {
    let store = Store::open_memory().await.unwrap();
    store.close().await;
    assert!(store.accounts().await.is_err());
}
