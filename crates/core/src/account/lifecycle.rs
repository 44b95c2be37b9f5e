//! An account's life: online → lost → backoff → online again, until the user disconnects or
//! an error that retrying cannot fix (authentication, certificate, a conflict) ends it.

use std::time::Duration;

use tokio::sync::mpsc;
use tracing::{debug, instrument, warn};

use super::actor::{self, End};
use super::{Command, State};
use crate::error::{Error, Result};
use crate::events::ConnState;
use crate::feature::FEATURES;
use crate::session::{self, Session};

/// Reconnect delays: 1, 2, 4 … 60 s, with ±20% jitter so many clients do not return at once.
pub fn backoff(attempt: u32) -> Duration {
    let base = 1u64 << attempt.min(6);
    let base_ms = base.min(60) * 1000;
    let jitter = (uuid::Uuid::new_v4().as_u128() % 401) as i64 - 200; // -200..=200 per mille
    Duration::from_millis((base_ms as i64 + base_ms as i64 * jitter / 1000) as u64)
}

#[instrument(skip_all, fields(account = %state.config.jid))]
pub(crate) async fn run(mut state: State, mut commands: mpsc::Receiver<Command>, first: Session) {
    let mut session = Some(first);
    let mut last_error = None;
    while let Some(s) = session.take() {
        if let Ok(mut b) = state.bound.write() {
            *b = (s.jid.clone(), s.mechanism);
        }
        state.features = s.features.clone();
        match actor::online(&mut state, &mut commands, s.stream).await {
            End::Shutdown => break,
            End::Fatal(e) => {
                last_error = Some(e);
                break;
            }
            End::Lost(e) => {
                warn!(error = %e, "connection lost");
                lost(&mut state);
                match reconnect(&mut state, &mut commands, e).await {
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
async fn reconnect(state: &mut State, commands: &mut mpsc::Receiver<Command>, mut error: Error) -> Result<Option<Session>> {
    let mut attempt = 0;
    loop {
        let delay = backoff(attempt);
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
        let c = &state.config;
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
}
