//! `POST /items/import`: a findings file (CSV or XLSX) of a unit self-inspection or a special
//! audit, as multipart form data (`channel`, `file`). Staff only. Answers our JSON: 200 with
//! `{"Imported": …}` or `{"Refused": {"errors": [per row]}}` (nothing stored), or an error.

use crate::routing::Mounted;
use app::{
    auth::ssr::AuthSession,
    domain::list_item::Channel,
    error::{AppError, ErrorCode},
    items::imports::{ImportOutcome, MAX_FILE_BYTES},
    ssr::{today, AppState},
};
use axum::{
    extract::{DefaultBodyLimit, Multipart, State},
    response::Response,
    routing::post,
};

pub fn routes() -> Mounted {
    Mounted::default().route(
        app::items::imports::IMPORT_URL,
        post(import).layer(DefaultBodyLimit::max(MAX_FILE_BYTES + 64 * 1024)),
    )
}

/// The cells of the first sheet (XLSX) or of the file (CSV, UTF-8), as text: a findings list.
pub fn cells(file_name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, AppError> {
    cells_up_to(file_name, bytes, app::domain::import::MAX_ROWS)
}

/// The same for a sheet of at most `max_rows` rows under its header.
pub fn cells_up_to(
    file_name: &str,
    bytes: &[u8],
    max_rows: usize,
) -> Result<Vec<Vec<String>>, AppError> {
    cells_within(file_name, bytes, max_rows, MAX_UNZIPPED_BYTES)
}

/// The same for a workbook that may unzip to `max_unzipped` bytes (a 12345 export of 50,000
/// calls holds far more text than a findings list).
pub fn cells_within(
    file_name: &str,
    bytes: &[u8],
    max_rows: usize,
    max_unzipped: u64,
) -> Result<Vec<Vec<String>>, AppError> {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04") {
        xlsx_cells(bytes, max_rows, max_unzipped)
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

/// Columns a sheet may use: the templates have a dozen.
const MAX_COLUMNS: u32 = 64;
/// What a workbook of at most a few MB may unzip to. Real ones unzip to a few times their size; a
/// zip bomb declares gigabytes.
const MAX_UNZIPPED_BYTES: u64 = 64 * 1024 * 1024;

fn unreadable_xlsx() -> AppError {
    AppError::invalid(
        "file",
        "this .xlsx file cannot be read: save it again from Excel or WPS",
    )
}

/// The first sheet's cells, read one at a time. A workbook's own range reader allocates the
/// whole bounding box of its cells first, so one stray cell at XFD1048576 asks for billions; here
/// the unzipped size is checked before anything is read, and a cell beyond the rows or columns
/// a findings sheet can have stops the read with the cell's address.
fn xlsx_cells(
    bytes: &[u8],
    max_rows: usize,
    max_unzipped: u64,
) -> Result<Vec<Vec<String>>, AppError> {
    use calamine::Reader;
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| unreadable_xlsx())?;
    let mut unzipped = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|_| unreadable_xlsx())?;
        unzipped = unzipped.saturating_add(entry.size());
    }
    if unzipped > max_unzipped {
        return Err(AppError::invalid(
            "file",
            format!(
                "this .xlsx unpacks to {} MB, more than the {} MB a list needs: save only the sheet to import",
                unzipped / (1024 * 1024),
                max_unzipped / (1024 * 1024)
            ),
        ));
    }
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
        .map_err(|_| unreadable_xlsx())?;
    let first = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| AppError::invalid("file", "the workbook has no sheet"))?;
    let mut reader = book
        .worksheet_cells_reader(&first)
        .map_err(|_| AppError::invalid("file", "the first sheet cannot be read"))?;
    let max_rows = u32::try_from(max_rows).unwrap_or(u32::MAX - 1) + 1;
    let mut rows: Vec<Vec<String>> = Vec::new();
    loop {
        let cell = match reader.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(_) => return Err(AppError::invalid("file", "the first sheet cannot be read")),
        };
        let (row, col) = cell.get_position();
        if row >= max_rows || col >= MAX_COLUMNS {
            return Err(AppError::invalid(
                "file",
                format!(
                    "the sheet has a cell at row {}, column {}: this list has at most {} rows and {MAX_COLUMNS} columns; delete what lies beyond the list",
                    u64::from(row) + 1,
                    u64::from(col) + 1,
                    max_rows
                ),
            ));
        }
        let value = calamine::Data::from(cell.get_value().clone());
        if matches!(value, calamine::Data::Empty) {
            continue;
        }
        let (row, col) = (row as usize, col as usize);
        if rows.len() <= row {
            rows.resize_with(row + 1, Vec::new);
        }
        let line = &mut rows[row];
        if line.len() <= col {
            line.resize(col + 1, String::new());
        }
        line[col] = value.to_string();
    }
    // As a range of the used cells: from the first used row and column, every row as wide.
    let first_row = rows
        .iter()
        .position(|r| !r.is_empty())
        .unwrap_or(rows.len());
    let first_col = rows
        .iter()
        .filter_map(|r| r.iter().position(|c| !c.is_empty()))
        .min()
        .unwrap_or(0);
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    Ok(rows
        .into_iter()
        .skip(first_row)
        .map(|mut r| {
            r.resize(width, String::new());
            r.split_off(first_col)
        })
        .collect())
}

/// JSON for a client; for the import page's plain form, the page again with the outcome.
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
        "the file is larger than 5 MB",
        "/staff/import",
        |form| async move { import_findings(auth, &st, form).await },
        |o| matches!(o, ImportOutcome::Refused { .. }),
    )
    .await
}

async fn import_findings(
    auth: AuthSession,
    state: &AppState,
    form: crate::UploadForm,
) -> Result<ImportOutcome, AppError> {
    let Some(user) = auth.user.clone() else {
        return Err(AppError::unauthenticated());
    };
    if !user.role.is_staff() {
        return Err(AppError::forbidden());
    }
    let Some(channel) = form
        .fields
        .get("channel")
        .and_then(|c| Channel::parse(c))
        .filter(|c| matches!(c, Channel::SelfInspection | Channel::SpecialAudit))
    else {
        return Err(AppError::invalid(
            "channel",
            "choose unit self-inspection or special audit",
        ));
    };
    let Some((file_name, bytes)) = form.file else {
        return Err(AppError::invalid("file", "choose a file to import"));
    };
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::new(
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
        Ok(Err(e)) => return Err(e),
        Err(_) => return Err(AppError::internal()),
    };
    let findings = match app::domain::import::parse_sheet(cells) {
        Ok(f) => f,
        Err(errors) => return Ok(ImportOutcome::Refused { errors }),
    };
    let year = chrono::Datelike::year(&today());
    let outcome = state
        .db
        .import_findings(&findings, channel, &file_name, user.id, year)
        .await?;
    if let ImportOutcome::Imported { import, items } = &outcome {
        tracing::info!(%import, items, by = %user.username, "findings imported");
        let detail = serde_json::json!({
            "import": import, "items": items, "channel": channel.as_str()
        });
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
            // The findings are in (their import row records who and when); say so.
            tracing::error!(error = %e.message, %import, "import not written to the admin log");
        }
    }
    Ok(outcome)
}
