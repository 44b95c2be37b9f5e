//! Message rows: storing with deduplication and local order, delivery state, and history
//! pages.

use std::collections::HashMap;
use std::sync::OnceLock;

use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr, SqliteConnection};

use crate::conversations::{conversation_id, conversation_ids, conversation_of};
use crate::model::{message_columns, FullMessageRow, MessageRow};
use crate::{
    ConversationKind, Direction, Error, HistoryCursor, Inserted, Message, MessageState, NewMessage,
    Result, Store, BEGIN_WRITE,
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
        let conversation = conversation_id(&mut tx, &m.account, &m.peer, m.kind).await?;
        let inserted = insert_all(&mut tx, &[conversation], std::slice::from_ref(m)).await?;
        tx.commit().await?;
        inserted
            .into_iter()
            .next()
            .ok_or_else(|| Error::Corrupt("storing one message gave no result".into()))
    }

    /// Stores a batch (an archive page, a burst of carbons) in one transaction, deduplicating
    /// within the batch too. Results are in batch order, and so is the local order of the new
    /// rows. If any message fails (for example its account is not saved) nothing of the batch
    /// is stored.
    pub async fn insert_messages(&self, batch: &[NewMessage]) -> Result<Vec<Inserted>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        // Each distinct (account, peer) once, then every message's place in that list.
        let mut wanted: Vec<(&str, &str, ConversationKind)> = Vec::new();
        let mut place: HashMap<(&str, &str), usize> = HashMap::new();
        let places: Vec<usize> = batch
            .iter()
            .map(|m| {
                let key = (m.account.as_str(), m.peer.as_str());
                *place.entry(key).or_insert_with(|| {
                    wanted.push((key.0, key.1, m.kind));
                    wanted.len() - 1
                })
            })
            .collect();
        let ids = conversation_ids(&mut tx, &wanted).await?;
        let conversations: Vec<i64> = places.into_iter().map(|i| ids[i]).collect();
        let out = insert_all(&mut tx, &conversations, batch).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn message(&self, id: i64) -> Result<Option<Message>> {
        let mut conn = self.pool.acquire().await?;
        full_message(&mut conn, id).await
    }

    /// The newest message of the conversation with `peer`, in `direction`, whose stanza `id`
    /// attribute is `remote_id`: what a receipt, marker, correction or reaction refers to.
    pub async fn message_by_remote_id(
        &self,
        account: &str,
        peer: &str,
        direction: Direction,
        remote_id: &str,
    ) -> Result<Option<Message>> {
        let row: Option<MessageRow> = sqlx::query_as(concat!(
            "SELECT ",
            message_columns!("message"),
            " FROM message WHERE conversation_id = (",
            conversation_of!(),
            ") AND remote_id = ?3 AND direction = ?4
             ORDER BY id DESC LIMIT 1"
        ))
        .bind(account)
        .bind(peer)
        .bind(remote_id)
        .bind(direction.code())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| r.into_message(account.to_owned(), peer.to_owned()))
            .transpose()
    }

    /// Moves message `id` forward to `state` and sets its error text (`None` clears it);
    /// returns the updated message. Returns `None`, changing nothing, when there is no such
    /// message or the move is not forward ([`MessageState::can_become`]): a late server ack
    /// after a bounce or a receipt leaves the message failed or delivered.
    pub async fn update_state(
        &self,
        id: i64,
        state: MessageState,
        error: Option<&str>,
    ) -> Result<Option<Message>> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let changed = sqlx::query(
            "UPDATE message SET state = ?2, error = ?3
             WHERE id = ?1 AND state IN (SELECT value FROM json_each(?4))",
        )
        .bind(id)
        .bind(state.as_str())
        .bind(error)
        .bind(state.predecessors_json())
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
               AND state IN (SELECT value FROM json_each(?6))
             RETURNING ",
            message_columns!("message")
        ))
        .bind(account)
        .bind(peer)
        .bind(origin_id)
        .bind(state.as_str())
        .bind(error)
        .bind(state.predecessors_json())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| r.into_message(account.to_owned(), peer.to_owned()))
            .transpose()
    }

    /// The user asked to send failed message `id` again: it becomes pending, without its
    /// error, in its place in history, and goes out with the other pending messages. This is
    /// the only way out of `Failed`; [`Store::update_state`] never takes it. Returns `None`,
    /// changing nothing, unless `id` is an outgoing message in state failed.
    pub async fn resend(&self, id: i64) -> Result<Option<Message>> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let changed = sqlx::query(
            "UPDATE message SET state = 'pending', error = NULL
             WHERE id = ?1 AND direction = 1 AND state = 'failed'",
        )
        .bind(id)
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
            "WHERE a.jid = ?1 AND m.direction = 1 AND m.state = 'pending'
             ORDER BY m.sent_at, m.id"
        ))
        .bind(account)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Message::try_from).collect()
    }

    /// Up to `limit` messages of the conversation strictly older than `before` (or the newest
    /// when None), returned OLDEST FIRST (ready to prepend in a chat view). Ordered by
    /// (sent_at, id). Retracted messages are included as tombstones.
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

