//! The versioned JSON API (`/api/v1/…`) that the phone's sync engine and scripts use, described
//! by the OpenAPI document at `/api/v1/openapi.json`. Success is only ever our own JSON.

use crate::routing::Mounted;
use app::{
    auth::ssr::AuthSession,
    domain::{
        answer::{AnswerInput, DeviceAnswer},
        inspection::{within_window, CheckIn, CheckInInput, CheckInReceipt},
        progress::{DeviceProgress, ProgressWire},
        verdict::judge,
        Observation, ObservationInput, PhotoHash, Role,
    },
    error::{AppError, ErrorCode},
    ssr::{AppState, ClientAddr},
    store::{
        field::{ObservationReceipt, Stored},
        inspections::CheckInStored,
        items::DeviceStep,
        media::Variant,
        progress::DeviceFiled,
        users::UserRecord,
    },
};
use axum::{
    body::{Body, Bytes},
    extract::{Extension, Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, put},
    Json,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use crate::media::{self, MAX_UPLOAD_BYTES};

/// An answer is at most 2,000 characters and six hashes.
const MAX_ANSWER_BYTES: usize = 32 * 1024;

/// A report is a few figures, a note of 2,000 characters and six hashes.
const MAX_PROGRESS_BYTES: usize = 32 * 1024;

/// Observations are small JSON; a megabyte-long note is refused before it is parsed.
const MAX_OBSERVATION_BYTES: usize = 64 * 1024;

pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.error.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.0)).into_response()
    }
}

fn err(
    code: ErrorCode,
    status_override: Option<StatusCode>,
    message: impl Into<String>,
) -> Response {
    let e = AppError::new(code, message);
    let status = status_override.unwrap_or(
        StatusCode::from_u16(e.error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    );
    (status, Json(e)).into_response()
}

fn require(auth: &AuthSession, allowed: &[Role]) -> Result<UserRecord, ApiError> {
    match &auth.user {
        None => Err(AppError::unauthenticated().into()),
        Some(u) if allowed.contains(&u.role) => Ok(u.clone()),
        Some(_) => Err(AppError::forbidden().into()),
    }
}

/// Reads a body up to `limit` bytes; larger ones are answered 413 without reading further.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, Response> {
    let too_large = || {
        err(
            ErrorCode::Invalid,
            Some(StatusCode::PAYLOAD_TOO_LARGE),
            format!("the body is larger than {limit} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large())
}

/// Reads a JSON body of at most `limit` bytes into `T`; `what` names it in the refusal.
/// How far off the sending phone's clock is (`x-jiandu-sent-at`; none: zero).
fn sent_at_correction(headers: &HeaderMap, now: DateTime<Utc>) -> chrono::Duration {
    app::domain::record::clock_correction(
        headers
            .get(app::domain::record::SENT_AT_HEADER)
            .and_then(|v| v.to_str().ok()),
        now,
    )
}

async fn read_json<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    what: &str,
) -> Result<T, Response> {
    // The phone and scripts send JSON as JSON; anything else is a client's mistake, told as
    // such rather than parsed by luck.
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .is_some_and(|m| m == "application/json" || m.ends_with("+json"));
    if !json {
        return Err(err(
            ErrorCode::Invalid,
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            format!("send the {what} as JSON, with Content-Type: application/json"),
        ));
    }
    let bytes = read_body(headers, body, limit).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError(AppError::invalid(
            "body",
            format!("the body is not a valid {what}: {e}"),
        ))
        .into_response()
    })
}

/// 422 with the photos the server does not have yet: the phone uploads them and sends again.
async fn require_photos(
    db: &app::store::Db,
    user: &UserRecord,
    hashes: &[PhotoHash],
    what: &str,
) -> Result<(), AppError> {
    let missing = db.photos_not_held(user.id, hashes).await?;
    if missing.is_empty() {
        return Ok(());
    }
    let mut e = AppError::new(
        ErrorCode::Invalid,
        format!("upload these photos first, then send the {what} again"),
    );
    e.details = Some(serde_json::json!({ "missing_photos": missing }));
    Err(e)
}

