//! 0001 → 0002: a database filled by the first schema arrives whole in the second, with the
//! same unread counts.

use std::collections::HashMap;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Connection, SqliteConnection, SqlitePool};

use hongyan_store::{
    Account, ConversationKind, Direction, Message, MessageState, RosterItem, Store, Subscription,
};

use crate::{incoming, text};

const ME: &str = "me@example.org";
const TWO: &str = "two@example.org";
const BOB: &str = "bob@example.org";
const CAROL: &str = "carol@example.org";
const DAVE: &str = "dave@example.org";

/// A database file holding only the first schema, as Hongyan 0001 left it.
async fn first_schema(path: &std::path::Path) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    sqlx::migrate!("./migrations")
        .run_to(1, &pool)
        .await
        .unwrap();
    pool
}

async fn exec(pool: &SqlitePool, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .unwrap();
}

/// A message row of the first schema, with its account and peer.
#[derive(sqlx::FromRow, Debug, Clone)]
struct OldMessage {
    id: i64,
    account: String,
    peer: String,
    direction: i64,
    body: String,
    sent_at: i64,
    received_at: i64,
    origin_id: Option<String>,
    stanza_id: Option<String>,
    state: i64,
    error: Option<String>,
}

/// A conversation row of the first schema: account, peer, last message, read_at, unread.
#[derive(sqlx::FromRow, Debug)]
struct OldConversation {
    account: String,
    peer: String,
    last_message_id: Option<i64>,
    read_at: Option<i64>,
    unread: i64,
}

/// Fills the first schema the way Hongyan 0001 did: accounts, rosters, and messages in
/// every state and direction stored through its trigger, then read markers set as its
/// `mark_read` set them (a time, and the count of incoming messages sent after it).
async fn fill(pool: &SqlitePool) {
    exec(
        pool,
        "INSERT INTO account (id, jid, host, port, pinned_cert_sha256, resource, auto_connect,
                              created_at, last_login_at, roster_version)
         VALUES (1, 'me@example.org', 'xmpp.example.org', 5223,
                 'abababababababababababababababababababababababababababababababab',
                 '笔记本', 1, 1000, 2000, 'ver-7'),
                (2, 'two@example.org', NULL, NULL, NULL, 'hongyan', 0, 1500, NULL, NULL);
         INSERT INTO roster_item (account_id, jid, name, groups, subscription, ask_pending)
         VALUES (1, 'bob@example.org', '鲍勃 🐻', '[\"朋友\",\"Work\"]', 'both', 0),
                (1, 'carol@example.org', NULL, '[]', 'to', 1),
                (2, 'bob@example.org', 'Bob', '[]', 'none', 0);
         INSERT INTO conversation (id, account_id, peer) VALUES
                (1, 1, 'bob@example.org'), (2, 1, 'carol@example.org'),
                (3, 1, 'dave@example.org'), (4, 2, 'bob@example.org');",
    )
    .await;
    // Bob: every (direction, state) pair twice, sent times scrambled against arrival order
    // (archive copies arrive late with old times), on both sides of the read marker.
    let mut values = Vec::new();
    for i in 0..16_i64 {
        let direction = i % 2;
        let state = (i / 2) % 4;
        let sent_at = 1_000 + (i * 7 % 16) * 10;
        let origin = if i % 3 == 0 {
            "NULL".to_owned()
        } else {
            format!("'o-{i}'")
        };
        let stanza = if i % 4 == 1 {
            "NULL".to_owned()
        } else {
            format!("'s-{i}'")
        };
        let error = if state == 2 {
            "'service-unavailable'"
        } else {
            "NULL"
        };
        values.push(format!(
            "(1, {direction}, '第{i}条消息 message {i} ✨', {sent_at}, {}, {origin}, {stanza}, {state}, {error})",
            5_000 + i
        ));
    }
    // Carol: never read. Two's Bob: read past everything.
    for i in 0..4_i64 {
        values.push(format!(
            "(2, 0, 'carol {i}', {}, {}, NULL, NULL, 3, NULL)",
            2_000 + i,
            6_000 + i
        ));
        values.push(format!(
            "(4, {}, 'two {i}', {}, {}, 'o-{i}', NULL, {}, NULL)",
            i % 2,
            3_000 + i,
            7_000 + i,
            if i % 2 == 0 { 3 } else { 1 }
        ));
    }
    exec(
        pool,
        &format!(
            "INSERT INTO message (conversation_id, direction, body, sent_at, received_at,
                                  origin_id, stanza_id, state, error) VALUES {};",
            values.join(", ")
        ),
    )
    .await;
    for (conversation, at) in [(1, 1_075), (3, 500), (4, 9_999)] {
        exec(
            pool,
            &format!(
                "UPDATE conversation SET read_at = {at},
                     unread = (SELECT count(*) FROM message m WHERE m.conversation_id = {conversation}
                               AND m.direction = 0 AND m.sent_at > {at})
                 WHERE id = {conversation};"
            ),
        )
        .await;
    }
}

