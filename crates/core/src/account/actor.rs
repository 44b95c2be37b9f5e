//! The account's task while a session is up: it selects over the handle's commands, the
//! stream and the IQ timer, and hands each stanza to the seams — the IQ router, the presence
//! handlers and the message pipeline — never to a feature by name.

use tokio::sync::mpsc;
use tracing::warn;
use xmpp::parsers::{sm, stream_error::DefinedCondition as StreamCondition};
use xmpp::tokio_xmpp::xmlstream::{ReadError, XmppStreamElement};
use xmpp::tokio_xmpp::Stanza;

use super::{outbox, Command, State};
use crate::error::{Error, Result};
use crate::events::ConnState;
use crate::feature::{Cx, Flow, FEATURES};
use crate::stanza::outbound::Outbound;
use crate::stanza::{pipeline, router};
use crate::transport::{read_error, xml::Received, SessionStream};
use crate::ping;

/// Why an online phase ended.
pub(crate) enum End {
    Shutdown,
    Lost(Error),
    Fatal(Error),
}

pub(crate) async fn online(state: &mut State, commands: &mut mpsc::Receiver<Command>, stream: SessionStream) -> End {
    let mut out = Outbound::new(stream);
    let sm_offered = state.features.stream_management.is_some();
    state.set_state(ConnState::Online, None, None);
    if let Err(e) = start(&mut Cx { state, out: &mut out }, sm_offered).await {
        return End::Lost(e);
    }
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
                        if let Err(e) = request.online(&mut Cx { state, out: &mut out }).await {
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
                    if let Err(e) = then.answered(&mut Cx { state, out: &mut out }, Err(Error::Timeout)).await {
                        return End::Lost(e);
                    }
                }
            }
            item = out.next() => {
                let mut cx = Cx { state, out: &mut out };
                let result = match item {
                    None => Err(Error::StreamClosed("the connection was closed".into())),
                    Some(Err(ReadError::SoftTimeout)) => ping::keepalive(&mut cx).await,
                    Some(Err(e)) => {
                        cx.out.acknowledge_broken().await;
                        Err(read_error(e))
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

/// A new session: XEP-0198 first (so everything after it is counted), then each feature in
/// [`FEATURES`] order.
async fn start(cx: &mut Cx<'_>, sm_offered: bool) -> Result<()> {
    if sm_offered {
        cx.out.nonza(sm::Nonza::Enable(sm::Enable::new())).await?;
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
