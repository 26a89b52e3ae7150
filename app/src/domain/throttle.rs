//! How long a sign-in must wait after failed ones: a few mistakes are free, then each further
//! failure doubles the wait up to a ceiling, and a quiet spell forgets them. Counting failures
//! (not attempts) means a person who types their password right is not slowed down by their own
//! sign-ins, while a guesser gets a few hundred tries a day per account instead of millions. The
//! tightest rule is per account *and* address, so a stranger's guesses hold back the stranger,
//! not the account's owner signing in from elsewhere; a looser rule per account catches a guesser
//! with many addresses.

use std::time::Duration;

/// The rule for one kind of key (an account, a client address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Failures allowed before any wait.
    pub free: u32,
    /// The wait after the first failure past the free ones; it doubles with each further one.
    pub base: Duration,
    /// The longest wait.
    pub max: Duration,
    /// Failures older than this (since the last one) are forgotten.
    pub forget_after: Duration,
}

impl Backoff {
    /// Per account from one address: five mistakes, then 30 s, 1 min, 2 min … up to 15 min.
    pub const ACCOUNT: Backoff = Backoff {
        free: 5,
        base: Duration::from_secs(30),
        max: Duration::from_secs(15 * 60),
        forget_after: Duration::from_secs(24 * 3600),
    };
    /// Per account from every address together: fifty mistakes, then the same waits.
    pub const ACCOUNT_WIDE: Backoff = Backoff {
        free: 50,
        base: Duration::from_secs(30),
        max: Duration::from_secs(15 * 60),
        forget_after: Duration::from_secs(24 * 3600),
    };
    /// Per client address: an office behind one NAT address signs in together, so more are
    /// free and the waits are shorter; still, one address cannot sweep many accounts.
    pub const CLIENT: Backoff = Backoff {
        free: 20,
        base: Duration::from_secs(5),
        max: Duration::from_secs(5 * 60),
        forget_after: Duration::from_secs(3600),
    };

    /// The wait required after `count` failures, the last `since` ago: `None` when a try may
    /// be made now. Times are spans, not instants, so that the rule reads the same whether the
    /// failures are counted in memory or by the database's clock (shared by every server).
    pub fn wait(&self, count: u32, since: Duration) -> Option<Duration> {
        if count <= self.free || self.forgotten(since) {
            return None;
        }
        let doublings = (count - self.free - 1).min(20);
        let required = self.base.saturating_mul(1 << doublings).min(self.max);
        required.checked_sub(since).filter(|d| !d.is_zero())
    }

    /// The count after one more failure, the last one having been `since` ago.
    pub fn failed(&self, count: u32, since: Duration) -> u32 {
        if self.forgotten(since) {
            1
        } else {
            count.saturating_add(1)
        }
    }

    /// True when failures whose last was `since` ago no longer matter (and may be dropped).
    pub fn forgotten(&self, since: Duration) -> bool {
        since >= self.forget_after
    }

    /// The longest any rule remembers a failure: past it, every record may go.
    pub const LONGEST_MEMORY: Duration = Duration::from_secs(24 * 3600);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(b: &Backoff, n: u32) -> u32 {
        (0..n).fold(0, |count, _| b.failed(count, Duration::ZERO))
    }

    #[test]
    fn a_few_mistakes_are_free_then_the_wait_doubles_to_a_ceiling() {
        let b = Backoff::ACCOUNT;
        let now = Duration::ZERO;
        assert_eq!(b.wait(after(&b, 5), now), None);
        assert_eq!(b.wait(after(&b, 6), now), Some(Duration::from_secs(30)));
        assert_eq!(b.wait(after(&b, 7), now), Some(Duration::from_secs(60)));
        assert_eq!(b.wait(after(&b, 8), now), Some(Duration::from_secs(120)));
        assert_eq!(b.wait(after(&b, 12), now), Some(b.max));
        assert_eq!(b.wait(after(&b, 4000), now), Some(b.max));
        // The wait runs from the last failure.
        let count = after(&b, 7);
        assert_eq!(
            b.wait(count, Duration::from_secs(45)),
            Some(Duration::from_secs(15))
        );
        assert_eq!(b.wait(count, Duration::from_secs(60)), None);
    }

    #[test]
    fn a_quiet_spell_forgets_the_failures() {
        let b = Backoff::CLIENT;
        let count = after(&b, 30);
        assert!(b.forgotten(b.forget_after));
        assert_eq!(b.wait(count, b.forget_after), None);
        assert_eq!(b.failed(count, b.forget_after), 1);
        assert_eq!(b.failed(count, Duration::ZERO), 31);
        for rule in [Backoff::ACCOUNT, Backoff::ACCOUNT_WIDE, Backoff::CLIENT] {
            assert!(rule.forget_after <= Backoff::LONGEST_MEMORY);
        }
    }
}
