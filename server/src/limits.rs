//! Rate limits that every app server on the database counts together.
//!
//! With one process, an in-memory limiter was enough; behind a load balancer, N servers each
//! counting alone allowed N times the rate, and their keys never expired. The counts now live
//! in PostgreSQL (`store::rates`: one unlogged row per key, one statement per check) rather
//! than Redis: every server already holds a pool to the primary, an operator runs one service
//! fewer, and a limited request is one that costs a query anyway (a comment, an uncached page,
//! a receipt, a device batch). The limiter answers before the request's body is read.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use app::{
    domain::PublicCode,
    store::{rates::Rate, Db},
};
use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderValue, Response as HttpResponse, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The database the limits are counted in, put on every request by the router.
#[derive(Clone, Debug)]
pub struct Counts(pub Db);

/// What a limit is keyed on.
#[derive(Clone, Debug)]
pub enum KeyBy {
    /// The client's address, as [`ClientKey`] finds it behind trusted proxies.
    Client(ClientKey),
    /// The site code in `/s/{code}/…`: a crowd at one poster shares it. Anything that is not a
    /// well-formed code shares the empty key (it is answered 404 anyway).
    Site,
}

/// One named limit: `rate` per key. Limits of the same name on several servers are one limit.
#[derive(Clone, Debug)]
pub struct Limit {
    name: &'static str,
    rate: Rate,
    by: KeyBy,
    refused: std::sync::Arc<Refusals>,
}

/// Keys this server was told to refuse, until when. Sound across servers: no server's request
/// can move a key's time back, so a key refused until `t` is refused everywhere until `t`. A
/// client that goes on sending after its refusal is answered here, without a statement.
#[derive(Debug, Default)]
pub struct Refusals {
    until: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
}

/// At most this many remembered refusals per limit: past it, expired ones are dropped, and
/// while it is still full new refusals are only counted in the database.
const MAX_REMEMBERED: usize = 65_536;

impl Refusals {
    /// How long `key` is still refused, if this server knows.
    pub fn wait(&self, key: &str, now: std::time::Instant) -> Option<Duration> {
        let map = self.until.lock().ok()?;
        map.get(key)
            .and_then(|t| t.checked_duration_since(now))
            .filter(|d| !d.is_zero())
    }

    pub fn remember(&self, key: String, until: std::time::Instant, now: std::time::Instant) {
        let Ok(mut map) = self.until.lock() else {
            return;
        };
        if map.len() >= MAX_REMEMBERED {
            map.retain(|_, t| *t > now);
        }
        if map.len() < MAX_REMEMBERED {
            map.insert(key, until);
        }
    }

    pub fn len(&self) -> usize {
        self.until.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Limit {
    /// No limit when `period` is zero (a configuration of "no pause" means none, not no site).
    pub fn new(name: &'static str, by: KeyBy, burst: u32, period: Duration) -> Option<Self> {
        (!period.is_zero()).then_some(Self {
            name,
            rate: Rate {
                burst: burst.max(1),
                period,
            },
            by,
            refused: Default::default(),
        })
    }

    fn key<T>(&self, req: &axum::http::Request<T>) -> Option<String> {
        let key = match &self.by {
            KeyBy::Client(k) => k.of(req)?.to_string(),
            KeyBy::Site => {
                let code = req.uri().path().split('/').nth(2).unwrap_or_default();
                PublicCode::parse(code)
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_default()
            }
        };
        Some(format!("{}:{key}", self.name))
    }

    /// Counts `req`: `None` lets it through, `Some` is the refusal to send. What it needs of
    /// the request is read before the count is awaited, so the future does not hold the request
    /// (whose body is not `Sync`).
    pub fn check<T>(
        &self,
        req: &axum::http::Request<T>,
    ) -> impl std::future::Future<Output = Option<Response>> + Send + 'static {
        let name = self.name;
        let rate = self.rate;
        let refused = self.refused.clone();
        let db = req.extensions().get::<Counts>().map(|c| c.0.clone());
        let key = self.key(req);
        async move {
            let Some(db) = db else {
                tracing::error!(limit = name, "no rate counts on the request; not limited");
                return None;
            };
            let Some(key) = key else {
                tracing::error!(limit = name, "rate limit could not key the request");
                return Some(internal_error());
            };
            let now = std::time::Instant::now();
            if let Some(wait) = refused.wait(&key, now) {
                return Some(too_many(wait));
            }
            match db.take_rate(&key, rate).await {
                Ok(None) => None,
                Ok(Some(wait)) => {
                    refused.remember(key, now + wait, now);
                    Some(too_many(wait))
                }
                // Unlimited while the database cannot count would be a flood's way past the
                // limit (a full pool is what a flood makes); the request needs the database
                // next anyway.
                Err(e) => {
                    tracing::warn!(limit = name, error = %e.message, "rate not counted; refused");
                    Some(busy())
                }
            }
        }
    }
}

/// The middleware of a route's limit (`route.layer(from_fn_with_state(limit, enforce))`).
pub async fn enforce(State(limit): State<Limit>, req: Request, next: Next) -> Response {
    match limit.check(&req).await {
        Some(refused) => refused.into_response(),
        None => next.run(req).await,
    }
}

/// Lays `limit` on a route, or nothing when there is none.
pub fn on<R>(route: R, limit: Option<Limit>) -> R
where
    R: Layered,
{
    match limit {
        Some(l) => route.limited(l),
        None => route,
    }
}

/// A route or router a limit can be laid on.
pub trait Layered: Sized {
    fn limited(self, limit: Limit) -> Self;
}

impl<S: Clone + Send + Sync + 'static> Layered for axum::routing::MethodRouter<S> {
    fn limited(self, limit: Limit) -> Self {
        self.layer(axum::middleware::from_fn_with_state(limit, enforce))
    }
}

