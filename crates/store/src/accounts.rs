//! Saved accounts: connection settings and login times, never a password.

use crate::{Account, Error, Result, Store};

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
             FROM account ",
            $tail
        )
    };
}

impl Store {
    /// Inserts the account, or replaces every field of the saved account with the same JID.
    /// Its roster, messages and read markers stay.
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
                 last_login_at = excluded.last_login_at",
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
        let row: Option<AccountRow> = sqlx::query_as(select_accounts!("WHERE jid = ?1"))
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
        sqlx::query("UPDATE account SET last_login_at = ?2 WHERE jid = ?1")
            .bind(jid)
            .bind(at_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes the account with its roster, conversations, messages and read markers.
    pub async fn delete_account(&self, jid: &str) -> Result<()> {
        sqlx::query("DELETE FROM account WHERE jid = ?1")
            .bind(jid)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Row id of the saved account `jid`.
pub(crate) async fn account_id(
    conn: &mut sqlx::SqliteConnection,
    jid: &str,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM account WHERE jid = ?1")
        .bind(jid)
        .fetch_optional(conn)
        .await?)
}
