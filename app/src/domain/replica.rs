//! When a read may go to the replica: the rule, without the database (`store/replica.rs` asks
//! the positions). Times are milliseconds since 1970 by one server's clock; positions are WAL
//! byte offsets.

use std::collections::VecDeque;

/// Samples are kept this long (or the bound and a second, if longer), so the lag is told as it is
/// up to five minutes, not only up to the bound.
pub const KEEP_SAMPLES_MS: i64 = 300_000;

/// How far the servers' clocks may differ (NTP keeps them within milliseconds): a writer's mark
/// is made this much later than the answer, so a server whose clock runs ahead of the writer's
/// still waits for the write to reach the replica.
pub const CLOCK_MARGIN_MS: i64 = 1000;

/// The primary's position at moments of this server's clock, oldest first.
#[derive(Debug, Clone)]
pub struct Samples {
    keep_ms: i64,
    taken: VecDeque<(i64, i64)>,
}

impl Samples {
    /// For a replica allowed to lag `max_lag_ms`.
    pub fn new(max_lag_ms: i64) -> Self {
        Self {
            keep_ms: KEEP_SAMPLES_MS.max(max_lag_ms.saturating_add(1000)),
            taken: VecDeque::new(),
        }
    }

    /// The primary was at `position` at `at` (taken before asking, so the position is at least
    /// the one of that moment). Samples older than the window go, the newest always stays.
    pub fn push(&mut self, at: i64, position: i64) {
        self.taken.push_back((at, position));
        while self.taken.len() > 1
            && self
                .taken
                .front()
                .is_some_and(|(t, _)| at - t > self.keep_ms)
        {
            self.taken.pop_front();
        }
    }

    /// The latest moment by which everything the primary had written is on a replica that has
    /// replayed up to `replayed`; 0 when no kept sample is that old (not known, or too far
    /// behind).
    pub fn caught_up_to(&self, replayed: i64) -> i64 {
        self.taken
            .iter()
            .rev()
            .find(|(_, position)| *position <= replayed)
            .map_or(0, |(at, _)| *at)
    }

    pub fn len(&self) -> usize {
        self.taken.len()
    }

    pub fn is_empty(&self) -> bool {
        self.taken.is_empty()
    }
}

/// Whether a read that must see everything written up to `since` may go to a replica caught up
/// to `caught_up_to` (0: not known), `now` being this server's clock, within `max_lag_ms`.
pub fn may_read(caught_up_to: i64, now: i64, max_lag_ms: i64, since: Option<i64>) -> bool {
    caught_up_to > 0 && now - caught_up_to <= max_lag_ms && since.is_none_or(|s| caught_up_to >= s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replica_is_caught_up_to_the_newest_sample_it_has_replayed_past() {
        let mut s = Samples::new(5_000);
        s.push(1_000, 100);
        s.push(1_200, 100);
        s.push(1_400, 250);
        s.push(1_600, 400);
        // An idle primary (the position did not move) keeps the replica caught up to the latest
        // moment at that position.
        assert_eq!(s.caught_up_to(100), 1_200);
        assert_eq!(s.caught_up_to(399), 1_400);
        assert_eq!(s.caught_up_to(400), 1_600);
        assert_eq!(s.caught_up_to(10_000), 1_600);
        // Behind every kept sample: not known.
        assert_eq!(s.caught_up_to(99), 0);
    }

    #[test]
    fn samples_are_kept_five_minutes_or_the_bound_and_the_newest_always() {
        let mut s = Samples::new(5_000);
        for t in 0..=600 {
            s.push(t * 1_000, t);
        }
        // 600 s of samples a second apart: the last 300 s and the one at the window's edge.
        assert_eq!(s.len(), 301);
        assert_eq!(s.caught_up_to(299), 0);
        assert_eq!(s.caught_up_to(300), 300_000);
        let mut long = Samples::new(3_600_000);
        for t in 0..=4_000 {
            long.push(t * 1_000, t);
        }
        assert_eq!(long.len(), 3_602);
        let mut one = Samples::new(5_000);
        one.push(0, 1);
        one.push(10_000_000, 2);
        assert_eq!(one.len(), 1);
        assert!(!one.is_empty());
    }

    #[test]
    fn a_read_goes_to_the_replica_only_within_the_bound_and_after_what_it_must_see() {
        assert!(may_read(10_000, 12_000, 5_000, None));
        assert!(may_read(10_000, 15_000, 5_000, None));
        assert!(!may_read(10_000, 15_001, 5_000, None));
        // Not known is never read from, whatever the clock says.
        assert!(!may_read(0, 0, 5_000, None));
        // The reader's own write, or the page cache's emptying.
        assert!(may_read(10_000, 12_000, 5_000, Some(10_000)));
        assert!(!may_read(10_000, 12_000, 5_000, Some(10_001)));
        // A mark made with the clock margin waits a second longer than the write.
        assert!(!may_read(
            10_500,
            11_000,
            5_000,
            Some(10_000 + CLOCK_MARGIN_MS)
        ));
    }
}
