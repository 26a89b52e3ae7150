//! `POST /sub-items/{id}/progress`: a unit officer's progress report (quantity done, funds paid
//! by source, a note) with evidence photos, as one multipart form that works without
//! JavaScript. Who may report is checked before the body is read, every figure before a photo
//! is stored, and the report and its photos are written in one transaction.

use crate::routing::Mounted;
use app::{
    auth::ssr::AuthSession,
    domain::progress::{ProgressForm, MAX_PROGRESS_PHOTOS},
    error::AppError,
    ssr::AppState,
};
use axum::{
    extract::{DefaultBodyLimit, Path, Request, State},
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::post,
    Json,
};
use uuid::Uuid;

use crate::evidence::{self, EvidenceSpec};
use crate::{refuse, status_of};

const FORM: EvidenceSpec<'static> = EvidenceSpec {
    texts: &[
        ("quantity_done", "quantity_done"),
        ("paid_government", "paid_government"),
        ("paid_residents", "paid_residents"),
        ("paid_social", "paid_social"),
        ("note", "progress_note"),
    ],
    // The note's 2,000 characters at four bytes each, with room.
    max_text_bytes: 16 * 1024,
    photos_field: "progress_photos",
    max_photos: MAX_PROGRESS_PHOTOS,
};

pub fn routes() -> Mounted {
    Mounted::default().route(
        "/sub-items/{id}/progress",
        post(file).layer(DefaultBodyLimit::max(EvidenceSpec::max_body(
            MAX_PROGRESS_PHOTOS,
        ))),
    )
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
    if FORM.declared_too_large(&headers) {
        return refuse(&headers, StatusCode::PAYLOAD_TOO_LARGE, FORM.too_large());
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
    if !app::domain::progress::may_report(user.role, user.unit_id, unit) {
        let e = AppError::forbidden();
        return refuse(&headers, status_of(&e), e);
    }
    let sent = match evidence::read(req, &state, &FORM).await {
        Ok(form) => form,
        Err((status, e)) => return refuse(&headers, status, e),
    };
    let target = match state.db.sub_item_target(id).await {
        Ok(Some(t)) => t,
        Ok(None) => {
            let e = AppError::not_found("sub-item");
            return refuse(&headers, status_of(&e), e);
        }
        Err(e) => return refuse(&headers, status_of(&e), e),
    };
    let form = ProgressForm {
        quantity_done: sent.text("quantity_done"),
        paid_government: sent.text("paid_government"),
        paid_residents: sent.text("paid_residents"),
        paid_social: sent.text("paid_social"),
        note: sent.text("note"),
    };
    // Refused figures store nothing, photos included.
    let input = match form.parse(target) {
        Ok(input) => input,
        Err(e) => {
            let e = AppError::invalid(&e.field, e.message);
            return refuse(&headers, StatusCode::UNPROCESSABLE_ENTITY, e);
        }
    };
    let hashes = match evidence::store(&state, sent.photos, user.id).await {
        Ok(h) => h,
        Err((status, e)) => return refuse(&headers, status, e),
    };
    match state.db.file_progress(id, user.id, &input, &hashes).await {
        Ok(report) => {
            // The public plan and the site pages show the latest figure.
            state.public_pages_changed().await;
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
