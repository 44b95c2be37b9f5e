use hongyan_store::{Error, HistoryCursor, RosterItem, Subscription};

use crate::{account, incoming, outgoing, store, ME};

#[tokio::test]
async fn save_and_read_back() {
    let store = store().await;
    assert_eq!(store.account(ME).await.unwrap(), Some(account(ME)));
    assert_eq!(store.account("nobody@example.org").await.unwrap(), None);

    let full = hongyan_store::Account {
        jid: "full@example.org".into(),
        host: Some("xmpp.example.org".into()),
        port: Some(65_535),
        pinned_cert_sha256: Some("ab".repeat(32)),
        resource: "笔记本".into(),
        auto_connect: false,
        created_at: -5,
        last_login_at: Some(i64::MAX),
    };
    store.save_account(&full).await.unwrap();
    assert_eq!(store.account(&full.jid).await.unwrap(), Some(full));
}

#[tokio::test]
async fn save_is_an_upsert_by_jid() {
    let store = store().await;
    let mut changed = account(ME);
    changed.host = Some("127.0.0.1".into());
    changed.port = Some(5222);
    changed.auto_connect = false;
    changed.resource = "laptop".into();
    changed.last_login_at = Some(42);
    store.save_account(&changed).await.unwrap();
    assert_eq!(store.account(ME).await.unwrap(), Some(changed.clone()));
    assert_eq!(store.accounts().await.unwrap(), vec![changed.clone()]);

    // Clearing optional fields works too.
    let cleared = account(ME);
    store.save_account(&cleared).await.unwrap();
    assert_eq!(store.accounts().await.unwrap(), vec![cleared]);
}

#[tokio::test]
async fn list_order_is_last_login_desc_nulls_last_then_jid() {
    let store = hongyan_store::Store::open_memory().await.unwrap();
    for jid in ["d@x", "b@x", "c@x", "a@x", "e@x"] {
        store.save_account(&account(jid)).await.unwrap();
    }
    store.touch_login("c@x", 100).await.unwrap();
    store.touch_login("e@x", 300).await.unwrap();
    store.touch_login("d@x", 100).await.unwrap();
    store.touch_login("unknown@x", 500).await.unwrap();
    let order: Vec<String> = store
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.jid)
        .collect();
    assert_eq!(order, ["e@x", "c@x", "d@x", "a@x", "b@x"]);
    assert_eq!(
        store.account("e@x").await.unwrap().unwrap().last_login_at,
        Some(300)
    );
    assert_eq!(store.account("unknown@x").await.unwrap(), None);
}

#[tokio::test]
async fn pinned_certificate_must_be_lowercase_hex_sha256() {
    let store = store().await;
    for bad in [
        "AB".repeat(32),
        "ab:".repeat(21) + "a",
        "ab".repeat(31),
        "zz".repeat(32),
    ] {
        let mut a = account("pin@example.org");
        a.pinned_cert_sha256 = Some(bad.clone());
        assert!(
            matches!(store.save_account(&a).await, Err(Error::Db(_))),
            "accepted {bad}"
        );
    }
    assert_eq!(store.account("pin@example.org").await.unwrap(), None);
}

