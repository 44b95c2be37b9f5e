//! Losing the server: Hongyan reconnects with backoff, and a message written while offline is
//! delivered after the reconnect, stamped with the time it was written.

use std::time::Duration;

use anyhow::{anyhow, ensure, Result};
use hongyan_core::chat::QUEUED_AFTER_MS;
use hongyan_core::store::MessageState;
use hongyan_core::{parse_bare_jid, Client, ConnState, Event};
use hongyan_tests::{unique_user, Peer, ServerKind};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::both_servers;
use crate::support::{config, events, start, store, wait_event, WAIT};

both_servers!(reconnects_after_the_server_dies);
async fn reconnects_after_the_server_dies(kind: ServerKind) -> Result<()> {
    let mut server = start(kind).await?;
    let me = unique_user("rc");
    let them = unique_user("rcpeer");
    server.register(&me, "rc-pw").await?;
    server.register(&them, "rc-peer-pw").await?;
    let (store, _, _dir) = store().await?;
    let (tx, mut rx) = events();
    let client = Client::connect(config(&*server, &me, "rc-pw"), store, tx).await?;
    wait_event(&mut rx, "online", |e| {
        matches!(
            e,
            Event::Connection {
                state: ConnState::Online,
                ..
            }
        )
    })
    .await?;

    server.kill();
    let lost = wait_event(&mut rx, "reconnecting", |e| {
        matches!(
            e,
            Event::Connection {
                state: ConnState::Reconnecting,
                ..
            }
        )
    })
    .await?;
    let Event::Connection {
        retry_in_secs,
        error,
        ..
    } = lost
    else {
        unreachable!()
    };
    ensure!(retry_in_secs.is_some(), "a reconnect announces its delay");
    ensure!(error.is_some_and(|e| e.code != "auth_failed"));

    // Written while the server is down: stored as pending, sent after the reconnect.
    let peer_jid = parse_bare_jid(&server.jid(&them))?;
    let queued = client.send_chat(&peer_jid, "写于离线时 ✉️").await?;
    ensure!(queued.state == MessageState::Pending);
    // Long enough in the outbox to count as queued, whatever the reconnect timing.
    tokio::time::sleep(Duration::from_millis(QUEUED_AFTER_MS as u64 + 500)).await;

    server.start_again().await?;
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
    wait_event(&mut rx, "queued message sent", |e| {
        matches!(e, Event::MessageUpdated { message, .. } if message.id == queued.id && message.state == MessageState::Sent)
    })
    .await?;
    // The peer logs in afterwards and receives it from the server's offline storage.
    let mut peer = Peer::start(&*server, &them, "rc-peer-pw", false).await?;
    let got = peer.wait_message_from(client.jid().as_str(), WAIT).await?;
    ensure!(got.body.as_deref() == Some("写于离线时 ✉️"), "{got:?}");
    // It went out after the reconnect, but says when it was written (XEP-0203), beside any
    // stamp the server's offline storage added.
    let ours = got
        .delays
        .iter()
        .find(|d| d.from.as_deref() == Some(client.jid().as_str()))
        .ok_or_else(|| anyhow!("no delay stamp from {}: {:?}", client.jid(), got.delays))?;
    let stamp = OffsetDateTime::parse(&ours.stamp, &Rfc3339)?;
    let written_s = queued.sent_at.div_euclid(1000);
    ensure!(
        stamp.unix_timestamp() == written_s,
        "stamp {} is not the time the message was written ({written_s})",
        ours.stamp
    );
    client.disconnect().await;
    peer.stop().await?;
    Ok(())
}
