//! `POST /items/{id}/answer`: a unit officer's answer with evidence photos, as one multipart
//! form that works without JavaScript. The step is checked before any photo is stored, the
//! photos go through the same ingest as deputies' photos, and the answer, its photos and the
//! notifications are written in one transaction.

use crate::routing::Mounted;
use app::{
    auth::ssr::AuthSession,
    domain::list_item::{Action, MAX_EVIDENCE_PHOTOS, MAX_TEXT_CHARS},
    error::AppError,
    ssr::{today, AppState},
};
use axum::{
    extract::{DefaultBodyLimit, Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::post,
};
use uuid::Uuid;

use crate::evidence::{self, EvidenceSpec};
use crate::{refuse, status_of};

const FORM: EvidenceSpec<'static> = EvidenceSpec {
    // The answer's characters at up to four bytes each, with room for what the check refuses.
    texts: &[("text", "text")],
    max_text_bytes: 4 * MAX_TEXT_CHARS * 2,
    photos_field: "photos",
    max_photos: MAX_EVIDENCE_PHOTOS,
};

pub fn routes() -> Mounted {
    Mounted::default().route(
        "/items/{id}/answer",
        post(answer).layer(DefaultBodyLimit::max(EvidenceSpec::max_body(
            MAX_EVIDENCE_PHOTOS,
        ))),
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
    if FORM.declared_too_large(&headers) {
        return refuse(&headers, StatusCode::PAYLOAD_TOO_LARGE, FORM.too_large());
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
    let form = match evidence::read(req, &state, &FORM).await {
        Ok(form) => form,
        Err((status, e)) => return refuse(&headers, status, e),
    };
    let action = Action::Answer {
        text: form.text("text").to_owned(),
    };
    let today = today();
    // Refused steps store nothing, photos included.
    if let Err(e) = state.db.check_transition(id, &user, &action, today).await {
        return refuse(&headers, status_of(&e), e);
    }
    let hashes = match evidence::store(&state, form.photos, user.id).await {
        Ok(h) => h,
        Err((status, e)) => return refuse(&headers, status, e),
    };
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
