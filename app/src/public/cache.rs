//! Rendered public site pages, kept for a short while. A QR poster at a busy dining point, or a
//! link shared in a WeChat group, brings many readers of one page at once; each would otherwise
//! cost a render and four queries. Any write to comments empties the cache, so the figures and
//! the list are never older than the last moderation or post — the time-to-live only bounds how
//! late a change to the catalogue or the date shows.
//!
//! Only pages rendered for nobody in particular are kept (the caller checks that no one is signed
//! in), under keys from a small set (see [`site_page_key`]), and the whole cache is held under a
//! byte budget: a reader can neither see another's page nor grow the cache at will.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;

/// The one part of the page that differs per reader: the comment form's one-time token.
pub const TOKEN_MARK: &str = "name=\"form_token\" value=\"";
const TOKEN_LEN: usize = 36;
/// A site page is about 20–40 KB; 32 MiB holds every page a city's posters are read at in a
/// busy half minute, and is all a flood of distinct keys can take.
pub const DEFAULT_MAX_BYTES: usize = 32 * 1024 * 1024;
/// Comment pages beyond this are rendered for whoever asks but not kept.
pub const MAX_CACHED_PAGE: u32 = 100;

/// The cache key of a public site page request, or `None` when the request is not one of the
/// shapes kept: `/s/{CODE}` with the code as printed and at most `?page=N` (N ≤
/// [`MAX_CACHED_PAGE`], no leading zero). Everything else in the path or query is echoed into
/// the page (the language link carries it), so any other shape would be a key per request.
pub fn site_page_key(path: &str, query: Option<&str>, lang: &str) -> Option<String> {
    let code = path.strip_prefix("/s/")?;
    let parsed = crate::domain::PublicCode::parse(code).ok()?;
    if parsed.as_str() != code {
        return None;
    }
    match query {
        None | Some("") => {}
        Some(q) => {
            let n = q.strip_prefix("page=")?;
            let page: u32 = n.parse().ok()?;
            if page > MAX_CACHED_PAGE || page.to_string() != n {
                return None;
            }
        }
    }
    Some(format!("{path}?{}|{lang}", query.unwrap_or_default()))
}

#[derive(Clone)]
struct Entry {
    at: Instant,
    /// The page up to the token, and after it.
    head: Bytes,
    tail: Bytes,
}

impl Entry {
    fn bytes(&self, key: &str) -> usize {
        key.len() + self.head.len() + self.tail.len()
    }
}

#[derive(Default)]
struct Pages {
    map: HashMap<String, Entry>,
    bytes: usize,
}

#[derive(Clone)]
pub struct PageCache {
    inner: Arc<RwLock<Pages>>,
    ttl: Duration,
    max_bytes: usize,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache").field("ttl", &self.ttl).finish()
    }
}

impl PageCache {
    pub fn new(ttl: Duration, max_bytes: usize) -> Self {
        Self {
            inner: Arc::new(RwLock::new(Pages::default())),
            ttl,
            max_bytes,
        }
    }

    /// What the kept pages take, keys included.
    pub fn bytes(&self) -> usize {
        self.inner.read().map_or(0, |p| p.bytes)
    }

    /// The cached page for `key` with a fresh form token in it, if there is a fresh copy.
    pub fn get(&self, key: &str) -> Option<Bytes> {
        let pages = self.inner.read().ok()?;
        let e = pages.map.get(key)?;
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
        let size = entry.bytes(&key);
        if size > self.max_bytes {
            return;
        }
        let Ok(mut pages) = self.inner.write() else {
            return;
        };
        if let Some(old) = pages.map.remove(&key) {
            pages.bytes -= old.bytes(&key);
        }
        if pages.bytes + size > self.max_bytes {
            // Stale pages go first; if fresh ones alone fill the budget, all go (a flood of
            // distinct pages is not worth keeping page by page).
            let ttl = self.ttl;
            pages.map.retain(|_, e| e.at.elapsed() <= ttl);
            pages.bytes = pages.map.iter().map(|(k, e)| e.bytes(k)).sum();
            if pages.bytes + size > self.max_bytes {
                pages.map.clear();
                pages.bytes = 0;
            }
        }
        pages.bytes += size;
        pages.map.insert(key, entry);
    }

    /// After any write to comments.
    pub fn clear(&self) {
        if let Ok(mut pages) = self.inner.write() {
            pages.map.clear();
            pages.bytes = 0;
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
        let c = PageCache::new(Duration::from_secs(60), DEFAULT_MAX_BYTES);
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
        let c = PageCache::new(Duration::from_secs(60), DEFAULT_MAX_BYTES);
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
        let c = PageCache::new(Duration::from_millis(0), DEFAULT_MAX_BYTES);
        let t = uuid::Uuid::now_v7().to_string();
        c.put("k".into(), page(&t).as_bytes());
        std::thread::sleep(Duration::from_millis(2));
        assert!(c.get("k").is_none());
    }

    #[test]
    fn the_cache_stays_under_its_byte_budget() {
        let page_bytes = page(&uuid::Uuid::now_v7().to_string()).len();
        let budget = 10 * (page_bytes + 40);
        let c = PageCache::new(Duration::from_secs(60), budget);
        for i in 0..1000 {
            let t = uuid::Uuid::now_v7().to_string();
            c.put(format!("/s/ABCDEFG?page={i}|zh-CN"), page(&t).as_bytes());
            assert!(c.bytes() <= budget, "{} > {budget} after {i}", c.bytes());
        }
        assert!(c.get("/s/ABCDEFG?page=999|zh-CN").is_some());
        // The same key again replaces, it does not add.
        let before = c.bytes();
        let t = uuid::Uuid::now_v7().to_string();
        c.put("/s/ABCDEFG?page=999|zh-CN".into(), page(&t).as_bytes());
        assert_eq!(c.bytes(), before);
        c.clear();
        assert_eq!(c.bytes(), 0);
    }

    #[test]
    fn only_canonical_site_pages_have_a_key() {
        let path = "/s/ABCDEFG";
        assert!(site_page_key(path, None, "zh-CN").is_some());
        assert!(site_page_key(path, Some("page=3"), "en").is_some());
        assert_ne!(
            site_page_key(path, None, "zh-CN"),
            site_page_key(path, None, "en")
        );
        for q in [
            "page=03",
            "page=101",
            "page=1&x=1",
            "x=1",
            "page=",
            "page=-1",
        ] {
            assert_eq!(site_page_key(path, Some(q), "zh-CN"), None, "{q}");
        }
        assert_eq!(site_page_key(&path.to_lowercase(), None, "zh-CN"), None);
        assert_eq!(site_page_key("/s/", None, "zh-CN"), None);
        assert_eq!(site_page_key("/projects", None, "zh-CN"), None);
    }
}
