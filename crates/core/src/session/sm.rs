//! XEP-0198: Stream Management. Acknowledgements: a chat message counts as sent when the server
//! confirms it has handled it, not when it left our socket. Resumption: after a dropped
//! connection the same session continues where the server allows it — what the server had
//! not confirmed is written again, what it queued for us arrives, and presences and the roster
//! stay as they were. Where it does not, unacknowledged messages are still pending and go out
//! again on the new session with their origin-id, so receivers can drop a duplicate.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use xmpp::parsers::jid::FullJid;
use xmpp::parsers::sm::Enabled;
use xmpp::tokio_xmpp::Stanza;

use crate::transport::xml::{DropReason, Dropped};

/// What resuming the session needs, kept from `<enabled resume='true'/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resumable {
    pub id: String,
    /// How long the server keeps the session after a drop, when it says.
    pub max: Option<Duration>,
}

/// Asking the server to resume a session on a new connection.
#[derive(Debug, Clone)]
pub struct ResumeToken {
    pub id: String,
    /// Stanzas of the server's we handled: it sends again only what came after.
    pub h: u32,
    /// The session's full JID, which a resumed session keeps (there is no binding).
    pub jid: FullJid,
}

/// How the `<resume/>` on a new connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resumption {
    /// `<resumed h='…'/>`: the server had handled our first `h` stanzas.
    Resumed { h: u32 },
    /// `<failed/>`: a new session was bound instead. The server may still say how many of the
    /// old session's stanzas it handled.
    Failed { h: Option<u32> },
}

#[derive(Debug)]
struct Unacked {
    seq: u32,
    /// The stored message the stanza carries.
    row: Option<i64>,
    stanza: Stanza,
}

#[derive(Debug, Default)]
pub struct Acks {
    /// `<enable/>` was sent: outbound stanzas are counted from here.
    requested: bool,
    /// The server answered `<enabled/>`: inbound stanzas are counted.
    enabled: bool,
    outbound: u32,
    inbound: u32,
    /// Stanzas not yet acknowledged, oldest first, kept to be written again on resumption.
    unacked: VecDeque<Unacked>,
    resumable: Option<Resumable>,
    /// When the connection of a resumable session was lost.
    lost_at: Option<Instant>,
}

impl Acks {
    pub fn requested(&self) -> bool {
        self.requested
    }

    pub fn request(&mut self) {
        *self = Acks { requested: true, ..Default::default() };
    }

    pub fn enabled(&mut self, enabled: &Enabled) {
        self.enabled = self.requested;
        self.resumable = match &enabled.id {
            Some(id) if self.requested && enabled.resume => Some(Resumable {
                id: id.0.clone(),
                max: enabled.max.map(|s| Duration::from_secs(u64::from(s))),
            }),
            _ => None,
        };
    }

    /// The server refused acknowledgements on this stream: what was written on it counts as
    /// sent, as on any stream without them (the stream itself is still up).
    pub fn failed(&mut self) -> Vec<i64> {
        let rows = self.unacked.drain(..).filter_map(|u| u.row).collect();
        *self = Acks::default();
        rows
    }

    pub fn sent(&mut self, stanza: &Stanza, row: Option<i64>) {
        if self.requested {
            self.outbound = self.outbound.wrapping_add(1);
            self.unacked.push_back(Unacked { seq: self.outbound, row, stanza: copy(stanza) });
        }
    }

    pub fn received(&mut self) {
        if self.enabled {
            self.inbound = self.inbound.wrapping_add(1);
        }
    }

    /// Inbound stanzas are being counted (the server enabled acknowledgements).
    pub fn counting(&self) -> bool {
        self.enabled
    }

    pub fn handled(&self) -> u32 {
        self.inbound
    }

    /// `<a h='…'/>`: returns the messages now confirmed. Counts wrap at 2^32 (XEP-0198 §4).
    pub fn acked(&mut self, h: u32) -> Vec<i64> {
        let mut rows = Vec::new();
        while let Some(first) = self.unacked.front() {
            // `seq` is at or before `h` in wrapping order.
            if h.wrapping_sub(first.seq) < u32::MAX / 2 {
                rows.extend(first.row);
                self.unacked.pop_front();
            } else {
                break;
            }
        }
        rows
    }

    pub fn in_flight(&self, message: i64) -> bool {
        self.unacked.iter().any(|u| u.row == Some(message))
    }

    /// The connection was lost. Whether the session may be resumed on the next one.
    pub fn lost(&mut self) -> bool {
        if self.resumable.is_some() {
            self.lost_at.get_or_insert_with(Instant::now);
        }
        self.resumable.is_some()
    }

    /// What to send in `<resume/>`, unless the server has surely dropped the session by now.
    pub fn token(&self, jid: &FullJid) -> Option<ResumeToken> {
        let resumable = self.resumable.as_ref()?;
        let expired = match (resumable.max, self.lost_at) {
            (Some(max), Some(at)) => at.elapsed() > max,
            _ => false,
        };
        (!expired).then(|| ResumeToken { id: resumable.id.clone(), h: self.inbound, jid: jid.clone() })
    }

    /// `<resumed h='…'/>`: the session goes on. Returns the messages the server had handled and
    /// the stanzas to write again, in order; they are counted again as they are written.
    pub fn resumed(&mut self, h: u32) -> (Vec<i64>, Vec<(Stanza, Option<i64>)>) {
        let confirmed = self.acked(h);
        self.outbound = h;
        self.lost_at = None;
        let again = self.unacked.drain(..).map(|u| (u.stanza, u.row)).collect();
        (confirmed, again)
    }

