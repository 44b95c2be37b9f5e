//! What the commands share: the store, the live sessions by account, the event channel the
//! engine reports on, and the shell's settings.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use hongyan_core::store::Store;
use hongyan_core::{Client, ConnState, Event};
use tokio::sync::{broadcast, oneshot};

use crate::error::{Error, Result};
use crate::sandbox::Sandbox;
use crate::settings::Settings;

/// Room for bursts between two runs of the event bridge; the bridge drains it continuously.
pub const EVENT_CAPACITY: usize = 4096;

pub struct AppState {
    pub store: Store,
    pub events: broadcast::Sender<Event>,
    pub settings_path: PathBuf,
    pub sandbox: Option<Sandbox>,
    /// The OS locale (BCP 47), read once at start.
    pub locale: String,
    settings: Mutex<Settings>,
    clients: Mutex<HashMap<String, Client>>,
    /// Sign-ins and registrations under way, by address, that `cancel_login` can stop.
    attempts: Mutex<HashMap<String, (u64, oneshot::Sender<()>)>>,
    next_attempt: AtomicU64,
}

/// Locks a mutex even if a panicking thread poisoned it: the data is plain values that stay
/// consistent between statements.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl AppState {
    pub fn new(
        store: Store,
        events: broadcast::Sender<Event>,
        settings_path: PathBuf,
        settings: Settings,
        sandbox: Option<Sandbox>,
        locale: String,
    ) -> AppState {
        AppState {
            store,
            events,
            settings_path,
            sandbox,
            locale,
            settings: Mutex::new(settings),
            clients: Mutex::new(HashMap::new()),
            attempts: Mutex::new(HashMap::new()),
            next_attempt: AtomicU64::new(1),
        }
    }

    pub fn settings(&self) -> Settings {
        *lock(&self.settings)
    }

    pub fn set_settings(&self, settings: Settings) {
        *lock(&self.settings) = settings;
    }

    /// The live session of `account`, if it is signed in.
    pub fn live(&self, account: &str) -> Option<Client> {
        lock(&self.clients).get(account).cloned()
    }

    /// The live session of `account`, or `not_connected`. A session whose task has ended
    /// (signed out elsewhere, a conflict, a refused password) is dropped here, not kept.
    pub fn client(&self, account: &str) -> Result<Client> {
        let mut clients = lock(&self.clients);
        match clients.get(account) {
            Some(c) if c.is_stopped() => {
                clients.remove(account);
                Err(Error::not_connected())
            }
            Some(c) => Ok(c.clone()),
            None => Err(Error::not_connected()),
        }
    }

    /// Connection state of `account` as the account list shows it.
    pub fn state_of(&self, account: &str) -> ConnState {
        self.live(account).map_or(ConnState::Offline, |c| c.state())
    }

    /// Registers a new session; returns the one it replaces, which the caller disconnects.
    pub fn insert(&self, client: Client) -> Option<Client> {
        lock(&self.clients).insert(client.jid().to_string(), client)
    }

    pub fn remove(&self, account: &str) -> Option<Client> {
        lock(&self.clients).remove(account)
    }

    /// Runs a sign-in or registration for `account` until it ends or [`AppState::cancel`] names
    /// the same address; then it is dropped (its socket closes) and `cancelled` is returned.
    /// A newer attempt for the same address supersedes an older one the same way.
    pub async fn cancellable<T>(
        &self,
        account: &str,
        work: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let id = self.next_attempt.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        lock(&self.attempts).insert(account.to_owned(), (id, tx));
        let outcome = tokio::select! {
            done = work => done,
            _ = rx => Err(Error::Cancelled),
        };
        let mut attempts = lock(&self.attempts);
        if attempts.get(account).is_some_and(|(current, _)| *current == id) {
            attempts.remove(account);
        }
        outcome
    }

    /// Stops the sign-in or registration under way for `account`, if any.
    pub fn cancel(&self, account: &str) -> bool {
        match lock(&self.attempts).remove(account) {
            Some((_, stop)) => stop.send(()).is_ok(),
            None => false,
        }
    }

    pub fn take_all(&self) -> Vec<Client> {
        lock(&self.clients).drain().map(|(_, c)| c).collect()
    }
}
