//! Server-side plumbing shared by every server function: the state, and how an error becomes
//! an HTTP status.

use std::future::Future;

use axum::extract::FromRef;
use leptos::prelude::*;

use crate::error::AppError;
use crate::store::{media::MediaStore, Db};

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub media: MediaStore,
    pub leptos_options: LeptosOptions,
    pub public: PublicSettings,
    /// Rendered public site pages; emptied by every write to comments.
    pub pages: crate::public::cache::PageCache,
    /// Woken by each stored upload: the photo copier then makes its display copy and thumbnail.
    pub photo_copies: std::sync::Arc<tokio::sync::Notify>,
    /// Failed sign-ins and the password hasher's queue.
    pub sign_in: std::sync::Arc<crate::auth::ssr::SignInGate>,
}

/// The address a request comes from, as far as it can be known without believing the client
/// (the peer, or what a trusted proxy saw; IPv6 by its /64). Put in every request's extensions
/// by the server; `None` when it cannot be told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

/// The client address of the current server-function request.
pub async fn client_addr() -> Option<std::net::IpAddr> {
    leptos_axum::extract::<axum::Extension<ClientAddr>>()
        .await
        .ok()
        .and_then(|e| e.0 .0)
}

pub fn sign_in_gate() -> Result<std::sync::Arc<crate::auth::ssr::SignInGate>, AppError> {
    use_context::<AppState>().map(|s| s.sign_in).ok_or_else(|| {
        tracing::error!("AppState missing from context: use leptos_routes_with_context");
        AppError::internal()
    })
}

/// What the public channel needs from configuration.
#[derive(Clone, Debug)]
pub struct PublicSettings {
    /// The address QR codes point to (`JIANDU_PUBLIC_URL`), e.g. https://jiandu.example.cn.
    pub base_url: String,
    pub secret: crate::public::secret::Secret,
}

/// "Photo missing" in the reader's language (`en` or `zh-CN`), for the picture served in place
/// of a photo whose files are gone; outside any render, so not through the i18n context.
pub fn photo_lost_text(lang: &str) -> String {
    use crate::i18n::*;
    let locale = if lang == "en" {
        Locale::en
    } else {
        Locale::zh_CN
    };
    td_string!(locale, common.photo_lost).to_string()
}

pub fn page_cache() -> Result<crate::public::cache::PageCache, AppError> {
    use_context::<AppState>().map(|s| s.pages).ok_or_else(|| {
        tracing::error!("AppState missing from context: use leptos_routes_with_context");
        AppError::internal()
    })
}

pub fn public_settings() -> Result<PublicSettings, AppError> {
    use_context::<AppState>().map(|s| s.public).ok_or_else(|| {
        tracing::error!("AppState missing from context: use leptos_routes_with_context");
        AppError::internal()
    })
}

/// The Content-Security-Policy of a page: scripts only from this site and with this response's
/// nonce (Leptos puts it on its hydration and data scripts), WebAssembly compiled, images from
/// here and from the tile provider, nothing framing the page, forms posting only here. Inline
/// `style` attributes stay allowed: the maps position their layers with them, and a style cannot
/// run code.
pub fn page_policy(nonce: &str) -> String {
    let tiles = crate::map::provider_from_env()
        .and_then(|p| crate::map::tile_origin(&p.url))
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    // `cargo leptos watch` (a debug build) reloads the page over a websocket of its own.
    let reload = if cfg!(debug_assertions) { " ws:" } else { "" };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{tiles}; \
         connect-src 'self'{tiles}{reload}; worker-src 'self'; manifest-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The nonce a page's policy names (see [`page_policy`]).
pub fn policy_nonce(policy: &str) -> Option<&str> {
    let start = policy.find("'nonce-")? + "'nonce-".len();
    let len = policy[start..].find('\'')?;
    Some(&policy[start..start + len])
}

/// What everything that is not a page is served with (JSON, photos, files, the rate limiter's
/// short HTML): nothing runs, nothing loads, nothing frames it.
pub const RESOURCE_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox";

/// Sets this page's policy on the response, with the nonce of this render.
pub fn set_page_policy() {
    let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(v) = axum::http::HeaderValue::from_str(&page_policy(&nonce)) {
        res.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, v);
    }
}

/// Today in China (UTC+8): deadlines are calendar dates there, whatever the server's zone.
pub fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

