//! Self-test of the harness: each server starts, two slixmpp peers register in-band,
//! subscribe, exchange presence and a message, the server dies and comes back with its
//! accounts, and nothing of it is left running afterwards.
//!
//! `cargo test -p hongyan-tests --test harness`

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use hongyan_tests::{
    pid_alive, port_accepts, unique_user, Peer, PeerEvent, ServerKind, ServerOptions, TestCa,
    XmppServer,
};
use serde::Deserialize;

const WAIT: Duration = Duration::from_secs(10);
const BODY: &str = "你好，鸿雁！Grüße 🕊️🌏 — <b>&amp;</b> 👩‍👩‍👧";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prosody_round_trip() -> Result<()> {
    round_trip(ServerKind::Prosody).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ejabberd_round_trip() -> Result<()> {
    round_trip(ServerKind::Ejabberd).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_certificate_is_served_and_rejected() -> Result<()> {
    let ca = TestCa::shared();
    for kind in ServerKind::ALL {
        let mut server = kind
            .start(ServerOptions {
                untrusted_certificate: true,
                ..ServerOptions::default()
            })
            .await?;
        for port in [server.direct_tls_port(), server.https_port()] {
            let probe = tls_probe(port).await.with_context(|| server.log_tail(30))?;
            ensure!(
                !probe.verified,
                "{kind}: port {port} passed verification: {probe:?}"
            );
            ensure!(
                probe.sha256 == ca.other_leaf().sha256_hex(),
                "{kind}: port {port} served {} instead of the untrusted leaf",
                probe.sha256
            );
        }
        let started = Instant::now();
        server.stop().await?;
        println!("{kind}: stop took {:?}", started.elapsed());
        ensure!(!server.is_running(), "{kind} still running after stop()");
        ensure!(
            !port_accepts(server.c2s_port()),
            "{kind}: c2s port open after stop()"
        );
        ensure!(server.process_ids().is_empty());
    }
    Ok(())
}

async fn round_trip(kind: ServerKind) -> Result<()> {
    let started = Instant::now();
    let mut server = kind.start(ServerOptions::default()).await?;
    println!("{kind}: ready after {:?}", started.elapsed());
    ensure!(server.name() == kind.name());
    let outcome = exchange_and_restart(server.as_mut()).await;
    // The server log explains most failures; the peers' logs are in tests/artifacts.
    outcome.with_context(|| format!("--- {kind} log ---\n{}", server.log_tail(40)))?;

    // Dropping the server ends all of its processes.
    let pids = server.process_ids();
    ensure!(!pids.is_empty());
    let started = Instant::now();
    drop(server);
    println!("{kind}: drop (orderly stop) took {:?}", started.elapsed());
    for pid in &pids {
        ensure!(!pid_alive(*pid), "{kind}: process {pid} survived drop");
    }
    Ok(())
}

async fn exchange_and_restart(server: &mut dyn XmppServer) -> Result<()> {
    let ca = TestCa::shared();
    let kind = server.name();

    // The trusted leaf is served on direct TLS and HTTPS, and verifies against the CA.
    for port in [server.direct_tls_port(), server.https_port()] {
        let probe = tls_probe(port).await?;
        ensure!(
            probe.verified,
            "{kind}: port {port} failed verification: {probe:?}"
        );
        ensure!(
            probe.sha256 == ca.leaf().sha256_hex(),
            "{kind}: unexpected certificate on {port}"
        );
    }

    let alice = unique_user("alice");
    let bob = unique_user("bob");
    let carol = unique_user("carol");
    let (alice_jid, bob_jid) = (server.jid(&alice), server.jid(&bob));
    let mut a = Peer::start(server, &alice, "alice-pw", true).await?;
    let mut b = Peer::start(server, &bob, "bob-pw", true).await?;
    ensure!(a.bare_jid() == alice_jid, "bound to {}", a.jid());

    // The components every scenario may use are there.
    let items = a.disco_items(server.domain()).await?;
    for component in [
        server.muc_domain(),
        server.upload_domain(),
        server.proxy_domain(),
    ] {
        ensure!(
            items.iter().any(|i| i == component),
            "{kind} lacks {component}: {items:?}"
        );
    }

    // A asks for B's presence; B accepts by itself and asks back.
    a.subscribe(&bob_jid).await?;
    b.next_event_matching(
        |e| matches!(e, PeerEvent::Subscribe { from } if *from == alice_jid),
        WAIT,
    )
    .await
    .context("B never saw A's subscription request")?;
    let presence = a.wait_presence_from(&bob_jid, WAIT).await?;
    ensure!(
        presence.from.starts_with(&format!("{bob_jid}/")),
        "{presence:?}"
    );

    b.set_presence(Some("away"), Some("出去吃饭 🍜")).await?;
    let away = a
        .next_event_matching(
            |e| matches!(e, PeerEvent::Presence(p) if p.show.as_deref() == Some("away")),
            WAIT,
        )
        .await?;
    let PeerEvent::Presence(away) = away else {
        anyhow::bail!("not a presence: {away:?}");
    };
    ensure!(away.status.as_deref() == Some("出去吃饭 🍜"), "{away:?}");

    let origin_id = a.send(&bob_jid, BODY).await?;
    let message = b.wait_message_from(&alice_jid, WAIT).await?;
    ensure!(
        message.body.as_deref() == Some(BODY),
        "body changed on the way: {message:?}"
    );
    ensure!(
        message.origin_id.as_deref() == Some(origin_id.as_str()),
        "{message:?}"
    );
    ensure!(message.kind == "chat", "{message:?}");
    ensure!(message.from == a.jid(), "{message:?}");

    // An account made with the server's admin tool logs in too.
    server.register(&carol, "carol-pw").await?;
    ensure!(
        server.register(&carol, "other").await.is_err(),
        "{kind} registered {carol} twice"
    );
    Peer::start(server, &carol, "carol-pw", false)
        .await?
        .stop()
        .await?;
    // A wrong password is reported, not retried forever.
    let wrong = Peer::start(server, &carol, "not-the-pw", false).await;
    ensure!(wrong.is_err(), "{kind} accepted a wrong password");

    // The server dies: every process of it is gone and the port closes.
    let pids = server.process_ids();
    ensure!(!pids.is_empty());
    server.kill();
    ensure!(
        !port_accepts(server.c2s_port()),
        "{kind}: c2s port still open after kill(): {}",
        listeners(server.c2s_port())
    );
    for pid in &pids {
        ensure!(!pid_alive(*pid), "{kind}: process {pid} survived kill()");
    }
    b.next_event_matching(|e| matches!(e, PeerEvent::Disconnected { .. }), WAIT)
        .await
        .context("B did not notice the server dying")?;
    a.stop().await?;
    b.stop().await?;

    // Back on the same ports with the same data: both kinds of account still log in.
    let started = Instant::now();
    server.start_again().await?;
    println!("{kind}: restart ready after {:?}", started.elapsed());
    ensure!(port_accepts(server.c2s_port()));
    Peer::start(server, &alice, "alice-pw", false)
        .await?
        .stop()
        .await?;
    Peer::start(server, &carol, "carol-pw", false)
        .await?
        .stop()
        .await?;

    // An orderly stop keeps the data too.
    let pids = server.process_ids();
    let started = Instant::now();
    server.stop().await?;
    println!("{kind}: stop took {:?}", started.elapsed());
    ensure!(!server.is_running() && server.process_ids().is_empty());
    ensure!(
        !port_accepts(server.c2s_port()),
        "{kind}: c2s port still open after stop()"
    );
    for pid in &pids {
        ensure!(!pid_alive(*pid), "{kind}: process {pid} survived stop()");
    }
    server.start_again().await?;
    Peer::start(server, &bob, "bob-pw", false)
        .await?
        .stop()
        .await?;
    Ok(())
}

#[derive(Debug, Deserialize)]
struct TlsProbe {
    verified: bool,
    sha256: String,
}

/// Direct TLS to 127.0.0.1:`port` from Python's `ssl` (a TLS stack unrelated to the servers'):
/// does the certificate verify for `localhost` against `SSL_CERT_FILE`, and which one is it.
async fn tls_probe(port: u16) -> Result<TlsProbe> {
    const PROBE: &str = r#"
import hashlib, json, socket, ssl, sys
def leaf(verify):
    ctx = ssl.create_default_context()
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.getpeercert(True)
try:
    leaf(True)
    verified = True
except ssl.SSLCertVerificationError:
    verified = False
print(json.dumps({"verified": verified, "sha256": hashlib.sha256(leaf(False)).hexdigest()}))
"#;
    let output = tokio::process::Command::new(hongyan_tests::peer_python()?)
        .args(["-c", PROBE, &port.to_string()])
        .env("SSL_CERT_FILE", TestCa::shared().ca_path())
        .output()
        .await?;
    ensure!(
        output.status.success(),
        "TLS probe of port {port} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// Who listens on `port` (for failure messages).
fn listeners(port: u16) -> String {
    std::process::Command::new("ss")
        .args(["-ltnp", &format!("sport = :{port}")])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_else(|e| e.to_string())
}
