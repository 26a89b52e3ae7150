//! A sub-item's progress on its page (figures, burn-up chart, reports with their queries, the
//! officer's report form) and the dashboard's schedule table. Server-rendered, plain forms: no
//! wasm is needed to read or to report.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use uuid::Uuid;

use super::api::{get_progress, get_risks, QueryProgress, SetMargin};
use super::{ProgressReport, RiskRow, SubItemProgress};
use crate::catalogue::format_wan_yuan;
use crate::domain::progress::{burn_up, Risk, MAX_NOTE_CHARS, MAX_QUERY_CHARS};
use crate::i18n::*;
use crate::ui::form::PlainForm;
use crate::ui::{local_time, pick, query_arg, use_zh, Loaded};

/// The schedule state's words: the pages' and the export's (`server/src/export.rs`) alike.
pub fn risk_label(locale: impl Into<Locale>, r: Risk) -> &'static str {
    let locale: Locale = locale.into();
    match r {
        Risk::Overdue => td_string!(locale, progress.risk_overdue),
        Risk::Behind => td_string!(locale, progress.risk_behind),
        Risk::OnTrack => td_string!(locale, progress.risk_on_track),
        Risk::Done => td_string!(locale, progress.risk_done),
    }
}

fn permille(p: i64) -> String {
    format!("{}%", p / 10)
}

