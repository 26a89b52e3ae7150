//! The public plan: a year's livelihood projects as the city publishes them — projects,
//! sub-items, lead units, targets, deadlines, budgets by source — each with its latest reported
//! progress and the public's rates, and a page per sub-item listing its sites (each a link to
//! the site's own page). No sign-in and no wasm, like `/s/{code}`; kept in the same page cache.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use super::plan::{PlanSites, PublicPlan, PublicSubItem};
use crate::catalogue::format_wan_yuan;
use crate::domain::comment::percent;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{kind_label, local_time, pick, query_arg, use_zh, IntoAnySync, Loaded};

/// A year's plan, or the newest year's when none is named. Open to anyone.
/// The year comes as the address has it: `/plan/abc` is no plan.
#[server(endpoint = "public/plan")]
pub async fn get_public_plan(year: Option<String>) -> Result<PublicPlan, AppError> {
    crate::ssr::run(async move {
        let db = crate::ssr::public_read_db().await?;
        let years = db.plan_years().await?;
        let year = match year.map(|y| y.parse::<i32>()) {
            Some(Ok(y)) if years.contains(&y) => Some(y),
            Some(_) => return Err(AppError::not_found("plan")),
            None => years.first().copied(),
        };
        let (sub_items, cases) = match year {
            Some(y) => (db.public_plan(y).await?, db.public_cases_of_year(y).await?),
            None => (vec![], vec![]),
        };
        Ok(PublicPlan {
            year,
            years,
            sub_items,
            cases,
        })
    })
    .await
}

/// One sub-item of a year's plan and a page of its sites. Open to anyone.
#[server(endpoint = "public/plan-sites")]
pub async fn get_plan_sites(year: String, sub: String, page: u32) -> Result<PlanSites, AppError> {
    crate::ssr::run(async move {
        let year: i32 = year.parse().map_err(|_| AppError::not_found("plan"))?;
        let (project, number) =
            crate::public::plan::parse_sub_ref(&sub).ok_or_else(|| AppError::not_found("plan"))?;
        let page = page.min(10_000);
        crate::ssr::public_read_db()
            .await?
            .plan_sites(year, project, number, page, super::plan::PLAN_SITES_PAGE)
            .await?
            .ok_or_else(|| AppError::not_found("plan"))
    })
    .await
}

fn year_param() -> impl Fn() -> Option<String> + Copy + Send + Sync {
    let params = leptos_router::hooks::use_params_map();
    move || query_arg(params, "year")
}

fn share(done: i32, target: i32) -> String {
    format!(
        "{}%",
        crate::domain::progress::share_permille(done, target) / 10
    )
}

#[component]
pub fn PublicPlanPage() -> impl IntoView {
    let year = year_param();
    let data = Resource::new(year, get_public_plan);
    view! { <Loaded resource=data view=move |p| view! { <PlanView p=p /> } /> }
}

#[component]
fn PlanView(p: PublicPlan) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let Some(year) = p.year else {
        return view! {
            <h1>{t!(i18n, plan.title_none)}</h1>
            <p class="muted" id="plan-empty">{t!(i18n, plan.empty)}</p>
        }
        .into_any_sync();
    };
    let years = p
        .years
        .iter()
        .map(|&y| {
            view! {
                <a href=format!("/plan/{y}") aria-current=(y == year).then_some("page")>{y}</a>
            }
        })
        .collect_view();
    let mut projects: Vec<(i32, Vec<PublicSubItem>)> = vec![];
    for s in p.sub_items {
        match projects.last_mut() {
            Some((n, list)) if *n == s.project_number => list.push(s),
            _ => projects.push((s.project_number, vec![s])),
        }
    }
    let count = projects.len();
    let mut cases = p.cases;
    let body = projects
        .into_iter()
        .map(|(n, subs)| {
            let (these, rest): (Vec<_>, Vec<_>) =
                cases.drain(..).partition(|c| c.project_number == n);
            cases = rest;
            let these = (!these.is_empty()).then(|| {
                view! {
                    <section class="plan-cases" id=format!("cases-{n}")>
                        <h3>{t!(i18n, cases.public_title)}</h3>
                        <crate::cases::pages::CaseCards cases=these with_site=true />
                    </section>
                }
            });
            let first = &subs[0];
            let title = pick(zh, &first.project_zh, &first.project_en).to_owned();
            let summary = pick(zh, &first.project_summary_zh, &first.project_summary_en).to_owned();
            view! {
                <section class="plan-project" id=format!("project-{n}")>
                    <h2><span class="num">{n}</span> {title}</h2>
                    {(!summary.is_empty()).then(|| view! { <p>{summary}</p> })}
                    <ol class="plan-subs">
                        {subs.into_iter().map(|s| sub_item_view(i18n, zh, year, s)).collect_view()}
                    </ol>
                    {these}
                </section>
            }
        })
        .collect_view();
    let title = format!("{year} {}", t_string!(i18n, plan.title));
    view! {
        <Title text=title.clone() />
        <Meta name="description" content=t_string!(i18n, plan.description).to_string() />
        <article class="public-plan">
            <h1 id="plan-title">{title}</h1>
            <p class="muted">{t!(i18n, plan.intro, count = count)}</p>
            {(p.years.len() > 1).then(|| view! { <nav class="years">{years}</nav> })}
            {body}
        </article>
    }
    .into_any_sync()
}

