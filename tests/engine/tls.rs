//! Certificates: an untrusted one ends the attempt with its fingerprint; pinning that exact
//! fingerprint lets the account connect; a different pin does not.

use anyhow::{ensure, Result};
use hongyan_core::{Client, Error};
use hongyan_tests::{unique_user, ServerKind, ServerOptions, TestCa};

use crate::both_servers;
use crate::support::{config, events, start_with, store};

both_servers!(untrusted_certificate_can_be_pinned);
async fn untrusted_certificate_can_be_pinned(kind: ServerKind) -> Result<()> {
    let server = start_with(
        kind,
        ServerOptions {
            untrusted_certificate: true,
            ..ServerOptions::default()
        },
    )
    .await?;
    let user = unique_user("pin");
    server.register(&user, "pin-pw").await?;
    let expected = TestCa::shared().other_leaf().sha256_hex();
    let (store, _, _dir) = store().await?;

    let (tx, _rx) = events();
    let refused = Client::connect(config(&*server, &user, "pin-pw"), store.clone(), tx).await;
    let Err(Error::CertUntrusted { fingerprint, .. }) = refused else {
        anyhow::bail!(
            "{kind}: expected an untrusted certificate, got {:?}",
            refused.map(|_| ())
        );
    };
    ensure!(
        fingerprint == expected,
        "{kind}: fingerprint {fingerprint} != {expected}"
    );

    let mut wrong = config(&*server, &user, "pin-pw");
    wrong.connect.pinned_cert = Some("00".repeat(32));
    let (tx, _rx) = events();
    let still = Client::connect(wrong, store.clone(), tx).await;
    ensure!(
        matches!(still, Err(Error::CertUntrusted { .. })),
        "a different pin must not help"
    );

    let mut pinned = config(&*server, &user, "pin-pw");
    pinned.connect.pinned_cert = Some(fingerprint.clone());
    let (tx, _rx) = events();
    let client = Client::connect(pinned, store.clone(), tx).await?;
    let saved = store.account(client.jid().as_str()).await?.expect("saved");
    ensure!(
        saved.pinned_cert_sha256.as_deref() == Some(fingerprint.as_str()),
        "the pin is stored with the account"
    );
    client.disconnect().await;
    Ok(())
}
