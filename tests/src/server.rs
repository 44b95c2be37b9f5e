//! What every test server offers, so one scenario can run against Prosody and ejabberd.

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};
use tempfile::TempDir;

use crate::process::{self, ServerProcess, STOP_GRACE};
use crate::{Leaf, TestCa};

/// The XMPP domain every test server serves.
pub const DOMAIN: &str = "localhost";
/// Its MUC service (XEP-0045).
pub const MUC_DOMAIN: &str = "conference.localhost";
/// Its HTTP upload service (XEP-0363).
pub const UPLOAD_DOMAIN: &str = "upload.localhost";
/// Its SOCKS5 bytestream proxy (XEP-0065).
pub const PROXY_DOMAIN: &str = "proxy.localhost";
/// The only address the servers listen on.
pub const HOST: &str = "127.0.0.1";

/// A boxed future, so [`XmppServer`] can be used as `dyn XmppServer`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How to start a test server.
#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    /// Serve [`TestCa::other_leaf`](crate::TestCa::other_leaf), which no client trusts,
    /// instead of the trusted leaf (for "untrusted certificate → fingerprint → pin").
    pub untrusted_certificate: bool,
    /// The largest stanza a client may send, in bytes (Prosody `c2s_stanza_size_limit`,
    /// ejabberd `max_stanza_size`); [`DEFAULT_STANZA_SIZE_LIMIT`] when `None`.
    pub stanza_size_limit: Option<usize>,
}

/// 256 KiB: Prosody's default, and what ejabberd's example configuration sets.
pub const DEFAULT_STANZA_SIZE_LIMIT: usize = 256 * 1024;

impl ServerOptions {
    pub fn stanza_size_limit(&self) -> usize {
        self.stanza_size_limit.unwrap_or(DEFAULT_STANZA_SIZE_LIMIT)
    }

    /// The certificate to serve (creating the shared CA, and so `SSL_CERT_FILE`, first).
    pub(crate) fn leaf(&self) -> &'static Leaf {
        let ca = TestCa::shared();
        if self.untrusted_certificate {
            ca.other_leaf()
        } else {
            ca.leaf()
        }
    }
}

/// Ports a server listens on, all on 127.0.0.1.
#[derive(Clone, Copy, Debug)]
pub struct Ports {
    /// Client-to-server with STARTTLS (required).
    pub c2s: u16,
    /// Client-to-server with direct TLS (XEP-0368).
    pub direct_tls: u16,
    /// HTTPS for file upload (XEP-0363), with the same certificate.
    pub https: u16,
    /// SOCKS5 bytestream proxy (XEP-0065).
    pub proxy65: u16,
}

impl Ports {
    pub(crate) fn pick() -> Ports {
        Ports {
            c2s: crate::free_port(),
            direct_tls: crate::free_port(),
            https: crate::free_port(),
            proxy65: crate::free_port(),
        }
    }
}

/// A real XMPP server for tests. Getters are cheap; the methods that wait return futures.
pub trait XmppServer: Send + Sync {
    /// `"prosody"` or `"ejabberd"`.
    fn name(&self) -> &'static str;

    fn domain(&self) -> &str {
        DOMAIN
    }

    fn muc_domain(&self) -> &str {
        MUC_DOMAIN
    }

    fn upload_domain(&self) -> &str {
        UPLOAD_DOMAIN
    }

    fn proxy_domain(&self) -> &str {
        PROXY_DOMAIN
    }

    /// Always `"127.0.0.1"`.
    fn host(&self) -> &str {
        HOST
    }

    fn ports(&self) -> Ports;

    fn c2s_port(&self) -> u16 {
        self.ports().c2s
    }

    fn direct_tls_port(&self) -> u16 {
        self.ports().direct_tls
    }

    fn https_port(&self) -> u16 {
        self.ports().https
    }

    fn proxy65_port(&self) -> u16 {
        self.ports().proxy65
    }

    /// `user@domain`.
    fn jid(&self, user: &str) -> String {
        format!("{user}@{}", self.domain())
    }

