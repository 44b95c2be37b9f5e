//! Stanzas a server accepts but that used to break Hongyan's XML stream: a 250 kB attribute on
//! an unknown element, tens of thousands of children, nesting deeper than Hongyan builds. A
//! slixmpp peer sends them, each followed by a normal message, once while Hongyan is offline
//! (the server hands them over from offline storage right after login, the case that looped)
//! and once while it is online. The stream must survive all of them: no reconnect, every normal
//! message arrives and is stored, and the same stream still carries a reply.
//!
//! And for data no limit covers (an attribute over Hongyan's own 1 MiB token limit, on a server
//! configured to accept 2 MiB stanzas): the stream breaks with a reason that names the data, not
//! the server. Inside a stanza, that stanza is acknowledged before the stream closes, so the
//! server does not hand it over again; in a stanza's own start tag, where Hongyan cannot tell
//! what it is, a server that replays it after every login (Prosody) is noticed, the user is
//! told, and the retries come less and less often. (ejabberd writes stanzas out again with the
//! attributes it knows, so there the message simply arrives.)

use std::collections::HashSet;

use anyhow::{anyhow, ensure, Context, Result};
use hongyan_core::store::{Direction, Store};
use hongyan_core::{parse_bare_jid, Client, ConnState, ErrorInfo, Event};
use hongyan_tests::{unique_user, Peer, ServerKind, ServerOptions, XmppServer};
use tokio::sync::broadcast;

use crate::both_servers;
use crate::support::{config, events, start, start_with, store, wait_event, WAIT};

/// The servers' stanza limit in these tests is 256 KiB (262 144 bytes); the largest stanza
/// here stays just below it, with room for what the server adds on the way.
const BIG: usize = 250_000;

/// Longer than Hongyan's 1 MiB limit for one attribute value.
const TOO_LONG: usize = 1_100_000;

struct Case {
    /// The body it carries, or `None` for one Hongyan drops.
    stored: Option<&'static str>,
    payload: String,
}

/// Nesting far deeper than Hongyan's element builders recurse (128), within the servers'
/// stanza limit. ejabberd 23.01 itself crashes (a segmentation fault in its XML library) on
/// 20 000 levels, so it gets fewer.
fn too_deep(kind: ServerKind) -> usize {
    match kind {
        ServerKind::Prosody => 20_000,
        ServerKind::Ejabberd => 1_000,
    }
}

fn nested(levels: usize) -> String {
    format!(
        "<x xmlns='urn:example:deep'>{}{}</x>",
        "<n>".repeat(levels),
        "</n>".repeat(levels)
    )
}

fn cases(kind: ServerKind) -> Vec<Case> {
    vec![
        Case {
            stored: Some("带着 250 kB 属性的消息"),
            payload: format!("<x xmlns='urn:example:poison' data='{}'/>", "A".repeat(BIG)),
        },
        Case {
            stored: Some("六万个子元素"),
            payload: "<i xmlns='urn:example:many'/>".repeat(2_000) + &"<j/>".repeat(45_000),
        },
        Case {
            stored: Some("嵌套 100 层"),
            payload: nested(100),
        },
        // Dropped with a log line, and the stream goes on.
        Case {
            stored: None,
            payload: nested(too_deep(kind)),
        },
    ]
}

fn stanza(to: &str, id: &str, body: &str, payload: &str) -> String {
    format!("<message to='{to}' type='chat' id='{id}'><body>{body}</body>{payload}</message>")
}

const DROPPED_BODY: &str = "太深了，不会保存";

/// Sends every case, each followed by a normal message; returns the normal bodies.
async fn send_cases(
    kind: ServerKind,
    peer: &mut Peer,
    server: &dyn XmppServer,
    to: &str,
) -> Result<Vec<String>> {
    let mut normal = Vec::new();
    for (i, case) in cases(kind).into_iter().enumerate() {
        let xml = stanza(
            to,
            &format!("poison-{i}"),
            case.stored.unwrap_or(DROPPED_BODY),
            &case.payload,
        );
        ensure!(xml.len() < 262_144, "case {i} is {} bytes", xml.len());
        peer.send_raw(&xml).await?;
        let body = format!("第 {i} 条之后的普通消息");
        peer.send(to, &body).await?;
        normal.push(body);
    }
    // A round trip: the server has routed (or stored) everything sent before it.
    peer.disco_items(server.domain()).await?;
    Ok(normal)
}

