//! Someone asks to see our presence: the request is announced and kept until answered;
//! approving lets them see us and asks back, so both sides end up subscribed.

use anyhow::{ensure, Result};
use hongyan_core::store::Subscription;
use hongyan_core::{parse_bare_jid, Client, Event};
use hongyan_tests::{unique_user, Peer, ServerKind};

use crate::both_servers;
use crate::support::{config, events, start, store, wait_event, WAIT};

both_servers!(incoming_request_is_kept_until_approved);
async fn incoming_request_is_kept_until_approved(kind: ServerKind) -> Result<()> {
    let server = start(kind).await?;
    let me = unique_user("subme");
    let them = unique_user("subpeer");
    server.register(&me, "sub-pw").await?;
    server.register(&them, "sub-peer-pw").await?;
    let (store, _, _dir) = store().await?;
    let (tx, mut rx) = events();
    let client = Client::connect(config(&*server, &me, "sub-pw"), store, tx).await?;
    let mut peer = Peer::start(&*server, &them, "sub-peer-pw", false).await?;
    let peer_jid = parse_bare_jid(peer.bare_jid())?;

    peer.subscribe(client.jid().as_str()).await?;
    wait_event(&mut rx, "subscription request", |e| {
        matches!(e, Event::SubscriptionRequest { jid, .. } if jid == peer_jid.as_str())
    })
    .await?;
    ensure!(client.subscription_requests() == vec![peer_jid.to_string()]);

    client.answer_subscription(&peer_jid, true).await?;
    ensure!(client.subscription_requests().is_empty(), "answered requests are dropped");
    // Approved: the server now shows them our presence.
    let seen = peer.wait_presence_from(client.jid().as_str(), WAIT).await?;
    ensure!(seen.kind == "available", "{seen:?}");
    wait_event(&mut rx, "mutual subscription", |e| match e {
        Event::Roster { contacts, .. } => contacts
            .iter()
            .any(|c| c.jid == peer_jid.as_str() && c.subscription == Subscription::Both),
        _ => false,
    })
    .await?;
    client.disconnect().await;
    peer.stop().await?;
    Ok(())
}
