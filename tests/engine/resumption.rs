//! XEP-0198 resumption against real servers: the connection is reset under the account (a relay
//! between it and the server drops both directions, with no closing tag), a contact writes
//! while it is gone and the account writes too; the account resumes the same session, and
//! every message arrives exactly once on both sides.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use hongyan_core::store::{Direction, MessageState, Store};
use hongyan_core::{parse_bare_jid, Client, ConnState, Event};
use hongyan_tests::{unique_user, Peer, Proxy, ServerKind};

use crate::both_servers;
use crate::support::{config, events, start, store, wait_event, WAIT};

both_servers!(a_reset_connection_resumes_the_session_and_delivers_each_message_once);
async fn a_reset_connection_resumes_the_session_and_delivers_each_message_once(kind: ServerKind) -> Result<()> {
    let server = start(kind).await?;
    let me = unique_user("sm");
    let them = unique_user("smpeer");
    server.register(&me, "sm-pw").await?;
    server.register(&them, "sm-peer-pw").await?;
    let mut peer = Peer::start(&*server, &them, "sm-peer-pw", false).await?;
    let peer_jid = parse_bare_jid(peer.bare_jid())?;

    let proxy = Proxy::start(server.c2s_port()).await?;
    let mut account = config(&*server, &me, "sm-pw");
    account.connect.port = Some(proxy.port());
    let (store, _, _dir) = store().await?;
    let (tx, mut rx) = events();
    let client = Client::connect(account, store.clone(), tx).await?;
    let my_jid = client.jid().to_string();
    let bound = client.bound_jid().context("a bound resource")?.to_string();

    // Confirmed by the server before the cut.
    let before = client.send_chat(&peer_jid, "断线之前").await?;
    wait_sent(&mut rx, before.id).await.context("the first message confirmed")?;
    ensure!(peer.wait_message_from(&my_jid, WAIT).await?.body.as_deref() == Some("断线之前"));

    // The connection drops, and stays down while both sides write.
    proxy.hold();
    proxy.cut();
    wait_event(&mut rx, "reconnecting", |e| matches!(e, Event::Connection { state: ConnState::Reconnecting, .. })).await?;
    peer.send(&bound, "你掉线的时候我写的").await?;
    let away = client.send_chat(&peer_jid, "离线时写的 ✉️").await?;
    ensure!(away.state == MessageState::Pending, "{away:?}");
    // Long enough for the server to notice the reset and keep the session for resumption.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    proxy.restore();

    wait_event(&mut rx, "online again", |e| matches!(e, Event::Connection { state: ConnState::Online, .. })).await?;
    wait_sent(&mut rx, away.id).await.context("the message written while away confirmed")?;
    ensure!(client.resumptions() == 1, "the session was resumed, not replaced ({} resumptions)", client.resumptions());
    ensure!(client.bound_jid().map(|j| j.to_string()) == Some(bound.clone()), "same resource after resuming");

    // A last message each way marks the end: anything sent twice would arrive before it.
    peer.send(&bound, "最后一条").await?;
    let last = client.send_chat(&peer_jid, "我也最后一条").await?;
    wait_sent(&mut rx, last.id).await?;
    for expected in ["离线时写的 ✉️", "我也最后一条"] {
        let got = peer.wait_message_from(&my_jid, WAIT).await?;
        ensure!(got.body.as_deref() == Some(expected), "the peer got {:?} where {expected:?} was next", got.body);
    }
    wait_received(&store, &my_jid, peer_jid.as_str(), "最后一条").await?;

    let history = store.history(&my_jid, peer_jid.as_str(), None, 50).await?;
    let bodies: Vec<(Direction, &str)> =
        history.iter().map(|m| (m.direction, m.body.as_deref().unwrap_or_default())).collect();
    let expected_once = [
        (Direction::Outgoing, "断线之前"),
        (Direction::Incoming, "你掉线的时候我写的"),
        (Direction::Outgoing, "离线时写的 ✉️"),
        (Direction::Incoming, "最后一条"),
        (Direction::Outgoing, "我也最后一条"),
    ];
    for wanted in expected_once {
        let n = bodies.iter().filter(|b| **b == wanted).count();
        ensure!(n == 1, "{wanted:?} stored {n} times: {bodies:?}");
    }
    ensure!(bodies.len() == expected_once.len(), "nothing else stored: {bodies:?}");
    ensure!(history.iter().all(|m| m.direction == Direction::Incoming || m.state == MessageState::Sent), "{history:?}");
    ensure!(proxy.relayed() == 2, "one connection before the cut, one after: {}", proxy.relayed());

    client.disconnect().await;
    peer.stop().await?;
    Ok(())
}

async fn wait_sent(rx: &mut tokio::sync::broadcast::Receiver<Event>, id: i64) -> Result<()> {
    wait_event(rx, "sent state", |e| {
        matches!(e, Event::MessageUpdated { message, .. } if message.id == id && message.state == MessageState::Sent)
    })
    .await
    .map(drop)
}

/// Waits until the store holds an incoming `body` from `peer`.
async fn wait_received(store: &Store, account: &str, peer: &str, body: &str) -> Result<()> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let history = store.history(account, peer, None, 50).await?;
        if history.iter().any(|m| m.direction == Direction::Incoming && m.body.as_deref() == Some(body)) {
            return Ok(());
        }
        ensure!(tokio::time::Instant::now() < deadline, "{body:?} never arrived: {history:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
