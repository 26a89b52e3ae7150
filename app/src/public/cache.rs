//! Rendered public site pages, kept for a short while. A QR poster at a busy dining point, or a
//! link shared in a WeChat group, brings many readers of one page at once; each would otherwise
//! cost a render and four queries. Any write to comments empties the cache, so the figures and
//! the list are never older than the last moderation or post — the time-to-live only bounds how
//! late a change to the catalogue or the date shows.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;

/// The one part of the page that differs per reader: the comment form's one-time token.
pub const TOKEN_MARK: &str = "name=\"form_token\" value=\"";
const TOKEN_LEN: usize = 36;
const MAX_ENTRIES: usize = 4096;

#[derive(Clone)]
struct Entry {
    at: Instant,
    /// The page up to the token, and after it.
    head: Bytes,
    tail: Bytes,
}

#[derive(Clone)]
pub struct PageCache {
    inner: Arc<RwLock<HashMap<String, Entry>>>,
    ttl: Duration,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache").field("ttl", &self.ttl).finish()
    }
}

impl PageCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            inner: Arc::new(RwLock::new(HashMap::new())),
            ttl,
        }
    }

    /// The cached page for `key` with a fresh form token in it, if there is a fresh copy.
    pub fn get(&self, key: &str) -> Option<Bytes> {
        let map = self.inner.read().ok()?;
        let e = map.get(key)?;
        if e.at.elapsed() > self.ttl {
            return None;
        }
        let token = uuid::Uuid::now_v7().to_string();
        let mut out = Vec::with_capacity(e.head.len() + TOKEN_LEN + e.tail.len());
        out.extend_from_slice(&e.head);
        out.extend_from_slice(token.as_bytes());
        out.extend_from_slice(&e.tail);
        Some(Bytes::from(out))
    }

    /// Keeps a rendered page. A page without exactly one form token is not kept: serving it to
    /// two readers could merge their comments.
    pub fn put(&self, key: String, page: &[u8]) {
        let mut marks = page
            .windows(TOKEN_MARK.len())
            .enumerate()
            .filter(|(_, w)| *w == TOKEN_MARK.as_bytes())
            .map(|(i, _)| i);
        let (Some(at), None) = (marks.next(), marks.next()) else {
            return;
        };
        let start = at + TOKEN_MARK.len();
        let Some(token) = page.get(start..start + TOKEN_LEN) else {
            return;
        };
        if uuid::Uuid::try_parse_ascii(token).is_err() {
            return;
        }
        let entry = Entry {
            at: Instant::now(),
            head: Bytes::copy_from_slice(&page[..start]),
            tail: Bytes::copy_from_slice(&page[start + TOKEN_LEN..]),
        };
        if let Ok(mut map) = self.inner.write() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(key, entry);
        }
    }

    /// After any write to comments.
    pub fn clear(&self) {
        if let Ok(mut map) = self.inner.write() {
            map.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(token: &str) -> String {
        format!("<html><form><input type=\"hidden\" {TOKEN_MARK}{token}\" /></form></html>")
    }

    #[test]
    fn each_reader_gets_their_own_token() {
        let c = PageCache::new(Duration::from_secs(60));
        let t = uuid::Uuid::now_v7().to_string();
        c.put("/s/ABCDEFG|zh-CN".into(), page(&t).as_bytes());
        let a = String::from_utf8(c.get("/s/ABCDEFG|zh-CN").unwrap().to_vec()).unwrap();
        let b = String::from_utf8(c.get("/s/ABCDEFG|zh-CN").unwrap().to_vec()).unwrap();
        assert_ne!(a, b);
        assert!(!a.contains(&t));
        assert_eq!(a.len(), page(&t).len());
        assert!(c.get("/s/ABCDEFG|en").is_none());
        c.clear();
        assert!(c.get("/s/ABCDEFG|zh-CN").is_none());
    }

    #[test]
    fn pages_without_exactly_one_token_are_not_kept() {
        let c = PageCache::new(Duration::from_secs(60));
        c.put("none".into(), b"<html>no form</html>");
        assert!(c.get("none").is_none());
        let t = uuid::Uuid::now_v7().to_string();
        c.put("two".into(), format!("{}{}", page(&t), page(&t)).as_bytes());
        assert!(c.get("two").is_none());
        c.put(
            "bad".into(),
            page("not-a-uuid-at-all-but-36-chars-long!").as_bytes(),
        );
        assert!(c.get("bad").is_none());
    }

    #[test]
    fn stale_copies_are_not_served() {
        let c = PageCache::new(Duration::from_millis(0));
        let t = uuid::Uuid::now_v7().to_string();
        c.put("k".into(), page(&t).as_bytes());
        std::thread::sleep(Duration::from_millis(2));
        assert!(c.get("k").is_none());
    }
}