fn sub_item_view(
    i18n: leptos_i18n::I18nContext<Locale>,
    zh: bool,
    year: i32,
    s: PublicSubItem,
) -> impl IntoView {
    let unit = pick(zh, &s.target_unit_zh, &s.target_unit_en).to_owned();
    let sub = format!("{}-{}", s.project_number, s.number);
    let funds = [
        (
            s.funds_government_yuan,
            t_string!(i18n, progress.government),
        ),
        (s.funds_residents_yuan, t_string!(i18n, progress.residents)),
        (s.funds_social_yuan, t_string!(i18n, progress.social)),
    ]
    .into_iter()
    .filter_map(|(v, label)| v.map(|v| format!("{label} {}", format_wan_yuan(v))))
    .collect::<Vec<_>>()
    .join("，");
    let progress = match (s.done, s.reported_at) {
        (Some(done), Some(at)) => view! {
            <b class="done">{done}</b> " / " {s.target} " " {unit.clone()} " (" {share(done, s.target)} ") · "
            {t!(i18n, progress.paid)} " " {format_wan_yuan(s.paid_yuan.unwrap_or(0))} " " {t!(i18n, common.wan_yuan)}
            " · " <small>{t!(i18n, plan.as_of)} " " {local_time(at)}</small>
        }
        .into_any_sync(),
        _ => view! { <span class="muted">{t!(i18n, plan.no_report)}</span> }.into_any_sync(),
    };
    let n = s.tally.responses();
    view! {
        <li id=format!("sub-{sub}") data-id=s.id.to_string()>
            <h3><span class="num">{sub.clone()}</span> {pick(zh, &s.title_zh, &s.title_en)}</h3>
            <dl class="facts">
                <dt>{t!(i18n, sub_item.lead_unit)}</dt>
                <dd>{pick(zh, &s.unit_zh, &s.unit_en)}</dd>
                <dt>{t!(i18n, sub_item.target)}</dt>
                <dd>{s.target} " " {unit.clone()} " · " {t!(i18n, sub_item.deadline)} " " {s.deadline.to_string()}</dd>
                <dt>{t!(i18n, sub_item.budget)}</dt>
                <dd>
                    {format_wan_yuan(s.budget_yuan)} " " {t!(i18n, common.wan_yuan)}
                    {(!funds.is_empty()).then(|| format!("（{funds}）"))}
                </dd>
                <dt>{t!(i18n, progress.title)}</dt>
                <dd class="plan-progress">{progress}</dd>
                <dt>{t!(i18n, public.satisfaction_rate)}</dt>
                <dd>
                    {percent(s.tally.satisfaction_rate())} " · " {t!(i18n, public.support_rate)} " "
                    {percent(s.tally.support_rate())} " · " {t!(i18n, plan.responses, n = n)}
                </dd>
            </dl>
            <a href=format!("/plan/{year}/{sub}") class="sites-link">{t!(i18n, plan.sites, n = s.site_count)}</a>
        </li>
    }
}

#[component]
pub fn PlanSitesPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let year = year_param();
    let params = leptos_router::hooks::use_params_map();
    let query = leptos_router::hooks::use_query_map();
    let sub = move || query_arg(params, "sub").unwrap_or_default();
    let page = move || {
        query_arg(query, "page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let data = Resource::new(
        move || (year().unwrap_or_default(), sub(), page()),
        |(year, sub, page)| get_plan_sites(year, sub, page),
    );
    view! {
        <Loaded
            resource=data
            view=move |d: PlanSites| {
                let s = d.sub_item;
                let sub = format!("{}-{}", s.project_number, s.number);
                let year = d.year;
                let (total, page, pages) = (d.sites.total, d.sites.page, d.sites.pages());
                let words = view! { {t!(i18n, plan.sites_page, total = total, page = page + 1, pages = pages)} };
                let pager = crate::ui::pager(
                    "plan-site-pager",
                    (total, page, pages),
                    {
                        let sub = sub.clone();
                        move |p| format!("/plan/{year}/{sub}?page={p}")
                    },
                    words,
                );
                let title = format!("{sub} {}", pick(zh, &s.title_zh, &s.title_en));
                view! {
                    <Title text=title.clone() />
                    <p class="crumbs">
                        <a href=format!("/plan/{year}#sub-{sub}")>{format!("{year} ")} {t!(i18n, plan.title)}</a>
                        " › " {pick(zh, &s.project_zh, &s.project_en)}
                    </p>
                    <h1>{title}</h1>
                    <p>{pick(zh, &s.unit_zh, &s.unit_en)}</p>
                    {pager}
                    <ol class="rows" id="plan-sites">
                        {d.sites
                            .rows
                            .into_iter()
                            .map(|t| view! {
                                <li>
                                    <a href=format!("/s/{}", t.public_code)>{pick(zh, &t.name_zh, &t.name_en)}</a>
                                    " · " {kind_label(i18n, t.kind)} " · " {pick(zh, &t.district_zh, &t.district_en)}
                                    " " <crate::ui::SiteStateTag state=t.state />
                                    {(!t.active).then(|| view! { " · " <span class="tag">{t!(i18n, plan.site_closed)}</span> })}
                                </li>
                            })
                            .collect_view()}
                    </ol>
                }
            }
        />
    }
}
