//! Prometheus metrics at `GET /metrics`: requests by route, method and status, their latency,
//! the phones' outbox records acknowledged, the photo copier's queue and the database pool.
//!
//! `prometheus-client` (the Prometheus project's own Rust client) with a registry per server
//! rather than a process-wide recorder: a test process runs many servers side by side. The
//! endpoint answers only with `JIANDU_METRICS_TOKEN` as a bearer token (Prometheus'
//! `authorization` setting), and is not there at all without one: behind a proxy every request
//! comes from the proxy's address, so an address check would let the internet in.

use std::sync::Arc;
use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Extension,
};
use prometheus_client::{
    encoding::{text::encode, EncodeLabelSet},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{exponential_buckets, Histogram},
    },
    registry::Registry,
};

use app::ssr::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Answered {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Kind {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolState {
    state: String,
}

fn latency_buckets() -> Histogram {
    // 1 ms to about 33 s, doubling.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// One server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<Answered, Counter>,
    latency: Family<Route, Histogram, fn() -> Histogram>,
    acknowledged: Family<Kind, Counter>,
    copies_waiting: Gauge,
    pool: Family<PoolState, Gauge>,
    replica_lag: Gauge<f64, std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("jiandu");
        let requests = Family::<Answered, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by method, matched route and status",
            requests.clone(),
        );
        let latency =
            Family::<Route, Histogram, fn() -> Histogram>::new_with_constructor(latency_buckets);
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's head to its answer's head, by matched route",
            latency.clone(),
        );
        let acknowledged = Family::<Kind, Counter>::default();
        registry.register(
            "outbox_acknowledged",
            "Records from the phones' outboxes acknowledged (stored, or found already stored)",
            acknowledged.clone(),
        );
        let copies_waiting = Gauge::default();
        registry.register(
            "photo_copies_waiting",
            "Photos whose display copy and thumbnail are still to be made (all servers)",
            copies_waiting.clone(),
        );
        let pool = Family::<PoolState, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "This server's database connections, idle or in use",
            pool.clone(),
        );
        let replica_lag = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register(
            "replica_lag_seconds",
            "How far the read replica is behind the primary: -1 without one, +Inf while not known (reads then go to the primary)",
            replica_lag.clone(),
        );
        Metrics {
            replica_lag,
            registry,
            requests,
            latency,
            acknowledged,
            copies_waiting,
            pool,
        }
    }
}

/// The method as a label: a client may send any token as a method, and each would be a series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The outbox record a route takes from a phone, if it is one of them.
fn outbox_kind(route: &str) -> Option<&'static str> {
    match route {
        "/api/v1/photos/{sha256}" => Some("photo"),
        "/api/v1/observations/{id}" => Some("observation"),
        "/api/v1/items/{item}/answers/{id}" => Some("answer"),
        "/api/v1/sub-items/{sub_item}/progress/{id}" => Some("progress"),
        "/api/v1/inspections/{inspection}/check-ins/{id}" => Some("check-in"),
        _ => None,
    }
}

impl Metrics {
    fn answered(&self, method: &Method, route: &str, status: StatusCode, seconds: f64) {
        self.requests
            .get_or_create(&Answered {
                method: method_label(method).to_owned(),
                route: route.to_owned(),
                status: status.as_u16().to_string(),
            })
            .inc();
        self.latency
            .get_or_create(&Route {
                route: route.to_owned(),
            })
            .observe(seconds);
        if *method == Method::PUT && status.is_success() {
            if let Some(kind) = outbox_kind(route) {
                self.acknowledged
                    .get_or_create(&Kind {
                        kind: kind.to_owned(),
                    })
                    .inc();
            }
        }
    }

