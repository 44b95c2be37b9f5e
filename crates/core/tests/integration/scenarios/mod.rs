//! Scenarios: a real account task, its features and its store, over an in-memory server that
//! the test plays. Each test feeds XML in from the server's side and asserts what the account
//! wrote back, the events it raised and the rows it left.
//!
//! No timings: "nothing was written" is proved with a barrier — the server pings, and
//! everything the account wrote before the ping's answer is its reaction to what came before.

mod chat;
mod iq;
mod lifecycle;
mod poison;
mod presence;
mod resumption;
mod roster;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hongyan_core::session::Seams;
use hongyan_core::store::Store;
use hongyan_core::transport::memory::{self, MemoryServer, ServerStream};
use hongyan_core::{AccountConfig, Client, ConnectOptions, Event, OwnPresence};
use xmpp::minidom::Element;
use xmpp::parsers::iq::Iq;
use xmpp::parsers::jid::{BareJid, FullJid, Jid};
use xmpp::parsers::message::Message;
use xmpp::parsers::presence::Presence;
use xmpp::parsers::sm;
use xmpp::parsers::stream_error::{ReceivedStreamError, StreamError};
use xmpp::parsers::stream_features::StreamFeatures;
use xmpp::tokio_xmpp::xmlstream::{ReadError, XmppStreamElement};
use xmpp::tokio_xmpp::Stanza;

pub const OWN: &str = "me@example.org";
pub const BOUND: &str = "me@example.org/hongyan";
/// How long a step may take before the test fails (generous: the machine may be busy).
pub const WAIT: Duration = Duration::from_secs(20);

/// Parses a stanza written as XML; `jabber:client` is the default namespace.
pub fn stanza(xml: &str) -> Stanza {
    let xml = xml.trim();
    let xml = if xml.contains("xmlns='jabber:client'") || xml.contains("xmlns=\"jabber:client\"") {
        xml.to_owned()
    } else {
        let name_end = xml.find([' ', '>', '/']).expect("a tag");
        format!("{} xmlns='jabber:client'{}", &xml[..name_end], &xml[name_end..])
    };
    let el: Element = xml.parse().unwrap_or_else(|e| panic!("bad test XML {xml}: {e}"));
    match el.name() {
        "message" => Stanza::Message(Message::try_from(el).expect("a message")),
        "presence" => Stanza::Presence(Presence::try_from(el).expect("a presence")),
        "iq" => Stanza::Iq(Iq::try_from(el).expect("an iq")),
        other => panic!("not a stanza: {other}"),
    }
}

pub fn jid(s: &str) -> Jid {
    Jid::new(s).expect("a JID")
}

pub fn bare(s: &str) -> BareJid {
    BareJid::new(s).expect("a bare JID")
}

/// Stream features with the given extra children (roster versioning, pre-approval …).
pub fn features(extra: &[&str]) -> StreamFeatures {
    let mut f = StreamFeatures::default();
    for xml in extra {
        f.others.push(xml.parse().expect("feature XML"));
    }
    f
}

/// Our account as the scenarios sign it in.
pub fn config() -> AccountConfig {
    AccountConfig {
        jid: bare(OWN),
        password: "secret".into(),
        resource: "hongyan".into(),
        connect: ConnectOptions::default(),
        presence: OwnPresence::default(),
    }
}

/// The connection states announced among `events`, in order.
pub fn states(events: &[Event]) -> Vec<hongyan_core::ConnState> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Connection { state, .. } => Some(*state),
            _ => None,
        })
        .collect()
}

/// A store that already knows our account (as after an earlier sign-in).
pub async fn known_store() -> Store {
    let store = Store::open_memory().await.expect("store");
    store
        .save_account(&hongyan_core::store::Account {
            jid: OWN.into(),
            host: None,
            port: None,
            pinned_cert_sha256: None,
            resource: "hongyan".into(),
            auto_connect: true,
            created_at: 1,
            last_login_at: Some(1),
        })
        .await
        .expect("account row");
    store
}

pub struct Options {
    pub features: StreamFeatures,
    /// The roster result the server answers the first roster request with (items' XML).
    pub roster: &'static str,
}

impl Default for Options {
    fn default() -> Self {
        Options { features: StreamFeatures::default(), roster: "" }
    }
}