/// 422 with every refused field, so that the sender fixes them all at once.
fn fields_refused(fields: Vec<app::domain::observation::FieldError>) -> Response {
    let mut e = AppError::new(ErrorCode::Invalid, "some fields were refused");
    e.details = Some(serde_json::json!({ "fields": fields }));
    ApiError(e).into_response()
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code: unauthenticated, forbidden, not_found, invalid, conflict, bad_credentials, internal.
    pub error: String,
    pub message: String,
    /// More about the error: `field`, `fields` (each with `field` and `message`) or `missing_photos`.
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct PhotoReceipt {
    pub sha256: String,
    pub width: i32,
    pub height: i32,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct AnswerReceipt {
    pub id: Uuid,
    pub item_id: Uuid,
    /// The item's status now: `answered`, or later if the loop moved on since.
    pub status: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ProgressReceipt {
    pub id: Uuid,
    pub sub_item_id: Uuid,
    /// Where the sub-item stands against its schedule now: `overdue`, `behind`, `on_track` or
    /// `done`.
    pub risk: String,
}

#[derive(Deserialize, ToSchema)]
pub struct SignIn {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct SignedIn {
    pub username: String,
    pub display_name: String,
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct Changes {
    pub items: Vec<ObservationReceipt>,
    /// Pass back as `after` to get the next changes; absent when there were none.
    pub cursor: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The cursor from the previous answer; omit for everything.
    pub after: Option<String>,
    /// At most this many (default and maximum 500).
    pub limit: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/session", request_body = SignIn,
    responses((status = 200, body = SignedIn), (status = 401, body = ErrorBody),
        (status = 413, description = "larger than 16 KiB", body = ErrorBody),
        (status = 415, description = "the body was not sent as `application/json`", body = ErrorBody),
        (status = 422, description = "the body is not a username and a password", body = ErrorBody),
        (status = 429, description = "too many failed sign-ins for this account or from this address; `Retry-After` says when to try again", body = ErrorBody),
        (status = 503, description = "too many sign-ins at once; try again shortly", body = ErrorBody)))]
async fn sign_in(
    mut auth: AuthSession,
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body: SignIn = match read_json(&headers, body, 16 * 1024, "sign-in").await {
        Ok(b) => b,
        Err(r) => return r,
    };
    match app::auth::ssr::sign_in(
        &mut auth,
        &state.sign_in,
        client.0,
        &body.username,
        body.password,
    )
    .await
    {
        Ok(user) => Json(SignedIn {
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: user.role.as_str().to_owned(),
        })
        .into_response(),
        Err(e) => {
            let retry = e.retry_after();
            let mut res = ApiError(e).into_response();
            if let Some(v) = retry.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
    }
}

#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204)))]
async fn sign_out(mut auth: AuthSession) -> Result<StatusCode, ApiError> {
    auth.logout().await.map_err(|_| AppError::internal())?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/photos/{sha256}",
    params(("sha256" = String, Path, description = "SHA-256 of the body, lower-case hex")),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses(
        (status = 201, description = "stored", body = PhotoReceipt),
        (status = 200, description = "already stored", body = PhotoReceipt),
        (status = 400, description = "the body's SHA-256 is not the one in the path", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, description = "larger than 12 MiB", body = ErrorBody),
        (status = 415, description = "not a JPEG, PNG or WebP", body = ErrorBody),
        (status = 422, description = "undecodable, or over the pixel limit", body = ErrorBody)))]
async fn put_photo(
    auth: AuthSession,
    State(state): State<AppState>,
    Path(sha256): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let user = match require(
        &auth,
        &[Role::Deputy, Role::Staff, Role::UnitOfficer, Role::Admin],
    ) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let Some(hash) = PhotoHash::parse(&sha256) else {
        return err(
            ErrorCode::Invalid,
            Some(StatusCode::BAD_REQUEST),
            "the path must end in the photo's SHA-256, 64 lower-case hex digits",
        );
    };
    let bytes = match read_body(&headers, body, MAX_UPLOAD_BYTES).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    if PhotoHash::of(&bytes) != hash {
        return err(
            ErrorCode::Invalid,
            Some(StatusCode::BAD_REQUEST),
            "the body's SHA-256 differs from the path: the upload was damaged, send it again",
        );
    }
    match media::store_account_photo(&state, &hash, bytes, user.id).await {
        Ok(true) => photo_receipt(&state.db, hash.as_str(), StatusCode::CREATED).await,
        // Stored before, or another upload of the same bytes committed first.
        Ok(false) => photo_receipt(&state.db, hash.as_str(), StatusCode::OK).await,
        Err(r) => (r.status, Json(r.error)).into_response(),
    }
}

async fn photo_receipt(db: &app::store::Db, sha256: &str, status: StatusCode) -> Response {
    let row: Result<(i32, i32), sqlx::Error> =
        sqlx::query_as("select width, height from photos where sha256 = $1")
            .bind(sha256)
            .fetch_one(&db.pool)
            .await;
    match row {
        Ok((width, height)) => (
            status,
            Json(PhotoReceipt {
                sha256: sha256.to_owned(),
                width,
                height,
            }),
        )
            .into_response(),
        Err(e) => ApiError(e.into()).into_response(),
    }
}

#[utoipa::path(put, path = "/api/v1/observations/{id}",
    params(("id" = Uuid, Path, description = "UUIDv7 made on the device"),
           ("x-jiandu-sent-at" = Option<String>, Header, description = "the phone's clock when it sent this, milliseconds since 1970: a clock more than two minutes off is corrected (the capture and photo times are kept in the server's time; the rules are applied in the phone's)")),
    request_body = ObservationInput,
    responses(
        (status = 201, description = "stored", body = ObservationReceipt),
        (status = 200, description = "identical resend: already stored", body = ObservationReceipt),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "this id was stored with different content", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, description = "the body was not sent as `application/json`", body = ErrorBody),
        (status = 422, description = "invalid fields (`details.fields`) or photos not uploaded yet (`details.missing_photos`)", body = ErrorBody)))]
async fn put_observation(
    auth: AuthSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let user = match require(&auth, &[Role::Deputy]) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let Ok(id) = Uuid::parse_str(&id) else {
        return ApiError(AppError::invalid("id", "the id in the path is not a UUID"))
            .into_response();
    };
    let input: ObservationInput =
        match read_json(&headers, body, MAX_OBSERVATION_BYTES, "observation").await {
            Ok(i) => i,
            Err(r) => return r,
        };
    let now = Utc::now();
    let obs = match Observation::parse_sent(id, &input, now, sent_at_correction(&headers, now)) {
        Ok(o) => o,
        Err(fields) => return fields_refused(fields),
    };
    let db = &state.db;
    let result = async {
        let (geometry, project_year) = db
            .site_geometry(obs.site_id)
            .await?
            .ok_or_else(|| AppError::invalid("site_id", "no such site"))?;
        // Findings go to the group that supervises the site's unit; a deputy files where their
        // group supervises (the sites of "my sites").
        // An inspection's sites are open to the deputies invited, on its days, whichever
        // group follows them.
        let follows = match user.deputy_id {
            Some(d) => {
                db.deputy_follows_site(d, obs.site_id).await?
                    || db.invited_at(user.id, obs.site_id, obs.captured_at).await?
            }
            None => false,
        };
        // A resend of what the deputy stored before is answered as such even if their group
        // changed since: the phone must learn it arrived, not that it failed.
        if !follows && !db.observation_is_theirs(obs.id, user.id).await? {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "this site is not one your supervision group follows: record it at a site in “my sites”, or ask staff to add the unit to your group",
            ));
        }
        require_photos(db, &user, &obs.photos, "observation").await?;
        let (verdict, distance) = judge(&geometry, obs.position.as_ref());
        let photos: Vec<_> = obs
            .photo_facts
            .iter()
            .map(|f| f.judge(&geometry, project_year))
            .collect();
        db.store_observation(user.id, &obs, verdict, distance, &photos)
            .await
    }
    .await;
    match result {
        Ok(Stored::Created(r)) => (StatusCode::CREATED, Json(r)).into_response(),
        Ok(Stored::Replayed(r)) => (StatusCode::OK, Json(r)).into_response(),
        Ok(Stored::Conflict) => err(
            ErrorCode::Conflict,
            None,
            "this id was already used for a different observation; capture it again to get a new id",
        ),
        Err(e) => ApiError(e).into_response(),
    }
}