/// Rows per multi-row `INSERT`. Each row binds 15 parameters, so a chunk stays far below
/// SQLite's limit of 32,766 bound parameters.
const CHUNK: usize = 256;

/// The chunk sizes [`insert_all`] splits `n` messages into: whole chunks, then the rest as
/// falling powers of two. The few statement texts this allows all stay in the connection's
/// statement cache, where a statement per batch length would be prepared again and again.
fn chunk_sizes(mut n: usize) -> impl Iterator<Item = usize> {
    let mut size = CHUNK;
    std::iter::from_fn(move || {
        while size > n {
            size /= 2;
        }
        if size == 0 {
            return None;
        }
        n -= size;
        Some(size)
    })
}

/// The `INSERT` of `rows` messages (a power of two up to [`CHUNK`]), built once per size from
/// constant text and `?` placeholders only, never from values.
fn insert_sql(rows: usize) -> SqlStr {
    static SQL: OnceLock<Vec<SqlStr>> = OnceLock::new();
    let all = SQL.get_or_init(|| {
        std::iter::successors(Some(1_usize), |&n| (n < CHUNK).then_some(n * 2))
            .map(|n| {
                let values = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; n].join(", ");
                AssertSqlSafe(format!(
                    "INSERT INTO message (conversation_id, direction, remote_id, origin_id,
                                          stanza_id, sender_jid, sender_nick, occupant_id, body,
                                          sent_at, server_at, received_at, seq, state, error)
                     VALUES {values}
                     ON CONFLICT DO NOTHING"
                ))
                .into_sql_str()
            })
            .collect()
    });
    // A power of two's trailing zeros are its place in `all`.
    all[rows.trailing_zeros() as usize].clone()
}

/// The key columns of a row stored by a chunk, to tell which of its messages it is.
#[derive(sqlx::FromRow)]
struct StoredKey {
    id: i64,
    conversation_id: i64,
    direction: i64,
    origin_id: Option<String>,
    stanza_id: Option<String>,
}

impl StoredKey {
    fn is_of(&self, conversation: i64, m: &NewMessage) -> bool {
        self.conversation_id == conversation
            && self.direction == m.direction.code()
            && self.origin_id == m.origin_id
            && self.stanza_id == m.stanza_id
    }
}

/// Inserts each message of `batch` into the conversation at the same position of
/// `conversations`, or finds the copy already stored (before the batch or earlier in it).
/// Results are in batch order. The unique indexes decide, so two writers cannot both store
/// the same message. Call inside a write transaction.
///
/// SQLite stores the rows of a multi-row `VALUES` in order and gives each new row the highest
/// id so far plus one, so the rows a chunk stores have consecutive ids in batch order. The
/// statement returns no rows: `RETURNING` streams them back from sqlx's worker thread one by
/// one, which made a chunk about 40% slower. Only a chunk with duplicates reads back which of
/// its messages it stored.
async fn insert_all(
    conn: &mut SqliteConnection,
    conversations: &[i64],
    batch: &[NewMessage],
) -> Result<Vec<Inserted>> {
    let seqs = take_positions(conn, batch).await?;
    // Highest message id before the next chunk. A lone message needs none: its id is the
    // last insert rowid.
    let mut top = if batch.len() > 1 {
        let max: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM message")
            .fetch_one(&mut *conn)
            .await?;
        Some(max.unwrap_or(0))
    } else {
        None
    };
    let mut out = Vec::with_capacity(batch.len());
    let mut start = 0;
    for size in chunk_sizes(batch.len()) {
        let chunk = conversations[start..start + size]
            .iter()
            .copied()
            .zip(&batch[start..start + size])
            .zip(seqs[start..start + size].iter().copied());
        start += size;

        let mut insert = sqlx::query(insert_sql(size));
        for ((conversation, m), seq) in chunk.clone() {
            insert = insert
                .bind(conversation)
                .bind(m.direction.code())
                .bind(&m.remote_id)
                .bind(&m.origin_id)
                .bind(&m.stanza_id)
                .bind(&m.sender_jid)
                .bind(&m.sender_nick)
                .bind(&m.occupant_id)
                .bind(&m.body)
                .bind(m.sent_at)
                .bind(m.server_at)
                .bind(m.received_at)
                .bind(seq)
                .bind(m.state.as_str())
                .bind(&m.error);
        }
        let done = insert.execute(&mut *conn).await?;
        let stored = done.rows_affected();
        let last = done.last_insert_rowid();
        let below = top;
        if stored > 0 {
            // Ids not consecutive from the previous top would break the mapping below.
            if let Some(t) = below {
                let expected = i64::try_from(stored).ok().and_then(|n| t.checked_add(n));
                if expected != Some(last) {
                    return Err(Error::Corrupt(format!(
                        "{stored} new messages after id {t} end at id {last}"
                    )));
                }
                top = Some(last);
            }
        }

        if stored == size as u64 {
            // Every message is new: the ids run up to `last` in batch order.
            let first = last - (size as i64 - 1);
            for (i, ((_, m), seq)) in chunk.enumerate() {
                out.push(Inserted::New(Message::stored(first + i as i64, seq, m)));
            }
            continue;
        }

        // Some messages were duplicates: read back the keys of the rows this chunk stored.
        let (mut rows, mut seen) = match below {
            Some(below) if stored > 0 => {
                let rows: Vec<StoredKey> = sqlx::query_as(
                    "SELECT id, conversation_id, direction, origin_id, stanza_id
                     FROM message WHERE id > ?1 AND id <= ?2 ORDER BY id",
                )
                .bind(below)
                .bind(last)
                .fetch_all(&mut *conn)
                .await?;
                (rows.into_iter().peekable(), below)
            }
            // Nothing new, so nothing of this chunk can be mistaken for an older copy.
            _ if stored == 0 => (Vec::new().into_iter().peekable(), i64::MAX),
            _ => {
                return Err(Error::Corrupt(
                    "a single message stored more than one row".into(),
                ))
            }
        };
        for ((conversation, m), seq) in chunk {
            // A message whose key matches the next stored row is that row: had it been a
            // duplicate, its stored copy would have turned away every later message with
            // the same key as well.
            if let Some(row) = rows.next_if(|r| r.is_of(conversation, m)) {
                seen = row.id;
                out.push(Inserted::New(Message::stored(row.id, seq, m)));
                continue;
            }
            // Rows after `seen` were stored after `m`, so they are not what it duplicates: the
            // lookup sees what a one-by-one insert would have seen.
            let existing = stored_copy(conn, conversation, m, seen)
                .await?
                .ok_or_else(|| {
                    Error::Corrupt(format!(
                        "message to {} conflicts with no stored message",
                        m.peer
                    ))
                })?;
            out.push(Inserted::Duplicate(
                existing.into_message(m.account.clone(), m.peer.clone())?,
            ));
        }
        if rows.next().is_some() {
            return Err(Error::Corrupt(
                "stored messages do not follow the order of the batch".into(),
            ));
        }
    }
    Ok(out)
}

