//! XEP-0444 reactions. A reaction stanza carries the sender's whole set for a message, so a
//! sender's new set replaces their previous one; an empty set removes their reactions.

use crate::{no_message, Error, Reaction, Result, Store, BEGIN_WRITE};

impl Store {
    /// Replaces `sender`'s reactions to message `message_id` with `emojis` (repeats and
    /// empty strings dropped, order kept), as of `at`. A set older than the one stored is
    /// ignored, so an archive replay cannot bring back reactions the sender changed since.
    /// Returns whether the set was applied (`false`: older than the stored one, or the
    /// message was retracted). Fails with `Error::Db(sqlx::Error::RowNotFound)` when there is
    /// no such message.
    pub async fn set_reactions<S: AsRef<str>>(
        &self,
        message_id: i64,
        sender: &str,
        emojis: &[S],
        at: i64,
    ) -> Result<bool> {
        let mut set: Vec<&str> = Vec::with_capacity(emojis.len());
        for e in emojis.iter().map(AsRef::as_ref) {
            if !e.is_empty() && !set.contains(&e) {
                set.push(e);
            }
        }
        let json =
            serde_json::to_string(&set).map_err(|e| Error::Db(sqlx::Error::Encode(Box::new(e))))?;
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let open: Option<bool> =
            sqlx::query_scalar("SELECT retracted_at IS NULL FROM message WHERE id = ?1")
                .bind(message_id)
                .fetch_optional(&mut *tx)
                .await?;
        match open {
            None => return Err(no_message()),
            Some(false) => return Ok(false),
            Some(true) => {}
        }
        let applied = sqlx::query(
            "INSERT INTO reaction (message_id, sender, emojis, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (message_id, sender) DO UPDATE
             SET emojis = excluded.emojis, updated_at = excluded.updated_at
             WHERE excluded.updated_at >= reaction.updated_at",
        )
        .bind(message_id)
        .bind(sender)
        .bind(json)
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(applied > 0)
    }

    /// The current reactions to message `message_id`, one entry per sender with a non-empty
    /// set, oldest change first.
    pub async fn reactions(&self, message_id: i64) -> Result<Vec<Reaction>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT sender, emojis, updated_at FROM reaction
             WHERE message_id = ?1 AND json_array_length(emojis) > 0
             ORDER BY updated_at, sender",
        )
        .bind(message_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(sender, emojis, updated_at)| {
                let emojis = serde_json::from_str(&emojis).map_err(|e| {
                    Error::Corrupt(format!("reactions of {sender} to {message_id}: {e}"))
                })?;
                Ok(Reaction {
                    sender,
                    emojis,
                    updated_at,
                })
            })
            .collect()
    }
}
