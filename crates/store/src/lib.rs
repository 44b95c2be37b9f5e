//! Hongyan's local store: accounts (never a password), the roster cache, message history with
//! corrections, retractions, reactions and files, read markers, archive sync positions and
//! full-text search, in one SQLite file.
//!
//! [`Store`] is a cheap-to-clone handle over a connection pool. The schema lives in numbered
//! migrations (`migrations/0001_init.sql`, `0002_store_v2.sql`, ...) that run when the store
//! opens.
//!
//! - Every (account, peer) pair is a conversation row with an integer key; messages carry
//!   that key, and history pages are range scans of the `(conversation, sent_at, id)` index.
//! - A message with the same origin-id in the same direction, or the same stanza-id, as one
//!   already in its conversation is not stored again ([`Inserted::Duplicate`]); unique indexes
//!   decide, so concurrent writers cannot both store it.
//! - Every stored message takes a position in a local order ([`Message::seq`]). Read markers
//!   are such positions, so what counts as unread depends on when a message reached this
//!   store, never on a time its sender claims.
//! - Outgoing delivery states only move forward ([`MessageState::can_become`]).
//! - Each conversation keeps its newest message and its unread count up to date on every
//!   insert, so listing conversations does not scan messages.
//! - Operations that need a saved account (storing messages, roster changes, read markers)
//!   fail with `Error::Db(sqlx::Error::RowNotFound)` when there is none with that JID, or
//!   when it was forgotten with its history kept ([`Store::forget_account`]).

mod accounts;
mod archive;
mod attachments;
mod conversations;
mod edits;
mod messages;
mod model;
mod reactions;
mod roster;
mod search;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use accounts::OWN_PRESENCE_SHOWS;
pub use model::{
    Account, ArchivePage, ArchivePosition, ArchiveSync, Attachment, AttachmentState, Conversation,
    ConversationKind, Direction, HistoryCursor, Inserted, Message, MessageState, MessageVersion,
    NewAttachment, NewMessage, Reaction, Retracted, RosterItem, SearchPage, Subscription,
};
pub use search::SHORT_SCAN;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// A value the store does not accept, refused before anything was written.
    #[error("invalid value: {0}")]
    Invalid(String),
}

/// How long a connection waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Readers run side by side in WAL mode; writes are serialised by SQLite itself.
const MAX_CONNECTIONS: u32 = 4;

/// Write transactions take the write lock up front: a deferred transaction that reads first
/// and writes later can fail with `SQLITE_BUSY` when another connection wrote in between,
/// and the busy timeout does not help in that case.
pub(crate) const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// Handle to the local store. Cloning is cheap; all clones share one connection pool.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (or creates, with its parent directories) the database file at `path` and brings
    /// its schema up to date.
    #[tracing::instrument(level = "debug", err)]
    pub async fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| Error::Db(sqlx::Error::Io(e)))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL cannot corrupt the database; a power cut may only lose the
            // last commits, which the server archive gives back on the next sync.
            .synchronous(SqliteSynchronous::Normal)
            // A statement that writes many rows (a chunk of a message batch) keeps a statement
            // journal of every page it changes; past 64 KiB SQLite spills it to a temporary
            // file, and those writes cost a batch of 500 messages about 15% of its time.
            .pragma("temp_store", "memory")
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await?;
        Self::migrated(pool).await
    }

    /// An empty in-memory store, for tests. The pool holds exactly one connection and never
    /// closes it, because an in-memory database lives and dies with its connection.
    pub async fn open_memory() -> Result<Store> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        Self::migrated(pool).await
    }

    async fn migrated(pool: SqlitePool) -> Result<Store> {
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store { pool })
    }

    /// Closes every connection; later calls on this store (or its clones) fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Error for an operation that needs a saved account when there is none with that JID.
pub(crate) fn no_account() -> Error {
    Error::Db(sqlx::Error::RowNotFound)
}

/// Error for an operation on a message that is not stored.
pub(crate) fn no_message() -> Error {
    Error::Db(sqlx::Error::RowNotFound)
}