    /// The exposition text, with the gauges read now.
    async fn render(&self, state: &AppState) -> Result<String, std::fmt::Error> {
        let pool = &state.db.pool;
        let idle = i64::try_from(pool.num_idle()).unwrap_or(i64::MAX);
        let open = i64::from(pool.size());
        for (s, n) in [("idle", idle), ("in_use", (open - idle).max(0))] {
            self.pool
                .get_or_create(&PoolState {
                    state: s.to_owned(),
                })
                .set(n);
        }
        self.replica_lag
            .set(state.db.replica_lag().map_or(-1.0, |lag| {
                if lag == std::time::Duration::MAX {
                    f64::INFINITY
                } else {
                    lag.as_secs_f64()
                }
            }));
        match state.db.photo_copies_waiting().await {
            Ok(n) => {
                self.copies_waiting.set(n);
            }
            Err(e) => tracing::warn!(error = %e.message, "photo copies waiting not counted"),
        }
        let mut text = String::new();
        encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// Counts every answer under its matched route (`-` for none: a path nothing serves), never its
/// path, so the series stay as few as the routes.
pub async fn record(
    Extension(metrics): Extension<Arc<Metrics>>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "-".to_owned(), |m| m.as_str().to_owned());
    let res = next.run(req).await;
    metrics.answered(
        &method,
        &route,
        res.status(),
        started.elapsed().as_secs_f64(),
    );
    res
}

/// The token `GET /metrics` asks for (`JIANDU_METRICS_TOKEN`), kept where the handler finds it.
#[derive(Clone, Debug)]
pub struct MetricsToken(pub Option<Arc<str>>);

fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    use sha2::{Digest, Sha256};
    // Digests compared, so the time taken says nothing of how much of the token was right.
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| Sha256::digest(given.as_bytes()) == Sha256::digest(token.as_bytes()))
}

/// `GET /metrics`: 404 where no token is set, 401 without it.
pub async fn endpoint(
    State(state): State<AppState>,
    Extension(metrics): Extension<Arc<Metrics>>,
    Extension(token): Extension<MetricsToken>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = token.0 else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !bearer_matches(&headers, &token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "metrics need the bearer token set in JIANDU_METRICS_TOKEN",
        )
            .into_response();
    }
    match metrics.render(&state).await {
        Ok(text) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            text,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_stay_few_whatever_a_client_sends() {
        assert_eq!(method_label(&Method::GET), "GET");
        let odd = Method::from_bytes(b"BREW").expect("a method");
        assert_eq!(method_label(&odd), "other");
        assert_eq!(
            outbox_kind("/api/v1/observations/{id}"),
            Some("observation")
        );
        assert_eq!(outbox_kind("/s/{code}"), None);
    }

    #[test]
    fn answers_are_counted_by_route_and_outbox_records_by_kind() {
        let m = Metrics::default();
        m.answered(
            &Method::PUT,
            "/api/v1/photos/{sha256}",
            StatusCode::OK,
            0.02,
        );
        m.answered(
            &Method::PUT,
            "/api/v1/photos/{sha256}",
            StatusCode::UNPROCESSABLE_ENTITY,
            0.01,
        );
        m.answered(&Method::GET, "/healthz", StatusCode::OK, 0.0005);
        let mut text = String::new();
        encode(&mut text, &m.registry).expect("encoded");
        assert!(text.contains(
            r#"jiandu_http_requests_total{method="PUT",route="/api/v1/photos/{sha256}",status="200"} 1"#
        ), "{text}");
        assert!(
            text.contains(r#"jiandu_outbox_acknowledged_total{kind="photo"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(
                r#"jiandu_http_request_duration_seconds_count{route="/api/v1/photos/{sha256}"} 2"#
            ),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn only_the_configured_bearer_token_opens_the_metrics() {
        let mut h = HeaderMap::new();
        assert!(!bearer_matches(&h, "s3cret-token"));
        h.insert(
            header::AUTHORIZATION,
            "Bearer wrong".parse().expect("value"),
        );
        assert!(!bearer_matches(&h, "s3cret-token"));
        h.insert(
            header::AUTHORIZATION,
            "Bearer s3cret-token".parse().expect("value"),
        );
        assert!(bearer_matches(&h, "s3cret-token"));
    }
}
