//! SASL authentication (RFC 6120 §6) with Hongyan's policy: SCRAM-SHA-256 or SCRAM-SHA-1, with
//! channel binding (-PLUS, tls-exporter) when the server offers it; PLAIN only when the server
//! offers no SCRAM mechanism at all (the stream is always TLS-protected by then). The server's
//! final SCRAM signature is verified, so a server that does not know the password is refused.

use std::collections::BTreeSet;
use std::str::FromStr;

use futures::{SinkExt, StreamExt};
use ::sasl::common::ChannelBinding;
use xmpp::parsers::sasl::{Auth, DefinedCondition, Mechanism as WireMechanism, Nonza, Response};
use xmpp::parsers::sasl_cb::Type as CbType;
use xmpp::parsers::stream_features::StreamFeatures;
use xmpp::tokio_xmpp::xmlstream::XmppStreamElement;

use super::scram::{self, Hash, Scram};
use crate::error::{Error, Result};
use crate::transport::{read_error, stream_io_error, Stream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    ScramSha256Plus,
    ScramSha1Plus,
    ScramSha256,
    ScramSha1,
    Plain,
}

impl Mechanism {
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::ScramSha256Plus => "SCRAM-SHA-256-PLUS",
            Mechanism::ScramSha1Plus => "SCRAM-SHA-1-PLUS",
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
            Mechanism::ScramSha1 => "SCRAM-SHA-1",
            Mechanism::Plain => "PLAIN",
        }
    }

    fn uses_channel_binding(self) -> bool {
        matches!(self, Mechanism::ScramSha256Plus | Mechanism::ScramSha1Plus)
    }
}

/// Picks the mechanism. `can_bind` says whether this TLS connection has tls-exporter data and
/// the server did not rule that binding type out.
pub fn choose(offered: &BTreeSet<String>, can_bind: bool) -> Result<Mechanism> {
    let order = [
        Mechanism::ScramSha256Plus,
        Mechanism::ScramSha1Plus,
        Mechanism::ScramSha256,
        Mechanism::ScramSha1,
    ];
    for m in order {
        if m.uses_channel_binding() && !can_bind {
            continue;
        }
        if offered.contains(m.name()) {
            return Ok(m);
        }
    }
    // PLAIN is acceptable only when the server has no SCRAM at all: offering SCRAM and PLAIN
    // and then being answered with PLAIN would be a downgrade.
    let any_scram = offered.iter().any(|m| m.starts_with("SCRAM-"));
    if !any_scram && offered.contains("PLAIN") {
        return Ok(Mechanism::Plain);
    }
    let list = offered.iter().cloned().collect::<Vec<_>>().join(", ");
    Err(Error::NoMechanism(if list.is_empty() { "none".into() } else { list }))
}

/// Channel binding is used only when the server says (XEP-0440) that it does tls-exporter.
/// Servers that offer -PLUS without saying which binding they do often mean tls-unique, which
/// TLS 1.3 does not have (ejabberd 23.01 does this); binding blindly would fail the login.
fn server_does_exporter(features: &StreamFeatures) -> bool {
    features.sasl_cb.as_ref().is_some_and(|cb| cb.types.contains(&CbType::TlsExporter))
}

/// The GS2 channel-binding flag for a mechanism without -PLUS (RFC 5802 §6): "y" tells a server
/// that we could bind but it does not seem to offer binding (so a stripped -PLUS is detected);
/// when it does offer -PLUS with a binding we cannot use, the truthful answer is "n".
fn unbound_flag(offered: &BTreeSet<String>, have_exporter: bool) -> ChannelBinding {
    let server_offers_plus = offered.iter().any(|m| m.ends_with("-PLUS"));
    if have_exporter && !server_offers_plus {
        ChannelBinding::Unsupported
    } else {
        ChannelBinding::None
    }
}

/// The exchange in progress: SCRAM's steps, or PLAIN's single message.
enum Exchange {
    Scram(Scram),
    Plain,
}

impl Mechanism {
    fn hash(self) -> Option<Hash> {
        match self {
            Mechanism::ScramSha256Plus | Mechanism::ScramSha256 => Some(Hash::Sha256),
            Mechanism::ScramSha1Plus | Mechanism::ScramSha1 => Some(Hash::Sha1),
            Mechanism::Plain => None,
        }
    }
}

/// PLAIN (RFC 4616): NUL, user name, NUL, password, each SASLprepared.
fn plain_message(username: &str, password: &str) -> Vec<u8> {
    let prep = |s: &str| stringprep::saslprep(s).map(|c| c.into_owned()).unwrap_or_else(|_| s.to_owned());
    let mut out = vec![0u8];
    out.extend_from_slice(prep(username).as_bytes());
    out.push(0);
    out.extend_from_slice(prep(password).as_bytes());
    out
}

