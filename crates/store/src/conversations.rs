//! Conversations: one per (account, peer), with the newest message and the read marker.
//!
//! The read marker is a position in the local order ([`crate::Message::seq`]): incoming
//! messages above it are unread. Moving it never looks at a message's time, so a message
//! whose sender backdated it still counts as unread when it arrived after the marker.

use sqlx::SqliteConnection;

use crate::accounts::account_id;
use crate::model::{message_columns, MessageRow};
use crate::{no_account, Conversation, ConversationKind, Error, Result, Store, BEGIN_WRITE};

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
    kind: String,
    name: Option<String>,
    unread: i64,
    #[sqlx(flatten)]
    last: MessageRow,
}

/// Counts the unread messages of conversation `?1` again after its marker moved.
pub(crate) const RECOUNT_UNREAD: &str = "UPDATE conversation
     SET unread = (SELECT count(*) FROM message m
                   WHERE m.conversation_id = conversation.id AND m.direction = 0
                     AND m.retracted_at IS NULL AND m.seq > conversation.read_seq)
     WHERE id = ?1";

impl Store {
    /// One entry per peer that has messages, newest activity (last message) first.
    pub async fn conversations(&self, account: &str) -> Result<Vec<Conversation>> {
        let rows: Vec<ConversationRow> = sqlx::query_as(concat!(
            "SELECT c.peer, c.kind, r.name, c.unread, ",
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
                    kind: ConversationKind::parse(&r.kind)?,
                    peer: r.peer,
                    name: r.name,
                    unread: r.unread,
                })
            })
            .collect()
    }

    /// Moves the read marker of the conversation up to message `message_id`: it and every
    /// incoming message that reached this store before it are read. The marker never moves
    /// back, so a late or replayed marker cannot make read messages unread again; a message
    /// of another conversation, or none, moves nothing.
    /// Fails with `Error::Db(sqlx::Error::RowNotFound)` when the account is not saved.
    pub async fn mark_read_up_to(&self, account: &str, peer: &str, message_id: i64) -> Result<()> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let Some(id) = existing_conversation(&mut tx, account, peer).await? else {
            return Ok(());
        };
        let seq: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM message WHERE id = ?1 AND conversation_id = ?2")
                .bind(message_id)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(seq) = seq {
            move_marker(&mut tx, id, seq).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Moves the read marker past every message the conversation holds now.
    /// Fails with `Error::Db(sqlx::Error::RowNotFound)` when the account is not saved.
    pub async fn mark_all_read(&self, account: &str, peer: &str) -> Result<()> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let Some(id) = existing_conversation(&mut tx, account, peer).await? else {
            return Ok(());
        };
        let last: i64 = sqlx::query_scalar("SELECT last_seq FROM conversation WHERE id = ?1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        move_marker(&mut tx, id, last).await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn move_marker(conn: &mut SqliteConnection, conversation: i64, seq: i64) -> Result<()> {
    sqlx::query("UPDATE conversation SET read_seq = max(read_seq, ?2) WHERE id = ?1")
        .bind(conversation)
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    sqlx::query(RECOUNT_UNREAD)
        .bind(conversation)
        .execute(conn)
        .await?;
    Ok(())
}

/// Id of the conversation of the saved account `account` with `peer`, if there is one.
/// Fails with `Error::Db(sqlx::Error::RowNotFound)` when the account is not saved.
async fn existing_conversation(
    conn: &mut SqliteConnection,
    account: &str,
    peer: &str,
) -> Result<Option<i64>> {
    let account = account_id(conn, account).await?.ok_or_else(no_account)?;
    Ok(
        sqlx::query_scalar("SELECT id FROM conversation WHERE account_id = ?1 AND peer = ?2")
            .bind(account)
            .bind(peer)
            .fetch_optional(conn)
            .await?,
    )
}

/// Ids of the conversations of the (account, peer, kind) `wanted`, in their order, created
/// on first use with that kind. One query finds the existing ones, so a batch over many peers
/// does not pay a round trip to the database thread per peer. Call inside a write transaction.
pub(crate) async fn conversation_ids(
    conn: &mut SqliteConnection,
    wanted: &[(&str, &str, ConversationKind)],
) -> Result<Vec<i64>> {
    // The pairs travel as one JSON parameter, so the statement text never changes.
    let pairs: Vec<(&str, &str)> = wanted.iter().map(|&(a, p, _)| (a, p)).collect();
    let json =
        serde_json::to_string(&pairs).map_err(|e| Error::Db(sqlx::Error::Encode(Box::new(e))))?;
    let found: Vec<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT w.key, c.id, a.jid, c.peer
         FROM json_each(?1) w
         JOIN account a ON a.jid = w.value ->> 0 AND a.forgotten = 0
         JOIN conversation c ON c.account_id = a.id AND c.peer = w.value ->> 1",
    )
    .bind(json)
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
    for (&(account, peer, kind), id) in wanted.iter().zip(ids) {
        out.push(match id {
            Some(id) => id,
            None => conversation_id(conn, account, peer, kind).await?,
        });
    }
    Ok(out)
}

/// Id of the conversation of `account` with `peer`, created on first use with `kind`.
/// Call inside a write transaction.
pub(crate) async fn conversation_id(
    conn: &mut SqliteConnection,
    account: &str,
    peer: &str,
    kind: ConversationKind,
) -> Result<i64> {
    if let Some(id) = existing_conversation(conn, account, peer).await? {
        return Ok(id);
    }
    let created: Option<i64> = sqlx::query_scalar(
        "INSERT INTO conversation (account_id, peer, kind)
         SELECT id, ?2, ?3 FROM account WHERE jid = ?1 AND forgotten = 0
         RETURNING id",
    )
    .bind(account)
    .bind(peer)
    .bind(kind.as_str())
    .fetch_optional(conn)
    .await?;
    created.ok_or_else(no_account)
}

#[cfg(test)]
mod tests {
    use super::RECOUNT_UNREAD;
    use crate::search::tests::{filled, plan};

    /// Moving a read marker counts only the messages above it, found in the partial index
    /// of what can be unread, not by reading the whole conversation.
    #[tokio::test]
    async fn unread_recount_is_a_range_of_the_unread_index() {
        let store = filled().await;
        let plan = plan(&store, RECOUNT_UNREAD, 1).await;
        assert!(
            plan.iter()
                .any(|d| d.contains("INDEX message_unread (conversation_id=? AND seq>?)")),
            "{plan:#?}"
        );
    }
}
