//! Sign-in, sign-out, who is asking, and the server-side role guards.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::Role;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub deputy_id: Option<Uuid>,
}

/// What every page needs to know about the visitor, fetched once per page load.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: Option<CurrentUser>,
    pub demo: bool,
    /// Notifications the signed-in person has not read (0 when signed out).
    pub unread: i64,
}

/// Only a path on this site may follow a sign-in, so a crafted link cannot bounce a deputy's
/// fresh session to another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/my/sites")), "/my/sites");
        assert_eq!(safe_next(Some("/sites/1?x=2")), "/sites/1?x=2");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
