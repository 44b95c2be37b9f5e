//! A small W3C WebDriver client: just what the end-to-end tests use, over tauri-driver.

use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Session {
    http: reqwest::Client,
    base: String,
}

#[derive(Clone, Debug)]
pub struct Element(String);

impl Session {
    pub async fn start(port: u16, capabilities: Value) -> Result<Session> {
        // reqwest shares the process's rustls; pick the same provider the engine uses.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?;
        let root = format!("http://127.0.0.1:{port}");
        let body = json!({ "capabilities": { "alwaysMatch": capabilities } });
        let value = call(
            &http,
            reqwest::Method::POST,
            &format!("{root}/session"),
            Some(body),
        )
        .await?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("no session id in {value}"))?;
        Ok(Session {
            http,
            base: format!("{root}/session/{id}"),
        })
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value> {
        call(&self.http, method, &format!("{}{}", self.base, path), body).await
    }

    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str().map(|s| Element(s.to_owned())))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Waits until `css` matches at least one element and returns the first.
    pub async fn wait(&self, css: &str, timeout: Duration) -> Result<Element> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(e) = self.find_all(css).await?.into_iter().next() {
                return Ok(e);
            }
            if tokio::time::Instant::now() > deadline {
                bail!("no element matches {css} after {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Waits until some element matching `css` has text content satisfying `pred`. (Text
    /// content rather than rendered text: the app ellipsizes long names and statuses.)
    pub async fn wait_text(&self, css: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        let script = "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent)";
        loop {
            let texts = self.execute(script, vec![json!(css)]).await?;
            if texts.as_array().is_some_and(|a| a.iter().any(|t| t.as_str().is_some_and(&pred))) {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                bail!("no {css} with the expected text after {timeout:?}; saw {texts}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    pub async fn click(&self, e: &Element) -> Result<()> {
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{}/click", e.0),
            Some(json!({})),
        )
        .await?;
        Ok(())
    }

    pub async fn clear(&self, e: &Element) -> Result<()> {
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{}/clear", e.0),
            Some(json!({})),
        )
        .await?;
        Ok(())
    }

    pub async fn type_text(&self, e: &Element, text: &str) -> Result<()> {
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{}/value", e.0),
            Some(json!({"text": text})),
        )
        .await?;
        Ok(())
    }

    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Picks `value` in the app's drop-down with test id `testid`, with the pointer, as a user
    /// would: opens it, then clicks the option.
    pub async fn pick(&self, testid: &str, value: &str, timeout: Duration) -> Result<()> {
        self.click(&self.wait(&format!("[data-testid='{testid}']"), timeout).await?)
            .await?;
        let option = format!("[data-testid='{testid}-list'] [role='option'][data-value='{value}']");
        self.click(&self.wait(&option, timeout).await?).await?;
        let chosen = format!("[data-testid='{testid}'][data-value='{value}']");
        self.wait(&chosen, timeout).await?;
        Ok(())
    }

    /// Resizes the window (its outer size, in CSS pixels).
    pub async fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        self.cmd(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .await?;
        Ok(())
    }

    pub async fn end(&self) -> Result<()> {
        self.cmd(reqwest::Method::DELETE, "", None).await?;
        Ok(())
    }
}

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value> {
    let mut req = http.request(method, url);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req
        .send()
        .await
        .with_context(|| format!("WebDriver request {url}"))?;
    let status = resp.status();
    let v: Value = resp.json().await.context("WebDriver answer is not JSON")?;
    if !status.is_success() {
        bail!("WebDriver {url}: {status}: {}", v["value"]);
    }
    Ok(v["value"].clone())
}
