//! A sub-item's progress on its page (figures, burn-up chart, reports with their queries, the
//! officer's report form) and the dashboard's schedule table. Server-rendered, plain forms: no
//! wasm is needed to read or to report.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use uuid::Uuid;

use super::api::{get_progress, get_risks, QueryProgress, SetMargin};
use super::risk_label;
use super::{ProgressReport, ReportProgress, RiskRow, SubItemProgress};
use crate::catalogue::format_wan_yuan;
use crate::domain::progress::{burn_up, Risk, MAX_NOTE_CHARS, MAX_QUERY_CHARS};
use crate::i18n::*;
use crate::ui::form::PlainForm;
use crate::ui::{local_time, pick, query_arg, use_zh, IntoAnySync, Loaded};

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
                    <img src=format!("/media/thumb/{sha}.jpg") alt=t_string!(i18n, photo.open) loading="lazy" width="96" height="96" />
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

/// What the report form shows and starts from: the sub-item's target and its latest figures.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReportFormFacts {
    pub sub_item: Uuid,
    /// How the outbox names the report: the sub-item's title.
    pub title: String,
    pub target: i32,
    /// The target's unit in the reader's language.
    pub unit: String,
    pub quantity: Option<String>,
    pub paid_government: String,
    pub paid_residents: String,
    pub paid_social: String,
}

/// The officer's report: a plain multipart form (figures, note and photos in one post) without
/// JavaScript; with it, the report goes through the outbox like an answer, so it can be filed
/// at the site with no signal and still arrives exactly once.
#[cfg_attr(feature = "camera-islands", island)]
#[cfg_attr(not(feature = "camera-islands"), component)]
pub fn ProgressReportForm(
    locale: Locale,
    facts: ReportFormFacts,
    owner: Option<crate::outbox::Owner>,
) -> impl IntoView {
    crate::ui::island::enter(locale, crate::ui::island::CAMERA);
    let progress = RwSignal::new(ReportProgress::Idle);
    let quantity_ref = NodeRef::<leptos::html::Input>::new();
    let government_ref = NodeRef::<leptos::html::Input>::new();
    let residents_ref = NodeRef::<leptos::html::Input>::new();
    let social_ref = NodeRef::<leptos::html::Input>::new();
    let note_ref = NodeRef::<leptos::html::Textarea>::new();
    let files_ref = NodeRef::<leptos::html::Input>::new();
    let version = crate::outbox::use_outbox();
    // Effects run only in the browser: the mark says the wasm owns the form.
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let sub_item = facts.sub_item;
    let (title, target) = (facts.title.clone(), facts.target);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            ev.prevent_default();
            if matches!(
                progress.get_untracked(),
                ReportProgress::Preparing | ReportProgress::Sending
            ) {
                return;
            }
            let input =
                |r: NodeRef<leptos::html::Input>| r.get().map(|i| i.value()).unwrap_or_default();
            let typed = super::device_report::Typed {
                quantity_done: input(quantity_ref),
                paid_government: input(government_ref),
                paid_residents: input(residents_ref),
                paid_social: input(social_ref),
                note: note_ref.get().map(|t| t.value()).unwrap_or_default(),
            };
            let files = files_ref
                .get()
                .and_then(|i| i.files())
                .map(|list| {
                    (0..list.length())
                        .filter_map(|k| list.get(k))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            leptos::task::spawn_local(super::device_report::submit(
                locale,
                owner.clone(),
                sub_item,
                title.clone(),
                target,
                typed,
                files,
                version,
                progress,
            ));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, &title, target, version, &owner);
    };
    let busy = move || {
        matches!(
            progress.get(),
            ReportProgress::Preparing | ReportProgress::Sending | ReportProgress::Queued
        )
    };
    view! {
        <form method="post" action=format!("/sub-items/{sub_item}/progress")
            enctype="multipart/form-data" class="stack" id="progress-form"
            data-ready=move || ready.get().then_some("1") on:submit=on_submit>
            <h3>{td_string!(locale, progress.file)}</h3>
            <label>
                <span>{td_string!(locale, progress.quantity_done)} " (" {facts.unit.clone()} ", "
                    {td_string!(locale, sub_item.target)} " " {facts.target} ")"</span>
                <input name="quantity_done" inputmode="numeric" required value=facts.quantity.clone() node_ref=quantity_ref />
            </label>
            <fieldset>
                <legend>{td_string!(locale, progress.paid)} " (" {td_string!(locale, common.wan_yuan)} ")"</legend>
                <label>
                    <span>{td_string!(locale, progress.government)}</span>
                    <input name="paid_government" inputmode="decimal" value=facts.paid_government.clone() node_ref=government_ref />
                </label>
                <label>
                    <span>{td_string!(locale, progress.residents)}</span>
                    <input name="paid_residents" inputmode="decimal" value=facts.paid_residents.clone() node_ref=residents_ref />
                </label>
                <label>
                    <span>{td_string!(locale, progress.social)}</span>
                    <input name="paid_social" inputmode="decimal" value=facts.paid_social.clone() node_ref=social_ref />
                </label>
            </fieldset>
            <label>
                <span>{td_string!(locale, progress.note)}</span>
                <textarea name="note" rows="3" maxlength=MAX_NOTE_CHARS.to_string() node_ref=note_ref></textarea>
            </label>
            <label>
                <span>{td_string!(locale, items.evidence)}</span>
                <input type="file" name="photos" accept="image/jpeg,image/png,image/webp" multiple id="progress-photos" node_ref=files_ref />
            </label>
            <p class="muted">{td_string!(locale, progress.evidence_hint)}</p>
            {move || match progress.get() {
                ReportProgress::Idle => ().into_any_sync(),
                ReportProgress::Preparing => view! { <p class="muted" id="progress-sending">{td_string!(locale, items.answer_preparing)}</p> }.into_any_sync(),
                ReportProgress::Sending => view! { <p class="muted" id="progress-sending">{td_string!(locale, items.answer_sending)}</p> }.into_any_sync(),
                ReportProgress::Queued => view! {
                    <p class="notice" id="progress-queued">
                        {td_string!(locale, progress.queued)} " "
                        <a href="/outbox" rel="external">{td_string!(locale, nav.outbox)}</a>
                    </p>
                }.into_any_sync(),
                ReportProgress::Failed(m) => view! {
                    <p class="notice error" id="progress-error">
                        {td_string!(locale, progress.failed)} " " <small>{m}</small>
                    </p>
                }.into_any_sync(),
            }}
            <button type="submit" class="primary" id="do-progress" disabled=busy>{td_string!(locale, progress.submit)}</button>
        </form>
    }
}

