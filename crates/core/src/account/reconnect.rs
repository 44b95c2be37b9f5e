//! When to reconnect after a lost connection: exponential backoff with jitter, growing across
//! sessions that die right after login, and the defence against a replay loop — a server that
//! hands out, right after every login, the same data that broke the last stream (a message kept
//! in offline storage). Reconnecting at once would only break again, about once a second, and
//! nothing queued behind that data would ever arrive; so the delays keep growing, up to a longer
//! cap, and the user is told why.
//!
//! Pure logic: durations come in as arguments, so tests need no clock.

use std::time::Duration;

use crate::error::Error;

/// A session that ends sooner than this after login counts as short-lived.
pub const SHORT_SESSION: Duration = Duration::from_secs(60);
/// After this many short-lived sessions ended by the same unreadable data in a row, it is a loop.
pub const LOOP_AFTER: u32 = 3;
/// Longest wait between attempts normally, and while a loop goes on.
pub const MAX_DELAY: Duration = Duration::from_secs(60);
pub const MAX_LOOP_DELAY: Duration = Duration::from_secs(15 * 60);

/// `2^attempt` seconds up to `cap`, moved by `jitter_per_mille` (-200..=200 in production, so
/// many clients do not return at the same moment).
pub fn backoff(attempt: u32, cap: Duration, jitter_per_mille: i64) -> Duration {
    let base_ms = (1000u64 << attempt.min(20)).min(cap.as_millis() as u64) as i64;
    let jitter = jitter_per_mille.clamp(-1000, 1000);
    Duration::from_millis((base_ms + base_ms * jitter / 1000).max(0) as u64)
}

/// A random jitter for [`backoff`]: ±20%.
pub fn random_jitter() -> i64 {
    (uuid::Uuid::new_v4().as_u128() % 401) as i64 - 200
}

/// How the next reconnect goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The backoff attempt to start from (0: about a second).
    pub first_attempt: u32,
    pub cap: Duration,
    /// Set once the same unreadable data ended [`LOOP_AFTER`] or more sessions in a row: how
    /// many, and the parser's complaint.
    pub looping: Option<(u32, String)>,
}

impl Default for Plan {
    /// The first reconnect: about a second, the normal cap.
    fn default() -> Plan {
        Plan { first_attempt: 0, cap: MAX_DELAY, looping: None }
    }
}

impl Plan {
    /// What the user is shown while waiting: the loop, if there is one.
    pub fn reason(&self) -> Option<Error> {
        self.looping.clone().map(|(times, detail)| Error::ReceiveLoop { times, detail })
    }
}

/// What the account remembers about its recent sessions.
#[derive(Debug, Default)]
pub struct Reconnects {
    /// Short-lived sessions in a row.
    short: u32,
    /// The unreadable data that ended the last short-lived session, and how many in a row it ended.
    repeated: Option<(String, u32)>,
}

impl Reconnects {
    /// A session ended `online_for` after login, because of `error`.
    pub fn lost(&mut self, online_for: Duration, error: &Error) -> Plan {
        if online_for >= SHORT_SESSION {
            *self = Reconnects::default();
        }
        self.short += 1;
        self.repeated = match (error, self.repeated.take()) {
            (Error::UnreadableInput(detail), Some((last, n))) if *detail == last => Some((last, n + 1)),
            (Error::UnreadableInput(detail), _) => Some((detail.clone(), 1)),
            _ => None,
        };
        let looping = self.repeated.clone().filter(|(_, times)| *times >= LOOP_AFTER).map(|(d, t)| (t, d));
        Plan {
            first_attempt: self.short - 1,
            cap: if looping.is_some() { MAX_LOOP_DELAY } else { MAX_DELAY },
            looping,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(plan: &Plan) -> u64 {
        backoff(plan.first_attempt, plan.cap, 0).as_secs()
    }

    #[test]
    fn backoff_doubles_up_to_its_cap_with_bounded_jitter() {
        let delays: Vec<_> = (0..8).map(|a| backoff(a, MAX_DELAY, 0).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff(40, MAX_LOOP_DELAY, 0), MAX_LOOP_DELAY);
        assert_eq!(backoff(3, MAX_DELAY, 200), Duration::from_millis(9600));
        assert_eq!(backoff(3, MAX_DELAY, -200), Duration::from_millis(6400));
        for _ in 0..100 {
            let j = random_jitter();
            assert!((-200..=200).contains(&j), "{j}");
        }
    }

    #[test]
    fn a_long_session_starts_the_backoff_over() {
        let mut r = Reconnects::default();
        let plan = r.lost(Duration::from_secs(3600), &Error::Timeout);
        assert_eq!(plan, Plan { first_attempt: 0, cap: MAX_DELAY, looping: None });
        assert_eq!(secs(&plan), 1);
    }

    #[test]
    fn sessions_that_die_right_after_login_back_off_further_each_time() {
        let mut r = Reconnects::default();
        let lost = |r: &mut Reconnects| r.lost(Duration::from_secs(2), &Error::StreamClosed("reset".into()));
        let waits: Vec<_> = (0..8).map(|_| secs(&lost(&mut r))).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60]);
        // A network loss is no loop, however often it happens.
        assert_eq!(lost(&mut r).looping, None);
        // One session that lasts resets everything.
        assert_eq!(secs(&r.lost(SHORT_SESSION, &Error::Timeout)), 1);
    }

    #[test]
    fn the_same_unreadable_data_after_each_login_is_a_loop() {
        let mut r = Reconnects::default();
        let poison = Error::UnreadableInput("restricted xml: long name or reference".into());
        let soon = Duration::from_millis(300);
        let first = r.lost(soon, &poison);
        let second = r.lost(soon, &poison);
        assert!(first.looping.is_none() && second.looping.is_none());
        let third = r.lost(soon, &poison);
        assert_eq!(third.looping, Some((3, "restricted xml: long name or reference".to_owned())));
        let reason = third.reason().expect("a loop has a reason");
        assert_eq!(reason.code(), "receive_loop");
        assert!(reason.to_string().contains("long name or reference"), "{reason}");
        assert_eq!(third.cap, MAX_LOOP_DELAY);
        // While it goes on, the waits keep growing past the normal cap.
        let waits: Vec<_> = (0..8).map(|_| secs(&r.lost(soon, &poison))).collect();
        assert_eq!(waits, [8, 16, 32, 64, 128, 256, 512, 900]);
        assert!(r.lost(soon, &poison).looping.is_some());
    }

    #[test]
    fn different_failures_or_a_good_session_end_the_loop() {
        let soon = Duration::from_secs(1);
        let a = Error::UnreadableInput("a".into());
        let b = Error::UnreadableInput("b".into());
        let mut r = Reconnects::default();
        for e in [&a, &a, &b, &b] {
            assert!(r.lost(soon, e).looping.is_none(), "{e}");
        }
        assert!(r.lost(soon, &b).looping.is_some(), "three times b");
        // Someone removed the message: the next session lasts, and the next loss is ordinary.
        let plan = r.lost(Duration::from_secs(600), &b);
        assert_eq!(plan, Plan { first_attempt: 0, cap: MAX_DELAY, looping: None });
        // A different kind of loss in between breaks the run too.
        let mut r = Reconnects::default();
        r.lost(soon, &a);
        r.lost(soon, &a);
        r.lost(soon, &Error::Timeout);
        assert!(r.lost(soon, &a).looping.is_none());
    }
}
