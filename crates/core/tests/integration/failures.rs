use std::time::Duration;

use hongyan_core::{parse_bare_jid, session, ConnectOptions, Error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn opts(port: u16) -> ConnectOptions {
    ConnectOptions { host: Some("127.0.0.1".into()), port: Some(port), pinned_cert: None }
}

async fn login(port: u16) -> Error {
    let jid = parse_bare_jid("user@example.org").unwrap();
    match session::open(&jid, "pw", "test", &opts(port)).await {
        Ok(_) => panic!("logged in to a fake server"),
        Err(e) => e,
    }
}

/// A port that nothing listens on.
async fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    port
}

#[tokio::test]
async fn nothing_listening_is_unreachable() {
    let e = login(closed_port().await).await;
    assert_eq!(e.code(), "unreachable", "{e:?}");
}

#[tokio::test]
async fn unknown_host_is_a_dns_failure() {
    let jid = parse_bare_jid("user@example.org").unwrap();
    let opts = ConnectOptions { host: Some("no-such-host.invalid".into()), port: Some(5222), pinned_cert: None };
    let e = session::open(&jid, "pw", "test", &opts).await.err().expect("must fail");
    assert_eq!(e.code(), "dns_failed", "{e:?}");
}

/// A server that speaks XMPP but offers no STARTTLS: Hongyan never continues in plaintext.
#[tokio::test]
async fn server_without_tls_is_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        // Serve both connection attempts (STARTTLS first, then direct TLS on the same port).
        for _ in 0..2 {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let mut buf = vec![0u8; 4096];
            let n = sock.read(&mut buf).await.unwrap_or(0);
            if buf[..n].starts_with(b"<?xml") || buf[..n].starts_with(b"<stream") {
                let _ = sock
                    .write_all(
                        b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
                          xmlns:stream='http://etherx.jabber.org/streams' from='example.org' id='s1' version='1.0'>\
                          <stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\
                          <mechanism>PLAIN</mechanism></mechanisms></stream:features>",
                    )
                    .await;
                let _ = sock.read(&mut buf).await;
            }
        }
    });
    let e = login(port).await;
    assert!(matches!(e, Error::NoTls), "{e:?}");
    server.abort();
}

#[tokio::test]
async fn server_closing_at_once_is_stream_closed() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else { return };
            drop(sock);
        }
    });
    let e = login(port).await;
    assert_eq!(e.code(), "stream_closed", "{e:?}");
    server.abort();
}

/// A server that accepts and then says nothing: the attempt ends with a timeout, not a hang.
#[tokio::test]
async fn silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let Ok((sock, _)) = listener.accept().await else { return };
            held.push(sock);
        }
    });
    let started = std::time::Instant::now();
    let e = login(port).await;
    assert_eq!(e.code(), "timeout", "{e:?}");
    assert!(started.elapsed() < session::LOGIN_TIMEOUT + Duration::from_secs(5));
    server.abort();
}
