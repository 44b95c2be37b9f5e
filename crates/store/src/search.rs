//! Full-text search of message bodies, newest first.
//!
//! Queries of three or more characters use the FTS5 trigram index (`message_fts`), which
//! finds any substring, Chinese included. The whole query is one quoted phrase, so quotes,
//! `*`, `-`, `NEAR`, `AND` and the like are searched as text, never read as query syntax.
//! Trigrams cannot find shorter strings: one- and two-character queries (`好的`, `ok`) walk
//! messages newest first through a time index with `LIKE`, at most [`SHORT_SCAN`] messages
//! per call, and say where to go on.
//!
//! Only current, not retracted text is found: the index follows corrections and retractions.

use crate::model::{message_columns, FullMessageRow};
use crate::{HistoryCursor, Message, Result, SearchPage, Store};

/// Messages a short query looks at per call. Bounds the time of one call on a large store
/// whether the text is frequent or nowhere; the caller pages on with the cursor it gets.
pub const SHORT_SCAN: u32 = 20_000;

/// Queries with fewer characters than this take the `LIKE` path.
const TRIGRAM: usize = 3;

/// Starting point for a first page: before every message.
const END: HistoryCursor = HistoryCursor {
    at: i64::MAX,
    id: i64::MAX,
};

macro_rules! fts_sql {
    ($scope:literal) => {
        concat!(
            "SELECT a.jid AS account, c.peer, ",
            message_columns!("m"),
            " FROM message_fts
              CROSS JOIN message m ON m.id = message_fts.rowid
              CROSS JOIN conversation c ON c.id = m.conversation_id
              CROSS JOIN account a ON a.id = c.account_id
              WHERE message_fts MATCH ?1 AND a.jid = ?2 ",
            $scope,
            " AND m.retracted_at IS NULL AND (m.sent_at, m.id) < (?4, ?5)
              ORDER BY m.sent_at DESC, m.id DESC LIMIT ?6"
        )
    };
}
pub(crate) const FTS_ACCOUNT: &str = fts_sql!("AND ?3 IS NULL");
pub(crate) const FTS_CONVERSATION: &str = fts_sql!("AND c.peer = ?3");

// The window of a short query: the oldest of the next SHORT_SCAN messages before the cursor,
// read from the index alone.
pub(crate) const WINDOW_ACCOUNT: &str = "SELECT sent_at, id FROM message INDEXED BY message_time
     WHERE (sent_at, id) < (?1, ?2)
     ORDER BY sent_at DESC, id DESC LIMIT 1 OFFSET ?3";
