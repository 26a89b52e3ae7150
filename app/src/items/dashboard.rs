//! Where things stand: the list's figures per lead unit, supervision group, project and
//! district, the public's rates, and the weekly trend as server-rendered SVG that prints.

use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::comment::{percent, Tally};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{pick, use_zh, Loaded};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DashRow {
    pub id: Uuid,
    pub name_zh: String,
    pub name_en: String,
    pub problems: i64,
    pub suggestions: i64,
    pub forwarded: i64,
    pub answered: i64,
    pub closed: i64,
    pub overdue: i64,
    /// Answered on or before the deadline day.
    pub on_time: i64,
    pub observations: i64,
    pub deputies: i64,
    /// The public's answers at the sites, counted as on the site pages.
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub public: Tally,
    /// The reporting deputies' ratings of the current answers of the items with this row.
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub ratings: Tally,
}

impl DashRow {
    /// Answered on time over all answered; none answered yet: no rate.
    pub fn on_time_rate(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.on_time as f64 / self.answered as f64)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub today: NaiveDate,
    pub by_unit: Vec<DashRow>,
    pub by_group: Vec<DashRow>,
    pub by_project: Vec<DashRow>,
    pub by_district: Vec<DashRow>,
    pub trend: Vec<WeekRow>,
    pub public: Tally,
    /// Verdicts on the units' answers: the reporting deputies' and the public's (receipts).
    pub deputy_verdicts: Tally,
    pub public_verdicts: Tally,
}

/// The public's or the deputies' answers for one row of a dimension.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RateRow {
    pub dim: String,
    pub key: Uuid,
    /// `public` or `deputies`.
    pub who: String,
    pub tally: Tally,
}

/// One week of the trend (the week starts on Monday, China time).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct WeekRow {
    pub week: NaiveDate,
    pub observations: i64,
    pub created: i64,
    pub answered: i64,
    pub closed: i64,
}

pub const TREND_WEEKS: i32 = 12;

#[server(endpoint = "items/dashboard")]
pub async fn get_dashboard() -> Result<Dashboard, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let db = crate::ssr::read_db().await?;
        let today = crate::ssr::today();
        let (rows, rates, trend, public, public_verdicts) = tokio::try_join!(
            db.dashboard_rows(today),
            db.dashboard_rates(),
            db.dashboard_trend(today, TREND_WEEKS),
            db.public_tally(),
            db.receipt_verdicts()
        )?;
        // Every rating counts for exactly one unit: the units' rows add up to all of them.
        let mut deputy_verdicts = Tally::default();
        for r in rates
            .iter()
            .filter(|r| r.dim == "unit" && r.who == "deputies")
        {
            deputy_verdicts.satisfied += r.tally.satisfied;
            deputy_verdicts.basic += r.tally.basic;
            deputy_verdicts.dissatisfied += r.tally.dissatisfied;
        }
        let mut d = Dashboard {
            today,
            by_unit: vec![],
            by_group: vec![],
            by_project: vec![],
            by_district: vec![],
            trend,
            public,
            deputy_verdicts,
            public_verdicts,
        };
        for (dim, mut row) in rows {
            for r in rates.iter().filter(|r| r.dim == dim && r.key == row.id) {
                match r.who.as_str() {
                    "public" => row.public = r.tally,
                    _ => row.ratings = r.tally,
                }
            }
            match dim.as_str() {
                "unit" => d.by_unit.push(row),
                "group" => d.by_group.push(row),
                "project" => d.by_project.push(row),
                _ => d.by_district.push(row),
            }
        }
        Ok(d)
    })
    .await
}

