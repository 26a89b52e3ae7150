//! How long a sign-in must wait after failed ones: a few mistakes are free, then each further
//! failure doubles the wait up to a ceiling, and a quiet spell forgets them. Counting failures
//! (not attempts) means a person who types their password right is not slowed down by their own
//! sign-ins, while a guesser gets a few hundred tries a day per account instead of millions. The
//! tightest rule is per account *and* address, so a stranger's guesses hold back the stranger,
//! not the account's owner signing in from elsewhere; a looser rule per account catches a guesser
//! with many addresses.

use std::time::{Duration, Instant};

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

    /// The wait required after `failures` failures, the last at `last`, as of `now`: `None` when
    /// a try may be made now.
    pub fn wait(&self, failures: &Failures, now: Instant) -> Option<Duration> {
        if failures.count <= self.free || self.forgotten(failures, now) {
            return None;
        }
        let doublings = (failures.count - self.free - 1).min(20);
        let required = self.base.saturating_mul(1 << doublings).min(self.max);
        let since = now.saturating_duration_since(failures.last);
        required.checked_sub(since).filter(|d| !d.is_zero())
    }

    /// The record after one more failure at `now`.
    pub fn failed(&self, before: Option<&Failures>, now: Instant) -> Failures {
        let count = match before {
            Some(f) if !self.forgotten(f, now) => f.count.saturating_add(1),
            _ => 1,
        };
        Failures { count, last: now }
    }

    /// True when a record no longer matters (and may be dropped).
    pub fn forgotten(&self, failures: &Failures, now: Instant) -> bool {
        now.saturating_duration_since(failures.last) >= self.forget_after
    }
}

/// Failed sign-ins of one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    pub last: Instant,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(b: &Backoff, n: u32, t0: Instant) -> Failures {
        let mut f = None;
        for _ in 0..n {
            f = Some(b.failed(f.as_ref(), t0));
        }
        f.expect("n > 0")
    }

    #[test]
    fn a_few_mistakes_are_free_then_the_wait_doubles_to_a_ceiling() {
        let b = Backoff::ACCOUNT;
        let t0 = Instant::now();
        assert_eq!(b.wait(&after(&b, 5, t0), t0), None);
        assert_eq!(b.wait(&after(&b, 6, t0), t0), Some(Duration::from_secs(30)));
        assert_eq!(b.wait(&after(&b, 7, t0), t0), Some(Duration::from_secs(60)));
        assert_eq!(
            b.wait(&after(&b, 8, t0), t0),
            Some(Duration::from_secs(120))
        );
        assert_eq!(b.wait(&after(&b, 12, t0), t0), Some(b.max));
        assert_eq!(b.wait(&after(&b, 4000, t0), t0), Some(b.max));
        // The wait runs from the last failure.
        let f = after(&b, 7, t0);
        assert_eq!(
            b.wait(&f, t0 + Duration::from_secs(45)),
            Some(Duration::from_secs(15))
        );
        assert_eq!(b.wait(&f, t0 + Duration::from_secs(60)), None);
    }

    #[test]
    fn a_quiet_spell_forgets_the_failures() {
        let b = Backoff::CLIENT;
        let t0 = Instant::now();
        let f = after(&b, 30, t0);
        let later = t0 + b.forget_after;
        assert!(b.forgotten(&f, later));
        assert_eq!(b.wait(&f, later), None);
        assert_eq!(b.failed(Some(&f), later).count, 1);
        assert_eq!(b.failed(Some(&f), t0).count, 31);
    }
}
