use hongyan_store::{Direction, Error, Inserted, MessageState, NewMessage};

use crate::{account, incoming, outgoing, store, text, ME};

const BOB: &str = "bob@example.org";

#[tokio::test]
async fn insert_and_read_back() {
    let store = store().await;
    let mut m = incoming(BOB, "hello", 1_000);
    m.origin_id = Some("o-1".into());
    m.stanza_id = Some("s-1".into());
    let inserted = store.insert_message(&m).await.unwrap();
    assert!(inserted.is_new());
    let stored = inserted.message().clone();
    assert!(stored.id > 0);
    assert_eq!(
        (
            stored.account.as_str(),
            stored.peer.as_str(),
            stored.direction
        ),
        (ME, BOB, Direction::Incoming)
    );
    assert_eq!((stored.sent_at, stored.received_at), (1_000, 1_005));
    assert_eq!(stored.origin_id.as_deref(), Some("o-1"));
    assert_eq!(stored.stanza_id.as_deref(), Some("s-1"));
    assert_eq!(
        store.message(stored.id).await.unwrap(),
        Some(stored.clone())
    );
    assert_eq!(store.message(stored.id + 1).await.unwrap(), None);

    let second = store
        .insert_message(&incoming(BOB, "again", 1_000))
        .await
        .unwrap();
    assert!(second.is_new(), "messages without ids are never duplicates");
    assert_ne!(second.message().id, stored.id);
}

#[tokio::test]
async fn chinese_and_emoji_bodies_round_trip() {
    let store = store().await;
    let bodies = [
        "你好，世界！今天吃饭了吗？",
        "繁體中文與简体中文混排 — 𠀀𪚥 (CJK Ext. B)",
        "👩‍👩‍👧‍👦 family, 🇨🇳 flag, 👍🏽 skin tone, ❤️ with VS16",
        "mixed: 鸿雁传书 ✉️ — café, naïve, עברית, العربية",
        "line one\nline two\r\n\ttabbed  and  spaced  ",
        "",
        "' OR 1=1; DROP TABLE message; --",
    ];
    let long = "长".repeat(100_000);
    let mut ids = Vec::new();
    for body in bodies.iter().copied().chain([long.as_str()]) {
        let m = store.insert_message(&incoming(BOB, body, 5)).await.unwrap();
        ids.push((m.message().id, body.to_owned()));
    }
    for (id, body) in &ids {
        assert_eq!(
            store.message(*id).await.unwrap().unwrap().body.as_deref(),
            Some(body.as_str())
        );
    }
    let history = store.history(ME, BOB, None, 100).await.unwrap();
    let got: Vec<&str> = history.iter().map(text).collect();
    let want: Vec<&str> = ids.iter().map(|(_, b)| b.as_str()).collect();
    assert_eq!(got, want);

    // JIDs with non-ASCII local parts work as keys too.
    let peer = "小明@例子.中国";
    let m = store
        .insert_message(&incoming(peer, "🐉", 1))
        .await
        .unwrap();
    assert_eq!(
        store.message(m.message().id).await.unwrap().unwrap().peer,
        peer
    );
    assert_eq!(store.history(ME, peer, None, 5).await.unwrap().len(), 1);
}

#[tokio::test]
async fn duplicate_origin_id_same_direction_is_not_stored() {
    let store = store().await;
    let mut first = outgoing(BOB, "first copy", 10);
    first.origin_id = Some("origin-A".into());
    let first = store.insert_message(&first).await.unwrap().into_message();

    // The same message again (a carbon, an archive copy): different body and times.
    let mut copy = outgoing(BOB, "second copy", 99);
    copy.origin_id = Some("origin-A".into());
    copy.stanza_id = Some("archive-1".into());
    copy.state = MessageState::Sent;
    assert_eq!(
        store.insert_message(&copy).await.unwrap(),
        Inserted::Duplicate(first.clone())
    );

    // Same origin-id but the other direction, peer or account: different messages.
    let mut other_direction = incoming(BOB, "from bob", 11);
    other_direction.origin_id = Some("origin-A".into());
    assert!(store
        .insert_message(&other_direction)
        .await
        .unwrap()
        .is_new());
    let mut other_peer = outgoing("carol@example.org", "to carol", 12);
    other_peer.origin_id = Some("origin-A".into());
    assert!(store.insert_message(&other_peer).await.unwrap().is_new());
    store
        .save_account(&account("two@example.org"))
        .await
        .unwrap();
    let mut other_account = outgoing(BOB, "other account", 13);
    other_account.account = "two@example.org".into();
    other_account.origin_id = Some("origin-A".into());
    assert!(store.insert_message(&other_account).await.unwrap().is_new());

    assert_eq!(store.history(ME, BOB, None, 10).await.unwrap().len(), 2);
}

