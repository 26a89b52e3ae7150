//! `POST /items/import`: a findings file (CSV or XLSX) of a unit self-inspection or a special
//! audit, as multipart form data (`channel`, `file`). Staff only. Answers our JSON: 200 with
//! `{"Imported": …}` or `{"Refused": {"errors": [per row]}}` (nothing stored), or an error.

use app::{
    auth::ssr::AuthSession,
    domain::list_item::Channel,
    error::{AppError, ErrorCode},
    items::imports::{ImportOutcome, MAX_FILE_BYTES},
    ssr::{today, AppState},
};
use axum::{
    extract::{DefaultBodyLimit, Multipart, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};

pub fn routes() -> Router<AppState> {
    Router::new().route(
        app::items::imports::IMPORT_URL,
        post(import).layer(DefaultBodyLimit::max(MAX_FILE_BYTES + 64 * 1024)),
    )
}

fn error(e: AppError) -> Response {
    let status =
        StatusCode::from_u16(e.error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(e)).into_response()
}

/// The cells of the first sheet (XLSX) or of the file (CSV, UTF-8), as text.
pub fn cells(file_name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, AppError> {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04") {
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|_| {
                AppError::invalid(
                    "file",
                    "this .xlsx file cannot be read: save it again from Excel or WPS",
                )
            })?;
        let sheet = book
            .worksheet_range_at(0)
            .ok_or_else(|| AppError::invalid("file", "the workbook has no sheet"))?
            .map_err(|_| AppError::invalid("file", "the first sheet cannot be read"))?;
        Ok(sheet
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect())
    } else if lower.ends_with(".csv") || lower.ends_with(".txt") {
        let text = std::str::from_utf8(bytes).map_err(|_| {
            AppError::invalid(
                "file",
                "the CSV is not UTF-8: in Excel choose “CSV UTF-8”, or upload the .xlsx",
            )
        })?;
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        reader
            .records()
            .map(|r| {
                r.map(|rec| rec.iter().map(str::to_owned).collect())
                    .map_err(|e| AppError::invalid("file", format!("the CSV is malformed: {e}")))
            })
            .collect()
    } else {
        Err(AppError::invalid("file", "upload a .xlsx or .csv file"))
    }
}

async fn import(
    auth: AuthSession,
    State(state): State<AppState>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let Some(user) = auth.user.clone() else {
        return error(AppError::unauthenticated());
    };
    if !user.role.is_staff() {
        return error(AppError::forbidden());
    }
    let mut mp = match mp {
        Ok(mp) => mp,
        Err(e) => {
            return error(AppError::invalid(
                "file",
                format!("send the form as multipart/form-data: {}", e.body_text()),
            ))
        }
    };
    let (mut channel, mut file): (Option<String>, Option<(String, bytes::Bytes)>) = (None, None);
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return error(crate::multipart_error(
                    &e,
                    "file",
                    "the file is larger than 5 MB",
                ))
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                return error(crate::multipart_error(
                    &e,
                    "file",
                    "the file is larger than 5 MB",
                ))
            }
        };
        match name.as_str() {
            "channel" => channel = Some(String::from_utf8_lossy(&bytes).trim().to_owned()),
            "file" => file = Some((file_name, bytes)),
            _ => {}
        }
    }
    let Some(channel) = channel
        .as_deref()
        .and_then(Channel::parse)
        .filter(|c| matches!(c, Channel::SelfInspection | Channel::SpecialAudit))
    else {
        return error(AppError::invalid(
            "channel",
            "choose unit self-inspection or special audit",
        ));
    };
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return error(AppError::invalid("file", "choose a file to import"));
    };
    if bytes.len() > MAX_FILE_BYTES {
        return error(AppError::new(
            ErrorCode::TooLarge,
            "the file is larger than 5 MB",
        ));
    }
    let file_name: String = if file_name.trim().is_empty() {
        "findings".to_owned()
    } else {
        file_name.chars().take(255).collect()
    };
    let name = file_name.clone();
    let read = tokio::task::spawn_blocking(move || cells(&name, &bytes)).await;
    let cells = match read {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return error(e),
        Err(_) => return error(AppError::internal()),
    };
    let findings = match app::domain::import::parse_sheet(cells) {
        Ok(f) => f,
        Err(errors) => return Json(ImportOutcome::Refused { errors }).into_response(),
    };
    let year = chrono::Datelike::year(&today());
    match state
        .db
        .import_findings(&findings, channel, &file_name, user.id, year)
        .await
    {
        Ok(outcome) => {
            if let ImportOutcome::Imported { import, items } = &outcome {
                tracing::info!(%import, items, by = %user.username, "findings imported");
            }
            Json(outcome).into_response()
        }
        Err(e) => error(e),
    }
}
