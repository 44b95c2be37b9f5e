//! Message rows: storing with deduplication, delivery state, and history pages.

use std::collections::HashMap;

use sqlx::SqliteConnection;

use crate::conversations::{conversation_id, conversation_of};
use crate::model::{message_columns, FullMessageRow, MessageRow};
use crate::{
    Error, HistoryCursor, Inserted, Message, MessageState, NewMessage, Result, Store, BEGIN_WRITE,
};

/// Full message row with its account and peer JIDs; callers append the `WHERE` clause.
macro_rules! select_full_message {
    ($tail:literal) => {
        concat!(
            "SELECT a.jid AS account, c.peer, ",
            message_columns!("m"),
            " FROM message m
              JOIN conversation c ON c.id = m.conversation_id
              JOIN account a ON a.id = c.account_id ",
            $tail
        )
    };
}

// History of one conversation, newest first, read as a range scan of `message_history`.
macro_rules! history_sql {
    ($range:literal) => {
        concat!(
            "SELECT ",
            message_columns!("message"),
            " FROM message WHERE conversation_id = (",
            conversation_of!(),
            ") ",
            $range,
            " ORDER BY sent_at DESC, id DESC LIMIT ?5"
        )
    };
}
pub(crate) const HISTORY_NEWEST: &str = history_sql!("");
pub(crate) const HISTORY_BEFORE: &str = history_sql!("AND (sent_at, id) < (?3, ?4)");

impl Store {
    /// Stores one message unless the conversation already holds it; see [`Inserted`].
    /// Fails with `Error::Db(sqlx::Error::RowNotFound)` when the account is not saved.
    pub async fn insert_message(&self, m: &NewMessage) -> Result<Inserted> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let conversation = conversation_id(&mut tx, &m.account, &m.peer).await?;
        let inserted = insert_into(&mut tx, conversation, m).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    /// Stores a batch (an archive page, a burst of carbons) in one transaction, deduplicating
    /// within the batch too. Results are in batch order. If any message fails (for example its
    /// account is not saved) nothing of the batch is stored.
    pub async fn insert_messages(&self, batch: &[NewMessage]) -> Result<Vec<Inserted>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let mut conversations: HashMap<(&str, &str), i64> = HashMap::new();
        let mut out = Vec::with_capacity(batch.len());
        for m in batch {
            let key = (m.account.as_str(), m.peer.as_str());
            let conversation = match conversations.get(&key) {
                Some(&id) => id,
                None => {
                    let id = conversation_id(&mut tx, &m.account, &m.peer).await?;
                    conversations.insert(key, id);
                    id
                }
            };
            out.push(insert_into(&mut tx, conversation, m).await?);
        }
        tx.commit().await?;
        Ok(out)
    }

    pub async fn message(&self, id: i64) -> Result<Option<Message>> {
        let mut conn = self.pool.acquire().await?;
        full_message(&mut conn, id).await
    }

    /// Sets the delivery state and error text (`None` clears it) of message `id`; returns
    /// the updated message, or `None` if there is no such message.
    pub async fn update_state(
        &self,
        id: i64,
        state: MessageState,
        error: Option<&str>,
    ) -> Result<Option<Message>> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let changed = sqlx::query("UPDATE message SET state = ?2, error = ?3 WHERE id = ?1")
            .bind(id)
            .bind(state.code())
            .bind(error)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let message = if changed == 0 {
            None
        } else {
            full_message(&mut tx, id).await?
        };
        tx.commit().await?;
        Ok(message)
    }

    /// Like [`Store::update_state`] for the outgoing message to `peer` that carries
    /// `origin_id` (what a receipt, a marker or an error bounce refers to).
    pub async fn update_state_by_origin_id(
        &self,
        account: &str,
        peer: &str,
        origin_id: &str,
        state: MessageState,
        error: Option<&str>,
    ) -> Result<Option<Message>> {
        let row: Option<MessageRow> = sqlx::query_as(concat!(
            "UPDATE message SET state = ?4, error = ?5
             WHERE conversation_id = (",
            conversation_of!(),
            ") AND direction = 1 AND origin_id = ?3
             RETURNING ",
            message_columns!("message")
        ))
        .bind(account)
        .bind(peer)
        .bind(origin_id)
        .bind(state.code())
        .bind(error)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| r.into_message(account.to_owned(), peer.to_owned()))
            .transpose()
    }

    /// Records the archive's stanza-id of message `id`. If another message of the same
    /// conversation already carries that stanza-id, nothing changes: that row is the same
    /// message stored twice, and the first copy keeps it.
    pub async fn set_stanza_id(&self, id: i64, stanza_id: &str) -> Result<()> {
        sqlx::query("UPDATE OR IGNORE message SET stanza_id = ?2 WHERE id = ?1")
            .bind(id)
            .bind(stanza_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Outgoing messages of `account` still in state pending, oldest first: what to send
    /// after a reconnect.
    pub async fn pending_messages(&self, account: &str) -> Result<Vec<Message>> {
        let rows: Vec<FullMessageRow> = sqlx::query_as(select_full_message!(
            "WHERE a.jid = ?1 AND m.direction = 1 AND m.state = 0
             ORDER BY m.sent_at, m.id"
        ))
        .bind(account)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Message::try_from).collect()
    }

    /// Up to `limit` messages of the conversation strictly older than `before` (or the newest
    /// when None), returned OLDEST FIRST (ready to prepend in a chat view). Ordered by
    /// (sent_at, id).
    pub async fn history(
        &self,
        account: &str,
        peer: &str,
        before: Option<HistoryCursor>,
        limit: u32,
    ) -> Result<Vec<Message>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let (sql, cursor) = match before {
            None => (HISTORY_NEWEST, HistoryCursor { at: 0, id: 0 }),
            Some(c) => (HISTORY_BEFORE, c),
        };
        let rows: Vec<MessageRow> = sqlx::query_as(sql)
            .bind(account)
            .bind(peer)
            .bind(cursor.at)
            .bind(cursor.id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .rev()
            .map(|r| r.into_message(account.to_owned(), peer.to_owned()))
            .collect()
    }
}

