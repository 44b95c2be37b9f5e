//! An account: a cheap, cloneable [`Client`] handle and the one task that owns the connection.
//! The handle sends commands over a channel; the task owns the stream, the roster and presence,
//! reconnects with backoff after a network loss, and never retries after an authentication or
//! certificate failure.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::{SinkExt, StreamExt};
use hongyan_store::{Account, Inserted, Message, MessageState, NewMessage, Store, Subscription};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tracing::{debug, info, instrument, warn};
use xmpp::minidom::Element;
use xmpp::parsers::{
    sm,
    disco::{DiscoInfoQuery, DiscoInfoResult, Identity},
    iq::Iq,
    jid::{BareJid, FullJid, Jid},
    ns,
    ping::Ping,
    presence::{Presence, Type as PresenceType},
    roster::{Item, Roster, Subscription as WireSubscription},
    stanza_error::{DefinedCondition, ErrorType, StanzaError},
    stream_error::DefinedCondition as StreamCondition,
};
use xmpp::tokio_xmpp::xmlstream::{FallibleStreamElement, ReadError, XmppStreamElement};
use xmpp::tokio_xmpp::Stanza;

use crate::session::sasl::Mechanism;
use crate::chat::{self, Incoming};
use crate::contacts::{item_from_wire, presence_update, Contact, Contacts, Show};
use crate::error::{Error, Result};
use crate::events::{ConnState, Event};
use crate::session::{self, Session};
use crate::stream_management::Acks;
use crate::transport::{read_error, stream_io_error, ConnectOptions, Stream};

/// Everything needed to log in. The password stays in memory for reconnects only.
#[derive(Clone)]
pub struct AccountConfig {
    pub jid: BareJid,
    pub password: String,
    pub resource: String,
    pub connect: ConnectOptions,
    /// The presence the session announces as soon as it starts (and again after each
    /// reconnect, until [`Client::set_presence`] changes it).
    pub presence: OwnPresence,
}

/// The user's own presence: what show and status text the account announces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnPresence {
    pub show: Show,
    pub status: Option<String>,
}

impl Default for OwnPresence {
    fn default() -> Self {
        OwnPresence { show: Show::Online, status: None }
    }
}

impl OwnPresence {
    /// The presence last chosen for `account` and kept by the store, so that a sign-in
    /// announces it at once; online without text when none was kept. A kept value this version
    /// does not know counts as online.
    pub async fn saved(store: &Store, account: &str) -> Result<OwnPresence> {
        let Some((show, status)) = store.own_presence(account).await? else {
            return Ok(OwnPresence::default());
        };
        let show = Show::from_name(&show).unwrap_or_else(|| {
            warn!(account, show = %show, "unknown saved presence, announcing online");
            Show::Online
        });
        Ok(OwnPresence { show, status: status.filter(|s| !s.trim().is_empty()) })
    }

    /// Keeps this presence as the one `account` announces at its next sign-ins.
    pub async fn save(&self, store: &Store, account: &str) -> Result<()> {
        Ok(store.set_own_presence(account, self.show.as_str(), self.status.as_deref()).await?)
    }
}

impl std::fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountConfig")
            .field("jid", &self.jid)
            .field("resource", &self.resource)
            .field("connect", &self.connect)
            .field("presence", &self.presence)
            .finish_non_exhaustive()
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Parses and normalises a bare JID typed by a user.
pub fn parse_bare_jid(input: &str) -> Result<BareJid> {
    let input = input.trim();
    let jid = BareJid::new(input).map_err(|e| Error::InvalidJid(format!("{input}: {e}")))?;
    if jid.node().is_none() {
        return Err(Error::InvalidJid(format!("{input}: an address looks like name@server")));
    }
    Ok(jid)
}

enum Command {
    Outgoing(Message),
    SetPresence { show: Show, status: Option<String>, reply: oneshot::Sender<Result<()>> },
    AddContact { jid: BareJid, name: Option<String>, reply: oneshot::Sender<Result<()>> },
    Answer { jid: BareJid, approve: bool, reply: oneshot::Sender<Result<()>> },
    Disconnect { reply: oneshot::Sender<()> },
}