#[tokio::test]
async fn duplicate_stanza_id_is_not_stored_in_either_direction() {
    let store = store().await;
    let mut first = incoming(BOB, "archived", 10);
    first.stanza_id = Some("sid-1".into());
    let first = store.insert_message(&first).await.unwrap().into_message();

    let mut copy = outgoing(BOB, "whatever", 20);
    copy.stanza_id = Some("sid-1".into());
    copy.origin_id = Some("fresh-origin".into());
    assert_eq!(
        store.insert_message(&copy).await.unwrap(),
        Inserted::Duplicate(first)
    );
    let mut elsewhere = incoming("carol@example.org", "other chat", 10);
    elsewhere.stanza_id = Some("sid-1".into());
    assert!(store.insert_message(&elsewhere).await.unwrap().is_new());
    assert_eq!(store.history(ME, BOB, None, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn batch_keeps_order_and_deduplicates_within_itself() {
    let store = store().await;
    let mut existing = incoming(BOB, "already here", 1);
    existing.stanza_id = Some("s0".into());
    let existing = store
        .insert_message(&existing)
        .await
        .unwrap()
        .into_message();

    let mut batch: Vec<NewMessage> = Vec::new();
    for i in 0..6 {
        let mut m = incoming(
            if i % 2 == 0 { BOB } else { "carol@example.org" },
            "x",
            10 + i,
        );
        m.body = Some(format!("message {i}"));
        m.stanza_id = Some(format!("s{}", i + 1));
        batch.push(m);
    }
    let mut again = batch[2].clone();
    again.body = Some("a repeat of message 2".into());
    batch.push(again);
    let mut old = incoming(BOB, "repeat of the stored one", 0);
    old.stanza_id = Some("s0".into());
    batch.push(old);

    let result = store.insert_messages(&batch).await.unwrap();
    assert_eq!(result.len(), batch.len());
    for (i, r) in result.iter().enumerate().take(6) {
        assert!(r.is_new(), "message {i}");
        assert_eq!(text(r.message()), format!("message {i}"));
        assert_eq!(
            store.message(r.message().id).await.unwrap().as_ref(),
            Some(r.message())
        );
    }
    assert_eq!(result[6], Inserted::Duplicate(result[2].message().clone()));
    assert_eq!(result[7], Inserted::Duplicate(existing));
    assert!(store.insert_messages(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn batch_with_an_unknown_account_stores_nothing() {
    let store = store().await;
    let mut stranger = incoming(BOB, "to an unsaved account", 2);
    stranger.account = "nobody@example.org".into();
    let result = store
        .insert_messages(&[incoming(BOB, "fine", 1), stranger.clone()])
        .await;
    assert!(
        matches!(result, Err(Error::Db(sqlx::Error::RowNotFound))),
        "{result:?}"
    );
    assert!(store.history(ME, BOB, None, 10).await.unwrap().is_empty());
    assert!(matches!(
        store.insert_message(&stranger).await,
        Err(Error::Db(sqlx::Error::RowNotFound))
    ));
}

#[tokio::test]
async fn state_updates_by_id() {
    let store = store().await;
    let m = store
        .insert_message(&outgoing(BOB, "hi", 1))
        .await
        .unwrap()
        .into_message();
    assert_eq!(m.state, MessageState::Pending);

    let sent = store
        .update_state(m.id, MessageState::Sent, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((sent.state, &sent.error), (MessageState::Sent, &None));
    let failed = store
        .update_state(m.id, MessageState::Failed, Some("service-unavailable"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.state, MessageState::Failed);
    assert_eq!(failed.error.as_deref(), Some("service-unavailable"));
    assert_eq!((failed.id, &failed.body), (m.id, &m.body));
    assert_eq!(store.message(m.id).await.unwrap(), Some(failed));
    assert_eq!(
        store
            .update_state(m.id + 100, MessageState::Sent, None)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn state_updates_by_origin_id_touch_only_our_outgoing_message() {
    let store = store().await;
    let mut mine = outgoing(BOB, "mine", 1);
    mine.origin_id = Some("oid".into());
    let mine = store.insert_message(&mine).await.unwrap().into_message();
    let mut theirs = incoming(BOB, "theirs, same origin-id", 2);
    theirs.origin_id = Some("oid".into());
    let theirs = store.insert_message(&theirs).await.unwrap().into_message();
    let mut elsewhere = outgoing("carol@example.org", "to carol", 3);
    elsewhere.origin_id = Some("oid".into());
    let elsewhere = store
        .insert_message(&elsewhere)
        .await
        .unwrap()
        .into_message();

    let updated = store
        .update_state_by_origin_id(ME, BOB, "oid", MessageState::Delivered, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.id, mine.id);
    assert_eq!(updated.state, MessageState::Delivered);
    assert_eq!(store.message(mine.id).await.unwrap(), Some(updated));
    assert_eq!(store.message(theirs.id).await.unwrap(), Some(theirs));
    assert_eq!(store.message(elsewhere.id).await.unwrap(), Some(elsewhere));

    for (account, peer, oid) in [
        (ME, BOB, "nope"),
        (ME, "dave@x", "oid"),
        ("x@y", BOB, "oid"),
    ] {
        assert_eq!(
            store
                .update_state_by_origin_id(account, peer, oid, MessageState::Sent, None)
                .await
                .unwrap(),
            None
        );
    }
}

#[tokio::test]
async fn stanza_id_set_later_deduplicates_archive_copies() {
    let store = store().await;
    let m = store
        .insert_message(&outgoing(BOB, "no origin-id", 1))
        .await
        .unwrap()
        .into_message();
    store.set_stanza_id(m.id, "archive-7").await.unwrap();
    let stored = store.message(m.id).await.unwrap().unwrap();
    assert_eq!(stored.stanza_id.as_deref(), Some("archive-7"));

    let mut archived = outgoing(BOB, "no origin-id", 1);
    archived.stanza_id = Some("archive-7".into());
    assert_eq!(
        store.insert_message(&archived).await.unwrap(),
        Inserted::Duplicate(stored.clone())
    );

    // Another row of the conversation cannot take the same stanza-id.
    let other = store
        .insert_message(&outgoing(BOB, "other", 2))
        .await
        .unwrap()
        .into_message();
    store.set_stanza_id(other.id, "archive-7").await.unwrap();
    assert_eq!(
        store.message(other.id).await.unwrap().unwrap().stanza_id,
        None
    );
    assert_eq!(store.message(m.id).await.unwrap(), Some(stored));
}

#[tokio::test]
async fn pending_messages_are_outgoing_pending_oldest_first() {
    let store = store().await;
    store
        .save_account(&account("two@example.org"))
        .await
        .unwrap();
    let later = store
        .insert_message(&outgoing(BOB, "later", 30))
        .await
        .unwrap()
        .into_message();
    let earlier = store
        .insert_message(&outgoing("carol@example.org", "earlier", 10))
        .await
        .unwrap()
        .into_message();
    let tie = store
        .insert_message(&outgoing(BOB, "tie", 30))
        .await
        .unwrap()
        .into_message();
    let sent = store
        .insert_message(&outgoing(BOB, "sent", 5))
        .await
        .unwrap()
        .into_message();
    store
        .update_state(sent.id, MessageState::Sent, None)
        .await
        .unwrap();
    let mut incoming_pending = incoming(BOB, "incoming", 1);
    incoming_pending.state = MessageState::Pending;
    store.insert_message(&incoming_pending).await.unwrap();
    let mut other_account = outgoing(BOB, "other account", 1);
    other_account.account = "two@example.org".into();
    store.insert_message(&other_account).await.unwrap();

    assert_eq!(
        store.pending_messages(ME).await.unwrap(),
        vec![earlier, later, tie.clone()]
    );
    store
        .update_state(tie.id, MessageState::Failed, Some("timeout"))
        .await
        .unwrap();
    assert_eq!(store.pending_messages(ME).await.unwrap().len(), 2);
    assert_eq!(
        store
            .pending_messages("two@example.org")
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store.pending_messages("nobody@x").await.unwrap().is_empty());
}

/// A batch of several chunks, with messages without ids, duplicates of stored messages and
/// of earlier batch messages on both sides of chunk boundaries, and a chunk of nothing but
/// duplicates, must give exactly what storing the messages one by one gives.
#[tokio::test]
async fn large_batch_matches_storing_one_by_one() {
    const CAROL: &str = "carol@example.org";
    const DAVE: &str = "dave@example.org";
    // Two stores with the same history: one takes the batch at once, one message by message.
    let (batched, single) = (store().await, store().await);
    let mut old_out = outgoing(BOB, "stored, origin-id", 1);
    old_out.origin_id = Some("o-old".into());
    let mut old_archived = incoming(CAROL, "stored, stanza-id", 2);
    old_archived.stanza_id = Some("s-old".into());
    let mut stored = Vec::new();
    for s in [&batched, &single] {
        stored = vec![
            s.insert_message(&old_out).await.unwrap().into_message(),
            s.insert_message(&old_archived)
                .await
                .unwrap()
                .into_message(),
        ];
    }

    let peers = [BOB, CAROL, DAVE];
    let mut batch: Vec<NewMessage> = (0..700_usize)
        .map(|i| {
            let (peer, at) = (peers[i % 3], 100 + i as i64);
            let mut m = if i % 2 == 0 {
                incoming(peer, "", at)
            } else {
                outgoing(peer, "", at)
            };
            m.body = Some(format!("message {i}"));
            match i % 4 {
                0 => {}
                1 => m.origin_id = Some(format!("o{i}")),
                2 => m.stanza_id = Some(format!("s{i}")),
                _ => {
                    m.origin_id = Some(format!("o{i}"));
                    m.stanza_id = Some(format!("s{i}"));
                }
            }
            m
        })
        .collect();
    let repeat = |m: &NewMessage| NewMessage {
        body: Some(format!(
            "repeat of {}",
            m.body.as_deref().unwrap_or_default()
        )),
        sent_at: m.sent_at + 1_000,
        ..m.clone()
    };
    // Chunks are 256, 256, 128, 32, 16, 8 and 4 messages: boundaries at 256, 512, 640, ...
    batch[255] = repeat(&batch[9]);
    batch[256] = repeat(&batch[11]);
    batch[257] = repeat(&old_out);
    batch[258] = NewMessage {
        direction: Direction::Outgoing,
        ..repeat(&old_archived)
    };
    batch[300] = incoming(DAVE, "no ids, twice", 5);
    batch[301] = incoming(DAVE, "no ids, twice", 5);
    batch[512] = repeat(&batch[511]);
    batch[600] = repeat(&batch[599]);
    // A duplicate of a stored message by stanza-id whose origin-id a later message of the
    // same chunk then stores: the duplicate is the stored copy, not that later message.
    batch[620] = NewMessage {
        origin_id: Some("o-later".into()),
        ..repeat(&old_archived)
    };
    batch[621] = NewMessage {
        origin_id: Some("o-later".into()),
        ..incoming(CAROL, "takes the origin-id", 7)
    };
    // The last chunk stores nothing.
    for (i, of) in [(696, 3), (697, 257), (698, 639), (699, 686)] {
        batch[i] = repeat(&batch[of]);
    }

    let got = batched.insert_messages(&batch).await.unwrap();
    let mut want = Vec::new();
    for m in &batch {
        want.push(single.insert_message(m).await.unwrap());
    }
    assert_eq!(got, want);

    for (i, r) in got.iter().enumerate() {
        if r.is_new() {
            assert_eq!(r.message().body, batch[i].body, "message {i}");
            assert_eq!(
                batched.message(r.message().id).await.unwrap().as_ref(),
                Some(r.message()),
                "message {i}"
            );
        }
    }
    let duplicates: Vec<(usize, &Inserted)> = got
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.is_new())
        .collect();
    assert_eq!(
        duplicates.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        [255, 256, 257, 258, 512, 600, 620, 696, 697, 698, 699]
    );
    for (i, of) in [
        (255, 9),
        (256, 11),
        (512, 511),
        (600, 599),
        (696, 3),
        (698, 639),
        (699, 686),
    ] {
        assert_eq!(
            got[i],
            Inserted::Duplicate(got[of].message().clone()),
            "message {i}"
        );
    }
    for i in [257, 697] {
        assert_eq!(
            got[i],
            Inserted::Duplicate(stored[0].clone()),
            "message {i}"
        );
    }
    for i in [258, 620] {
        assert_eq!(
            got[i],
            Inserted::Duplicate(stored[1].clone()),
            "message {i}"
        );
    }
    assert!(got[621].is_new() && got[300].is_new() && got[301].is_new());
    assert_ne!(got[300].message().id, got[301].message().id);
}

/// A batch sends its JIDs to SQLite as JSON to find their conversations; a peer with an
/// escaped NUL (which older SQLite versions cut there) must still get its own conversation,
/// not that of its prefix.
#[tokio::test]
async fn batch_peer_with_a_nul_gets_its_own_conversation() {
    let store = store().await;
    store
        .insert_message(&incoming(BOB, "to bob", 1))
        .await
        .unwrap();
    let odd = format!("{BOB}\u{0}x");
    let result = store
        .insert_messages(&[
            incoming(&odd, "to the odd peer", 2),
            incoming(BOB, "bob again", 3),
        ])
        .await
        .unwrap();
    assert!(result.iter().all(Inserted::is_new));
    let bodies = |history: Vec<hongyan_store::Message>| -> Vec<String> {
        history
            .into_iter()
            .map(|m| m.body.unwrap_or_default())
            .collect()
    };
    assert_eq!(
        bodies(store.history(ME, &odd, None, 10).await.unwrap()),
        ["to the odd peer"]
    );
    assert_eq!(
        bodies(store.history(ME, BOB, None, 10).await.unwrap()),
        ["to bob", "bob again"]
    );
}
