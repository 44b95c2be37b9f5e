//! Corrections keep every version in order; retractions leave a tombstone and nothing else.

use hongyan_store::{MessageVersion, NewAttachment};

use crate::{incoming, outgoing, store, text, ME};

const BOB: &str = "bob@example.org";

fn version(body: &str, at: i64) -> MessageVersion {
    MessageVersion {
        body: body.into(),
        at,
    }
}

#[tokio::test]
async fn corrections_replace_the_text_and_keep_earlier_versions() {
    let store = store().await;
    let m = store
        .insert_message(&incoming(BOB, "helo", 100))
        .await
        .unwrap()
        .into_message();
    let first = store
        .edit_message(m.id, "hello", 200)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((text(&first), first.edited_at), ("hello", Some(200)));
    assert_eq!(
        (first.sent_at, first.seq),
        (m.sent_at, m.seq),
        "it keeps its place"
    );
    let second = store
        .edit_message(m.id, "hello!", 300)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.message(m.id).await.unwrap(), Some(second.clone()));
    assert_eq!(text(&second), "hello!");
    assert_eq!(
        store.edit_history(m.id).await.unwrap(),
        [version("helo", 100), version("hello", 200)]
    );
    // The conversation shows the corrected text too.
    assert_eq!(store.conversations(ME).await.unwrap()[0].last, second);
}

/// An archive sync can bring corrections after a newer one was applied live, and replay
/// ones already applied: the newest still wins, and every version appears once, in order.
#[tokio::test]
async fn corrections_in_any_order_give_the_same_versions() {
    let store = store().await;
    let m = store
        .insert_message(&incoming(BOB, "v0", 10))
        .await
        .unwrap()
        .into_message();
    for (body, at) in [("v3", 40), ("v1", 20), ("v3", 40), ("v2", 30), ("v1", 20)] {
        store.edit_message(m.id, body, at).await.unwrap().unwrap();
    }
    let now = store.message(m.id).await.unwrap().unwrap();
    assert_eq!((text(&now), now.edited_at), ("v3", Some(40)));
    assert_eq!(
        store.edit_history(m.id).await.unwrap(),
        [version("v0", 10), version("v1", 20), version("v2", 30)]
    );
    assert_eq!(
        store.edit_message(m.id + 1_000, "x", 1).await.unwrap(),
        None
    );
    assert!(store.edit_history(m.id + 1_000).await.unwrap().is_empty());
}

#[tokio::test]
async fn retraction_leaves_a_tombstone_in_place() {
    let store = store().await;
    let before = store
        .insert_message(&incoming(BOB, "before", 1))
        .await
        .unwrap()
        .into_message();
    let mut m = incoming(BOB, "oops, wrong chat", 2);
    m.remote_id = Some("r-1".into());
    m.origin_id = Some("o-1".into());
    let m = store.insert_message(&m).await.unwrap().into_message();
    let after = store
        .insert_message(&outgoing(BOB, "after", 3))
        .await
        .unwrap()
        .into_message();
    store
        .edit_message(m.id, "oops, still wrong", 5)
        .await
        .unwrap();
    store.set_reactions(m.id, ME, &["😂"], 6).await.unwrap();
    let file = store
        .add_attachment(
            m.id,
            &NewAttachment {
                local_path: Some("/data/files/1".into()),
                ..NewAttachment::offered("https://upload.example.org/secret.png")
            },
        )
        .await
        .unwrap();
    assert_eq!(store.conversations(ME).await.unwrap()[0].unread, 2);

    let gone = store.retract_message(m.id, 9).await.unwrap().unwrap();
    assert_eq!(gone.attachments, vec![file]);
    let tomb = gone.message;
    assert_eq!((tomb.body.as_deref(), tomb.retracted_at), (None, Some(9)));
    assert_eq!(
        (
            tomb.id,
            tomb.seq,
            tomb.sent_at,
            &tomb.remote_id,
            &tomb.origin_id
        ),
        (m.id, m.seq, m.sent_at, &m.remote_id, &m.origin_id)
    );
    assert_eq!(store.message(m.id).await.unwrap(), Some(tomb.clone()));
    assert!(store.edit_history(m.id).await.unwrap().is_empty());
    assert!(store.reactions(m.id).await.unwrap().is_empty());
    assert!(store.attachments(m.id).await.unwrap().is_empty());
    assert_eq!(
        store.history(ME, BOB, None, 10).await.unwrap(),
        vec![before, tomb.clone(), after]
    );
    assert_eq!(
        store.conversations(ME).await.unwrap()[0].unread,
        1,
        "a retracted message is not waiting to be read"
    );

    // Nothing more happens to a tombstone.
    assert_eq!(store.retract_message(m.id, 10).await.unwrap(), None);
    assert_eq!(
        store
            .edit_message(m.id, "back from the dead", 11)
            .await
            .unwrap(),
        None
    );
    assert!(!store.set_reactions(m.id, ME, &["👍"], 12).await.unwrap());
    assert!(matches!(
        store
            .add_attachment(m.id, &NewAttachment::offered("https://x/y"))
            .await,
        Err(hongyan_store::Error::Db(sqlx::Error::RowNotFound))
    ));
    assert_eq!(store.message(m.id).await.unwrap(), Some(tomb));
    assert_eq!(store.retract_message(m.id + 1_000, 1).await.unwrap(), None);

    // A duplicate of the retracted message is still recognised as one.
    let mut copy = incoming(BOB, "oops, wrong chat", 2);
    copy.origin_id = Some("o-1".into());
    assert!(!store.insert_message(&copy).await.unwrap().is_new());
}