#[tokio::test]
async fn delete_removes_roster_messages_and_markers() {
    let store = store().await;
    let other = "other@example.org";
    store.save_account(&account(other)).await.unwrap();

    let item = RosterItem {
        jid: "bob@example.org".into(),
        name: Some("Bob".into()),
        groups: vec!["Friends".into()],
        subscription: Subscription::Both,
        ask_pending: false,
    };
    for acc in [ME, other] {
        store
            .replace_roster(acc, Some("v1"), std::slice::from_ref(&item))
            .await
            .unwrap();
        let mut m = incoming("bob@example.org", "hi", 10);
        m.account = acc.into();
        m.origin_id = Some("same-origin".into());
        store.insert_message(&m).await.unwrap();
        let mut o = outgoing("bob@example.org", "pending", 20);
        o.account = acc.into();
        store.insert_message(&o).await.unwrap();
    }
    store.mark_all_read(ME, "bob@example.org").await.unwrap();
    let mine = store
        .history(ME, "bob@example.org", None, 10)
        .await
        .unwrap();
    assert_eq!(mine.len(), 2);

    store.delete_account(ME).await.unwrap();
    assert_eq!(store.account(ME).await.unwrap(), None);
    assert_eq!(store.roster(ME).await.unwrap(), (None, vec![]));
    for m in &mine {
        assert_eq!(store.message(m.id).await.unwrap(), None);
    }
    assert!(store
        .history(ME, "bob@example.org", None, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store.conversations(ME).await.unwrap().is_empty());
    assert!(store.pending_messages(ME).await.unwrap().is_empty());

    // Saving the account again starts from nothing: no conversation, no marker left behind.
    store.save_account(&account(ME)).await.unwrap();
    let mut again = incoming("bob@example.org", "hi again", 10);
    again.origin_id = Some("same-origin".into());
    assert!(store.insert_message(&again).await.unwrap().is_new());
    let convs = store.conversations(ME).await.unwrap();
    assert_eq!(convs.len(), 1);
    assert_eq!(
        convs[0].unread, 1,
        "the old read marker survived the delete"
    );
    assert_eq!(convs[0].name, None, "the old roster survived the delete");

    // The other account is untouched.
    assert_eq!(
        store.roster(other).await.unwrap(),
        (Some("v1".into()), vec![item])
    );
    let theirs = store
        .history(other, "bob@example.org", None, 10)
        .await
        .unwrap();
    assert_eq!(theirs.len(), 2);
    assert_eq!(store.pending_messages(other).await.unwrap().len(), 1);
    assert!(store
        .history(
            other,
            "bob@example.org",
            Some(HistoryCursor::from(&theirs[0])),
            10
        )
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn delete_unknown_account_is_a_no_op() {
    let store = store().await;
    store.delete_account("nobody@example.org").await.unwrap();
    assert_eq!(store.accounts().await.unwrap().len(), 1);
}

#[tokio::test]
async fn forget_keeping_history_hides_the_account_until_it_is_saved_again() {
    let store = store().await;
    let bob = "bob@example.org";
    let other = "other@example.org";
    store.save_account(&account(other)).await.unwrap();
    let pinned = hongyan_store::Account {
        host: Some("xmpp.example.org".into()),
        port: Some(5222),
        pinned_cert_sha256: Some("cd".repeat(32)),
        last_login_at: Some(7),
        ..account(ME)
    };
    store.save_account(&pinned).await.unwrap();
    let item = RosterItem {
        jid: bob.into(),
        name: Some("Bob".into()),
        groups: vec![],
        subscription: Subscription::Both,
        ask_pending: false,
    };
    store
        .replace_roster(ME, Some("v1"), std::slice::from_ref(&item))
        .await
        .unwrap();
    store
        .set_own_presence(ME, "dnd", Some("开会中"))
        .await
        .unwrap();
    let read = store
        .insert_message(&incoming(bob, "read", 10))
        .await
        .unwrap()
        .into_message();
    store.mark_read_up_to(ME, bob, read.id).await.unwrap();
    let unread = store
        .insert_message(&incoming(bob, "unread", 20))
        .await
        .unwrap()
        .into_message();
    let mut waiting = outgoing(bob, "not sent yet", 30);
    waiting.origin_id = Some("o-wait".into());
    let waiting = store.insert_message(&waiting).await.unwrap().into_message();
    store
        .advance_archive_sync(
            ME,
            ME,
            &hongyan_store::ArchivePage {
                oldest: Some(hongyan_store::ArchivePosition {
                    stanza_id: "a1".into(),
                    at: 10,
                }),
                newest: Some(hongyan_store::ArchivePosition {
                    stanza_id: "a2".into(),
                    at: 20,
                }),
                reached_start: true,
            },
        )
        .await
        .unwrap();

    store.forget_account(ME, true).await.unwrap();
    assert_eq!(store.account(ME).await.unwrap(), None);
    assert_eq!(store.accounts().await.unwrap(), vec![account(other)]);
    assert_eq!(store.roster(ME).await.unwrap(), (None, vec![]));
    assert_eq!(store.own_presence(ME).await.unwrap(), None);
    // Nothing can be written for it while it is forgotten.
    for result in [
        store
            .insert_message(&incoming(bob, "while away", 40))
            .await
            .map(|_| ()),
        store.replace_roster(ME, None, &[]).await,
        store.set_own_presence(ME, "online", None).await,
        store.mark_all_read(ME, bob).await,
    ] {
        assert!(
            matches!(result, Err(Error::Db(sqlx::Error::RowNotFound))),
            "{result:?}"
        );
    }
    store.touch_login(ME, 99).await.unwrap();
    // Its history stays, readable by JID; a pending message did not wait to go out.
    let history = store.history(ME, bob, None, 10).await.unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[0], read);
    assert_eq!(history[1], unread);
    assert_eq!(history[2].state, hongyan_store::MessageState::Failed);
    assert!(history[2].error.is_some());
    assert!(store.pending_messages(ME).await.unwrap().is_empty());

    // Signing in to the same address again brings it back with that history.
    let back = account(ME);
    store.save_account(&back).await.unwrap();
    assert_eq!(store.account(ME).await.unwrap(), Some(back.clone()));
    let mut listed = store.accounts().await.unwrap();
    listed.sort_by(|a, b| a.jid.cmp(&b.jid));
    assert_eq!(listed, vec![back, account(other)]);
    let convs = store.conversations(ME).await.unwrap();
    assert_eq!(convs.len(), 1);
    assert_eq!(convs[0].unread, 1, "the read marker came back too");
    assert_eq!(convs[0].last.id, waiting.id);
    assert_eq!(convs[0].name, None, "the roster cache was cleared");
    assert_eq!(store.history(ME, bob, None, 10).await.unwrap(), history);
    let sync = store.archive_sync(ME, ME).await.unwrap().unwrap();
    assert_eq!(sync.newest.unwrap().stanza_id, "a2");
    assert!(sync.complete);
    // The pinned certificate and server settings are gone: the user sets them again.
    let saved = store.account(ME).await.unwrap().unwrap();
    assert_eq!(
        (saved.pinned_cert_sha256, saved.host, saved.port),
        (None, None, None)
    );
    // New messages go into the same conversation.
    assert!(store
        .insert_message(&incoming(bob, "welcome back", 50))
        .await
        .unwrap()
        .is_new());
    assert_eq!(store.conversations(ME).await.unwrap()[0].unread, 2);

    // The other account never noticed.
    assert_eq!(store.account(other).await.unwrap(), Some(account(other)));
}

#[tokio::test]
async fn forget_without_history_removes_everything() {
    let store = store().await;
    let bob = "bob@example.org";
    let m = store
        .insert_message(&incoming(bob, "hi", 1))
        .await
        .unwrap()
        .into_message();
    store.set_own_presence(ME, "away", None).await.unwrap();
    store.forget_account(ME, false).await.unwrap();
    assert_eq!(store.message(m.id).await.unwrap(), None);
    store.save_account(&account(ME)).await.unwrap();
    assert!(store.conversations(ME).await.unwrap().is_empty());
    assert_eq!(store.own_presence(ME).await.unwrap(), None);

    // A forgotten account's kept history can be removed later.
    let m = store
        .insert_message(&incoming(bob, "second life", 2))
        .await
        .unwrap()
        .into_message();
    store.forget_account(ME, true).await.unwrap();
    assert!(store.message(m.id).await.unwrap().is_some());
    store.forget_account(ME, false).await.unwrap();
    assert_eq!(store.message(m.id).await.unwrap(), None);
    store.save_account(&account(ME)).await.unwrap();
    assert!(store.history(ME, bob, None, 10).await.unwrap().is_empty());

    store
        .forget_account("nobody@example.org", true)
        .await
        .unwrap();
    store
        .forget_account("nobody@example.org", false)
        .await
        .unwrap();
}

#[tokio::test]
async fn own_presence_is_kept_per_account_and_validated() {
    let store = store().await;
    let other = "other@example.org";
    store.save_account(&account(other)).await.unwrap();
    assert_eq!(store.own_presence(ME).await.unwrap(), None);
    for show in hongyan_store::OWN_PRESENCE_SHOWS {
        store
            .set_own_presence(ME, show, Some("状态 ✨"))
            .await
            .unwrap();
        assert_eq!(
            store.own_presence(ME).await.unwrap(),
            Some((show.to_owned(), Some("状态 ✨".to_owned())))
        );
    }
    store.set_own_presence(ME, "xa", None).await.unwrap();
    store
        .set_own_presence(other, "chat", Some("free"))
        .await
        .unwrap();
    for bad in ["", "Away", "busy", "unavailable", " dnd"] {
        assert!(
            matches!(
                store.set_own_presence(ME, bad, None).await,
                Err(Error::Invalid(_))
            ),
            "accepted {bad:?}"
        );
    }
    assert_eq!(
        store.own_presence(ME).await.unwrap(),
        Some(("xa".to_owned(), None))
    );
    assert_eq!(
        store.own_presence(other).await.unwrap(),
        Some(("chat".to_owned(), Some("free".to_owned())))
    );
    // Saving the account again (a new login) keeps the choice.
    store.save_account(&account(ME)).await.unwrap();
    assert_eq!(
        store.own_presence(ME).await.unwrap(),
        Some(("xa".to_owned(), None))
    );
    assert!(matches!(
        store.set_own_presence("nobody@x", "online", None).await,
        Err(Error::Db(sqlx::Error::RowNotFound))
    ));
    assert_eq!(store.own_presence("nobody@x").await.unwrap(), None);
}