/// The burn-up chart: reported quantity as steps, the plan as a straight line to the target at
/// the deadline. SVG with titles, so it prints and reads without JavaScript.
fn burn_up_chart(i18n: leptos_i18n::I18nContext<Locale>, p: &SubItemProgress) -> impl IntoView {
    const W: f64 = 640.0;
    const H: f64 = 160.0;
    const PAD: f64 = 20.0;
    let (line, plan) = burn_up(
        &p.schedule(),
        &p.points,
        p.today,
        W - 2.0 * PAD,
        H - 2.0 * PAD,
    );
    let path = |pts: &[(f64, f64)]| {
        pts.iter()
            .map(|(x, y)| format!("{:.1},{:.1}", x + PAD, y + PAD))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let start = p.schedule().start();
    view! {
        <figure class="chart">
            <svg id="burn-up" viewBox=format!("0 0 {W} {H}") role="img"
                aria-label=move || t_string!(i18n, progress.burn_up).to_string()>
                <polyline class="plan" points=path(&plan) fill="none" />
                <polyline class="done" points=path(&line) fill="none" />
                <text x=format!("{PAD}") y=format!("{}", H - 4.0)>{start.format("%m-%d").to_string()}</text>
                <text x=format!("{}", W - PAD) y=format!("{}", H - 4.0) text-anchor="end">
                    {p.deadline.format("%m-%d").to_string()}
                </text>
            </svg>
            <figcaption class="legend">
                <span class="key done">{t!(i18n, progress.reported)}</span>
                <span class="key plan">{t!(i18n, progress.planned)}</span>
            </figcaption>
        </figure>
    }
}

fn report_view(
    i18n: leptos_i18n::I18nContext<Locale>,
    r: ProgressReport,
    may_query: bool,
) -> impl IntoView {
    let id = r.id;
    let photos = r
        .photos
        .iter()
        .map(|sha| {
            view! {
                <a href=format!("/media/display/{sha}.jpg")>
                    <img src=format!("/media/thumb/{sha}.jpg") alt="" loading="lazy" width="96" height="96" />
                </a>
            }
        })
        .collect_view();
    let queries = r
        .queries
        .iter()
        .map(|q| {
            view! {
                <li class="query notice">
                    <b>{t!(i18n, progress.queried)}</b> " · " {q.actor_name.clone()} " · "
                    {local_time(q.at)}
                    <p class="body">{q.reason.clone()}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <li class="report" id=format!("report-{id}") data-quantity=r.quantity_done>
            <p>
                <b class="quantity">{r.quantity_done}</b> " · " {r.author_name.clone()} " · "
                {local_time(r.at)}
            </p>
            <p class="muted">
                {t!(i18n, progress.paid)} " " {format_wan_yuan(r.paid.total())} " "
                {t!(i18n, common.wan_yuan)} " ("
                {t!(i18n, progress.government)} " " {format_wan_yuan(r.paid.government)} ", "
                {t!(i18n, progress.residents)} " " {format_wan_yuan(r.paid.residents)} ", "
                {t!(i18n, progress.social)} " " {format_wan_yuan(r.paid.social)} ")"
            </p>
            {r.sites_finished.zip(r.sites_total).map(|(done, total)| view! {
                <p class="muted sites-finished">{t!(i18n, site_state.finished_of, done = done, total = total)}</p>
            })}
            {(!r.note.is_empty()).then(|| view! { <p class="body">{r.note.clone()}</p> })}
            {(!r.photos.is_empty()).then(|| view! { <p class="thumbs">{photos}</p> })}
            <ul class="queries">{queries}</ul>
            {may_query.then(|| view! {
                <PlainForm action=QueryProgress::url() key=id.to_string() class="inline query-form" done=t_string!(i18n, progress.query_sent)>
                    <input type="hidden" name="report" value=id.to_string() />
                    <label>
                        <span>{t!(i18n, progress.query_reason)}</span>
                        <input name="reason" required maxlength=MAX_QUERY_CHARS.to_string() />
                    </label>
                    <button type="submit">{t!(i18n, progress.query)}</button>
                </PlainForm>
            })}
        </li>
    }
}

/// The officer's report: a plain multipart form (figures, note and photos in one post).
fn report_form(
    i18n: leptos_i18n::I18nContext<Locale>,
    p: &SubItemProgress,
    zh: bool,
) -> impl IntoView {
    let latest = p.latest.as_ref();
    let wan = |v: Option<i64>| v.map(format_wan_yuan).unwrap_or_default();
    view! {
        <form method="post" action=format!("/sub-items/{}/progress", p.sub_item_id)
            enctype="multipart/form-data" class="stack" id="progress-form">
            <h3>{t!(i18n, progress.file)}</h3>
            <label>
                <span>{t!(i18n, progress.quantity_done)} " (" {pick(zh, &p.target_unit_zh, &p.target_unit_en)} ", "
                    {t!(i18n, sub_item.target)} " " {p.target} ")"</span>
                <input name="quantity_done" inputmode="numeric" required
                    value=latest.map(|r| r.quantity_done.to_string()) />
            </label>
            <fieldset>
                <legend>{t!(i18n, progress.paid)} " (" {t!(i18n, common.wan_yuan)} ")"</legend>
                <label>
                    <span>{t!(i18n, progress.government)}</span>
                    <input name="paid_government" inputmode="decimal" value=wan(latest.map(|r| r.paid.government)) />
                </label>
                <label>
                    <span>{t!(i18n, progress.residents)}</span>
                    <input name="paid_residents" inputmode="decimal" value=wan(latest.map(|r| r.paid.residents)) />
                </label>
                <label>
                    <span>{t!(i18n, progress.social)}</span>
                    <input name="paid_social" inputmode="decimal" value=wan(latest.map(|r| r.paid.social)) />
                </label>
            </fieldset>
            <label>
                <span>{t!(i18n, progress.note)}</span>
                <textarea name="note" rows="3" maxlength=MAX_NOTE_CHARS.to_string()></textarea>
            </label>
            <label>
                <span>{t!(i18n, items.evidence)}</span>
                <input type="file" name="photos" accept="image/jpeg,image/png,image/webp" multiple id="progress-photos" />
            </label>
            <button type="submit" class="primary" id="do-progress">{t!(i18n, progress.submit)}</button>
        </form>
    }
}

/// The progress section of a sub-item's page.
#[component]
pub fn SubItemProgressSection(sub_item: Uuid) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let query = leptos_router::hooks::use_query_map();
    let page = move || {
        query_arg(query, "reports")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let data = Resource::new(page, move |page| get_progress(sub_item, Some(page)));
    view! {
        <Loaded
            resource=data
            view=move |p: SubItemProgress| {
                let s = p.schedule();
                let risk = p.risk();
                let unit = pick(zh, &p.target_unit_zh, &p.target_unit_en).to_owned();
                let paid = p.latest.as_ref().map(|r| r.paid.total()).unwrap_or(0);
                let (total, page, pages) = (p.reports.total, p.reports.page, p.reports.pages());
                let id = p.sub_item_id;
                let words = view! { {t!(i18n, progress.page_status, total = total, page = page + 1, pages = pages)} };
                let pager = crate::ui::pager(
                    "report-pager",
                    (total, page, pages),
                    move |n| format!("/sub-items/{id}?reports={n}#progress"),
                    words,
                );
                let form = p.may_report.then(|| report_form(i18n, &p, zh));
                let chart = burn_up_chart(i18n, &p);
                let may_query = p.may_query;
                let rows = p.reports.rows.clone();
                view! {
                    <section id="progress" data-risk=risk.as_str()>
                        <h2>{t!(i18n, progress.title)}</h2>
                        <ul class="figures">
                            <li>
                                <b id="progress-done">{s.done.unwrap_or(0)}</b>
                                " / " {p.target} " " {unit.clone()}
                                " (" {permille(s.done_permille())} ")"
                            </li>
                            <li>
                                {t!(i18n, progress.time_elapsed)} " "
                                <b>{permille(s.elapsed_permille(p.today))}</b>
                            </li>
                            <li>
                                <span class=format!("tag risk risk-{}", risk.as_str()) id="progress-risk">
                                    {risk_label(i18n.get_locale_untracked(), risk)}
                                </span>
                            </li>
                            <li id="sites-finished" data-done=p.sites_finished data-total=p.sites_total>
                                {t!(i18n, site_state.finished_of, done = p.sites_finished, total = p.sites_total)}
                            </li>
                            <li>
                                {t!(i18n, progress.paid)} " " <b>{format_wan_yuan(paid)}</b> " / "
                                {format_wan_yuan(p.budget_yuan)} " " {t!(i18n, common.wan_yuan)}
                            </li>
                        </ul>
                        {p.latest.is_none().then(|| view! { <p class="muted" id="no-reports">{t!(i18n, progress.none)}</p> })}
                        {chart}
                        {form}
                        {(total > 0).then_some(pager)}
                        <ol class="rows" id="report-list">
                            {rows.into_iter().map(|r| report_view(i18n, r, may_query)).collect_view()}
                        </ol>
                    </section>
                }
            }
        />
    }
}

fn risk_row(
    i18n: leptos_i18n::I18nContext<Locale>,
    zh: bool,
    today: chrono::NaiveDate,
    risk: Risk,
    r: RiskRow,
) -> impl IntoView {
    let s = r.schedule();
    let group = match (&r.group_zh, &r.group_en) {
        (Some(z), Some(e)) => pick(zh, z, e).to_owned(),
        _ => "—".to_owned(),
    };
    view! {
        <tr data-id=r.sub_item_id.to_string() data-risk=risk.as_str()>
            <td>
                <a href=format!("/sub-items/{}#progress", r.sub_item_id)>
                    {format!("{}-{} ", r.project_number, r.number)} {pick(zh, &r.title_zh, &r.title_en)}
                </a>
            </td>
            <td>{pick(zh, &r.unit_zh, &r.unit_en)}</td>
            <td>{group}</td>
            <td><span class=format!("tag risk risk-{}", risk.as_str())>{risk_label(i18n.get_locale_untracked(), risk)}</span></td>
            <td class="num done">
                {r.done.map(|d| d.to_string()).unwrap_or_else(|| "—".into())} " / " {r.target}
            </td>
            <td class="num">{permille(s.done_permille())}</td>
            <td class="num">{permille(s.elapsed_permille(today))}</td>
            <td>{r.deadline.to_string()}</td>
            <td>{r.reported_at.map(local_time).unwrap_or_else(|| "—".into())}</td>
            <td class="num">{(r.open_queries > 0).then_some(r.open_queries)}</td>
        </tr>
    }
}

/// The dashboard's schedule table: the plan year's sub-items, overdue and behind first, with the
/// margin staff allow.
#[component]
pub fn ProgressRisks() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let data = Resource::new(|| (), |_| get_risks());
    view! {
        <Loaded
            resource=data
            view=move |d| {
                let count = |k: Risk| d.rows.iter().filter(|(r, _)| *r == k).count();
                let counts = Risk::ALL
                    .iter()
                    .map(|&k| view! {
                        <li data-risk=k.as_str()><b>{count(k)}</b> {risk_label(i18n.get_locale_untracked(), k)}</li>
                    })
                    .collect_view();
                let total = d.rows.len();
                let today = d.today;
                view! {
                    <h2 id="progress-risks">
                        {t!(i18n, progress.risks)}
                        {d.year.map(|y| format!(" · {y}"))}
                    </h2>
                    <ul class="figures" id="risk-counts">{counts}</ul>
                    <PlainForm action=SetMargin::url() class="inline" done=t_string!(i18n, progress.margin_saved)>
                        <label>
                            <span>{t!(i18n, progress.margin)}</span>
                            <input name="margin" inputmode="numeric" size="3" value=d.margin_pct.to_string() id="risk-margin" />
                        </label>
                        <button type="submit">{t!(i18n, common.save)}</button>
                    </PlainForm>
                    <p class="muted">{t!(i18n, progress.risks_total, total = total)}</p>
                    {d.year.map(|y| view! {
                        <p>
                            <a href=format!("/progress/export.xlsx?year={y}") rel="external" download id="progress-export">
                                {t!(i18n, progress.export)}
                            </a>
                        </p>
                    })}
                    <div class="scroll">
                    <table class="grid" id="dash-risks">
                        <thead>
                            <tr>
                                <th>{t!(i18n, sub_item.title)}</th>
                                <th>{t!(i18n, sub_item.lead_unit)}</th>
                                <th>{t!(i18n, dashboard.group)}</th>
                                <th>{t!(i18n, progress.state)}</th>
                                <th class="num">{t!(i18n, progress.quantity_done)}</th>
                                <th class="num">{t!(i18n, progress.done_share)}</th>
                                <th class="num">{t!(i18n, progress.time_elapsed)}</th>
                                <th>{t!(i18n, sub_item.deadline)}</th>
                                <th>{t!(i18n, progress.last_report)}</th>
                                <th class="num">{t!(i18n, progress.open_queries)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {d.rows
                                .into_iter()
                                .map(|(risk, r)| risk_row(i18n, zh, today, risk, r))
                                .collect_view()}
                        </tbody>
                    </table>
                    </div>
                }
            }
        />
    }
}
