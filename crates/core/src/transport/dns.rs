//! Where to connect: SRV records (`_xmpps-client._tcp` for direct TLS per XEP-0368, then
//! `_xmpp-client._tcp` for STARTTLS), else the domain itself on 5222; or the host/port the user set.

use std::time::Duration;

use hickory_resolver::{net::runtime::TokioRuntimeProvider, proto::rr::RData, TokioResolver};

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    /// TLS from the first byte (XEP-0368) rather than STARTTLS.
    pub direct_tls: bool,
}

#[derive(Debug, Clone)]
struct SrvTarget {
    priority: u16,
    weight: u16,
    endpoint: Endpoint,
}

/// Orders SRV targets: lowest priority first, heavier weight first within a priority, and direct
/// TLS before STARTTLS when both are equal (it saves a round trip and never runs unencrypted).
fn order(mut targets: Vec<SrvTarget>) -> Vec<Endpoint> {
    targets.sort_by(|a, b| {
        a.priority
            .cmp(&b.priority)
            .then(b.weight.cmp(&a.weight))
            .then(b.endpoint.direct_tls.cmp(&a.endpoint.direct_tls))
    });
    targets.into_iter().map(|t| t.endpoint).collect()
}

/// Domains that never have public SRV records; looking them up only costs a DNS timeout.
fn skip_srv(domain: &str) -> bool {
    domain == "localhost" || domain.ends_with(".localhost") || domain.parse::<std::net::IpAddr>().is_ok()
}

pub async fn endpoints(domain: &str, host_override: Option<(&str, u16)>) -> Result<Vec<Endpoint>> {
    if let Some((host, port)) = host_override {
        // A user-given port: STARTTLS unless it is the well-known direct TLS port. The connector
        // falls back to the other kind when the first one fails at the protocol level.
        let direct_tls = port == 5223 || port == 443;
        return Ok(vec![Endpoint { host: host.to_owned(), port, direct_tls }]);
    }
    let ascii = idna::domain_to_ascii(domain).map_err(|_| Error::InvalidJid(domain.to_owned()))?;
    let fallback = vec![Endpoint { host: ascii.clone(), port: 5222, direct_tls: false }];
    if skip_srv(&ascii) {
        return Ok(fallback);
    }
    let Ok((config, mut opts)) = hickory_resolver::system_conf::read_system_conf() else {
        return Ok(fallback);
    };
    opts.timeout = Duration::from_secs(4);
    opts.attempts = 1;
    let resolver = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(opts)
        .build()
        .map_err(|e| Error::Dns(e.to_string()))?;
    let mut targets = Vec::new();
    let mut service_disabled = false;
    for (service, direct_tls) in [("_xmpps-client._tcp", true), ("_xmpp-client._tcp", false)] {
        let name = format!("{service}.{ascii}.");
        let Ok(lookup) = resolver.srv_lookup(name).await else { continue };
        for record in lookup.answers() {
            let RData::SRV(ref srv) = record.data else { continue };
            let target = srv.target.to_ascii();
            let target = target.trim_end_matches('.');
            if target.is_empty() {
                // RFC 2782: "." means the service is decidedly not available here.
                service_disabled |= !direct_tls;
                continue;
            }
            targets.push(SrvTarget {
                priority: srv.priority,
                weight: srv.weight,
                endpoint: Endpoint { host: target.to_owned(), port: srv.port, direct_tls },
            });
        }
    }
    if targets.is_empty() {
        if service_disabled {
            return Err(Error::Unreachable(format!("{domain} does not offer XMPP for clients")));
        }
        return Ok(fallback);
    }
    Ok(order(targets))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(priority: u16, weight: u16, host: &str, direct_tls: bool) -> SrvTarget {
        SrvTarget { priority, weight, endpoint: Endpoint { host: host.into(), port: 1, direct_tls } }
    }

    #[test]
    fn srv_targets_follow_priority_then_weight_then_direct_tls() {
        let ordered = order(vec![
            t(20, 0, "backup", false),
            t(10, 5, "light", false),
            t(10, 50, "heavy", false),
            t(10, 50, "heavy-tls", true),
        ]);
        let hosts: Vec<_> = ordered.iter().map(|e| e.host.as_str()).collect();
        assert_eq!(hosts, ["heavy-tls", "heavy", "light", "backup"]);
    }

    #[tokio::test]
    async fn override_and_local_names_skip_dns() {
        let eps = endpoints("example.org", Some(("127.0.0.1", 15222))).await.unwrap();
        assert_eq!(eps, vec![Endpoint { host: "127.0.0.1".into(), port: 15222, direct_tls: false }]);
        let eps = endpoints("example.org", Some(("xmpp.example.org", 5223))).await.unwrap();
        assert!(eps[0].direct_tls);
        let eps = endpoints("localhost", None).await.unwrap();
        assert_eq!(eps, vec![Endpoint { host: "localhost".into(), port: 5222, direct_tls: false }]);
    }
}
