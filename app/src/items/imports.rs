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
use crate::i18n::*;
use crate::ui::upload::{posted, uploaded};
use crate::ui::{use_zh, ErrorNotice};

/// The largest file accepted (a 5000-row sheet is well under it).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
pub const IMPORT_URL: &str = "/items/import";

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
    view! {
        <h1>{t!(i18n, import.title)}</h1>
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
    }
}
