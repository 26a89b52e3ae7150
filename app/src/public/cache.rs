//! Rendered public pages (a site's, the year's plan), kept for a short while. A QR poster at a busy dining point, or a
//! link shared in a WeChat group, brings many readers of one page at once; each would otherwise
//! cost a render and four queries. Any write to comments empties the cache, so the figures and
//! the list are never older than the last moderation or post — the time-to-live only bounds how
//! late a change to the catalogue or the date shows.
//!
//! Only pages rendered for nobody in particular are kept (the caller checks that no one is signed
//! in), under keys from a small set (see [`site_page_key`]), and the whole cache is held under a
//! byte budget: a reader can neither see another's page nor grow the cache at will.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;

/// The parts of the page that differ per reader: the comment form's one-time token, and the
/// Content-Security-Policy nonce on its scripts (a nonce is only worth anything if each response
/// has its own).
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
///
/// The year's public plan is kept the same way: `/plan`, `/plan/{year}` with no query, and a
/// sub-item's sites `/plan/{year}/{project}-{number}` with at most `?page=N`.
pub fn site_page_key(path: &str, query: Option<&str>, lang: &str) -> Option<String> {
    if let Some(code) = path.strip_prefix("/s/") {
        let parsed = crate::domain::PublicCode::parse(code).ok()?;
        if parsed.as_str() != code {
            return None;
        }
    } else if path == "/plan" {
        query.is_none_or(str::is_empty).then_some(())?;
    } else {
        let rest = path.strip_prefix("/plan/")?;
        let (year, sub) = match rest.split_once('/') {
            Some((y, s)) => (y, Some(s)),
            None => (rest, None),
        };
        let y: i32 = year.parse().ok()?;
        if !(2000..=2100).contains(&y) || y.to_string() != year {
            return None;
        }
        match sub {
            None => query.is_none_or(str::is_empty).then_some(())?,
            Some(sub) => {
                let (p, n) = crate::public::plan::parse_sub_ref(sub)?;
                (format!("{p}-{n}") == sub).then_some(())?
            }
        }
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

/// What goes into a hole of a kept page for each reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hole {
    Token,
    Nonce,
}

#[derive(Clone)]
struct Entry {
    at: Instant,
    /// The page cut at its holes: `parts[i]`, then `holes[i]`, …, then the last part.
    parts: Vec<Bytes>,
    holes: Vec<Hole>,
}

impl Entry {
    fn bytes(&self, key: &str) -> usize {
        key.len() + self.parts.iter().map(Bytes::len).sum::<usize>()
    }
}

/// A page from the cache: its bytes with a fresh token, and the fresh nonce its scripts carry
/// (for the response's policy), if it has scripts.
pub struct CachedPage {
    pub body: Bytes,
    pub nonce: Option<String>,
}

/// A fresh nonce, as Leptos makes them: 16 random bytes, URL-safe base64.
pub fn fresh_nonce() -> String {
    let bytes = *uuid::Uuid::new_v4().as_bytes();
    let mut out = String::with_capacity(22);
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut acc = 0u32;
    let mut bits = 0;
    for b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(ABC[((acc >> bits) & 63) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ABC[((acc << (6 - bits)) & 63) as usize] as char);
    }
    out
}

#[derive(Default)]
struct Pages {
    map: HashMap<String, Entry>,
    bytes: usize,
    /// Counts the clears: a page whose render began before the last one is not kept.
    generation: u64,
}

#[derive(Clone)]
pub struct PageCache {
    inner: Arc<RwLock<Pages>>,
    /// When the cache was last emptied, in milliseconds since 1970: a page rendered from a
    /// replica must have been read from one that has everything written by then.
    cleared_at: Arc<AtomicI64>,
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
            cleared_at: Arc::new(AtomicI64::new(chrono::Utc::now().timestamp_millis())),
            ttl,
            max_bytes,
        }
    }

    /// Taken before a render and given to [`PageCache::put_rendered_at`]: a clear in between
    /// means the page may show what the clear was for.
    pub fn generation(&self) -> u64 {
        self.inner.read().map_or(0, |p| p.generation)
    }

    /// When the cache was last emptied (milliseconds since 1970; its creation at first).
    pub fn cleared_at(&self) -> i64 {
        self.cleared_at.load(Ordering::Acquire)
    }

    /// What the kept pages take, keys included.
    pub fn bytes(&self) -> usize {
        self.inner.read().map_or(0, |p| p.bytes)
    }

    /// The cached page for `key` with a fresh form token (and nonce) in it, if there is a fresh
    /// copy.
    pub fn get(&self, key: &str) -> Option<CachedPage> {
        let pages = self.inner.read().ok()?;
        let e = pages.map.get(key)?;
        if e.at.elapsed() > self.ttl {
            return None;
        }
        let token = uuid::Uuid::now_v7().to_string();
        let nonce = e.holes.contains(&Hole::Nonce).then(fresh_nonce);
        let mut out = Vec::with_capacity(e.bytes(key) + 64);
        for (i, part) in e.parts.iter().enumerate() {
            out.extend_from_slice(part);
            match e.holes.get(i) {
                Some(Hole::Token) => out.extend_from_slice(token.as_bytes()),
                Some(Hole::Nonce) => {
                    out.extend_from_slice(nonce.as_deref().unwrap_or("").as_bytes())
                }
                None => {}
            }
        }
        Some(CachedPage {
            body: Bytes::from(out),
            nonce,
        })
    }

    /// Keeps a rendered page whose scripts carry `nonce` (from its policy). A site page without
    /// exactly one form token is not kept: serving it to two readers could merge their
    /// comments. A plan page has no form, and one with a token in it is not kept either.
    pub fn put(&self, key: String, page: &[u8], nonce: Option<&str>) {
        self.put_rendered_at(self.generation(), key, page, nonce)
    }

    /// As [`PageCache::put`], for a page whose render began at `generation`: if the cache was
    /// emptied since, the page may have been read before the write that emptied it, and keeping
    /// it would bring that write's effect back for the time-to-live (a hidden comment, say).
    pub fn put_rendered_at(&self, generation: u64, key: String, page: &[u8], nonce: Option<&str>) {
        let mut marks = page
            .windows(TOKEN_MARK.len())
            .enumerate()
            .filter(|(_, w)| *w == TOKEN_MARK.as_bytes())
            .map(|(i, _)| i);
        let mut cuts = vec![];
        match (marks.next(), marks.next(), key.starts_with("/plan")) {
            (Some(at), None, false) => {
                let start = at + TOKEN_MARK.len();
                let Some(token) = page.get(start..start + TOKEN_LEN) else {
                    return;
                };
                if uuid::Uuid::try_parse_ascii(token).is_err() {
                    return;
                }
                cuts.push((start, TOKEN_LEN, Hole::Token));
            }
            (None, None, true) => {}
            _ => return,
        }
        if let Some(nonce) = nonce.filter(|n| n.len() >= 16) {
            let mark = format!("nonce=\"{nonce}\"");
            let mut from = 0;
            while let Some(i) = find(&page[from..], mark.as_bytes()) {
                cuts.push((from + i + 7, nonce.len(), Hole::Nonce));
                from += i + mark.len();
            }
        }
        cuts.sort_by_key(|c| c.0);
        let mut parts = Vec::with_capacity(cuts.len() + 1);
        let mut holes = Vec::with_capacity(cuts.len());
        let mut from = 0;
        for (at, len, hole) in cuts {
            parts.push(Bytes::copy_from_slice(&page[from..at]));
            holes.push(hole);
            from = at + len;
        }
        parts.push(Bytes::copy_from_slice(&page[from..]));
        let entry = Entry {
            at: Instant::now(),
            parts,
            holes,
        };
        let size = entry.bytes(&key);
        if size > self.max_bytes {
            return;
        }
        let Ok(mut pages) = self.inner.write() else {
            return;
        };
        if pages.generation != generation {
            return;
        }
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
            pages.generation += 1;
            self.cleared_at
                .store(chrono::Utc::now().timestamp_millis(), Ordering::Release);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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
        c.put("/s/ABCDEFG|zh-CN".into(), page(&t).as_bytes(), None);
        let a = String::from_utf8(c.get("/s/ABCDEFG|zh-CN").unwrap().body.to_vec()).unwrap();
        let b = String::from_utf8(c.get("/s/ABCDEFG|zh-CN").unwrap().body.to_vec()).unwrap();
        assert_ne!(a, b);
        assert!(!a.contains(&t));
        assert_eq!(a.len(), page(&t).len());
        assert!(c.get("/s/ABCDEFG|en").is_none());
        c.clear();
        assert!(c.get("/s/ABCDEFG|zh-CN").is_none());
    }

    #[test]
    fn a_page_whose_render_began_before_a_clear_is_not_kept() {
        let c = PageCache::new(Duration::from_secs(60), DEFAULT_MAX_BYTES);
        let t = uuid::Uuid::now_v7().to_string();
        let before = c.cleared_at();
        let began = c.generation();
        c.clear();
        assert!(c.cleared_at() >= before);
        c.put_rendered_at(began, "/s/ABCDEFG|zh-CN".into(), page(&t).as_bytes(), None);
        assert!(c.get("/s/ABCDEFG|zh-CN").is_none());
        c.put_rendered_at(
            c.generation(),
            "/s/ABCDEFG|zh-CN".into(),
            page(&t).as_bytes(),
            None,
        );
        assert!(c.get("/s/ABCDEFG|zh-CN").is_some());
    }

    #[test]
    fn pages_without_exactly_one_token_are_not_kept() {
        let c = PageCache::new(Duration::from_secs(60), DEFAULT_MAX_BYTES);
        c.put("none".into(), b"<html>no form</html>", None);
        assert!(c.get("none").is_none());
        let t = uuid::Uuid::now_v7().to_string();
        c.put(
            "two".into(),
            format!("{}{}", page(&t), page(&t)).as_bytes(),
            None,
        );
        assert!(c.get("two").is_none());
        c.put(
            "bad".into(),
            page("not-a-uuid-at-all-but-36-chars-long!").as_bytes(),
            None,
        );
        assert!(c.get("bad").is_none());
    }

    #[test]
    fn stale_copies_are_not_served() {
        let c = PageCache::new(Duration::from_millis(0), DEFAULT_MAX_BYTES);
        let t = uuid::Uuid::now_v7().to_string();
        c.put("k".into(), page(&t).as_bytes(), None);
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
            c.put(
                format!("/s/ABCDEFG?page={i}|zh-CN"),
                page(&t).as_bytes(),
                None,
            );
            assert!(c.bytes() <= budget, "{} > {budget} after {i}", c.bytes());
        }
        assert!(c.get("/s/ABCDEFG?page=999|zh-CN").is_some());
        // The same key again replaces, it does not add.
        let before = c.bytes();
        let t = uuid::Uuid::now_v7().to_string();
        c.put(
            "/s/ABCDEFG?page=999|zh-CN".into(),
            page(&t).as_bytes(),
            None,
        );
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

    #[test]
    fn a_plan_page_is_kept_without_a_token_and_a_site_page_only_with_one() {
        let c = PageCache::new(Duration::from_secs(30), DEFAULT_MAX_BYTES);
        c.put("/plan?|zh-CN".into(), b"<p>plan</p>", None);
        assert_eq!(&c.get("/plan?|zh-CN").unwrap().body[..], b"<p>plan</p>");
        c.put("/s/ABCDEFG?|zh-CN".into(), b"<p>no form</p>", None);
        assert!(c.get("/s/ABCDEFG?|zh-CN").is_none());
        let token = format!("{TOKEN_MARK}{}\"", uuid::Uuid::now_v7());
        c.put("/plan/2026?|zh-CN".into(), token.as_bytes(), None);
        assert!(c.get("/plan/2026?|zh-CN").is_none());
    }

    #[test]
    fn only_canonical_plan_pages_have_a_key() {
        for (path, q) in [
            ("/plan", None),
            ("/plan/2026", None),
            ("/plan/2026/3-2", None),
            ("/plan/2026/3-2", Some("page=4")),
        ] {
            assert!(site_page_key(path, q, "zh-CN").is_some(), "{path} {q:?}");
        }
        for (path, q) in [
            ("/plan", Some("page=1")),
            ("/plan/2026", Some("page=1")),
            ("/plan/02026", None),
            ("/plan/1999", None),
            ("/plan/abcd", None),
            ("/plan/2026/03-2", None),
            ("/plan/2026/3-2/", None),
            ("/plan/2026/3-2", Some("page=101")),
            ("/plan/2026/3-2", Some("x=1")),
            ("/planx", None),
        ] {
            assert_eq!(site_page_key(path, q, "zh-CN"), None, "{path} {q:?}");
        }
    }

    #[test]
    fn each_reader_gets_their_own_nonce_on_every_script() {
        let c = PageCache::new(Duration::from_secs(60), DEFAULT_MAX_BYTES);
        let t = uuid::Uuid::now_v7().to_string();
        let n = "Zm9vYmFyYmF6cXV4MTIzNA";
        let html = format!(
            "<script nonce=\"{n}\">a</script>{}<script nonce=\"{n}\">b</script>",
            page(&t)
        );
        c.put("k".into(), html.as_bytes(), Some(n));
        let got = c.get("k").unwrap();
        let fresh = got.nonce.expect("a nonce");
        assert_ne!(fresh, n);
        assert_eq!(fresh.len(), 22);
        let body = String::from_utf8(got.body.to_vec()).unwrap();
        assert!(!body.contains(n));
        assert_eq!(body.matches(&format!("nonce=\"{fresh}\"")).count(), 2);
        assert_ne!(c.get("k").unwrap().nonce.unwrap(), fresh);
        // A page without scripts has no nonce to give.
        c.put("plain".into(), page(&t).as_bytes(), Some(n));
        assert_eq!(c.get("plain").unwrap().nonce, None);
    }
}
