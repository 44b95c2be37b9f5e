//! The handle to an account: [`Client`] is cheap to clone, and each of its methods sends one
//! command to the account's task ([`super::actor`]). Besides storing a message it is about to
//! send, it never writes the store.

use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use hongyan_store::{Account, Message, MessageState, NewMessage, Store};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tracing::{info, instrument, warn};
use xmpp::parsers::jid::{BareJid, FullJid};

use super::State;
use crate::chat;
use crate::contacts::{Contact, Contacts, Show};
use crate::error::{Error, Result};
use crate::events::{ConnState, Event};
use crate::feature::Cx;
use crate::session::{sasl::Mechanism, Login, Seams};
use crate::stanza::iq::IqTracker;
use crate::transport::ConnectOptions;
use crate::{presence, roster};
use super::outbox;

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

/// Records a successful sign-in: the account row with where it connected, kept or created.
async fn remember_login(store: &Store, config: &AccountConfig) -> Result<()> {
    let account = config.jid.to_string();
    let now = now_ms();
    let existing = store.account(&account).await?;
    store
        .save_account(&Account {
            jid: account,
            host: config.connect.host.clone(),
            port: config.connect.port,
            pinned_cert_sha256: config.connect.pinned_cert.clone(),
            resource: config.resource.clone(),
            auto_connect: existing.as_ref().is_none_or(|a| a.auto_connect),
            created_at: existing.as_ref().map_or(now, |a| a.created_at),
            last_login_at: Some(now),
        })
        .await?;
    Ok(())
}

impl AccountConfig {
    /// What opening a session needs.
    pub fn login(&self) -> Login {
        Login {
            jid: self.jid.clone(),
            password: self.password.clone(),
            resource: self.resource.clone(),
            connect: self.connect.clone(),
            resume: None,
        }
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

/// A command for the account's task. A feature adds a command by implementing [`Request`]
/// next to its protocol code; the task itself does not change.
pub(crate) enum Command {
    Run(Box<dyn Request>),
    Disconnect { reply: oneshot::Sender<()> },
}

/// What the account's task does with a command, online or not.
pub(crate) trait Request: Send {
    /// Online: do it. An error is a broken connection (the caller's reply is sent inside).
    fn online<'a, 'b>(self: Box<Self>, cx: &'a mut Cx<'b>) -> BoxFuture<'a, Result<()>>;

    /// Reconnecting: remember it for when the connection is back, or refuse.
    fn offline(self: Box<Self>, state: &mut State) {
        let _ = state;
        self.refuse();
    }

    /// The account has stopped: answer "not connected".
    fn refuse(self: Box<Self>);
}

struct Shared {
    jid: BareJid,
    commands: mpsc::Sender<Command>,
    state: watch::Receiver<ConnState>,
    contacts: Arc<RwLock<Contacts>>,
    bound: Arc<RwLock<Option<(FullJid, Mechanism)>>>,
    store: Store,
    events: broadcast::Sender<Event>,
    resumptions: Arc<std::sync::atomic::AtomicU32>,
}

/// Handle to a logged-in account. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
}

impl Client {
    /// Logs in and starts the account's task. Errors (wrong password, untrusted certificate,
    /// unreachable server …) are returned here and nothing keeps retrying in the background.
    pub async fn connect(config: AccountConfig, store: Store, events: broadcast::Sender<Event>) -> Result<Client> {
        Client::connect_with(config, store, events, Seams::default()).await
    }

    /// [`Client::connect`] over other seams: an in-memory server, an instant backoff.
    pub async fn connect_with(config: AccountConfig, store: Store, events: broadcast::Sender<Event>, seams: Seams) -> Result<Client> {
        Client::open(config, store, events, seams, false).await
    }

    /// Starts an account that has signed in here before. Unlike [`Client::connect`], a network
    /// that is down (unreachable, no DNS, timeout) is not an error: the account starts
    /// reconnecting in the background with the usual backoff, as after a loss. Errors that
    /// retrying cannot fix (the password, the certificate) are still returned.
    pub async fn start(config: AccountConfig, store: Store, events: broadcast::Sender<Event>) -> Result<Client> {
        Client::start_with(config, store, events, Seams::default()).await
    }

    /// [`Client::start`] over other seams.
    pub async fn start_with(config: AccountConfig, store: Store, events: broadcast::Sender<Event>, seams: Seams) -> Result<Client> {
        Client::open(config, store, events, seams, true).await
    }

