//! SCRAM client (RFC 5802, RFC 7677), with the checks a client owes its user:
//! - user name and password go through SASLprep (RFC 4013), so full-width letters and the
//!   ideographic space that Chinese input methods produce match what the server stored;
//! - `,` and `=` in the user name are escaped;
//! - the server's nonce must extend ours, its iteration count must be sane, and a mandatory
//!   extension we do not know ends the exchange;
//! - the server's final signature is checked in constant time, so a server that does not hold
//!   the password (an impostor) is refused with its own error.
//!
//! The key derivation (PBKDF2) is CPU work of tens of milliseconds; callers run
//! [`salted_password`] on a blocking thread, never on the async workers.

use std::borrow::Cow;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use ::sasl::common::ChannelBinding;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// A server asking for more iterations than this is refused: a count this high only makes the
/// client burn CPU (about a second per million on a laptop for SHA-256), which a hostile server
/// could use to stall sign-in. Today's recommendations stay well below it (OWASP: 600,000).
pub const MAX_ITERATIONS: u32 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha1,
    Sha256,
}

/// What the server's first message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFirst {
    pub nonce: String,
    pub salt: Vec<u8>,
    pub iterations: u32,
}

/// One SCRAM exchange, from the client's first message to the server's signature.
pub struct Scram {
    hash: Hash,
    gs2_header: Vec<u8>,
    cb_data: Vec<u8>,
    client_nonce: String,
    client_first_bare: String,
    password: String,
    expected_server_signature: Option<Vec<u8>>,
}

/// SASLprep, or the text as typed when it holds characters SASLprep prohibits (servers that
/// never prepared it stored it that way; one that did will refuse the password either way).
fn prepare(text: &str) -> Cow<'_, str> {
    match stringprep::saslprep(text) {
        Ok(prepared) => prepared,
        Err(_) => Cow::Borrowed(text),
    }
}

/// A new password in its prepared form, as registration sends it: then every client that
/// prepares what it is typed (as SCRAM requires) signs in with it. Characters SASLprep forbids
/// (control characters, unassigned code points …) are refused while the user can still choose.
pub(crate) fn prepare_new_password(password: &str) -> Result<String> {
    let prepared = stringprep::saslprep(password)
        .map_err(|_| Error::InvalidInput("the password contains characters that cannot be used in a password".into()))?;
    if prepared.is_empty() {
        return Err(Error::InvalidInput("the password is empty".into()));
    }
    Ok(prepared.into_owned())
}

/// RFC 5802 `saslname`: `=` becomes `=3D`, `,` becomes `=2C`.
fn escape_username(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '=' => out.push_str("=3D"),
            ',' => out.push_str("=2C"),
            c => out.push(c),
        }
    }
    out
}

fn random_nonce() -> Result<String> {
    let mut bytes = [0u8; 24];
    getrandom::getrandom(&mut bytes).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    Ok(B64.encode(bytes))
}

fn protocol(what: &str) -> Error {
    Error::AuthProtocol(what.to_owned())
}

impl Scram {
    pub fn new(hash: Hash, username: &str, password: &str, binding: &ChannelBinding) -> Result<Scram> {
        Scram::with_nonce(hash, username, password, binding, random_nonce()?)
    }

    fn with_nonce(
        hash: Hash,
        username: &str,
        password: &str,
        binding: &ChannelBinding,
        client_nonce: String,
    ) -> Result<Scram> {
        let user = escape_username(&prepare(username));
        Ok(Scram {
            hash,
            gs2_header: binding.header().to_vec(),
            cb_data: binding.data().to_vec(),
            client_first_bare: format!("n={user},r={client_nonce}"),
            client_nonce,
            password: prepare(password).into_owned(),
            expected_server_signature: None,
        })
    }

    /// The client-first message (GS2 header included).
    pub fn client_first(&self) -> Vec<u8> {
        let mut out = self.gs2_header.clone();
        out.extend_from_slice(self.client_first_bare.as_bytes());
        out
    }

