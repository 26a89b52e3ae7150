//! The HTTP application: Leptos pages and server functions, the language switch, health, and the
//! layers every request passes through.

use app::{
    auth::ssr::Backend,
    shell,
    ssr::{AppState, PublicSettings},
    store::{media::MediaStore, Db},
    App, LANG_COOKIE,
};
use axum::{
    body::Body,
    extract::{Path, Query, Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware,
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};
use axum_login::AuthManagerLayerBuilder;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use serde::Deserialize;
use tower_http::{compression::CompressionLayer, set_header::SetResponseHeaderLayer};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

/// Session cookie name. `__Host-` makes the browser refuse it unless it is Secure, has Path=/
/// and no Domain, so no sibling subdomain can plant or read it.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-jiandu"
    } else {
        "jiandu"
    }
}

/// What the HTTP application takes from configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub cookie_secure: bool,
    pub public: PublicSettings,
    pub comment_limits: crate::public::CommentLimits,
    /// `JIANDU_METRICS_TOKEN`; none: no `/metrics`.
    pub metrics_token: Option<String>,
}

/// Every route of the server's own besides its pages, server functions, service worker and build
/// files: what the access matrix test calls as every kind of caller.
pub fn endpoints(settings: &Settings) -> crate::routing::Mounted {
    crate::routing::Mounted::default()
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .route("/metrics", get(crate::metrics::endpoint))
        .route("/lang/{locale}", get(switch_language))
        .merge(crate::api::routes())
        .merge(crate::public::routes(&settings.comment_limits))
        .merge(crate::receipt::routes(&settings.comment_limits))
        .merge(crate::questionnaire::routes(&settings.comment_limits))
        .merge(crate::export::routes())
        .merge(crate::inspection_report::routes())
        .merge(crate::answer::routes())
        .merge(crate::progress::routes())
        .merge(crate::devices::routes(&settings.comment_limits))
        .merge(crate::import::routes())
        .merge(crate::hotline::routes())
        .merge(crate::registry::routes())
}

