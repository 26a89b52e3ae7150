use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AccountError {
    #[error("username must be 3 to 32 characters: lowercase letters, digits, '-', '_' or '.', starting with a letter")]
    BadUsername,
    #[error("password must be 10 to 128 characters")]
    BadPassword,
    #[error("display name must be 1 to 64 characters")]
    BadDisplayName,
}

/// A sign-in name. Lower-case ASCII so that "Wang.Li" and "wang.li" can never be two accounts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let s = raw.trim().to_ascii_lowercase();
        let ok_len = (3..=32).contains(&s.len());
        let ok_first = s.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
        if ok_len && ok_first && ok_chars {
            Ok(Self(s))
        } else {
            Err(AccountError::BadUsername)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password as typed. Length is the only rule (NIST SP 800-63B): composition rules make
/// passwords worse, and deputies type them on phones.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let n = raw.chars().count();
        if (10..=128).contains(&n) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(AccountError::BadPassword)
        }
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

// Never print a password, not even in a debug log.
impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let s = raw.trim();
        let n = s.chars().count();
        if (1..=64).contains(&n) && !s.chars().any(char::is_control) {
            Ok(Self(s.to_owned()))
        } else {
            Err(AccountError::BadDisplayName)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A one-time code handed to a person with their username, for their first sign-in, where they
/// choose their own password. Twelve characters of the poster alphabet (no 0/O, 1/I/L, U), about
/// 59 random bits, printed in three groups of four; typed with or without the dashes, in either
/// case. Random enough that a keyed hash finds it (no slow hash needed), and sign-in's throttle
/// counts the tries.
#[derive(Clone, PartialEq, Eq)]
pub struct ActivationCode(String);

pub const ACTIVATION_LEN: usize = 12;
/// How long a code stays good: long enough to hand a whole roster its sheets.
pub const ACTIVATION_DAYS: i64 = 60;

impl ActivationCode {
    pub fn from_random(bytes: [u8; ACTIVATION_LEN]) -> Self {
        let alphabet = super::public_code::ALPHABET;
        Self(
            bytes
                .iter()
                .map(|b| alphabet[*b as usize % alphabet.len()] as char)
                .collect(),
        )
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let s: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '－' | '—'))
            .collect::<String>()
            .to_ascii_uppercase();
        (s.len() == ACTIVATION_LEN && s.bytes().all(|b| super::public_code::ALPHABET.contains(&b)))
            .then_some(Self(s))
    }

    /// The compact form, as hashed and stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// ABCD-EFGH-JKMN, as printed.
    pub fn printed(&self) -> String {
        format!("{}-{}-{}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }
}

// A code is a credential until it is used: never in a log.
impl fmt::Debug for ActivationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ActivationCode(***)")
    }
}

/// The username made for a deputy's account: `d` and a number, as the sheet hands it over
/// (the roster has no Latin names to build one from).
pub fn roster_username(n: u32) -> Username {
    Username(format!("d{n:05}"))
}

/// The username made for a unit officer's account from an officers' list: `o` and a number.
pub fn officer_username(n: u32) -> Username {
    Username(format!("o{n:05}"))
}

/// A deputy as typed on the accounts form: `姓名`, or `姓名 · 代表团` (or `姓名（代表团）`) when two
/// deputies share a name.
pub fn split_deputy(typed: &str) -> (String, Option<String>) {
    let t = typed.trim();
    let t = t
        .strip_suffix('）')
        .or_else(|| t.strip_suffix(')'))
        .unwrap_or(t);
    for sep in ['·', '（', '(', '/', ' '] {
        if let Some((name, delegation)) = t.split_once(sep) {
            let (name, delegation) = (name.trim(), delegation.trim());
            if !name.is_empty() && !delegation.is_empty() {
                return (name.to_owned(), Some(delegation.to_owned()));
            }
        }
    }
    (t.to_owned(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deputy_is_typed_with_or_without_the_delegation() {
        let d = |t: &str| split_deputy(t);
        assert_eq!(d(" 王建国 "), ("王建国".into(), None));
        assert_eq!(
            d("王建国 · 拱墅区代表团"),
            ("王建国".into(), Some("拱墅区代表团".into()))
        );
        assert_eq!(
            d("王建国（拱墅区代表团）"),
            ("王建国".into(), Some("拱墅区代表团".into()))
        );
        assert_eq!(
            d("王建国(拱墅区代表团)"),
            ("王建国".into(), Some("拱墅区代表团".into()))
        );
        assert_eq!(
            d("王建国 拱墅区代表团"),
            ("王建国".into(), Some("拱墅区代表团".into()))
        );
    }

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(
            Username::parse(" Demo-Deputy ").unwrap().as_str(),
            "demo-deputy"
        );
        for bad in [
            "",
            "ab",
            "1abc",
            "-abc",
            "has space",
            "王五五",
            &"a".repeat(33),
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Username::parse("wang.li_2025").is_ok());
    }

    #[test]
    fn passwords_need_length_only() {
        assert!(Password::parse("jiandu-demo").is_ok());
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("监督监督监督监督监督").is_ok());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("jiandu-demo").unwrap()),
            "Password(***)"
        );
    }

    #[test]
    fn display_names_refuse_blank_and_control_characters() {
        assert_eq!(DisplayName::parse("  王丽 ").unwrap().as_str(), "王丽");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("a\u{0}b").is_err());
        assert!(DisplayName::parse(&"名".repeat(65)).is_err());
    }

    #[test]
    fn activation_codes_read_as_people_type_them() {
        let c = ActivationCode::from_random([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 29]);
        assert_eq!(c.as_str(), "23456789ABCZ");
        assert_eq!(c.printed(), "2345-6789-ABCZ");
        assert_eq!(ActivationCode::parse(" 2345-6789-abcz "), Some(c.clone()));
        assert_eq!(ActivationCode::parse("2345 6789 ABCZ"), Some(c.clone()));
        assert_eq!(ActivationCode::parse("2345-6789-ABC"), None);
        assert_eq!(ActivationCode::parse("2345-6789-ABCO"), None);
        assert_eq!(format!("{c:?}"), "ActivationCode(***)");
        assert_eq!(roster_username(42).as_str(), "d00042");
        assert!(Username::parse(roster_username(99_999).as_str()).is_ok());
    }
}
