//! XEP-0198: Stream Management, used for acknowledgements: a chat message counts as sent when
//! the server confirms it has handled it, not when it left our socket. (Session resumption is
//! not used; after a reconnect, unacknowledged messages are still pending and are sent again.)

use std::collections::VecDeque;

#[derive(Debug, Default)]
pub struct Acks {
    /// `<enable/>` was sent: outbound stanzas are counted from here.
    requested: bool,
    /// The server answered `<enabled/>`: inbound stanzas are counted.
    enabled: bool,
    outbound: u32,
    inbound: u32,
    /// Sequence numbers of stanzas not yet acknowledged, with the stored message they carry.
    unacked: VecDeque<(u32, Option<i64>)>,
}

impl Acks {
    pub fn requested(&self) -> bool {
        self.requested
    }

    pub fn request(&mut self) {
        *self = Acks { requested: true, ..Default::default() };
    }

    pub fn enabled(&mut self) {
        self.enabled = self.requested;
    }

    /// The server refused: everything written so far counts as sent, as without acks.
    pub fn failed(&mut self) -> Vec<i64> {
        let ids = self.unacked.drain(..).filter_map(|(_, id)| id).collect();
        *self = Acks::default();
        ids
    }

    pub fn sent(&mut self, message: Option<i64>) {
        if self.requested {
            self.outbound = self.outbound.wrapping_add(1);
            self.unacked.push_back((self.outbound, message));
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
        let mut ids = Vec::new();
        while let Some(&(seq, id)) = self.unacked.front() {
            // `seq` is at or before `h` in wrapping order.
            if h.wrapping_sub(seq) < u32::MAX / 2 {
                self.unacked.pop_front();
                ids.extend(id);
            } else {
                break;
            }
        }
        ids
    }

    pub fn in_flight(&self, message: i64) -> bool {
        self.unacked.iter().any(|&(_, id)| id == Some(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_confirmed_in_order_by_the_handled_count() {
        let mut acks = Acks::default();
        acks.sent(Some(1)); // before <enable/>: not counted
        assert!(acks.acked(10).is_empty());
        acks.request();
        acks.sent(None); // roster query
        acks.sent(Some(7));
        acks.sent(Some(8));
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
        acks.enabled();
        acks.received();
        acks.received();
        assert_eq!(acks.handled(), 2);
        acks.sent(Some(3));
        acks.sent(Some(4));
        assert_eq!(acks.failed(), vec![3, 4]);
        assert!(!acks.requested());
    }

    #[test]
    fn counts_wrap_around() {
        let mut acks = Acks::default();
        acks.request();
        acks.outbound = u32::MAX - 1;
        acks.sent(Some(1)); // seq u32::MAX
        acks.sent(Some(2)); // seq 0
        assert_eq!(acks.acked(u32::MAX), vec![1]);
        assert_eq!(acks.acked(0), vec![2]);
    }
}
