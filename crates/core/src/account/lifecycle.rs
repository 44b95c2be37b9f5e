//! An account's life: online → lost → backoff → online again, until the user disconnects or
//! an error that retrying cannot fix (authentication, certificate, a conflict) ends it.

use std::time::Instant;

use tokio::sync::mpsc;
use tracing::{debug, instrument, warn};

use super::actor::{self, End};
use super::reconnect::{Plan, Reconnects};
use super::{Command, State};
use crate::error::{Error, Result};
use crate::events::ConnState;
use crate::feature::FEATURES;
use crate::session::Session;

#[instrument(skip_all, fields(account = %state.config.jid))]
pub(crate) async fn run(mut state: State, mut commands: mpsc::Receiver<Command>, first: Result<Session>) {
    let mut last_error = None;
    let mut session = match first {
        Ok(s) => Some(s),
        // Started offline: reconnect as after a loss.
        Err(e) => match reconnect(&mut state, &mut commands, e, Plan::default()).await {
            Ok(s) => s,
            Err(e) => {
                last_error = Some(e);
                None
            }
        },
    };
    let mut reconnects = Reconnects::default();
    while let Some(s) = session.take() {
        if let Ok(mut b) = state.bound.write() {
            *b = Some((s.jid.clone(), s.mechanism));
        }
        state.features = s.features.clone();
        let since = Instant::now();
        match actor::online(&mut state, &mut commands, s.stream).await {
            End::Shutdown => break,
            End::Fatal(e) => {
                last_error = Some(e);
                break;
            }
            End::Lost(e) => {
                warn!(error = %e, "connection lost");
                lost(&mut state);
                let plan = reconnects.lost(since.elapsed(), &e);
                let shown = match plan.reason() {
                    Some(looping) => {
                        warn!(error = %looping, "the server replays what breaks the stream; retrying less often");
                        looping
                    }
                    None => e,
                };
                match reconnect(&mut state, &mut commands, shown, plan).await {
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
) -> Result<Option<Session>> {
    let mut attempt = plan.first_attempt;
    loop {
        let delay = (state.seams.backoff)(attempt, plan.cap);
        attempt += 1;
        state.set_state(ConnState::Reconnecting, Some(&error), Some(delay));
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                _ = &mut sleep => break,
                cmd = commands.recv() => match cmd {
                    None => return Ok(None),
                    Some(Command::Disconnect { reply }) => {
                        let _ = reply.send(());
                        return Ok(None);
                    }
                    Some(Command::Run(request)) => request.offline(state),
                }
            }
        }
        state.set_state(ConnState::Connecting, None, None);
        let login = state.config.login();
        match state.seams.connector.open(&login).await {
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
