//! The cases' views: the public cards, the promote form on the review queue, the staff's list.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use super::{list_cases, PromoteObservation, PublishCase, EXPORT_URL};
use crate::case_rows::{CasePage, CaseRow, PublicCase};
use crate::domain::case::{CaseLevel, MAX_BODY_CHARS, MAX_TITLE_CHARS};
use crate::i18n::*;
use crate::ui::{form::PlainForm, pager, pick, use_zh, IntoAnySync, Loaded};

pub fn level_label(locale: impl Into<Locale>, level: CaseLevel) -> &'static str {
    let locale: Locale = locale.into();
    match level {
        CaseLevel::City => td_string!(locale, cases.level_city),
        CaseLevel::District => td_string!(locale, cases.level_district),
        CaseLevel::Township => td_string!(locale, cases.level_township),
    }
}

/// Published cases as the public sees them: title, level, project and site, text, photos.
/// `with_site`: on the plan page each case names its site and links to it; on the site's own
/// page it does not.
#[component]
pub fn CaseCards(cases: Vec<PublicCase>, with_site: bool) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let locale = i18n.get_locale_untracked();
    view! {
        <ol class="cases" id="case-list">
            {cases
                .into_iter()
                .map(|c| {
                    let code = c.site_code.clone();
                    let site = with_site.then(|| view! {
                        " · " <a href=format!("/s/{code}")>{pick(zh, &c.site_name_zh, &c.site_name_en)}</a>
                    });
                    let alt = format!("{} {}", td_string!(locale, cases.photo_alt), c.title);
                    view! {
                        <li class="card case" id=format!("case-{}", c.id) data-case=c.id.to_string()>
                            <p class="kicker">
                                <span class="tag good">{level_label(locale, c.level)}</span>
                                " " {pick(zh, &c.project_title_zh, &c.project_title_en)}
                                {site}
                            </p>
                            <h3 class="case-title">{c.title.clone()}</h3>
                            <p class="body">{c.body.clone()}</p>
                            <p class="muted">{t!(i18n, site.lead_unit)} " " {pick(zh, &c.unit_name_zh, &c.unit_name_en)}</p>
                            <p class="photos">
                                {c.photos
                                    .iter()
                                    .map(|sha| {
                                        let base = format!("/s/{}/photos/{sha}", c.site_code);
                                        view! {
                                            <a href=format!("{base}/display")>
                                                <img src=format!("{base}/thumb") alt=alt.clone() loading="lazy" width="160" />
                                            </a>
                                        }
                                    })
                                    .collect_view()}
                            </p>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}

/// On a good-practice observation in the review queue: make it a case. The text starts as the
/// deputy's note; the title is for staff to write.
#[component]
pub fn PromoteForm(observation: String, note: String) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    view! {
        <details class="promote">
            <summary>{t!(i18n, cases.promote)}</summary>
            <PlainForm action=PromoteObservation::url() key=format!("p-{observation}") class="stack promote-form">
                <input type="hidden" name="observation" value=observation.clone() />
                <label>
                    <span>{t!(i18n, cases.title_label)}</span>
                    <input name="title" required maxlength=MAX_TITLE_CHARS />
                </label>
                <label>
                    <span>{t!(i18n, cases.body_label)}</span>
                    <textarea name="body" rows="4" required maxlength=MAX_BODY_CHARS inner_html=crate::ui::textarea_html(&note)></textarea>
                </label>
                <label>
                    <span>{t!(i18n, cases.level)}</span>
                    <select name="level">
                        {CaseLevel::ALL
                            .into_iter()
                            .map(|l| view! {
                                <option value=l.as_str() selected=l == CaseLevel::District>{level_label(locale, l)}</option>
                            })
                            .collect_view()}
                    </select>
                </label>
                <label class="check">
                    <input type="checkbox" name="publish" value="on" checked />
                    <span>{t!(i18n, cases.publish_now)}</span>
                </label>
                <button type="submit" class="primary">{t!(i18n, cases.promote)}</button>
            </PlainForm>
        </details>
    }
}

fn number(query: Memo<leptos_router::params::ParamsMap>, k: &str) -> Option<i32> {
    crate::ui::query_arg(query, k).and_then(|v| v.trim().parse::<i32>().ok())
}

/// `/staff/cases`: every case, published or not, with the way to withdraw or publish each, a
/// page at a time with the total, and the year's export.
#[component]
pub fn CasesPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let year = move || number(query, "year");
    let project = move || number(query, "project");
    let page = move || number(query, "page").map_or(0, |p| p.max(0) as u32);
    let data = Resource::new(
        move || (year(), project(), page()),
        |(year, project, page)| list_cases(year, project, Some(page)),
    );
    view! {
        <h1>{t!(i18n, cases.title)}</h1>
        <p class="muted">{t!(i18n, cases.intro)}</p>
        <Loaded resource=data view=move |p: CasePage| view! { <CaseList p=p year=year() project=project() /> } />
    }
}

#[component]
fn CaseList(p: CasePage, year: Option<i32>, project: Option<i32>) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let locale = i18n.get_locale_untracked();
    let export = match year {
        Some(y) => format!("{EXPORT_URL}?year={y}"),
        None => EXPORT_URL.to_owned(),
    };
    let href = move |n: u32| {
        let mut q = vec![format!("page={n}")];
        if let Some(y) = year {
            q.push(format!("year={y}"));
        }
        if let Some(pr) = project {
            q.push(format!("project={pr}"));
        }
        format!("/staff/cases?{}", q.join("&"))
    };
    let list = p.list;
    let (total, shown, pages) = (list.total, list.page + 1, list.pages());
    let status = pager(
        "cases-pager",
        (list.total, list.page, list.pages()),
        href,
        view! { {t!(i18n, cases.page_status, total = total, page = shown, pages = pages)} },
    );
    view! {
        <form method="get" action="/staff/cases" class="filters" id="cases-filter">
            <label>
                <span>{t!(i18n, cases.year)}</span>
                <select name="year" id="cases-year">
                    <option value="">{t!(i18n, cases.all_years)}</option>
                    {p.years
                        .iter()
                        .map(|y| view! { <option value=y.to_string() selected=Some(*y) == year>{y.to_string()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                <span>{t!(i18n, cases.project_number)}</span>
                <input name="project" type="number" min="1" max="99" value=project.map(|n| n.to_string()) />
            </label>
            <button type="submit">{t!(i18n, review.apply)}</button>
        </form>
        <p class="actions">
            <a class="button" href=export rel="external" id="cases-export" download>{t!(i18n, cases.export)}</a>
        </p>
        {if list.rows.is_empty() {
            view! { <p class="muted" id="cases-none">{t!(i18n, cases.none)}</p> }.into_any_sync()
        } else {
            view! {
                <ol class="cases" id="staff-case-list">
                    {list.rows.into_iter().map(|r| view! { <StaffCase r=r zh=zh locale=locale /> }).collect_view()}
                </ol>
            }
            .into_any_sync()
        }}
        {status}
    }
}

#[component]
fn StaffCase(r: CaseRow, zh: bool, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let c = r.case;
    let id = c.id.to_string();
    let (form_key, form_id) = (format!("c-{id}"), id.clone());
    let (flip, label, state) = if r.published {
        (
            "false",
            td_string!(locale, cases.withdraw),
            td_string!(locale, cases.published),
        )
    } else {
        (
            "true",
            td_string!(locale, cases.republish),
            td_string!(locale, cases.withdrawn),
        )
    };
    view! {
        <li class="card case" data-case=id data-published=r.published.to_string()>
            <p class="kicker">
                <span class="tag good">{level_label(locale, c.level)}</span>
                " " <span class="tag case-state">{state}</span>
                " " {r.year} " · " {c.project_number} ". " {pick(zh, &c.project_title_zh, &c.project_title_en)}
                " · " <a href=format!("/sites/{}", r.site_id)>{pick(zh, &c.site_name_zh, &c.site_name_en)}</a>
                " · " <a class="public-link" href=format!("/s/{}#case-{}", c.site_code, c.id)>{t!(i18n, cases.public_page)}</a>
            </p>
            <h3 class="case-title">{c.title.clone()}</h3>
            <p class="body">{c.body.clone()}</p>
            <p class="muted">
                {t!(i18n, cases.deputy)} " " {r.deputy_name.clone()} " · "
                {t!(i18n, cases.by)} " " {r.promoted_by.clone()} " · "
                {crate::ui::local_time(c.created_at)} " · "
                {t!(i18n, cases.photos, n = c.photos.len())}
            </p>
            <PlainForm action=PublishCase::url() key=form_key class="inline">
                <input type="hidden" name="case" value=form_id />
                <input type="hidden" name="published" value=flip />
                <button type="submit" class="publish-toggle">{label}</button>
            </PlainForm>
        </li>
    }
}
