//! One-to-one chat with a slixmpp peer: contact and presence, messages both ways, an error
//! bounced onto the message it answers, and history that survives an engine restart.

use anyhow::{ensure, Context, Result};
use hongyan_core::store::{Direction, MessageState, Store};
use hongyan_core::{parse_bare_jid, Client, ConnState, Event, Show};
use hongyan_tests::{unique_user, Peer, ServerKind};

use crate::both_servers;
use crate::support::{config, events, start, store, wait_event, WAIT};

const TO_PEER: &str = "你好，slixmpp！🕊️ <b>not bold</b> & more";
const FROM_PEER: &str = "收到 👍\nsecond line";
const AFTER_BOUNCE: &str = "还在吗？";

both_servers!(chat_both_ways_and_history_survives_restart);
async fn chat_both_ways_and_history_survives_restart(kind: ServerKind) -> Result<()> {
    let server = start(kind).await?;
    let me = unique_user("me");
    let them = unique_user("peer");
    server.register(&me, "me-pw").await?;
    server.register(&them, "peer-pw").await?;
    let mut peer = Peer::start(&*server, &them, "peer-pw", false).await?;
    let peer_jid = parse_bare_jid(peer.bare_jid())?;

    let (store, path, _dir) = store().await?;
    let (tx, mut rx) = events();
    let client = Client::connect(config(&*server, &me, "me-pw"), store.clone(), tx).await?;
    let my_jid = client.jid().to_string();

    // Add the peer; it accepts and asks back, Hongyan approves (we asked first) and sees it online.
    client
        .add_contact(&peer_jid, Some("测试伙伴".into()))
        .await?;
    wait_event(&mut rx, "peer online in the roster", |e| match e {
        Event::Roster { contacts, .. } => contacts
            .iter()
            .any(|c| c.jid == peer_jid.as_str() && c.show != Show::Offline),
        _ => false,
    })
    .await
    .with_context(|| format!("peer log:\n{}", peer.log_tail(30)))?;
    let contact = client.contact(peer_jid.as_str());
    ensure!(
        contact.in_roster && contact.name.as_deref() == Some("测试伙伴"),
        "{contact:?}"
    );

    // Hongyan → peer, with the origin-id the store knows.
    let sent = client.send_chat(&peer_jid, TO_PEER).await?;
    ensure!(sent.state == MessageState::Pending);
    let got = peer.wait_message_from(&my_jid, WAIT).await?;
    ensure!(got.body.as_deref() == Some(TO_PEER), "peer got {got:?}");
    ensure!(
        got.origin_id == sent.origin_id,
        "origin-id {:?} vs {:?}",
        got.origin_id,
        sent.origin_id
    );
    wait_event(&mut rx, "sent state", |e| {
        matches!(e, Event::MessageUpdated { message, .. } if message.id == sent.id && message.state == MessageState::Sent)
    })
    .await?;

    // Peer → Hongyan: stored, then announced.
    peer.send(&my_jid, FROM_PEER).await?;
    let event = wait_event(&mut rx, "incoming message", |e| {
        matches!(e, Event::Messages { .. })
    })
    .await?;
    let Event::Messages { messages, .. } = event else {
        unreachable!()
    };
    let incoming = &messages[0];
    ensure!(
        incoming.body.as_deref() == Some(FROM_PEER) && incoming.peer == peer_jid.as_str(),
        "{incoming:?}"
    );
    ensure!(incoming.direction == Direction::Incoming && incoming.state == MessageState::Received);
    ensure!(
        store.message(incoming.id).await?.is_some(),
        "announced before it was stored"
    );

    // A message to nobody comes back as an error on that very message.
    let nobody = parse_bare_jid(&server.jid(&unique_user("nobody")))?;
    let doomed = client.send_chat(&nobody, "anyone there?").await?;
    let failed = wait_event(&mut rx, "failed state", |e| {
        matches!(e, Event::MessageUpdated { message, .. } if message.id == doomed.id && message.state == MessageState::Failed)
    })
    .await?;
    let Event::MessageUpdated { message, .. } = failed else {
        unreachable!()
    };
    ensure!(
        message.error.as_deref().is_some_and(|t| !t.is_empty()),
        "{message:?}"
    );
    // On Prosody the bounce overtakes the server's ack of that message. Once a later message is
    // acknowledged, every earlier ack has been handled too: the bounced row must still be failed.
    let after = client.send_chat(&peer_jid, AFTER_BOUNCE).await?;
    wait_event(&mut rx, "later message sent", |e| {
        matches!(e, Event::MessageUpdated { message, .. } if message.id == after.id && message.state == MessageState::Sent)
    })
    .await?;
    let bounced = store.message(doomed.id).await?.context("bounced message stored")?;
    ensure!(
        bounced.state == MessageState::Failed && bounced.error == message.error,
        "a late ack changed the bounced message: {bounced:?}"
    );

    // Restart the engine: history and conversations are still there.
    client.disconnect().await;
    ensure!(client.state() == ConnState::Offline);
    drop(client);
    store.close().await;
    let reopened = Store::open(&path).await?;
    let history = reopened
        .history(&my_jid, peer_jid.as_str(), None, 50)
        .await?;
    let bodies: Vec<_> = history.iter().map(|m| m.body.as_deref().unwrap_or_default()).collect();
    ensure!(
        bodies == [TO_PEER, FROM_PEER, AFTER_BOUNCE],
        "history after restart: {bodies:?}"
    );
    ensure!(history[0].state == MessageState::Sent && history[0].direction == Direction::Outgoing);
    let bounced = reopened.message(doomed.id).await?.context("bounced message kept")?;
    ensure!(bounced.state == MessageState::Failed, "{bounced:?}");
    let conversations = reopened.conversations(&my_jid).await?;
    ensure!(
        conversations.iter().any(|c| c.peer == peer_jid.as_str()),
        "{conversations:?}"
    );
    let (tx, mut rx) = events();
    let again = Client::connect(config(&*server, &me, "me-pw"), reopened, tx).await?;
    wait_event(&mut rx, "online again", |e| {
        matches!(
            e,
            Event::Connection {
                state: ConnState::Online,
                ..
            }
        )
    })
    .await?;
    // The roster cache is there at once, before the server answers.
    ensure!(again.contacts().iter().any(|c| c.jid == peer_jid.as_str()));
    again.disconnect().await;
    peer.stop().await?;
    Ok(())
}
