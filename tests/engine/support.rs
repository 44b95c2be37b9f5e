//! Shared set-up for the engine scenarios.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, Result};
use hongyan_core::store::Store;
use hongyan_core::{parse_bare_jid, AccountConfig, ConnectOptions, Event};
use hongyan_tests::{ServerKind, ServerOptions, TestCa, XmppServer};
use tempfile::TempDir;
use tokio::sync::broadcast;

pub const WAIT: Duration = Duration::from_secs(20);

/// Generates one `#[tokio::test]` per server kind for a scenario `async fn(ServerKind) -> Result<()>`.
#[macro_export]
macro_rules! both_servers {
    ($scenario:ident) => {
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn prosody() -> anyhow::Result<()> {
                super::$scenario(hongyan_tests::ServerKind::Prosody).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn ejabberd() -> anyhow::Result<()> {
                super::$scenario(hongyan_tests::ServerKind::Ejabberd).await
            }
        }
    };
}

pub async fn start(kind: ServerKind) -> Result<Box<dyn XmppServer>> {
    start_with(kind, ServerOptions::default()).await
}

pub async fn start_with(kind: ServerKind, options: ServerOptions) -> Result<Box<dyn XmppServer>> {
    // Trust the throwaway CA (via SSL_CERT_FILE) before any TLS happens.
    TestCa::shared();
    log_if_asked();
    kind.start(options).await
}

/// Engine logs on stderr when `HONGYAN_TEST_LOG` holds a filter (`hongyan_core=debug`).
fn log_if_asked() {
    if let Ok(filter) = std::env::var("HONGYAN_TEST_LOG") {
        // A second test in the same binary finds the subscriber already set; that is fine.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
}

pub fn options(server: &dyn XmppServer) -> ConnectOptions {
    ConnectOptions {
        host: Some(server.host().to_owned()),
        port: Some(server.c2s_port()),
        pinned_cert: None,
    }
}

pub fn config(server: &dyn XmppServer, user: &str, password: &str) -> AccountConfig {
    AccountConfig {
        jid: parse_bare_jid(&server.jid(user)).expect("test JIDs are valid"),
        password: password.to_owned(),
        resource: "hongyan-test".into(),
        connect: options(server),
        presence: Default::default(),
    }
}

/// A file-backed store in a fresh directory (kept alive by the returned guard).
pub async fn store() -> Result<(Store, PathBuf, TempDir)> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("hongyan.db");
    Ok((Store::open(&path).await?, path, dir))
}

pub fn events() -> (broadcast::Sender<Event>, broadcast::Receiver<Event>) {
    broadcast::channel(1024)
}

/// Waits for the first event matching `pred`, skipping others.
pub async fn wait_event(
    rx: &mut broadcast::Receiver<Event>,
    what: &str,
    mut pred: impl FnMut(&Event) -> bool,
) -> Result<Event> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Err(_) => return Err(anyhow!("timed out waiting for {what}")),
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
            Ok(Err(e)) => return Err(anyhow!("event channel: {e}")),
            Ok(Ok(event)) if pred(&event) => return Ok(event),
            Ok(Ok(_)) => continue,
        }
    }
}
