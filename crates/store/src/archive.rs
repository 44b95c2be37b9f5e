//! Archive catch-up positions (XEP-0313): per (account, archive JID), the newest and oldest
//! archive items this store holds, so a sync resumes where it stopped in either direction.
//!
//! Stanza-ids are opaque, so the two ends are compared by the archive's times: storing a
//! page can only widen the range, never narrow it, whatever order pages are recorded in.

use crate::accounts::account_id;
use crate::{no_account, ArchivePage, ArchivePosition, ArchiveSync, Result, Store, BEGIN_WRITE};

#[derive(sqlx::FromRow)]
struct ArchiveRow {
    archive: String,
    newest_id: Option<String>,
    newest_at: Option<i64>,
    oldest_id: Option<String>,
    oldest_at: Option<i64>,
    complete: bool,
}

fn position(id: Option<String>, at: Option<i64>) -> Option<ArchivePosition> {
    Some(ArchivePosition {
        stanza_id: id?,
        at: at?,
    })
}

impl From<ArchiveRow> for ArchiveSync {
    fn from(r: ArchiveRow) -> ArchiveSync {
        ArchiveSync {
            archive: r.archive,
            newest: position(r.newest_id, r.newest_at),
            oldest: position(r.oldest_id, r.oldest_at),
            complete: r.complete,
        }
    }
}

impl Store {
    /// How far this store holds the archive at `archive` for `account`; `None` before the
    /// first page was recorded (or for an account that is not saved).
    pub async fn archive_sync(&self, account: &str, archive: &str) -> Result<Option<ArchiveSync>> {
        let row: Option<ArchiveRow> = sqlx::query_as(
            "SELECT s.archive, s.newest_id, s.newest_at, s.oldest_id, s.oldest_at, s.complete
             FROM archive_sync s JOIN account a ON a.id = s.account_id
             WHERE a.jid = ?1 AND a.forgotten = 0 AND s.archive = ?2",
        )
        .bind(account)
        .bind(archive)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(ArchiveSync::from))
    }

    /// Records a stored page of the archive: its newest item becomes the newest end if it is
    /// not older than the one recorded (equal times: the later call wins), its oldest item the
    /// oldest end if not newer, and `reached_start` marks paging back as complete for good.
    /// Call it after the page's messages are stored, so a crash in between fetches the page
    /// again rather than skipping it. Returns the state after the change.
    /// Fails with `Error::Db(sqlx::Error::RowNotFound)` when the account is not saved.
    pub async fn advance_archive_sync(
        &self,
        account: &str,
        archive: &str,
        page: &ArchivePage,
    ) -> Result<ArchiveSync> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let id = account_id(&mut tx, account).await?.ok_or_else(no_account)?;
        let row: ArchiveRow = sqlx::query_as(
            "INSERT INTO archive_sync (account_id, archive, newest_id, newest_at, oldest_id,
                                       oldest_at, complete)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (account_id, archive) DO UPDATE SET
                 newest_id = CASE WHEN excluded.newest_at >= coalesce(newest_at, excluded.newest_at)
                                  THEN excluded.newest_id ELSE newest_id END,
                 newest_at = CASE WHEN excluded.newest_at >= coalesce(newest_at, excluded.newest_at)
                                  THEN excluded.newest_at ELSE newest_at END,
                 oldest_id = CASE WHEN excluded.oldest_at <= coalesce(oldest_at, excluded.oldest_at)
                                  THEN excluded.oldest_id ELSE oldest_id END,
                 oldest_at = CASE WHEN excluded.oldest_at <= coalesce(oldest_at, excluded.oldest_at)
                                  THEN excluded.oldest_at ELSE oldest_at END,
                 complete = max(complete, excluded.complete)
             RETURNING archive, newest_id, newest_at, oldest_id, oldest_at, complete",
        )
        .bind(id)
        .bind(archive)
        .bind(page.newest.as_ref().map(|p| p.stanza_id.as_str()))
        .bind(page.newest.as_ref().map(|p| p.at))
        .bind(page.oldest.as_ref().map(|p| p.stanza_id.as_str()))
        .bind(page.oldest.as_ref().map(|p| p.at))
        .bind(page.reached_start)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// Forgets the recorded positions of the archive (the server no longer knows the stanza-id
    /// a sync would resume from); the next sync starts afresh. Messages stay.
    pub async fn reset_archive_sync(&self, account: &str, archive: &str) -> Result<()> {
        sqlx::query(
            "DELETE FROM archive_sync
             WHERE archive = ?2 AND account_id = (SELECT id FROM account WHERE jid = ?1)",
        )
        .bind(account)
        .bind(archive)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