/// Inserts `m` into `conversation`, or finds the copy already stored. The unique indexes
/// decide, so two writers cannot both store the same message.
async fn insert_into(
    conn: &mut SqliteConnection,
    conversation: i64,
    m: &NewMessage,
) -> Result<Inserted> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO message (conversation_id, direction, body, sent_at, received_at,
                              origin_id, stanza_id, state, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT DO NOTHING
         RETURNING id",
    )
    .bind(conversation)
    .bind(m.direction.code())
    .bind(&m.body)
    .bind(m.sent_at)
    .bind(m.received_at)
    .bind(&m.origin_id)
    .bind(&m.stanza_id)
    .bind(m.state.code())
    .bind(&m.error)
    .fetch_optional(&mut *conn)
    .await?;
    match id {
        Some(id) => Ok(Inserted::New(Message::stored(id, m))),
        None => {
            let existing = stored_copy(conn, conversation, m).await?.ok_or_else(|| {
                Error::Corrupt(format!(
                    "message to {} conflicts with no stored message",
                    m.peer
                ))
            })?;
            Ok(Inserted::Duplicate(
                existing.into_message(m.account.clone(), m.peer.clone())?,
            ))
        }
    }
}

/// The stored message `m` duplicates: same origin-id in the same direction, else same stanza-id.
async fn stored_copy(
    conn: &mut SqliteConnection,
    conversation: i64,
    m: &NewMessage,
) -> Result<Option<MessageRow>> {
    if let Some(origin_id) = &m.origin_id {
        let row = sqlx::query_as(concat!(
            "SELECT ",
            message_columns!("message"),
            " FROM message WHERE conversation_id = ?1 AND direction = ?2 AND origin_id = ?3"
        ))
        .bind(conversation)
        .bind(m.direction.code())
        .bind(origin_id)
        .fetch_optional(&mut *conn)
        .await?;
        if row.is_some() {
            return Ok(row);
        }
    }
    if let Some(stanza_id) = &m.stanza_id {
        let row = sqlx::query_as(concat!(
            "SELECT ",
            message_columns!("message"),
            " FROM message WHERE conversation_id = ?1 AND stanza_id = ?2"
        ))
        .bind(conversation)
        .bind(stanza_id)
        .fetch_optional(&mut *conn)
        .await?;
        return Ok(row);
    }
    Ok(None)
}

async fn full_message(conn: &mut SqliteConnection, id: i64) -> Result<Option<Message>> {
    let row: Option<FullMessageRow> = sqlx::query_as(select_full_message!("WHERE m.id = ?1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(Message::try_from).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Account, Direction};

    async fn plan(store: &Store, sql: &str) -> Vec<String> {
        let rows: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
                .bind("me@example.org")
                .bind("peer1@example.org")
                .bind(1_000_i64)
                .bind(10_i64)
                .bind(50_i64)
                .fetch_all(&store.pool)
                .await
                .unwrap();
        rows.into_iter().map(|r| r.3).collect()
    }

    /// The history page must be a range scan of `message_history`, never a sort of the
    /// whole conversation, also once the planner has statistics of a filled table.
    #[tokio::test]
    async fn history_query_is_an_index_range_scan() {
        let store = Store::open_memory().await.unwrap();
        store
            .save_account(&Account {
                jid: "me@example.org".into(),
                host: None,
                port: None,
                pinned_cert_sha256: None,
                resource: "hongyan".into(),
                auto_connect: false,
                created_at: 0,
                last_login_at: None,
            })
            .await
            .unwrap();
        let batch: Vec<NewMessage> = (0..2_000)
            .map(|i| NewMessage {
                account: "me@example.org".into(),
                peer: format!("peer{}@example.org", i % 5),
                direction: if i % 3 == 0 {
                    Direction::Outgoing
                } else {
                    Direction::Incoming
                },
                body: format!("message {i}"),
                sent_at: i / 4,
                received_at: i,
                origin_id: Some(format!("o{i}")),
                stanza_id: Some(format!("s{i}")),
                state: MessageState::Received,
                error: None,
            })
            .collect();
        store.insert_messages(&batch).await.unwrap();
        sqlx::query("ANALYZE").execute(&store.pool).await.unwrap();

        for sql in [HISTORY_BEFORE, HISTORY_NEWEST] {
            let plan = plan(&store, sql).await;
            assert!(
                plan.iter().any(|d| d.contains("SEARCH message USING")
                    && d.contains("INDEX message_history (conversation_id=?")),
                "history does not search message_history: {plan:#?}"
            );
            assert!(
                !plan.iter().any(|d| d.contains("TEMP B-TREE")),
                "history sorts: {plan:#?}"
            );
        }
        let before = plan(&store, HISTORY_BEFORE).await;
        assert!(
            before.iter().any(|d| d.contains("sent_at<?")),
            "the cursor does not bound the index range: {before:#?}"
        );
    }
}