struct Shared {
    jid: BareJid,
    commands: mpsc::Sender<Command>,
    state: watch::Receiver<ConnState>,
    contacts: Arc<RwLock<Contacts>>,
    bound: Arc<RwLock<(FullJid, Mechanism)>>,
    store: Store,
    events: broadcast::Sender<Event>,
}

/// Handle to a logged-in account. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
}

impl Client {
    /// Logs in and starts the account's task. Errors (wrong password, untrusted certificate,
    /// unreachable server …) are returned here and nothing keeps retrying in the background.
    #[instrument(skip_all, fields(account = %config.jid))]
    pub async fn connect(config: AccountConfig, store: Store, events: broadcast::Sender<Event>) -> Result<Client> {
        let account = config.jid.to_string();
        let _ = events.send(Event::Connection {
            account: account.clone(),
            state: ConnState::Connecting,
            error: None,
            retry_in_secs: None,
        });
        let session = match session::open(&config.jid, &config.password, &config.resource, &config.connect).await {
            Ok(s) => s,
            Err(e) => {
                let _ = events.send(Event::Connection {
                    account,
                    state: ConnState::Offline,
                    error: Some(e.info()),
                    retry_in_secs: None,
                });
                return Err(e);
            }
        };
        info!(jid = %session.jid, mechanism = session.mechanism.name(), "logged in");
        let now = now_ms();
        let existing = store.account(&account).await?;
        store
            .save_account(&Account {
                jid: account.clone(),
                host: config.connect.host.clone(),
                port: config.connect.port,
                pinned_cert_sha256: config.connect.pinned_cert.clone(),
                resource: config.resource.clone(),
                auto_connect: existing.as_ref().is_none_or(|a| a.auto_connect),
                created_at: existing.as_ref().map_or(now, |a| a.created_at),
                last_login_at: Some(now),
            })
            .await?;
        let mut contacts = Contacts::default();
        let (_, cached) = store.roster(&account).await?;
        contacts.replace_roster(cached);
        let contacts = Arc::new(RwLock::new(contacts));
        let (commands_tx, commands_rx) = mpsc::channel(256);
        let (state_tx, state_rx) = watch::channel(ConnState::Connecting);
        let bound = Arc::new(RwLock::new((session.jid.clone(), session.mechanism)));
        let OwnPresence { show, status } = config.presence.clone();
        let task = Task {
            config,
            store: store.clone(),
            events: events.clone(),
            contacts: contacts.clone(),
            bound: bound.clone(),
            state: state_tx,
            commands: commands_rx,
            show,
            status,
            iqs: HashMap::new(),
            acks: Acks::default(),
        };
        tokio::spawn(task.run(session));
        Ok(Client {
            shared: Arc::new(Shared {
                jid: BareJid::new(&account).map_err(|e| Error::InvalidJid(e.to_string()))?,
                commands: commands_tx,
                state: state_rx,
                contacts,
                bound,
                store,
                events,
            }),
        })
    }

    pub fn jid(&self) -> &BareJid {
        &self.shared.jid
    }

    pub fn state(&self) -> ConnState {
        *self.shared.state.borrow()
    }

    /// Waits until the connection state satisfies `pred` (for callers that need to sequence).
    pub async fn wait_for_state(&self, pred: impl Fn(ConnState) -> bool) -> ConnState {
        let mut rx = self.shared.state.clone();
        loop {
            let now = *rx.borrow_and_update();
            if pred(now) || rx.changed().await.is_err() {
                return now;
            }
        }
    }

    /// The full JID bound by the current or last session.
    pub fn bound_jid(&self) -> FullJid {
        self.shared.bound.read().map(|b| b.0.clone()).unwrap_or_else(|p| p.into_inner().0.clone())
    }

    /// The SASL mechanism the current or last session authenticated with.
    pub fn mechanism(&self) -> Mechanism {
        self.shared.bound.read().map(|b| b.1).unwrap_or_else(|p| p.into_inner().1)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.shared.events.subscribe()
    }