/// Several servers on one database: a write on any of them (a comment, a moderation, a site
/// edited) empties the kept public pages of all of them, so a hidden comment is gone everywhere at
/// once, not after the cache's time-to-live. One connection per server listens; while it is
/// down, nothing is known of what others announced, so the cache is emptied whenever the
/// connection is lost or made again.
fn listen_for_public_changes(pool: sqlx::PgPool, pages: app::public::cache::PageCache) {
    use sqlx::postgres::PgListener;
    tokio::spawn(async move {
        while !pool.is_closed() {
            match PgListener::connect_with(&pool).await {
                Ok(mut listener) => match listener.listen(app::store::PUBLIC_PAGES_CHANNEL).await {
                    Ok(()) => {
                        pages.clear();
                        loop {
                            match listener.try_recv().await {
                                Ok(Some(_)) => pages.clear(),
                                // Lost: reconnected and listening again on the next call.
                                Ok(None) => pages.clear(),
                                Err(e) => {
                                    if !pool.is_closed() {
                                        tracing::warn!(error = %e, "public page announcements not heard; listening again");
                                    }
                                    break;
                                }
                            }
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot listen for public page announcements")
                    }
                },
                Err(e) => tracing::warn!(error = %e, "cannot listen for public page announcements"),
            }
            pages.clear();
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    });
}

pub fn router(
    db: Db,
    media: MediaStore,
    leptos_options: LeptosOptions,
    settings: Settings,
) -> Router {
    let cookie_secure = settings.cookie_secure;
    let build = std::sync::Arc::new(crate::assets::Build::read(
        &leptos_options.site_root,
        &leptos_options.site_pkg_dir,
    ));
    let state = AppState {
        pkg_path: build.pkg_path().into(),
        db: db.clone(),
        media,
        leptos_options: leptos_options.clone(),
        public: settings.public.clone(),
        pages: app::public::cache::PageCache::new(
            std::time::Duration::from_secs(30),
            app::public::cache::DEFAULT_MAX_BYTES,
        ),
        photo_copies: Default::default(),
        sign_in: std::sync::Arc::new(app::auth::ssr::SignInGate::new(
            db.clone(),
            settings.public.secret.clone(),
        )),
    };
    // Lives as long as the runtime: the server's, or a test's.
    crate::media::Copier::start(state.clone());
    listen_for_public_changes(db.pool.clone(), state.pages.clone());
    if db.has_replica() {
        tokio::spawn(db.clone().follow_replica());
    }
    let replica_bound = db.replica_max_lag();
    // The receipt pages are rendered by `receipt.rs` once it has found the receipt, the
    // questionnaire forms by `questionnaire.rs` once it has found the questionnaire.
    let routes: Vec<_> = generate_route_list(App)
        .into_iter()
        .filter(|r| {
            !crate::receipt::is_receipt_path(r.path())
                && !crate::questionnaire::is_questionnaire_path(r.path())
        })
        .collect();

    let sessions = SessionManagerLayer::new(PostgresStore::new(db.pool.clone()))
        .with_name(session_cookie_name(cookie_secure))
        .with_secure(cookie_secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        // Deputies sign in once on their phone and work for weeks; a month idle ends it.
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::days(30),
        ));
    let store = PostgresStore::new(db.pool.clone());
    // Expired sessions are deleted, not only ignored: the table would grow by every sign-in.
    // At start and hourly (the library's own loop waits an hour before its first sweep).
    tokio::spawn(async move {
        use tower_sessions::session_store::ExpiredDeletion;
        loop {
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "expired sessions not deleted; tried again in an hour");
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    });
    // Rate-limit keys whose bucket has filled again are worth nothing, and failed sign-ins older
    // than any rule remembers; every minute they go.
    // Several servers sweeping is harmless: the second finds nothing left to delete.
    let rates = db.clone();
    tokio::spawn(async move {
        let mut minute = tokio::time::interval(std::time::Duration::from_secs(60));
        while !rates.pool.is_closed() {
            minute.tick().await;
            if let Err(e) = rates.forget_full_rates().await {
                tracing::warn!(error = %e.message, "full rate-limit buckets not forgotten; tried again in a minute");
            }
            if let Err(e) = rates.forget_old_sign_in_failures().await {
                tracing::warn!(error = %e.message, "old sign-in failures not forgotten; tried again in a minute");
            }
        }
    });
    let auth = AuthManagerLayerBuilder::new(Backend::new(db), sessions).build();
    let worker = build.worker_script();
    let client_key = crate::limits::ClientKey::new(settings.comment_limits.trusted_proxies.clone());

    let router = Router::new()
        .merge(endpoints(&settings).into_router())
        .route(
            "/sw.js",
            get(move || {
                let body = worker.clone();
                async move {
                    (
                        [
                            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                            // Browsers must always see the newest worker to pick up a new build.
                            (header::CACHE_CONTROL, "no-cache"),
                            // A worker runs under its script's own policy: it fetches and
                            // keeps this site's pages and files, and nothing else.
                            (
                                header::CONTENT_SECURITY_POLICY,
                                "default-src 'self'; script-src 'self'",
                            ),
                        ],
                        body,
                    )
                }
            }),
        )
        .leptos_routes_with_context(&state, routes, || (), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        // The build's files under the build's id, as their brotli or gzip copies where the
        // browser takes them (`jiandu precompress`), immutable (`assets.rs`).
        .route(
            &format!("/{}/{{*file}}", leptos_options.site_pkg_dir),
            get(crate::assets::serve).with_state(build),
        )
        // Anything else: a file under the site root, or the app's "not found" page, rendered
        // with the state its resources need.
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            {
                let state = state.clone();
                move || leptos::prelude::provide_context(state.clone())
            },
            shell,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), island_loader))
        .layer(middleware::from_fn_with_state(
            crate::public::ReadLimit::new(&settings.comment_limits),
            crate::public::limit_public_reads,
        ))
        // Where every limit above counts (`limits.rs`): the database all servers share.
        .layer(axum::Extension(crate::limits::Counts(state.db.clone())))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::public::cache_site_pages,
        ))
        .layer(axum::middleware::from_fn(status_from_error_body))
        .layer(middleware::from_fn(
            move |req: Request, next: middleware::Next| {
                mark_writer(replica_bound, cookie_secure, req, next)
            },
        ))
        .layer(axum::middleware::from_fn(keep_language_choice))
        .layer(middleware::from_fn(
            |mut req: Request, next: middleware::Next| async move {
                if let Some(auth) = req
                    .extensions_mut()
                    .get_mut::<app::auth::ssr::AuthSession>()
                {
                    app::auth::ssr::end_outlived_sign_in(auth).await;
                }
                next.run(req).await
            },
        ))
        .layer(auth)
        .layer(middleware::from_fn(
            move |mut req: Request, next: middleware::Next| {
                let addr = app::ssr::ClientAddr(client_key.of(&req));
                req.extensions_mut().insert(addr);
                next.run(req)
            },
        ))
        .layer(axum::middleware::from_fn(crate::security::same_origin_only))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(axum::middleware::from_fn(page_policy_from_nonce))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(app::ssr::RESOURCE_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            // Only where the cookie is Secure, i.e. served over HTTPS (browsers ignore the
            // header over plain HTTP anyway); a year, as the HSTS preload list asks.
            cookie_secure.then(|| HeaderValue::from_static("max-age=31536000")),
        ))
        // Outside the limits and the cache, so refused and kept answers are counted too.
        .layer(middleware::from_fn(crate::metrics::record))
        .layer(axum::Extension(std::sync::Arc::new(
            crate::metrics::Metrics::default(),
        )))
        .layer(axum::Extension(crate::metrics::MetricsToken(
            settings.metrics_token.as_deref().map(std::sync::Arc::from),
        )))
        .layer(CompressionLayer::new())
        .with_state(state);
    crate::observe::with_request_ids(router)
}

