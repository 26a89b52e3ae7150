//! `POST /items/{id}/answer`: a unit officer's answer with evidence photos, as one multipart
//! form that works without JavaScript. The step is checked before any photo is stored, the
//! photos go through the same ingest as deputies' photos, and the answer, its photos and the
//! notifications are written in one transaction.

use app::{
    auth::ssr::AuthSession,
    domain::{
        list_item::{Action, MAX_EVIDENCE_PHOTOS, MAX_TEXT_CHARS},
        PhotoHash,
    },
    error::{AppError, ErrorCode},
    ssr::{today, AppState},
};
use axum::{
    extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State},
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::post,
    Router,
};
use uuid::Uuid;

use crate::media::{self, MAX_UPLOAD_BYTES};
use crate::{refuse, status_of};

/// Text and photos together: six photos at the upload limit, plus the form's text.
const MAX_BODY_BYTES: usize = MAX_EVIDENCE_PHOTOS * MAX_UPLOAD_BYTES + 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/items/{id}/answer",
        post(answer).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
    )
}

async fn answer(
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
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let too_large = || {
        AppError::new(
            ErrorCode::TooLarge,
            format!("send at most {MAX_EVIDENCE_PHOTOS} photos of at most 12 MB each"),
        )
    };
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return refuse(&headers, StatusCode::PAYLOAD_TOO_LARGE, too_large());
    }
    // Who may answer is known before a byte of the body is read: up to 72 MB of photos are not
    // taken in for someone who may not answer this item. Whether the item exists is not for
    // everyone to learn, so that comes first.
    match state.db.may_read_item(id, &user).await {
        Ok(true) => {}
        Ok(false) => {
            let e = AppError::not_found("item");
            return refuse(&headers, status_of(&e), e);
        }
        Err(e) => return refuse(&headers, status_of(&e), e),
    }
    if user.role != app::domain::Role::UnitOfficer {
        let e = AppError::forbidden();
        return refuse(&headers, status_of(&e), e);
    }
    let mut mp = match Multipart::from_request(req, &state).await {
        Ok(mp) => mp,
        Err(e) => {
            let e = AppError::invalid(
                "text",
                format!("send the form as multipart/form-data: {}", e.body_text()),
            );
            return refuse(&headers, StatusCode::BAD_REQUEST, e);
        }
    };
    let mut text = String::new();
    let mut photos: Vec<bytes::Bytes> = Vec::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let e = crate::multipart_error(&e, "photos", &too_large().message);
                let status = match e.error {
                    ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                    _ => StatusCode::BAD_REQUEST,
                };
                return refuse(&headers, status, e);
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let has_file = field.file_name().is_some_and(|n| !n.is_empty());
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                let e = crate::multipart_error(&e, "photos", &too_large().message);
                let status = match e.error {
                    ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                    _ => StatusCode::BAD_REQUEST,
                };
                return refuse(&headers, status, e);
            }
        };
        match name.as_str() {
            "text" if bytes.len() <= 4 * MAX_TEXT_CHARS * 2 => {
                text = String::from_utf8_lossy(&bytes).into_owned()
            }
            "text" => {
                let e = AppError::invalid("text", "the answer is longer than 2000 characters");
                return refuse(&headers, StatusCode::UNPROCESSABLE_ENTITY, e);
            }
            // An empty file input still sends a part with no name and no bytes.
            "photos" if has_file && !bytes.is_empty() => {
                if bytes.len() > MAX_UPLOAD_BYTES || photos.len() == MAX_EVIDENCE_PHOTOS {
                    return refuse(&headers, StatusCode::PAYLOAD_TOO_LARGE, too_large());
                }
                photos.push(bytes);
            }
            _ => {}
        }
    }
    let action = Action::Answer { text };
    let today = today();
    // Refused steps store nothing, photos included.
    if let Err(e) = state.db.check_transition(id, &user, &action, today).await {
        return refuse(&headers, status_of(&e), e);
    }
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
    match state
        .db
        .transition_item(id, &user, &action, &hashes, today)
        .await
    {
        Ok(_) => {
            tracing::info!(item = %id, photos = hashes.len(), by = %user.username, "item answered");
            Redirect::to(&format!("/items/{id}")).into_response()
        }
        Err(e) => refuse(&headers, status_of(&e), e),
    }
}