    pub fn contacts(&self) -> Vec<Contact> {
        self.shared.contacts.read().map(|c| c.all()).unwrap_or_default()
    }

    /// Subscription requests not answered yet (also announced as events when they arrive).
    pub fn subscription_requests(&self) -> Vec<String> {
        self.shared.contacts.read().map(|c| c.requests()).unwrap_or_default()
    }

    pub fn contact(&self, jid: &str) -> Contact {
        self.shared
            .contacts
            .read()
            .map(|c| c.contact(jid))
            .unwrap_or_else(|p| p.into_inner().contact(jid))
    }

    /// Stores the message as pending and hands it to the connection; it is sent now when online,
    /// or after the next reconnect. The returned row is in state `Pending`.
    pub async fn send_chat(&self, to: &BareJid, body: &str) -> Result<Message> {
        if body.trim().is_empty() {
            return Err(Error::InvalidInput("the message is empty".into()));
        }
        if to.node().is_none() && to.domain().as_str().is_empty() {
            return Err(Error::InvalidJid(to.to_string()));
        }
        let now = now_ms();
        let id = chat::new_id();
        let inserted = self
            .shared
            .store
            .insert_message(&NewMessage {
                // chat::outgoing sends the origin-id as the stanza id too.
                remote_id: Some(id.clone()),
                origin_id: Some(id),
                ..NewMessage::outgoing(self.shared.jid.to_string(), to.to_string(), body, now)
            })
            .await?;
        let message = inserted.message().clone();
        let _ = self.shared.events.send(Event::Messages {
            account: self.shared.jid.to_string(),
            messages: vec![message.clone()],
        });
        self.shared
            .commands
            .send(Command::Outgoing(message.clone()))
            .await
            .map_err(|_| Error::NotConnected)?;
        Ok(message)
    }

    async fn call<T>(&self, make: impl FnOnce(oneshot::Sender<Result<T>>) -> Command) -> Result<T> {
        let (tx, rx) = oneshot::channel();
        self.shared.commands.send(make(tx)).await.map_err(|_| Error::NotConnected)?;
        rx.await.map_err(|_| Error::NotConnected)?
    }

    pub async fn set_presence(&self, show: Show, status: Option<String>) -> Result<()> {
        self.call(|reply| Command::SetPresence { show, status, reply }).await
    }

    /// Adds a contact to the roster and asks to see their presence.
    pub async fn add_contact(&self, jid: &BareJid, name: Option<String>) -> Result<()> {
        if jid == &self.shared.jid {
            return Err(Error::InvalidInput("that is your own address".into()));
        }
        let jid = jid.clone();
        self.call(|reply| Command::AddContact { jid, name, reply }).await
    }

    /// Answers a subscription request: approve (and ask back) or deny.
    pub async fn answer_subscription(&self, jid: &BareJid, approve: bool) -> Result<()> {
        let jid = jid.clone();
        self.call(|reply| Command::Answer { jid, approve, reply }).await
    }

    /// Sends unavailable presence, closes the stream and ends the task.
    pub async fn disconnect(&self) {
        let (tx, rx) = oneshot::channel();
        if self.shared.commands.send(Command::Disconnect { reply: tx }).await.is_ok() {
            let _ = rx.await;
        }
        self.wait_for_state(|s| s == ConnState::Offline).await;
    }
}

enum PendingIq {
    RosterGet,
    RosterSet(oneshot::Sender<Result<()>>),
    Ping,
}

/// Why an online phase ended.
enum End {
    Shutdown,
    Lost(Error),
    Fatal(Error),
}

struct Task {
    config: AccountConfig,
    store: Store,
    events: broadcast::Sender<Event>,
    contacts: Arc<RwLock<Contacts>>,
    bound: Arc<RwLock<(FullJid, Mechanism)>>,
    state: watch::Sender<ConnState>,
    commands: mpsc::Receiver<Command>,
    show: Show,
    status: Option<String>,
    iqs: HashMap<String, PendingIq>,
    acks: Acks,
}

