//! `/staff/inspections/{id}/report`: the joint report (联合视察报告) in the shape of the source
//! report's tables — sites visited, deputies present, problems and suggestions by responsible
//! unit, photos — with the staff's summary and conclusions, written in a plain form below it.
//! The page prints as one A4 flow (the form and the menu are not printed); the same report
//! downloads as a Word file (`report_docx_url`, built on the server).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_params_map;

use super::{get_inspection_report, report_docx_url, WriteInspectionReport};
use crate::domain::inspection::{self, MAX_REPORT_CHARS};
use crate::i18n::*;
use crate::inspection_rows::InspectionReport;
use crate::outbox::page::kind_label;
use crate::ui::form::{result_of, said, FormResult, PlainForm};
use crate::ui::{local_time, pick, use_zh, IntoAnySync, Loaded};

#[component]
pub fn InspectionReportPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.with(|p| p.get("id").unwrap_or_default()),
        get_inspection_report,
    );
    view! {
        <Loaded resource=data view=move |r: InspectionReport| view! { <Report r=r /> } />
    }
}

/// A text staff wrote, a paragraph per line (`inspection::paragraphs`).
fn paragraphs(text: &str) -> impl IntoView {
    inspection::paragraphs(text)
        .map(|l| view! { <p>{l.to_owned()}</p> })
        .collect_view()
}

