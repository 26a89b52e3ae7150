//! Administrators' files. `GET /admin/activation-codes.xlsx`: the roster's activation codes.
//! `POST /admin/registry/import`: the year's plan, sites, roster or groups' units (CSV, XLSX, or
//! GeoJSON or KML for sites) as multipart form data (`file_kind`, `year`, `dry_run`, `file`).
//! Administrators only. Answers 200 with `{"Done": report}` (stored, or in a dry run what
//! would be) or `{"Refused": {"errors": [per row]}}` (nothing stored), or an error. The
//! operator's `jiandu import` goes through [`import_file`] too, so both give the same report.

use crate::routing::Mounted;
use app::{
    auth::ssr::AuthSession,
    domain::registry::{self, Change, RegistryFile, RegistryOutcome, RowError},
    error::{AppError, ErrorCode},
    public::secret::Secret,
    ssr::{today, AppState},
    store::Db,
};
use axum::{
    extract::{DefaultBodyLimit, Multipart, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json,
};
use uuid::Uuid;

pub use app::admin::registry::{IMPORT_URL, MAX_FILE_BYTES};

pub fn routes() -> Mounted {
    Mounted::default()
        .route(
            IMPORT_URL,
            post(import).layer(DefaultBodyLimit::max(MAX_FILE_BYTES + 64 * 1024)),
        )
        .route(app::admin::activation::XLSX_URL, get(activation_xlsx))
}

/// Every account still waiting for its person, with its code, as a workbook to print or mail
/// merge. Administrators only; the codes are read back from their ciphertext for this.
async fn activation_xlsx(auth: AuthSession, State(state): State<AppState>) -> Response {
    match auth.user.as_ref() {
        None => return error(AppError::unauthenticated()),
        Some(u) if !u.role.can_manage_accounts() => return error(AppError::forbidden()),
        Some(_) => {}
    }
    // Every pending account, however many: a whole province's roster is ~83,000 rows.
    let all = match app::admin::activation::sheet_rows(&state.db, &state.public.secret, 0, u32::MAX)
        .await
    {
        Ok(p) => p.rows,
        Err(e) => return error(e),
    };
    let built = tokio::task::spawn_blocking(move || {
        use rust_xlsxwriter::{Format, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("激活码")?;
        let bold = Format::new().set_bold();
        for (c, title) in ["姓名", "代表团", "监督小组", "用户名", "激活码", "有效期至"]
            .iter()
            .enumerate()
        {
            sheet.write_string_with_format(0, c as u16, *title, &bold)?;
        }
        for (i, a) in all.iter().enumerate() {
            let row = i as u32 + 1;
            let group = match a.group_number {
                Some(n) => format!("{n} {}", a.group_name),
                None => String::new(),
            };
            let until = (a.expires + chrono::Duration::hours(8))
                .format("%Y-%m-%d")
                .to_string();
            for (c, v) in [
                &a.display_name,
                &a.delegation,
                &group,
                &a.username,
                &a.code,
                &until,
            ]
            .iter()
            .enumerate()
            {
                sheet.write_string(row, c as u16, v.as_str())?;
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        book.save_to_buffer()
    })
    .await;
    match built {
        Ok(Ok(bytes)) => crate::export::attachment(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "jiandu-activation-codes.xlsx",
        ),
        _ => error(AppError::internal()),
    }
}

fn error(e: AppError) -> Response {
    let status =
        StatusCode::from_u16(e.error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(e)).into_response()
}

/// Reads, checks and imports one file; logs a real import (not a dry run) in the admin log.
/// The decode runs on the blocking pool: a 50,000-row workbook is tens of milliseconds of work.
#[allow(clippy::too_many_arguments)]
pub async fn import_file(
    db: &Db,
    secret: Option<&Secret>,
    file: RegistryFile,
    file_name: &str,
    bytes: Vec<u8>,
    year: i32,
    dry_run: bool,
    actor: Option<Uuid>,
) -> Result<RegistryOutcome, AppError> {
    if !registry::YEARS.contains(&year) {
        return Err(AppError::invalid(
            "year",
            "the year is between 2000 and 2100",
        ));
    }
    let name = file_name.to_owned();
    let parsed = tokio::task::spawn_blocking(move || read(file, &name, &bytes))
        .await
        .map_err(|_| AppError::internal())??;
    let rows = match parsed {
        Ok(rows) => rows,
        Err(errors) => return Ok(RegistryOutcome::Refused { errors }),
    };
    let outcome = db.import_registry(&rows, year, dry_run, secret).await?;
    if let (RegistryOutcome::Done(report), false) = (&outcome, dry_run) {
        tracing::info!(
            file = file.as_str(),
            year,
            new = report.count(Change::New),
            changed = report.count(Change::Changed),
            "registry imported"
        );
        let detail = serde_json::json!({
            "file": file.as_str(),
            "year": year,
            "rows": report.rows.len(),
            "new": report.count(Change::New),
            "changed": report.count(Change::Changed),
            "new_units": report.new_units,
            "new_districts": report.new_districts,
            "new_groups": report.new_groups,
        });
        if let Err(e) = db
            .log_admin(
                actor,
                app::accounts::AdminAction::Import,
                file_name,
                Some(detail),
            )
            .await
        {
            tracing::error!(error = %e.message, "registry import not written to the admin log");
        }
    }
    Ok(outcome)
}

pub(crate) type Parsed = Result<registry::Rows, Vec<RowError>>;

pub(crate) fn read(file: RegistryFile, file_name: &str, bytes: &[u8]) -> Result<Parsed, AppError> {
    let lower = file_name.to_ascii_lowercase();
    let json = lower.ends_with(".geojson")
        || lower.ends_with(".json")
        || bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if json {
        if file != RegistryFile::Sites {
            return Err(AppError::invalid(
                "file",
                "GeoJSON is for sites; the plan and rosters are .xlsx or .csv",
            ));
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| AppError::invalid("file", "the GeoJSON is not UTF-8 text"))?;
        return Ok(registry::parse_geojson(text));
    }
    if lower.ends_with(".kmz") {
        return Err(AppError::invalid(
            "file",
            "a .kmz is a zipped KML: unzip it and import the .kml inside",
        ));
    }
    let xml = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    if lower.ends_with(".kml") || xml {
        if file != RegistryFile::Sites {
            return Err(AppError::invalid(
                "file",
                "KML is for sites; the plan and rosters are .xlsx or .csv",
            ));
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| AppError::invalid("file", "the KML is not UTF-8 text"))?;
        return Ok(match crate::kml::to_geojson(text) {
            Ok(fc) => registry::parse_geojson(&fc.to_string()),
            Err(reason) => Err(vec![RowError {
                row: 0,
                problem: registry::Problem::Unreadable { reason },
            }]),
        });
    }
    let cells = crate::import::cells_up_to(file_name, bytes, registry::MAX_ROWS)?;
    Ok(registry::parse_sheet(file, cells))
}

fn too_large_words() -> String {
    format!(
        "the file is larger than {} MB",
        MAX_FILE_BYTES / (1024 * 1024)
    )
}

/// JSON for a client; for the registry page's plain form, the page again with the report.
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
        &too_large_words(),
        "/admin/registry",
        |form| async move { import_upload(auth, &st, form).await },
        |o| matches!(o, RegistryOutcome::Refused { .. }),
    )
    .await
}

async fn import_upload(
    auth: AuthSession,
    state: &AppState,
    form: crate::UploadForm,
) -> Result<RegistryOutcome, AppError> {
    let Some(user) = auth.user.clone() else {
        return Err(AppError::unauthenticated());
    };
    if user.role != app::domain::Role::Admin {
        return Err(AppError::forbidden());
    }
    let too_large = too_large_words();
    let kind = form.fields.get("file_kind");
    let year = form.fields.get("year");
    let dry_run = form
        .fields
        .get("dry_run")
        .is_some_and(|v| matches!(v.as_str(), "1" | "true" | "on"));
    let Some(kind) = kind.and_then(|k| RegistryFile::parse(k)) else {
        return Err(AppError::invalid(
            "file_kind",
            "choose what the file is: plan, sites, deputies or groups",
        ));
    };
    let year = match year.map(String::as_str) {
        None | Some("") => chrono::Datelike::year(&today()),
        Some(y) => match y.parse::<i32>() {
            Ok(y) => y,
            Err(_) => {
                return Err(AppError::invalid(
                    "year",
                    "the year is four digits, e.g. 2026",
                ))
            }
        },
    };
    let Some((file_name, bytes)) = form.file else {
        return Err(AppError::invalid("file", "choose a file to import"));
    };
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::new(ErrorCode::TooLarge, too_large));
    }
    let file_name: String = if file_name.trim().is_empty() {
        kind.as_str().to_owned()
    } else {
        file_name.chars().take(255).collect()
    };
    import_file(
        &state.db,
        Some(&state.public.secret),
        kind,
        &file_name,
        bytes.to_vec(),
        year,
        dry_run,
        Some(user.id),
    )
    .await
}

