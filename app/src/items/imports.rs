//! Importing findings of unit self-inspections and special audits (CSV or XLSX) as draft list
//! items. All or nothing: a file with one bad row imports no row and says which rows are bad.

use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::import::{Column, RowError};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{use_zh, ErrorNotice};

/// The largest file accepted (a 5000-row sheet is well under it).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ImportOutcome {
    Imported { import: Uuid, items: usize },
    Refused { errors: Vec<RowError> },
}

#[cfg(feature = "ssr")]
mod read {
    use crate::error::AppError;

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
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
            reader
                .records()
                .map(|r| {
                    r.map(|rec| rec.iter().map(str::to_owned).collect())
                        .map_err(|e| {
                            AppError::invalid("file", format!("the CSV is malformed: {e}"))
                        })
                })
                .collect()
        } else {
            Err(AppError::invalid("file", "upload a .xlsx or .csv file"))
        }
    }
}

/// Fields: `channel` (self_inspection or special_audit) and `file`.
#[server(endpoint = "items/import", input = MultipartFormData)]
pub async fn import_findings(data: MultipartData) -> Result<ImportOutcome, AppError> {
    crate::ssr::run(async move {
        use crate::domain::list_item::Channel;
        let user = crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let mut mp = data
            .into_inner()
            .ok_or_else(|| AppError::invalid("file", "send the form as multipart/form-data"))?;
        let (mut channel, mut file): (Option<String>, Option<(String, Vec<u8>)>) = (None, None);
        let too_large = || {
            AppError::new(
                crate::error::ErrorCode::TooLarge,
                "the file is larger than 5 MB",
            )
        };
        while let Some(mut field) = mp
            .next_field()
            .await
            .map_err(|e| AppError::invalid("file", format!("the upload is malformed: {e}")))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let mut bytes = Vec::new();
            // Read part by part so that an oversized upload is refused without being held whole.
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|e| AppError::invalid("file", format!("the upload is malformed: {e}")))?
            {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > MAX_FILE_BYTES {
                    return Err(too_large());
                }
            }
            match name.as_str() {
                "channel" => channel = Some(String::from_utf8_lossy(&bytes).trim().to_owned()),
                "file" => file = Some((file_name.unwrap_or_default(), bytes)),
                _ => {}
            }
        }
        let channel = channel
            .as_deref()
            .and_then(Channel::parse)
            .filter(|c| matches!(c, Channel::SelfInspection | Channel::SpecialAudit))
            .ok_or_else(|| {
                AppError::invalid("channel", "choose unit self-inspection or special audit")
            })?;
        let (file_name, bytes) = file
            .filter(|(_, b)| !b.is_empty())
            .ok_or_else(|| AppError::invalid("file", "choose a file to import"))?;
        let file_name = if file_name.trim().is_empty() {
            "findings".to_owned()
        } else {
            file_name.chars().take(255).collect()
        };
        let cells = read::cells(&file_name, &bytes)?;
        let findings = match crate::domain::import::parse_sheet(cells) {
            Ok(f) => f,
            Err(errors) => return Ok(ImportOutcome::Refused { errors }),
        };
        let year = chrono::Datelike::year(&crate::ssr::today());
        let outcome = crate::ssr::db()?
            .import_findings(&findings, channel, &file_name, user.id, year)
            .await?;
        if let ImportOutcome::Imported { import, items } = &outcome {
            tracing::info!(%import, items, by = %user.username, "findings imported");
        }
        Ok(outcome)
    })
    .await
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let upload = Action::new_local(|data: &SendFormData| send(data.clone()));
    #[cfg(feature = "hydrate")]
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        use wasm_bindgen::JsCast;
        ev.prevent_default();
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
        else {
            return;
        };
        if let Ok(fd) = web_sys::FormData::new_with_form(&form) {
            upload.dispatch_local(SendFormData(fd));
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let on_submit = move |_: leptos::ev::SubmitEvent| {};
    let columns = [
        Column::SiteCode,
        Column::Kind,
        Column::Description,
        Column::Unit,
    ]
    .map(|c| if zh { c.header_zh() } else { c.header_en() })
    .join(" · ");
    view! {
        <h1>{t!(i18n, import.title)}</h1>
        <p class="muted">{t!(i18n, import.intro)}</p>
        <p class="muted">{t!(i18n, import.columns)} " " <code id="import-columns">{columns}</code></p>
        <form class="stack" id="import-form" on:submit=on_submit>
            <fieldset class="choices">
                <legend>{t!(i18n, import.channel)}</legend>
                <label class="choice">
                    <input type="radio" name="channel" value="self_inspection" required checked />
                    <span>{t!(i18n, import.self_inspection)}</span>
                </label>
                <label class="choice">
                    <input type="radio" name="channel" value="special_audit" required />
                    <span>{t!(i18n, import.special_audit)}</span>
                </label>
            </fieldset>
            <label>
                <span>{t!(i18n, import.file)}</span>
                <input type="file" name="file" required accept=".xlsx,.csv,text/csv" />
            </label>
            <button type="submit" class="primary" id="import-submit" disabled=move || upload.pending().get()>
                {t!(i18n, import.submit)}
            </button>
        </form>
        {move || {
            upload
                .value()
                .get()
                .map(|r| match r {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(ImportOutcome::Imported { items, .. }) => view! {
                        <p class="notice ok" id="import-done">
                            {t!(i18n, import.done)} " " {items} " · "
                            <a href="/items?status=draft">{t!(i18n, items.list_title)}</a>
                        </p>
                    }
                    .into_any(),
                    Ok(ImportOutcome::Refused { errors }) => view! {
                        <div class="notice error" role="alert" id="import-refused">
                            <p>{t!(i18n, import.refused)}</p>
                            <table class="grid" id="import-errors">
                                <thead>
                                    <tr><th>{t!(i18n, import.row)}</th><th>{t!(i18n, import.problem)}</th></tr>
                                </thead>
                                <tbody>
                                    {errors
                                        .into_iter()
                                        .map(|e| view! {
                                            <tr data-row=e.row>
                                                <td>{if e.row == 0 { "—".to_owned() } else { e.row.to_string() }}</td>
                                                <td>{if zh { e.problem.message_zh() } else { e.problem.message_en() }}</td>
                                            </tr>
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                    .into_any(),
                })
        }}
    }
}

/// The browser's form data, handed to the upload action. On the server the action never runs
/// (the form is only submitted in the browser), so this holds nothing there.
#[derive(Clone)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub struct SendFormData(
    #[cfg(feature = "hydrate")] web_sys::FormData,
    #[cfg(not(feature = "hydrate"))] (),
);

#[cfg(feature = "hydrate")]
async fn send(data: SendFormData) -> Result<ImportOutcome, AppError> {
    import_findings(data.0.into()).await
}

#[cfg(not(feature = "hydrate"))]
async fn send(_: SendFormData) -> Result<ImportOutcome, AppError> {
    Err(AppError::internal())
}