fn new_state(direction: i64, code: i64) -> MessageState {
    match (code, direction) {
        (0, _) => MessageState::Pending,
        (1, _) => MessageState::Sent,
        (2, _) => MessageState::Failed,
        (3, 1) => MessageState::Delivered,
        (3, _) => MessageState::Received,
        other => panic!("no such 0001 state {other:?}"),
    }
}

#[tokio::test]
async fn a_filled_first_schema_arrives_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hongyan.db");
    let pool = first_schema(&path).await;
    fill(&pool).await;

    // What 0001 held, read before the upgrade.
    let old: Vec<OldMessage> = sqlx::query_as(
        "SELECT m.id, a.jid AS account, c.peer, m.direction, m.body, m.sent_at, m.received_at,
                m.origin_id, m.stanza_id, m.state, m.error
         FROM message m JOIN conversation c ON c.id = m.conversation_id
         JOIN account a ON a.id = c.account_id ORDER BY m.id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(old.len(), 24);
    let states: std::collections::HashSet<(i64, i64)> =
        old.iter().map(|m| (m.direction, m.state)).collect();
    assert_eq!(states.len(), 8, "every state in every direction");
    let old_conversations: Vec<OldConversation> = sqlx::query_as(
        "SELECT a.jid AS account, c.peer, c.last_message_id, c.read_at, c.unread
         FROM conversation c JOIN account a ON a.id = c.account_id ORDER BY c.id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    // The 0001 counts are what its rule says (a sanity check of the fixture itself).
    for c in &old_conversations {
        let counted = old
            .iter()
            .filter(|m| m.account == c.account && m.peer == c.peer && m.direction == 0)
            .filter(|m| c.read_at.is_none_or(|r| m.sent_at > r))
            .count() as i64;
        assert_eq!(c.unread, counted, "{} {}", c.account, c.peer);
    }
    let unread_before: HashMap<(String, String), i64> = old_conversations
        .iter()
        .map(|c| ((c.account.clone(), c.peer.clone()), c.unread))
        .collect();
    // Bob's unread ones (ids 3, 5, 7, 9) arrived before read ones (ids 11, 13, 15): no
    // position in arrival order splits them, which the migration must still get right.
    assert_eq!(unread_before[&(ME.to_owned(), BOB.to_owned())], 4);
    assert_eq!(unread_before[&(ME.to_owned(), CAROL.to_owned())], 4);
    pool.close().await;

    let store = Store::open(&path).await.unwrap();

    // Accounts and rosters, field for field.
    assert_eq!(
        store.accounts().await.unwrap(),
        vec![
            Account {
                jid: ME.into(),
                host: Some("xmpp.example.org".into()),
                port: Some(5223),
                pinned_cert_sha256: Some("ab".repeat(32)),
                resource: "笔记本".into(),
                auto_connect: true,
                created_at: 1_000,
                last_login_at: Some(2_000),
            },
            Account {
                jid: TWO.into(),
                host: None,
                port: None,
                pinned_cert_sha256: None,
                resource: "hongyan".into(),
                auto_connect: false,
                created_at: 1_500,
                last_login_at: None,
            },
        ]
    );
    assert_eq!(
        store.roster(ME).await.unwrap(),
        (
            Some("ver-7".into()),
            vec![
                RosterItem {
                    jid: BOB.into(),
                    name: Some("鲍勃 🐻".into()),
                    groups: vec!["朋友".into(), "Work".into()],
                    subscription: Subscription::Both,
                    ask_pending: false,
                },
                RosterItem {
                    jid: CAROL.into(),
                    name: None,
                    groups: vec![],
                    subscription: Subscription::To,
                    ask_pending: true,
                },
            ]
        )
    );
    assert_eq!(store.roster(TWO).await.unwrap().1.len(), 1);

    // Every message, with its id, every old value and the new columns' defaults.
    let mut migrated = Vec::new();
    for o in &old {
        let m = store.message(o.id).await.unwrap().expect("message kept");
        let direction = if o.direction == 0 {
            Direction::Incoming
        } else {
            Direction::Outgoing
        };
        let want = Message {
            id: o.id,
            account: o.account.clone(),
            peer: o.peer.clone(),
            direction,
            // 0001 sent with the origin-id as the stanza id.
            remote_id: if o.direction == 1 {
                o.origin_id.clone()
            } else {
                None
            },
            origin_id: o.origin_id.clone(),
            stanza_id: o.stanza_id.clone(),
            sender_jid: None,
            sender_nick: None,
            occupant_id: None,
            body: Some(o.body.clone()),
            sent_at: o.sent_at,
            server_at: None,
            received_at: o.received_at,
            seq: m.seq,
            state: new_state(o.direction, o.state),
            error: o.error.clone(),
            edited_at: None,
            retracted_at: None,
        };
        assert_eq!(m, want);
        migrated.push(m);
    }
    let mut seqs: Vec<i64> = migrated.iter().map(|m| m.seq).collect();
    seqs.sort();
    assert_eq!(
        seqs,
        (1..=24).collect::<Vec<_>>(),
        "one local position each"
    );
    let history = store.history(ME, BOB, None, 100).await.unwrap();
    assert_eq!(history.len(), 16);
    assert!(history
        .windows(2)
        .all(|w| (w[0].sent_at, w[0].id) < (w[1].sent_at, w[1].id)));

    // Conversations: same last message, same unread counts.
    let convs = store.conversations(ME).await.unwrap();
    assert_eq!(
        convs.iter().map(|c| c.peer.as_str()).collect::<Vec<_>>(),
        [CAROL, BOB],
        "Dave has no messages"
    );
    for OldConversation {
        account,
        peer,
        last_message_id: last,
        ..
    } in &old_conversations
    {
        let listed = store.conversations(account).await.unwrap();
        match listed.iter().find(|c| &c.peer == peer) {
            Some(c) => {
                assert_eq!(Some(c.last.id), *last, "{account} {peer}");
                assert_eq!(c.kind, ConversationKind::Chat);
                assert_eq!(
                    c.unread,
                    unread_before[&(account.clone(), peer.clone())],
                    "unread of {account} {peer} changed"
                );
            }
            None => assert_eq!(*last, None, "{account} {peer}"),
        }
    }
    assert_eq!(convs[1].name.as_deref(), Some("鲍勃 🐻"));

    // The schema is sound and the search index holds every body.
    let mut raw = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let broken: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(&mut raw)
        .await
        .unwrap();
    assert!(broken.is_empty(), "{broken:?}");
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut raw)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    sqlx::query("INSERT INTO message_fts (message_fts, rank) VALUES ('integrity-check', 1)")
        .execute(&mut raw)
        .await
        .unwrap();
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY 1")
        .fetch_all(&mut raw)
        .await
        .unwrap();
    assert_eq!(versions, [1, 2]);
    raw.close().await.unwrap();
    let hits = store.search(ME, None, "第12条", None, 10).await.unwrap();
    assert_eq!(hits.messages.len(), 1);
    assert_eq!(text(&hits.messages[0]), "第12条消息 message 12 ✨");
    assert_eq!(
        store
            .search(ME, Some(BOB), "✨", None, 100)
            .await
            .unwrap()
            .messages
            .len(),
        16
    );

    // And it goes on under the new rules: an arrival after the marker counts, whatever its
    // time, and lands above everything migrated.
    let late = store
        .insert_message(&incoming(BOB, "after the upgrade", 0))
        .await
        .unwrap()
        .into_message();
    assert_eq!(late.seq, 25);
    let bob = |convs: Vec<hongyan_store::Conversation>| {
        convs.into_iter().find(|c| c.peer == BOB).map(|c| c.unread)
    };
    assert_eq!(bob(store.conversations(ME).await.unwrap()), Some(5));
    store.mark_all_read(ME, BOB).await.unwrap();
    assert_eq!(bob(store.conversations(ME).await.unwrap()), Some(0));
    let out = migrated
        .iter()
        .find(|m| m.peer == BOB && m.state == MessageState::Sent)
        .unwrap();
    assert_eq!(
        store
            .update_state(out.id, MessageState::Delivered, None)
            .await
            .unwrap()
            .map(|m| m.state),
        Some(MessageState::Delivered)
    );
    store.close().await;

    // Opening again runs nothing twice.
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.history(ME, BOB, None, 100).await.unwrap().len(), 17);
    store.close().await;
}

#[tokio::test]
async fn dave_keeps_his_marker_without_messages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hongyan.db");
    let pool = first_schema(&path).await;
    fill(&pool).await;
    pool.close().await;
    let store = Store::open(&path).await.unwrap();
    // Dave's conversation had a marker but no message: his first message is unread.
    store
        .insert_message(&incoming(DAVE, "hello at last", 1))
        .await
        .unwrap();
    let convs = store.conversations(ME).await.unwrap();
    let dave = convs.iter().find(|c| c.peer == DAVE).unwrap();
    assert_eq!(dave.unread, 1);
    store.close().await;
}
