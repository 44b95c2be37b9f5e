//! TLS for XMPP connections: certificates are verified by the operating system's verifier (its
//! trust store, enterprise roots and policies; on Linux the system bundle), and a
//! certificate the user explicitly trusted for an account (pinned by its SHA-256 fingerprint) is
//! accepted as well. When verification fails, the fingerprint of the presented certificate is kept
//! so the error shown to the user can carry it.

use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use tokio_rustls::rustls::{
    self,
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    crypto::{aws_lc_rs, CryptoProvider},
    pki_types::{CertificateDer, ServerName, UnixTime},
    ClientConfig, DigitallySignedStruct, SignatureScheme,
};

use crate::error::{Error, Result};

/// Lowercase hex SHA-256 of a DER certificate, without separators.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// Normalises a user-supplied fingerprint (`AB:CD …` or `abcd…`) to lowercase hex.
pub fn normalize_fingerprint(input: &str) -> Result<String> {
    let hex: String = input
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::InvalidInput("a SHA-256 fingerprint has 64 hex digits".into()));
    }
    Ok(hex)
}

/// What the verifier saw when it refused a certificate.
#[derive(Debug, Clone, Default)]
pub struct Rejection {
    pub fingerprint: String,
    pub reason: String,
}

#[derive(Debug)]
struct PinningVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    pinned: Option<String>,
    rejected: Arc<Mutex<Option<Rejection>>>,
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let seen = fingerprint(end_entity.as_ref());
        if self.pinned.as_deref() == Some(seen.as_str()) {
            return Ok(ServerCertVerified::assertion());
        }
        match self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Ok(ok) => Ok(ok),
            Err(err) => {
                if let Ok(mut slot) = self.rejected.lock() {
                    *slot = Some(Rejection { fingerprint: seen, reason: err.to_string() });
                }
                Err(err)
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(aws_lc_rs::default_provider())
}

/// Builds a client configuration for one connection attempt. `rejected` receives the details of
/// a refused certificate.
pub fn client_config(pinned: Option<&str>, rejected: Arc<Mutex<Option<Rejection>>>) -> Result<ClientConfig> {
    let provider = provider();
    let inner = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|e| Error::Tls(e.to_string()))?;
    let verifier = PinningVerifier { inner: Arc::new(inner), pinned: pinned.map(str::to_owned), rejected };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_lowercase_hex_sha256() {
        // SHA-256 of the empty input.
        assert_eq!(
            fingerprint(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn fingerprints_from_users_are_normalised() {
        let grouped = "E3:B0:C4:42:98:FC:1C:14:9A:FB:F4:C8:99:6F:B9:24:27:AE:41:E4:64:9B:93:4C:A4:95:99:1B:78:52:B8:55";
        assert_eq!(normalize_fingerprint(grouped).unwrap(), fingerprint(b""));
        assert!(normalize_fingerprint("abc").is_err());
        assert!(normalize_fingerprint(&"g".repeat(64)).is_err());
    }
}
