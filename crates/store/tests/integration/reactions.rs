//! XEP-0444: a sender's new set replaces their previous one.

use hongyan_store::{Error, Reaction};

use crate::{incoming, store, ME};

const BOB: &str = "bob@example.org";

fn reaction(sender: &str, emojis: &[&str], updated_at: i64) -> Reaction {
    Reaction {
        sender: sender.into(),
        emojis: emojis.iter().map(|e| e.to_string()).collect(),
        updated_at,
    }
}

#[tokio::test]
async fn a_new_set_replaces_the_senders_previous_one() {
    let store = store().await;
    let m = store
        .insert_message(&incoming(BOB, "lunch?", 1))
        .await
        .unwrap()
        .into_message();
    let other = store
        .insert_message(&incoming(BOB, "other", 2))
        .await
        .unwrap()
        .into_message();
    assert!(store.reactions(m.id).await.unwrap().is_empty());

    assert!(store
        .set_reactions(m.id, BOB, &["👍", "🍜"], 10)
        .await
        .unwrap());
    assert!(store.set_reactions(m.id, ME, &["❤️"], 11).await.unwrap());
    assert!(store
        .set_reactions(other.id, ME, &["🎉"], 11)
        .await
        .unwrap());
    assert_eq!(
        store.reactions(m.id).await.unwrap(),
        [reaction(BOB, &["👍", "🍜"], 10), reaction(ME, &["❤️"], 11)]
    );

    // Bob changes his mind: his set is now exactly the new one; mine stays.
    assert!(store
        .set_reactions(
            m.id,
            BOB,
            &["🍣".to_string(), "🍣".to_string(), String::new()],
            20
        )
        .await
        .unwrap());
    assert_eq!(
        store.reactions(m.id).await.unwrap(),
        [reaction(ME, &["❤️"], 11), reaction(BOB, &["🍣"], 20)]
    );

    // An older set replayed by an archive sync does not bring his old reactions back.
    assert!(!store.set_reactions(m.id, BOB, &["👍"], 15).await.unwrap());
    // Removing all of mine; a replay of my older set stays removed too.
    assert!(store
        .set_reactions::<&str>(m.id, ME, &[], 30)
        .await
        .unwrap());
    assert!(!store.set_reactions(m.id, ME, &["❤️"], 11).await.unwrap());
    assert_eq!(
        store.reactions(m.id).await.unwrap(),
        [reaction(BOB, &["🍣"], 20)]
    );
    assert_eq!(
        store.reactions(other.id).await.unwrap(),
        [reaction(ME, &["🎉"], 11)]
    );

    assert!(matches!(
        store.set_reactions(m.id + 1_000, BOB, &["👍"], 1).await,
        Err(Error::Db(sqlx::Error::RowNotFound))
    ));
}
