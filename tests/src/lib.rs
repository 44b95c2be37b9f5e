//! Hongyan's test harness: real servers and a real third-party client on loopback.
//!
//! - [`TestCa`]: a throwaway CA; [`TestCa::shared`] also points `SSL_CERT_FILE` at it.
//! - [`Prosody`] and [`Ejabberd`]: servers from Debian's packages in temporary directories,
//!   behind one trait, [`XmppServer`]; [`ServerKind::ALL`] runs a scenario against both.
//! - [`Proxy`]: a loopback relay that can reset the connections through it.
//! - [`Peer`]: a slixmpp client (tests/peer/peer.py) driven over JSON lines.
//!
//! Needs `prosody`, `lua-dbi-sqlite3`, `ejabberd` and `python3-venv` from apt, and the
//! repository's `.venv` with tests/peer/requirements.txt (or `HONGYAN_PYTHON`).

mod ca;
mod ejabberd;
mod peer;
mod process;
mod prosody;
mod proxy;
mod server;

use std::collections::HashSet;
use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

pub use ca::{sha256_hex, Leaf, TestCa, SERVER_NAMES};
pub use ejabberd::Ejabberd;
pub use peer::{bare, peer_python, Peer, PeerDelay, PeerEvent, PeerMessage, PeerPresence};
pub use process::{pid_alive, port_accepts};
pub use prosody::Prosody;
pub use proxy::Proxy;
pub use server::{
    BoxFuture, Ports, ServerKind, ServerOptions, XmppServer, DEFAULT_STANZA_SIZE_LIMIT, DOMAIN,
    HOST, MUC_DOMAIN, PROXY_DOMAIN, UPLOAD_DOMAIN,
};

/// The repository root (the folder holding the workspace Cargo.toml).
pub fn repo_root() -> PathBuf {
    let tests = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    tests.parent().map(PathBuf::from).unwrap_or(tests)
}

/// `<repo>/tests/artifacts`, created on first use: logs and screenshots tests leave behind.
pub fn artifacts_dir() -> PathBuf {
    let dir = repo_root().join("tests/artifacts");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {e}", dir.display());
    }
    dir
}

/// `<repo>/tests/artifacts/<test binary>/`: where this test process leaves peer logs and
/// server logs (`<server>-<c2s port>-<file>`). Emptied when the process first asks for
/// it, so it holds the latest run of each test binary.
pub fn run_artifacts_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // Cargo names test binaries `<target>-<hash>`.
        let binary = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .map(|stem| stem.split('-').next().unwrap_or_default().to_owned())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "run".to_owned());
        let dir = artifacts_dir().join(binary);
        // A previous run's files; a missing directory is fine.
        let _ = std::fs::remove_dir_all(&dir);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            panic!("cannot create {}: {e}", dir.display());
        }
        dir
    })
    .clone()
}

/// A TCP port on 127.0.0.1 that was free a moment ago and that this process has not
/// handed out before.
pub fn free_port() -> u16 {
    static GIVEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    let mut given = GIVEN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let given = given.get_or_insert_with(HashSet::new);
    for _ in 0..100 {
        let listener = match TcpListener::bind((Ipv4Addr::LOCALHOST, 0)) {
            Ok(listener) => listener,
            Err(e) => panic!("cannot bind a loopback port: {e}"),
        };
        let port = match listener.local_addr() {
            Ok(addr) => addr.port(),
            Err(e) => panic!("cannot read a bound port: {e}"),
        };
        if given.insert(port) {
            return port;
        }
    }
    panic!("no fresh loopback port after 100 tries")
}

/// A user name no other test (in this run or an earlier one) has used:
/// `<prefix>_<pid>_<time>_<n>`, lowercase.
pub fn unique_user(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() % 1_000_000)
        .unwrap_or(0);
    format!(
        "{}_{}_{millis}_{}",
        prefix.to_lowercase(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_users_do_not_repeat() {
        let ports: HashSet<u16> = (0..50).map(|_| free_port()).collect();
        assert_eq!(ports.len(), 50);
        let users: HashSet<String> = (0..50).map(|_| unique_user("Alice")).collect();
        assert_eq!(users.len(), 50);
        assert!(users.iter().all(|u| u.starts_with("alice_")));
    }

    #[test]
    fn repo_root_holds_the_workspace() {
        assert!(repo_root().join("Cargo.toml").is_file());
        assert!(repo_root().join("tests/peer/peer.py").is_file());
    }
}
