//! Importing the year's registry: the implementation plan, the sites, the deputies' roster and
//! the groups' units. The upload goes to `POST /admin/registry/import` (server/src/registry.rs),
//! a plain multipart endpoint like the findings import, for the same reason: a multipart server
//! function would put its parser into every phone's wasm for a desktop administrator's tool.

use leptos::prelude::*;

use crate::domain::registry::{
    Change, Field, ImportReport, RegistryFile, RegistryOutcome, RowError,
};
use crate::i18n::*;
use crate::ui::upload::{posted, uploaded};
use crate::ui::{use_zh, ErrorNotice, IntoAnySync};

/// A plan of 20,000 sites as CSV is about 2 MB; a workbook of 50,000 rows stays under this.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
pub const IMPORT_URL: &str = "/admin/registry/import";
/// Rows of a report drawn on the page; the rest are counted, and the page says it is cut.
const SHOWN_ROWS: usize = 300;

fn kind_label(locale: impl Into<Locale>, f: RegistryFile) -> &'static str {
    let locale: Locale = locale.into();
    match f {
        RegistryFile::Plan => td_string!(locale, registry.plan),
        RegistryFile::Sites => td_string!(locale, registry.sites),
        RegistryFile::Deputies => td_string!(locale, registry.deputies),
        RegistryFile::Groups => td_string!(locale, registry.groups),
        RegistryFile::Officers => td_string!(locale, registry.officers),
    }
}

fn headers(file: RegistryFile, zh: bool) -> String {
    file.fields()
        .iter()
        .map(|f: &Field| if zh { f.header_zh() } else { f.header_en() })
        .collect::<Vec<_>>()
        .join(" · ")
}

#[component]
pub fn RegistryPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{t!(i18n, registry.title)}</h1>
        <super::AdminOnly>
            <RegistryForm />
        </super::AdminOnly>
    }
}

#[component]
fn RegistryForm() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    // The plan year in China, where the office is, whatever the server's or browser's zone; or,
    // answering a post, the choices it was sent with.
    let year = posted::<RegistryOutcome>("year")
        .and_then(|y| y.parse::<i32>().ok())
        .unwrap_or_else(|| {
            chrono::Datelike::year(&(chrono::Utc::now() + chrono::Duration::hours(8)))
        });
    let kind = posted::<RegistryOutcome>("file_kind")
        .and_then(|k| RegistryFile::parse(&k))
        .unwrap_or(RegistryFile::Plan);
    let dry_run = posted::<RegistryOutcome>("dry_run").is_some();
    view! {
        <p class="muted">{t!(i18n, registry.intro)}</p>
        <form class="stack" id="registry-form" method="post" action=IMPORT_URL enctype="multipart/form-data">
            <fieldset class="choices">
                <legend>{t!(i18n, registry.kind)}</legend>
                {RegistryFile::ALL
                    .into_iter()
                    .map(|f| view! {
                        <label class="choice">
                            <input type="radio" name="file_kind" value=f.as_str() required checked={f == kind} />
                            <span>{kind_label(i18n, f)}</span>
                            " "
                            <small class="muted" data-columns=f.as_str()>
                                {t!(i18n, registry.columns)} " " <code>{headers(f, zh)}</code>
                            </small>
                        </label>
                    })
                    .collect_view()}
            </fieldset>
            <label>
                <span>{t!(i18n, registry.year)}</span>
                <input type="number" name="year" min="2000" max="2100" value=year required />
            </label>
            <label class="choice">
                <input type="checkbox" name="dry_run" value="1" id="registry-dry-run" checked=dry_run />
                <span>{t!(i18n, registry.dry_run)}</span>
            </label>
            <label>
                <span>{t!(i18n, registry.file)}</span>
                <input type="file" name="file" required accept=".xlsx,.csv,.geojson,.json,.kml,text/csv,application/geo+json,application/vnd.google-earth.kml+xml" />
            </label>
            <button type="submit" class="primary" id="registry-submit">
                {t!(i18n, registry.submit)}
            </button>
        </form>
        {uploaded::<RegistryOutcome>().map(|r| match r {
            Err(e) => view! { <ErrorNotice error=e /> }.into_any_sync(),
            Ok(RegistryOutcome::Done(report)) => view! { <Report report /> }.into_any_sync(),
            Ok(RegistryOutcome::Refused { errors }) => view! { <Refused errors zh /> }.into_any_sync(),
        })}
    }
}

