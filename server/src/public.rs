//! The public channel's HTTP side: the comment form post (no JavaScript needed), its rate
//! limits, the QR codes, and photos of published comments.
//!
//! A refused post renders the site page again with what the person typed and why it was refused
//! (the Leptos page reads a [`CommentDraft`] from context), with the matching HTTP status.

use crate::limits::{ClientKey, KeyBy, Limit};
use crate::routing::Mounted;
use std::net::IpAddr;
use std::time::Duration;

use app::{
    domain::{
        comment::{CommentError, CommentInput},
        PhotoHash, PublicCode,
    },
    error::{AppError, ErrorCode},
    public::CommentDraft,
    ssr::AppState,
    store::{media::Variant, public::CommentStored, public::NewComment},
};
use axum::{
    body::Body,
    extract::{
        multipart::MultipartError, DefaultBodyLimit, Extension, FromRequest, Multipart, Path,
        Request, State,
    },
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, MethodRouter},
};

use crate::media::{self, IngestError, MAX_UPLOAD_BYTES};

/// How much the public may post. Per client: `burst` comments at once, then one more every
/// `interval`. Per site: six times that, so a crowd at one poster is served but a flood is not.
#[derive(Clone, Debug)]
pub struct CommentLimits {
    pub burst: u32,
    pub interval: Duration,
    /// Proxies whose `X-Forwarded-For` is believed (`JIANDU_TRUSTED_PROXIES`); from anyone else
    /// the header is ignored, since a client can write whatever it likes there.
    pub trusted_proxies: Vec<IpAddr>,
    /// Receipt pages, their rating form and photos (`receipt.rs`): `receipt_burst` requests at
    /// once, then one more every `receipt_interval`, per client. Enough to open a receipt and its
    /// photos; far too few to guess codes.
    pub receipt_burst: u32,
    pub receipt_interval: Duration,
    /// Anonymous reads no kept page answers ([`limit_public_reads`]): `read_burst` at once, then
    /// one more every `read_interval`, per client. A reader opening a site or the plan costs one
    /// or two; a loop over years, sub-items or codes is slowed to a trickle.
    pub read_burst: u32,
    pub read_interval: Duration,
    /// Device readings over HTTP (`devices.rs`), per client address: `device_burst` requests at
    /// once, then one more every `device_interval`. A site's gateway sending for all its devices
    /// stays far below it; anyone trying tokens is held to it.
    pub device_burst: u32,
    pub device_interval: Duration,
}

impl Default for CommentLimits {
    fn default() -> Self {
        Self {
            burst: 5,
            interval: Duration::from_secs(60),
            trusted_proxies: vec![],
            receipt_burst: 30,
            receipt_interval: Duration::from_secs(2),
            read_burst: 60,
            read_interval: Duration::from_millis(500),
            device_burst: 600,
            device_interval: Duration::from_millis(10),
        }
    }
}

/// Text fields are short; only the photo may be large.
const MAX_FIELD_BYTES: usize = 16 * 1024;

/// The anonymous paths whose answer costs a render or a query: the site pages and their QR
/// codes and photos, the public plan, and the public server functions. The comment post has its
/// own, stricter limits; receipts theirs (`receipt.rs`).
fn is_public_read(path: &str) -> bool {
    if let Some(rest) = path.strip_prefix("/s/") {
        return !rest.ends_with("/comment");
    }
    path == "/plan"
        || path.starts_with("/plan/")
        || path.starts_with("/api/public/")
        || path.starts_with("/q/")
}

/// Per-client limit on what no kept page answers. Sits inside [`cache_site_pages`], so a page
/// served from the cache costs nothing against it: the crowd at one poster reads freely, while
/// walking codes, years or server functions is bounded. Signed-in people are not limited here.
#[derive(Clone)]
pub struct ReadLimit {
    limit: Option<Limit>,
}

impl ReadLimit {
    pub fn new(limits: &CommentLimits) -> Self {
        let key = ClientKey::new(limits.trusted_proxies.clone());
        Self {
            limit: Limit::new(
                "read",
                KeyBy::Client(key),
                limits.read_burst,
                limits.read_interval,
            ),
        }
    }
}

