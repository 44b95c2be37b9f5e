//! Conversations: one per (account, peer), with the newest message and the read marker.

use sqlx::SqliteConnection;

use crate::model::{message_columns, MessageRow};
use crate::{no_account, Conversation, Error, Result, Store, BEGIN_WRITE};

/// Subquery for the id of the conversation of account `?1` with peer `?2`.
macro_rules! conversation_of {
    () => {
        "SELECT c.id FROM conversation c JOIN account a ON a.id = c.account_id
         WHERE a.jid = ?1 AND c.peer = ?2"
    };
}
pub(crate) use conversation_of;

#[derive(sqlx::FromRow)]
struct ConversationRow {
    peer: String,
    name: Option<String>,
    unread: i64,
    #[sqlx(flatten)]
    last: MessageRow,
}

impl Store {
    /// One entry per peer that has messages, newest activity (last message) first.
    pub async fn conversations(&self, account: &str) -> Result<Vec<Conversation>> {
        let rows: Vec<ConversationRow> = sqlx::query_as(concat!(
            "SELECT c.peer, r.name, c.unread, ",
            message_columns!("m"),
            " FROM conversation c
              JOIN account a ON a.id = c.account_id
              JOIN message m ON m.id = c.last_message_id
              LEFT JOIN roster_item r ON r.account_id = c.account_id AND r.jid = c.peer
              WHERE a.jid = ?1
              ORDER BY c.last_sent_at DESC, c.last_message_id DESC"
        ))
        .bind(account)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Conversation {
                    last: r.last.into_message(account.to_owned(), r.peer.clone())?,
                    peer: r.peer,
                    name: r.name,
                    unread: r.unread,
                })
            })
            .collect()
    }

    /// Moves the read marker of the conversation to `at_ms`: incoming messages sent at or
    /// before it are read. The marker never moves back, so a late or replayed marker cannot
    /// make read messages unread again.
    /// Fails with `Error::Db(sqlx::Error::RowNotFound)` when the account is not saved.
    pub async fn mark_read(&self, account: &str, peer: &str, at_ms: i64) -> Result<()> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let id = conversation_id(&mut tx, account, peer).await?;
        sqlx::query(
            "UPDATE conversation
             SET read_at = max(coalesce(read_at, ?2), ?2),
                 unread = (SELECT count(*) FROM message m
                           WHERE m.conversation_id = ?1 AND m.direction = 0
                             AND m.sent_at > max(coalesce(conversation.read_at, ?2), ?2))
             WHERE id = ?1",
        )
        .bind(id)
        .bind(at_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Ids of the conversations of the (account, peer) `pairs`, in their order, created on first
/// use. One query finds the existing ones, so a batch over many peers does not pay a round
/// trip to the database thread per peer. Call inside a write transaction.
pub(crate) async fn conversation_ids(
    conn: &mut SqliteConnection,
    pairs: &[(&str, &str)],
) -> Result<Vec<i64>> {
    // The pairs travel as one JSON parameter, so the statement text never changes.
    let wanted =
        serde_json::to_string(pairs).map_err(|e| Error::Db(sqlx::Error::Encode(Box::new(e))))?;
    let found: Vec<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT w.key, c.id, a.jid, c.peer
         FROM json_each(?1) w
         JOIN account a ON a.jid = w.value ->> 0
         JOIN conversation c ON c.account_id = a.id AND c.peer = w.value ->> 1",
    )
    .bind(wanted)
    .fetch_all(&mut *conn)
    .await?;
    let mut ids: Vec<Option<i64>> = vec![None; pairs.len()];
    for (key, id, account, peer) in found {
        // Older SQLite versions cut a JSON string at an escaped NUL, so only a row whose JIDs
        // compare equal counts; a pair without one takes the exact lookup below.
        let Ok(k) = usize::try_from(key) else {
            continue;
        };
        if pairs.get(k) == Some(&(account.as_str(), peer.as_str())) {
            ids[k] = Some(id);
        }
    }
    let mut out = Vec::with_capacity(pairs.len());
    for (&(account, peer), id) in pairs.iter().zip(ids) {
        out.push(match id {
            Some(id) => id,
            None => conversation_id(conn, account, peer).await?,
        });
    }
    Ok(out)
}

/// Id of the conversation of `account` with `peer`, created on first use.
/// Call inside a write transaction.
pub(crate) async fn conversation_id(
    conn: &mut SqliteConnection,
    account: &str,
    peer: &str,
) -> Result<i64> {
    let existing: Option<i64> = sqlx::query_scalar(conversation_of!())
        .bind(account)
        .bind(peer)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let created: Option<i64> = sqlx::query_scalar(
        "INSERT INTO conversation (account_id, peer)
         SELECT id, ?2 FROM account WHERE jid = ?1
         RETURNING id",
    )
    .bind(account)
    .bind(peer)
    .fetch_optional(conn)
    .await?;
    created.ok_or_else(no_account)
}
