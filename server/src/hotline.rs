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

/// What a 20 MB workbook may unzip to: a month of calls is mostly text, which zips about 3:1.
const MAX_UNZIPPED_BYTES: u64 = 160 * 1024 * 1024;

async fn import(
    auth: AuthSession,
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    // Asked before the body is read: nobody else may make the server hold 20 MB.
    let refused = match &auth.user {
        None => Some(AppError::unauthenticated()),
        Some(u) if !u.role.is_staff() => Some(AppError::forbidden()),
        Some(_) => None,
    };
    if let Some(e) = refused {
        use axum::response::IntoResponse;
        let status = axum::http::StatusCode::from_u16(e.error.http_status())
            .unwrap_or(axum::http::StatusCode::FORBIDDEN);
        if crate::wants_page(&parts.headers) {
            let answer = app::ui::upload::Uploaded::<HotlineOutcome> {
                outcome: Err(e),
                fields: Default::default(),
            };
            return crate::page_with(state, parts, "/staff/topics/hotline", answer, status).await;
        }
        return (status, axum::Json(e)).into_response();
    }
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
    // A name with control characters cannot be stored (and names nothing a person typed).
    let file_name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(255)
        .collect();
    let file_name = if file_name.trim().is_empty() {
        "12345".to_owned()
    } else {
        file_name
    };
    let name = file_name.clone();
    // Read and checked off the async threads: 50,000 rows take a moment.
    let read = tokio::task::spawn_blocking(move || {
        // A title row or two above the header is common in exports: the rows are counted
        // under the header by the domain.
        crate::import::cells_within(
            &name,
            &bytes,
            app::domain::topics::MAX_ROWS + 16,
            MAX_UNZIPPED_BYTES,
        )
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
