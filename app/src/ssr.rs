//! Server-side plumbing shared by every server function: the state, and how an error becomes
//! an HTTP status.

use std::future::Future;

use axum::extract::FromRef;
use leptos::prelude::*;

use crate::error::AppError;
use crate::store::{media::MediaStore, Db};

#[derive(Clone, Debug)]
pub struct AppState {
    /// Where pages address this build's files: `pkg/<build id>` (see `server/src/assets.rs`).
    pub pkg_path: std::sync::Arc<str>,
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

/// Where this page addresses the build's files (`pkg/<build id>`); `pkg` outside a server.
pub fn pkg_path() -> String {
    use_context::<AppState>()
        .map(|s| s.pkg_path.to_string())
        .unwrap_or_else(|| "pkg".into())
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

impl AppState {
    /// After a write the public pages show: this server's kept pages go at once, and every other
    /// server on the database is told to drop its own (`server::web` listens). Not telling them
    /// is logged, not refused: the write is done, and their copies expire within the cache's
    /// time-to-live.
    pub async fn public_pages_changed(&self) {
        self.pages.clear();
        if let Err(e) = self.db.announce_public_pages_changed().await {
            tracing::warn!(error = %e.message, "other servers not told that the public pages changed");
        }
    }
}

/// [`AppState::public_pages_changed`] from a server function.
pub async fn public_pages_changed() -> Result<(), AppError> {
    let state = use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from context: use leptos_routes_with_context");
        AppError::internal()
    })?;
    state.public_pages_changed().await;
    Ok(())
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

/// An optional id from a form or query: empty is none, anything but a UUID is refused naming
/// `field`. Shared by the server functions and the server's own routes.
pub fn optional_id(v: &Option<String>, field: &str) -> Result<Option<uuid::Uuid>, AppError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => uuid::Uuid::parse_str(s)
            .map(Some)
            .map_err(|_| AppError::invalid(field, "not a valid id")),
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

/// Set by every successful write while a replica serves reads: when the writer last wrote
/// (milliseconds since 1970), so their next pages read from a database that has it. It lives as
/// long as the replica's bound; a forged value only sends its sender to the primary.
pub const WROTE_COOKIE: &str = "jiandu_wrote";

/// Server functions that only read. They are posted like the rest (Leptos' default), and the
/// islands ask some of them every few seconds; posting one does not make its caller a writer,
/// or a staff member whose dashboard polls would never read from the replica. A function left
/// off this list only costs its caller the replica for a few seconds.
pub const READ_ONLY_FUNCTIONS: &[&str] = &[
    "admin/accounts",
    "cases/list",
    "catalogue/my-sites",
    "catalogue/my-unit",
    "catalogue/project",
    "catalogue/projects",
    "catalogue/site",
    "catalogue/sub-item",
    "catalogue/year",
    "catalogue/years",
    "duty/record",
    "duty/table",
    "field/my-observations",
    "imports/recent",
    "inspections/choices",
    "inspections/get",
    "inspections/list",
    "inspections/report",
    "items/dashboard",
    "items/get",
    "items/list",
    "items/years",
    "map/points",
    "notifications/list",
    "progress/margin",
    "progress/risks",
    "progress/sub-item",
    "public/plan",
    "public/plan-sites",
    "public/site",
    "questionnaires/get",
    "questionnaires/list",
    "registry/plan",
    "registry/roster",
    "registry/site",
    "registry/sites",
    "review/nearby",
    "review/options",
    "review/queue",
    "session/info",
    "staff/comments",
    "staff/groups",
    "staff/posters",
    "staff/satisfaction",
    "usage/quiet",
    "usage/quiet-days",
    "usage/site",
];

/// The values of the cookies called `name` the request carries, in the order sent.
pub fn cookies<'a>(
    headers: &'a axum::http::HeaderMap,
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .filter(move |(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// When the request's sender last wrote, from [`WROTE_COOKIE`] (the latest, if several).
pub fn wrote_at(headers: &axum::http::HeaderMap) -> Option<i64> {
    cookies(headers, WROTE_COOKIE)
        .filter_map(|v| v.parse::<i64>().ok())
        .max()
}

/// The database for a read that may come from the replica (the dashboard, the exports, staff
/// lists): the primary unless the replica is within its bound and has the reader's own last
/// write.
pub async fn read_db() -> Result<Db, AppError> {
    let db = db()?;
    if !db.has_replica() {
        return Ok(db);
    }
    let headers = leptos_axum::extract::<axum::http::HeaderMap>().await.ok();
    Ok(db.reading(headers.as_ref().and_then(wrote_at)))
}

/// [`read_db`] for the server's own routes (the exports), as an extractor.
pub struct ReadDb(pub Db);

impl axum::extract::FromRequestParts<AppState> for ReadDb {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ReadDb(state.db.reading(wrote_at(&parts.headers))))
    }
}

/// As [`read_db`], for the public pages, which the page cache keeps: the replica must also have
/// everything written before the cache was last emptied, or a page rendered from it would be
/// kept with what a moderator just hid.
pub async fn public_read_db() -> Result<Db, AppError> {
    let state = use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from context: use leptos_routes_with_context");
        AppError::internal()
    })?;
    if !state.db.has_replica() {
        return Ok(state.db);
    }
    let headers = leptos_axum::extract::<axum::http::HeaderMap>().await.ok();
    let wrote = headers.as_ref().and_then(wrote_at);
    let since = wrote.map_or(state.pages.cleared_at(), |w| {
        w.max(state.pages.cleared_at())
    });
    Ok(state.db.reading(Some(since)))
}