/// A check-in is a position and a time.
const MAX_CHECK_IN_BYTES: usize = 4 * 1024;

#[utoipa::path(put, path = "/api/v1/inspections/{inspection}/check-ins/{id}",
    params(("inspection" = Uuid, Path, description = "the inspection"),
           ("id" = Uuid, Path, description = "UUIDv7 made on the device for this check-in"),
           ("x-jiandu-sent-at" = Option<String>, Header, description = "the phone's clock when it sent this, milliseconds since 1970: a clock more than two minutes off is corrected")),
    request_body = CheckInInput,
    responses(
        (status = 201, description = "stored, with the on-site verdict", body = CheckInReceipt),
        (status = 200, description = "identical resend: already stored", body = CheckInReceipt),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not a deputy invited to this inspection", body = ErrorBody),
        (status = 404, description = "no such inspection", body = ErrorBody),
        (status = 409, description = "this id was stored with a different check-in", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, description = "the body was not sent as `application/json`", body = ErrorBody),
        (status = 422, description = "invalid fields (`details.fields`): the site is not on the route, or the time is not one of the inspection's days", body = ErrorBody)))]
async fn put_check_in(
    auth: AuthSession,
    State(state): State<AppState>,
    Path((inspection, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let user = match require(&auth, &[Role::Deputy]) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let (Ok(inspection), Ok(id)) = (Uuid::parse_str(&inspection), Uuid::parse_str(&id)) else {
        return ApiError(AppError::invalid("id", "an id in the path is not a UUID"))
            .into_response();
    };
    let input: CheckInInput = match read_json(&headers, body, MAX_CHECK_IN_BYTES, "check-in").await
    {
        Ok(i) => i,
        Err(r) => return r,
    };
    let now = Utc::now();
    let check_in = match CheckIn::parse_sent(id, &input, now, sent_at_correction(&headers, now)) {
        Ok(c) => c,
        Err(fields) => return fields_refused(fields),
    };
    let db = &state.db;
    let result = async {
        let place = db
            .check_in_place(inspection, user.deputy_id, check_in.site_id)
            .await?
            .ok_or_else(|| AppError::not_found("inspection"))?;
        if !place.invited {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "you are not invited to this inspection: ask staff to add you",
            ));
        }
        let Some(geometry) = place.geometry else {
            return Err(AppError::invalid(
                "site_id",
                "this site is not on the inspection's route",
            ));
        };
        if !within_window(place.starts_on, place.ends_on, check_in.checked_at) {
            return Err(AppError::invalid(
                "checked_at",
                format!(
                    "this inspection runs from {} to {}: a check-in on another day is not kept",
                    place.starts_on, place.ends_on
                ),
            ));
        }
        let (verdict, distance) = judge(&geometry, Some(&check_in.position));
        db.store_check_in(user.id, inspection, &check_in, verdict, distance)
            .await
    }
    .await;
    match result {
        Ok(CheckInStored::Created(r)) => (StatusCode::CREATED, Json(r)).into_response(),
        Ok(CheckInStored::Replayed(r)) => (StatusCode::OK, Json(r)).into_response(),
        Ok(CheckInStored::Conflict) => err(
            ErrorCode::Conflict,
            None,
            "this id was already used for a different check-in; check in again to get a new id",
        ),
        Err(e) => ApiError(e).into_response(),
    }
}