impl<S: Clone + Send + Sync + 'static> Layered for axum::Router<S> {
    fn limited(self, limit: Limit) -> Self {
        self.layer(axum::middleware::from_fn_with_state(limit, enforce))
    }
}

/// The client a request comes from, as far as it can be known without trusting the client:
/// the peer address, or the address the trusted proxy saw. IPv6 clients are keyed by their /64,
/// since one phone can take any address in it.
#[derive(Clone, Debug)]
pub struct ClientKey {
    trusted: Arc<Vec<IpAddr>>,
}

impl ClientKey {
    pub fn new(trusted_proxies: Vec<IpAddr>) -> Self {
        Self {
            trusted: Arc::new(trusted_proxies),
        }
    }

    pub fn of<T>(&self, req: &axum::http::Request<T>) -> Option<IpAddr> {
        let peer = req
            .extensions()
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())?;
        let ip = if self.trusted.contains(&peer) {
            // The right-most address not added by one of our own proxies is the client.
            req.headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|s| s.trim().parse::<IpAddr>().ok())
                .rev()
                .find(|ip| !self.trusted.contains(ip))
                .unwrap_or(peer)
        } else {
            peer
        };
        Some(match ip {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
            v4 => v4,
        })
    }
}

/// Said in both languages: the limiter answers before the request is read, so it does not know
/// which one the person reads.
pub(crate) fn too_many(wait: Duration) -> HttpResponse<Body> {
    // Whole seconds, rounded up: "0 seconds" would invite an immediate retry that fails again.
    let wait = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
    let html = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>请稍后再试</title>\
         <main style=\"font:16px/1.6 sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem\">\
         <h1 data-error=\"TooManyRequests\">提交太频繁了</h1>\
         <p>为防止刷屏，同一网络的提交有次数限制。请 {wait} 秒后返回上一页再提交，您填写的内容请先复制保存。</p>\
         <p lang=\"en\">Too many submissions from this network. Please go back and send again in {wait} seconds; copy what you wrote first.</p>\
         </main></html>"
    );
    let mut res = (StatusCode::TOO_MANY_REQUESTS, axum::response::Html(html)).into_response();
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    // The limiter answers before the request body is read. Closing the connection keeps a client
    // that goes on sending (or reuses the connection) from having its next request read as the
    // rest of this body — which left the next request hanging.
    res.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}

/// The rate limits could not be counted (the database is busy or away): try again shortly, in
/// both languages as the 429 page.
pub(crate) fn busy() -> HttpResponse<Body> {
    let html = "<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>服务器繁忙</title>\
         <main style=\"font:16px/1.6 sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem\">\
         <h1 data-error=\"Unavailable\">服务器繁忙</h1>\
         <p>请 5 秒后返回上一页再试，您填写的内容请先复制保存。</p>\
         <p lang=\"en\">The server is busy. Please go back and try again in 5 seconds; copy what you wrote first.</p>\
         </main></html>";
    let mut res = (StatusCode::SERVICE_UNAVAILABLE, axum::response::Html(html)).into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    res.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}

