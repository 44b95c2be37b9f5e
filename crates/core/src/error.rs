//! Errors of the engine. Each variant maps to a stable `code` that the UI switches on to show a
//! sentence in the user's language; `message` is an English detail for logs and unknown codes.

use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid address: {0}")]
    InvalidJid(String),
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("the server rejected the user name or password")]
    AuthFailed,
    #[error("the server offers no authentication method Hongyan accepts ({0})")]
    NoMechanism(String),
    #[error("the server's answer during authentication could not be used: {0}")]
    AuthProtocol(String),
    #[error("the server could not prove that it knows the password: {0}")]
    ServerNotVerified(String),
    #[error("the server cannot check passwords right now")]
    TemporaryAuthFailure,
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    #[error("the server name could not be resolved: {0}")]
    Dns(String),
    #[error("secure connection failed: {0}")]
    Tls(String),
    #[error("the server's certificate is not trusted")]
    CertUntrusted { fingerprint: String, reason: String },
    #[error("the server does not offer an encrypted connection")]
    NoTls,
    #[error("the server did not answer in time")]
    Timeout,
    #[error("the server closed the connection: {0}")]
    StreamClosed(String),
    /// Hongyan's parser refused what the server sent; the stream cannot go on after that.
    #[error("the server sent XML that Hongyan cannot read: {0}")]
    UnreadableInput(String),
    /// The same unreadable data ended the session right after each of the last `times` logins
    /// (a message the server keeps in offline storage, say): reconnecting goes on, less often.
    #[error("the same data from the server ended the connection right after each of the last {times} sign-ins: {detail}")]
    ReceiveLoop { times: u32, detail: String },
    #[error("signed in from another place with the same resource")]
    Conflict,
    #[error("that user name is already taken")]
    UsernameTaken,
    #[error("this server does not allow creating accounts here")]
    RegistrationClosed { url: Option<String> },
    #[error("the server did not accept the account details: {0}")]
    NotAcceptable(String),
    #[error("the server asks for a CAPTCHA")]
    CaptchaRequired { url: Option<String> },
    #[error("account creation failed: {0}")]
    RegistrationFailed(String),
    #[error("not connected")]
    NotConnected,
    #[error("storage: {0}")]
    Storage(#[from] hongyan_store::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The stable code the UI switches on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidJid(_) => "invalid_jid",
            Error::InvalidInput(_) => "invalid_input",
            Error::AuthFailed => "auth_failed",
            Error::NoMechanism(_) => "no_mechanism",
            Error::AuthProtocol(_) => "auth_protocol",
            Error::ServerNotVerified(_) => "server_unverified",
            Error::TemporaryAuthFailure => "auth_temporary",
            Error::Unreachable(_) => "unreachable",
            Error::Dns(_) => "dns_failed",
            Error::Tls(_) => "tls_failed",
            Error::CertUntrusted { .. } => "cert_untrusted",
            Error::NoTls => "no_tls",
            Error::Timeout => "timeout",
            Error::StreamClosed(_) => "stream_closed",
            Error::UnreadableInput(_) => "unreadable_input",
            Error::ReceiveLoop { .. } => "receive_loop",
            Error::Conflict => "conflict",
            Error::UsernameTaken => "username_taken",
            Error::RegistrationClosed { .. } => "registration_closed",
            Error::NotAcceptable(_) => "not_acceptable",
            Error::CaptchaRequired { .. } => "captcha_required",
            Error::RegistrationFailed(_) => "registration_failed",
            Error::NotConnected => "not_connected",
            Error::Storage(_) => "storage",
            Error::Internal(_) => "internal",
        }
    }

    /// Whether a later attempt may succeed without the user changing anything. Authentication
    /// and certificate problems are never retried automatically.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Unreachable(_)
                | Error::Dns(_)
                | Error::Timeout
                | Error::StreamClosed(_)
                | Error::UnreadableInput(_)
                | Error::ReceiveLoop { .. }
                | Error::TemporaryAuthFailure
        )
    }

    pub fn info(&self) -> ErrorInfo {
        ErrorInfo {
            code: self.code().to_owned(),
            message: self.to_string(),
            fingerprint: match self {
                Error::CertUntrusted { fingerprint, .. } => Some(fingerprint.clone()),
                _ => None,
            },
            url: match self {
                Error::CaptchaRequired { url } | Error::RegistrationClosed { url } => url.clone(),
                _ => None,
            },
        }
    }
}

/// The serialisable form of an [`Error`], as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInfo {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl From<&Error> for ErrorInfo {
    fn from(e: &Error) -> Self {
        e.info()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_carry_details() {
        let e = Error::CertUntrusted { fingerprint: "ab12".into(), reason: "unknown issuer".into() };
        let info = e.info();
        assert_eq!(info.code, "cert_untrusted");
        assert_eq!(info.fingerprint.as_deref(), Some("ab12"));
        let e = Error::CaptchaRequired { url: Some("https://example.org/register".into()) };
        assert_eq!(e.info().url.as_deref(), Some("https://example.org/register"));
        assert_eq!(Error::AuthFailed.code(), "auth_failed");
        assert!(!Error::AuthFailed.is_transient());
        assert!(Error::Timeout.is_transient());
        let json = serde_json::to_value(Error::NoTls.info()).unwrap();
        assert_eq!(json["code"], "no_tls");
        assert!(json.get("fingerprint").is_none());
    }
}