#[utoipa::path(put, path = "/api/v1/items/{item}/answers/{id}",
    params(("item" = Uuid, Path, description = "the list item"),
           ("id" = Uuid, Path, description = "UUIDv7 made on the device for this answer"),
           ("x-jiandu-sent-at" = Option<String>, Header, description = "the phone's clock when it sent this, milliseconds since 1970: a clock more than two minutes off is corrected")),
    request_body = AnswerInput,
    responses(
        (status = 201, description = "the item is answered", body = AnswerReceipt),
        (status = 200, description = "identical resend: the answer was taken before", body = AnswerReceipt),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not an officer of the item's unit (it may have been reassigned)", body = ErrorBody),
        (status = 404, description = "no such item, or not one this officer may see", body = ErrorBody),
        (status = 409, description = "this id was used for another answer, or the item can no longer be answered", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, description = "the body was not sent as `application/json`", body = ErrorBody),
        (status = 422, description = "invalid fields (`details.fields`) or photos not uploaded yet (`details.missing_photos`)", body = ErrorBody)))]
async fn put_answer(
    auth: AuthSession,
    State(state): State<AppState>,
    Path((item, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let user = match require(&auth, &[Role::UnitOfficer]) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let (Ok(item), Ok(id)) = (Uuid::parse_str(&item), Uuid::parse_str(&id)) else {
        return ApiError(AppError::invalid(
            "id",
            "the item and the answer id must be UUIDs",
        ))
        .into_response();
    };
    // Before the body is read: an officer of another unit learns nothing and costs nothing.
    match state.db.may_read_item(item, &user).await {
        Ok(true) => {}
        Ok(false) => return ApiError(AppError::not_found("item")).into_response(),
        Err(e) => return ApiError(e).into_response(),
    }
    let input: AnswerInput = match read_json(&headers, body, MAX_ANSWER_BYTES, "answer").await {
        Ok(i) => i,
        Err(r) => return r,
    };
    let now = Utc::now();
    let answer =
        match DeviceAnswer::parse_sent(id, item, &input, now, sent_at_correction(&headers, now)) {
            Ok(a) => a,
            Err(fields) => return fields_refused(fields),
        };
    let db = &state.db;
    let result = async {
        // Whether an item exists is not for every officer to learn.
        if !db.may_read_item(item, &user).await? {
            return Err(AppError::not_found("item"));
        }
        require_photos(db, &user, &answer.photos, "answer").await?;
        let judged: Vec<_> = match db.item_site_geometry(item).await? {
            Some((site, year)) => answer
                .photo_facts
                .iter()
                .map(|f| f.judge(&site, year))
                .collect(),
            None => Vec::new(),
        };
        db.answer_from_device(&answer, &judged, &user, app::ssr::today())
            .await
    }
    .await;
    let receipt = |status: app::domain::list_item::ItemStatus| {
        Json(AnswerReceipt {
            id,
            item_id: item,
            status: status.as_str().to_owned(),
        })
    };
    match result {
        Ok(DeviceStep::Created(s)) => {
            tracing::info!(item = %item, answer = %id, by = %user.username, "item answered from a device");
            (StatusCode::CREATED, receipt(s)).into_response()
        }
        Ok(DeviceStep::Replayed(s)) => (StatusCode::OK, receipt(s)).into_response(),
        Ok(DeviceStep::Conflict) => err(
            ErrorCode::Conflict,
            None,
            "this id was already used for a different answer; write the answer again to get a new id",
        ),
        Err(e) => ApiError(e).into_response(),
    }
}

#[utoipa::path(put, path = "/api/v1/sub-items/{sub_item}/progress/{id}",
    params(("sub_item" = Uuid, Path, description = "the sub-item reported on"),
           ("id" = Uuid, Path, description = "UUIDv7 made on the device for this report")),
    request_body = ProgressWire,
    responses(
        (status = 201, description = "the report is filed", body = ProgressReceipt),
        (status = 200, description = "identical resend: the report was filed before", body = ProgressReceipt),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not an officer of the sub-item's lead unit (it may have been reassigned)", body = ErrorBody),
        (status = 404, description = "no such sub-item", body = ErrorBody),
        (status = 409, description = "this id was used for another report", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, description = "the body was not sent as `application/json`", body = ErrorBody),
        (status = 422, description = "invalid fields (`details.fields`) or photos not uploaded yet (`details.missing_photos`)", body = ErrorBody)))]
