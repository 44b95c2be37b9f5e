//! Errors of the desktop shell. Commands return them; the UI receives each as an
//! [`ErrorInfo`] (`{ code, message, fingerprint?, url? }`) and switches on `code`.

use hongyan_core::ErrorInfo;
use serde::{Serialize, Serializer};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Engine(#[from] hongyan_core::Error),
    /// The OS keyring failed. Holds the keyring's description only: some keyring errors carry
    /// the secret's bytes, and those must never reach a log.
    #[error("the system keyring failed: {0}")]
    Keyring(String),
    #[error("no password is saved for {0}")]
    NoSavedPassword(String),
    /// The database in the data folder could not be opened (full disk, no permission, a file
    /// from a newer Hongyan …). Holds the path and the reason, for the details line.
    #[error("{0}")]
    DataUnavailable(String),
    #[error("the settings could not be saved: {0}")]
    Settings(#[source] std::io::Error),
    #[error("not a link Hongyan opens: {0}")]
    InvalidLink(String),
    #[error("the link could not be opened: {0}")]
    OpenLink(#[source] std::io::Error),
    /// The user stopped a sign-in or registration before it finished.
    #[error("cancelled")]
    Cancelled,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<keyring::Error> for Error {
    fn from(e: keyring::Error) -> Self {
        Error::Keyring(e.to_string())
    }
}

impl From<hongyan_core::store::Error> for Error {
    fn from(e: hongyan_core::store::Error) -> Self {
        Error::Engine(e.into())
    }
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::Engine(e) => e.code(),
            Error::Keyring(_) | Error::NoSavedPassword(_) => "keyring",
            Error::Settings(_) | Error::DataUnavailable(_) => "storage",
            Error::InvalidLink(_) => "invalid_input",
            Error::Cancelled => "cancelled",
            Error::OpenLink(_) | Error::Internal(_) => "internal",
        }
    }

    pub fn info(&self) -> ErrorInfo {
        match self {
            Error::Engine(e) => e.info(),
            other => ErrorInfo {
                code: other.code().to_owned(),
                message: other.to_string(),
                fingerprint: None,
                url: None,
            },
        }
    }

    /// The session of `account` is not open.
    pub fn not_connected() -> Error {
        Error::Engine(hongyan_core::Error::NotConnected)
    }

    pub fn invalid_input(why: impl Into<String>) -> Error {
        Error::Engine(hongyan_core::Error::InvalidInput(why.into()))
    }
}

/// Commands reject with the `ErrorInfo` shape.
impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.info().serialize(serializer)
    }
}

/// Runs blocking work (keyring and notification D-Bus calls, small file writes) off the async
/// workers.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("background task: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_error_info() {
        let v = serde_json::to_value(Error::NoSavedPassword("me@example.org".into())).unwrap();
        assert_eq!(v["code"], "keyring");
        assert!(v["message"].as_str().unwrap().contains("me@example.org"));
        assert!(v.get("fingerprint").is_none());

        let cert = hongyan_core::Error::CertUntrusted {
            fingerprint: "ab".repeat(32),
            reason: "self-signed".into(),
        };
        let v = serde_json::to_value(Error::from(cert)).unwrap();
        assert_eq!(v["code"], "cert_untrusted");
        assert_eq!(v["fingerprint"], "ab".repeat(32));

        assert_eq!(Error::not_connected().code(), "not_connected");
        assert_eq!(
            Error::InvalidLink("file:///etc/passwd".into()).code(),
            "invalid_input"
        );
        assert_eq!(Error::from(keyring::Error::NoEntry).code(), "keyring");
        assert_eq!(Error::Cancelled.code(), "cancelled");
    }
}
