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

async fn unread(store: &hongyan_store::Store, peer: &str) -> i64 {
    store
        .conversations(ME)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.peer == peer)
        .map_or(0, |c| c.unread)
}

async fn id_of(store: &hongyan_store::Store, m: &hongyan_store::NewMessage) -> i64 {
    store.insert_message(m).await.unwrap().message().id
}

#[tokio::test]
async fn unread_counts_by_arrival_not_by_the_senders_clock() {
    let store = store().await;
    let mut ids = Vec::new();
    for (i, at) in [10, 20, 30, 40].into_iter().enumerate() {
        ids.push(id_of(&store, &incoming(BOB, &format!("in {i}"), at)).await);
    }
    let reply = id_of(&store, &outgoing(BOB, "my reply", 50)).await;
    assert_eq!(
        unread(&store, BOB).await,
        4,
        "outgoing messages are never unread"
    );

    store.mark_read_up_to(ME, BOB, ids[1]).await.unwrap();
    assert_eq!(
        unread(&store, BOB).await,
        2,
        "the marked message and those before it are read"
    );

    // Both arrive after the marker, so both are unread, whatever time their senders claim.
    store
        .insert_message(&incoming(BOB, "new", 60))
        .await
        .unwrap();
    let backdated = id_of(&store, &incoming(BOB, "backdated by its sender", 15)).await;
    assert_eq!(unread(&store, BOB).await, 4);

    // The marker never moves back.
    store.mark_read_up_to(ME, BOB, ids[0]).await.unwrap();
    assert_eq!(unread(&store, BOB).await, 4);

    // Up to my reply: "in 2" and "in 3" arrived before it; "new" and the backdated one after.
    store.mark_read_up_to(ME, BOB, reply).await.unwrap();
    assert_eq!(unread(&store, BOB).await, 2);
    let marker = store.message(reply).await.unwrap().unwrap().seq;
    assert!(store.message(backdated).await.unwrap().unwrap().seq > marker);

    // A message of another conversation, or none, moves nothing.
    let carol = id_of(&store, &incoming(CAROL, "carol", 70)).await;
    store.mark_read_up_to(ME, BOB, carol).await.unwrap();
    store.mark_read_up_to(ME, BOB, carol + 1_000).await.unwrap();
    assert_eq!(unread(&store, BOB).await, 2);
    assert_eq!(unread(&store, CAROL).await, 1);

    store.mark_all_read(ME, BOB).await.unwrap();
    assert_eq!(unread(&store, BOB).await, 0);
    assert_eq!(
        unread(&store, CAROL).await,
        1,
        "other conversations keep their marker"
    );
    store
        .insert_message(&incoming(BOB, "from long ago", 0))
        .await
        .unwrap();
    assert_eq!(unread(&store, BOB).await, 1);

    // Older history fetched from an archive goes below the marker: never unread.
    let mut old = incoming(BOB, "backfill", -50);
    old.backfill = true;
    let old = store.insert_message(&old).await.unwrap().into_message();
    assert!(old.seq <= 0, "{old:?}");
    assert_eq!(unread(&store, BOB).await, 1);
    store.mark_read_up_to(ME, BOB, old.id).await.unwrap();
    assert_eq!(unread(&store, BOB).await, 1);
}

#[tokio::test]
async fn backfill_is_never_unread_and_arrivals_always_are() {
    let store = store().await;
    // Nothing read yet: archive history fetched backwards does not count ...
    let page: Vec<_> = (0..3)
        .map(|i| {
            let mut m = incoming(BOB, &format!("history {i}"), 100 + i);
            m.backfill = true;
            m
        })
        .collect();
    let stored = store.insert_messages(&page).await.unwrap();
    assert_eq!(unread(&store, BOB).await, 0);
    // ... keeps the page's order among itself, below everything ...
    let seqs: Vec<i64> = stored.iter().map(|r| r.message().seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert!(seqs.iter().all(|&s| s <= 0), "{seqs:?}");
    // ... and a second page goes below the first.
    let mut older = incoming(BOB, "older history", 50);
    older.backfill = true;
    let older = store.insert_message(&older).await.unwrap().into_message();
    assert!(older.seq < seqs[0]);
    // Every arrival counts, even one claiming to be older than all of that history.
    store
        .insert_message(&incoming(BOB, "arrived now", 1))
        .await
        .unwrap();
    assert_eq!(unread(&store, BOB).await, 1);
}

#[tokio::test]
async fn marking_read_without_messages_changes_nothing() {
    let store = store().await;
    store.mark_all_read(ME, BOB).await.unwrap();
    store.mark_read_up_to(ME, BOB, 1).await.unwrap();
    assert!(
        store.conversations(ME).await.unwrap().is_empty(),
        "a conversation without messages is not listed"
    );
    store
        .insert_message(&incoming(BOB, "first", 90))
        .await
        .unwrap();
    store
        .insert_message(&incoming(BOB, "second", 110))
        .await
        .unwrap();
    assert_eq!(unread(&store, BOB).await, 2);
    for result in [
        store.mark_read_up_to("nobody@x", BOB, 1).await,
        store.mark_all_read("nobody@x", BOB).await,
    ] {
        assert!(
            matches!(
                result,
                Err(hongyan_store::Error::Db(sqlx::Error::RowNotFound))
            ),
            "{result:?}"
        );
    }
}

/// The kept unread count and last message always agree with the messages themselves,
/// whatever order messages, markers and retractions arrive in.
#[tokio::test]
async fn kept_counts_match_the_messages_in_a_random_scenario() {
    let store = store().await;
    let peers = [BOB, CAROL, DAVE];
    let mut markers = [0_i64; 3];
    let mut rng = Lcg(42);
    for step in 0..500 {
        let p = rng.below(3) as usize;
        let at = rng.below(1_000) as i64;
        match rng.below(12) {
            0 => {
                let all = store.history(ME, peers[p], None, 10_000).await.unwrap();
                if !all.is_empty() {
                    let m = &all[rng.below(all.len() as u64) as usize];
                    store.mark_read_up_to(ME, peers[p], m.id).await.unwrap();
                    markers[p] = markers[p].max(m.seq);
                }
            }
            1 => {
                store.mark_all_read(ME, peers[p]).await.unwrap();
                let all = store.history(ME, peers[p], None, 10_000).await.unwrap();
                let top = all.iter().map(|m| m.seq).max().unwrap_or(0);
                markers[p] = markers[p].max(top);
            }
            2 => {
                let all = store.history(ME, peers[p], None, 10_000).await.unwrap();
                if !all.is_empty() {
                    let m = &all[rng.below(all.len() as u64) as usize];
                    store.retract_message(m.id, at).await.unwrap();
                }
            }
            3..=4 => {
                store
                    .insert_message(&outgoing(peers[p], "out", at))
                    .await
                    .unwrap();
            }
            _ => {
                let mut m = incoming(peers[p], "in", at);
                // Some repeats by stanza-id, which must not count twice.
                m.stanza_id = Some(format!("s{}", rng.below(300)));
                m.backfill = rng.below(5) == 0;
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
                .filter(|m| {
                    m.direction == Direction::Incoming
                        && m.retracted_at.is_none()
                        && m.seq > markers[p]
                })
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
