//! Desktop notifications for incoming messages while the main window is not focused.
//!
//! One notification per conversation: a newer message replaces the previous notification of the
//! same conversation (replace-by-id) instead of stacking up. A system without a notification
//! daemon simply gets none (logged at debug level).
//! Clicking a notification (its default action, on Linux) brings the window forward with that
//! conversation open.

use std::collections::HashMap;
use std::sync::{mpsc, Arc, Mutex};

use hongyan_core::store::{Direction, Message};
use tauri::{AppHandle, Manager, Runtime};
use tracing::debug;

use crate::state::AppState;

/// Longest notification body, in characters.
pub const BODY_CHARS: usize = 140;

/// Shows notifications one at a time, in order, on a thread of its own: each is a blocking
/// D-Bus call, and replacing needs the id the previous one of the conversation got.
pub struct Notifier {
    queue: Mutex<Option<mpsc::Sender<Note>>>,
    activate: Activate,
}

/// What clicking the notification of (account, peer) does.
pub type Activate = Arc<dyn Fn(&str, &str) + Send + Sync>;

/// The event that asks the window to open a conversation (a notification was clicked).
#[derive(Debug, Clone, serde::Serialize)]
pub struct OpenConversation {
    pub account: String,
    pub peer: String,
}

pub const OPEN_CONVERSATION: &str = "open-conversation";

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub account: String,
    pub peer: String,
    pub summary: String,
    pub body: String,
}

/// Reacts to newly stored messages: notifies about incoming ones unless the user is looking.
pub fn messages<R: Runtime>(app: &AppHandle<R>, account: &str, messages: &[Message]) {
    let focused = app
        .get_webview_window("main")
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false);
    if focused {
        return;
    }
    let state = app.state::<AppState>();
    let client = state.live(account);
    let name_of = |peer: &str| client.as_ref().and_then(|c| c.contact(peer).name);
    let notes = notes_for(account, messages, name_of);
    if notes.is_empty() {
        return;
    }
    let notifier = app.state::<Notifier>();
    for note in notes {
        notifier.post(note);
    }
}

/// The notifications for a batch of stored messages: the newest incoming message of each
/// conversation, titled with the contact's name (or JID).
pub fn notes_for(
    account: &str,
    messages: &[Message],
    name_of: impl Fn(&str) -> Option<String>,
) -> Vec<Note> {
    let mut latest: Vec<&Message> = Vec::new();
    for m in messages
        .iter()
        .filter(|m| {
            m.direction == Direction::Incoming
                && m.body.as_deref().is_some_and(|b| !b.trim().is_empty())
        })
    {
        match latest.iter_mut().find(|l| l.peer == m.peer) {
            Some(slot) if (m.sent_at, m.id) >= (slot.sent_at, slot.id) => *slot = m,
            Some(_) => {}
            None => latest.push(m),
        }
    }
    latest
        .into_iter()
        .map(|m| Note {
            account: account.to_owned(),
            peer: m.peer.clone(),
            summary: name_of(&m.peer)
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| m.peer.clone()),
            body: preview(m.body.as_deref().unwrap_or_default(), BODY_CHARS),
        })
        .collect()
}

/// The message text on one line, cut at `max` characters with an ellipsis.
pub fn preview(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// Escapes text for notification servers that read the body as markup (`body-markup`), so a
/// message cannot inject links, images or formatting.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Notifier {
    pub fn new(activate: Activate) -> Notifier {
        Notifier { queue: Mutex::new(None), activate }
    }

    /// Queues a notification; the worker thread starts with the first one.
    pub fn post(&self, note: Note) {
        let Ok(mut queue) = self.queue.lock() else {
            return;
        };
        // A worker that died (it never should) is replaced.
        let note = match queue.as_ref() {
            Some(tx) => match tx.send(note) {
                Ok(()) => return,
                Err(mpsc::SendError(note)) => note,
            },
            None => note,
        };
        let (tx, rx) = mpsc::channel();
        let activate = self.activate.clone();
        let started = std::thread::Builder::new()
            .name("notifications".into())
            .spawn(move || {
                let mut shown = HashMap::new();
                for note in rx {
                    show(&note, &mut shown, &activate);
                }
            });
        match started {
            Ok(_) => {
                let _ = tx.send(note);
                *queue = Some(tx);
            }
            Err(e) => debug!(error = %e, "no notification thread"),
        }
    }
}

/// By (account, peer): the id of the conversation's notification, so that the next one replaces
/// it, and whether a thread still waits for a click on it (a replacement keeps the id, so one
/// waiter serves them all).
type Shown = HashMap<(String, String), (u32, Arc<std::sync::atomic::AtomicBool>)>;

