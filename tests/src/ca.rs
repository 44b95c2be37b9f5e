//! A throwaway certificate authority and `localhost` leaf certificates.
//!
//! Product code always verifies certificates. Tests make a server certificate trusted by
//! pointing `SSL_CERT_FILE` at this CA (rustls-native-certs, OpenSSL and Python's `ssl`
//! all read it), and get an untrusted one from a second CA that nobody trusts.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// Every name the test servers answer to, as DNS names plus the loopback address.
pub const SERVER_NAMES: [&str; 5] = [
    "localhost",
    "conference.localhost",
    "upload.localhost",
    "proxy.localhost",
    "127.0.0.1",
];

/// A server certificate with its key, as PEM text and files.
#[derive(Debug)]
pub struct Leaf {
    cert_pem: String,
    key_pem: String,
    cert_der: Vec<u8>,
    cert_path: PathBuf,
    key_path: PathBuf,
}

impl Leaf {
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    pub fn key_path(&self) -> &Path {
        &self.key_path
    }

    /// SHA-256 of the DER certificate, lowercase hex without separators.
    pub fn sha256_hex(&self) -> String {
        sha256_hex(&self.cert_der)
    }
}

/// A test CA (`ca.pem`) with a `localhost` leaf it signed (`cert.pem`, `key.pem`), and a
/// second leaf (`other-cert.pem`, `other-key.pem`) signed by a different CA whose
/// certificate is never written where a client would trust it.
#[derive(Debug)]
pub struct TestCa {
    dir: TempDir,
    ca_pem: String,
    ca_path: PathBuf,
    leaf: Leaf,
    other_leaf: Leaf,
}

impl TestCa {
    /// Generates both CAs and leaves into a fresh temporary directory.
    pub fn new() -> Result<TestCa> {
        let dir = tempfile::Builder::new()
            .prefix("hongyan-ca-")
            .tempdir()
            .context("creating the CA directory")?;
        TestCa::in_dir(dir)
    }

    fn in_dir(dir: TempDir) -> Result<TestCa> {
        let ca_key = KeyPair::generate()?;
        let trusted_params = ca_params("Hongyan Test CA")?;
        let ca_cert = trusted_params.self_signed(&ca_key)?;
        let ca_pem = ca_cert.pem();
        let ca_path = dir.path().join("ca.pem");
        fs::write(&ca_path, &ca_pem).context("writing ca.pem")?;
        let issuer = Issuer::new(trusted_params, ca_key);
        let leaf = make_leaf(&issuer, dir.path(), "cert.pem", "key.pem")?;

        // The untrusted CA lives only in memory: its certificate is never written.
        let other_key = KeyPair::generate()?;
        let other_issuer = Issuer::new(ca_params("Untrusted Test CA")?, other_key);
        let other_leaf = make_leaf(&other_issuer, dir.path(), "other-cert.pem", "other-key.pem")?;

        Ok(TestCa {
            dir,
            ca_pem,
            ca_path,
            leaf,
            other_leaf,
        })
    }

    /// The one CA of this test process. The first call also sets `SSL_CERT_FILE` to the CA
    /// file, so call it before anything opens a TLS connection (the server and peer
    /// helpers call it for you).
    ///
    /// A static is never dropped, so its directory outlives the process; a later process
    /// removes it.
    pub fn shared() -> &'static TestCa {
        static SHARED: OnceLock<TestCa> = OnceLock::new();
        SHARED.get_or_init(|| {
            let dir = crate::process::owned_temp_dir("hongyan-shared-ca-");
            let ca = match dir.map_err(anyhow::Error::from).and_then(TestCa::in_dir) {
                Ok(ca) => ca,
                Err(e) => panic!("cannot create the test CA: {e:#}"),
            };
            // Set once, from inside the OnceLock initialiser, before any TLS client of
            // this process can have read it.
            std::env::set_var("SSL_CERT_FILE", &ca.ca_path);
            ca
        })
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The CA certificate clients trust (`ca.pem`).
    pub fn ca_path(&self) -> &Path {
        &self.ca_path
    }

    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The trusted `localhost` leaf.
    pub fn leaf(&self) -> &Leaf {
        &self.leaf
    }

    /// `cert.pem`: the trusted leaf certificate file.
    pub fn cert_path(&self) -> &Path {
        self.leaf.cert_path()
    }

    /// `key.pem`: the trusted leaf's private key file.
    pub fn key_path(&self) -> &Path {
        self.leaf.key_path()
    }

    /// A `localhost` leaf signed by a CA that is not in `SSL_CERT_FILE`: a client must
    /// reject it unless the user pinned its fingerprint.
    pub fn other_leaf(&self) -> &Leaf {
        &self.other_leaf
    }
}

/// SHA-256 of `der`, lowercase hex without separators (the form a pin is stored in).
pub fn sha256_hex(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Valid from yesterday for 30 days. rcgen's default end (year 4096) is too far for
/// ejabberd, whose expiry timers then crash its start-up.
fn validity(params: &mut CertificateParams) {
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(30);
}

fn ca_params(common_name: &str) -> Result<CertificateParams> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    validity(&mut params);
    params.distinguished_name = distinguished_name(common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(params)
}

fn make_leaf(
    issuer: &Issuer<'_, KeyPair>,
    dir: &Path,
    cert_name: &str,
    key_name: &str,
) -> Result<Leaf> {
    let key = KeyPair::generate()?;
    let names: Vec<String> = SERVER_NAMES.iter().map(|name| name.to_string()).collect();
    let mut params = CertificateParams::new(names)?;
    validity(&mut params);
    params.distinguished_name = distinguished_name("localhost");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let cert = params.signed_by(&key, issuer)?;

    let cert_path = dir.join(cert_name);
    let key_path = dir.join(key_name);
    let cert_pem = cert.pem();
    let key_pem = key.serialize_pem();
    fs::write(&cert_path, &cert_pem).with_context(|| format!("writing {cert_name}"))?;
    fs::write(&key_path, &key_pem).with_context(|| format!("writing {key_name}"))?;
    Ok(Leaf {
        cert_pem,
        key_pem,
        cert_der: cert.der().to_vec(),
        cert_path,
        key_path,
    })
}

fn distinguished_name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationName, "Hongyan tests");
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_is_lowercase_without_colons() {
        // SHA-256("abc") from FIPS 180-2.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn leaves_differ_and_files_exist() {
        let ca = TestCa::new().unwrap();
        assert!(ca.ca_path().is_file());
        assert!(ca.cert_path().is_file());
        assert!(ca.key_path().is_file());
        assert!(ca.other_leaf().cert_path().is_file());
        assert_ne!(ca.leaf().sha256_hex(), ca.other_leaf().sha256_hex());
        assert_eq!(ca.leaf().sha256_hex().len(), 64);
    }
}
