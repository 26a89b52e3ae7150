//! Congress staff pages. For now: how supervision groups are assigned to units.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{pick, use_zh, Loaded};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct GroupSummary {
    pub id: Uuid,
    pub number: i32,
    pub name_zh: String,
    pub name_en: String,
    pub deputy_count: i64,
    pub units_zh: String,
    pub units_en: String,
}

#[server(endpoint = "staff/groups")]
pub async fn list_groups() -> Result<Vec<GroupSummary>, AppError> {
    crate::ssr::run(async {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        crate::ssr::db()?.list_groups().await
    })
    .await
}

#[component]
pub fn GroupsPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let groups = Resource::new(|| (), |_| list_groups());
    view! {
        <h1>{t!(i18n, groups.title)}</h1>
        <p class="muted">{t!(i18n, groups.intro)}</p>
        <Loaded
            resource=groups
            view=move |list| {
                view! {
                    <table class="grid" id="group-table">
                        <thead>
                            <tr>
                                <th>"#"</th>
                                <th>{t!(i18n, groups.units)}</th>
                                <th class="num">{t!(i18n, groups.deputies)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {list
                                .into_iter()
                                .map(|g| {
                                    view! {
                                        <tr>
                                            <td>{pick(zh, &g.name_zh, &g.name_en)}</td>
                                            <td>{pick(zh, &g.units_zh, &g.units_en)}</td>
                                            <td class="num">{g.deputy_count}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
            }
        />
    }
}
