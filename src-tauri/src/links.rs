//! Which links Hongyan hands to the system: web pages, mail and XMPP addresses. Everything
//! else (`file:`, `javascript:`, custom handlers that start programs) is refused, because
//! the links come from messages other people wrote.

use url::Url;

use crate::error::{Error, Result};

pub const SCHEMES: [&str; 4] = ["http", "https", "mailto", "xmpp"];

/// Longest link handed to the system (longer ones are not something a person clicked on).
const MAX_LEN: usize = 8192;

/// Parses and checks a link; returns it normalised, ready for the system opener.
pub fn check(input: &str) -> Result<Url> {
    let text = input.trim();
    if text.is_empty() || text.len() > MAX_LEN || text.chars().any(char::is_control) {
        return Err(Error::InvalidLink(shorten(text)));
    }
    let url = Url::parse(text).map_err(|_| Error::InvalidLink(shorten(text)))?;
    if !SCHEMES.contains(&url.scheme()) {
        return Err(Error::InvalidLink(shorten(text)));
    }
    let complete = match url.scheme() {
        "http" | "https" => url.host_str().is_some_and(|h| !h.is_empty()),
        // mailto:someone@example.org, xmpp:someone@example.org?message
        _ => !url.path().trim().is_empty(),
    };
    if !complete {
        return Err(Error::InvalidLink(shorten(text)));
    }
    Ok(url)
}

/// Opens a checked link with the system's handler (browser, mail or XMPP client).
pub async fn open(input: &str) -> Result<()> {
    let url = check(input)?;
    crate::error::blocking(move || open::that_detached(url.as_str()).map_err(Error::OpenLink))
        .await?
}

fn shorten(text: &str) -> String {
    let mut s: String = text.chars().take(80).filter(|c| !c.is_control()).collect();
    if text.chars().count() > 80 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_mail_and_xmpp_links_pass() {
        assert_eq!(
            check("https://example.org/a?b=c#d").unwrap().as_str(),
            "https://example.org/a?b=c#d"
        );
        assert_eq!(
            check("  HTTP://Example.ORG ").unwrap().as_str(),
            "http://example.org/"
        );
        assert_eq!(
            check("https://例子.测试/路径").unwrap().host_str(),
            Some("xn--fsqu00a.xn--0zwm56d")
        );
        assert!(check("mailto:li.lei@example.org").is_ok());
        assert!(check("xmpp:room@conference.example.org?join").is_ok());
        assert!(check("XMPP:han.meimei@example.org").is_ok());
    }

    #[test]
    fn other_schemes_and_junk_are_refused() {
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "ftp://example.org/",
            "smb://server/share",
            "vscode://file/x",
            "tauri://localhost/",
            "example.org",
            "/usr/bin/xterm",
            "--help",
            "",
            "   ",
            "http://",
            "mailto:",
            "xmpp:",
            "https://example.org/\u{0}x",
            "https://exa mple.org/",
        ] {
            let err = check(bad).expect_err(bad);
            assert_eq!(err.code(), "invalid_input", "{bad}");
        }
        assert!(check(&format!("https://example.org/{}", "a".repeat(9000))).is_err());
    }
}
