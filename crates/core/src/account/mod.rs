//! An account: the cheap, cloneable [`Client`] handle ([`handle`]) and the one task that owns
//! the connection ([`actor`]: select over commands, the stream and timers), its life cycle
//! (connect → online → lost → backoff; never retried after an authentication or certificate
//! failure, in [`lifecycle`]) and the outbox of messages not yet confirmed ([`outbox`]).

pub mod actor;
pub mod handle;
pub mod lifecycle;
pub mod outbox;
pub mod reconnect;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use hongyan_store::Store;
use tokio::sync::{broadcast, watch};
use xmpp::parsers::jid::FullJid;
use xmpp::parsers::stream_features::StreamFeatures;

pub use handle::{now_ms, parse_bare_jid, AccountConfig, Client, OwnPresence};
pub(crate) use handle::{Command, Request};

use crate::contacts::Contacts;
use crate::error::Error;
use crate::events::{ConnState, Event};
use crate::session::{sasl::Mechanism, Seams};
use crate::stanza::iq::IqTracker;

/// What the account's task owns across connections.
pub struct State {
    pub config: AccountConfig,
    pub store: Store,
    pub events: broadcast::Sender<Event>,
    pub contacts: Arc<RwLock<Contacts>>,
    /// The current or last session: the bound full JID and how it authenticated.
    pub bound: Arc<RwLock<Option<(FullJid, Mechanism)>>>,
    pub conn: watch::Sender<ConnState>,
    /// What we announce: kept while reconnecting, announced again when back.
    pub presence: OwnPresence,
    /// What the server last got from us, so that a resumed session announces only a change.
    pub announced: Option<OwnPresence>,
    /// Sessions resumed (XEP-0198) rather than opened afresh, shared with the handle.
    pub resumptions: Arc<std::sync::atomic::AtomicU32>,
    pub iqs: IqTracker,
    /// The current session's stream features (what the server offers).
    pub features: StreamFeatures,
    pub seams: Seams,
}

impl State {
    pub fn account(&self) -> String {
        self.config.jid.to_string()
    }

    pub fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    pub fn set_state(&self, state: ConnState, error: Option<&Error>, retry_in: Option<Duration>) {
        self.conn.send_replace(state);
        self.emit(Event::Connection {
            account: self.account(),
            state,
            error: error.map(Error::info),
            retry_in_secs: retry_in.map(|d| d.as_secs_f64().round() as u64),
        });
    }

    pub fn contacts_mut<R>(&self, f: impl FnOnce(&mut Contacts) -> R) -> R {
        match self.contacts.write() {
            Ok(mut c) => f(&mut c),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    pub fn emit_roster(&self) {
        let contacts = self.contacts_mut(|c| c.all());
        self.emit(Event::Roster { account: self.account(), contacts, replace: true });
    }
}
