//! `POST /api/v1/sites/{code}/readings`: a device's readings over HTTP, with its token as a
//! bearer token; and `GET /sites/{id}/readings.csv`, a site's readings for those who read the
//! site. A reading is kept once per device and message id (`store::usage`), so a device that
//! did not hear the answer sends again without counting twice.

use crate::routing::Mounted;
use app::{
    auth::ssr::AuthSession,
    domain::device::{self, ReadingWire, MAX_BATCH},
    error::{AppError, ErrorCode},
    ssr::AppState,
};
use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A full batch of readings in JSON, with room.
const MAX_BODY: usize = MAX_BATCH * 256 + 4096;
/// Days of readings one CSV export may span.
pub const MAX_EXPORT_DAYS: i64 = 92;

pub fn routes(limits: &crate::public::CommentLimits) -> Mounted {
    // Open to anyone who can reach the server: the token is checked per request, so the number
    // of requests a client may make is bounded before any is read.
    let per_client = crate::limits::Limit::new(
        "device",
        crate::limits::KeyBy::Client(crate::limits::ClientKey::new(
            limits.trusted_proxies.clone(),
        )),
        limits.device_burst,
        limits.device_interval,
    );
    let readings = crate::limits::on(
        post(readings).layer(DefaultBodyLimit::max(MAX_BODY)),
        per_client,
    );
    Mounted::default()
        .route("/api/v1/sites/{code}/readings", readings)
        .route("/sites/{id}/readings.csv", get(csv))
}

/// One reading, or several under `readings`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Body {
    Many { readings: Vec<ReadingWire> },
    One(ReadingWire),
}

/// What became of a batch: how many readings were new, and how many had been kept before.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct Stored {
    pub stored: u64,
    pub duplicates: u64,
}

fn refuse(status: StatusCode, e: AppError) -> Response {
    (status, Json(e)).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

async fn readings(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Who is sending comes first: a request without a good token learns nothing of the site.
    let unauthorised = || {
        refuse(
            StatusCode::UNAUTHORIZED,
            AppError::new(
                ErrorCode::Unauthenticated,
                "send the device's token as `Authorization: Bearer jdv1_…`",
            ),
        )
    };
    let Some(token) = bearer(&headers).filter(|t| device::token_well_formed(t)) else {
        return unauthorised();
    };
    let hash = device::token_hash(token);
    let found = match state.db.devices_by_token(std::slice::from_ref(&hash)).await {
        Ok(found) => found,
        Err(e) => return refuse(crate::status_of(&e), e),
    };
    let Some(dev) = found.into_iter().next() else {
        return unauthorised();
    };
    if !device::reads_at(&dev.site_code, &code) {
        return refuse(
            StatusCode::FORBIDDEN,
            AppError::new(
                ErrorCode::Forbidden,
                "this device belongs to another site: send to its own site's address",
            ),
        );
    }
    let batch = match serde_json::from_slice::<Body>(&body) {
        Ok(Body::Many { readings }) => readings,
        Ok(Body::One(r)) => vec![r],
        Err(e) => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                AppError::new(
                    ErrorCode::Invalid,
                    format!("send a reading, or {{\"readings\": [...]}}, as JSON: {e}"),
                ),
            )
        }
    };
    let checked: Vec<_> = match device::check_batch(&batch, chrono::Utc::now()) {
        Ok(rs) => rs.into_iter().map(|r| (dev.device_id, r)).collect(),
        // Nothing of a batch with a bad reading is kept: the device fixes it and sends again.
        Err((index, e)) => {
            let mut err = AppError::invalid(&e.field, e.message);
            err.details = Some(serde_json::json!({ "field": e.field, "index": index }));
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, err);
        }
    };
    match state.db.store_readings(&checked, "http").await {
        Ok(stored) => Json(Stored {
            stored,
            duplicates: checked.len() as u64 - stored,
        })
        .into_response(),
        Err(e) => refuse(crate::status_of(&e), e),
    }
}

#[derive(Deserialize)]
struct Range {
    from: Option<String>,
    to: Option<String>,
}

/// A site's readings as CSV, `?from=&to=` (days, China time, both included; the last 31 days by
/// default, at most 92 at once). Every signed-in role reads a site's usage on its page.
async fn csv(
    auth: AuthSession,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Query(range): Query<Range>,
) -> Response {
    if auth.user.is_none() {
        return refuse(StatusCode::UNAUTHORIZED, AppError::unauthenticated());
    }
    let today = app::ssr::today();
    let day = |v: &Option<String>, field: &str, default| match v
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Ok(default),
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| AppError::invalid(field, "give a day as YYYY-MM-DD")),
    };
    let (from, to) = match (
        day(&range.from, "from", today - chrono::Duration::days(30)),
        day(&range.to, "to", today),
    ) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, e),
    };
    if to < from || (to - from).num_days() >= MAX_EXPORT_DAYS {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            AppError::invalid(
                "to",
                format!(
                    "export from one day to a later one, at most {MAX_EXPORT_DAYS} days at once"
                ),
            ),
        );
    }
    let site = match state.db.site(id).await {
        Ok(s) => s,
        Err(e) => return refuse(crate::status_of(&e), e),
    };
    let china = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc() - chrono::Duration::hours(8))
            .unwrap_or_default()
    };
    let rows = match state
        .db
        .site_readings(id, china(from), china(to + chrono::Duration::days(1)))
        .await
    {
        Ok(r) => r,
        Err(e) => return refuse(crate::status_of(&e), e),
    };
    let head = [
        "时间",
        "设备",
        "类型",
        "标签",
        "消息编号",
        "使用次数",
        "用电（Wh）",
        "故障",
        "通道",
        "接收时间",
    ];
    let time = |t: chrono::DateTime<chrono::Utc>| {
        (t + chrono::Duration::hours(8))
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    // A byte-order mark first, so Excel reads the Chinese as UTF-8.
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    let write = |bytes: &mut Vec<u8>| -> Result<(), csv::Error> {
        let mut out = csv::Writer::from_writer(bytes);
        out.write_record(head)?;
        for r in &rows {
            out.write_record([
                time(r.at),
                r.device_id.to_string(),
                r.kind.clone(),
                crate::export::csv_safe(&r.label).into_owned(),
                r.message_id.clone(),
                r.uses.to_string(),
                r.energy_wh.to_string(),
                r.faults.to_string(),
                r.via.clone(),
                time(r.received_at),
            ])?;
        }
        out.flush()?;
        Ok(())
    };
    match write(&mut bytes) {
        Ok(()) => crate::export::attachment(
            bytes,
            "text/csv; charset=utf-8",
            &format!("jiandu-readings-{}-{from}-{to}.csv", site.public_code),
        ),
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, AppError::internal()),
    }
}
