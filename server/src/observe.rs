//! What an operator reads of a running server: its log (plain text, or one JSON object a line
//! for a collector) and a request id on every line written while a request is served, echoed in
//! the response's `x-request-id` so a person's report of a failed page leads to its lines.

use std::time::Duration;

use axum::{
    extract::{MatchedPath, Request},
    http::{HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
    Router,
};
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};
use tracing_subscriber::EnvFilter;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The log's format, from `JIANDU_LOG_FORMAT`: `text` (the default) or `json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        match value.map(str::trim) {
            None | Some("") | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(format!(
                "JIANDU_LOG_FORMAT is {other:?}: it must be text or json"
            )),
        }
    }
}

/// Starts the log: `RUST_LOG` chooses what is written (default `info,sqlx=warn`),
/// `JIANDU_LOG_FORMAT` how.
pub fn init_logging() -> anyhow::Result<()> {
    let format = LogFormat::parse(std::env::var("JIANDU_LOG_FORMAT").ok().as_deref())
        .map_err(anyhow::Error::msg)?;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let log = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => log.init(),
        // Each line one object; the request's span (its id, method and route) rides on every
        // line written inside it.
        LogFormat::Json => log
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    Ok(())
}

/// A request id a client or proxy sent is kept when it is a plain token (nginx's
/// `$request_id`, a UUID); anything else is replaced, so a stranger cannot write into the log.
fn acceptable_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (1..=64).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

async fn drop_unfit_request_id(mut req: Request, next: Next) -> Response {
    if req
        .headers()
        .get(&REQUEST_ID)
        .is_some_and(|v| !acceptable_id(v))
    {
        req.headers_mut().remove(&REQUEST_ID);
    }
    next.run(req).await
}

/// Gives every request an id, a span carrying it, and one line when it is answered (at `info`,
/// or `error` for a 5xx), and echoes the id in the response. The route is the pattern matched
/// (`/r/{code}`), never the path: a receipt's code is a secret.
pub fn with_request_ids(router: Router) -> Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request| {
            let id = req
                .headers()
                .get(&REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map_or("-", MatchedPath::as_str);
            // At the error level so that it exists whatever the filter keeps: a warning or an
            // error written during the request must carry its id.
            tracing::error_span!("request", request_id = %id, method = %req.method(), route = %route)
        })
        .on_request(())
        .on_response(|res: &Response, latency: Duration, _: &tracing::Span| {
            let status = res.status().as_u16();
            let ms = latency.as_secs_f64() * 1000.0;
            if res.status().is_server_error() {
                tracing::error!(target: "jiandu::access", status, ms, "answered");
            } else {
                tracing::info!(target: "jiandu::access", status, ms, "answered");
            }
        })
        .on_failure(());
    router
        .layer(trace)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(axum::middleware::from_fn(drop_unfit_request_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_id_is_kept_only_as_a_plain_token() {
        for ok in ["4f6c1a2e-0d1b-4c4e-9a4b-2f1c3d4e5f60", "abc.DEF_12-3"] {
            assert!(acceptable_id(&HeaderValue::from_static(ok)), "{ok}");
        }
        let long = "a".repeat(65);
        for bad in ["", "a b", "x\"}{\"level\":\"ERROR", long.as_str(), "中"] {
            let v = HeaderValue::from_bytes(bad.as_bytes()).expect("a header value");
            assert!(!acceptable_id(&v), "{bad}");
        }
    }

    #[test]
    fn the_log_format_is_text_or_json() {
        assert_eq!(LogFormat::parse(None), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some("json")), Ok(LogFormat::Json));
        assert_eq!(LogFormat::parse(Some(" text ")), Ok(LogFormat::Text));
        assert!(LogFormat::parse(Some("yaml"))
            .unwrap_err()
            .contains("text or json"));
    }
}