/// Waits until every body in `bodies` arrived; returns all events seen on the way.
async fn collect_until_received(
    rx: &mut broadcast::Receiver<Event>,
    bodies: &[String],
) -> Result<Vec<Event>> {
    let mut missing: HashSet<&str> = bodies.iter().map(String::as_str).collect();
    let mut seen = Vec::new();
    while !missing.is_empty() {
        let event = wait_event(rx, "the normal messages", |_| true)
            .await
            .with_context(|| {
                format!(
                    "still missing {missing:?}; connection states on the way: {:?}",
                    states(&seen)
                )
            })?;
        if let Event::Messages { messages, .. } = &event {
            for m in messages {
                if let Some(body) = m.body.as_deref() {
                    missing.remove(body);
                }
            }
        }
        seen.push(event);
    }
    Ok(seen)
}

/// The connection states announced, in order.
fn states(events: &[Event]) -> Vec<ConnState> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Connection { state, .. } => Some(*state),
            _ => None,
        })
        .collect()
}

/// The bodies of all incoming messages from `peer` in the store.
async fn incoming(store: &Store, client: &Client, peer: &str) -> Result<Vec<String>> {
    let history = store.history(client.jid().as_str(), peer, None, 100).await?;
    Ok(history
        .into_iter()
        .filter(|m| m.direction == Direction::Incoming)
        .filter_map(|m| m.body)
        .collect())
}

/// A reply goes out on the stream and reaches the peer, then the events seen since the last
/// `Online` show that the connection did not change state again.
async fn still_online_after_a_reply(
    client: &Client,
    rx: &mut broadcast::Receiver<Event>,
    mut seen: Vec<Event>,
    peer: &mut Peer,
    text: &str,
) -> Result<()> {
    let peer_jid = parse_bare_jid(peer.bare_jid())?;
    ensure!(client.state() == ConnState::Online, "{:?}", client.state());
    let reply = client.send_chat(&peer_jid, text).await?;
    let got = peer.wait_message_from(client.jid().as_str(), WAIT).await?;
    ensure!(got.body.as_deref() == Some(text), "{got:?}");
    ensure!(got.origin_id == reply.origin_id, "{got:?}");
    while let Ok(event) = rx.try_recv() {
        seen.push(event);
    }
    let all = states(&seen);
    let last_online = all
        .iter()
        .rposition(|s| *s == ConnState::Online)
        .ok_or_else(|| anyhow!("never online: {all:?}"))?;
    ensure!(
        last_online == all.len() - 1,
        "the connection changed state: {all:?}"
    );
    ensure!(client.state() == ConnState::Online, "{:?}", client.state());
    Ok(())
}

/// What must hold at the end: never lost the first stream, a reply goes out on it, and the
/// store has every normal message and every readable poison one, but not the dropped one.
async fn check_survived(
    kind: ServerKind,
    client: &Client,
    rx: &mut broadcast::Receiver<Event>,
    seen: Vec<Event>,
    peer: &mut Peer,
    store: &Store,
    normal: &[String],
) -> Result<()> {
    let all = states(&seen);
    still_online_after_a_reply(client, rx, seen, peer, "都收到了").await?;
    ensure!(
        !all.contains(&ConnState::Reconnecting),
        "the connection was lost: {all:?}"
    );

    let incoming = incoming(store, client, peer.bare_jid()).await?;
    let mut expected: Vec<&str> = normal.iter().map(String::as_str).collect();
    expected.extend(cases(kind).iter().filter_map(|c| c.stored));
    for body in &expected {
        let times = incoming.iter().filter(|b| b == body).count();
        ensure!(
            times == 1,
            "{body:?} stored {times} times; incoming rows: {incoming:?}"
        );
    }
    ensure!(
        incoming.len() == expected.len(),
        "rows beyond the expected ones (the dropped one?): {incoming:?}"
    );
    ensure!(!incoming.iter().any(|b| b == DROPPED_BODY));
    Ok(())
}

