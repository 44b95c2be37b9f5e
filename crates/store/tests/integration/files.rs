//! Attachments: what was offered, and where our copy is.

use hongyan_store::{AttachmentState, Error, NewAttachment};

use crate::{account, incoming, outgoing, store, ME};

const BOB: &str = "bob@example.org";

#[tokio::test]
async fn attachments_are_stored_updated_and_removed_with_their_message() {
    let store = store().await;
    let m = store
        .insert_message(&incoming(BOB, "https://upload.example.org/a/照片.jpg", 1))
        .await
        .unwrap()
        .into_message();
    let offered = NewAttachment {
        name: Some("../../照片.jpg".into()),
        mime: Some("image/jpeg".into()),
        size: Some(123_456),
        hash_algo: Some("sha-256".into()),
        hash: Some("n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=".into()),
        thumbnail_url: Some(
            "cid:sha1+8f35fef110ffc5df08d579a50083ff9308fb6242@bob.xmpp.org".into(),
        ),
        ..NewAttachment::offered("https://upload.example.org/a/照片.jpg")
    };
    let stored = store.add_attachment(m.id, &offered).await.unwrap();
    assert_eq!((stored.message_id, &stored.file), (m.id, &offered));
    let second = store
        .add_attachment(
            m.id,
            &NewAttachment::offered("https://upload.example.org/b.pdf"),
        )
        .await
        .unwrap();
    assert_eq!(
        store.attachments(m.id).await.unwrap(),
        vec![stored.clone(), second.clone()]
    );

    let downloaded = NewAttachment {
        state: AttachmentState::Downloaded,
        local_path: Some("/home/u/.local/share/hongyan/files/0001.jpg".into()),
        thumbnail_path: Some("/home/u/.cache/hongyan/thumbs/0001.jpg".into()),
        ..offered.clone()
    };
    let updated = store
        .update_attachment(stored.id, &downloaded)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (updated.id, updated.message_id, &updated.file),
        (stored.id, m.id, &downloaded)
    );
    assert_eq!(
        store.attachments(m.id).await.unwrap(),
        vec![updated, second]
    );
    assert_eq!(
        store
            .update_attachment(stored.id + 1_000, &downloaded)
            .await
            .unwrap(),
        None
    );

    // Refused before anything is written.
    let half_hash = NewAttachment {
        hash: None,
        ..offered.clone()
    };
    assert!(matches!(
        store.add_attachment(m.id, &half_hash).await,
        Err(Error::Invalid(_))
    ));
    let huge = NewAttachment {
        size: Some(u64::MAX),
        ..offered.clone()
    };
    assert!(matches!(
        store.add_attachment(m.id, &huge).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        store.add_attachment(m.id + 1_000, &offered).await,
        Err(Error::Db(sqlx::Error::RowNotFound))
    ));
    assert_eq!(store.attachments(m.id).await.unwrap().len(), 2);

    // An upload of ours gets its URL when it is done.
    let mine = store
        .insert_message(&outgoing(BOB, "report", 2))
        .await
        .unwrap()
        .into_message();
    let uploading = NewAttachment {
        url: None,
        state: AttachmentState::Uploading,
        local_path: Some("/home/u/report.pdf".into()),
        ..NewAttachment::offered("")
    };
    let up = store.add_attachment(mine.id, &uploading).await.unwrap();
    assert_eq!(up.file.url, None);
    let done = NewAttachment {
        url: Some("https://upload.example.org/c/report.pdf".into()),
        state: AttachmentState::Uploaded,
        ..uploading
    };
    assert_eq!(
        store
            .update_attachment(up.id, &done)
            .await
            .unwrap()
            .unwrap()
            .file,
        done
    );

    // Deleting the account takes the files' rows along.
    store.delete_account(ME).await.unwrap();
    store.save_account(&account(ME)).await.unwrap();
    assert!(store.attachments(m.id).await.unwrap().is_empty());
    assert!(store.attachments(mine.id).await.unwrap().is_empty());
}
