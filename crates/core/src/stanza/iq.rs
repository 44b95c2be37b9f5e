//! Tracking IQ requests we sent (RFC 6120 §8.2.3): each waits for its answer by (responder, id),
//! so an answer is taken only from the entity we asked. A `result` with a known id from anyone
//! else is not an answer; it is dropped with a log line (a forged roster result, for instance).
//! Requests time out; a lost connection fails everything still waiting.

use std::collections::HashMap;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::oneshot;
use tokio::time::Instant;
use xmpp::minidom::Element;
use xmpp::parsers::jid::{BareJid, Jid};
use xmpp::parsers::stanza_error::StanzaError;

use crate::error::{Error, Result};
use crate::feature::Cx;

/// How long an IQ waits for its answer unless the caller says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// What came back for a request.
#[derive(Debug, Clone, PartialEq)]
pub enum IqAnswer {
    Result(Option<Element>),
    Error(StanzaError),
}

/// What to do with an answer inside the account's task, in stream order (a roster result is
/// applied before any push that follows it).
pub trait OnAnswer: Send {
    fn answered<'a, 'b>(self: Box<Self>, cx: &'a mut Cx<'b>, answer: Result<IqAnswer>) -> BoxFuture<'a, Result<()>>;
}

/// What [`IqTracker::resolve`] made of an incoming result or error.
pub enum Resolution {
    /// It answered a waiting request; its future has the answer.
    Answered,
    /// It answered a request whose continuation the account's task runs now.
    Then(Box<dyn OnAnswer>, IqAnswer),
    /// Nothing of ours waits for this (responder, id): unknown, late, or from the wrong entity.
    Unsolicited,
}

impl std::fmt::Debug for Resolution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Resolution::Answered => "Answered",
            Resolution::Then(..) => "Then",
            Resolution::Unsolicited => "Unsolicited",
        })
    }
}

enum Waiter {
    Future(oneshot::Sender<Result<IqAnswer>>),
    Then(Box<dyn OnAnswer>),
}

struct Waiting {
    deadline: Instant,
    waiter: Waiter,
}

/// The IQs in flight on one account.
pub struct IqTracker {
    own: BareJid,
    waiting: HashMap<(Jid, String), Waiting>,
}

impl IqTracker {
    pub fn new(own: BareJid) -> IqTracker {
        IqTracker { own, waiting: HashMap::new() }
    }

    /// The entity that must answer a request sent `to`: no `to` means our own account.
    fn responder(&self, to: Option<&Jid>) -> Jid {
        match to {
            None => Jid::from(self.own.clone()),
            Some(jid) => jid.clone(),
        }
    }

    /// Registers a request about to be written; the receiver gets its answer, a timeout, or
    /// the connection's end.
    pub fn register(&mut self, to: Option<&Jid>, id: &str, timeout: Duration) -> oneshot::Receiver<Result<IqAnswer>> {
        let (tx, rx) = oneshot::channel();
        self.insert(to, id, timeout, Waiter::Future(tx));
        rx
    }

    /// Registers a request whose answer (or timeout) `then` handles inside the account's task.
    pub fn register_then(&mut self, to: Option<&Jid>, id: &str, timeout: Duration, then: Box<dyn OnAnswer>) {
        self.insert(to, id, timeout, Waiter::Then(then));
    }

    fn insert(&mut self, to: Option<&Jid>, id: &str, timeout: Duration, waiter: Waiter) {
        let key = (self.responder(to), id.to_owned());
        // An id is never reused while its request waits; a caller that does gets the newer one.
        if let Some(old) = self.waiting.insert(key, Waiting { deadline: Instant::now() + timeout, waiter }) {
            if let Waiter::Future(reply) = old.waiter {
                let _ = reply.send(Err(Error::Internal("IQ id reused".into())));
            }
        }
    }

    /// Hands an incoming `result`/`error` to the request it answers, if `from` is whom we asked.
    /// An answer from no one (`from` absent) stands for our own account, as the server
    /// delivers answers from the account without a `from`.
    pub fn resolve(&mut self, from: Option<&Jid>, id: &str, answer: IqAnswer) -> Resolution {
        let from = self.responder(from);
        match self.waiting.remove(&(from, id.to_owned())) {
            Some(Waiting { waiter: Waiter::Future(reply), .. }) => {
                let _ = reply.send(Ok(answer));
                Resolution::Answered
            }
            Some(Waiting { waiter: Waiter::Then(then), .. }) => Resolution::Then(then, answer),
            None => Resolution::Unsolicited,
        }
    }

