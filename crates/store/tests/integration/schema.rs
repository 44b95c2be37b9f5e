use sqlx::{Connection, SqliteConnection};

use hongyan_store::Store;

/// Opens the store's file with a plain connection, to look at what is really on disk.
async fn raw(path: &std::path::Path) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
}

#[tokio::test]
async fn no_password_or_secret_is_stored_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    Store::open(&path).await.unwrap().close().await;

    let mut conn = raw(&path).await;
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p
         WHERE m.type = 'table' ORDER BY m.name, p.cid",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(columns.len() > 20, "schema not read: {columns:?}");
    for (table, column) in &columns {
        let c = column.to_lowercase();
        for word in ["pass", "pwd", "secret", "token", "credential"] {
            assert!(!c.contains(word), "{table}.{column} looks like a secret");
        }
    }
    let account: Vec<&str> = columns
        .iter()
        .filter(|(t, _)| t == "account")
        .map(|(_, c)| c.as_str())
        .collect();
    assert_eq!(
        account,
        [
            "id",
            "jid",
            "host",
            "port",
            "pinned_cert_sha256",
            "resource",
            "auto_connect",
            "created_at",
            "last_login_at",
            "roster_version",
            "forgotten"
        ]
    );
    let sql: Vec<String> =
        sqlx::query_scalar("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert!(!sql.is_empty());
    assert!(sql.iter().all(|s| !s.to_lowercase().contains("password")));
}

#[tokio::test]
async fn file_store_uses_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = Store::open(&path).await.unwrap();
    let mut conn = raw(&path).await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    conn.close().await.unwrap();
    store.close().await;
}