/// Shows (or replaces) the notification of a conversation. Blocking: D-Bus round trips.
#[cfg(all(unix, not(target_os = "macos")))]
fn show(note: &Note, shown: &mut Shown, activate: &Activate) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use notify_rust::{Hint, Notification};
    use std::sync::OnceLock;

    static MARKUP: OnceLock<bool> = OnceLock::new();
    let markup = *MARKUP.get_or_init(|| {
        notify_rust::get_capabilities()
            .map(|caps| caps.iter().any(|c| c == "body-markup"))
            .unwrap_or(false)
    });
    let key = (note.account.clone(), note.peer.clone());
    let mut n = Notification::new();
    n.appname("Hongyan")
        .summary(&note.summary)
        .body(&if markup {
            escape_markup(&note.body)
        } else {
            note.body.clone()
        })
        // The icon and the desktop file the Linux bundles install (hongyan.png, Hongyan.desktop).
        .icon("hongyan")
        .hint(Hint::Category("im.received".into()))
        .hint(Hint::DesktopEntry("Hongyan".into()))
        // The default action is what a click on the notification does; its label is not shown.
        .action("default", "Open");
    let waiting = match shown.get(&key) {
        Some((id, waiting)) => {
            n.id(*id);
            waiting.load(Ordering::Acquire).then(|| waiting.clone())
        }
        None => None,
    };
    let handle = match n.show() {
        Ok(handle) => handle,
        Err(e) => {
            debug!(error = %e, "no notification shown");
            return;
        }
    };
    if let Some(waiting) = waiting {
        shown.insert(key, (handle.id(), waiting));
        return;
    }
    let waiting = Arc::new(AtomicBool::new(true));
    shown.insert(key, (handle.id(), waiting.clone()));
    let (account, peer) = (note.account.clone(), note.peer.clone());
    let activate = activate.clone();
    // Waiting for the click blocks until the notification closes: a thread of its own.
    let spawned = std::thread::Builder::new().name("notification-click".into()).spawn(move || {
        handle.wait_for_action(|action| {
            if action == "default" {
                activate(&account, &peer);
            }
        });
        waiting.store(false, Ordering::Release);
    });
    if let Err(e) = spawned {
        debug!(error = %e, "clicks on this notification will do nothing");
    }
}

/// Shows a notification (macOS and Windows get no replace-by-id or category here).
#[cfg(not(all(unix, not(target_os = "macos"))))]
fn show(note: &Note, _shown: &mut Shown, _activate: &Activate) {
    let result = notify_rust::Notification::new()
        .appname("Hongyan")
        .summary(&note.summary)
        .body(&note.body)
        .show();
    if let Err(e) = result {
        debug!(error = %e, "no notification shown");
    }
}

#[cfg(test)]
mod tests {
    use hongyan_core::store::MessageState;

    use super::*;

    fn msg(id: i64, peer: &str, direction: Direction, body: &str, sent_at: i64) -> Message {
        Message {
            id,
            account: "me@example.org".into(),
            peer: peer.into(),
            direction,
            remote_id: None,
            origin_id: None,
            stanza_id: None,
            sender_jid: None,
            sender_nick: None,
            occupant_id: None,
            body: Some(body.into()),
            sent_at,
            server_at: None,
            received_at: sent_at,
            seq: id,
            state: MessageState::Received,
            error: None,
            edited_at: None,
            retracted_at: None,
        }
    }

    #[test]
    fn one_note_per_conversation_with_the_newest_incoming_text() {
        let batch = vec![
            msg(1, "li@example.org", Direction::Incoming, "first", 10),
            msg(2, "wang@example.org", Direction::Incoming, "你好", 11),
            msg(3, "li@example.org", Direction::Incoming, "second", 12),
            msg(4, "li@example.org", Direction::Outgoing, "my reply", 13),
            msg(5, "zhao@example.org", Direction::Outgoing, "only mine", 14),
            // Delivered late but older (delay stamp): does not replace "second".
            msg(6, "li@example.org", Direction::Incoming, "offline one", 5),
        ];
        let names = |jid: &str| (jid == "li@example.org").then(|| "李雷".to_string());
        let notes = notes_for("me@example.org", &batch, names);
        assert_eq!(
            notes,
            vec![
                Note {
                    account: "me@example.org".into(),
                    peer: "li@example.org".into(),
                    summary: "李雷".into(),
                    body: "second".into()
                },
                Note {
                    account: "me@example.org".into(),
                    peer: "wang@example.org".into(),
                    summary: "wang@example.org".into(),
                    body: "你好".into()
                },
            ]
        );
        assert!(notes_for("me@example.org", &batch[3..5], |_| None).is_empty());
    }

    #[test]
    fn previews_are_one_line_and_bounded() {
        assert_eq!(preview("  hello \n\n world\t!", 140), "hello world !");
        let long = "鸿".repeat(200);
        let p = preview(&long, 140);
        assert_eq!(p.chars().count(), 140);
        assert!(p.ends_with('…'));
        assert_eq!(preview(&"a".repeat(140), 140), "a".repeat(140));
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape_markup(r#"<a href="x">hi</a> & 'you'"#),
            "&lt;a href=&quot;x&quot;&gt;hi&lt;/a&gt; &amp; &#39;you&#39;"
        );
    }
}