pub fn db() -> Result<Db, AppError> {
    use_context::<AppState>().map(|s| s.db).ok_or_else(|| {
        tracing::error!("AppState missing from context: use leptos_routes_with_context");
        AppError::internal()
    })
}

/// Runs a server function body and turns its error into the matching HTTP status, so that API
/// clients and tests see 401/403/404/422 rather than a blanket 500.
pub async fn run<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = body.await;
    if let Err(e) = &result {
        if let Some(back) = back_with_error(e) {
            leptos_axum::redirect(&back);
            return result;
        }
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            let status = axum::http::StatusCode::from_u16(e.error.http_status())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
            res.set_status(status);
            if let Some(secs) = e.retry_after() {
                res.insert_header(axum::http::header::RETRY_AFTER, secs.into());
            }
        }
    }
    result
}

/// True when the request came from a plain HTML form (no JavaScript), which expects a redirect
/// rather than a JSON answer.
pub async fn is_plain_form_post() -> bool {
    leptos_axum::extract::<axum::http::HeaderMap>()
        .await
        .ok()
        .and_then(|h| {
            h.get(axum::http::header::ACCEPT)?
                .to_str()
                .ok()
                .map(str::to_owned)
        })
        .is_some_and(|a| a.contains("text/html"))
}

/// For a plain HTML form post (no JavaScript) that failed: the page it came from, with the error
/// in the query (`form_error`, `form_field`) so that the page can say what went wrong. Without
/// this the browser would show the JSON error, or the same page with no word of the failure.
fn back_with_error(e: &AppError) -> Option<String> {
    let parts = use_context::<axum::http::request::Parts>()?;
    if parts.method != axum::http::Method::POST || !parts.uri.path().starts_with("/api/") {
        return None;
    }
    let h = &parts.headers;
    let accepts_html = h
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if !accepts_html {
        return None;
    }
    let referer = h.get(axum::http::header::REFERER)?.to_str().ok()?;
    Some(with_error_query(referer, e))
}

/// Keeps only the path and query of `referer` (never another site) and sets the error params.
pub fn with_error_query(referer: &str, e: &AppError) -> String {
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path_q = match after_scheme.find('/') {
        Some(i) if referer.contains("://") => &after_scheme[i..],
        _ if referer.starts_with('/') => referer,
        _ => "/",
    };
    let path_q = path_q.split('#').next().unwrap_or("/");
    let (path, query) = path_q.split_once('?').unwrap_or((path_q, ""));
    // `//host` would leave the site; the target goes through the same rule as a sign-in's.
    let path = crate::auth::safe_next(Some(path));
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("form_error=") && !p.starts_with("form_field="))
        .collect();
    let code = serde_json::to_value(e.error)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "internal".into());
    let err = format!("form_error={code}");
    params.push(&err);
    let field = e
        .field()
        .filter(|f| {
            f.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        })
        .map(|f| format!("form_field={f}"));
    if let Some(f) = &field {
        params.push(f);
    }
    format!("{path}?{}", params.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn the_page_policy_names_its_nonce_and_runs_no_other_script() {
        let p = page_policy("abcDEF123_-xyz");
        assert_eq!(policy_nonce(&p), Some("abcDEF123_-xyz"));
        assert!(p.contains("script-src 'self' 'nonce-abcDEF123_-xyz' 'wasm-unsafe-eval';"));
        assert!(!p.contains(" 'unsafe-eval'"));
        assert!(!p.contains("script-src 'self' 'unsafe-inline'"));
        assert!(p.contains("frame-ancestors 'none'"));
        assert_eq!(policy_nonce(RESOURCE_POLICY), None);
    }

    #[test]
    fn error_query_stays_on_this_site_and_replaces_old_errors() {
        let e = AppError::new(ErrorCode::BadCredentials, "x");
        assert_eq!(
            with_error_query(
                "http://127.0.0.1:3000/login?next=/my/sites&form_error=forbidden#top",
                &e
            ),
            "/login?next=/my/sites&form_error=bad_credentials"
        );
        assert_eq!(
            with_error_query("https://evil.example", &e),
            "/?form_error=bad_credentials"
        );
        assert_eq!(
            with_error_query("http://127.0.0.1:3000//evil.example/x?a=1", &e),
            "/?a=1&form_error=bad_credentials"
        );
        let f = AppError::invalid("reason", "say why");
        assert_eq!(
            with_error_query("/staff/comments", &f),
            "/staff/comments?form_error=invalid&form_field=reason"
        );
    }
}