/// Runs the SASL exchange on `stream`; on success the caller restarts the stream.
pub async fn authenticate(
    stream: &mut Stream,
    features: &StreamFeatures,
    channel_binding: &ChannelBinding,
    username: &str,
    password: &str,
) -> Result<Mechanism> {
    let have_exporter = matches!(channel_binding, ChannelBinding::TlsExporter(_));
    let mech = choose(&features.sasl_mechanisms, have_exporter && server_does_exporter(features))?;
    let binding = if mech.uses_channel_binding() {
        channel_binding.clone()
    } else {
        unbound_flag(&features.sasl_mechanisms, have_exporter)
    };
    let (mut exchange, initial) = match mech.hash() {
        Some(hash) => {
            let scram = Scram::new(hash, username, password, &binding)?;
            let first = scram.client_first();
            (Exchange::Scram(scram), first)
        }
        None => (Exchange::Plain, plain_message(username, password)),
    };
    let wire = WireMechanism::from_str(mech.name()).map_err(|e| Error::Internal(e.to_string()))?;
    send(stream, Nonza::Auth(Auth { mechanism: wire, data: initial })).await?;
    let mut challenges = 0;
    loop {
        let element = match stream.next().await {
            Some(Ok(el)) => el.into_element().map_err(read_error)?,
            Some(Err(e)) => return Err(read_error(e)),
            None => return Err(Error::StreamClosed("closed during authentication".into())),
        };
        match element {
            XmppStreamElement::Sasl(Nonza::Challenge(challenge)) => {
                challenges += 1;
                let Exchange::Scram(scram) = &mut exchange else {
                    return Err(Error::AuthProtocol("a challenge after PLAIN".into()));
                };
                if challenges > 1 {
                    return Err(Error::AuthProtocol("more than one SCRAM challenge".into()));
                }
                let data = scram_response(scram, &challenge.data).await?;
                send(stream, Nonza::Response(Response { data })).await?;
            }
            XmppStreamElement::Sasl(Nonza::Success(success)) => {
                if let Exchange::Scram(scram) = &exchange {
                    // A success without the server's signature proves nothing.
                    scram.verify_server_final(&success.data)?;
                }
                return Ok(mech);
            }
            XmppStreamElement::Sasl(Nonza::Failure(failure)) => return Err(failure_error(&failure.defined_condition)),
            XmppStreamElement::StreamError(e) => return Err(Error::StreamClosed(e.to_string())),
            _ => continue,
        }
    }
}

/// Answers the server-first message; the key derivation runs on a blocking thread.
async fn scram_response(scram: &mut Scram, server_first: &[u8]) -> Result<Vec<u8>> {
    let first = scram.parse_server_first(server_first)?;
    let (hash, password, salt, iterations) = (scram.hash(), scram.password().to_owned(), first.salt.clone(), first.iterations);
    let salted = tokio::task::spawn_blocking(move || scram::salted_password(hash, &password, &salt, iterations))
        .await
        .map_err(|e| Error::Internal(format!("key derivation: {e}")))?;
    scram.client_final(server_first, &first, &salted)
}

fn failure_error(condition: &DefinedCondition) -> Error {
    match condition {
        DefinedCondition::NotAuthorized
        | DefinedCondition::CredentialsExpired
        | DefinedCondition::AccountDisabled
        | DefinedCondition::InvalidAuthzid => Error::AuthFailed,
        DefinedCondition::TemporaryAuthFailure => Error::TemporaryAuthFailure,
        other => Error::AuthProtocol(format!("{other:?}")),
    }
}

async fn send(stream: &mut Stream, nonza: Nonza) -> Result<()> {
    stream.send(&XmppStreamElement::Sasl(nonza)).await.map_err(stream_io_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn prefers_channel_binding_then_sha256() {
        let all = set(&["SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS", "PLAIN"]);
        assert_eq!(choose(&all, true).unwrap(), Mechanism::ScramSha256Plus);
        assert_eq!(choose(&all, false).unwrap(), Mechanism::ScramSha256);
    }

    #[test]
    fn scram_offered_means_plain_is_never_chosen() {
        // What Debian's Prosody 0.12 offers over TLS 1.3.
        let offered = set(&["SCRAM-SHA-1", "PLAIN"]);
        assert_eq!(choose(&offered, true).unwrap(), Mechanism::ScramSha1);
        // Only -PLUS variants while this connection cannot bind: refuse rather than fall to PLAIN.
        let plus_only = set(&["SCRAM-SHA-256-PLUS", "PLAIN"]);
        assert!(matches!(choose(&plus_only, false), Err(Error::NoMechanism(_))));
    }

    #[test]
    fn gs2_flag_is_y_only_when_the_server_offers_no_plus() {
        assert_eq!(unbound_flag(&set(&["SCRAM-SHA-1", "PLAIN"]), true).header(), b"y,,");
        // ejabberd 23.01: offers -PLUS (tls-unique only) over TLS 1.3.
        assert_eq!(unbound_flag(&set(&["SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"]), true).header(), b"n,,");
        assert_eq!(unbound_flag(&set(&["SCRAM-SHA-1"]), false).header(), b"n,,");
    }

    #[test]
    fn plus_is_chosen_whenever_offered_and_bindable() {
        for (offered, expected) in [
            (set(&["SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"]), Mechanism::ScramSha1Plus),
            (set(&["SCRAM-SHA-256", "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS"]), Mechanism::ScramSha256Plus),
            (set(&["SCRAM-SHA-256", "SCRAM-SHA-1-PLUS"]), Mechanism::ScramSha1Plus),
        ] {
            assert_eq!(choose(&offered, true).unwrap(), expected, "{offered:?}");
        }
    }

    #[test]
    fn failure_conditions_have_their_own_errors() {
        assert!(matches!(failure_error(&DefinedCondition::NotAuthorized), Error::AuthFailed));
        let temporary = failure_error(&DefinedCondition::TemporaryAuthFailure);
        assert_eq!(temporary.code(), "auth_temporary");
        assert!(temporary.is_transient());
        assert_eq!(failure_error(&DefinedCondition::MalformedRequest).code(), "auth_protocol");
    }

    #[test]
    fn plain_prepares_name_and_password() {
        assert_eq!(plain_message("yan", "ｐｗ\u{3000}1"), b"\0yan\0pw 1");
    }

    #[test]
    fn plain_only_without_any_scram() {
        assert_eq!(choose(&set(&["PLAIN"]), true).unwrap(), Mechanism::Plain);
        assert!(matches!(choose(&set(&["X-OAUTH2"]), true), Err(Error::NoMechanism(_))));
        assert!(matches!(choose(&set(&[]), true), Err(Error::NoMechanism(_))));
    }
}
