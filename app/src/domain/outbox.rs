//! The phone's outbox, as rules: what state an item is in, what an answer from the server means
//! for it, and when to try again. The wasm sync engine only carries these decisions out.

use serde::{Deserialize, Serialize};

/// Where an item in the outbox stands. Nothing leaves the phone's storage until it is `Sent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SendState {
    Waiting,
    Uploading { done: u32, total: u32 },
    Sent { verdict: String },
    Failed { reason: FailReason, detail: String },
}

impl SendState {
    pub fn is_pending(&self) -> bool {
        matches!(self, SendState::Waiting | SendState::Uploading { .. })
    }
}

/// Why an item stopped, in categories a person can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailReason {
    /// Signed out (or the session expired): sign in again, then it goes by itself.
    SignIn,
    /// The server refused the content (a field, a photo): it needs the deputy's attention.
    Refused,
    /// The id was used for something else (should never happen): capture it again.
    Conflict,
}

/// What one HTTP answer means for the item being sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Our server took it (201) or already had it (200).
    Accepted,
    /// Try again later: no network, a timeout, a server error, or an answer that is not ours
    /// (a captive portal's login page answers 200 with HTML).
    Retry,
    /// The server said no for a reason that retrying will not fix.
    Fail(FailReason),
}

/// `is_our_json`: the answer was JSON (`application/json`) from our API. Only that counts as an
/// acknowledgement.
pub fn classify(status: u16, is_our_json: bool) -> Outcome {
    match status {
        200 | 201 if is_our_json => Outcome::Accepted,
        200..=299 => Outcome::Retry,
        401 if is_our_json => Outcome::Fail(FailReason::SignIn),
        409 if is_our_json => Outcome::Fail(FailReason::Conflict),
        400 | 403 | 413 | 415 | 422 if is_our_json => Outcome::Fail(FailReason::Refused),
        _ => Outcome::Retry,
    }
}

/// The photos an acknowledged record leaves behind that no other record on the phone still
/// needs. One photo (the same bytes, so the same hash) can be in two records — a gallery photo
/// chosen twice, a phone's camera re-encoding the same shot —, and dropping it with the first
/// left the second unable to send ("photo missing on this phone"). Records not yet sent, and
/// refused ones a person may still send again, keep theirs.
pub fn photos_to_forget<'a>(
    sent: &[String],
    still_needed: impl IntoIterator<Item = &'a String>,
) -> Vec<String> {
    let needed: std::collections::HashSet<&String> = still_needed.into_iter().collect();
    sent.iter()
        .filter(|p| !needed.contains(p))
        .cloned()
        .collect()
}

pub const BASE_DELAY_MS: f64 = 2_000.0;
pub const MAX_DELAY_MS: f64 = 5.0 * 60_000.0;

/// Exponential backoff with full jitter: attempt 1 waits up to 2 s, then 4, 8 … capped at five
/// minutes. `random` is in [0, 1) (from the caller, so this stays deterministic under test).
pub fn backoff_ms(attempt: u32, random: f64) -> f64 {
    let ceiling =
        (BASE_DELAY_MS * 2f64.powi(attempt.saturating_sub(1).min(20) as i32)).min(MAX_DELAY_MS);
    // Never zero, so a burst of failures cannot spin.
    (ceiling * random.clamp(0.0, 1.0)).max(500.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_json_acknowledges() {
        assert_eq!(classify(201, true), Outcome::Accepted);
        assert_eq!(classify(200, true), Outcome::Accepted);
        // A hotel Wi-Fi login page answering 200 with HTML is not an acknowledgement.
        assert_eq!(classify(200, false), Outcome::Retry);
        assert_eq!(classify(204, true), Outcome::Retry);
    }

    #[test]
    fn client_errors_stop_server_errors_retry() {
        assert_eq!(classify(401, true), Outcome::Fail(FailReason::SignIn));
        assert_eq!(classify(409, true), Outcome::Fail(FailReason::Conflict));
        for s in [400, 403, 413, 415, 422] {
            assert_eq!(classify(s, true), Outcome::Fail(FailReason::Refused), "{s}");
        }
        for s in [0, 408, 429, 500, 502, 503, 504] {
            assert_eq!(classify(s, true), Outcome::Retry, "{s}");
        }
        // A proxy's 403 page is not our refusal.
        assert_eq!(classify(403, false), Outcome::Retry);
    }

    #[test]
    fn a_photo_another_record_still_needs_is_kept() {
        let sent = vec!["a".to_string(), "b".to_string()];
        let waiting = ["b".to_string(), "c".to_string()];
        assert_eq!(
            photos_to_forget(&sent, waiting.iter()),
            vec!["a".to_string()]
        );
        assert_eq!(photos_to_forget(&sent, []), sent);
    }

    #[test]
    fn backoff_grows_caps_and_never_spins() {
        assert!(backoff_ms(1, 0.999) <= 2_000.0);
        assert!(backoff_ms(3, 0.999) <= 8_000.0 && backoff_ms(3, 0.999) > 7_000.0);
        assert!(backoff_ms(40, 0.999) <= MAX_DELAY_MS);
        assert_eq!(backoff_ms(5, 0.0), 500.0);
    }

    #[test]
    fn pending_states() {
        assert!(SendState::Waiting.is_pending());
        assert!(SendState::Uploading { done: 1, total: 3 }.is_pending());
        assert!(!SendState::Sent {
            verdict: "on_site".into()
        }
        .is_pending());
        assert!(!SendState::Failed {
            reason: FailReason::Refused,
            detail: String::new()
        }
        .is_pending());
    }
}