#[component]
fn Report(report: ImportReport) -> impl IntoView {
    let i18n = use_i18n();
    let (new, changed, same) = (
        report.count(Change::New),
        report.count(Change::Changed),
        report.count(Change::Unchanged),
    );
    let shown: Vec<_> = report
        .rows
        .iter()
        .filter(|r| r.change != Change::Unchanged)
        .cloned()
        .collect();
    let total = shown.len();
    let cut = (total > SHOWN_ROWS).then_some(SHOWN_ROWS);
    let made = [
        (
            t_string!(i18n, registry.new_units),
            report.new_units.clone(),
            "new-units",
        ),
        (
            t_string!(i18n, registry.new_districts),
            report.new_districts.clone(),
            "new-districts",
        ),
        (
            t_string!(i18n, registry.new_groups),
            report.new_groups.clone(),
            "new-groups",
        ),
    ];
    view! {
        <div class="notice ok" id="registry-done" data-dry-run=report.dry_run.to_string()
             data-new=new data-changed=changed data-unchanged=same>
            <p>
                {if report.dry_run { t_string!(i18n, registry.would) } else { t_string!(i18n, registry.done) }}
                " " {report.year} " · "
                {new} " " {t!(i18n, registry.new)} " · "
                {changed} " " {t!(i18n, registry.changed)} " · "
                {same} " " {t!(i18n, registry.unchanged)}
            </p>
            {made
                .into_iter()
                .filter(|(_, names, _)| !names.is_empty())
                .map(|(label, names, id)| view! { <p id=id>{label} " " {names.join("、")}</p> })
                .collect_view()}
            {(total > 0).then(|| view! {
                <table class="grid" id="registry-rows">
                    <thead>
                        <tr>
                            <th>{t!(i18n, registry.row)}</th>
                            <th>{t!(i18n, registry.key)}</th>
                            <th>{t!(i18n, registry.change)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {shown
                            .into_iter()
                            .take(SHOWN_ROWS)
                            .map(|r| view! {
                                <tr data-row=r.row>
                                    <td>{r.row}</td>
                                    <td>{r.key}</td>
                                    <td>{match r.change {
                                        Change::New => t_string!(i18n, registry.new),
                                        Change::Changed => t_string!(i18n, registry.changed),
                                        Change::Unchanged => t_string!(i18n, registry.unchanged),
                                    }}</td>
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
            })}
            {cut.map(|shown| view! { <p class="muted">{t!(i18n, registry.cut, shown = shown, total = total)}</p> })}
        </div>
    }
}

#[component]
fn Refused(errors: Vec<RowError>, zh: bool) -> impl IntoView {
    let i18n = use_i18n();
    let total = errors.len();
    let cut = (total > SHOWN_ROWS).then_some(SHOWN_ROWS);
    view! {
        <div class="notice error" role="alert" id="registry-refused">
            <p>{t!(i18n, registry.refused)}</p>
            <table class="grid" id="registry-errors">
                <thead>
                    <tr><th>{t!(i18n, registry.row)}</th><th>{t!(i18n, registry.problem)}</th></tr>
                </thead>
                <tbody>
                    {errors
                        .into_iter()
                        .take(SHOWN_ROWS)
                        .map(|e| view! {
                            <tr data-row=e.row>
                                <td>{if e.row == 0 { "—".to_owned() } else { e.row.to_string() }}</td>
                                <td>{e.problem.message(zh)}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
            {cut.map(|shown| view! { <p class="muted">{t!(i18n, registry.cut, shown = shown, total = total)}</p> })}
        </div>
    }
}
