//! Notifications in the app: officers hear of items forwarded to their unit, staff of answers
//! and ratings, deputies of every change to the items made from what they reported. Who hears
//! of what is `domain::list_item::audience`; the rows are written with each step.

use crate::ui::form::PlainForm;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::list_item::ItemStatus;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{pick, use_zh, Loaded};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Notification {
    pub id: i64,
    /// The item of a step; none for an observation dismissed before it became one.
    pub item_id: Option<Uuid>,
    /// The sub-item of a queried progress report.
    pub sub_item_id: Option<Uuid>,
    pub read: bool,
    /// An item's step, `dismiss`, or `query_progress`.
    pub action: String,
    pub to_status: Option<String>,
    pub at: DateTime<Utc>,
    pub actor_name: String,
    pub year: Option<i32>,
    pub number: Option<i32>,
    /// The item's description, why the observation was dismissed, or what is wrong with the
    /// reported figure.
    pub description: String,
    /// The item's site, or the queried report's sub-item.
    pub site_name_zh: String,
    pub site_name_en: String,
}

/// Notifications on one page.
pub const NOTIFICATIONS_PAGE: u32 = 50;

/// The signed-in person's notifications, newest first, a page at a time with the total.
#[server(endpoint = "notifications/list")]
pub async fn list_notifications(
    page: Option<u32>,
) -> Result<crate::paged::Paged<Notification>, AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|_| true).await?;
        let page = page.unwrap_or(0);
        let (rows, total) = crate::ssr::db()?
            .notifications(user.id, page, NOTIFICATIONS_PAGE)
            .await?;
        Ok(crate::paged::Paged {
            rows,
            total,
            page,
            per_page: NOTIFICATIONS_PAGE,
        })
    })
    .await
}

/// Marks one notification read, or all of them when `id` is absent. Returns how many changed.
#[server(endpoint = "notifications/read")]
pub async fn mark_read(id: Option<i64>) -> Result<u64, AppError> {
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|_| true).await?;
        crate::ssr::db()?.mark_notifications_read(user.id, id).await
    })
    .await
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let query = leptos_router::hooks::use_query_map();
    let page = move || {
        crate::ui::query_arg(query, "page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let data = Resource::new(page, |page| list_notifications(Some(page)));
    view! {
        <h1>{t!(i18n, notifications.title)}</h1>
        <PlainForm action=MarkRead::url() class="inline">
            <button type="submit" id="mark-all-read">{t!(i18n, notifications.mark_all)}</button>
        </PlainForm>
        <Loaded
            resource=data
            view=move |list| {
                let empty = list.rows.is_empty();
                let (total, page, pages) = (list.total, list.page, list.pages());
                let words = view! { {t!(i18n, notifications.page_status, total = total, page = page + 1, pages = pages)} };
                let pager = crate::ui::pager(
                    "notification-pager",
                    (total, page, pages),
                    |p| format!("/notifications?page={p}"),
                    words,
                );
                let rows = list.rows;
                view! {
                    {empty.then(|| view! { <p class="muted">{t!(i18n, notifications.empty)}</p> })}
                    {(!empty).then_some(pager)}
                    <ol class="rows" id="notification-list">
                        {rows
                            .into_iter()
                            .map(|n| {
                                let label = super::pages::action_label(i18n, &n.action);
                                let status = n
                                    .to_status
                                    .as_deref()
                                    .and_then(ItemStatus::parse)
                                    .map(|s| super::pages::status_label(i18n, s));
                                // A dismissed observation has no item: it leads to "my records",
                                // where its reason is.
                                let (href, title) = match (n.item_id, n.year, n.number, n.sub_item_id) {
                                    (Some(id), Some(y), Some(no), _) => (format!("/items/{id}"), format!("{y}-{no:03}")),
                                    (_, _, _, Some(s)) => (format!("/sub-items/{s}#progress"), t_string!(i18n, progress.title).to_owned()),
                                    _ => ("/my/observations".to_owned(), t_string!(i18n, mine.title).to_owned()),
                                };
                                view! {
                                    <li class:unread=!n.read data-action=n.action.clone()>
                                        <a href=href>{title}</a>
                                        " · " {pick(zh, &n.site_name_zh, &n.site_name_en)}
                                        <p>
                                            <b>{label}</b> " · " {n.actor_name.clone()}
                                            {status.map(|s| view! { " → " <span class="tag status">{s}</span> })}
                                            " · " {crate::ui::local_time(n.at)}
                                        </p>
                                        <p class="muted body">{n.description.chars().take(80).collect::<String>()}</p>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                }
            }
        />
    }
}
