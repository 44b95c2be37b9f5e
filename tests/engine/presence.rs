//! Own presence survives signing out and in and a restart: the chosen show and status are kept
//! in the store, and the next sign-in announces them as its very first presence, so a contact
//! never sees the account "online" before the kept "do not disturb".

use anyhow::{ensure, Context, Result};
use hongyan_core::store::Store;
use hongyan_core::{parse_bare_jid, Client, Event, OwnPresence, Show};
use hongyan_tests::{bare, unique_user, Peer, PeerEvent, PeerPresence, ServerKind};

use crate::both_servers;
use crate::support::{config, events, start, store, wait_event, WAIT};

const STATUS: &str = "开会中，晚点回 📵";

both_servers!(chosen_presence_is_announced_first_after_signing_in_again);
async fn chosen_presence_is_announced_first_after_signing_in_again(kind: ServerKind) -> Result<()> {
    let server = start(kind).await?;
    let me = unique_user("presme");
    let them = unique_user("prespeer");
    server.register(&me, "pres-pw").await?;
    server.register(&them, "pres-peer-pw").await?;
    let mut peer = Peer::start(&*server, &them, "pres-peer-pw", false).await?;
    let peer_jid = parse_bare_jid(peer.bare_jid())?;

    let (store, path, _dir) = store().await?;
    let (tx, mut rx) = events();
    let client = Client::connect(config(&*server, &me, "pres-pw"), store.clone(), tx).await?;
    let my_jid = client.jid().to_string();
    client.add_contact(&peer_jid, None).await?;
    wait_event(&mut rx, "peer online in the roster", |e| match e {
        Event::Roster { contacts, .. } => contacts
            .iter()
            .any(|c| c.jid == peer_jid.as_str() && c.show != Show::Offline),
        _ => false,
    })
    .await
    .with_context(|| format!("peer log:\n{}", peer.log_tail(30)))?;

    // What the shell's set_presence does: keep the choice, then announce it.
    let chosen = OwnPresence {
        show: Show::Dnd,
        status: Some(STATUS.into()),
    };
    chosen.save(&store, &my_jid).await?;
    client
        .set_presence(chosen.show, chosen.status.clone())
        .await?;
    let seen = next_presence_from(&mut peer, &my_jid, |p| p.show.as_deref() == Some("dnd")).await?;
    ensure!(seen.status.as_deref() == Some(STATUS), "{seen:?}");

    // Sign out, and restart: everything before this point is history for the peer.
    client.disconnect().await;
    next_presence_from(&mut peer, &my_jid, |p| p.kind == "unavailable").await?;
    drop(client);
    store.close().await;
    let reopened = Store::open(&path).await?;

    // Sign in again the way the shell does, with the kept presence.
    let mut again = config(&*server, &me, "pres-pw");
    again.presence = OwnPresence::saved(&reopened, &my_jid).await?;
    ensure!(again.presence == chosen, "kept: {:?}", again.presence);
    let (tx, _rx) = events();
    let client = Client::connect(again, reopened.clone(), tx).await?;
    let first = next_presence_from(&mut peer, &my_jid, |_| true).await?;
    ensure!(
        first.kind == "available"
            && first.show.as_deref() == Some("dnd")
            && first.status.as_deref() == Some(STATUS),
        "{kind}: the first presence after signing in again was {first:?}"
    );
    ensure!(
        reopened.own_presence(&my_jid).await?
            == Some(("dnd".to_owned(), Some(STATUS.to_owned()))),
        "kept presence changed by signing in"
    );
    client.disconnect().await;
    peer.stop().await?;
    Ok(())
}

/// The next presence the peer got from `account` (any resource) that satisfies `pred`; the
/// presences from `account` before it are dropped, so a later call sees only newer ones.
async fn next_presence_from(
    peer: &mut Peer,
    account: &str,
    mut pred: impl FnMut(&PeerPresence) -> bool,
) -> Result<PeerPresence> {
    loop {
        let event = peer
            .next_event_matching(
                |e| matches!(e, PeerEvent::Presence(p) if bare(&p.from) == account),
                WAIT,
            )
            .await?;
        if let PeerEvent::Presence(p) = event {
            if pred(&p) {
                return Ok(p);
            }
        }
    }
}