/// Server functions report errors raised before their body runs (a malformed or missing
/// argument) as 500, though the body is our `AppError` with its own code. This gives such an
/// answer the status its code stands for (422 for invalid input), so clients can tell their
/// mistake from ours.
/// A rendered page whose policy did not reach its response gets it here, with the nonce its own
/// scripts carry. The shell sets the policy through the render's response options, and under
/// load a page now and then arrived without it (seen on `/offline` fetched by the service worker
/// while a round of pages was being kept): the resource policy then applied, sandboxed the page
/// and blocked its wasm, so a deputy offline got a page that never came to life. The nonce is
/// the first one in the document's head, which only the framework writes (a reader's words
/// are in the body).
async fn page_policy_from_nonce(req: Request, next: middleware::Next) -> Response {
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if !html || res.headers().contains_key(header::CONTENT_SECURITY_POLICY) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    // Pages are a few hundred KB at the most; anything larger is not a page we render.
    let Ok(bytes) = axum::body::to_bytes(body, 8 * 1024 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    if let Some(nonce) = head_nonce(&bytes) {
        if let Ok(v) = HeaderValue::from_str(&app::ssr::page_policy(&nonce)) {
            tracing::warn!(%path, "a page came without its policy; set from its nonce");
            parts.headers.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A page with islands names, in a header, the wasm bundle that carries them all
/// (`app::ui::island::loader`): known only once every island of the page has rendered, so the
/// loader — the module and wasm preloads and Leptos' island script, with the page's nonce — is
/// put into the page's head here, after the render.
async fn island_loader(
    State(state): State<AppState>,
    req: Request,
    next: middleware::Next,
) -> Response {
    use app::ui::island::loader::{loader_html, HEADER};
    let res = next.run(req).await;
    let Some(name) = res
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return res;
    };
    let (mut parts, body) = res.into_parts();
    parts.headers.remove(HEADER);
    // A redirect (the sign-in page instead) or an error ends its render early: no page to load
    // islands into.
    if !parts.status.is_success() {
        return Response::from_parts(parts, body);
    }
    // Pages are a few hundred KB at the most; anything larger is not a page we render.
    let Ok(bytes) = axum::body::to_bytes(body, 8 * 1024 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    let Ok(mut html) = String::from_utf8(bytes.to_vec()) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let nonce = parts
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .and_then(app::ssr::policy_nonce)
        .map(str::to_owned)
        .or_else(|| any_nonce(&html))
        .unwrap_or_default();
    match (
        loader_html(&state.leptos_options, &state.pkg_path, &name, &nonce),
        html.find("</head>"),
    ) {
        (Some(loader), Some(at)) => html.insert_str(at, &loader),
        _ => {
            tracing::error!(bundle = %name, "the island loader could not be written into the page")
        }
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(html))
}

/// The first `nonce="…"` of a page, if it is a plain token (the framework's own scripts carry
/// it; a reader's words never write an attribute).
fn any_nonce(html: &str) -> Option<String> {
    let start = html.find("nonce=\"")? + "nonce=\"".len();
    let len = html[start..].find('"')?;
    let nonce = &html[start..start + len];
    (!nonce.is_empty()
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_')))
    .then(|| nonce.to_owned())
}

/// With a replica, a write that succeeded marks its writer for as long as the replica's bound,
/// so the pages they open next read from a database that has what they wrote
/// (`app::ssr::read_db`). The mark is the time of the answer, after the write committed, plus
/// the margin the servers' clocks may differ by (another server may read the mark). A server
/// function that only reads is posted too, and marks nobody.
async fn mark_writer(
    bound: Option<std::time::Duration>,
    secure: bool,
    req: Request,
    next: middleware::Next,
) -> Response {
    let reads_only = req
        .uri()
        .path()
        .strip_prefix("/api/")
        .is_some_and(|f| app::ssr::READ_ONLY_FUNCTIONS.contains(&f));
    let writes = !req.method().is_safe() && !reads_only;
    let mut res = next.run(req).await;
    let Some(bound) = bound else {
        return res;
    };
    if writes && (res.status().is_success() || res.status().is_redirection()) {
        let cookie = format!(
            "{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
            app::ssr::WROTE_COOKIE,
            app::store::replica::now_ms() + app::store::replica::CLOCK_MARGIN_MS,
            bound.as_secs() + 2,
            if secure { "; Secure" } else { "" }
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// leptos_i18n writes the language cookie on every page it renders, echoing the language the
/// request carried. A page already on its way when the person switched language (the service
/// worker fetches dozens of a deputy's pages in the background) then set the old language back,
/// and the next page came in the language just left (seen in the browser tests). Only
/// `/lang/{locale}` changes the language, so an echo of the cookie the browser sent is dropped.
async fn keep_language_choice(req: Request, next: middleware::Next) -> Response {
    let sent = crate::cookies(req.headers(), LANG_COOKIE)
        .next()
        .map(str::to_owned);
    let mut res = next.run(req).await;
    let Some(sent) = sent else {
        return res;
    };
    let echo = format!("{LANG_COOKIE}={sent}");
    let is_echo = |v: &HeaderValue| {
        v.to_str()
            .is_ok_and(|s| s.split(';').next().map(str::trim) == Some(echo.as_str()))
    };
    if res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(is_echo)
    {
        let kept: Vec<HeaderValue> = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter(|v| !is_echo(v))
            .cloned()
            .collect();
        res.headers_mut().remove(header::SET_COOKIE);
        for v in kept {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// The first `nonce="…"` before `</head>`, if it is a plain token.
fn head_nonce(html: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(html).ok()?;
    any_nonce(&text[..text.find("</head>")?])
}

async fn status_from_error_body(req: Request, next: middleware::Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    if let Ok(err) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(err.error.http_status()) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn health(State(state): State<AppState>) -> Response {
    match sqlx::query_scalar::<_, i32>("select 1")
        .fetch_one(&state.db.pool)
        .await
    {
        Ok(_) => "ok".into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response(),
    }
}

/// Whether this server can take traffic, for a load balancer: the database answers and is
/// migrated to this build's schema, and the photo store answers. 503 names what does not.
/// (`/healthz` stays the cheap liveness check: the process and its pool.)
async fn ready(State(state): State<AppState>) -> Response {
    let database =
        match sqlx::query_scalar::<_, i64>("select count(*) from _sqlx_migrations where success")
            .fetch_one(&state.db.pool)
            .await
        {
            Ok(n) if n as usize >= crate::MIGRATOR.iter().count() => "ok",
            Ok(_) => "behind this build's schema: run jiandu migrate",
            Err(_) => "unreachable",
        };
    let storage = match state.media.ready().await {
        Ok(()) => "ok",
        Err(_) => "unreachable",
    };
    let status = if database == "ok" && storage == "ok" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({ "database": database, "storage": storage })),
    )
        .into_response()
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

/// Remembers the chosen language for this browser (a year) and goes back to the page. A plain
/// link, so it works without JavaScript too.
async fn switch_language(Path(locale): Path<String>, Query(q): Query<Next>) -> Response {
    if locale != "zh-CN" && locale != "en" {
        return (StatusCode::NOT_FOUND, "unknown language").into_response();
    }
    let cookie = format!("{LANG_COOKIE}={locale}; Path=/; Max-Age=31536000; SameSite=Lax");
    let mut res = Redirect::to(&app::auth::safe_next(q.next.as_deref())).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::head_nonce;

    #[test]
    fn the_nonce_is_read_from_the_head_only() {
        let page = br#"<html><head><script type="module" nonce="Tf2lznLqJr3ZeFBs5UNQYw">x</script></head><body>nonce="evil"</body></html>"#;
        assert_eq!(head_nonce(page).as_deref(), Some("Tf2lznLqJr3ZeFBs5UNQYw"));
        let body_only = br#"<html><head></head><body><p>nonce="evil"</p></body></html>"#;
        assert_eq!(head_nonce(body_only), None);
        let odd = br#"<html><head><script nonce="a'b; script-src *">x</script></head></html>"#;
        assert_eq!(head_nonce(odd), None);
    }
}
