use hongyan_store::{Error, RosterItem, Subscription};

use crate::{store, ME};

fn item(jid: &str, name: Option<&str>, groups: &[&str], subscription: Subscription) -> RosterItem {
    RosterItem {
        jid: jid.into(),
        name: name.map(Into::into),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        subscription,
        ask_pending: false,
    }
}

#[tokio::test]
async fn replace_sets_items_sorted_by_jid_and_version() {
    let store = store().await;
    assert_eq!(store.roster(ME).await.unwrap(), (None, vec![]));

    let carol = item("carol@example.org", None, &[], Subscription::To);
    let alice = item(
        "alice@example.org",
        Some("爱丽丝 🌸"),
        &["家人", "Work, \"quoted\"", ""],
        Subscription::Both,
    );
    let mut bob = item(
        "bob@example.org",
        Some("Bob"),
        &["Work"],
        Subscription::None,
    );
    bob.ask_pending = true;
    store
        .replace_roster(
            ME,
            Some("ver-1"),
            &[carol.clone(), alice.clone(), bob.clone()],
        )
        .await
        .unwrap();
    assert_eq!(
        store.roster(ME).await.unwrap(),
        (
            Some("ver-1".into()),
            vec![alice.clone(), bob.clone(), carol.clone()]
        )
    );

    // A second full roster replaces the first: items not in it are gone.
    let dave = item("dave@example.org", None, &[], Subscription::From);
    store
        .replace_roster(ME, Some("ver-2"), &[dave.clone(), bob.clone()])
        .await
        .unwrap();
    assert_eq!(
        store.roster(ME).await.unwrap(),
        (Some("ver-2".into()), vec![bob, dave])
    );

    // A server without roster versioning: the version is cleared.
    store.replace_roster(ME, None, &[]).await.unwrap();
    assert_eq!(store.roster(ME).await.unwrap(), (None, vec![]));
}

#[tokio::test]
async fn pushes_upsert_and_remove_with_their_version() {
    let store = store().await;
    let alice = item("alice@example.org", None, &[], Subscription::None);
    store
        .replace_roster(ME, Some("1"), std::slice::from_ref(&alice))
        .await
        .unwrap();

    let bob = item("bob@example.org", Some("Bob"), &["A"], Subscription::To);
    store.upsert_roster_item(ME, Some("2"), &bob).await.unwrap();
    assert_eq!(
        store.roster(ME).await.unwrap(),
        (Some("2".into()), vec![alice.clone(), bob.clone()])
    );

    let renamed = item(
        "alice@example.org",
        Some("Alice"),
        &["B", "C"],
        Subscription::Both,
    );
    store
        .upsert_roster_item(ME, Some("3"), &renamed)
        .await
        .unwrap();
    assert_eq!(
        store.roster(ME).await.unwrap(),
        (Some("3".into()), vec![renamed.clone(), bob.clone()])
    );

    store
        .remove_roster_item(ME, Some("4"), "bob@example.org")
        .await
        .unwrap();
    assert_eq!(
        store.roster(ME).await.unwrap(),
        (Some("4".into()), vec![renamed.clone()])
    );

    // Removing an item that is not there still records the version.
    store
        .remove_roster_item(ME, Some("5"), "nobody@example.org")
        .await
        .unwrap();
    assert_eq!(
        store.roster(ME).await.unwrap(),
        (Some("5".into()), vec![renamed])
    );
}

#[tokio::test]
async fn rosters_are_per_account() {
    let store = store().await;
    store
        .save_account(&crate::account("two@example.org"))
        .await
        .unwrap();
    let alice = item("alice@example.org", Some("A"), &[], Subscription::Both);
    store
        .replace_roster(ME, Some("m"), std::slice::from_ref(&alice))
        .await
        .unwrap();
    assert_eq!(
        store.roster("two@example.org").await.unwrap(),
        (None, vec![])
    );
    store
        .replace_roster("two@example.org", Some("t"), &[])
        .await
        .unwrap();
    assert_eq!(
        store.roster(ME).await.unwrap(),
        (Some("m".into()), vec![alice])
    );
}

#[tokio::test]
async fn unknown_account_is_refused() {
    let store = store().await;
    let alice = item("alice@example.org", None, &[], Subscription::None);
    for result in [
        store
            .replace_roster("nobody@x", Some("1"), std::slice::from_ref(&alice))
            .await,
        store
            .upsert_roster_item("nobody@x", Some("1"), &alice)
            .await,
        store
            .remove_roster_item("nobody@x", Some("1"), &alice.jid)
            .await,
    ] {
        assert!(
            matches!(result, Err(Error::Db(sqlx::Error::RowNotFound))),
            "{result:?}"
        );
    }
    assert_eq!(store.roster("nobody@x").await.unwrap(), (None, vec![]));
}
