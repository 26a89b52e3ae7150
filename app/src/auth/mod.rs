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

/// Bytes a redirect target keeps percent-encoded: controls (a TAB or CR/LF would be dropped by
/// the browser's URL parser, turning `/\t/evil.example` into `//evil.example`, or break the
/// header), the space, the backslash browsers read as `/`, and everything outside ASCII.
const NEXT_ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b' ').add(b'\\');

/// Only a path on this site may follow a sign-in or a language switch, so a crafted link cannot
/// bounce a deputy's fresh session to another site. What is kept is a valid header value.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else {
        return "/".to_owned();
    };
    let encoded = percent_encoding::utf8_percent_encode(n, NEXT_ESCAPED).to_string();
    if encoded.starts_with('/') && !encoded.starts_with("//") {
        encoded
    } else {
        "/".to_owned()
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
            "javascript:alert(1)",
            "",
            "\\/evil.example",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
        // What a browser's URL parser would strip or fold stays encoded, on this site.
        assert_eq!(safe_next(Some("/\t/evil.example")), "/%09/evil.example");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/%0A/evil.example");
        assert_eq!(safe_next(Some("/ /evil.example")), "/%20/evil.example");
        assert_eq!(safe_next(Some("/\\evil.example")), "/%5Cevil.example");
        assert_eq!(
            safe_next(Some("/x\r\nSet-Cookie: a=b")),
            "/x%0D%0ASet-Cookie:%20a=b"
        );
        assert_eq!(
            safe_next(Some("/items?q=电梯")),
            "/items?q=%E7%94%B5%E6%A2%AF"
        );
    }

    proptest::proptest! {
        /// Whatever comes in, what goes out is a path on this site that a header can carry.
        #[test]
        fn next_is_always_a_local_header_safe_path(s in "(?s).{0,40}") {
            let n = safe_next(Some(&s));
            proptest::prop_assert!(n.starts_with('/') && !n.starts_with("//"));
            proptest::prop_assert!(n.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'\\'));
        }
    }
}
