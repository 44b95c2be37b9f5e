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

/// Orders SRV targets as RFC 2782 asks: lowest priority first; within a priority, a weighted
/// random draw (a target with twice the weight comes first twice as often, weight 0 only rarely
/// first). XEP-0368 puts direct TLS and STARTTLS records in one list by the same rules.
/// `random(n)` returns a number in `0..=n`.
fn order(mut targets: Vec<SrvTarget>, random: &mut impl FnMut(u32) -> u32) -> Vec<Endpoint> {
    // Zero weights first within each priority, as the RFC's selection expects.
    targets.sort_by(|a, b| a.priority.cmp(&b.priority).then((a.weight != 0).cmp(&(b.weight != 0))));
    let mut out = Vec::with_capacity(targets.len());
    let mut rest = targets.into_iter().peekable();
    while let Some(first) = rest.next() {
        let priority = first.priority;
        let mut group = vec![first];
        while let Some(next) = rest.next_if(|t| t.priority == priority) {
            group.push(next);
        }
        while !group.is_empty() {
            let total: u32 = group.iter().map(|t| u32::from(t.weight)).sum();
            let pick = random(total);
            let mut running = 0;
            let index = group
                .iter()
                .position(|t| {
                    running += u32::from(t.weight);
                    running >= pick
                })
                .unwrap_or(0);
            out.push(group.remove(index).endpoint);
        }
    }
    out
}

/// `0..=n`, from the OS's randomness (falls back to 0, the RFC's first-listed target).
fn os_random(n: u32) -> u32 {
    if n == 0 {
        return 0;
    }
    let mut bytes = [0u8; 4];
    match getrandom::getrandom(&mut bytes) {
        Ok(()) => u32::from_le_bytes(bytes) % (n + 1),
        Err(_) => 0,
    }
}

/// A host name as DNS and TLS want it: the A-label form of an internationalised name
/// (`例子.中国` → `xn--fsqu00a.xn--fiqs8s`); IP literals stay as they are.
pub fn ascii_host(host: &str) -> Result<String> {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Ok(host.to_owned());
    }
    idna::domain_to_ascii(host).map_err(|_| Error::InvalidJid(host.to_owned()))
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
        return Ok(vec![Endpoint { host: ascii_host(host)?, port, direct_tls }]);
    }
    let ascii = ascii_host(domain)?;
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
    Ok(order(targets, &mut os_random))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(priority: u16, weight: u16, host: &str, direct_tls: bool) -> SrvTarget {
        SrvTarget { priority, weight, endpoint: Endpoint { host: host.into(), port: 1, direct_tls } }
    }

    fn hosts(ordered: &[Endpoint]) -> Vec<&str> {
        ordered.iter().map(|e| e.host.as_str()).collect()
    }

    #[test]
    fn priority_always_comes_first() {
        let targets = vec![t(20, 100, "backup", false), t(10, 0, "zero", false), t(10, 5, "light", true)];
        for seed in 0..20 {
            let mut random = |n: u32| if n == 0 { 0 } else { seed % (n + 1) };
            let ordered = order(targets.clone(), &mut random);
            assert_eq!(ordered.last().map(|e| e.host.as_str()), Some("backup"));
            assert_eq!(ordered.len(), 3);
        }
    }

    #[test]
    fn weights_decide_who_comes_first_in_proportion() {
        // Weights 30 and 10: the heavy one should come first about three times in four.
        let targets = vec![t(10, 10, "light", false), t(10, 30, "heavy", false)];
        let mut heavy_first = 0;
        let mut state = 12345u32;
        for _ in 0..4000 {
            let mut random = |n: u32| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (state >> 8) % (n + 1)
            };
            if order(targets.clone(), &mut random)[0].host == "heavy" {
                heavy_first += 1;
            }
        }
        assert!((2800..=3200).contains(&heavy_first), "heavy first {heavy_first} times of 4000");
    }

    #[test]
    fn a_draw_of_zero_picks_the_zero_weight_target() {
        let targets = vec![t(10, 50, "heavy", false), t(10, 0, "zero", false)];
        assert_eq!(hosts(&order(targets.clone(), &mut |_| 0)), ["zero", "heavy"]);
        assert_eq!(hosts(&order(targets, &mut |n| n)), ["heavy", "zero"]);
    }

    #[test]
    fn internationalised_names_become_a_labels() {
        assert_eq!(ascii_host("例子.中国").unwrap(), "xn--fsqu00a.xn--fiqs8s");
        assert_eq!(ascii_host("Example.ORG").unwrap(), "example.org");
        assert_eq!(ascii_host("127.0.0.1").unwrap(), "127.0.0.1");
        assert_eq!(ascii_host("::1").unwrap(), "::1");
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
