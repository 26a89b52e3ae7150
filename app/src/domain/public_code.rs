use serde::{Deserialize, Serialize};
use std::fmt;

/// The short code printed under a site's QR code (`/s/{code}`). Posters stay on walls for years,
/// so a code is random (never derived from an id), never changes and is never reused.
/// The alphabet leaves out 0/O, 1/I/L and U so that a code read aloud or typed from a faded
/// poster still works; input is upper-cased before parsing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PublicCode(String);

pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const LEN: usize = 7;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a site code is {LEN} characters from 2-9 and A-Z without I, L, O and U")]
pub struct BadPublicCode;

impl PublicCode {
    pub fn parse(raw: &str) -> Result<Self, BadPublicCode> {
        let s = raw.trim().to_ascii_uppercase();
        if s.len() == LEN && s.bytes().all(|b| ALPHABET.contains(&b)) {
            Ok(Self(s))
        } else {
            Err(BadPublicCode)
        }
    }

    /// Builds a code from random bytes (the caller owns the randomness, so this stays pure).
    /// 30^7 ≈ 2.2 × 10^10 codes: collisions are possible and the database's unique index decides.
    pub fn from_random(bytes: [u8; LEN]) -> Self {
        Self(
            bytes
                .iter()
                .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
                .collect(),
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PublicCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_case_insensitively_and_refuses_ambiguous_letters() {
        assert_eq!(PublicCode::parse(" k7m2pqr ").unwrap().as_str(), "K7M2PQR");
        for bad in [
            "K7M2PQ", "K7M2PQRS", "K7M2PQ0", "K7M2PQI", "K7M2PQL", "K7M2PQO", "K7M2PQU", "K7M-PQR",
        ] {
            assert!(PublicCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn random_codes_always_parse() {
        for seed in 0u8..=255 {
            let bytes = [seed, seed.wrapping_mul(7), 3, 200, seed ^ 0x5a, 17, 255];
            let c = PublicCode::from_random(bytes);
            assert_eq!(PublicCode::parse(c.as_str()), Ok(c));
        }
    }
}