    #[instrument(skip_all, fields(account = %config.jid))]
    async fn open(config: AccountConfig, store: Store, events: broadcast::Sender<Event>, seams: Seams, keep_trying: bool) -> Result<Client> {
        let account = config.jid.to_string();
        let _ = events.send(Event::Connection {
            account: account.clone(),
            state: ConnState::Connecting,
            error: None,
            retry_in_secs: None,
        });
        let first = match seams.connector.open(&config.login()).await {
            Ok(s) => Ok(s),
            Err(e) if keep_trying && e.is_transient() => {
                info!(error = %e, "offline at start; retrying in the background");
                Err(e)
            }
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
        // Not a borrow of `first` across the await: a session's stream is Send, not Sync.
        let bound = first.as_ref().ok().map(|session| (session.jid.clone(), session.mechanism));
        if let Some((jid, mechanism)) = &bound {
            info!(jid = %jid, mechanism = mechanism.name(), "logged in");
            remember_login(&store, &config).await?;
        }
        let mut contacts = Contacts::default();
        let (_, cached) = store.roster(&account).await?;
        contacts.replace_roster(cached);
        let contacts = Arc::new(RwLock::new(contacts));
        let (commands_tx, commands_rx) = mpsc::channel(256);
        let (state_tx, state_rx) = watch::channel(ConnState::Connecting);
        let bound = Arc::new(RwLock::new(bound));
        let jid = config.jid.clone();
        let resumptions = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let state = State {
            presence: config.presence.clone(),
            announced: None,
            resumptions: resumptions.clone(),
            iqs: IqTracker::new(jid.clone()),
            config,
            store: store.clone(),
            events: events.clone(),
            contacts: contacts.clone(),
            bound: bound.clone(),
            conn: state_tx,
            features: first.as_ref().map(|s| s.features.clone()).unwrap_or_default(),
            seams,
        };
        tokio::spawn(super::lifecycle::run(state, commands_rx, first));
        Ok(Client {
            shared: Arc::new(Shared { jid, commands: commands_tx, state: state_rx, contacts, bound, store, events, resumptions }),
        })
    }

    pub fn jid(&self) -> &BareJid {
        &self.shared.jid
    }

    pub fn state(&self) -> ConnState {
        *self.shared.state.borrow()
    }

    /// How many times a dropped connection was followed by the same session resumed
    /// (XEP-0198), rather than a new one.
    pub fn resumptions(&self) -> u32 {
        self.shared.resumptions.load(std::sync::atomic::Ordering::Relaxed)
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

    /// The full JID bound by the current or last session; `None` before the first session of
    /// an account started offline.
    pub fn bound_jid(&self) -> Option<FullJid> {
        self.session().map(|b| b.0)
    }

    fn session(&self) -> Option<(FullJid, Mechanism)> {
        self.shared.bound.read().map(|b| b.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The SASL mechanism the current or last session authenticated with; `None` before the
    /// first session of an account started offline.
    pub fn mechanism(&self) -> Option<Mechanism> {
        self.session().map(|b| b.1)
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
        // A stopped account stores nothing: the send fails at once, and sending again later
        // (Enter pressed twice) does not leave a row behind for each try.
        if self.is_stopped() {
            return Err(Error::NotConnected);
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
        if let Err(e) = self.run(outbox::Send(message.clone())).await {
            // The account stopped in between: the row says so instead of waiting forever.
            let failed = self.shared.store.update_state(message.id, MessageState::Failed, Some(&e.to_string())).await?;
            if let Some(failed) = failed {
                let _ = self.shared.events.send(Event::Messages { account: self.shared.jid.to_string(), messages: vec![failed] });
            }
            return Err(e);
        }
        Ok(message)
    }

    /// The account's task has ended (signed out, a conflict, a refused password): it sends
    /// and receives nothing any more, and a new sign-in needs a new [`Client`].
    pub fn is_stopped(&self) -> bool {
        self.shared.commands.is_closed()
    }

    async fn run(&self, request: impl Request + 'static) -> Result<()> {
        self.shared.commands.send(Command::Run(Box::new(request))).await.map_err(|_| Error::NotConnected)
    }

    /// Sends a request that answers on `reply`, and waits for that answer.
    async fn call<T, R: Request + 'static>(&self, make: impl FnOnce(oneshot::Sender<Result<T>>) -> R) -> Result<T> {
        let (tx, rx) = oneshot::channel();
        self.run(make(tx)).await?;
        rx.await.map_err(|_| Error::NotConnected)?
    }

    pub async fn set_presence(&self, show: Show, status: Option<String>) -> Result<()> {
        self.call(|reply| presence::SetPresence { show, status, reply }).await
    }

    /// Adds a contact to the roster and asks to see their presence.
    pub async fn add_contact(&self, jid: &BareJid, name: Option<String>) -> Result<()> {
        if jid == &self.shared.jid {
            return Err(Error::InvalidInput("that is your own address".into()));
        }
        let jid = jid.clone();
        self.call(|reply| roster::AddContact { jid, name, reply }).await
    }

    /// Answers a subscription request: approve (and ask back) or deny.
    pub async fn answer_subscription(&self, jid: &BareJid, approve: bool) -> Result<()> {
        let jid = jid.clone();
        self.call(|reply| presence::Answer { jid, approve, reply }).await
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_jids_are_checked() {
        assert_eq!(parse_bare_jid("  li.lei@example.org ").unwrap().as_str(), "li.lei@example.org");
        assert!(matches!(parse_bare_jid("example.org"), Err(Error::InvalidJid(_))));
        assert!(matches!(parse_bare_jid("a@b@c"), Err(Error::InvalidJid(_))));
        assert!(matches!(parse_bare_jid("a b@example.org"), Err(Error::InvalidJid(_))));
    }
}