    /// The soonest deadline, for the actor's timer.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.waiting.values().map(|w| w.deadline).min()
    }

    /// Fails every request whose deadline has passed; returns the continuations the account's
    /// task must now run with [`Error::Timeout`].
    pub fn expire(&mut self, now: Instant) -> Vec<Box<dyn OnAnswer>> {
        let late: Vec<_> = self.waiting.iter().filter(|(_, w)| w.deadline <= now).map(|(k, _)| k.clone()).collect();
        let mut then = Vec::new();
        for key in &late {
            match self.waiting.remove(key).map(|w| w.waiter) {
                Some(Waiter::Future(reply)) => {
                    let _ = reply.send(Err(Error::Timeout));
                }
                Some(Waiter::Then(t)) => then.push(t),
                None => {}
            }
        }
        then
    }

    /// The connection ended: nobody will answer what is still waiting. Continuations are
    /// dropped: what they were for is asked again on the next connection.
    pub fn fail_all(&mut self) {
        for (_, w) in self.waiting.drain() {
            if let Waiter::Future(reply) = w.waiter {
                let _ = reply.send(Err(Error::NotConnected));
            }
        }
    }

    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! assert_res {
        ($e:expr, $p:pat) => {
            assert!(matches!($e, $p))
        };
    }

    fn jid(s: &str) -> Jid {
        Jid::new(s).unwrap()
    }

    fn tracker() -> IqTracker {
        IqTracker::new(BareJid::new("me@example.org").unwrap())
    }

    #[tokio::test]
    async fn answers_go_to_the_request_from_whom_we_asked() {
        let mut t = tracker();
        let rx = t.register(Some(&jid("peer@example.org/phone")), "q1", DEFAULT_TIMEOUT);
        // Same id, someone else: not an answer.
        assert_res!(t.resolve(Some(&jid("mallory@example.org/x")), "q1", IqAnswer::Result(None)), Resolution::Unsolicited);
        assert_res!(t.resolve(Some(&jid("peer@example.org")), "q1", IqAnswer::Result(None)), Resolution::Unsolicited);
        assert_res!(t.resolve(None, "q1", IqAnswer::Result(None)), Resolution::Unsolicited);
        assert_eq!(t.len(), 1);
        assert_res!(t.resolve(Some(&jid("peer@example.org/phone")), "q1", IqAnswer::Result(None)), Resolution::Answered);
        assert_eq!(rx.await.unwrap().unwrap(), IqAnswer::Result(None));
        assert!(t.is_empty());
    }

    #[tokio::test]
    async fn requests_to_our_account_are_answered_by_no_from_or_our_bare_jid_only() {
        let mut t = tracker();
        let a = t.register(None, "r1", DEFAULT_TIMEOUT);
        let b = t.register(None, "r2", DEFAULT_TIMEOUT);
        // A full JID of our own account is another resource, not the account.
        assert_res!(t.resolve(Some(&jid("me@example.org/other")), "r1", IqAnswer::Result(None)), Resolution::Unsolicited);
        assert_res!(t.resolve(Some(&jid("example.org")), "r1", IqAnswer::Result(None)), Resolution::Unsolicited);
        assert_res!(t.resolve(None, "r1", IqAnswer::Result(None)), Resolution::Answered);
        assert_res!(t.resolve(Some(&jid("me@example.org")), "r2", IqAnswer::Result(None)), Resolution::Answered);
        assert!(a.await.unwrap().is_ok());
        assert!(b.await.unwrap().is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn unanswered_requests_time_out_and_a_lost_connection_fails_the_rest() {
        let mut t = tracker();
        let quick = t.register(Some(&jid("example.org")), "p", Duration::from_secs(5));
        let slow = t.register(Some(&jid("example.org")), "d", Duration::from_secs(60));
        assert_eq!(t.next_deadline(), Some(Instant::now() + Duration::from_secs(5)));
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(t.expire(Instant::now()).is_empty());
        assert!(matches!(quick.await.unwrap(), Err(Error::Timeout)));
        // Its late answer is no longer anyone's.
        assert_res!(t.resolve(Some(&jid("example.org")), "p", IqAnswer::Result(None)), Resolution::Unsolicited);
        t.fail_all();
        assert!(matches!(slow.await.unwrap(), Err(Error::NotConnected)));
        assert!(t.next_deadline().is_none());
    }
}