both_servers!(poison_stanzas_waiting_offline_do_not_cost_the_connection);
async fn poison_stanzas_waiting_offline_do_not_cost_the_connection(kind: ServerKind) -> Result<()> {
    let server = start(kind).await?;
    let me = unique_user("poisoned");
    let them = unique_user("poisoner");
    server.register(&me, "me-pw").await?;
    server.register(&them, "them-pw").await?;
    let mut peer = Peer::start(&*server, &them, "them-pw", false).await?;
    let my_jid = server.jid(&me);
    let normal = send_cases(kind, &mut peer, &*server, &my_jid).await?;

    let (store, _, _dir) = store().await?;
    let (tx, mut rx) = events();
    let client = Client::connect(config(&*server, &me, "me-pw"), store.clone(), tx).await?;
    let seen = collect_until_received(&mut rx, &normal)
        .await
        .with_context(|| server.log_tail(20))?;
    check_survived(kind, &client, &mut rx, seen, &mut peer, &store, &normal).await?;
    client.disconnect().await;
    peer.stop().await?;
    Ok(())
}

both_servers!(poison_stanzas_while_online_do_not_cost_the_connection);
async fn poison_stanzas_while_online_do_not_cost_the_connection(kind: ServerKind) -> Result<()> {
    let server = start(kind).await?;
    let me = unique_user("poisoned");
    let them = unique_user("poisoner");
    server.register(&me, "me-pw").await?;
    server.register(&them, "them-pw").await?;
    let (store, _, _dir) = store().await?;
    let (tx, mut rx) = events();
    let client = Client::connect(config(&*server, &me, "me-pw"), store.clone(), tx).await?;
    let mut seen = vec![wait_event(&mut rx, "online", is_online).await?];
    let mut peer = Peer::start(&*server, &them, "them-pw", false).await?;
    let normal = send_cases(kind, &mut peer, &*server, client.jid().as_str()).await?;
    seen.extend(
        collect_until_received(&mut rx, &normal)
            .await
            .with_context(|| server.log_tail(20))?,
    );
    check_survived(kind, &client, &mut rx, seen, &mut peer, &store, &normal).await?;
    client.disconnect().await;
    peer.stop().await?;
    Ok(())
}

fn is_online(e: &Event) -> bool {
    matches!(
        e,
        Event::Connection {
            state: ConnState::Online,
            ..
        }
    )
}

/// The next `Reconnecting` announcement: its error and the delay it announces.
async fn next_retry(rx: &mut broadcast::Receiver<Event>) -> Result<(ErrorInfo, u64)> {
    let event = wait_event(rx, "a reconnect", |e| {
        matches!(
            e,
            Event::Connection {
                state: ConnState::Reconnecting,
                ..
            }
        )
    })
    .await?;
    match event {
        Event::Connection {
            error: Some(error),
            retry_in_secs: Some(secs),
            ..
        } => Ok((error, secs)),
        other => Err(anyhow!("a reconnect without reason or delay: {other:?}")),
    }
}

/// A server that accepts stanzas of up to 2 MiB, so that one can carry an attribute over
/// Hongyan's 1 MiB limit.
async fn lenient_server(kind: ServerKind) -> Result<Box<dyn XmppServer>> {
    start_with(
        kind,
        ServerOptions {
            stanza_size_limit: Some(2 << 20),
            ..ServerOptions::default()
        },
    )
    .await
}