/// An account connected to the in-memory server.
pub struct Scenario {
    pub client: Client,
    pub store: Store,
    server: Option<ServerStream>,
    pub memory: MemoryServer,
    pub events: tokio::sync::broadcast::Receiver<Event>,
    /// Every wait the account asked its backoff for: (attempt, longest wait allowed). The
    /// waits themselves are a millisecond.
    pub backoffs: Arc<Mutex<Vec<(u32, Duration)>>>,
    barriers: AtomicU32,
}

impl Scenario {
    /// Connects, answers the roster request with `options.roster`, and takes the initial
    /// presence: the account is then online and idle.
    pub async fn start(options: Options) -> Scenario {
        let roster = options.roster;
        let mut s = Scenario::connect(options, Store::open_memory().await.expect("store")).await;
        let get = s.expect_iq().await;
        s.answer_roster(&get, roster).await;
        match s.expect().await {
            XmppStreamElement::Stanza(Stanza::Presence(p)) => assert!(p.to.is_none(), "initial presence is broadcast"),
            other => panic!("expected the initial presence, got {other:?}"),
        }
        s
    }

    /// Starts with XEP-0198 offered: the account enables it before anything else, then asks
    /// for the roster (answered with `roster`) and announces its presence.
    pub async fn start_with_acks(roster: &str) -> Scenario {
        Scenario::start_with_sm(roster, sm::Enabled { id: None, location: None, max: None, resume: false }).await
    }

    /// [`Scenario::start_with_acks`], the server answering `<enable/>` with `enabled`.
    pub async fn start_with_sm(roster: &str, enabled: sm::Enabled) -> Scenario {
        let mut features = features(&[]);
        features.stream_management = Some(xmpp::parsers::sm::StreamManagement { optional: false });
        let mut s = Scenario::connect(Options { features, ..Options::default() }, Store::open_memory().await.expect("store")).await;
        match s.expect().await {
            XmppStreamElement::SM(sm::Nonza::Enable(_)) => {}
            other => panic!("expected <enable/>, got {other:?}"),
        }
        s.feed_element(XmppStreamElement::SM(sm::Nonza::Enabled(enabled))).await;
        let get = s.expect_iq().await;
        s.answer_roster(&get, roster).await;
        s.expect_presence().await;
        s
    }

    /// Connects over `store` and stops right after the session is up (nothing read yet).
    pub async fn connect(options: Options, store: Store) -> Scenario {
        Scenario::open(options, store, Vec::new(), false).await.expect("connect")
    }

    /// Starts a known account ([`Client::start_with`]) whose first attempts fail with
    /// `failures`, then takes the session it opens once they are used up.
    pub async fn start_offline(options: Options, store: Store, failures: Vec<hongyan_core::Error>) -> hongyan_core::Result<Scenario> {
        Scenario::open(options, store, failures, true).await
    }

    async fn open(options: Options, store: Store, failures: Vec<hongyan_core::Error>, keep_trying: bool) -> hongyan_core::Result<Scenario> {
        log_if_asked();
        let bound: FullJid = FullJid::new(BOUND).expect("bound JID");
        let (connector, mut memory) = memory::pair(bound, options.features);
        for e in failures {
            memory.fail_next(e);
        }
        let backoffs = Arc::new(Mutex::new(Vec::new()));
        let asked = backoffs.clone();
        let backoff = move |attempt, cap| {
            if let Ok(mut a) = asked.lock() {
                a.push((attempt, cap));
            }
            Duration::from_millis(1)
        };
        let seams = Seams { connector: Arc::new(connector), backoff: Arc::new(backoff) };
        let (events_tx, events) = tokio::sync::broadcast::channel(1024);
        let config = config();
        let client = if keep_trying {
            Client::start_with(config, store.clone(), events_tx, seams).await?
        } else {
            Client::connect_with(config, store.clone(), events_tx, seams).await?
        };
        let server = memory.accept(WAIT).await.expect("a session");
        Ok(Scenario { client, store, server: Some(server), memory, events, backoffs, barriers: AtomicU32::new(0) })
    }

    /// The next element the account writes.
    pub async fn expect(&mut self) -> XmppStreamElement {
        memory::next(self.srv(), WAIT).await.expect("the account to write something")
    }

    pub async fn expect_iq(&mut self) -> Iq {
        match self.expect().await {
            XmppStreamElement::Stanza(Stanza::Iq(iq)) => iq,
            other => panic!("expected an iq, got {other:?}"),
        }
    }

    pub async fn expect_presence(&mut self) -> Presence {
        match self.expect().await {
            XmppStreamElement::Stanza(Stanza::Presence(p)) => p,
            other => panic!("expected a presence, got {other:?}"),
        }
    }