    /// Creates an account with the server's own admin tool (no XMPP involved).
    /// Fails if the account exists.
    fn register<'a>(&'a self, user: &'a str, password: &'a str) -> BoxFuture<'a, Result<()>>;

    /// SIGKILL: the server dies without closing streams ("server died").
    fn kill(&mut self);

    /// Orderly stop: SIGTERM, then SIGKILL after 5 s.
    fn stop(&mut self) -> BoxFuture<'_, Result<()>>;

    /// Starts the server again on the same ports with the same data.
    fn start_again(&mut self) -> BoxFuture<'_, Result<()>>;

    /// Whether the server process is still running.
    fn is_running(&mut self) -> bool;

    /// The server's processes (the group leader first), empty when stopped.
    fn process_ids(&mut self) -> Vec<u32>;

    /// The last `lines` lines of the server's log.
    fn log_tail(&self, lines: usize) -> String;
}

/// Which server to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServerKind {
    Prosody,
    Ejabberd,
}

impl ServerKind {
    /// Both, for tests that run one scenario against each.
    pub const ALL: [ServerKind; 2] = [ServerKind::Prosody, ServerKind::Ejabberd];

    pub fn name(self) -> &'static str {
        match self {
            ServerKind::Prosody => "prosody",
            ServerKind::Ejabberd => "ejabberd",
        }
    }

    pub async fn start(self, options: ServerOptions) -> Result<Box<dyn XmppServer>> {
        Ok(match self {
            ServerKind::Prosody => Box::new(crate::Prosody::start(options).await?),
            ServerKind::Ejabberd => Box::new(crate::Ejabberd::start(options).await?),
        })
    }
}

impl fmt::Display for ServerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The parts Prosody and ejabberd share: a directory, fixed ports, one running process.
pub(crate) struct Instance {
    pub name: &'static str,
    pub dir: TempDir,
    pub ports: Ports,
    /// The server's own log.
    pub log: PathBuf,
    /// The process's stdout and stderr.
    pub console: PathBuf,
    pub ready_timeout: Duration,
    process: Option<ServerProcess>,
}

impl Instance {
    pub fn new(
        name: &'static str,
        dir: TempDir,
        log: PathBuf,
        ready_timeout: Duration,
    ) -> Instance {
        let console = dir.path().join("console.log");
        Instance {
            name,
            dir,
            ports: Ports::pick(),
            log,
            console,
            ready_timeout,
            process: None,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Spawns `command` and waits until the c2s port accepts connections.
    pub async fn launch(&mut self, command: Command) -> Result<()> {
        if self.process.is_some() {
            anyhow::bail!("{} is already running", self.name);
        }
        let mut process = ServerProcess::spawn(command, &self.console)?;
        let ready =
            process::wait_until_accepting(&mut process, self.ports.c2s, self.ready_timeout).await;
        if let Err(e) = ready {
            process.terminate(Duration::from_secs(1)).await;
            return Err(e).with_context(|| self.failure_report());
        }
        self.process = Some(process);
        Ok(())
    }

    pub fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill_now();
        }
    }

    pub async fn stop(&mut self) -> Result<()> {
        if let Some(mut process) = self.process.take() {
            process.terminate(STOP_GRACE).await;
        }
        Ok(())
    }

    pub fn is_running(&mut self) -> bool {
        match self.process.as_mut() {
            Some(process) => process.exited().is_none(),
            None => false,
        }
    }

    pub fn process_ids(&mut self) -> Vec<u32> {
        match self.process.as_mut() {
            Some(process) => process.process_ids(),
            None => Vec::new(),
        }
    }

    pub fn log_tail(&self, lines: usize) -> String {
        process::file_tail(&self.log, lines)
    }

    /// What to show when the server did not come up.
    pub fn failure_report(&self) -> String {
        format!(
            "{} in {} did not start\n--- console ---\n{}\n--- log ---\n{}",
            self.name,
            self.path().display(),
            process::file_tail(&self.console, 20),
            self.log_tail(40),
        )
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.terminate_blocking(STOP_GRACE);
        }
        // The directory is about to go; keep the logs for whoever reads a failure.
        let prefix = format!("{}-{}", self.name, self.ports.c2s);
        let _ = process::save_artifacts(&prefix, &[self.log.clone(), self.console.clone()]);
    }
}
