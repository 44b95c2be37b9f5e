//! Cache of the server roster with its XEP-0237 version, so a reconnect can ask the server
//! for the changes only.

use sqlx::SqliteConnection;

use crate::accounts::account_id;
use crate::{no_account, Error, Result, RosterItem, Store, Subscription, BEGIN_WRITE};

#[derive(sqlx::FromRow)]
struct RosterRow {
    jid: String,
    name: Option<String>,
    groups: String,
    subscription: String,
    ask_pending: bool,
}

impl TryFrom<RosterRow> for RosterItem {
    type Error = Error;

    fn try_from(r: RosterRow) -> Result<RosterItem> {
        let groups = serde_json::from_str(&r.groups)
            .map_err(|e| Error::Corrupt(format!("groups of roster item {}: {e}", r.jid)))?;
        Ok(RosterItem {
            subscription: Subscription::parse(&r.subscription)?,
            jid: r.jid,
            name: r.name,
            groups,
            ask_pending: r.ask_pending,
        })
    }
}

impl Store {
    /// Replaces the whole cached roster of `account` and its version, atomically.
    /// Fails with `Error::Db(sqlx::Error::RowNotFound)` when the account is not saved.
    pub async fn replace_roster(
        &self,
        account: &str,
        version: Option<&str>,
        items: &[RosterItem],
    ) -> Result<()> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let id = set_version(&mut tx, account, version).await?;
        sqlx::query("DELETE FROM roster_item WHERE account_id = ?1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for item in items {
            upsert_item(&mut tx, id, item).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Applies a roster push that added or changed `item`; `version` is the push's version.
    /// Fails with `Error::Db(sqlx::Error::RowNotFound)` when the account is not saved.
    pub async fn upsert_roster_item(
        &self,
        account: &str,
        version: Option<&str>,
        item: &RosterItem,
    ) -> Result<()> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let id = set_version(&mut tx, account, version).await?;
        upsert_item(&mut tx, id, item).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Applies a roster push that removed `jid`; `version` is the push's version.
    /// Fails with `Error::Db(sqlx::Error::RowNotFound)` when the account is not saved.
    pub async fn remove_roster_item(
        &self,
        account: &str,
        version: Option<&str>,
        jid: &str,
    ) -> Result<()> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let id = set_version(&mut tx, account, version).await?;
        sqlx::query("DELETE FROM roster_item WHERE account_id = ?1 AND jid = ?2")
            .bind(id)
            .bind(jid)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The cached roster version and items, sorted by JID. An unknown account has none.
    pub async fn roster(&self, account: &str) -> Result<(Option<String>, Vec<RosterItem>)> {
        let mut conn = self.pool.acquire().await?;
        let version: Option<Option<String>> = sqlx::query_scalar(
            "SELECT roster_version FROM account WHERE jid = ?1 AND forgotten = 0",
        )
        .bind(account)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(version) = version else {
            return Ok((None, Vec::new()));
        };
        let rows: Vec<RosterRow> = sqlx::query_as(
            "SELECT r.jid, r.name, r.groups, r.subscription, r.ask_pending
             FROM roster_item r JOIN account a ON a.id = r.account_id
             WHERE a.jid = ?1
             ORDER BY r.jid",
        )
        .bind(account)
        .fetch_all(&mut *conn)
        .await?;
        let items = rows
            .into_iter()
            .map(RosterItem::try_from)
            .collect::<Result<_>>()?;
        Ok((version, items))
    }
}

/// Stores the roster version of `account` and returns the account's row id.
async fn set_version(
    conn: &mut SqliteConnection,
    account: &str,
    version: Option<&str>,
) -> Result<i64> {
    let id = account_id(conn, account).await?.ok_or_else(no_account)?;
    sqlx::query("UPDATE account SET roster_version = ?2 WHERE id = ?1")
        .bind(id)
        .bind(version)
        .execute(conn)
        .await?;
    Ok(id)
}

async fn upsert_item(
    conn: &mut SqliteConnection,
    account_id: i64,
    item: &RosterItem,
) -> Result<()> {
    let groups = serde_json::Value::from(item.groups.as_slice()).to_string();
    sqlx::query(
        "INSERT INTO roster_item (account_id, jid, name, groups, subscription, ask_pending)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (account_id, jid) DO UPDATE SET
             name = excluded.name,
             groups = excluded.groups,
             subscription = excluded.subscription,
             ask_pending = excluded.ask_pending",
    )
    .bind(account_id)
    .bind(&item.jid)
    .bind(&item.name)
    .bind(groups)
    .bind(item.subscription.as_str())
    .bind(item.ask_pending)
    .execute(conn)
    .await?;
    Ok(())
}
