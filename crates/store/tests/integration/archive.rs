//! Archive catch-up positions: the stored range only ever widens.

use hongyan_store::{ArchivePage, ArchivePosition, ArchiveSync, Error};

use crate::{account, store, ME};

const ROOM: &str = "room@conference.example.org";

fn pos(id: &str, at: i64) -> Option<ArchivePosition> {
    Some(ArchivePosition {
        stanza_id: id.into(),
        at,
    })
}

fn page(
    oldest: Option<ArchivePosition>,
    newest: Option<ArchivePosition>,
    reached_start: bool,
) -> ArchivePage {
    ArchivePage {
        oldest,
        newest,
        reached_start,
    }
}

#[tokio::test]
async fn sync_resumes_from_the_newest_and_oldest_stored() {
    let store = store().await;
    assert_eq!(store.archive_sync(ME, ME).await.unwrap(), None);

    // The first catch-up page.
    let first = store
        .advance_archive_sync(ME, ME, &page(pos("s10", 1_000), pos("s20", 2_000), false))
        .await
        .unwrap();
    let want = ArchiveSync {
        archive: ME.into(),
        oldest: pos("s10", 1_000),
        newest: pos("s20", 2_000),
        complete: false,
    };
    assert_eq!(first, want);
    assert_eq!(store.archive_sync(ME, ME).await.unwrap(), Some(want));

    // Forward: the newest end moves on, the oldest stays.
    store
        .advance_archive_sync(ME, ME, &page(pos("s21", 2_100), pos("s30", 3_000), false))
        .await
        .unwrap();
    // Backward: the oldest end moves back, the newest stays.
    store
        .advance_archive_sync(ME, ME, &page(pos("s01", 100), pos("s09", 900), false))
        .await
        .unwrap();
    // A page recorded late, inside the range, narrows nothing.
    store
        .advance_archive_sync(ME, ME, &page(pos("s15", 1_500), pos("s16", 1_600), false))
        .await
        .unwrap();
    // An empty page that says the start was reached.
    let done = store
        .advance_archive_sync(ME, ME, &page(None, None, true))
        .await
        .unwrap();
    let want = ArchiveSync {
        archive: ME.into(),
        oldest: pos("s01", 100),
        newest: pos("s30", 3_000),
        complete: true,
    };
    assert_eq!(done, want);
    // Complete stays complete; the same time again: the later call names the item.
    let same_time = store
        .advance_archive_sync(ME, ME, &page(None, pos("s31", 3_000), false))
        .await
        .unwrap();
    assert_eq!(same_time.newest, pos("s31", 3_000));
    assert!(same_time.complete);
    assert_eq!(store.archive_sync(ME, ME).await.unwrap(), Some(same_time));

    // Each archive (our own, each room) and each account has its own positions.
    assert_eq!(store.archive_sync(ME, ROOM).await.unwrap(), None);
    let room = store
        .advance_archive_sync(ME, ROOM, &page(None, pos("r1", 5), false))
        .await
        .unwrap();
    assert_eq!((room.oldest, room.newest), (None, pos("r1", 5)));
    store
        .save_account(&account("two@example.org"))
        .await
        .unwrap();
    assert_eq!(
        store.archive_sync("two@example.org", ME).await.unwrap(),
        None
    );

    // The server lost the position: start afresh; other archives keep theirs.
    store.reset_archive_sync(ME, ME).await.unwrap();
    assert_eq!(store.archive_sync(ME, ME).await.unwrap(), None);
    assert!(store.archive_sync(ME, ROOM).await.unwrap().is_some());

    assert!(matches!(
        store
            .advance_archive_sync("nobody@x", ME, &page(None, pos("x", 1), false))
            .await,
        Err(Error::Db(sqlx::Error::RowNotFound))
    ));
    store.delete_account(ME).await.unwrap();
    store.save_account(&account(ME)).await.unwrap();
    assert_eq!(store.archive_sync(ME, ROOM).await.unwrap(), None);
}
