//! The account's task while a session is up: it selects over the handle's commands, the
//! stream and the IQ timer, and hands each stanza to the seams — the IQ router, the presence
//! handlers and the message pipeline — never to a feature by name.

use tokio::sync::mpsc;
use tracing::{debug, warn};
use xmpp::parsers::{sm, stream_error::DefinedCondition as StreamCondition};
use xmpp::tokio_xmpp::xmlstream::{ReadError, XmppStreamElement};
use xmpp::tokio_xmpp::Stanza;

use super::{outbox, Command, State};
use crate::error::{Error, Result};
use crate::events::ConnState;
use crate::feature::{Cx, Flow, FEATURES};
use crate::session::sm::{is_failed, Acks, Resumption};
use crate::session::Session;
use crate::stanza::outbound::Outbound;
use crate::stanza::{pipeline, router};
use crate::transport::{read_error, xml::Received};
use crate::ping;

/// Why an online phase ended.
pub(crate) enum End {
    Shutdown,
    Lost(Error),
    Fatal(Error),
}

/// A session is up until this returns; the acknowledgement state comes back with the end, so
/// that the next connection can resume the session (XEP-0198).
pub(crate) async fn online(
    state: &mut State,
    commands: &mut mpsc::Receiver<Command>,
    session: Session,
    previous: Acks,
) -> (End, Acks) {
    let (acks, resumed, abandoned) = match session.resumption {
        Some(Resumption::Resumed { h }) => (previous, Some(h), Vec::new()),
        Some(Resumption::Failed { h }) => (Acks::default(), None, previous.abandoned(h)),
        None => (Acks::default(), None, Vec::new()),
    };
    let mut out = Outbound::new(session.stream, acks);
    let sm_offered = state.features.stream_management.is_some();
    state.set_state(ConnState::Online, None, None);
    let begun = {
        let mut cx = Cx { state, out: &mut out };
        match resumed {
            Some(h) => resume(&mut cx, h).await,
            None => match outbox::mark_sent(&mut cx, abandoned).await {
                Ok(()) => start(&mut cx, sm_offered).await,
                Err(e) => Err(e),
            },
        }
    };
    let end = match begun {
        Ok(()) => serve(state, commands, &mut out).await,
        Err(e) => End::Lost(e),
    };
    (end, out.into_acks())
}

async fn serve(state: &mut State, commands: &mut mpsc::Receiver<Command>, out: &mut Outbound) -> End {
    loop {
        let deadline = state.iqs.next_deadline();
        let timer = async move {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        // Biased, in this order: the user's commands first (a handful at most, and a test that
        // queued one before feeding the stream sees it handled first), then timers, then the
        // stream.
        tokio::select! {
            biased;
            cmd = commands.recv() => {
                let Some(cmd) = cmd else {
                    out.close().await;
                    return End::Shutdown;
                };
                match cmd {
                    Command::Run(request) => {
                        if let Err(e) = request.online(&mut Cx { state, out }).await {
                            return End::Lost(e);
                        }
                    }
                    Command::Disconnect { reply } => {
                        let _ = out.send(xmpp::parsers::presence::Presence::unavailable()).await;
                        out.close().await;
                        let _ = reply.send(());
                        return End::Shutdown;
                    }
                }
            }
            () = timer => {
                let late = state.iqs.expire(tokio::time::Instant::now());
                for then in late {
                    if let Err(e) = then.answered(&mut Cx { state, out }, Err(Error::Timeout)).await {
                        return End::Lost(e);
                    }
                }
            }
            item = out.next() => {
                let mut cx = Cx { state, out };
                let result = match item {
                    None => Err(Error::StreamClosed("the connection was closed".into())),
                    Some(Err(ReadError::SoftTimeout)) => ping::keepalive(&mut cx).await,
                    Some(Err(e)) => {
                        cx.out.acknowledge_broken().await;
                        Err(read_error(e))
                    }
                    Some(Ok(Received::Dropped(dropped))) if is_failed(&dropped) => {
                        let failed = sm::Nonza::Failed(sm::Failed { h: None, error: None });
                        outbox::stream_management(&mut cx, failed).await
                    }
                    Some(Ok(Received::Dropped(dropped))) => {
                        if dropped.stanza {
                            cx.out.acks().received();
                        }
                        warn!(element = %dropped, "dropped an element Hongyan cannot use");
                        Ok(())
                    }
                    Some(Ok(Received::Element(el))) => match el {
                        XmppStreamElement::Stanza(stanza) => {
                            cx.out.acks().received();
                            stanza_in(&mut cx, stanza).await
                        }
                        XmppStreamElement::SM(nonza) => outbox::stream_management(&mut cx, nonza).await,
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

/// The previous session goes on: the server's count confirms what it handled, the rest is
/// written again, and each feature catches up on what changed while the connection was down
/// (no roster fetch, no presence flood: the server kept both).
async fn resume(cx: &mut Cx<'_>, h: u32) -> Result<()> {
    let (confirmed, again) = cx.out.acks().resumed(h);
    debug!(h, confirmed = confirmed.len(), again = again.len(), "session resumed");
    outbox::mark_sent(cx, confirmed).await?;
    cx.out.resend(again).await?;
    cx.state.resumptions.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    for feature in FEATURES {
        feature.resumed(cx).await?;
    }
    Ok(())
}

/// A new session: XEP-0198 first (so everything after it is counted), then each feature in
/// [`FEATURES`] order.
async fn start(cx: &mut Cx<'_>, sm_offered: bool) -> Result<()> {
    if sm_offered {
        cx.out.nonza(sm::Nonza::Enable(sm::Enable::new().with_resume())).await?;
        cx.out.acks().request();
    }
    for feature in FEATURES {
        feature.online(cx).await?;
    }
    Ok(())
}

async fn stanza_in(cx: &mut Cx<'_>, stanza: Stanza) -> Result<()> {
    match stanza {
        Stanza::Message(m) => pipeline::run(cx, m).await.map(|_| ()),
        Stanza::Presence(p) => {
            for feature in FEATURES {
                if feature.presence(cx, &p).await? == Flow::Stop {
                    break;
                }
            }
            Ok(())
        }
        Stanza::Iq(iq) => router::dispatch(cx, iq).await,
    }
}
