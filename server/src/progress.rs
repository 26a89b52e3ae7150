//! `POST /sub-items/{id}/progress`: a unit officer's progress report (quantity done, funds paid
//! by source, a note) with evidence photos, as one multipart form that works without
//! JavaScript. Who may report is checked before the body is read, every figure before a photo
//! is stored, and the report and its photos are written in one transaction.

use app::{
    auth::ssr::AuthSession,
    domain::{
        progress::{ProgressForm, MAX_PROGRESS_PHOTOS},
        PhotoHash, Role,
    },
    error::{AppError, ErrorCode},
    ssr::AppState,
};
use axum::{
    extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State},
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::post,
    Json, Router,
};
use uuid::Uuid;

use crate::media::{self, MAX_UPLOAD_BYTES};
use crate::{refuse, status_of};

/// Six photos at the upload limit, plus the form's text.
const MAX_BODY_BYTES: usize = MAX_PROGRESS_PHOTOS * MAX_UPLOAD_BYTES + 64 * 1024;
/// A text field of the form: the note's 2,000 characters at four bytes each, with room.
const MAX_TEXT_BYTES: usize = 16 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/sub-items/{id}/progress",
        post(file).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
    )
}

#[derive(Default)]
struct Fields {
    quantity_done: String,
    paid_government: String,
    paid_residents: String,
    paid_social: String,
    note: String,
}

async fn file(
    auth: AuthSession,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    req: Request,
) -> Response {
    let headers = req.headers().clone();
    let Some(user) = auth.user.clone() else {
        let e = AppError::unauthenticated();
        return refuse(&headers, status_of(&e), e);
    };
    let too_large = || {
        let mut e = AppError::new(
            ErrorCode::TooLarge,
            format!("send at most {MAX_PROGRESS_PHOTOS} photos of at most 12 MB each"),
        );
        e.details = Some(serde_json::json!({ "field": "progress_photos" }));
        e
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return refuse(&headers, StatusCode::PAYLOAD_TOO_LARGE, too_large());
    }
    // Every signed-in role reads a sub-item, so its existence is no secret; only the officers
    // of its lead unit report on it. Both are known before a byte of the body is read.
    let unit = match state.db.sub_item_unit(id).await {
        Ok(Some(unit)) => unit,
        Ok(None) => {
            let e = AppError::not_found("sub-item");
            return refuse(&headers, status_of(&e), e);
        }
        Err(e) => return refuse(&headers, status_of(&e), e),
    };
    if user.role != Role::UnitOfficer || user.unit_id != Some(unit) {
        let e = AppError::forbidden();
        return refuse(&headers, status_of(&e), e);
    }
    let mut mp = match Multipart::from_request(req, &state).await {
        Ok(mp) => mp,
        Err(e) => {
            // Not one field's fault: no field, so no field's hint is shown for it.
            let e = AppError::new(
                ErrorCode::Invalid,
                format!("send the form as multipart/form-data: {}", e.body_text()),
            );
            return refuse(&headers, StatusCode::BAD_REQUEST, e);
        }
    };
    let mut fields = Fields::default();
    let mut photos: Vec<bytes::Bytes> = Vec::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return broken(&headers, &e, &too_large().message),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let has_file = field.file_name().is_some_and(|n| !n.is_empty());
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => return broken(&headers, &e, &too_large().message),
        };
        let slot = match name.as_str() {
            "quantity_done" => Some(&mut fields.quantity_done),
            "paid_government" => Some(&mut fields.paid_government),
            "paid_residents" => Some(&mut fields.paid_residents),
            "paid_social" => Some(&mut fields.paid_social),
            "note" => Some(&mut fields.note),
            _ => None,
        };
        if let Some(slot) = slot {
            if bytes.len() > MAX_TEXT_BYTES {
                let field = if name == "note" {
                    "progress_note"
                } else {
                    &name
                };
                let e = AppError::invalid(field, "this field is far too long");
                return refuse(&headers, StatusCode::UNPROCESSABLE_ENTITY, e);
            }
            *slot = String::from_utf8_lossy(&bytes).into_owned();
        } else if name == "photos" && has_file && !bytes.is_empty() {
            // An empty file input still sends a part with no name and no bytes.
            if bytes.len() > MAX_UPLOAD_BYTES || photos.len() == MAX_PROGRESS_PHOTOS {
                return refuse(&headers, StatusCode::PAYLOAD_TOO_LARGE, too_large());
            }
            photos.push(bytes);
        }
    }
    let target = match state.db.sub_item_target(id).await {
        Ok(Some(t)) => t,
        Ok(None) => {
            let e = AppError::not_found("sub-item");
            return refuse(&headers, status_of(&e), e);
        }
        Err(e) => return refuse(&headers, status_of(&e), e),
    };
    let form = ProgressForm {
        quantity_done: &fields.quantity_done,
        paid_government: &fields.paid_government,
        paid_residents: &fields.paid_residents,
        paid_social: &fields.paid_social,
        note: &fields.note,
    };
    // Refused figures store nothing, photos included.
    let input = match form.parse(target) {
        Ok(input) => input,
        Err(e) => {
            let e = AppError::invalid(&e.field, e.message);
            return refuse(&headers, StatusCode::UNPROCESSABLE_ENTITY, e);
        }
    };
    let mut hashes = Vec::with_capacity(photos.len());
    for bytes in photos {
        let hash = PhotoHash::of(&bytes);
        if let Err(r) = media::store_account_photo(&state, &hash, bytes, user.id).await {
            return refuse(&headers, r.status, r.error);
        }
        let sha = hash.as_str().to_owned();
        if !hashes.contains(&sha) {
            hashes.push(sha);
        }
    }
    match state.db.file_progress(id, user.id, &input, &hashes).await {
        Ok(report) => {
            // The public plan and the site pages show the latest figure.
            state.pages.clear();
            tracing::info!(sub_item = %id, %report, photos = hashes.len(), by = %user.username, "progress reported");
            let wants_html = headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|a| a.contains("text/html"));
            if wants_html {
                Redirect::to(&format!("/sub-items/{id}#report-{report}")).into_response()
            } else {
                (
                    StatusCode::CREATED,
                    Json(serde_json::json!({ "id": report })),
                )
                    .into_response()
            }
        }
        Err(e) => refuse(&headers, status_of(&e), e),
    }
}

fn broken(
    headers: &axum::http::HeaderMap,
    e: &axum::extract::multipart::MultipartError,
    too_large: &str,
) -> Response {
    let e = crate::multipart_error(e, "progress_photos", too_large);
    let status = match e.error {
        ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    refuse(headers, status, e)
}
