//! An account's life: online → lost → backoff → online again (the same session resumed where
//! the server allows it, XEP-0198), until the user disconnects or an error that retrying
//! cannot fix (authentication, certificate, a conflict) ends it.

use std::time::Instant;

use tokio::sync::mpsc;
use tracing::{debug, instrument, warn};

use super::actor::{self, End};
use super::reconnect::{Plan, Reconnects};
use super::{Command, State};
use crate::error::{Error, Result};
use crate::events::ConnState;
use crate::feature::FEATURES;
use crate::session::sm::{Acks, Resumption};
use crate::session::Session;

#[instrument(skip_all, fields(account = %state.config.jid))]
pub(crate) async fn run(mut state: State, mut commands: mpsc::Receiver<Command>, first: Result<Session>) {
    let mut last_error = None;
    let mut session = match first {
        Ok(s) => Some(s),
        // Started offline: reconnect as after a loss.
        Err(e) => match reconnect(&mut state, &mut commands, e, Plan::default(), &Acks::default()).await {
            Ok(s) => s,
            Err(e) => {
                last_error = Some(e);
                None
            }
        },
    };
    let mut reconnects = Reconnects::default();
    let mut acks = Acks::default();
    // Presences kept for a session the server may resume, until we know whether it did.
    let mut held = false;
    while let Some(s) = session.take() {
        let resumed = matches!(s.resumption, Some(Resumption::Resumed { .. }));
        if held && !resumed {
            // The old session is gone after all: what it knew no longer holds.
            forget(&mut state);
        }
        if let Ok(mut b) = state.bound.write() {
            *b = Some((s.jid.clone(), s.mechanism));
        }
        state.features = s.features.clone();
        let since = Instant::now();
        let (end, kept) = actor::online(&mut state, &mut commands, s, std::mem::take(&mut acks)).await;
        acks = kept;
        match end {
            End::Shutdown => break,
            End::Fatal(e) => {
                last_error = Some(e);
                break;
            }
            End::Lost(e) => {
                warn!(error = %e, "connection lost");
                // Nobody waits on an answer across the gap; a resumable session keeps the rest.
                state.iqs.fail_all();
                held = acks.lost();
                if !held {
                    forget(&mut state);
                }
                let plan = reconnects.lost(since.elapsed(), &e);
                let shown = match plan.reason() {
                    Some(looping) => {
                        warn!(error = %looping, "the server replays what breaks the stream; retrying less often");
                        looping
                    }
                    None => e,
                };
                match reconnect(&mut state, &mut commands, shown, plan, &acks).await {
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
    lost(&mut state);
    state.set_state(ConnState::Offline, last_error.as_ref(), None);
    // Answer whatever is still queued so no caller waits forever.
    commands.close();
    while let Some(cmd) = commands.recv().await {
        refuse(cmd);
    }
}

fn lost(state: &mut State) {
    state.iqs.fail_all();
    forget(state);
}

/// The session is over for good: features drop what only it knew.
fn forget(state: &mut State) {
    state.announced = None;
    for feature in FEATURES {
        feature.lost(state);
    }
}

pub(crate) fn refuse(cmd: Command) {
    match cmd {
        Command::Run(request) => request.refuse(),
        Command::Disconnect { reply } => {
            let _ = reply.send(());
        }
    }
}

/// Waits and retries until a session is open again. `Ok(None)`: the user disconnected.
/// A loop's error stays on screen for the whole wait, whatever the attempts in between say.
async fn reconnect(
    state: &mut State,
    commands: &mut mpsc::Receiver<Command>,
    mut error: Error,
    plan: Plan,
    acks: &Acks,
) -> Result<Option<Session>> {
    let mut attempt = plan.first_attempt;
    loop {
        let delay = (state.seams.backoff)(attempt, plan.cap);
        attempt += 1;
        state.set_state(ConnState::Reconnecting, Some(&error), Some(delay));
        if meanwhile(state, commands, tokio::time::sleep(delay)).await.is_none() {
            return Ok(None);
        }
        state.set_state(ConnState::Connecting, None, None);
        let mut login = state.config.login();
        let bound = state.bound.read().ok().and_then(|b| b.as_ref().map(|(jid, _)| jid.clone()));
        login.resume = bound.and_then(|jid| acks.token(&jid));
        // Commands keep being taken while the attempt runs (a login may take seconds).
        let connector = state.seams.connector.clone();
        let Some(opened) = meanwhile(state, commands, connector.open(&login)).await else {
            return Ok(None);
        };
        match opened {
            Ok(s) => return Ok(Some(s)),
            Err(e) if e.is_transient() || matches!(e, Error::Tls(_)) => {
                debug!(error = %e, attempt, "reconnect attempt failed");
                if plan.looping.is_none() {
                    error = e;
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Runs `work` while answering commands as an offline account does. `None`: the user
/// disconnected (or the account was dropped) before `work` finished.
async fn meanwhile<T>(
    state: &mut State,
    commands: &mut mpsc::Receiver<Command>,
    work: impl std::future::Future<Output = T>,
) -> Option<T> {
    tokio::pin!(work);
    loop {
        tokio::select! {
            done = &mut work => return Some(done),
            cmd = commands.recv() => match cmd {
                None => return None,
                Some(Command::Disconnect { reply }) => {
                    let _ = reply.send(());
                    return None;
                }
                Some(Command::Run(request)) => request.offline(state),
            }
        }
    }
}
