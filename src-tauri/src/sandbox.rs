//! The local sandbox server offered on the login screen. `make run` starts a Prosody on
//! loopback and tells the app about it in `HONGYAN_SANDBOX=domain,host,port`.

use serde::Serialize;
use tracing::warn;

pub const ENV: &str = "HONGYAN_SANDBOX";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sandbox {
    /// The XMPP domain accounts are created on (`name@domain`).
    pub domain: String,
    /// Where that server listens.
    pub host: String,
    pub port: u16,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SandboxError {
    #[error("expected domain,host,port")]
    Shape,
    #[error("not a server domain: {0:?}")]
    Domain(String),
    #[error("no host given")]
    Host,
    #[error("not a port number (1-65535): {0:?}")]
    Port(String),
}

/// The sandbox named in the environment, if any and well formed.
pub fn from_env() -> Option<Sandbox> {
    let value = std::env::var(ENV).ok()?;
    match parse(&value) {
        Ok(s) => Some(s),
        Err(e) => {
            warn!(value = %value, error = %e, "ignoring {ENV}");
            None
        }
    }
}

pub fn parse(value: &str) -> Result<Sandbox, SandboxError> {
    let parts: Vec<&str> = value.split(',').map(str::trim).collect();
    let [domain, host, port] = parts[..] else {
        return Err(SandboxError::Shape);
    };
    let domain_ok = !domain.is_empty()
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-'))
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-']);
    if !domain_ok {
        return Err(SandboxError::Domain(domain.to_owned()));
    }
    if host.is_empty()
        || host
            .chars()
            .any(|c| c.is_whitespace() || c == '/' || c == '@')
    {
        return Err(SandboxError::Host);
    }
    let port = match port.parse::<u16>() {
        Ok(p) if p > 0 => p,
        _ => return Err(SandboxError::Port(port.to_owned())),
    };
    Ok(Sandbox {
        domain: domain.to_ascii_lowercase(),
        host: host.to_owned(),
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_make_run_value() {
        assert_eq!(
            parse("localhost,127.0.0.1,5222").unwrap(),
            Sandbox {
                domain: "localhost".into(),
                host: "127.0.0.1".into(),
                port: 5222
            }
        );
        assert_eq!(
            parse(" Sandbox.Hongyan.test , ::1 , 15222 ").unwrap(),
            Sandbox {
                domain: "sandbox.hongyan.test".into(),
                host: "::1".into(),
                port: 15222
            }
        );
    }

    #[test]
    fn rejects_malformed_values() {
        assert_eq!(parse(""), Err(SandboxError::Shape));
        assert_eq!(parse("localhost,127.0.0.1"), Err(SandboxError::Shape));
        assert_eq!(
            parse("localhost,127.0.0.1,5222,x"),
            Err(SandboxError::Shape)
        );
        assert_eq!(
            parse(",127.0.0.1,5222"),
            Err(SandboxError::Domain(String::new()))
        );
        assert_eq!(
            parse("me@localhost,127.0.0.1,5222"),
            Err(SandboxError::Domain("me@localhost".into()))
        );
        assert_eq!(
            parse(".localhost,127.0.0.1,5222"),
            Err(SandboxError::Domain(".localhost".into()))
        );
        assert_eq!(parse("localhost,,5222"), Err(SandboxError::Host));
        assert_eq!(parse("localhost,a b,5222"), Err(SandboxError::Host));
        assert_eq!(
            parse("localhost,127.0.0.1,0"),
            Err(SandboxError::Port("0".into()))
        );
        assert_eq!(
            parse("localhost,127.0.0.1,65536"),
            Err(SandboxError::Port("65536".into()))
        );
        assert_eq!(
            parse("localhost,127.0.0.1,xmpp"),
            Err(SandboxError::Port("xmpp".into()))
        );
    }

    #[test]
    fn serialises_for_app_info() {
        let v = serde_json::to_value(parse("localhost,127.0.0.1,5222").unwrap()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({ "domain": "localhost", "host": "127.0.0.1", "port": 5222 })
        );
    }
}