async fn put_progress(
    auth: AuthSession,
    State(state): State<AppState>,
    Path((sub_item, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(user) = auth.user.clone() else {
        return ApiError(AppError::unauthenticated()).into_response();
    };
    let (Ok(sub_item), Ok(id)) = (Uuid::parse_str(&sub_item), Uuid::parse_str(&id)) else {
        return ApiError(AppError::invalid(
            "id",
            "the sub-item and the report id must be UUIDs",
        ))
        .into_response();
    };
    let db = &state.db;
    // Every signed-in role reads a sub-item, so whether it exists is no secret; only the
    // officers of its lead unit report on it, and that is known before the body is read.
    match db.sub_item_unit(sub_item).await {
        Ok(Some(unit)) if app::domain::progress::may_report(user.role, user.unit_id, unit) => {}
        Ok(Some(_)) => return ApiError(AppError::forbidden()).into_response(),
        Ok(None) => return ApiError(AppError::not_found("sub-item")).into_response(),
        Err(e) => return ApiError(e).into_response(),
    }
    let wire: ProgressWire =
        match read_json(&headers, body, MAX_PROGRESS_BYTES, "progress report").await {
            Ok(w) => w,
            Err(r) => return r,
        };
    let result = async {
        let schedule = db
            .sub_item_schedule(sub_item)
            .await?
            .ok_or_else(|| AppError::not_found("sub-item"))?;
        let report = match DeviceProgress::parse(id, sub_item, &wire, schedule.target) {
            Ok(r) => r,
            Err(fields) => return Ok(Err(fields)),
        };
        require_photos(db, &user, &report.photos, "progress report").await?;
        let filed = db.file_progress_from_device(&report, user.id).await?;
        let risk = match filed {
            DeviceFiled::Conflict => None,
            _ => {
                let now = db.sub_item_schedule(sub_item).await?;
                let margin = db.progress_margin().await?;
                now.map(|s| s.risk(app::ssr::today(), margin))
            }
        };
        Ok::<_, AppError>(Ok((filed, risk)))
    }
    .await;
    let receipt = |risk: Option<app::domain::progress::Risk>| {
        Json(ProgressReceipt {
            id,
            sub_item_id: sub_item,
            risk: risk.map(|r| r.as_str()).unwrap_or("unknown").to_owned(),
        })
    };
    match result {
        Ok(Err(fields)) => fields_refused(fields),
        Ok(Ok((DeviceFiled::Created, risk))) => {
            // The public plan and the site pages show the latest figure.
            state.public_pages_changed().await;
            tracing::info!(sub_item = %sub_item, report = %id, by = %user.username, "progress reported from a device");
            (StatusCode::CREATED, receipt(risk)).into_response()
        }
        Ok(Ok((DeviceFiled::Replayed, risk))) => (StatusCode::OK, receipt(risk)).into_response(),
        Ok(Ok((DeviceFiled::Conflict, _))) => err(
            ErrorCode::Conflict,
            None,
            "this id was already used for a different report; file the report again to get a new id",
        ),
        Err(e) => ApiError(e).into_response(),
    }
}

#[utoipa::path(get, path = "/api/v1/observations", params(ChangesQuery),
    responses((status = 200, body = Changes), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "`after` is not a cursor from this API, or `limit` not a whole number", body = ErrorBody)))]
