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
    store.mark_read(ME, "bob@example.org", 15).await.unwrap();
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