/// Reconnect delays: 1, 2, 4 … 60 s, with ±20% jitter so many clients do not return at once.
fn backoff(attempt: u32) -> Duration {
    let base = 1u64 << attempt.min(6);
    let base_ms = base.min(60) * 1000;
    let jitter = (uuid::Uuid::new_v4().as_u128() % 401) as i64 - 200; // -200..=200 per mille
    Duration::from_millis((base_ms as i64 + base_ms as i64 * jitter / 1000) as u64)
}

impl Task {
    fn account(&self) -> String {
        self.config.jid.to_string()
    }

    fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    fn set_state(&self, state: ConnState, error: Option<&Error>, retry_in: Option<Duration>) {
        self.state.send_replace(state);
        self.emit(Event::Connection {
            account: self.account(),
            state,
            error: error.map(Error::info),
            retry_in_secs: retry_in.map(|d| d.as_secs_f64().round() as u64),
        });
    }

    fn contacts_mut<R>(&self, f: impl FnOnce(&mut Contacts) -> R) -> R {
        match self.contacts.write() {
            Ok(mut c) => f(&mut c),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    fn emit_roster(&self) {
        let contacts = self.contacts_mut(|c| c.all());
        self.emit(Event::Roster { account: self.account(), contacts, replace: true });
    }

    #[instrument(skip_all, fields(account = %self.config.jid))]
    async fn run(mut self, first: Session) {
        let mut session = Some(first);
        let mut last_error = None;
        while let Some(s) = session.take() {
            if let Ok(mut b) = self.bound.write() {
                *b = (s.jid.clone(), s.mechanism);
            }
            let sm_offered = s.features.stream_management.is_some();
            match self.online(s.stream, sm_offered).await {
                End::Shutdown => break,
                End::Fatal(e) => {
                    last_error = Some(e);
                    break;
                }
                End::Lost(e) => {
                    warn!(error = %e, "connection lost");
                    self.iqs.clear();
                    self.contacts_mut(Contacts::clear_presence);
                    self.emit_roster();
                    match self.reconnect(e).await {
                        Ok(Some(s)) => session = Some(s),
                        Ok(None) => break,
                        Err(e) => {
                            last_error = Some(e);
                            break;
                        }
                    }
                }
            }
        }
        self.contacts_mut(Contacts::clear_presence);
        self.set_state(ConnState::Offline, last_error.as_ref(), None);
        // Answer whatever is still queued so no caller waits forever.
        self.commands.close();
        while let Some(cmd) = self.commands.recv().await {
            refuse(cmd);
        }
    }

    /// Waits and retries until a session is open again. `Ok(None)`: the user disconnected.
    async fn reconnect(&mut self, mut error: Error) -> Result<Option<Session>> {
        let mut attempt = 0;
        loop {
            let delay = backoff(attempt);
            attempt += 1;
            self.set_state(ConnState::Reconnecting, Some(&error), Some(delay));
            let sleep = tokio::time::sleep(delay);
            tokio::pin!(sleep);
            loop {
                tokio::select! {
                    _ = &mut sleep => break,
                    cmd = self.commands.recv() => match cmd {
                        None => return Ok(None),
                        Some(Command::Disconnect { reply }) => {
                            let _ = reply.send(());
                            return Ok(None);
                        }
                        // Already stored as pending; sent after reconnecting.
                        Some(Command::Outgoing(_)) => {}
                        Some(Command::SetPresence { show, status, reply }) => {
                            self.show = show;
                            self.status = status;
                            let _ = reply.send(Ok(()));
                        }
                        Some(other) => refuse(other),
                    }
                }
            }
            self.set_state(ConnState::Connecting, None, None);
            let c = &self.config;
            match session::open(&c.jid, &c.password, &c.resource, &c.connect).await {
                Ok(s) => return Ok(Some(s)),
                Err(e) if e.is_transient() || matches!(e, Error::Tls(_)) => {
                    debug!(error = %e, attempt, "reconnect attempt failed");
                    error = e;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn online(&mut self, mut stream: Stream, sm_offered: bool) -> End {
        self.acks = Acks::default();
        self.set_state(ConnState::Online, None, None);
        if let Err(e) = self.start_session(&mut stream, sm_offered).await {
            return End::Lost(e);
        }
        loop {
            tokio::select! {
                cmd = self.commands.recv() => {
                    let Some(cmd) = cmd else {
                        close(&mut stream).await;
                        return End::Shutdown;
                    };
                    match self.command(&mut stream, cmd).await {
                        Ok(true) => {}
                        Ok(false) => return End::Shutdown,
                        Err(e) => return End::Lost(e),
                    }
                }
                item = stream.next() => {
                    let result = match item {
                        None => Err(Error::StreamClosed("the connection was closed".into())),
                        Some(Err(ReadError::SoftTimeout)) => self.ping(&mut stream).await,
                        Some(Err(ReadError::ParseError(e))) => {
                            warn!(error = %e, "ignoring an unparsable element");
                            Ok(())
                        }
                        Some(Err(e)) => Err(read_error(e)),
                        Some(Ok(FallibleStreamElement::Err(e))) => {
                            warn!(error = %e, "ignoring a malformed stanza");
                            Ok(())
                        }
                        Some(Ok(FallibleStreamElement::Ok(el))) => match el {
                            XmppStreamElement::Stanza(stanza) => {
                                self.acks.received();
                                self.stanza(&mut stream, stanza).await
                            }
                            XmppStreamElement::SM(nonza) => self.stream_management(&mut stream, nonza).await,
                            XmppStreamElement::StreamError(e) => {
                                return if e.0.condition == StreamCondition::Conflict {
                                    End::Fatal(Error::Conflict)
                                } else {
                                    End::Lost(Error::StreamClosed(e.to_string()))
                                };
                            }
                            _ => Ok(()),
                        },
                    };
                    if let Err(e) = result {
                        return End::Lost(e);
                    }
                }
            }
        }
    }

    async fn start_session(&mut self, stream: &mut Stream, sm_offered: bool) -> Result<()> {
        if sm_offered {
            write(stream, XmppStreamElement::SM(sm::Nonza::Enable(sm::Enable::new()))).await?;
            self.acks.request();
        }
        let id = chat::new_id();
        self.iqs.insert(id.clone(), PendingIq::RosterGet);
        self.send(stream, Iq::from_get(id, Roster { ver: None, items: vec![] }).into()).await?;
        self.send(stream, self.own_presence().into()).await?;
        let pending = self.store.pending_messages(&self.account()).await?;
        for message in pending {
            self.send_chat(stream, message).await?;
        }
        Ok(())
    }

    /// Writes a stanza, counting it for XEP-0198 acknowledgements.
    async fn send(&mut self, stream: &mut Stream, stanza: Stanza) -> Result<()> {
        write(stream, XmppStreamElement::Stanza(stanza)).await?;
        self.acks.sent(None);
        Ok(())
    }

    async fn mark_sent(&mut self, ids: Vec<i64>) -> Result<()> {
        for id in ids {
            if let Some(updated) = self.store.update_state(id, MessageState::Sent, None).await? {
                self.emit(Event::MessageUpdated { account: self.account(), message: updated });
            }
        }
        Ok(())
    }

    async fn stream_management(&mut self, stream: &mut Stream, nonza: sm::Nonza) -> Result<()> {
        match nonza {
            sm::Nonza::Enabled(_) => self.acks.enabled(),
            sm::Nonza::Failed(_) => {
                let written = self.acks.failed();
                self.mark_sent(written).await?;
            }
            sm::Nonza::Req(_) => {
                let h = self.acks.handled();
                write(stream, XmppStreamElement::SM(sm::Nonza::Ack(sm::A::new(h)))).await?;
            }
            sm::Nonza::Ack(a) => {
                let confirmed = self.acks.acked(a.h);
                self.mark_sent(confirmed).await?;
            }
            _ => {}
        }
        Ok(())
    }

    fn own_presence(&self) -> Presence {
        if self.show == Show::Offline {
            return Presence::unavailable();
        }
        let mut p = Presence::available().with_priority(1);
        p.show = self.show.to_wire();
        if let Some(status) = self.status.as_deref().filter(|s| !s.trim().is_empty()) {
            p.set_status("", status);
        }
        p
    }

    /// Sends a stored pending message. With XEP-0198 it becomes `Sent` when the server
    /// acknowledges it; without, once written.
    async fn send_chat(&mut self, stream: &mut Stream, message: Message) -> Result<()> {
        if self.acks.in_flight(message.id) {
            return Ok(());
        }
        let to = BareJid::new(&message.peer).map_err(|e| Error::InvalidJid(e.to_string()))?;
        let id = message.origin_id.clone().unwrap_or_else(chat::new_id);
        let queued = now_ms() - message.sent_at > chat::QUEUED_AFTER_MS;
        let written = queued.then_some((message.sent_at, &self.config.jid));
        let body = message.body.as_deref().unwrap_or_default();
        let stanza = chat::outgoing(&to, body, &id, written);
        write(stream, XmppStreamElement::Stanza(stanza.into())).await?;
        if self.acks.requested() {
            self.acks.sent(Some(message.id));
            write(stream, XmppStreamElement::SM(sm::Nonza::Req(sm::R))).await?;
        } else {
            self.mark_sent(vec![message.id]).await?;
        }
        Ok(())
    }

    async fn ping(&mut self, stream: &mut Stream) -> Result<()> {
        let id = chat::new_id();
        self.iqs.insert(id.clone(), PendingIq::Ping);
        let to = Jid::new(self.config.jid.domain().as_str()).map_err(|e| Error::InvalidJid(e.to_string()))?;
        self.send(stream, Iq::from_get(id, Ping).with_to(to).into()).await
    }

    /// Handles one command; `Ok(false)` ends the session.
    async fn command(&mut self, stream: &mut Stream, cmd: Command) -> Result<bool> {
        match cmd {
            Command::Outgoing(message) => {
                // It may have gone out already with the pending ones after a reconnect.
                let current = self.store.message(message.id).await?;
                if current.is_some_and(|m| m.state == MessageState::Pending) {
                    self.send_chat(stream, message).await?;
                }
            }
            Command::SetPresence { show, status, reply } => {
                self.show = show;
                self.status = status;
                let result = self.send(stream, self.own_presence().into()).await;
                let failed = result.is_err();
                let _ = reply.send(result.as_ref().map(|_| ()).map_err(|_| Error::NotConnected));
                if failed {
                    result?;
                }
            }
            Command::AddContact { jid, name, reply } => {
                let id = chat::new_id();
                let item = Item {
                    jid: jid.clone(),
                    name,
                    subscription: WireSubscription::None,
                    ask: Default::default(),
                    groups: vec![],
                    approved: None,
                };
                self.iqs.insert(id.clone(), PendingIq::RosterSet(reply));
                self.send(stream, Iq::from_set(id, Roster { ver: None, items: vec![item] }).into()).await?;
                self.send(stream, Presence::subscribe().with_to(jid).into()).await?;
            }
            Command::Answer { jid, approve, reply } => {
                let answer = if approve { Presence::subscribed() } else { Presence::new(PresenceType::Unsubscribed) };
                self.contacts_mut(|c| c.answered(jid.as_str()));
                self.send(stream, answer.with_to(jid.clone()).into()).await?;
                if approve {
                    let subscribed_to_them = self.contacts_mut(|c| {
                        c.item(jid.as_str())
                            .is_some_and(|i| matches!(i.subscription, Subscription::To | Subscription::Both) || i.ask_pending)
                    });
                    if !subscribed_to_them {
                        self.send(stream, Presence::subscribe().with_to(jid).into()).await?;
                    }
                }
                let _ = reply.send(Ok(()));
            }
            Command::Disconnect { reply } => {
                let _ = self.send(stream, Presence::unavailable().into()).await;
                close(stream).await;
                let _ = reply.send(());
                return Ok(false);
            }
        }
        Ok(true)
    }

    async fn stanza(&mut self, stream: &mut Stream, stanza: Stanza) -> Result<()> {
        match stanza {
            Stanza::Message(m) => self.message(m).await,
            Stanza::Presence(p) => self.presence(stream, p).await,
            Stanza::Iq(iq) => self.iq(stream, iq).await,
        }
    }

    async fn message(&mut self, msg: xmpp::parsers::message::Message) -> Result<()> {
        let account = self.account();
        match chat::incoming(&msg, &self.config.jid, now_ms()) {
            Incoming::Chat(new) => match self.store.insert_message(&new).await? {
                Inserted::New(stored) => {
                    self.emit(Event::Messages { account, messages: vec![stored] });
                }
                Inserted::Duplicate(_) => debug!("duplicate message ignored"),
            },
            Incoming::Error { peer, id, text } => {
                // Only the peer the message went to can fail it: the lookup is by that peer.
                if let Some(m) =
                    self.store.update_state_by_origin_id(&account, &peer, &id, MessageState::Failed, Some(&text)).await?
                {
                    self.emit(Event::MessageUpdated { account, message: m });
                }
            }
            Incoming::Ignored => {}
        }
        Ok(())
    }

    async fn presence(&mut self, stream: &mut Stream, p: Presence) -> Result<()> {
        let Some(from) = p.from.as_ref().map(Jid::to_bare) else { return Ok(()) };
        if from == self.config.jid {
            return Ok(());
        }
        if p.type_ == PresenceType::Subscribe {
            let we_asked = self.contacts_mut(|c| {
                c.item(from.as_str())
                    .is_some_and(|i| matches!(i.subscription, Subscription::To | Subscription::Both) || i.ask_pending)
            });
            if we_asked {
                // We added them ourselves: letting them see us back is what the user wants.
                self.send(stream, Presence::subscribed().with_to(from).into()).await?;
            } else {
                self.contacts_mut(|c| c.add_request(from.as_str()));
                self.emit(Event::SubscriptionRequest { account: self.account(), jid: from.to_string() });
            }
            return Ok(());
        }
        if let Some(update) = presence_update(&p) {
            if let Some(contact) = self.contacts_mut(|c| c.apply(update)) {
                self.emit(Event::Roster { account: self.account(), contacts: vec![contact], replace: false });
            }
        }
        Ok(())
    }

    /// Roster results and pushes are accepted only from our own account (RFC 6121 §2.1.6).
    fn sent_by_own_account(&self, from: Option<&Jid>) -> bool {
        from.is_none_or(|f| f.to_bare() == self.config.jid)
    }

    async fn iq(&mut self, stream: &mut Stream, iq: Iq) -> Result<()> {
        match iq {
            Iq::Result { ref id, ref from, .. } | Iq::Error { ref id, ref from, .. } => {
                let Some(pending) = self.iqs.remove(id) else { return Ok(()) };
                let trusted = self.sent_by_own_account(from.as_ref());
                match (pending, iq) {
                    (PendingIq::RosterGet, Iq::Result { payload: Some(payload), .. }) if trusted => {
                        let roster = Roster::try_from(payload).map_err(|e| Error::StreamClosed(format!("bad roster: {e}")))?;
                        let items: Vec<_> = roster.items.iter().map(item_from_wire).collect();
                        self.store.replace_roster(&self.account(), roster.ver.as_deref(), &items).await?;
                        self.contacts_mut(|c| c.replace_roster(items));
                        self.emit_roster();
                    }
                    (PendingIq::RosterSet(reply), Iq::Result { .. }) if trusted => {
                        let _ = reply.send(Ok(()));
                    }
                    (PendingIq::RosterSet(reply), Iq::Error { error, .. }) => {
                        let _ = reply.send(Err(Error::InvalidInput(chat::error_text(&error))));
                    }
                    (PendingIq::RosterSet(reply), _) => {
                        let _ = reply.send(Err(Error::Internal("unexpected roster answer".into())));
                    }
                    _ => {}
                }
                Ok(())
            }
            Iq::Set { from, id, payload, .. } => {
                if payload.is("query", ns::ROSTER) {
                    if !self.sent_by_own_account(from.as_ref()) {
                        warn!(?from, "refused a roster push from someone else");
                        return self.send(stream, error_reply(from, id, DefinedCondition::ServiceUnavailable)).await;
                    }
                    let Ok(roster) = Roster::try_from(payload) else {
                        return self.send(stream, error_reply(from, id, DefinedCondition::BadRequest)).await;
                    };
                    self.roster_push(roster).await?;
                    return self.send(stream, result(from, id, None)).await;
                }
                self.send(stream, error_reply(from, id, DefinedCondition::ServiceUnavailable)).await
            }
            Iq::Get { from, id, payload, .. } => {
                if payload.is("ping", ns::PING) {
                    return self.send(stream, result(from, id, None)).await;
                }
                if payload.is("query", ns::DISCO_INFO) {
                    let node = DiscoInfoQuery::try_from(payload).ok().and_then(|q| q.node);
                    let info = disco_info(node);
                    return self.send(stream, result(from, id, Some(info.into()))).await;
                }
                self.send(stream, error_reply(from, id, DefinedCondition::ServiceUnavailable)).await
            }
        }
    }

    async fn roster_push(&mut self, roster: Roster) -> Result<()> {
        let account = self.account();
        for item in &roster.items {
            if item.subscription == WireSubscription::Remove {
                self.store.remove_roster_item(&account, roster.ver.as_deref(), item.jid.as_str()).await?;
                self.contacts_mut(|c| c.remove(item.jid.as_str()));
            } else {
                let item = item_from_wire(item);
                self.store.upsert_roster_item(&account, roster.ver.as_deref(), &item).await?;
                self.contacts_mut(|c| c.upsert(item));
            }
        }
        self.emit_roster();
        Ok(())
    }
}

fn refuse(cmd: Command) {
    match cmd {
        Command::Outgoing(_) => {}
        Command::SetPresence { reply, .. } | Command::AddContact { reply, .. } | Command::Answer { reply, .. } => {
            let _ = reply.send(Err(Error::NotConnected));
        }
        Command::Disconnect { reply } => {
            let _ = reply.send(());
        }
    }
}

/// What Hongyan answers to a XEP-0030 disco#info query.
pub fn disco_info(node: Option<String>) -> DiscoInfoResult {
    DiscoInfoResult {
        node,
        identities: vec![Identity {
            category: "client".into(),
            type_: "pc".into(),
            lang: None,
            name: Some("Hongyan".into()),
        }],
        features: [ns::DISCO_INFO, ns::PING, ns::SID].iter().map(|s| s.to_string()).collect(),
        extensions: vec![],
    }
}

fn result(to: Option<Jid>, id: String, payload: Option<Element>) -> Stanza {
    Iq::Result { from: None, to, id, payload }.into()
}

fn error_reply(to: Option<Jid>, id: String, condition: DefinedCondition) -> Stanza {
    let error = StanzaError::new(ErrorType::Cancel, condition, "en", "");
    Iq::Error { from: None, to, id, payload: None, error }.into()
}

async fn write(stream: &mut Stream, element: XmppStreamElement) -> Result<()> {
    stream.send(&element).await.map_err(stream_io_error)
}

async fn close(stream: &mut Stream) {
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.shutdown()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_minute_with_jitter() {
        for (attempt, base) in [(0u32, 1000u64), (1, 2000), (3, 8000), (6, 60000), (20, 60000)] {
            let d = backoff(attempt).as_millis() as u64;
            assert!(d >= base * 8 / 10 && d <= base * 12 / 10, "attempt {attempt}: {d} ms");
        }
    }

    #[test]
    fn user_jids_are_checked() {
        assert_eq!(parse_bare_jid("  li.lei@example.org ").unwrap().as_str(), "li.lei@example.org");
        assert!(matches!(parse_bare_jid("example.org"), Err(Error::InvalidJid(_))));
        assert!(matches!(parse_bare_jid("a@b@c"), Err(Error::InvalidJid(_))));
        assert!(matches!(parse_bare_jid("a b@example.org"), Err(Error::InvalidJid(_))));
    }

    #[test]
    fn disco_info_names_hongyan() {
        let info = disco_info(None);
        assert!(info.features.contains(ns::PING));
        assert_eq!(info.identities[0].category, "client");
    }
}