/// Runs a server function body and turns its error into the matching HTTP status, so that API
/// clients and tests see 401/403/404/422 rather than a blanket 500. A plain HTML form's post
/// (no JavaScript: the pages are server-rendered) is answered with a redirect back to its page
/// instead, saying what became of it in the query (`ui::form`).
pub async fn run<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let says = FormSays::default();
    provide_context(says.clone());
    let result = body.await;
    let plain = plain_post();
    match &result {
        Err(e) => {
            if let Some(p) = &plain {
                // What the function said rides along (a refused form's typed values, say).
                let mut params = error_params(e);
                params.extend(says.taken());
                leptos_axum::redirect(&p.back(&params));
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
        Ok(_) => {
            // A function that sends the form elsewhere (a sign-in to `next=`) has said where.
            let placed = use_context::<leptos_axum::ResponseOptions>().is_some_and(|r| {
                r.0.read()
                    .map(|p| p.headers.contains_key(axum::http::header::LOCATION))
                    .unwrap_or(false)
            });
            if let (Some(p), false) = (&plain, placed) {
                let mut params = vec![("form_done".to_owned(), "1".to_owned())];
                params.extend(says.taken());
                let to = match says.target() {
                    Some(path) => p.at(&path, &params),
                    None => p.back(&params),
                };
                leptos_axum::redirect(&to);
            }
        }
    }
    result
}

/// What a server function adds to a plain form's answer: `form_<name>=<value>` in the page's
/// query (the id of what it made, say; on a refusal, what was typed), for the page to show.
pub fn form_says(name: &str, value: impl ToString) {
    if let Some(says) = use_context::<FormSays>() {
        if let Ok(mut v) = says.said.lock() {
            v.push((format!("form_{name}"), value.to_string()));
        }
    }
}

/// Where a plain form's post goes once it went through, when not back to its page (a new
/// record to its own page); the answer is said there too.
pub fn form_goes_to(path: &str) {
    if let Some(says) = use_context::<FormSays>() {
        if let Ok(mut t) = says.target.lock() {
            *t = Some(path.to_owned());
        }
    }
}

#[derive(Clone, Default)]
struct FormSays {
    said: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
    target: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

impl FormSays {
    fn taken(&self) -> Vec<(String, String)> {
        self.said
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }

    fn target(&self) -> Option<String> {
        self.target.lock().ok().and_then(|t| t.clone())
    }
}

fn error_params(e: &AppError) -> Vec<(String, String)> {
    let mut params = vec![("form_error".to_owned(), e.error.wire().to_owned())];
    if let Some(f) = e.field().filter(|f| {
        f.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    }) {
        params.push(("form_field".to_owned(), f.to_owned()));
    }
    params
}

/// True when the request came from a plain HTML form (no JavaScript), which expects a redirect
/// rather than a JSON answer.
pub async fn is_plain_form_post() -> bool {
    plain_post().is_some()
}

/// A plain HTML form's post to a server function: where it came from and which form it was.
struct PlainPost {
    referer: String,
    function: String,
    key: Option<String>,
}

fn plain_post() -> Option<PlainPost> {
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
    // No Referer (a privacy setting, a tool): back to the start page, as Leptos would.
    let referer = h
        .get(axum::http::header::REFERER)
        .and_then(|r| r.to_str().ok())
        .unwrap_or("/")
        .to_owned();
    let key = parts.uri.query().and_then(|q| {
        q.split('&').find_map(|p| p.strip_prefix("form=")).map(|k| {
            percent_encoding::percent_decode_str(k)
                .decode_utf8_lossy()
                .into_owned()
        })
    });
    Some(PlainPost {
        referer,
        function: crate::ui::form::fn_name(parts.uri.path()).to_owned(),
        key,
    })
}

impl PlainPost {
    /// Back to the form's page.
    fn back(&self, params: &[(String, String)]) -> String {
        self.at(&self.referer, params)
    }

    /// To `page` (a path, or the referer), with what became of the post.
    fn at(&self, page: &str, params: &[(String, String)]) -> String {
        let mut all = vec![("form_fn".to_owned(), self.function.clone())];
        if let Some(k) = &self.key {
            all.push(("form_key".to_owned(), k.clone()));
        }
        all.extend_from_slice(params);
        back_to_form(page, &all)
    }
}

/// A plain post to an endpoint of its own (not a server function) that was refused: back to
/// its page with the error in the query.
pub fn with_error_query(referer: &str, e: &AppError) -> String {
    back_to_form(referer, &error_params(e))
}

/// The page at `referer` — its path and query only (never another site), without the answer
/// to an earlier post (`form_…`) — with `params` added, each value escaped.
pub fn back_to_form(referer: &str, params: &[(String, String)]) -> String {
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
    let mut out: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("form_"))
        .map(|p| crate::auth::safe_next(Some(&format!("/{p}")))[1..].to_owned())
        .collect();
    for (k, v) in params {
        out.push(format!("{k}={}", crate::ui::urlencode(v)));
    }
    format!("{path}?{}", out.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn the_read_only_list_names_server_functions() {
        let paths: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
            .map(|(p, _)| p)
            .collect();
        assert!(paths.len() > 50, "the registry was read: {paths:?}");
        for f in READ_ONLY_FUNCTIONS {
            let path = format!("/api/{f}");
            assert!(paths.contains(&path.as_str()), "{f} is no server function");
        }
    }

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
    fn a_forms_answer_stays_on_this_site_and_replaces_the_last_one() {
        let e = AppError::new(ErrorCode::BadCredentials, "x");
        let back = |r: &str, e: &AppError| back_to_form(r, &error_params(e));
        assert_eq!(
            back(
                "http://127.0.0.1:3000/login?next=/my/sites&form_error=forbidden&form_fn=x#top",
                &e
            ),
            "/login?next=/my/sites&form_error=bad_credentials"
        );
        assert_eq!(
            back("https://evil.example", &e),
            "/?form_error=bad_credentials"
        );
        assert_eq!(
            back("http://127.0.0.1:3000//evil.example/x?a=1", &e),
            "/?a=1&form_error=bad_credentials"
        );
        let f = AppError::invalid("reason", "say why");
        assert_eq!(
            back("/staff/comments", &f),
            "/staff/comments?form_error=invalid&form_field=reason"
        );
        // A field no page could name is not echoed.
        let odd = AppError::invalid("<b>", "x");
        assert_eq!(back("/x", &odd), "/x?form_error=invalid");
        // Values are escaped; what the referer carried stays a valid header value.
        assert_eq!(
            back_to_form("/items?q=电 梯", &[("form_created".into(), "a&b=c".into())]),
            "/items?q=%E7%94%B5%20%E6%A2%AF&form_created=a%26b%3Dc"
        );
    }
}
