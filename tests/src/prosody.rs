//! A throwaway Prosody (Debian's 0.12) on loopback ports, from tests/servers/prosody.cfg.lua.in.

use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::server::{BoxFuture, Instance, Ports, ServerOptions, XmppServer, DOMAIN};

const TEMPLATE: &str = include_str!("../servers/prosody.cfg.lua.in");

/// A Prosody run by this test process. Dropping it stops the server.
pub struct Prosody {
    instance: Instance,
    config: PathBuf,
}

impl Prosody {
    /// Writes the configuration into a fresh directory, starts `prosody -F` and waits
    /// (up to 10 s) until the c2s port accepts connections.
    pub async fn start(options: ServerOptions) -> Result<Prosody> {
        let dir = crate::process::owned_temp_dir("hongyan-prosody-")
            .context("creating Prosody's directory")?;
        let log = dir.path().join("prosody.log");
        let instance = Instance::new("prosody", dir, log, Duration::from_secs(10));
        let root = instance.path().to_path_buf();

        fs::create_dir_all(root.join("data"))?;
        fs::create_dir_all(root.join("certs"))?;
        let leaf = options.leaf();
        fs::write(root.join("certs/localhost.crt"), leaf.cert_pem())?;
        fs::write(root.join("certs/localhost.key"), leaf.key_pem())?;

        let config = root.join("prosody.cfg.lua");
        fs::write(
            &config,
            render(&root.to_string_lossy(), instance.ports, &options),
        )
        .context("writing prosody.cfg.lua")?;

        let mut prosody = Prosody { instance, config };
        prosody.launch().await?;
        Ok(prosody)
    }

    async fn launch(&mut self) -> Result<()> {
        let mut command = Command::new("prosody");
        command
            .arg("-F")
            .arg("--config")
            .arg(&self.config)
            .current_dir(self.instance.path());
        self.instance.launch(command).await
    }

    pub fn config_path(&self) -> &std::path::Path {
        &self.config
    }

    /// `prosodyctl adduser`, which writes the account straight into the server's storage
    /// and, like `ejabberdctl register`, refuses an account that exists. The password goes
    /// in on stdin (typed twice), not on the command line.
    pub async fn register(&self, user: &str, password: &str) -> Result<()> {
        // prosodyctl writes to the SQLite file the running server also writes to; under load
        // it can meet a held lock ("database is locked"), which is worth another try.
        let mut attempt = 0;
        loop {
            match self.adduser(user, password).await {
                Err(e)
                    if attempt < 8 && {
                        let m = format!("{e:#}");
                        m.contains("database is locked") || m.contains("SQL transaction")
                    } =>
                {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                }
                other => return other,
            }
        }
    }

    async fn adduser(&self, user: &str, password: &str) -> Result<()> {
        use std::process::Stdio;
        use tokio::io::AsyncWriteExt;
        let mut child = tokio::process::Command::new("prosodyctl")
            .arg("--config")
            .arg(&self.config)
            .arg("adduser")
            .arg(format!("{user}@{DOMAIN}"))
            .current_dir(self.instance.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("running prosodyctl")?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(format!("{password}\n{password}\n").as_bytes())
                .await?;
        }
        let output = child.wait_with_output().await?;
        if !output.status.success() {
            bail!(
                "prosodyctl adduser {user}@{DOMAIN} failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    pub async fn stop(&mut self) -> Result<()> {
        self.instance.stop().await
    }

    pub async fn start_again(&mut self) -> Result<()> {
        self.launch().await
    }
}

fn render(dir: &str, ports: Ports, options: &ServerOptions) -> String {
    TEMPLATE
        .replace(
            "{{stanza_size_limit}}",
            &options.stanza_size_limit().to_string(),
        )
        .replace("{{dir}}", dir)
        .replace("{{c2s_port}}", &ports.c2s.to_string())
        .replace("{{direct_tls_port}}", &ports.direct_tls.to_string())
        .replace("{{http_port}}", &crate::free_port().to_string())
        .replace("{{https_port}}", &ports.https.to_string())
        .replace("{{proxy65_port}}", &ports.proxy65.to_string())
}

impl XmppServer for Prosody {
    fn name(&self) -> &'static str {
        "prosody"
    }

    fn ports(&self) -> Ports {
        self.instance.ports
    }

    fn register<'a>(&'a self, user: &'a str, password: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(Prosody::register(self, user, password))
    }

    fn kill(&mut self) {
        self.instance.kill()
    }

    fn stop(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(Prosody::stop(self))
    }

    fn start_again(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(Prosody::start_again(self))
    }

    fn is_running(&mut self) -> bool {
        self.instance.is_running()
    }

    fn process_ids(&mut self) -> Vec<u32> {
        self.instance.process_ids()
    }

    fn log_tail(&self, lines: usize) -> String {
        self.instance.log_tail(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled() {
        let ports = Ports {
            c2s: 1,
            direct_tls: 2,
            https: 3,
            proxy65: 4,
        };
        let config = render("/tmp/x", ports, &ServerOptions::default());
        assert!(!config.contains("{{"), "{config}");
        assert!(config.contains("c2s_stanza_size_limit = 262144\n"));
        assert!(config.contains("c2s_direct_tls_ports = { 2 }"));
        assert!(config.contains("https://localhost:3/"));
    }
}
