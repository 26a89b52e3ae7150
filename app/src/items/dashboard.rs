//! Where things stand: the list's figures per lead unit, supervision group and project.

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
    pub public: Tally,
}

#[server(endpoint = "items/dashboard")]
pub async fn get_dashboard() -> Result<Dashboard, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let db = crate::ssr::db()?;
        let today = crate::ssr::today();
        Ok(Dashboard {
            by_unit: db.dashboard_rows("unit", today).await?,
            by_group: db.dashboard_rows("group", today).await?,
            by_project: db.dashboard_rows("project", today).await?,
            public: db.public_tally().await?,
            today,
        })
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
        <div class="scroll">
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
                    <h2>{t!(i18n, dashboard.by_unit)}</h2>
                    {table(i18n, zh, "dash-units", d.by_unit)}
                    <h2>{t!(i18n, dashboard.by_group)}</h2>
                    {table(i18n, zh, "dash-groups", d.by_group)}
                    <h2>{t!(i18n, dashboard.by_project)}</h2>
                    {table(i18n, zh, "dash-projects", d.by_project)}
                }
            }
        />
    }
}