pub(crate) const WINDOW_CONVERSATION: &str = concat!(
    "SELECT sent_at, id FROM message INDEXED BY message_history
     WHERE conversation_id = (",
    crate::conversations::conversation_of!(),
    ") AND (sent_at, id) < (?3, ?4)
     ORDER BY sent_at DESC, id DESC LIMIT 1 OFFSET ?5"
);

pub(crate) const LIKE_ACCOUNT: &str = concat!(
    "SELECT a.jid AS account, c.peer, ",
    message_columns!("m"),
    " FROM message m INDEXED BY message_time
      CROSS JOIN conversation c ON c.id = m.conversation_id
      CROSS JOIN account a ON a.id = c.account_id
      WHERE a.jid = ?2 AND ?3 IS NULL
        AND (m.sent_at, m.id) < (?4, ?5) AND (m.sent_at, m.id) >= (?6, ?7)
        AND m.body LIKE ?1 ESCAPE '\\' AND m.retracted_at IS NULL
      ORDER BY m.sent_at DESC, m.id DESC LIMIT ?8"
);
pub(crate) const LIKE_CONVERSATION: &str = concat!(
    "SELECT a.jid AS account, c.peer, ",
    message_columns!("m"),
    " FROM message m INDEXED BY message_history
      CROSS JOIN conversation c ON c.id = m.conversation_id
      CROSS JOIN account a ON a.id = c.account_id
      WHERE m.conversation_id = (",
    crate::conversations::conversation_of!(),
    ") AND (m.sent_at, m.id) < (?4, ?5) AND (m.sent_at, m.id) >= (?6, ?7)
      AND m.body LIKE ?3 ESCAPE '\\' AND m.retracted_at IS NULL
      ORDER BY m.sent_at DESC, m.id DESC LIMIT ?8"
);

/// `text` as one FTS5 phrase: inside double quotes, with its own double quotes doubled.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// `text` as a `LIKE` pattern (escape character `\`) matching it anywhere in a body.
fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Store {
    /// Messages of `account` (only those with `peer` when given) whose current text contains
    /// `text`, newest first by (sent_at, id), up to `limit`, strictly older than `before`.
    /// `text` is trimmed and matched as plain text; ASCII letters match either case.
    /// Pass the page's `next` as `before` for the following page.
    pub async fn search(
        &self,
        account: &str,
        peer: Option<&str>,
        text: &str,
        before: Option<HistoryCursor>,
        limit: u32,
    ) -> Result<SearchPage> {
        let text = text.trim();
        if text.is_empty() || limit == 0 {
            return Ok(SearchPage {
                messages: Vec::new(),
                next: None,
            });
        }
        let cursor = before.unwrap_or(END);
        if text.chars().count() >= TRIGRAM {
            let sql = if peer.is_some() {
                FTS_CONVERSATION
            } else {
                FTS_ACCOUNT
            };
            let rows: Vec<FullMessageRow> = sqlx::query_as(sql)
                .bind(fts_phrase(text))
                .bind(account)
                .bind(peer)
                .bind(cursor.at)
                .bind(cursor.id)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
            let messages = rows
                .into_iter()
                .map(Message::try_from)
                .collect::<Result<Vec<_>>>()?;
            let next = (messages.len() == limit as usize)
                .then(|| messages.last().map(HistoryCursor::from))
                .flatten();
            return Ok(SearchPage { messages, next });
        }
        self.search_short(account, peer, text, cursor, limit).await
    }

    async fn search_short(
        &self,
        account: &str,
        peer: Option<&str>,
        text: &str,
        cursor: HistoryCursor,
        limit: u32,
    ) -> Result<SearchPage> {
        let mut conn = self.pool.acquire().await?;
        let offset = i64::from(SHORT_SCAN - 1);
        let window: Option<(i64, i64)> = match peer {
            None => {
                sqlx::query_as(WINDOW_ACCOUNT)
                    .bind(cursor.at)
                    .bind(cursor.id)
                    .bind(offset)
                    .fetch_optional(&mut *conn)
                    .await?
            }
            Some(peer) => {
                sqlx::query_as(WINDOW_CONVERSATION)
                    .bind(account)
                    .bind(peer)
                    .bind(cursor.at)
                    .bind(cursor.id)
                    .bind(offset)
                    .fetch_optional(&mut *conn)
                    .await?
            }
        };
        // No window end: fewer than SHORT_SCAN messages are left, so this call sees them all.
        let (low_at, low_id) = window.unwrap_or((i64::MIN, i64::MIN));
        let pattern = like_pattern(text);
        let query = match peer {
            None => sqlx::query_as(LIKE_ACCOUNT)
                .bind(&pattern)
                .bind(account)
                .bind(None::<&str>),
            Some(peer) => sqlx::query_as(LIKE_CONVERSATION)
                .bind(account)
                .bind(peer)
                .bind(&pattern),
        };
        let rows: Vec<FullMessageRow> = query
            .bind(cursor.at)
            .bind(cursor.id)
            .bind(low_at)
            .bind(low_id)
            .bind(i64::from(limit))
            .fetch_all(&mut *conn)
            .await?;
        let messages = rows
            .into_iter()
            .map(Message::try_from)
            .collect::<Result<Vec<_>>>()?;
        let next = if messages.len() == limit as usize {
            messages.last().map(HistoryCursor::from)
        } else {
            window.map(|(at, id)| HistoryCursor { at, id })
        };
        Ok(SearchPage { messages, next })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{Account, NewMessage};

    pub(crate) async fn filled() -> Store {
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
        let batch: Vec<NewMessage> = (0..3_000)
            .map(|i| {
                let peer = format!("peer{}@example.org", i % 7);
                NewMessage::incoming("me@example.org", peer, format!("消息 {i} message"), i, i)
            })
            .collect();
        store.insert_messages(&batch).await.unwrap();
        sqlx::query("ANALYZE").execute(&store.pool).await.unwrap();
        store
    }

    pub(crate) async fn plan(store: &Store, sql: &str, params: usize) -> Vec<String> {
        let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(sqlx::AssertSqlSafe(format!(
            "EXPLAIN QUERY PLAN {sql}"
        )));
        for _ in 0..params {
            q = q.bind(None::<i64>);
        }
        let rows = q.fetch_all(&store.pool).await.unwrap();
        rows.into_iter().map(|r| r.3).collect()
    }

    /// Search pages must be driven by the index the path is built on: the FTS table for
    /// long queries, the time or history index (newest first, no sort of all matches'
    /// candidates) for short ones, also once the planner has statistics.
    #[tokio::test]
    async fn search_queries_use_their_indexes() {
        let store = filled().await;
        for sql in [FTS_ACCOUNT, FTS_CONVERSATION] {
            let plan = plan(&store, sql, 6).await;
            assert!(
                plan.first()
                    .is_some_and(|d| d.contains("VIRTUAL TABLE INDEX")),
                "FTS search not driven by the index: {plan:#?}"
            );
            assert!(
                plan.iter()
                    .any(|d| d.contains("SEARCH m USING INTEGER PRIMARY KEY")),
                "{plan:#?}"
            );
        }
        for (sql, index) in [
            (LIKE_ACCOUNT, "message_time"),
            (LIKE_CONVERSATION, "message_history"),
            (WINDOW_ACCOUNT, "message_time"),
            (WINDOW_CONVERSATION, "message_history"),
        ] {
            let plan = plan(&store, sql, 8).await;
            assert!(
                plan.iter().any(|d| d.contains(index)),
                "does not walk {index}: {plan:#?}"
            );
            assert!(
                !plan.iter().any(|d| d.contains("TEMP B-TREE")),
                "sorts: {plan:#?}"
            );
        }
        // The window is read from the index alone.
        for sql in [WINDOW_ACCOUNT, WINDOW_CONVERSATION] {
            let plan = plan(&store, sql, 5).await;
            assert!(
                plan.iter().any(|d| d.contains("COVERING INDEX")),
                "{plan:#?}"
            );
        }
    }

    #[test]
    fn queries_are_quoted_and_escaped() {
        assert_eq!(fts_phrase("你好吗"), "\"你好吗\"");
        assert_eq!(fts_phrase("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(fts_phrase("NEAR(a b) -x *"), "\"NEAR(a b) -x *\"");
        assert_eq!(like_pattern("好的"), "%好的%");
        assert_eq!(like_pattern("5%"), "%5\\%%");
        assert_eq!(like_pattern("a_\\"), "%a\\_\\\\%");
    }
}
