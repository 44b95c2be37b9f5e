use hongyan_store::{Direction, RosterItem, Subscription};

use crate::{account, incoming, outgoing, store, Lcg, ME};

const BOB: &str = "bob@example.org";
const CAROL: &str = "carol@example.org";
const DAVE: &str = "dave@example.org";

#[tokio::test]
async fn newest_activity_first_with_last_message_and_roster_name() {
    let store = store().await;
    store
        .replace_roster(
            ME,
            None,
            &[RosterItem {
                jid: CAROL.into(),
                name: Some("卡罗尔".into()),
                groups: vec![],
                subscription: Subscription::Both,
                ask_pending: false,
            }],
        )
        .await
        .unwrap();
    store
        .insert_message(&incoming(BOB, "bob 1", 100))
        .await
        .unwrap();
    let carol_last = store
        .insert_message(&outgoing(CAROL, "carol 1", 200))
        .await
        .unwrap();
    let bob_last = store
        .insert_message(&incoming(BOB, "bob 2", 300))
        .await
        .unwrap();
    // An archive sync brings an older message later: it must not count as the last one.
    store
        .insert_message(&incoming(CAROL, "carol 0 (archive)", 50))
        .await
        .unwrap();
    let dave_last = store
        .insert_message(&incoming(DAVE, "dave", 200))
        .await
        .unwrap();

    let convs = store.conversations(ME).await.unwrap();
    let peers: Vec<&str> = convs.iter().map(|c| c.peer.as_str()).collect();
    // Carol and Dave tie on time; the message stored later (higher id) is newer.
    assert_eq!(peers, [BOB, DAVE, CAROL]);
    assert_eq!(&convs[0].last, bob_last.message());
    assert_eq!(&convs[1].last, dave_last.message());
    assert_eq!(&convs[2].last, carol_last.message());
    assert_eq!(convs[2].name.as_deref(), Some("卡罗尔"));
    assert_eq!(convs[0].name, None);

    // The roster name follows roster changes.
    store.remove_roster_item(ME, None, CAROL).await.unwrap();
    assert_eq!(store.conversations(ME).await.unwrap()[2].name, None);

    // Another account's conversations are separate.
    store
        .save_account(&account("two@example.org"))
        .await
        .unwrap();
    assert!(store
        .conversations("two@example.org")
        .await
        .unwrap()
        .is_empty());
    assert!(store.conversations("nobody@x").await.unwrap().is_empty());
}

#[tokio::test]
async fn unread_counts_incoming_after_the_read_marker() {
    let store = store().await;
    for (i, at) in [10, 20, 30, 40].into_iter().enumerate() {
        store
            .insert_message(&incoming(BOB, &format!("in {i}"), at))
            .await
            .unwrap();
    }
    store
        .insert_message(&outgoing(BOB, "my reply", 50))
        .await
        .unwrap();
    let unread = |store: hongyan_store::Store| async move {
        store.conversations(ME).await.unwrap()[0].unread
    };
    assert_eq!(
        unread(store.clone()).await,
        4,
        "outgoing messages are never unread"
    );

    store.mark_read(ME, BOB, 20).await.unwrap();
    assert_eq!(
        unread(store.clone()).await,
        2,
        "sent_at == marker counts as read"
    );

    // New incoming messages after the marker are unread; older ones (archive) are not.
    store
        .insert_message(&incoming(BOB, "new", 60))
        .await
        .unwrap();
    store
        .insert_message(&incoming(BOB, "old from archive", 15))
        .await
        .unwrap();
    assert_eq!(unread(store.clone()).await, 3);

    // The marker never moves back.
    store.mark_read(ME, BOB, 5).await.unwrap();
    assert_eq!(unread(store.clone()).await, 3);

    store.mark_read(ME, BOB, 60).await.unwrap();
    assert_eq!(unread(store.clone()).await, 0);
    store
        .insert_message(&incoming(BOB, "at the marker", 60))
        .await
        .unwrap();
    assert_eq!(unread(store.clone()).await, 0);
}

#[tokio::test]
async fn marking_read_before_any_message_keeps_the_marker() {
    let store = store().await;
    store.mark_read(ME, BOB, 100).await.unwrap();
    assert!(
        store.conversations(ME).await.unwrap().is_empty(),
        "a conversation without messages is not listed"
    );
    store
        .insert_message(&incoming(BOB, "old", 90))
        .await
        .unwrap();
    store
        .insert_message(&incoming(BOB, "new", 110))
        .await
        .unwrap();
    let convs = store.conversations(ME).await.unwrap();
    assert_eq!(convs.len(), 1);
    assert_eq!(convs[0].unread, 1);
    assert!(matches!(
        store.mark_read("nobody@x", BOB, 1).await,
        Err(hongyan_store::Error::Db(sqlx::Error::RowNotFound))
    ));
}

/// The kept unread count and last message always agree with the messages themselves,
/// whatever order messages and markers arrive in.
#[tokio::test]
async fn kept_counts_match_the_messages_in_a_random_scenario() {
    let store = store().await;
    let peers = [BOB, CAROL, DAVE];
    let mut markers = [i64::MIN; 3];
    let mut rng = Lcg(42);
    for step in 0..400 {
        let p = rng.below(3) as usize;
        let at = rng.below(1_000) as i64;
        match rng.below(10) {
            0 => {
                store.mark_read(ME, peers[p], at).await.unwrap();
                markers[p] = markers[p].max(at);
            }
            1..=3 => {
                store
                    .insert_message(&outgoing(peers[p], "out", at))
                    .await
                    .unwrap();
            }
            _ => {
                let mut m = incoming(peers[p], "in", at);
                // Some repeats by stanza-id, which must not count twice.
                m.stanza_id = Some(format!("s{}", rng.below(300)));
                store.insert_message(&m).await.unwrap();
            }
        }
        if step % 50 != 49 {
            continue;
        }
        for conv in store.conversations(ME).await.unwrap() {
            let p = peers.iter().position(|&x| x == conv.peer).unwrap();
            let all = store.history(ME, peers[p], None, 10_000).await.unwrap();
            let expected = all
                .iter()
                .filter(|m| m.direction == Direction::Incoming && m.sent_at > markers[p])
                .count() as i64;
            assert_eq!(
                conv.unread, expected,
                "unread of {} at step {step}",
                conv.peer
            );
            assert_eq!(
                Some(&conv.last),
                all.last(),
                "last of {} at step {step}",
                conv.peer
            );
        }
    }
}
