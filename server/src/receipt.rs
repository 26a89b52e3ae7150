//! Receipts for public comments: `/r/{code}` shows what became of a comment to the person who
//! left it, `/r/{code}/rate` takes their one verdict on the answer, `/r/{code}/photos/…` serves
//! the answer's photos, `/r` looks a typed code up.
//!
//! Everything here is open to anyone, so it is all behind one per-client rate limit: a receipt
//! code has 78 bits, and the limit keeps guessing from being a plan. An unknown code and a
//! malformed one get the same answer. No page here is cached, anywhere, or passes its address
//! on as a referrer.

use crate::routing::Mounted;
use app::{
    domain::{comment::Satisfaction, receipt::ReceiptCode, PhotoHash},
    error::{AppError, ErrorCode},
    public::receipt::{ReceiptAnswer, ReceiptLookup},
    ssr::AppState,
    store::media::Variant,
};
use axum::{
    extract::{rejection::FormRejection, Form, Path, Query, Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;

use crate::limits::ClientKey;
use crate::public::CommentLimits;

/// The paths this module serves instead of the Leptos router (which still renders them).
pub fn is_receipt_path(path: &str) -> bool {
    path == "/r" || path.starts_with("/r/")
}

pub fn routes(limits: &CommentLimits) -> Mounted {
    let router = Mounted::default()
        .route("/r", get(lookup))
        .route("/r/{code}", get(show))
        .route(
            "/r/{code}/rate",
            axum::routing::post(rate).get(back_to_receipt),
        )
        .route("/r/{code}/photos/{sha256}/{variant}", get(photo))
        .wrap(|r| r.layer(axum::middleware::from_fn(private_headers)));
    let per_client = crate::limits::Limit::new(
        "receipt",
        crate::limits::KeyBy::Client(ClientKey::new(limits.trusted_proxies.clone())),
        limits.receipt_burst,
        limits.receipt_interval,
    );
    router.wrap(|r| crate::limits::on(r, per_client))
}

/// The code is in the address: not kept by any cache, not sent on as a referrer, not indexed.
async fn private_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    res
}

fn link(state: &AppState, code: &ReceiptCode) -> String {
    format!(
        "{}/r/{}",
        state.public.base_url.trim_end_matches('/'),
        code.as_str()
    )
}

fn qr_svg(url: &str) -> Option<String> {
    let qr =
        qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(
        qr.render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

#[derive(Deserialize)]
struct ShowQuery {
    new: Option<String>,
}

/// The same page, status and size for a code that is malformed and one that is unknown.
async fn not_found(state: AppState, parts: axum::http::request::Parts) -> Response {
    crate::page_with(
        state,
        parts,
        "/r/-",
        ReceiptAnswer::default(),
        StatusCode::NOT_FOUND,
    )
    .await
}

async fn show(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(q): Query<ShowQuery>,
    req: Request,
) -> Response {
    let (parts, _) = req.into_parts();
    let Ok(code) = ReceiptCode::parse(&raw) else {
        return not_found(state, parts).await;
    };
    // A code typed with dashes or in lower case: the one address for it.
    if raw != code.as_str() {
        return Redirect::to(&format!("/r/{}", code.as_str())).into_response();
    }
    answer(state, parts, code, q.new.is_some(), None, StatusCode::OK).await
}

async fn answer(
    state: AppState,
    parts: axum::http::request::Parts,
    code: ReceiptCode,
    new: bool,
    error: Option<AppError>,
    status: StatusCode,
) -> Response {
    let hash = state.public.secret.receipt_hash(&code);
    let receipt = match state.db.receipt_by_hash(&hash, &code).await {
        Ok(Some(r)) => r,
        Ok(None) => return not_found(state, parts).await,
        Err(e) => return error_status(&e).into_response(),
    };
    let link = link(&state, &code);
    let answer = ReceiptAnswer {
        receipt: Some(receipt),
        new,
        qr_svg: new.then(|| qr_svg(&link)).flatten(),
        link,
        error,
    };
    let path = format!("/r/{}", code.as_str());
    crate::page_with(state, parts, &path, answer, status).await
}

fn error_status(e: &AppError) -> StatusCode {
    StatusCode::from_u16(e.error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

#[derive(Deserialize)]
struct RateForm {
    rating: Option<String>,
}

async fn rate(State(state): State<AppState>, Path(raw): Path<String>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(code) = ReceiptCode::parse(&raw) else {
        return not_found(state, parts).await;
    };
    let form: Result<Form<RateForm>, FormRejection> =
        <Form<RateForm> as axum::extract::FromRequest<AppState>>::from_request(
            Request::from_parts(parts.clone(), body),
            &state,
        )
        .await;
    let rating = form
        .ok()
        .and_then(|f| f.0.rating)
        .and_then(|r| Satisfaction::parse(r.trim()));
    let Some(rating) = rating else {
        let e = AppError::invalid("rating", "choose 满意, 基本满意 or 不满意");
        return answer(
            state,
            parts,
            code,
            false,
            Some(e),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let hash = state.public.secret.receipt_hash(&code);
    match state.db.rate_receipt(&hash, rating).await {
        Ok(()) => {
            tracing::info!(rating = rating.as_str(), "a receipt rated its answer");
            Redirect::to(&format!("/r/{}#receipt-rated", code.as_str())).into_response()
        }
        Err(e) if e.error == ErrorCode::NotFound => not_found(state, parts).await,
        Err(e) => {
            let status = error_status(&e);
            answer(state, parts, code, false, Some(e), status).await
        }
    }
}

async fn back_to_receipt(Path(raw): Path<String>) -> Response {
    match ReceiptCode::parse(&raw) {
        Ok(code) => Redirect::to(&format!("/r/{}", code.as_str())).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

#[derive(Deserialize)]
struct LookupQuery {
    code: Option<String>,
}

async fn lookup(
    State(state): State<AppState>,
    Query(q): Query<LookupQuery>,
    req: Request,
) -> Response {
    let (parts, _) = req.into_parts();
    let typed = q.code.unwrap_or_default();
    if typed.trim().is_empty() {
        return crate::page_with(state, parts, "/r", ReceiptLookup::default(), StatusCode::OK)
            .await;
    }
    match ReceiptCode::parse(&typed) {
        Ok(code) => Redirect::to(&format!("/r/{}", code.as_str())).into_response(),
        Err(e) => {
            let lookup = ReceiptLookup {
                code: typed.chars().take(40).collect(),
                error: Some(AppError::invalid("receipt_code", e.to_string())),
            };
            crate::page_with(state, parts, "/r", lookup, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// A photo is shown on a receipt only while it is evidence of the current answer to the item
/// the receipt's comment went into.
async fn photo(
    State(state): State<AppState>,
    Path((raw, sha256, variant)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let (Ok(code), Some(hash), Some(variant)) = (
        ReceiptCode::parse(&raw),
        PhotoHash::parse(&sha256),
        Variant::parse(&variant),
    ) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let receipt = state.public.secret.receipt_hash(&code);
    match state
        .db
        .receipt_photo_visible(&receipt, hash.as_str())
        .await
    {
        Ok(true) => {}
        Ok(false) => return (StatusCode::NOT_FOUND, "not found").into_response(),
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
    }
    match state.media.get(variant, hash.as_str()).await {
        Ok(Some(bytes)) => ([(header::CONTENT_TYPE, "image/jpeg")], bytes).into_response(),
        Ok(None) => crate::media::lost_photo(&headers)
            .unwrap_or_else(|| (StatusCode::NOT_FOUND, "not found").into_response()),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
    }
}