    /// Resumption failed: the old session is gone. Returns the messages its `<failed h='…'/>`
    /// still confirms; the rest stay pending for the new session.
    pub fn abandoned(mut self, h: Option<u32>) -> Vec<i64> {
        h.map(|h| self.acked(h)).unwrap_or_default()
    }
}

/// A `<failed/>` the parser refused because it carries no `h` (ejabberd sends it so when it
/// no longer knows the session): still a refusal, just one that confirms nothing.
pub fn is_failed(dropped: &Dropped) -> bool {
    dropped.name == "failed" && dropped.namespace == xmpp::parsers::ns::SM && matches!(dropped.reason, DropReason::Invalid(_))
}

/// The stanza type itself is not `Clone`; its variants are.
fn copy(stanza: &Stanza) -> Stanza {
    match stanza {
        Stanza::Iq(iq) => Stanza::Iq(iq.clone()),
        Stanza::Message(m) => Stanza::Message(m.clone()),
        Stanza::Presence(p) => Stanza::Presence(p.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xmpp::parsers::message::Message;
    use xmpp::parsers::sm::StreamId;

    fn stanza() -> Stanza {
        Stanza::Message(Message::new(None))
    }

    fn enabled(resume: Option<(&str, u32)>) -> Enabled {
        Enabled {
            id: resume.map(|(id, _)| StreamId(id.into())),
            location: None,
            max: resume.map(|(_, max)| max),
            resume: resume.is_some(),
        }
    }

    fn jid() -> FullJid {
        FullJid::new("me@example.org/desk").expect("a valid JID")
    }

    #[test]
    fn a_resumed_session_confirms_what_the_server_handled_and_writes_the_rest_again() {
        let mut acks = Acks::default();
        acks.request();
        acks.enabled(&enabled(Some(("s1", 300))));
        acks.received();
        acks.received();
        acks.sent(&stanza(), None); // 1: presence
        acks.sent(&stanza(), Some(10)); // 2
        acks.sent(&stanza(), Some(11)); // 3
        assert_eq!(acks.acked(1), Vec::<i64>::new());
        assert!(acks.lost(), "the server said the session may be resumed");
        let token = acks.token(&jid()).expect("resumable");
        assert_eq!((token.id.as_str(), token.h), ("s1", 2));
        let (confirmed, again) = acks.resumed(2);
        assert_eq!(confirmed, vec![10]);
        assert_eq!(again.iter().map(|(_, row)| *row).collect::<Vec<_>>(), vec![Some(11)]);
        // Written again, it is counted after the server's count.
        acks.sent(&again[0].0, again[0].1);
        assert!(acks.in_flight(11));
        assert_eq!(acks.acked(3), vec![11]);
        assert!(acks.counting(), "inbound counting goes on");
    }

    #[test]
    fn without_resume_or_past_the_servers_limit_there_is_no_token() {
        let mut acks = Acks::default();
        acks.request();
        acks.enabled(&enabled(None));
        assert!(!acks.lost());
        assert!(acks.token(&jid()).is_none());

        let mut acks = Acks::default();
        acks.request();
        acks.enabled(&enabled(Some(("s2", 0))));
        assert!(acks.lost());
        std::thread::sleep(Duration::from_millis(5));
        assert!(acks.token(&jid()).is_none(), "a 0 s session is gone by now");
    }

    #[test]
    fn a_failed_resumption_confirms_only_what_its_count_covers() {
        let mut acks = Acks::default();
        acks.request();
        acks.enabled(&enabled(Some(("s3", 300))));
        acks.sent(&stanza(), Some(1));
        acks.sent(&stanza(), Some(2));
        acks.sent(&stanza(), Some(3));
        assert!(acks.lost());
        let mut copy = Acks::default();
        std::mem::swap(&mut copy, &mut acks);
        assert_eq!(copy.abandoned(Some(2)), vec![1, 2], "3 stays pending");
        let mut acks = Acks::default();
        acks.request();
        acks.sent(&stanza(), Some(4));
        assert_eq!(acks.abandoned(None), Vec::<i64>::new(), "no count: nothing is confirmed");
    }

    #[test]
    fn messages_are_confirmed_in_order_by_the_handled_count() {
        let mut acks = Acks::default();
        acks.sent(&stanza(), Some(1)); // before <enable/>: not counted
        assert!(acks.acked(10).is_empty());
        acks.request();
        acks.sent(&stanza(), None); // roster query
        acks.sent(&stanza(), Some(7));
        acks.sent(&stanza(), Some(8));
        assert!(acks.in_flight(7));
        assert_eq!(acks.acked(2), vec![7]);
        assert!(!acks.in_flight(7) && acks.in_flight(8));
        assert_eq!(acks.acked(2), Vec::<i64>::new(), "a repeated count confirms nothing new");
        assert_eq!(acks.acked(3), vec![8]);
    }

    #[test]
    fn inbound_counts_only_once_enabled_and_failure_releases_everything() {
        let mut acks = Acks::default();
        acks.request();
        acks.received();
        assert_eq!(acks.handled(), 0);
        acks.enabled(&enabled(None));
        acks.received();
        acks.received();
        assert_eq!(acks.handled(), 2);
        acks.sent(&stanza(), Some(3));
        acks.sent(&stanza(), Some(4));
        assert_eq!(acks.failed(), vec![3, 4]);
        assert!(!acks.requested());
    }

    #[test]
    fn counts_wrap_around() {
        let mut acks = Acks::default();
        acks.request();
        acks.outbound = u32::MAX - 1;
        acks.sent(&stanza(), Some(1)); // seq u32::MAX
        acks.sent(&stanza(), Some(2)); // seq 0
        assert_eq!(acks.acked(u32::MAX), vec![1]);
        assert_eq!(acks.acked(0), vec![2]);
    }
}