async fn observation_changes(
    auth: AuthSession,
    State(state): State<AppState>,
    q: Result<Query<ChangesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Changes>, ApiError> {
    let user = require(&auth, &[Role::Deputy])?;
    let Query(q) = q.map_err(|_| {
        AppError::invalid("limit", "limit is a whole number of records, at most 500")
    })?;
    let after = match q.after.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => Some(
            parse_cursor(c)
                .ok_or_else(|| AppError::invalid("after", "not a cursor from this API"))?,
        ),
    };
    let limit = q.limit.unwrap_or(500).clamp(1, 500);
    let items = state.db.observation_changes(user.id, after, limit).await?;
    let cursor = items
        .last()
        .map(|r| format!("{}_{}", r.updated_at.timestamp_micros(), r.id));
    Ok(Json(Changes { items, cursor }))
}

fn parse_cursor(c: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (ts, id) = c.split_once('_')?;
    Some((
        DateTime::<Utc>::from_timestamp_micros(ts.parse().ok()?)?,
        Uuid::parse_str(id).ok()?,
    ))
}

/// Serves the metadata-free copies to signed-in people. Originals are never served.
async fn media_file(
    auth: AuthSession,
    State(state): State<AppState>,
    Path((variant, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(user) = auth.user.as_ref() else {
        return ApiError(AppError::unauthenticated()).into_response();
    };
    let (Some(variant), Some(hash)) = (
        Variant::parse(&variant),
        file.strip_suffix(".jpg").and_then(PhotoHash::parse),
    ) else {
        return ApiError(AppError::not_found("photo")).into_response();
    };
    // Not found rather than forbidden: whether a photo exists is itself not for everyone.
    match state.db.may_see_photo(hash.as_str(), user).await {
        Ok(true) => {}
        Ok(false) => return ApiError(AppError::not_found("photo")).into_response(),
        Err(e) => return ApiError(e).into_response(),
    }
    match media::copy_for_reader(&state, variant, hash.as_str()).await {
        Ok(Some(bytes)) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                // Content-addressed: the bytes behind a name never change.
                (
                    header::CACHE_CONTROL,
                    "private, max-age=31536000, immutable",
                ),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => media::lost_photo(&headers)
            .unwrap_or_else(|| ApiError(AppError::not_found("photo")).into_response()),
        Err(e) => ApiError(e).into_response(),
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Jiandu API",
        version = "1",
        description = "Field capture, officers' answers and sync for Jiandu (监督)."
    ),
    paths(
        sign_in,
        sign_out,
        put_photo,
        put_observation,
        observation_changes,
        put_answer,
        put_progress,
        put_check_in
    ),
    components(schemas(
        ErrorBody,
        PhotoReceipt,
        SignIn,
        SignedIn,
        Changes,
        ObservationReceipt,
        ObservationInput,
        AnswerInput,
        AnswerReceipt,
        ProgressWire,
        ProgressReceipt,
        CheckInInput,
        CheckInReceipt,
        app::domain::observation::PositionInput,
        app::domain::observation::FieldError
    ))
)]
pub struct ApiDoc;

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

pub fn routes() -> Mounted {
    Mounted::default()
        .route("/api/v1/openapi.json", get(openapi))
        .route(
            "/api/v1/session",
            axum::routing::post(sign_in).delete(sign_out),
        )
        .route("/api/v1/photos/{sha256}", put(put_photo))
        .route("/api/v1/observations/{id}", put(put_observation))
        .route("/api/v1/observations", get(observation_changes))
        .route("/api/v1/items/{item}/answers/{id}", put(put_answer))
        .route(
            "/api/v1/sub-items/{sub_item}/progress/{id}",
            put(put_progress),
        )
        .route(
            "/api/v1/inspections/{inspection}/check-ins/{id}",
            put(put_check_in),
        )
        .route("/media/{variant}/{file}", get(media_file))
}