both_servers!(a_stanza_the_parser_refuses_costs_one_connection_not_every_one);
async fn a_stanza_the_parser_refuses_costs_one_connection_not_every_one(
    kind: ServerKind,
) -> Result<()> {
    let server = lenient_server(kind).await?;
    let me = unique_user("refused");
    let them = unique_user("refuser");
    server.register(&me, "me-pw").await?;
    server.register(&them, "them-pw").await?;
    let mut peer = Peer::start(&*server, &them, "them-pw", false).await?;
    let my_jid = server.jid(&me);
    let payload = format!(
        "<x xmlns='urn:example:poison' data='{}'/>",
        "A".repeat(TOO_LONG)
    );
    peer.send_raw(&stanza(&my_jid, "too-long", "超长", &payload))
        .await?;
    peer.disco_items(server.domain()).await?;

    let (store, _, _dir) = store().await?;
    let (tx, mut rx) = events();
    let client = Client::connect(config(&*server, &me, "me-pw"), store.clone(), tx).await?;
    let (lost, _) = next_retry(&mut rx)
        .await
        .with_context(|| server.log_tail(30))?;
    ensure!(lost.code == "unreadable_input", "{lost:?}");
    ensure!(
        lost.message.contains("long name"),
        "the parser's complaint is kept: {lost:?}"
    );
    let seen = vec![wait_event(&mut rx, "online again", is_online)
        .await
        .with_context(|| server.log_tail(30))?];
    // A reply the contact receives: the server has taken our presence too (a server may store
    // a message that arrives before it, as for an offline account).
    still_online_after_a_reply(&client, &mut rx, seen, &mut peer, "又连上了").await?;

    // It was acknowledged before the stream closed: the next login does not receive it again,
    // and what the contact sends now arrives on the new stream.
    let after = "之后的普通消息".to_owned();
    peer.send(&my_jid, &after).await?;
    let seen = collect_until_received(&mut rx, std::slice::from_ref(&after))
        .await
        .with_context(|| server.log_tail(40))?;
    ensure!(states(&seen).is_empty(), "{:?}", states(&seen));
    ensure!(client.state() == ConnState::Online, "{:?}", client.state());
    let incoming = incoming(&store, &client, peer.bare_jid()).await?;
    ensure!(incoming == [after], "{incoming:?}");
    client.disconnect().await;
    peer.stop().await?;
    Ok(())
}

both_servers!(a_server_that_replays_unreadable_data_is_noticed_and_retried_less_often);
async fn a_server_that_replays_unreadable_data_is_noticed_and_retried_less_often(
    kind: ServerKind,
) -> Result<()> {
    let server = lenient_server(kind).await?;
    let me = unique_user("looped");
    let them = unique_user("looper");
    server.register(&me, "me-pw").await?;
    server.register(&them, "them-pw").await?;
    let mut peer = Peer::start(&*server, &them, "them-pw", false).await?;
    let my_jid = server.jid(&me);
    // The attribute sits on the message itself: the parser fails before it knows what the
    // element is, so nothing can be acknowledged.
    let poison = format!(
        "<message to='{my_jid}' type='chat' id='too-long' data='{}'><body>超长</body></message>",
        "A".repeat(TOO_LONG)
    );
    peer.send_raw(&poison).await?;
    peer.disco_items(server.domain()).await?;

    let (store, _, _dir) = store().await?;
    let (tx, mut rx) = events();
    let client = Client::connect(config(&*server, &me, "me-pw"), store.clone(), tx).await?;
    if kind == ServerKind::Ejabberd {
        // ejabberd decodes each stanza and writes it out again with the attributes it knows:
        // the long one never reaches Hongyan, and the message arrives on the first stream.
        let bodies = ["超长".to_owned()];
        let seen = collect_until_received(&mut rx, &bodies).await.with_context(|| server.log_tail(30))?;
        ensure!(!states(&seen).contains(&ConnState::Reconnecting), "{:?}", states(&seen));
        still_online_after_a_reply(&client, &mut rx, seen, &mut peer, "收到了").await?;
        ensure!(incoming(&store, &client, peer.bare_jid()).await? == bodies);
        client.disconnect().await;
        peer.stop().await?;
        return Ok(());
    }
    let mut retries = Vec::new();
    for _ in 0..3 {
        retries.push(
            next_retry(&mut rx)
                .await
                .with_context(|| format!("retries so far: {retries:?}\n{}", server.log_tail(30)))?,
        );
    }
    let codes: Vec<&str> = retries.iter().map(|(e, _)| e.code.as_str()).collect();
    ensure!(
        codes == ["unreadable_input", "unreadable_input", "receive_loop"],
        "{retries:?}"
    );
    ensure!(
        retries[2].0.message.contains("long name"),
        "the loop names the data: {retries:?}"
    );
    // Each wait longer than the one before (1, 2, then 4 s, each ±20%), not once a second.
    let delays: Vec<u64> = retries.iter().map(|(_, d)| *d).collect();
    ensure!(
        delays.windows(2).all(|w| w[0] < w[1]) && delays[2] >= 3,
        "{delays:?}"
    );
    client.disconnect().await;
    ensure!(client.state() == ConnState::Offline);
    peer.stop().await?;
    Ok(())
}