    pub async fn expect_message(&mut self) -> Message {
        match self.expect().await {
            XmppStreamElement::Stanza(Stanza::Message(m)) => m,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    /// Sends a stanza from the server's side.
    pub async fn feed(&mut self, xml: &str) {
        memory::send(self.srv(), XmppStreamElement::Stanza(stanza(xml))).await.expect("write to the account");
    }

    pub async fn feed_element(&mut self, element: XmppStreamElement) {
        memory::send(self.srv(), element).await.expect("write to the account");
    }

    /// Sends an element the account may hang up on while it is still being written.
    pub async fn feed_poison(&mut self, element: XmppStreamElement) {
        let _ = memory::send(self.srv(), element).await;
    }

    /// Answers the roster request `get` with these items (XML of `<item/>`s).
    pub async fn answer_roster(&mut self, get: &Iq, items: &str) {
        let Iq::Get { id, payload, .. } = get else { panic!("expected a roster get, got {get:?}") };
        assert!(payload.is("query", "jabber:iq:roster"), "expected a roster get, got {payload:?}");
        self.feed(&format!("<iq type='result' id='{id}'><query xmlns='jabber:iq:roster'>{items}</query></iq>")).await;
    }

    /// Everything the account wrote until it answered a ping sent now: its whole reaction to
    /// what was fed before.
    pub async fn barrier(&mut self) -> Vec<XmppStreamElement> {
        let n = self.barriers.fetch_add(1, Ordering::Relaxed);
        let id = format!("barrier-{n}");
        self.feed(&format!("<iq type='get' id='{id}' from='example.org'><ping xmlns='urn:xmpp:ping'/></iq>")).await;
        let mut written = Vec::new();
        loop {
            match self.expect().await {
                XmppStreamElement::Stanza(Stanza::Iq(Iq::Result { id: got, .. })) if got == id => return written,
                other => written.push(other),
            }
        }
    }

    /// Asserts the account wrote nothing in reaction to what was fed so far.
    pub async fn assert_silent(&mut self) {
        let written = self.barrier().await;
        assert!(written.is_empty(), "expected nothing written, got {written:?}");
    }

    /// Events raised so far (call after a barrier: everything before it has been raised).
    pub fn drain_events(&mut self) -> Vec<Event> {
        let mut out = Vec::new();
        while let Ok(e) = self.events.try_recv() {
            out.push(e);
        }
        out
    }

    /// Drops the server's end, as a network loss does, and takes the session the account
    /// opens next (nothing read from it yet).
    pub async fn lose_connection(&mut self) {
        drop(self.server.take());
        self.server = Some(self.memory.accept(WAIT).await.expect("the account to reconnect"));
    }

    /// Ends the session with a stream error `condition` (e.g. `conflict`).
    pub async fn stream_error(&mut self, condition: &str) {
        let xml = format!(
            "<error xmlns='http://etherx.jabber.org/streams'><{condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></error>"
        );
        let el: Element = xml.parse().expect("stream error XML");
        let error = StreamError::try_from(el).expect("a stream error");
        let _ = memory::send(self.srv(), XmppStreamElement::StreamError(ReceivedStreamError(error))).await;
        drop(self.server.take());
    }


    /// Reads what the account writes until its stream ends; `false` when it stays open.
    pub async fn expect_end(&mut self) -> bool {
        use futures::StreamExt;
        loop {
            match tokio::time::timeout(WAIT, self.srv().next()).await {
                Err(_) => return false,
                Ok(None) | Ok(Some(Err(ReadError::HardError(_) | ReadError::StreamFooterReceived))) => return true,
                Ok(Some(_)) => continue,
            }
        }
    }

    /// Takes the session the account opens next, after the last one ended (nothing read yet).
    pub async fn next_session(&mut self) {
        self.server = Some(self.memory.accept(WAIT).await.expect("the account to reconnect"));
    }

    /// Drops the server's end without waiting for the account to come back.
    pub fn drop_server(&mut self) {
        drop(self.server.take());
    }

    fn srv(&mut self) -> &mut ServerStream {
        self.server.as_mut().expect("a session with the account")
    }
}

/// The account's log on stderr when `HONGYAN_TEST_LOG` holds a filter (`hongyan_core=debug`).
fn log_if_asked() {
    if let Ok(filter) = std::env::var("HONGYAN_TEST_LOG") {
        // A later scenario in the same binary finds the subscriber already set; that is fine.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
}
