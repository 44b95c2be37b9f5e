//! Corrections (XEP-0308) with their earlier versions, and retractions (XEP-0424/0425) that
//! leave a tombstone. Who may correct or retract a message is the engine's decision; the
//! store keeps the versions consistent whatever order they arrive in.

use sqlx::SqliteConnection;

use crate::attachments::attachments_of;
use crate::messages::full_message;
use crate::{Message, MessageVersion, Result, Retracted, Store, BEGIN_WRITE};

#[derive(sqlx::FromRow)]
struct Current {
    body: Option<String>,
    sent_at: i64,
    edited_at: Option<i64>,
    retracted_at: Option<i64>,
}

async fn current(conn: &mut SqliteConnection, id: i64) -> Result<Option<Current>> {
    Ok(
        sqlx::query_as("SELECT body, sent_at, edited_at, retracted_at FROM message WHERE id = ?1")
            .bind(id)
            .fetch_optional(conn)
            .await?,
    )
}

async fn keep_version(
    conn: &mut SqliteConnection,
    id: i64,
    body: &str,
    version_at: i64,
) -> Result<()> {
    // A replayed correction (an archive sync after a live copy) is kept once.
    sqlx::query(
        "INSERT INTO message_edit (message_id, body, version_at)
         SELECT ?1, ?2, ?3
         WHERE NOT EXISTS (SELECT 1 FROM message_edit
                           WHERE message_id = ?1 AND version_at = ?3 AND body = ?2)",
    )
    .bind(id)
    .bind(body)
    .bind(version_at)
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// Applies a correction of message `id` written at `edited_at`, and returns the message as
    /// stored afterwards. The newest correction wins: one older than the correction already
    /// applied only joins the earlier versions, so corrections may arrive in any order. A
    /// correction repeated with the same time and text changes nothing. Returns `None` when
    /// there is no such message or it was retracted.
    pub async fn edit_message(
        &self,
        id: i64,
        body: &str,
        edited_at: i64,
    ) -> Result<Option<Message>> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let Some(now) = current(&mut tx, id).await? else {
            return Ok(None);
        };
        if now.retracted_at.is_some() {
            return Ok(None);
        }
        let repeated = now.edited_at == Some(edited_at) && now.body.as_deref() == Some(body);
        if !repeated {
            if now.edited_at.is_none_or(|applied| edited_at >= applied) {
                if let Some(old) = &now.body {
                    keep_version(&mut tx, id, old, now.edited_at.unwrap_or(now.sent_at)).await?;
                }
                sqlx::query("UPDATE message SET body = ?2, edited_at = ?3 WHERE id = ?1")
                    .bind(id)
                    .bind(body)
                    .bind(edited_at)
                    .execute(&mut *tx)
                    .await?;
            } else {
                keep_version(&mut tx, id, body, edited_at).await?;
            }
        }
        let message = full_message(&mut tx, id).await?;
        tx.commit().await?;
        Ok(message)
    }

    /// Earlier versions of message `id`, oldest first; the current text is on the message.
    pub async fn edit_history(&self, id: i64) -> Result<Vec<MessageVersion>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT body, version_at FROM message_edit WHERE message_id = ?1
             ORDER BY version_at, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(body, at)| MessageVersion { body, at })
            .collect())
    }

    /// Retracts message `id` at `retracted_at`: its text, earlier versions, reactions and
    /// attachment rows go, and a tombstone (no body, `retracted_at` set) keeps its place in
    /// history. It is no longer found by search and no longer counts as unread. Returns the
    /// tombstone and the attachments removed (whose local files the caller deletes), or `None`
    /// when there is no such message or it was retracted already.
    pub async fn retract_message(&self, id: i64, retracted_at: i64) -> Result<Option<Retracted>> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        match current(&mut tx, id).await? {
            Some(now) if now.retracted_at.is_none() => {}
            _ => return Ok(None),
        }
        let attachments = attachments_of(&mut tx, id).await?;
        for sql in [
            "DELETE FROM attachment WHERE message_id = ?1",
            "DELETE FROM message_edit WHERE message_id = ?1",
            "DELETE FROM reaction WHERE message_id = ?1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE message SET body = NULL, retracted_at = ?2 WHERE id = ?1")
            .bind(id)
            .bind(retracted_at)
            .execute(&mut *tx)
            .await?;
        let message = full_message(&mut tx, id).await?;
        tx.commit().await?;
        Ok(message.map(|message| Retracted {
            message,
            attachments,
        }))
    }
}