/// The report as the command line prints it: one line per row that is new or changed, then
/// the totals; or one line per problem.
pub fn report_lines(outcome: &RegistryOutcome) -> Vec<String> {
    match outcome {
        RegistryOutcome::Done(r) => {
            let mut out: Vec<String> = r
                .rows
                .iter()
                .filter(|c| c.change != Change::Unchanged)
                .map(|c| {
                    let what = match c.change {
                        Change::New => "new",
                        Change::Changed => "changed",
                        Change::Unchanged => "unchanged",
                    };
                    format!("row {}: {what} {}", c.row, c.key)
                })
                .collect();
            for (what, names) in [
                ("unit", &r.new_units),
                ("district", &r.new_districts),
                ("group", &r.new_groups),
            ] {
                out.extend(names.iter().map(|n| format!("new {what}: {n}")));
            }
            out.push(format!(
                "{} {} rows for {}: {} new, {} changed, {} unchanged{}",
                if r.dry_run {
                    "would import"
                } else {
                    "imported"
                },
                r.rows.len(),
                r.year,
                r.count(Change::New),
                r.count(Change::Changed),
                r.count(Change::Unchanged),
                if r.dry_run {
                    " (dry run: nothing stored)"
                } else {
                    ""
                },
            ));
            out
        }
        RegistryOutcome::Refused { errors } => {
            let mut out: Vec<String> = errors
                .iter()
                .map(|e| {
                    let at = if e.row == 0 {
                        "file".to_owned()
                    } else {
                        format!("row {}", e.row)
                    };
                    format!(
                        "{at}: {} / {}",
                        e.problem.message_en(),
                        e.problem.message_zh()
                    )
                })
                .collect();
            out.push(format!(
                "refused: {} problems; nothing was stored",
                errors.len()
            ));
            out
        }
    }
}
