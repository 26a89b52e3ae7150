//! Importing findings of unit self-inspections and special audits (CSV or XLSX) as draft list
//! items. All or nothing: a file with one bad row imports no row and says which rows are bad.
//! The upload goes to `POST /items/import` (server/src/import.rs), a plain multipart endpoint:
//! a multipart server function would put a multipart parser and its text encodings into every
//! phone's wasm for a desktop staff tool.

use leptos::prelude::*;

use crate::ui::IntoAnySync;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::import::{Column, RowError};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::upload::{posted, uploaded};
use crate::ui::{use_zh, ErrorNotice};

/// The largest file accepted (a 5000-row sheet is well under it).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
pub const IMPORT_URL: &str = "/items/import";

/// One import of findings, as the import page lists them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ImportRecord {
    pub id: Uuid,
    pub file_name: String,
    pub channel: String,
    pub rows: i32,
    pub by_name: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The latest imports and how many there are in all: the page lists these, never silently all.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportHistory {
    pub imports: Vec<ImportRecord>,
    pub total: i64,
}

/// How many imports the page lists.
pub const RECENT_IMPORTS: i64 = 20;

/// The latest imports: staff only, like the import itself.
#[server(endpoint = "imports/recent")]
pub async fn recent_imports() -> Result<ImportHistory, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let (imports, total) = crate::ssr::db()?
            .recent_item_imports(RECENT_IMPORTS)
            .await?;
        Ok(ImportHistory { imports, total })
    })
    .await
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ImportOutcome {
    Imported { import: Uuid, items: usize },
    Refused { errors: Vec<RowError> },
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    // A refused file is sent again with the channel it was sent with.
    let audit = posted::<ImportOutcome>("channel").as_deref() == Some("special_audit");
    let columns = [
        Column::SiteCode,
        Column::Kind,
        Column::Description,
        Column::Unit,
    ]
    .map(|c| if zh { c.header_zh() } else { c.header_en() })
    .join(" · ");
    // Loaded first: the page is for staff, and says so (401/403) to anyone else.
    let recent = Resource::new(|| (), |_| recent_imports());
    view! {
        <h1>{t!(i18n, import.title)}</h1>
        <crate::ui::Loaded resource=recent view=move |r: ImportHistory| view! { <ImportForm audit=audit columns=columns.clone() recent=r /> } />
    }
}

#[component]
fn ImportForm(audit: bool, columns: String, recent: ImportHistory) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let shown = recent.imports.len();
    let total = recent.total;
    view! {
        <p class="muted">{t!(i18n, import.intro)}</p>
        <p class="muted">{t!(i18n, import.columns)} " " <code id="import-columns">{columns}</code></p>
        <form class="stack" id="import-form" method="post" action=IMPORT_URL enctype="multipart/form-data">
            <fieldset class="choices">
                <legend>{t!(i18n, import.channel)}</legend>
                <label class="choice">
                    <input type="radio" name="channel" value="self_inspection" required checked=!audit />
                    <span>{t!(i18n, import.self_inspection)}</span>
                </label>
                <label class="choice">
                    <input type="radio" name="channel" value="special_audit" required checked=audit />
                    <span>{t!(i18n, import.special_audit)}</span>
                </label>
            </fieldset>
            <label>
                <span>{t!(i18n, import.file)}</span>
                <input type="file" name="file" required accept=".xlsx,.csv,text/csv" />
            </label>
            <button type="submit" class="primary" id="import-submit">
                {t!(i18n, import.submit)}
            </button>
        </form>
        {
            uploaded::<ImportOutcome>()
                .map(|r| match r {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any_sync(),
                    Ok(ImportOutcome::Imported { items, .. }) => view! {
                        <p class="notice ok" id="import-done">
                            {t!(i18n, import.done)} " " {items} " · "
                            <a href="/items?status=draft">{t!(i18n, items.list_title)}</a>
                        </p>
                    }
                    .into_any_sync(),
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
                    .into_any_sync(),
                })
        }
        <h2>{t!(i18n, import.recent)}</h2>
        {(total == 0).then(|| view! { <p class="muted" id="recent-imports-none">{t!(i18n, import.none_yet)}</p> })}
        {(total > 0).then(|| view! {
            <p class="muted" id="recent-imports-count">{t!(i18n, import.recent_count, shown = shown, total = total)}</p>
            <div class="scroll" tabindex="0">
                <table class="grid" id="recent-imports">
                    <thead>
                        <tr>
                            <th>{t!(i18n, import.when)}</th>
                            <th>{t!(i18n, import.file)}</th>
                            <th>{t!(i18n, import.channel)}</th>
                            <th class="num">{t!(i18n, import.items)}</th>
                            <th>{t!(i18n, import.by)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {recent.imports.into_iter().map(|r| {
                            let channel = if r.channel == "special_audit" {
                                t_string!(i18n, import.special_audit)
                            } else {
                                t_string!(i18n, import.self_inspection)
                            };
                            view! {
                                <tr data-import=r.id.to_string()>
                                    <td>{crate::ui::local_time(r.at)}</td>
                                    <td>{r.file_name}</td>
                                    <td>{channel}</td>
                                    <td class="num">{r.rows}</td>
                                    <td>{r.by_name}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        })}
    }
}