fn table(
    i18n: leptos_i18n::I18nContext<Locale>,
    zh: bool,
    id: &'static str,
    rows: Vec<DashRow>,
) -> impl IntoView {
    view! {
        <div class="scroll" tabindex="0">
        <table class="grid" id=id>
            <thead>
                <tr>
                    <th></th>
                    <th class="num">{t!(i18n, items.problem)}</th>
                    <th class="num">{t!(i18n, items.suggestion)}</th>
                    <th class="num">{t!(i18n, items.forwarded)}</th>
                    <th class="num">{t!(i18n, items.answered)}</th>
                    <th class="num">{t!(i18n, items.closed)}</th>
                    <th class="num">{t!(i18n, items.overdue)}</th>
                    <th class="num">{t!(i18n, dashboard.on_time_rate)}</th>
                    <th class="num">{t!(i18n, dashboard.deputy_rating)}</th>
                    <th class="num">{t!(i18n, public.satisfaction_rate)}</th>
                    <th class="num">{t!(i18n, public.support_rate)}</th>
                    <th class="num">{t!(i18n, dashboard.observations)}</th>
                    <th class="num">{t!(i18n, dashboard.deputies)}</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|r| view! {
                        <tr data-id=r.id.to_string()>
                            <td>{pick(zh, &r.name_zh, &r.name_en)}</td>
                            <td class="num">{r.problems}</td>
                            <td class="num">{r.suggestions}</td>
                            <td class="num">{r.forwarded}</td>
                            <td class="num">{r.answered}</td>
                            <td class="num">{r.closed}</td>
                            <td class="num overdue-count">{r.overdue}</td>
                            <td class="num">{percent(r.on_time_rate())}</td>
                            <td class="num rated" title=format!("{}", r.ratings.responses())>{percent(r.ratings.satisfaction_rate())}</td>
                            <td class="num satisfied" title=format!("{}", r.public.responses())>{percent(r.public.satisfaction_rate())}</td>
                            <td class="num supported" title=format!("{}", r.public.responses())>{percent(r.public.support_rate())}</td>
                            <td class="num">{r.observations}</td>
                            <td class="num">{r.deputies}</td>
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table>
        </div>
    }
}

/// Who thought the answers fixed things: the deputies who reported and the public who
/// commented, side by side.
fn verdicts(
    i18n: leptos_i18n::I18nContext<Locale>,
    deputies: Tally,
    public: Tally,
) -> impl IntoView {
    let row = move |id: &'static str, who: &'static str, t: Tally| {
        view! {
            <tr id=id>
                <td>{who}</td>
                <td class="num">{t.satisfied}</td>
                <td class="num">{t.basic}</td>
                <td class="num">{t.dissatisfied}</td>
                <td class="num">{t.responses()}</td>
                <td class="num rate">{percent(t.satisfaction_rate())}</td>
            </tr>
        }
    };
    let locale = i18n.get_locale_untracked();
    view! {
        <div class="scroll" tabindex="0">
        <table class="grid" id="dash-verdicts">
            <thead>
                <tr>
                    <th></th>
                    <th class="num">{t!(i18n, public.satisfied)}</th>
                    <th class="num">{t!(i18n, public.basic)}</th>
                    <th class="num">{t!(i18n, public.dissatisfied)}</th>
                    <th class="num">{t!(i18n, dashboard.verdicts_count)}</th>
                    <th class="num">{t!(i18n, public.satisfaction_rate)}</th>
                </tr>
            </thead>
            <tbody>
                {row("verdicts-deputies", td_string!(locale, dashboard.verdicts_deputies), deputies)}
                {row("verdicts-public", td_string!(locale, dashboard.verdicts_public), public)}
            </tbody>
        </table>
        </div>
    }
}

/// Reads one figure of a week.
type Figure = fn(&WeekRow) -> i64;

/// Bars of one week's figures, scaled to the largest value of the period. Plain SVG with
/// titles, so it prints and reads without JavaScript.
fn trend_chart(i18n: leptos_i18n::I18nContext<Locale>, weeks: Vec<WeekRow>) -> impl IntoView {
    const W: f64 = 640.0;
    const H: f64 = 180.0;
    const TOP: f64 = 10.0;
    const BOTTOM: f64 = 24.0;
    let series: [(&str, Figure); 4] = [
        ("obs", |w| w.observations),
        ("created", |w| w.created),
        ("answered", |w| w.answered),
        ("closed", |w| w.closed),
    ];
    let n = weeks.len().max(1) as f64;
    let slot = W / n;
    let bar = (slot - 8.0) / 4.0;
    // Observations outnumber items many times: each series is scaled to its own largest week,
    // and the numbers are in the titles.
    let max: Vec<f64> = series
        .iter()
        .map(|(_, f)| weeks.iter().map(f).max().unwrap_or(0).max(1) as f64)
        .collect();
    let bars = weeks
        .iter()
        .enumerate()
        .flat_map(|(i, w)| {
            let max = &max;
            series.iter().enumerate().map(move |(k, (class, f))| {
                let v = f(w);
                let h = (H - TOP - BOTTOM) * v as f64 / max[k];
                let x = i as f64 * slot + 4.0 + k as f64 * bar;
                view! {
                    <rect class=format!("bar {class}") x=format!("{x:.1}")
                        y=format!("{:.1}", H - BOTTOM - h) width=format!("{:.1}", bar - 1.0)
                        height=format!("{h:.1}")>
                        <title>{format!("{} {}: {v}", w.week.format("%m-%d"), class)}</title>
                    </rect>
                }
            })
        })
        .collect_view();
    let labels = weeks
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(i, w)| {
            view! {
                <text x=format!("{:.1}", i as f64 * slot + 4.0) y=format!("{:.1}", H - 6.0)>
                    {w.week.format("%m-%d").to_string()}
                </text>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg id="dash-trend" viewBox=format!("0 0 {W} {H}") role="img"
                aria-label=move || t_string!(i18n, dashboard.trend).to_string()>
                {bars}
                {labels}
            </svg>
            <figcaption class="legend">
                <span class="key obs">{t!(i18n, dashboard.observations)}</span>
                <span class="key created">{t!(i18n, dashboard.created)}</span>
                <span class="key answered">{t!(i18n, items.answered)}</span>
                <span class="key closed">{t!(i18n, items.closed)}</span>
            </figcaption>
        </figure>
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let data = Resource::new(|| (), |_| get_dashboard());
    view! {
        <h1>{t!(i18n, dashboard.title)}</h1>
        <Loaded
            resource=data
            view=move |d| {
                view! {
                    <p class="muted">{t!(i18n, dashboard.as_of)} " " {d.today.to_string()}</p>
                    <ul class="figures big">
                        <li>
                            <b id="public-satisfaction">{percent(d.public.satisfaction_rate())}</b>
                            {t!(i18n, public.satisfaction_rate)}
                        </li>
                        <li>
                            <b>{percent(d.public.support_rate())}</b>
                            {t!(i18n, public.support_rate)}
                        </li>
                    </ul>
                    <crate::progress::pages::ProgressRisks />
                    <crate::usage::pages::QuietSitesSection />
                    <h2>{t!(i18n, dashboard.verdicts)}</h2>
                    {verdicts(i18n, d.deputy_verdicts, d.public_verdicts)}
                    <h2>{t!(i18n, map.items_title)}</h2>
                    <crate::map::points::PointsMap locale=i18n.get_locale_untracked() layer="items".to_owned() id="dash-map".to_owned()
                        filter=crate::items::QueueFilter::default() provider=crate::map::configured() />
                    <h2>{t!(i18n, dashboard.trend)}</h2>
                    {trend_chart(i18n, d.trend)}
                    <h2>{t!(i18n, dashboard.by_unit)}</h2>
                    {table(i18n, zh, "dash-units", d.by_unit)}
                    <h2>{t!(i18n, dashboard.by_group)}</h2>
                    {table(i18n, zh, "dash-groups", d.by_group)}
                    <h2>{t!(i18n, dashboard.by_project)}</h2>
                    {table(i18n, zh, "dash-projects", d.by_project)}
                    <h2>{t!(i18n, dashboard.by_district)}</h2>
                    {table(i18n, zh, "dash-districts", d.by_district)}
                }
            }
        />
    }
}