    /// Parses and checks the server-first message.
    pub fn parse_server_first(&self, data: &[u8]) -> Result<ServerFirst> {
        let text = std::str::from_utf8(data).map_err(|_| protocol("server-first is not UTF-8"))?;
        let mut nonce = None;
        let mut salt = None;
        let mut iterations = None;
        for (n, attr) in text.split(',').enumerate() {
            let (key, value) = attr.split_once('=').ok_or_else(|| protocol("malformed server-first"))?;
            match (n, key) {
                (0, "m") => return Err(protocol("the server requires an unknown SCRAM extension")),
                (0, "r") => nonce = Some(value),
                (0, _) => return Err(protocol("server-first does not start with the nonce")),
                (1, "s") => salt = Some(value),
                (2, "i") => iterations = Some(value),
                (1 | 2, _) => return Err(protocol("malformed server-first")),
                _ => {} // Optional extensions after i=.
            }
        }
        let nonce = nonce.ok_or_else(|| protocol("no nonce"))?;
        if nonce.len() <= self.client_nonce.len() || !nonce.starts_with(&self.client_nonce) {
            return Err(Error::ServerNotVerified("the server's nonce does not extend ours".into()));
        }
        if !nonce.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b',') {
            return Err(protocol("the server's nonce has characters SCRAM forbids"));
        }
        let salt = B64
            .decode(salt.ok_or_else(|| protocol("no salt"))?)
            .map_err(|_| protocol("the salt is not base64"))?;
        if salt.is_empty() {
            return Err(protocol("empty salt"));
        }
        let iterations: u32 = iterations
            .ok_or_else(|| protocol("no iteration count"))?
            .parse()
            .map_err(|_| protocol("the iteration count is not a number"))?;
        if iterations == 0 {
            return Err(protocol("an iteration count of zero"));
        }
        if iterations > MAX_ITERATIONS {
            return Err(Error::AuthProtocol(format!(
                "the server asks for {iterations} iterations (Hongyan accepts up to {MAX_ITERATIONS})"
            )));
        }
        Ok(ServerFirst { nonce: nonce.to_owned(), salt, iterations })
    }

    /// The prepared password, for [`salted_password`] on a blocking thread.
    pub fn password(&self) -> &str {
        &self.password
    }

    pub fn hash(&self) -> Hash {
        self.hash
    }

    /// The client-final message for `server_first` (as received) and the salted password;
    /// remembers the signature the server must answer with.
    pub fn client_final(&mut self, server_first_raw: &[u8], first: &ServerFirst, salted: &[u8]) -> Result<Vec<u8>> {
        let server_first = std::str::from_utf8(server_first_raw).map_err(|_| protocol("server-first is not UTF-8"))?;
        let mut binding = self.gs2_header.clone();
        binding.extend_from_slice(&self.cb_data);
        let without_proof = format!("c={},r={}", B64.encode(&binding), first.nonce);
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let client_key = hmac(self.hash, salted, b"Client Key")?;
        let stored_key = digest(self.hash, &client_key);
        let client_signature = hmac(self.hash, &stored_key, auth_message.as_bytes())?;
        let proof: Vec<u8> = client_key.iter().zip(&client_signature).map(|(a, b)| a ^ b).collect();
        let server_key = hmac(self.hash, salted, b"Server Key")?;
        self.expected_server_signature = Some(hmac(self.hash, &server_key, auth_message.as_bytes())?);
        Ok(format!("{without_proof},p={}", B64.encode(proof)).into_bytes())
    }

    /// Checks the server-final message: the server proves it knows the password.
    pub fn verify_server_final(&self, data: &[u8]) -> Result<()> {
        let expected = self
            .expected_server_signature
            .as_deref()
            .ok_or_else(|| protocol("the server finished before our proof"))?;
        let text = std::str::from_utf8(data).map_err(|_| protocol("server-final is not UTF-8"))?;
        let first = text.split(',').next().unwrap_or_default();
        if let Some(error) = first.strip_prefix("e=") {
            return Err(Error::AuthProtocol(format!("the server reports {error}")));
        }
        let signature = first
            .strip_prefix("v=")
            .ok_or_else(|| Error::ServerNotVerified("no server signature".into()))
            .and_then(|v| B64.decode(v).map_err(|_| Error::ServerNotVerified("the signature is not base64".into())))?;
        if !constant_time_eq(&signature, expected) {
            return Err(Error::ServerNotVerified("the server's signature does not match".into()));
        }
        Ok(())
    }
}

/// Hi() of RFC 5802: PBKDF2 with HMAC of the chosen hash. Blocking CPU work.
pub fn salted_password(hash: Hash, password: &str, salt: &[u8], iterations: u32) -> Vec<u8> {
    match hash {
        Hash::Sha1 => pbkdf2::pbkdf2_hmac_array::<Sha1, 20>(password.as_bytes(), salt, iterations).to_vec(),
        Hash::Sha256 => pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(password.as_bytes(), salt, iterations).to_vec(),
    }
}

