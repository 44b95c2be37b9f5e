//! The event bridge: engine events (a broadcast channel) become webview events.
//!
//! `messages` events are coalesced: whatever arrives within [`WINDOW`] of the first one goes out
//! as one event per account, so a burst (a reconnect flushing the outbox, a flood from a chatty
//! peer) costs the UI one update. Any other event first flushes what is pending, so the UI
//! never sees, say, a `message-updated` before the `messages` event that introduced the row.

use std::time::Duration;

use hongyan_core::store::Message;
use hongyan_core::Event;
use tokio::sync::broadcast::{error::RecvError, Receiver};
use tokio::time::Instant;
use tracing::warn;

/// How long the first `messages` event of a burst waits for company.
pub const WINDOW: Duration = Duration::from_millis(30);

/// Collects `messages` events per account, in order of first arrival.
#[derive(Debug, Default)]
pub struct Coalescer {
    pending: Vec<(String, Vec<Message>)>,
    deadline: Option<Instant>,
}

impl Coalescer {
    /// Takes one event at time `now`; returns the events to emit right away, in order.
    pub fn push(&mut self, event: Event, now: Instant) -> Vec<Event> {
        match event {
            Event::Messages { account, messages } => {
                match self.pending.iter_mut().find(|(a, _)| *a == account) {
                    Some((_, list)) => list.extend(messages),
                    None => self.pending.push((account, messages)),
                }
                self.deadline.get_or_insert(now + WINDOW);
                Vec::new()
            }
            other => {
                let mut out = self.flush();
                out.push(other);
                out
            }
        }
    }

    /// When the pending messages must go out, if any are pending.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Everything pending, one `messages` event per account.
    pub fn flush(&mut self) -> Vec<Event> {
        self.deadline = None;
        self.pending
            .drain(..)
            .filter(|(_, messages)| !messages.is_empty())
            .map(|(account, messages)| Event::Messages { account, messages })
            .collect()
    }
}

/// Forwards engine events to `emit` until the channel closes.
pub async fn run(mut events: Receiver<Event>, mut emit: impl FnMut(Event)) {
    let mut coalescer = Coalescer::default();
    loop {
        let received = match coalescer.deadline() {
            Some(deadline) => tokio::select! {
                r = events.recv() => Some(r),
                _ = tokio::time::sleep_until(deadline) => None,
            },
            None => Some(events.recv().await),
        };
        match received {
            None => coalescer.flush().into_iter().for_each(&mut emit),
            Some(Ok(event)) => coalescer
                .push(event, Instant::now())
                .into_iter()
                .for_each(&mut emit),
            Some(Err(RecvError::Lagged(skipped))) => {
                warn!(
                    skipped,
                    "the UI fell behind the engine; some events were dropped"
                );
            }
            Some(Err(RecvError::Closed)) => {
                coalescer.flush().into_iter().for_each(&mut emit);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use hongyan_core::store::{Direction, MessageState};
    use hongyan_core::ConnState;
    use tokio::sync::broadcast;

    use super::*;

    fn message(account: &str, id: i64) -> Message {
        Message {
            id,
            account: account.into(),
            peer: "peer@example.org".into(),
            direction: Direction::Incoming,
            remote_id: None,
            origin_id: None,
            stanza_id: None,
            sender_jid: None,
            sender_nick: None,
            occupant_id: None,
            body: Some(format!("message {id}")),
            sent_at: id,
            server_at: None,
            received_at: id,
            seq: id,
            state: MessageState::Received,
            error: None,
            edited_at: None,
            retracted_at: None,
        }
    }

    fn messages(account: &str, ids: &[i64]) -> Event {
        Event::Messages {
            account: account.into(),
            messages: ids.iter().map(|&i| message(account, i)).collect(),
        }
    }

    fn ids(event: &Event) -> (String, Vec<i64>) {
        match event {
            Event::Messages { account, messages } => {
                (account.clone(), messages.iter().map(|m| m.id).collect())
            }
            other => panic!("expected messages, got {other:?}"),
        }
    }

    fn connection(account: &str) -> Event {
        Event::Connection {
            account: account.into(),
            state: ConnState::Online,
            error: None,
            retry_in_secs: None,
        }
    }

    #[test]
    fn a_burst_becomes_one_event_per_account() {
        let t0 = Instant::now();
        let mut c = Coalescer::default();
        assert!(c.push(messages("a@x", &[1]), t0).is_empty());
        assert_eq!(c.deadline(), Some(t0 + WINDOW));
        assert!(c
            .push(messages("b@x", &[2]), t0 + Duration::from_millis(5))
            .is_empty());
        assert!(c
            .push(messages("a@x", &[3, 4]), t0 + Duration::from_millis(20))
            .is_empty());
        // The window is counted from the first message, not extended by later ones.
        assert_eq!(c.deadline(), Some(t0 + WINDOW));
        let out: Vec<_> = c.flush().iter().map(ids).collect();
        assert_eq!(
            out,
            vec![
                ("a@x".to_string(), vec![1, 3, 4]),
                ("b@x".to_string(), vec![2])
            ]
        );
        assert_eq!(c.deadline(), None);
        assert!(c.flush().is_empty());
    }

    #[test]
    fn other_events_flush_pending_messages_first() {
        let t0 = Instant::now();
        let mut c = Coalescer::default();
        assert!(c.push(messages("a@x", &[1]), t0).is_empty());
        let out = c.push(connection("a@x"), t0);
        assert_eq!(out.len(), 2);
        assert_eq!(ids(&out[0]), ("a@x".to_string(), vec![1]));
        assert_eq!(out[1].name(), "connection");
        assert_eq!(c.deadline(), None);
        // Nothing pending: passes straight through.
        assert_eq!(c.push(connection("a@x"), t0).len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_bridge_emits_a_burst_once_after_the_window() {
        let (tx, rx) = broadcast::channel(64);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let bridge = tokio::spawn(run(rx, move |e| sink.lock().unwrap().push(e)));

        for id in 1..=5 {
            tx.send(messages("a@x", &[id])).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(seen.lock().unwrap().is_empty(), "still inside the window");
        tokio::time::sleep(Duration::from_millis(25)).await;
        {
            let seen = seen.lock().unwrap();
            assert_eq!(seen.len(), 1);
            assert_eq!(ids(&seen[0]), ("a@x".to_string(), vec![1, 2, 3, 4, 5]));
        }

        // A later message starts a new window; a roster event flushes it at once.
        tx.send(messages("a@x", &[6])).unwrap();
        tx.send(Event::Roster {
            account: "a@x".into(),
            contacts: vec![],
            replace: true,
        })
        .unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
        {
            let seen = seen.lock().unwrap();
            assert_eq!(seen.len(), 3);
            assert_eq!(ids(&seen[1]), ("a@x".to_string(), vec![6]));
            assert_eq!(seen[2].name(), "roster");
        }

        // Closing the channel delivers what is pending and ends the bridge.
        tx.send(messages("b@x", &[7])).unwrap();
        drop(tx);
        bridge.await.unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 4);
        assert_eq!(ids(&seen[3]), ("b@x".to_string(), vec![7]));
    }
}