/// Local order positions for the messages of `batch`, in batch order, taken from the
/// `local_order` counters: arrivals above everything stored, backfill below everything, each
/// group in batch order. A message that turns out to be a duplicate leaves its position
/// unused; positions are never handed out twice. Call inside a write transaction.
async fn take_positions(conn: &mut SqliteConnection, batch: &[NewMessage]) -> Result<Vec<i64>> {
    let (top, bottom): (i64, i64) =
        sqlx::query_as("SELECT top, bottom FROM local_order WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| Error::Corrupt("the local order counters are missing".into()))?;
    let older = batch.iter().filter(|m| m.backfill).count() as i64;
    let (mut next_top, mut next_bottom) = (top, bottom - older);
    let new_bottom = next_bottom;
    let seqs: Vec<i64> = batch
        .iter()
        .map(|m| {
            if m.backfill {
                let seq = next_bottom;
                next_bottom += 1;
                seq
            } else {
                next_top += 1;
                next_top
            }
        })
        .collect();
    sqlx::query("UPDATE local_order SET top = ?1, bottom = ?2 WHERE id = 1")
        .bind(next_top)
        .bind(new_bottom)
        .execute(conn)
        .await?;
    Ok(seqs)
}

/// The stored message `m` duplicates: same origin-id in the same direction, else same
/// stanza-id; only among messages with an id up to `upto`.
async fn stored_copy(
    conn: &mut SqliteConnection,
    conversation: i64,
    m: &NewMessage,
    upto: i64,
) -> Result<Option<MessageRow>> {
    if let Some(origin_id) = &m.origin_id {
        let row = sqlx::query_as(concat!(
            "SELECT ",
            message_columns!("message"),
            " FROM message
              WHERE conversation_id = ?1 AND direction = ?2 AND origin_id = ?3 AND id <= ?4"
        ))
        .bind(conversation)
        .bind(m.direction.code())
        .bind(origin_id)
        .bind(upto)
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
            " FROM message WHERE conversation_id = ?1 AND stanza_id = ?2 AND id <= ?3"
        ))
        .bind(conversation)
        .bind(stanza_id)
        .bind(upto)
        .fetch_optional(&mut *conn)
        .await?;
        return Ok(row);
    }
    Ok(None)
}

pub(crate) async fn full_message(conn: &mut SqliteConnection, id: i64) -> Result<Option<Message>> {
    let row: Option<FullMessageRow> = sqlx::query_as(select_full_message!("WHERE m.id = ?1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(Message::try_from).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Account;

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
            .map(|i| {
                let peer = format!("peer{}@example.org", i % 5);
                let mut m = if i % 3 == 0 {
                    NewMessage::outgoing("me@example.org", peer, format!("message {i}"), i / 4)
                } else {
                    NewMessage::incoming("me@example.org", peer, format!("message {i}"), i / 4, i)
                };
                m.origin_id = Some(format!("o{i}"));
                m.stanza_id = Some(format!("s{i}"));
                m
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
