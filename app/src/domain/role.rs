use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// Who a signed-in person is to Jiandu. Members of the public never sign in, so they have no role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Deputy,
    Staff,
    UnitOfficer,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Deputy, Role::Staff, Role::UnitOfficer, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Deputy => "deputy",
            Role::Staff => "staff",
            Role::UnitOfficer => "unit_officer",
            Role::Admin => "admin",
        }
    }

    /// Congress staff work: supervision groups, review, the list. Admins may do it too,
    /// since in a small Congress office the administrator is usually also a staff member.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Staff | Role::Admin)
    }

    /// Correcting the registry between imports (a site's position, a sub-item's deadline, a
    /// deputy's group) is the office's everyday work; loading whole files and accounts stays
    /// the administrator's.
    pub fn can_edit_registry(self) -> bool {
        self.is_staff()
    }

    pub fn can_manage_accounts(self) -> bool {
        matches!(self, Role::Admin)
    }

    /// A unit officer must belong to exactly one lead unit; other roles belong to none.
    pub fn needs_unit(self) -> bool {
        matches!(self, Role::UnitOfficer)
    }

    /// A deputy account is tied to one deputy in the roster (and through it to one group).
    pub fn needs_deputy(self) -> bool {
        matches!(self, Role::Deputy)
    }

    /// How long a sign-in lasts at most, however busy the session: deputies and officers work
    /// from a phone in the field, often offline for days, and sign in there; staff and
    /// administrators hold the keys to everything and sign in each working day.
    pub fn session_lifetime(self) -> std::time::Duration {
        const HOUR: u64 = 3600;
        std::time::Duration::from_secs(match self {
            Role::Deputy | Role::UnitOfficer => 30 * 24 * HOUR,
            Role::Staff | Role::Admin => 12 * HOUR,
        })
    }

    /// True when a sign-in made at `signed_in_at` (seconds since the epoch) has outlived
    /// [`Role::session_lifetime`] at `now`. A session with no sign-in time is from before the
    /// rule and counts as expired.
    pub fn session_expired(self, signed_in_at: Option<i64>, now: i64) -> bool {
        match signed_in_at {
            Some(at) => {
                now.saturating_sub(at) >= self.session_lifetime().as_secs() as i64 || at > now + 300
            }
            None => true,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: expected deputy, staff, unit_officer or admin")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

impl TryFrom<String> for Role {
    type Error = UnknownRole;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("root".parse::<Role>().is_err());
        assert!("Staff".parse::<Role>().is_err());
    }

    #[test]
    fn only_staff_and_admin_are_staff() {
        assert!(Role::Staff.is_staff());
        assert!(Role::Admin.is_staff());
        assert!(!Role::Deputy.is_staff());
        assert!(!Role::UnitOfficer.is_staff());
    }

    #[test]
    fn only_admin_manages_accounts() {
        let managers: Vec<_> = Role::ALL
            .into_iter()
            .filter(|r| r.can_manage_accounts())
            .collect();
        assert_eq!(managers, vec![Role::Admin]);
    }

    #[test]
    fn sign_ins_end_after_the_roles_lifetime() {
        let now = 1_800_000_000;
        let hour = 3600;
        assert!(!Role::Staff.session_expired(Some(now - 11 * hour), now));
        assert!(Role::Staff.session_expired(Some(now - 12 * hour), now));
        assert!(Role::Admin.session_expired(Some(now - 13 * hour), now));
        assert!(!Role::Deputy.session_expired(Some(now - 29 * 24 * hour), now));
        assert!(Role::Deputy.session_expired(Some(now - 30 * 24 * hour), now));
        assert!(!Role::UnitOfficer.session_expired(Some(now - 13 * hour), now));
        assert!(Role::Deputy.session_expired(None, now));
        // A sign-in time from the future is not a way to live forever.
        assert!(Role::Deputy.session_expired(Some(now + 24 * hour), now));
    }
}