fn hmac(hash: Hash, key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    let bad_key = |_| Error::Internal("HMAC key".into());
    Ok(match hash {
        Hash::Sha1 => {
            let mut mac = Hmac::<Sha1>::new_from_slice(key).map_err(bad_key)?;
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        Hash::Sha256 => {
            let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(bad_key)?;
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
    })
}

fn digest(hash: Hash, data: &[u8]) -> Vec<u8> {
    match hash {
        Hash::Sha1 => Sha1::digest(data).to_vec(),
        Hash::Sha256 => Sha256::digest(data).to_vec(),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs our client against the RFC's server side computed here, for `password_on_server`.
    fn exchange(hash: Hash, user: &str, typed: &str, password_on_server: &str) -> Result<()> {
        let mut scram = Scram::with_nonce(hash, user, typed, &ChannelBinding::None, "clientnonce".into())?;
        let salt = b"salt-of-the-server";
        let server_first = format!("r=clientnonceSERVER,s={},i=4096", B64.encode(salt));
        let first = scram.parse_server_first(server_first.as_bytes())?;
        let salted = salted_password(hash, scram.password(), &first.salt, first.iterations);
        let client_final = scram.client_final(server_first.as_bytes(), &first, &salted)?;
        // The server's side, from what it stored for its own copy of the password.
        let stored = salted_password(hash, password_on_server, salt, 4096);
        let text = String::from_utf8(client_final).unwrap();
        let (without_proof, proof) = text.rsplit_once(",p=").unwrap();
        let auth_message = format!("{},{server_first},{without_proof}", scram.client_first_bare);
        let client_key = hmac(hash, &stored, b"Client Key")?;
        let signature = hmac(hash, &digest(hash, &client_key), auth_message.as_bytes())?;
        let expected: Vec<u8> = client_key.iter().zip(&signature).map(|(a, b)| a ^ b).collect();
        if B64.decode(proof).unwrap() != expected {
            return Err(Error::AuthFailed);
        }
        let server_signature = hmac(hash, &hmac(hash, &stored, b"Server Key")?, auth_message.as_bytes())?;
        scram.verify_server_final(format!("v={}", B64.encode(server_signature)).as_bytes())
    }

    #[test]
    fn rfc7677_example_sha256() {
        // RFC 7677 §3: user "user", password "pencil".
        let mut scram = Scram::with_nonce(
            Hash::Sha256,
            "user",
            "pencil",
            &ChannelBinding::None,
            "rOprNGfwEbeRWgbNEkqO".into(),
        )
        .unwrap();
        assert_eq!(scram.client_first(), b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let server_first = b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let first = scram.parse_server_first(server_first).unwrap();
        let salted = salted_password(Hash::Sha256, scram.password(), &first.salt, first.iterations);
        let client_final = scram.client_final(server_first, &first, &salted).unwrap();
        assert_eq!(
            String::from_utf8(client_final).unwrap(),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        scram.verify_server_final(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=").unwrap();
    }

    #[test]
    fn rfc5802_example_sha1() {
        let mut scram =
            Scram::with_nonce(Hash::Sha1, "user", "pencil", &ChannelBinding::None, "fyko+d2lbbFgONRv9qkxdawL".into())
                .unwrap();
        let server_first = b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
        let first = scram.parse_server_first(server_first).unwrap();
        let salted = salted_password(Hash::Sha1, scram.password(), &first.salt, first.iterations);
        let client_final = scram.client_final(server_first, &first, &salted).unwrap();
        assert_eq!(
            String::from_utf8(client_final).unwrap(),
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
        );
        scram.verify_server_final(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=").unwrap();
    }

    #[test]
    fn full_width_letters_and_ideographic_spaces_match_the_prepared_password() {
        // What a Chinese input method in full-width mode types for "pass word".
        let typed = "ｐａｓｓ\u{3000}ｗｏｒｄ";
        assert_eq!(prepare(typed), "pass word");
        exchange(Hash::Sha256, "yan", typed, "pass word").unwrap();
        exchange(Hash::Sha1, "yan", typed, "pass word").unwrap();
        // Unprepared, the proof would not match.
        assert!(matches!(exchange(Hash::Sha256, "yan", "pass word", "other"), Err(Error::AuthFailed)));
    }

    #[test]
    fn new_passwords_are_prepared_or_refused() {
        assert_eq!(prepare_new_password("ｐａｓｓ\u{3000}1").unwrap(), "pass 1");
        assert_eq!(prepare_new_password("密码-1").unwrap(), "密码-1");
        assert!(matches!(prepare_new_password("bell\u{7}"), Err(Error::InvalidInput(_))));
        // A soft hyphen is mapped to nothing by SASLprep.
        assert!(matches!(prepare_new_password("\u{ad}"), Err(Error::InvalidInput(_))));
    }

    #[test]
    fn user_names_with_comma_and_equals_are_escaped() {
        let scram = Scram::with_nonce(Hash::Sha256, "a,b=c", "pw", &ChannelBinding::None, "n0nce".into()).unwrap();
        assert_eq!(scram.client_first(), b"n,,n=a=2Cb=3Dc,r=n0nce");
    }

    #[test]
    fn channel_binding_goes_into_the_header_and_c() {
        let binding = ChannelBinding::TlsExporter(vec![1, 2, 3]);
        let mut scram = Scram::with_nonce(Hash::Sha256, "u", "p", &binding, "abc".into()).unwrap();
        assert!(scram.client_first().starts_with(b"p=tls-exporter,,n=u,r=abc"));
        let sf = format!("r=abcdef,s={},i=4096", B64.encode(b"salt"));
        let first = scram.parse_server_first(sf.as_bytes()).unwrap();
        let out = String::from_utf8(scram.client_final(sf.as_bytes(), &first, &[0; 32]).unwrap()).unwrap();
        let mut expected = b"p=tls-exporter,,".to_vec();
        expected.extend([1, 2, 3]);
        assert!(out.starts_with(&format!("c={},r=abcdef,p=", B64.encode(expected))));
    }

    #[test]
    fn a_nonce_that_does_not_extend_ours_is_refused() {
        let scram = Scram::with_nonce(Hash::Sha256, "u", "p", &ChannelBinding::None, "mine".into()).unwrap();
        let salt = B64.encode(b"salt");
        for bad in [format!("r=other,s={salt},i=4096"), format!("r=mine,s={salt},i=4096")] {
            assert!(matches!(scram.parse_server_first(bad.as_bytes()), Err(Error::ServerNotVerified(_))), "{bad}");
        }
        assert!(scram.parse_server_first(format!("r=mine+,s={salt},i=4096").as_bytes()).is_ok());
    }

    #[test]
    fn malformed_or_hostile_server_first_is_refused() {
        let scram = Scram::with_nonce(Hash::Sha256, "u", "p", &ChannelBinding::None, "n".into()).unwrap();
        let salt = B64.encode(b"salt");
        let too_many = MAX_ITERATIONS + 1;
        for bad in [
            format!("m=ext,r=nX,s={salt},i=4096"),
            format!("s={salt},r=nX,i=4096"),
            format!("r=nX,s={salt},i={too_many}"),
            format!("r=nX,s={salt},i=0"),
            format!("r=nX,s={salt},i=-1"),
            format!("r=nX,s={salt}"),
            "r=nX,s=,i=4096".to_owned(),
            "r=nX,s=***,i=4096".to_owned(),
            format!("r=n\u{7f},s={salt},i=4096"),
            "garbage".to_owned(),
        ] {
            assert!(scram.parse_server_first(bad.as_bytes()).is_err(), "accepted {bad}");
        }
        // Extensions after the iteration count are allowed.
        let ok = scram.parse_server_first(format!("r=nX,s={salt},i=4096,x=1").as_bytes()).unwrap();
        assert_eq!(ok.iterations, 4096);
    }

    #[test]
    fn a_wrong_server_signature_is_its_own_error() {
        let mut scram = Scram::with_nonce(Hash::Sha256, "u", "p", &ChannelBinding::None, "n".into()).unwrap();
        let sf = format!("r=nX,s={},i=4096", B64.encode(b"salt"));
        let first = scram.parse_server_first(sf.as_bytes()).unwrap();
        scram.client_final(sf.as_bytes(), &first, &[7; 32]).unwrap();
        let forged = B64.encode([0u8; 32]);
        assert!(matches!(
            scram.verify_server_final(format!("v={forged}").as_bytes()),
            Err(Error::ServerNotVerified(_))
        ));
        assert!(matches!(scram.verify_server_final(b""), Err(Error::ServerNotVerified(_))));
        assert!(matches!(scram.verify_server_final(b"e=invalid-proof"), Err(Error::AuthProtocol(_))));
    }
}