#[component]
fn Report(r: InspectionReport) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let locale = i18n.get_locale_untracked();
    let s = &r.summary;
    let id = s.id;
    let action = WriteInspectionReport::url();
    // After a refused save the form shows what was typed, never the saved text in its place
    // (saving again would overwrite the new text with the old); a text too long to come back in
    // the address is left to the browser's Back, and the page says so.
    let refused = matches!(result_of(action, None), Some(FormResult::Failed(_)));
    let typed = |k: &str, saved: &str| match said(action, None, k) {
        Some(t) => (t, false),
        None if refused => (String::new(), true),
        None => (saved.to_owned(), false),
    };
    let (summary_typed, summary_lost) = typed("summary", &r.text.summary);
    let (conclusions_typed, conclusions_lost) = typed("conclusions", &r.text.conclusions);
    let lost = summary_lost || conclusions_lost;
    let (present, visited, photos) = (r.present(), r.visited(), r.photos());
    let [problems, suggestions, good] = r.by_kind;
    let groups = super::pages::groups_text(&s.groups);
    let written = match (r.written_by.clone(), r.written_at) {
        (Some(who), Some(at)) => {
            let at = local_time(at);
            view! { {t!(i18n, inspections.report_written, who = who.clone(), at = at.clone())} }
                .into_any_sync()
        }
        _ => view! { {t!(i18n, inspections.report_unwritten)} }.into_any_sync(),
    };
    let unwritten = move || view! { <p class="muted">{t!(i18n, inspections.report_unwritten)}</p> };
    // Each photo with what it shows (the finding, as the image's text) and where, by whom and
    // when (its caption).
    let all_photos: Vec<(String, String, String)> = r
        .units
        .iter()
        .flat_map(|u| &u.findings)
        .flat_map(|f| {
            let caption = format!(
                "{} · {} · {}",
                pick(zh, &f.site_name_zh, &f.site_name_en),
                f.deputy_name,
                local_time(f.captured_at)
            );
            let kind = crate::domain::ObservationKind::parse(&f.kind)
                .map(|k| kind_label(locale, k))
                .unwrap_or_default();
            let alt = format!("{kind}：{}", f.note.chars().take(100).collect::<String>());
            f.photos
                .iter()
                .map(move |sha| (sha.clone(), alt.clone(), caption.clone()))
        })
        .collect();
    view! {
        <p class="no-print">
            <a href=format!("/staff/inspections/{id}")>{t!(i18n, inspections.report_back)}</a>
            " · "
            <a href=report_docx_url(id) rel="external" id="report-docx" download="">{t!(i18n, inspections.report_docx)}</a>
        </p>
        <p class="no-print muted">{t!(i18n, inspections.report_print_hint)}</p>
        <article class="report" id="inspection-report" data-inspection=id.to_string()>
            <h1>{t!(i18n, inspections.report_heading, title = s.title.clone())}</h1>
            <p class="report-meta">
                {t!(i18n, inspections.report_days)} " " {s.starts_on.to_string()} " – " {s.ends_on.to_string()}
                " · " {t!(i18n, inspections.groups)} " " {groups}
                " · " {t!(i18n, inspections.leader)} " " {s.leader_name.clone()}
            </p>
            <dl class="figures report-figures" id="report-figures">
                <div data-figure="visited"><dt>{t!(i18n, inspections.visited)}</dt><dd>{visited} " / " {r.route.len()}</dd></div>
                <div data-figure="present"><dt>{t!(i18n, inspections.report_present)}</dt><dd>{present} " / " {r.deputies.len()}</dd></div>
                <div data-figure="problems"><dt>{t!(i18n, duty.problems)}</dt><dd>{problems}</dd></div>
                <div data-figure="suggestions"><dt>{t!(i18n, duty.suggestions)}</dt><dd>{suggestions}</dd></div>
                <div data-figure="good-practice"><dt>{t!(i18n, duty.good_practice)}</dt><dd>{good}</dd></div>
                <div data-figure="photos"><dt>{t!(i18n, inspections.report_photos)}</dt><dd>{photos}</dd></div>
            </dl>
            {(r.dismissed > 0).then(|| view! { <p class="muted" id="report-dismissed">{t!(i18n, inspections.report_dismissed, n = r.dismissed)}</p> })}
            <section id="report-overview">
                <h2>{t!(i18n, inspections.report_overview)}</h2>
                {if r.text.summary.is_empty() { unwritten().into_any_sync() } else { paragraphs(&r.text.summary).into_any_sync() }}
            </section>
            <section id="report-sites">
                <h2>{t!(i18n, inspections.report_sites)}</h2>
                <table class="grid">
                    <thead><tr>
                        <th>{t!(i18n, inspections.report_position)}</th>
                        <th>{t!(i18n, duty.site)}</th>
                        <th>{t!(i18n, inspections.report_code)}</th>
                        <th>{t!(i18n, inspections.check_ins)}</th>
                        <th>{t!(i18n, inspections.findings)}</th>
                        <th>{t!(i18n, inspections.report_reached)}</th>
                    </tr></thead>
                    <tbody>
                        {r.route.iter().map(|x| view! {
                            <tr data-site=x.site_id.to_string() data-visited=x.visited.to_string()>
                                <td>{x.position + 1}</td>
                                <td>{pick(zh, &x.name_zh, &x.name_en)} <br /><small class="muted">{x.address_zh.clone()}</small></td>
                                <td><code>{x.public_code.clone()}</code></td>
                                <td>{x.check_ins}</td>
                                <td>{x.findings}</td>
                                <td>{if x.visited { t_string!(i18n, inspections.report_yes) } else { t_string!(i18n, inspections.report_no) }}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
            <section id="report-people">
                <h2>{t!(i18n, inspections.report_people)}</h2>
                <table class="grid">
                    <thead><tr>
                        <th>{t!(i18n, duty.deputy)}</th>
                        <th>{t!(i18n, inspections.groups)}</th>
                        <th>{t!(i18n, inspections.check_ins)}</th>
                        <th>{t!(i18n, inspections.findings)}</th>
                        <th>{t!(i18n, inspections.report_present_col)}</th>
                    </tr></thead>
                    <tbody>
                        {r.deputies.iter().map(|p| view! {
                            <tr data-deputy=p.deputy_id.to_string() data-present=inspection::present(p.check_ins).to_string()>
                                <td>{p.name_zh.clone()} {p.is_leader.then(|| view! { " " <span class="tag">{t!(i18n, inspections.leader)}</span> })}</td>
                                <td>{p.group_number}</td>
                                <td>{p.check_ins}</td>
                                <td>{p.findings}</td>
                                <td>{if inspection::present(p.check_ins) { t_string!(i18n, inspections.report_yes) } else { t_string!(i18n, inspections.report_no) }}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
            <section id="report-units">
                <h2>{t!(i18n, inspections.report_units)}</h2>
                {r.units.is_empty().then(|| view! { <p class="muted">{t!(i18n, inspections.no_findings)}</p> })}
                {r.units.iter().map(|u| {
                    let [p, sg, g] = u.by_kind;
                    view! {
                        <div class="report-unit" data-unit=u.unit_id.to_string()>
                            <h3>{pick(zh, &u.unit_zh, &u.unit_en)}</h3>
                            <p class="muted">{t!(i18n, inspections.report_unit_counts, problems = p, suggestions = sg, good = g)}</p>
                            <table class="grid">
                                <thead><tr>
                                    <th>{t!(i18n, inspections.report_position)}</th>
                                    <th>{t!(i18n, duty.kind)}</th>
                                    <th>{t!(i18n, duty.site)}</th>
                                    <th>{t!(i18n, inspections.note)}</th>
                                    <th>{t!(i18n, duty.deputy)}</th>
                                    <th>{t!(i18n, duty.day)}</th>
                                </tr></thead>
                                <tbody>
                                    {u.findings.iter().enumerate().map(|(n, f)| {
                                        let kind = crate::domain::ObservationKind::parse(&f.kind)
                                            .map(|k| kind_label(locale, k))
                                            .unwrap_or_default();
                                        view! {
                                            <tr data-id=f.id.to_string() data-kind=f.kind.clone()>
                                                <td>{n + 1}</td>
                                                <td>{kind}</td>
                                                <td>{pick(zh, &f.site_name_zh, &f.site_name_en)}</td>
                                                <td>{f.note.clone()} {(!f.photos.is_empty()).then(|| view! { " " <small class="muted"><span aria-hidden="true">"📷 " {f.photos.len()}</span><span class="visually-hidden">{t!(i18n, inspections.report_photo_count, n = f.photos.len())}</span></small> })}</td>
                                                <td>{f.deputy_name.clone()}</td>
                                                <td>{local_time(f.captured_at)}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                }).collect_view()}
            </section>
            <section id="report-photos">
                <h2>{t!(i18n, inspections.report_photo_heading)}</h2>
                {if all_photos.is_empty() {
                    view! { <p class="muted">{t!(i18n, inspections.report_no_photos)}</p> }.into_any_sync()
                } else {
                    view! {
                        <div class="report-photos">
                            {all_photos.into_iter().map(|(sha, alt, caption)| view! {
                                <figure>
                                    // Not lazy: a printed report must have every photo loaded.
                                    <img src=format!("/media/thumb/{sha}.jpg") alt=alt width="320" />
                                    <figcaption>{caption}</figcaption>
                                </figure>
                            }).collect_view()}
                        </div>
                    }.into_any_sync()
                }}
            </section>
            <section id="report-conclusions">
                <h2>{t!(i18n, inspections.report_conclusions)}</h2>
                {if r.text.conclusions.is_empty() { unwritten().into_any_sync() } else { paragraphs(&r.text.conclusions).into_any_sync() }}
            </section>
            <p class="muted report-written" id="report-written">{written}</p>
        </article>
        <PlainForm action=action id="report-form" class="no-print stack" done=td_string!(locale, inspections.report_saved) done_id="report-saved">
            <input type="hidden" name="id" value=id.to_string() />
            <label>
                {t!(i18n, inspections.report_summary_label)}
                <textarea name="summary" rows="8" maxlength=MAX_REPORT_CHARS.to_string() inner_html=crate::ui::textarea_html(&summary_typed)></textarea>
            </label>
            <label>
                {t!(i18n, inspections.report_conclusions_label)}
                <textarea name="conclusions" rows="8" maxlength=MAX_REPORT_CHARS.to_string() inner_html=crate::ui::textarea_html(&conclusions_typed)></textarea>
            </label>
            <p class="muted">{t!(i18n, inspections.report_max, max = MAX_REPORT_CHARS)}</p>
            {lost.then(|| view! { <p class="notice" id="report-not-returned" role="alert">{t!(i18n, inspections.report_not_returned)}</p> })}
            <button type="submit" id="report-save">{t!(i18n, inspections.report_save)}</button>
        </PlainForm>
    }
}
