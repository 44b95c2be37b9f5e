//! A loopback TCP relay between the account and a test server, for network faults the server
//! itself cannot produce: [`Proxy::cut`] resets every open connection at once (as a dropped
//! Wi-Fi or a NAT that forgot the flow would), and [`Proxy::hold`] refuses new ones until
//! [`Proxy::restore`], so the outage lasts as long as a test needs.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct Proxy {
    port: u16,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

struct Shared {
    target: SocketAddr,
    /// Bumped by every cut: connections opened before it end.
    cuts: watch::Sender<u64>,
    holding: AtomicBool,
    /// Connections relayed so far, refused ones not counted.
    relayed: AtomicUsize,
}

impl Proxy {
    /// Listens on a free loopback port and relays each connection to `127.0.0.1:target_port`.
    pub async fn start(target_port: u16) -> Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await.context("binding the relay")?;
        let port = listener.local_addr()?.port();
        let (cuts, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            target: SocketAddr::from(([127, 0, 0, 1], target_port)),
            cuts,
            holding: AtomicBool::new(false),
            relayed: AtomicUsize::new(0),
        });
        let accept = tokio::spawn(accept_loop(listener, shared.clone()));
        Ok(Proxy { port, shared, accept })
    }

    /// The port the account should connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How many connections have been relayed to the server.
    pub fn relayed(&self) -> usize {
        self.shared.relayed.load(Ordering::SeqCst)
    }

    /// Resets every open connection in both directions: neither end gets a closing tag or
    /// a FIN, only a TCP reset.
    pub fn cut(&self) {
        self.shared.cuts.send_modify(|n| *n += 1);
    }

    /// Resets new connections as soon as they arrive, until [`Proxy::restore`].
    pub fn hold(&self) {
        self.shared.holding.store(true, Ordering::SeqCst);
    }

    /// Relays new connections again.
    pub fn restore(&self) {
        self.shared.holding.store(false, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    while let Ok((inbound, _)) = listener.accept().await {
        if shared.holding.load(Ordering::SeqCst) {
            reset(inbound);
            continue;
        }
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut cut = shared.cuts.subscribe();
            let Ok(outbound) = TcpStream::connect(shared.target).await else {
                reset(inbound);
                return;
            };
            shared.relayed.fetch_add(1, Ordering::SeqCst);
            relay(inbound, outbound, &mut cut).await;
        });
    }
}

async fn relay(mut inbound: TcpStream, mut outbound: TcpStream, cut: &mut watch::Receiver<u64>) {
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
        _ = cut.changed() => {
            reset(inbound);
            reset(outbound);
        }
    }
}

/// Closes with a reset rather than an orderly shutdown.
fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}