pub async fn limit_public_reads(
    State(limit): State<ReadLimit>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let Some(limit) = &limit.limit else {
        return next.run(req).await;
    };
    let anonymous = req
        .extensions()
        .get::<app::auth::ssr::AuthSession>()
        .is_some_and(|s| s.user.is_none());
    if !anonymous || !is_public_read(req.uri().path()) {
        return next.run(req).await;
    }
    match limit.check(&req).await {
        Some(refused) => refused,
        None => next.run(req).await,
    }
}

pub fn routes(limits: &CommentLimits) -> Mounted {
    let client_key = ClientKey::new(limits.trusted_proxies.clone());
    let per_client = Limit::new(
        "comment",
        KeyBy::Client(client_key.clone()),
        limits.burst,
        limits.interval,
    );
    let per_site = Limit::new(
        "comment-site",
        KeyBy::Site,
        limits.burst.max(1).saturating_mul(6),
        limits.interval / 6,
    );
    let post: MethodRouter<AppState> =
        axum::routing::post(post_comment).get(|Path(code): Path<String>| async move {
            Redirect::to(&format!("/s/{}", encode_code(&code)))
        });
    // The client's limit outermost: one client's flood is refused before it counts against
    // everyone's site.
    let post = crate::limits::on(crate::limits::on(post, per_site), per_client);
    let post: MethodRouter<AppState> = post
        .layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 64 * 1024))
        .layer(Extension(client_key));
    Mounted::default()
        .route("/s/{code}/comment", post)
        .route("/s/{code}/qr.svg", get(qr_svg))
        .route("/s/{code}/qr.png", get(qr_png))
        .route("/s/{code}/photos/{sha256}/{variant}", get(public_photo))
}

fn encode_code(code: &str) -> String {
    PublicCode::parse(code)
        .map(|c| c.to_string())
        .unwrap_or_default()
}

#[derive(Default)]
pub(crate) struct Fields {
    pub(crate) satisfaction: Option<String>,
    pub(crate) support: Option<String>,
    pub(crate) body: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) consent: bool,
    pub(crate) website: Option<String>,
    pub(crate) form_token: Option<String>,
    pub(crate) photo: Option<bytes::Bytes>,
}

impl Fields {
    fn draft(&self, error: AppError) -> CommentDraft {
        CommentDraft {
            satisfaction: self.satisfaction.clone(),
            support: self.support.clone(),
            body: self.body.clone().unwrap_or_default(),
            phone: self.phone.clone().unwrap_or_default(),
            consent: self.consent,
            error: Some(error),
        }
    }
}

enum ReadError {
    TooLarge,
    Malformed(String),
}

impl From<MultipartError> for ReadError {
    fn from(e: MultipartError) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ReadError::TooLarge
        } else {
            ReadError::Malformed(e.body_text())
        }
    }
}

async fn read_fields(mut mp: Multipart) -> Result<Fields, ReadError> {
    let mut f = Fields::default();
    while let Some(field) = mp.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photo" {
            let has_name = field.file_name().is_some_and(|n| !n.is_empty());
            let bytes = field.bytes().await?;
            if bytes.len() > MAX_UPLOAD_BYTES {
                return Err(ReadError::TooLarge);
            }
            // An empty file input still sends a part with no name and no bytes.
            if has_name && !bytes.is_empty() {
                f.photo = Some(bytes);
            }
            continue;
        }
        let bytes = field.bytes().await?;
        if bytes.len() > MAX_FIELD_BYTES {
            return Err(ReadError::Malformed(format!(
                "the field {name} is too long"
            )));
        }
        // Browsers send UTF-8; anything else is not a person's words.
        let Ok(text) = String::from_utf8(bytes.to_vec()) else {
            return Err(ReadError::Malformed(format!(
                "表单内容不是有效的文字 / the field {name} is not valid UTF-8 text"
            )));
        };
        match name.as_str() {
            "satisfaction" => f.satisfaction = Some(text),
            "support" => f.support = Some(text),
            "body" => f.body = Some(text),
            "phone" => f.phone = Some(text),
            "consent" => f.consent = !text.is_empty(),
            "website" => f.website = Some(text),
            "form_token" => f.form_token = Some(text),
            _ => {}
        }
    }
    Ok(f)
}

