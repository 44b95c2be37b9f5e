//! Keeps the webview on Hongyan's own pages. Links are opened through `open_link`; should a
//! page ever try to navigate elsewhere (a link without a handler, a form, a redirect), the
//! navigation is refused and web links go to the system browser instead.

use tauri::plugin::{Builder, TauriPlugin};
use tauri::{Manager, Runtime};
use tracing::warn;
use url::Url;

use crate::links;

pub fn guard<R: Runtime>() -> TauriPlugin<R> {
    Builder::new("navigation-guard")
        .on_navigation(|webview, url| {
            let dev_url = webview.app_handle().config().build.dev_url.clone();
            if is_app_page(url, dev_url.as_ref()) {
                return true;
            }
            match links::for_system(url.as_str()) {
                Ok(Some(link)) => {
                    if let Err(e) = open::that_detached(link.as_str()) {
                        warn!(error = %e, "cannot open a link in the browser");
                    }
                }
                // xmpp: links open through the UI, never in another program.
                Ok(None) => warn!("refused a navigation to an xmpp: link"),
                Err(_) => warn!(
                    scheme = url.scheme(),
                    "refused a navigation away from the app"
                ),
            }
            false
        })
        .build()
}

/// The app's own origin: `tauri://localhost` (Linux, macOS), `http(s)://tauri.localhost`
/// (Windows), or the dev server in development builds.
pub fn is_app_page(url: &Url, dev_url: Option<&Url>) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" if url.host_str() == Some("tauri.localhost") => true,
        "about" => url.as_str() == "about:blank",
        _ => dev_url.is_some_and(|dev| cfg!(dev) && dev.origin() == url.origin()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn only_the_app_origin_is_a_page() {
        assert!(is_app_page(&url("tauri://localhost/index.html"), None));
        assert!(is_app_page(&url("http://tauri.localhost/"), None));
        assert!(is_app_page(
            &url("https://tauri.localhost/assets/x.js"),
            None
        ));
        assert!(is_app_page(&url("about:blank"), None));
        assert!(!is_app_page(&url("tauri://evil.example/"), None));
        assert!(!is_app_page(&url("https://example.org/"), None));
        assert!(!is_app_page(
            &url("http://tauri.localhost.example.org/"),
            None
        ));
        assert!(!is_app_page(&url("file:///etc/passwd"), None));
        let dev = url("http://localhost:1420");
        // The dev server counts only in development builds.
        assert_eq!(
            is_app_page(&url("http://localhost:1420/src/main.ts"), Some(&dev)),
            cfg!(dev)
        );
        assert!(!is_app_page(&url("http://localhost:8080/"), Some(&dev)));
    }
}
