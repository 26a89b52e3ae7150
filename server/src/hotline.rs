//! `POST /topics/hotline`: a 12345 hotline export (CSV or XLSX) as multipart form data (`file`).
//! Staff only. All or nothing, like the findings import: 200 with `{"Imported": …}` or with
//! `{"Refused": {"errors": [per row]}}` (nothing stored); a plain form gets the page again (422
//! when refused).

use crate::routing::Mounted;
use app::{
    auth::ssr::AuthSession,
    error::{AppError, ErrorCode},
    ssr::AppState,
    topic_rows::HotlineOutcome,
    topics::{HOTLINE_URL, MAX_HOTLINE_BYTES},
};
use axum::{
    extract::{DefaultBodyLimit, Multipart, State},
    response::Response,
    routing::post,
};

pub fn routes() -> Mounted {
    Mounted::default().route(
        HOTLINE_URL,
        post(import).layer(DefaultBodyLimit::max(MAX_HOTLINE_BYTES + 64 * 1024)),
    )
}

async fn import(
    auth: AuthSession,
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let st = state.clone();
    crate::upload_answered(
        state,
        parts,
        mp,
        "the file is larger than 20 MB",
        "/staff/topics/hotline",
        |form| async move { import_calls(auth, &st, form).await },
        |o| matches!(o, HotlineOutcome::Refused { .. }),
    )
    .await
}

async fn import_calls(
    auth: AuthSession,
    state: &AppState,
    form: crate::UploadForm,
) -> Result<HotlineOutcome, AppError> {
    let Some(user) = auth.user.clone() else {
        return Err(AppError::unauthenticated());
    };
    if !user.role.is_staff() {
        return Err(AppError::forbidden());
    }
    let Some((file_name, bytes)) = form.file else {
        return Err(AppError::invalid("file", "choose a file to import"));
    };
    if bytes.len() > MAX_HOTLINE_BYTES {
        return Err(AppError::new(
            ErrorCode::TooLarge,
            "the file is larger than 20 MB",
        ));
    }
    let file_name: String = if file_name.trim().is_empty() {
        "12345".to_owned()
    } else {
        file_name.chars().take(255).collect()
    };
    let name = file_name.clone();
    // Read and checked off the async threads: 50,000 rows take a moment.
    let read = tokio::task::spawn_blocking(move || {
        crate::import::cells_up_to(&name, &bytes, app::domain::topics::MAX_ROWS)
            .map(app::domain::topics::parse_hotline)
    })
    .await;
    let calls = match read {
        Ok(Ok(Ok(calls))) => calls,
        Ok(Ok(Err(errors))) => return Ok(HotlineOutcome::Refused { errors }),
        Ok(Err(e)) => return Err(e),
        Err(_) => return Err(AppError::internal()),
    };
    let outcome = state.db.import_hotline(&calls, &file_name, user.id).await?;
    if let HotlineOutcome::Imported {
        import,
        rows,
        skipped,
    } = &outcome
    {
        tracing::info!(%import, rows, skipped, by = %user.username, "12345 calls imported");
        let detail = serde_json::json!({ "import": import, "rows": rows, "skipped": skipped });
        if let Err(e) = state
            .db
            .log_admin(
                Some(user.id),
                app::accounts::AdminAction::Import,
                &file_name,
                Some(detail),
            )
            .await
        {
            tracing::error!(error = %e.message, %import, "12345 import not written to the admin log");
        }
        // Cut into words now rather than on the next topics page.
        let db = state.db.clone();
        tokio::spawn(async move {
            if let Err(e) = app::topics::index::catch_up(&db).await {
                tracing::warn!(error = %e.message, "hot-topic words not cut; the next page tries again");
            }
        });
    }
    Ok(outcome)
}
