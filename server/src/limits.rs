//! Rate limits that every app server on the database counts together.
//!
//! With one process, an in-memory limiter was enough; behind a load balancer, N servers each
//! counting alone allowed N times the rate, and their keys never expired. The counts now live
//! in PostgreSQL (`store::rates`: one unlogged row per key, one statement per check) rather
//! than Redis: every server already holds a pool to the primary, an operator runs one service
//! fewer, and a limited request is one that costs a query anyway (a comment, an uncached page,
//! a receipt, a device batch). The limiter answers before the request's body is read.

use std::time::Duration;

use app::{
    domain::PublicCode,
    store::{rates::Rate, Db},
};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::public::ClientKey;

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
                return Some(crate::public::internal_error());
            };
            let now = std::time::Instant::now();
            if let Some(wait) = refused.wait(&key, now) {
                return Some(crate::public::too_many(wait));
            }
            match db.take_rate(&key, rate).await {
                Ok(None) => None,
                Ok(Some(wait)) => {
                    refused.remember(key, now + wait, now);
                    Some(crate::public::too_many(wait))
                }
                // Unlimited while the database cannot count would be a flood's way past the
                // limit (a full pool is what a flood makes); the request needs the database
                // next anyway.
                Err(e) => {
                    tracing::warn!(limit = name, error = %e.message, "rate not counted; refused");
                    Some(crate::public::busy())
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