/// The answer to a request that cannot be handled for a reason of the server's own.
pub(crate) fn internal_error() -> HttpResponse<Body> {
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(path: &str) -> axum::http::Request<()> {
        let mut r = axum::http::Request::builder()
            .uri(path)
            .body(())
            .expect("a request");
        let addr: std::net::SocketAddr = "203.0.113.9:1234".parse().expect("an address");
        r.extensions_mut().insert(axum::extract::ConnectInfo(addr));
        r
    }

    #[test]
    fn keys_are_named_and_a_site_is_its_code() {
        let site =
            Limit::new("comment-site", KeyBy::Site, 30, Duration::from_secs(10)).expect("a limit");
        assert_eq!(
            site.key(&req("/s/ABCDEFG/comment")).as_deref(),
            Some("comment-site:ABCDEFG")
        );
        assert_eq!(
            site.key(&req("/s/not-a-code-at-all/comment")).as_deref(),
            Some("comment-site:")
        );
        let client = Limit::new(
            "read",
            KeyBy::Client(ClientKey::new(vec![])),
            5,
            Duration::from_secs(1),
        )
        .expect("a limit");
        assert_eq!(
            client.key(&req("/plan")).as_deref(),
            Some("read:203.0.113.9")
        );
        // No pause between requests configured: no limit, as before.
        assert!(Limit::new("read", KeyBy::Site, 5, Duration::ZERO).is_none());
    }

    #[test]
    fn refusals_are_remembered_until_they_end_and_bounded() {
        let r = Refusals::default();
        let now = std::time::Instant::now();
        r.remember("comment:a".into(), now + Duration::from_secs(30), now);
        assert_eq!(r.wait("comment:a", now), Some(Duration::from_secs(30)));
        assert_eq!(r.wait("comment:a", now + Duration::from_secs(30)), None);
        assert_eq!(r.wait("comment:b", now), None);
        for i in 0..MAX_REMEMBERED + 10 {
            r.remember(format!("k{i}"), now + Duration::from_secs(1), now);
        }
        assert_eq!(r.len(), MAX_REMEMBERED);
        // Once those have ended, room is made by dropping them; a refusal still running stays.
        let later = now + Duration::from_secs(2);
        r.remember("comment:c".into(), later + Duration::from_secs(5), later);
        assert_eq!(r.len(), 2);
        assert!(r.wait("comment:a", later).is_some());
        assert!(r.wait("comment:c", later).is_some());
    }
}

#[cfg(test)]
mod client_key_tests {
    use super::*;

    fn req(peer: &str, xff: Option<&str>) -> axum::http::Request<()> {
        let mut r = axum::http::Request::builder().uri("/s/ABCDEFG/comment");
        if let Some(x) = xff {
            r = r.header("x-forwarded-for", x);
        }
        let mut r = r.body(()).unwrap();
        let addr: SocketAddr = format!("{peer}:1234").parse().unwrap();
        r.extensions_mut().insert(axum::extract::ConnectInfo(addr));
        r
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let key = ClientKey::new(vec!["10.0.0.1".parse().unwrap()]);
        // From a client directly: its own header is ignored.
        assert_eq!(
            key.of(&req("203.0.113.9", Some("1.2.3.4"))),
            Some("203.0.113.9".parse().unwrap())
        );
        // Through the proxy: the right-most address the proxy did not add itself.
        assert_eq!(
            key.of(&req("10.0.0.1", Some("1.2.3.4, 198.51.100.7"))),
            Some("198.51.100.7".parse().unwrap())
        );
        assert_eq!(
            key.of(&req("10.0.0.1", None)),
            Some("10.0.0.1".parse().unwrap())
        );
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64() {
        let key = ClientKey::new(vec![]);
        let a = key.of(&req("[2001:db8:1:2::5]", None));
        let b = key.of(&req("[2001:db8:1:2:ffff::9]", None));
        assert_eq!(a, b);
        assert_ne!(a, key.of(&req("[2001:db8:1:3::5]", None)));
    }
}
