//! Saved accounts: connection settings, login times and the presence last chosen, never a
//! password. An account forgotten with its history kept stays as a hidden row, so its
//! conversations survive until the same address is saved again.

use crate::{no_account, Account, Error, Result, Store, BEGIN_WRITE};

/// The presence `show` values [`Store::set_own_presence`] accepts: RFC 6121's four, plus
/// `online` (available without a show) and `offline` (unavailable).
pub const OWN_PRESENCE_SHOWS: [&str; 6] = ["online", "chat", "away", "xa", "dnd", "offline"];

/// Error text of outgoing messages still pending when their account is forgotten.
const FORGOTTEN_PENDING: &str = "not sent: the account was removed";

#[derive(sqlx::FromRow)]
struct AccountRow {
    jid: String,
    host: Option<String>,
    port: Option<i64>,
    pinned_cert_sha256: Option<String>,
    resource: String,
    auto_connect: bool,
    created_at: i64,
    last_login_at: Option<i64>,
}

impl TryFrom<AccountRow> for Account {
    type Error = Error;

    fn try_from(r: AccountRow) -> Result<Account> {
        let port = r
            .port
            .map(|p| {
                u16::try_from(p)
                    .map_err(|_| Error::Corrupt(format!("port {p} of account {}", r.jid)))
            })
            .transpose()?;
        Ok(Account {
            jid: r.jid,
            host: r.host,
            port,
            pinned_cert_sha256: r.pinned_cert_sha256,
            resource: r.resource,
            auto_connect: r.auto_connect,
            created_at: r.created_at,
            last_login_at: r.last_login_at,
        })
    }
}

macro_rules! select_accounts {
    ($tail:literal) => {
        concat!(
            "SELECT jid, host, port, pinned_cert_sha256, resource, auto_connect, created_at,
                    last_login_at
             FROM account WHERE forgotten = 0 ",
            $tail
        )
    };
}

impl Store {
    /// Inserts the account, or replaces every field of the saved account with the same JID.
    /// Its roster, messages and read markers stay. Saving the address of an account forgotten
    /// with its history kept brings that account back with its conversations.
    pub async fn save_account(&self, a: &Account) -> Result<()> {
        sqlx::query(
            "INSERT INTO account (jid, host, port, pinned_cert_sha256, resource, auto_connect,
                                  created_at, last_login_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (jid) DO UPDATE SET
                 host = excluded.host,
                 port = excluded.port,
                 pinned_cert_sha256 = excluded.pinned_cert_sha256,
                 resource = excluded.resource,
                 auto_connect = excluded.auto_connect,
                 created_at = excluded.created_at,
                 last_login_at = excluded.last_login_at,
                 forgotten = 0",
        )
        .bind(&a.jid)
        .bind(&a.host)
        .bind(a.port.map(i64::from))
        .bind(&a.pinned_cert_sha256)
        .bind(&a.resource)
        .bind(a.auto_connect)
        .bind(a.created_at)
        .bind(a.last_login_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn account(&self, jid: &str) -> Result<Option<Account>> {
        let row: Option<AccountRow> = sqlx::query_as(select_accounts!("AND jid = ?1"))
            .bind(jid)
            .fetch_optional(&self.pool)
            .await?;
        row.map(Account::try_from).transpose()
    }

    /// All accounts, most recently logged in first (never logged in last), then by JID.
    pub async fn accounts(&self) -> Result<Vec<Account>> {
        let rows: Vec<AccountRow> = sqlx::query_as(select_accounts!(
            "ORDER BY last_login_at DESC NULLS LAST, jid"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Account::try_from).collect()
    }

    /// Records a successful login. Does nothing for an unknown JID.
    pub async fn touch_login(&self, jid: &str, at_ms: i64) -> Result<()> {
        sqlx::query("UPDATE account SET last_login_at = ?2 WHERE jid = ?1 AND forgotten = 0")
            .bind(jid)
            .bind(at_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes the account with its roster, conversations, messages and read markers.
    /// The same as [`Store::forget_account`] without keeping the history.
    pub async fn delete_account(&self, jid: &str) -> Result<()> {
        self.forget_account(jid, false).await
    }

    /// Removes the account from the store.
    ///
    /// With `keep_history` false everything about it goes: roster, conversations, messages,
    /// read markers, archive positions. With `keep_history` true the account disappears from
    /// [`Store::accounts`] and [`Store::account`], its connection settings, pinned certificate,
    /// roster cache and chosen presence are cleared and its pending messages fail, but its
    /// conversations, messages, read markers and archive positions stay (readable by JID);
    /// [`Store::save_account`] with the same JID brings it back with that history.
    /// An unknown JID is not an error. Forgetting a forgotten account without keeping its
    /// history removes that history.
    pub async fn forget_account(&self, jid: &str, keep_history: bool) -> Result<()> {
        if !keep_history {
            sqlx::query("DELETE FROM account WHERE jid = ?1")
                .bind(jid)
                .execute(&self.pool)
                .await?;
            return Ok(());
        }
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE account
             SET forgotten = 1, host = NULL, port = NULL, pinned_cert_sha256 = NULL,
                 auto_connect = 0, roster_version = NULL
             WHERE jid = ?1
             RETURNING id",
        )
        .bind(jid)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Ok(());
        };
        for sql in [
            "DELETE FROM roster_item WHERE account_id = ?1",
            "DELETE FROM own_presence WHERE account_id = ?1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        // Sending them whenever the address is signed in to again, maybe months later, would
        // surprise; failed, they wait for an explicit resend.
        sqlx::query(
            "UPDATE message SET state = 'failed', error = ?2
             WHERE direction = 1 AND state = 'pending'
               AND conversation_id IN (SELECT id FROM conversation WHERE account_id = ?1)",
        )
        .bind(id)
        .bind(FORGOTTEN_PENDING)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Remembers the presence the user chose for the account: `show` is one of
    /// [`OWN_PRESENCE_SHOWS`], `status` the text shown with it (`None` for none).
    /// Fails with [`Error::Invalid`] for another `show`, and with
    /// `Error::Db(sqlx::Error::RowNotFound)` when the account is not saved.
    pub async fn set_own_presence(
        &self,
        jid: &str,
        show: &str,
        status: Option<&str>,
    ) -> Result<()> {
        if !OWN_PRESENCE_SHOWS.contains(&show) {
            return Err(Error::Invalid(format!("presence show {show:?}")));
        }
        let stored = sqlx::query(
            "INSERT INTO own_presence (account_id, show, status)
             SELECT id, ?2, ?3 FROM account WHERE jid = ?1 AND forgotten = 0
             ON CONFLICT (account_id) DO UPDATE SET show = excluded.show, status = excluded.status",
        )
        .bind(jid)
        .bind(show)
        .bind(status)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if stored == 0 {
            return Err(no_account());
        }
        Ok(())
    }

    /// The presence last chosen for the account as (show, status), or `None` if none was
    /// chosen or the account is not saved.
    pub async fn own_presence(&self, jid: &str) -> Result<Option<(String, Option<String>)>> {
        Ok(sqlx::query_as(
            "SELECT p.show, p.status FROM own_presence p JOIN account a ON a.id = p.account_id
             WHERE a.jid = ?1 AND a.forgotten = 0",
        )
        .bind(jid)
        .fetch_optional(&self.pool)
        .await?)
    }
}

/// Row id of the saved account `jid`; a forgotten account has none.
pub(crate) async fn account_id(
    conn: &mut sqlx::SqliteConnection,
    jid: &str,
) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM account WHERE jid = ?1 AND forgotten = 0")
            .bind(jid)
            .fetch_optional(conn)
            .await?,
    )
}