/// The progress section of a sub-item's page.
#[component]
pub fn SubItemProgressSection(
    sub_item: Uuid,
    /// How the phone's outbox names a report filed from this page.
    title: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let query = leptos_router::hooks::use_query_map();
    let page = move || {
        query_arg(query, "reports")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let data = Resource::new(page, move |page| async move {
        let p = get_progress(sub_item, Some(page)).await?;
        // The report form records who filed it (the outbox sends a record only under its
        // author): the page carries it, as a page the phone kept must work offline.
        let me = crate::auth::api::get_session().await?.user;
        Ok((p, me))
    });
    view! {
        <Loaded
            resource=data
            view=move |(p, me): (SubItemProgress, Option<crate::auth::CurrentUser>)| {
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
                let form = p.may_report.then(|| {
                    let latest = p.latest.as_ref();
                    let wan = |v: Option<i64>| v.map(format_wan_yuan).unwrap_or_default();
                    let facts = ReportFormFacts {
                        sub_item: p.sub_item_id,
                        title: title.clone(),
                        target: p.target,
                        unit: unit.clone(),
                        quantity: latest.map(|r| r.quantity_done.to_string()),
                        paid_government: wan(latest.map(|r| r.paid.government)),
                        paid_residents: wan(latest.map(|r| r.paid.residents)),
                        paid_social: wan(latest.map(|r| r.paid.social)),
                    };
                    view! {
                        <ProgressReportForm locale=i18n.get_locale_untracked() facts=facts
                            owner=me.as_ref().map(crate::outbox::Owner::of) />
                    }
                });
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
                    <div class="scroll" tabindex="0">
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
