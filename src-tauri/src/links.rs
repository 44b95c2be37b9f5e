//! Which links Hongyan hands to the system: web pages and mail. XMPP addresses open inside
//! Hongyan (the UI routes them), never in another program. Everything else (`file:`,
//! `javascript:`, custom handlers that start programs) is refused, because the links come from
//! messages other people wrote.

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

/// Fields of a `mailto:` link that reach the mail program (RFC 6068). Others are dropped: some
/// mail programs take `attach=` to add a local file to the draft, so a link in a message could
/// make the user mail away one of their files.
const MAILTO_FIELDS: [&str; 3] = ["subject", "body", "cc"];

/// The link as the system handler gets it: checked, `mailto:` reduced to its safe fields; `None`
/// for `xmpp:` links, which Hongyan opens itself.
pub fn for_system(input: &str) -> Result<Option<Url>> {
    let mut url = check(input)?;
    match url.scheme() {
        "xmpp" => Ok(None),
        "mailto" => {
            let kept: Vec<&str> = url
                .query()
                .unwrap_or_default()
                .split('&')
                .filter(|field| {
                    let key = field.split('=').next().unwrap_or_default();
                    let key = percent_encoding::percent_decode_str(key).decode_utf8_lossy().to_ascii_lowercase();
                    MAILTO_FIELDS.contains(&key.as_str())
                })
                .collect();
            let query = kept.join("&");
            url.set_query((!query.is_empty()).then_some(query.as_str()));
            url.set_fragment(None);
            Ok(Some(url))
        }
        _ => Ok(Some(url)),
    }
}

/// Opens a checked link with the system's handler (browser or mail program).
pub async fn open(input: &str) -> Result<()> {
    let Some(url) = for_system(input)? else {
        return Err(Error::InvalidLink(format!("{} (opens in Hongyan)", shorten(input))));
    };
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
    fn mailto_keeps_only_subject_body_and_cc() {
        let url = for_system("mailto:li.lei@example.org?subject=Hi%20there&attach=/home/me/.ssh/id_rsa&body=%E4%BD%A0%E5%A5%BD&Attachment=x&cc=han@example.org&bcc=spy@example.net#frag")
            .unwrap()
            .unwrap();
        assert_eq!(
            url.as_str(),
            "mailto:li.lei@example.org?subject=Hi%20there&body=%E4%BD%A0%E5%A5%BD&cc=han@example.org"
        );
        let url = for_system("mailto:a@example.org?ATTACH=x&%61ttach=y").unwrap().unwrap();
        assert_eq!(url.as_str(), "mailto:a@example.org");
        assert_eq!(for_system("mailto:a@example.org").unwrap().unwrap().as_str(), "mailto:a@example.org");
    }

    #[test]
    fn xmpp_links_never_go_to_the_system() {
        assert!(for_system("xmpp:han.meimei@example.org?message").unwrap().is_none());
        assert_eq!(for_system("https://example.org/").unwrap().unwrap().as_str(), "https://example.org/");
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