/// The comment form's reader over a body already in memory: the fuzzers' way in
/// (`crate::fuzzing`), through the same multipart parser and limits as a request.
pub(crate) async fn read_form_bytes(boundary: &str, body: Vec<u8>) -> Option<Fields> {
    let req = axum::http::Request::builder()
        .header(
            axum::http::header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(axum::body::Body::from(body))
        .ok()?;
    let mp = Multipart::from_request(req, &()).await.ok()?;
    read_fields(mp).await.ok()
}

fn comment_error(e: CommentError) -> AppError {
    AppError::invalid(e.field(), e.to_string())
}

async fn post_comment(
    State(state): State<AppState>,
    Extension(client_key): Extension<ClientKey>,
    Path(code): Path<String>,
    req: Request,
) -> Response {
    let Ok(code) = PublicCode::parse(&code) else {
        return (StatusCode::NOT_FOUND, "no site has this code").into_response();
    };
    let client = client_key.of(&req);
    let (parts, body) = req.into_parts();
    let page_request = |draft: CommentDraft, status: StatusCode| {
        rerender(state.clone(), parts.clone(), code.clone(), draft, status)
    };
    let mp =
        match Multipart::from_request(axum::http::Request::from_parts(parts.clone(), body), &state)
            .await
        {
            Ok(mp) => mp,
            Err(e) => {
                return (
                    StatusCode::BAD_REQUEST,
                    format!("send the form as multipart/form-data: {}", e.body_text()),
                )
                    .into_response()
            }
        };
    let fields = match read_fields(mp).await {
        Ok(f) => f,
        Err(ReadError::TooLarge) => {
            let e = AppError::invalid("photo", "the photo is larger than 12 MB");
            let e = AppError {
                error: ErrorCode::TooLarge,
                ..e
            };
            return page_request(
                CommentDraft {
                    error: Some(e),
                    ..Default::default()
                },
                StatusCode::PAYLOAD_TOO_LARGE,
            )
            .await;
        }
        Err(ReadError::Malformed(m)) => return (StatusCode::BAD_REQUEST, m).into_response(),
    };
    let thanks = Redirect::to(&format!("/s/{code}/thanks")).into_response();
    // A bot filled the field people never see: it gets the thank-you page and stores nothing.
    if fields
        .website
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty())
    {
        tracing::info!(site = %code, "honeypot filled; comment dropped");
        return thanks;
    }
    let Some(form_token) = fields
        .form_token
        .as_deref()
        .and_then(|t| uuid::Uuid::parse_str(t.trim()).ok())
    else {
        return (
            StatusCode::BAD_REQUEST,
            "the form_token field is missing: reload the page and send again",
        )
            .into_response();
    };
    let input = match CommentInput::parse(
        fields.satisfaction.as_deref(),
        fields.support.as_deref(),
        fields.body.as_deref(),
        fields.phone.as_deref(),
        fields.consent,
    ) {
        Ok(i) => i,
        Err(e) => {
            return page_request(
                fields.draft(comment_error(e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let db = &state.db;
    let site_id = match db.site_for_comment(code.as_str()).await {
        Ok((id, true)) => id,
        // Deactivated: the page, drawn again, says the site takes no more comments.
        Ok((_, false)) => {
            let closed = AppError::new(
                ErrorCode::Conflict,
                "this site is no longer supervised and takes no comments",
            );
            return page_request(fields.draft(closed), StatusCode::CONFLICT).await;
        }
        Err(e) => return (StatusCode::NOT_FOUND, e.message).into_response(),
    };
    let photo = match &fields.photo {
        None => None,
        Some(bytes) => match store_public_photo(&state, bytes.clone()).await {
            Ok(sha) => Some(sha),
            Err((status, e)) => return page_request(fields.draft(e), status).await,
        },
    };
    let secret = &state.public.secret;
    let client_hash = secret.keyed_hash(
        "client",
        client
            .map(|ip| ip.to_string())
            .unwrap_or_default()
            .as_bytes(),
    );
    let id = uuid::Uuid::now_v7();
    let receipt = secret.receipt_for(&form_token);
    let receipt_hash = secret.receipt_hash(&receipt);
    // The receipt page thanks the person and shows the code and its QR code to keep.
    let to_receipt = Redirect::to(&format!("/r/{}?new", receipt.as_str())).into_response();
    let new = NewComment {
        id,
        site_id,
        input: &input,
        photo_sha256: photo.as_deref(),
        phone_hash: input
            .phone
            .as_ref()
            .map(|p| secret.keyed_hash("phone", p.digits().as_bytes())),
        phone_cipher: input
            .phone
            .as_ref()
            .map(|p| secret.encrypt(p.digits(), id.as_bytes())),
        client_hash,
        form_token,
        receipt_hash: Some(receipt_hash.clone()),
    };
    match db.insert_comment(&new).await {
        Ok(CommentStored::Created) => {
            state.public_pages_changed().await;
            tracing::info!(site = %code, comment = %new.id, "public comment received");
            to_receipt
        }
        Ok(CommentStored::AlreadyHad) => match db.give_receipt(form_token, &receipt_hash).await {
            Ok(()) => to_receipt,
            Err(_) => thanks,
        },
        Ok(CommentStored::RatedToday) => {
            let e = AppError::invalid("rated_today", "this site was already rated from here today");
            let e = AppError {
                error: ErrorCode::Conflict,
                ..e
            };
            page_request(fields.draft(e), StatusCode::CONFLICT).await
        }
        Ok(CommentStored::Repeated) => {
            let e = AppError::invalid("repeat", "the same words were already sent");
            let e = AppError {
                error: ErrorCode::Conflict,
                ..e
            };
            page_request(fields.draft(e), StatusCode::CONFLICT).await
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.error.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            page_request(fields.draft(e), status).await
        }
    }
}

/// Runs the photo through the same ingest as deputies' photos. Only the re-encoded copies are
/// kept — even as the "original" — so nothing the file carried (GPS, device, time) is stored.
async fn store_public_photo(
    state: &AppState,
    bytes: bytes::Bytes,
) -> Result<String, (StatusCode, AppError)> {
    let invalid = |status: StatusCode, msg: String| (status, AppError::invalid("photo", msg));
    let ingested =
        match media::decoding(move || media::ingest(&bytes, media::DecodeLimits::PUBLIC)).await {
            Ok(Ok(i)) => i,
            Ok(Err(IngestError::NotAnImage)) => {
                return Err(invalid(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    IngestError::NotAnImage.to_string(),
                ))
            }
            Ok(Err(e)) => return Err(invalid(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())),
            Err(e) => {
                let status = StatusCode::from_u16(e.error.http_status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return Err((status, e));
            }
        };
    let display = bytes::Bytes::from(ingested.display_jpeg);
    let hash = PhotoHash::of(&display);
    let sha = hash.as_str().to_owned();
    let (w, h) = image::ImageReader::new(std::io::Cursor::new(&display))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .unwrap_or((ingested.width, ingested.height));
    let size = display.len() as i32;
    let to_status = |e: AppError| {
        (
            StatusCode::from_u16(e.error.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e,
        )
    };
    if !state.db.photo_exists(&sha).await.map_err(to_status)? {
        state
            .media
            .put(&sha, display.clone(), display.to_vec(), ingested.thumb_jpeg)
            .await
            .map_err(to_status)?;
        if let Err(e) = state
            .db
            .insert_public_photo(&sha, size, w as i32, h as i32)
            .await
        {
            state.media.delete(&sha).await;
            return Err(to_status(e));
        }
    }
    Ok(sha)
}

/// Serves `/s/{code}` (and its comment pages) from the page cache when a fresh copy is there,
/// and keeps what was rendered otherwise. Only renders for a reader who is not signed in are
/// served from or kept in the cache: a signed-in person's page carries who they are.
pub async fn cache_site_pages(
    State(state): State<AppState>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    if req.method() != axum::http::Method::GET {
        return next.run(req).await;
    }
    let signed_in = req
        .extensions()
        .get::<app::auth::ssr::AuthSession>()
        .is_none_or(|s| s.user.is_some());
    let lang = crate::reader_lang(req.headers());
    let key = match app::public::cache::site_page_key(req.uri().path(), req.uri().query(), lang) {
        Some(key) if !signed_in => key,
        _ => return next.run(req).await,
    };
    if let Some(page) = state.pages.get(&key) {
        let nonce = page.nonce.unwrap_or_else(app::public::cache::fresh_nonce);
        let mut res = (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            Body::from(page.body),
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&app::ssr::page_policy(&nonce)) {
            res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
        }
        return res;
    }
    let generation = state.pages.generation();
    let res = next.run(req).await;
    if res.status() != StatusCode::OK {
        return res;
    }
    let nonce = res
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .and_then(app::ssr::policy_nonce)
        .map(str::to_owned);
    let (parts, body) = res.into_parts();
    match axum::body::to_bytes(body, 1024 * 1024).await {
        Ok(bytes) => {
            state
                .pages
                .put_rendered_at(generation, key, &bytes, nonce.as_deref());
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
    }
}

/// The site page with the person's draft and the reason it was refused.
async fn rerender(
    state: AppState,
    parts: axum::http::request::Parts,
    code: PublicCode,
    draft: CommentDraft,
    status: StatusCode,
) -> Response {
    crate::page_with(state, parts, &format!("/s/{code}"), draft, status).await
}

fn qr_code(code: &str, state: &AppState) -> Option<qrcode::QrCode> {
    let code = PublicCode::parse(code).ok()?;
    let url = app::public::public_url(&state.public.base_url, code.as_str());
    // Level M survives a scuffed or partly covered poster and keeps the modules large.
    qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M).ok()
}

async fn site_exists(state: &AppState, code: &str) -> bool {
    match PublicCode::parse(code) {
        Ok(c) => state.db.site_id_by_code(c.as_str()).await.is_ok(),
        Err(_) => false,
    }
}

async fn qr_svg(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    if !site_exists(&state, &code).await {
        return (StatusCode::NOT_FOUND, "no site has this code").into_response();
    }
    let Some(qr) = qr_code(&code, &state) else {
        return (StatusCode::NOT_FOUND, "no site has this code").into_response();
    };
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(300, 300)
        .quiet_zone(true)
        .build();
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            // Codes never change: printed posters depend on it.
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        svg,
    )
        .into_response()
}

async fn qr_png(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    if !site_exists(&state, &code).await {
        return (StatusCode::NOT_FOUND, "no site has this code").into_response();
    }
    let Some(qr) = qr_code(&code, &state) else {
        return (StatusCode::NOT_FOUND, "no site has this code").into_response();
    };
    let img = qr
        .render::<image::Luma<u8>>()
        .min_dimensions(1200, 1200)
        .quiet_zone(true)
        .build();
    let mut png = Vec::new();
    if image::DynamicImage::ImageLuma8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .is_err()
    {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    }
    let disposition = format!("attachment; filename=\"jiandu-{}.png\"", encode_code(&code));
    let mut res = (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        png,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// A photo is public only while its comment is published at this site.
async fn public_photo(
    State(state): State<AppState>,
    Path((code, sha256, variant)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let (Ok(code), Some(hash), Some(variant)) = (
        PublicCode::parse(&code),
        PhotoHash::parse(&sha256),
        Variant::parse(&variant),
    ) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    match state.db.photo_is_public(code.as_str(), hash.as_str()).await {
        Ok(true) => {}
        Ok(false) => return (StatusCode::NOT_FOUND, "not found").into_response(),
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
    }
    match state.media.get(variant, hash.as_str()).await {
        Ok(Some(bytes)) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => crate::media::lost_photo(&headers)
            .unwrap_or_else(|| (StatusCode::NOT_FOUND, "not found").into_response()),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
    }
}
