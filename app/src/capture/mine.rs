//! "My observations": what the deputy has sent, with photos, verdict and where it stands.

use leptos::prelude::*;

use crate::ui::IntoAnySync;

use super::{verdict_label, MyObservation};
use crate::domain::Verdict;
use crate::error::AppError;
use crate::i18n::*;
use crate::outbox::page::kind_label;
use crate::ui::{pick, use_zh, Loaded};

/// Records on one page of "my records".
pub const MINE_PAGE: u32 = 50;

/// What the deputy has sent, newest first, a page at a time with the total.
#[server(endpoint = "field/my-observations")]
pub async fn get_my_observations(
    page: Option<u32>,
) -> Result<crate::paged::Paged<MyObservation>, AppError> {
    use crate::domain::Role;
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| u.role == Role::Deputy).await?;
        let page = page.unwrap_or(0);
        let (rows, total) = crate::ssr::db()?
            .my_observations(user.id, page, MINE_PAGE)
            .await?;
        Ok(crate::paged::Paged {
            rows,
            total,
            page,
            per_page: MINE_PAGE,
        })
    })
    .await
}

pub fn status_label(locale: impl Into<Locale>, status: &str) -> &'static str {
    let locale: Locale = locale.into();
    match status {
        "triaged" => td_string!(locale, mine.triaged),
        "merged" => td_string!(locale, mine.merged),
        "dismissed" => td_string!(locale, mine.dismissed),
        "promoted" => td_string!(locale, mine.promoted),
        _ => td_string!(locale, mine.submitted),
    }
}

#[component]
pub fn MyObservationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let query = leptos_router::hooks::use_query_map();
    let page = move || {
        crate::ui::query_arg(query, "page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let data = Resource::new(page, |page| get_my_observations(Some(page)));
    view! {
        <h1>{t!(i18n, mine.title)}</h1>
        <Loaded
            resource=data
            view=move |list| {
                if list.rows.is_empty() && list.page == 0 {
                    return view! { <p class="muted">{t!(i18n, mine.empty)}</p> }.into_any_sync();
                }
                let (total, page, pages) = (list.total, list.page, list.pages());
                let words = view! { {t!(i18n, mine.page_status, total = total, page = page + 1, pages = pages)} };
                let pager = crate::ui::pager(
                    "mine-pager",
                    (total, page, pages),
                    |p| format!("/my/observations?page={p}"),
                    words,
                );
                view! {
                    {pager}
                    <ul class="rows mine" id="my-observations">
                        {list
                            .rows
                            .into_iter()
                            .map(|o| {
                                let verdict = Verdict::parse(&o.verdict).unwrap_or(Verdict::Unknown);
                                let distance = o.distance_m.map(|d| format!(" · {d:.0} m")).unwrap_or_default();
                                view! {
                                    <li data-id=o.id.to_string() data-status=o.status.clone()>
                                        <a href=format!("/sites/{}", o.site_id) rel="external">
                                            {pick(zh, &o.site_name_zh, &o.site_name_en)}
                                        </a>
                                        <span class="tag">{kind_label(i18n, o.kind)}</span>
                                        <span class="status">{status_label(i18n, &o.status)}</span>
                                        <span class="muted">
                                            {verdict_label(i18n, verdict)} {distance} " · "
                                            {o.captured_at.format("%Y-%m-%d %H:%M").to_string()}
                                        </span>
                                        <p class="note">{o.note.clone()}</p>
                                        {match (o.item_id, o.item_year, o.item_number) {
                                            (Some(id), Some(y), Some(n)) => Some(view! {
                                                <p class="item-link">
                                                    {t!(i18n, mine.in_item)} " "
                                                    <a href=format!("/items/{id}") rel="external">{format!("{y}-{n:03}")}</a>
                                                </p>
                                            }.into_any_sync()),
                                            _ => o.dismiss_reason.clone().map(|r| {
                                                let when = o.dismissed_at.map(crate::ui::local_time);
                                                view! {
                                                    <p class="dismiss-reason">
                                                        {t!(i18n, mine.dismissed_because)} " " {r}
                                                        {when.map(|w| view! { " · " {w} })}
                                                    </p>
                                                }.into_any_sync()
                                            }),
                                        }}
                                        <span class="thumbs-row">
                                            {o
                                                .photos
                                                .iter()
                                                .map(|sha| {
                                                    view! {
                                                        <img
                                                            src=format!("/media/thumb/{sha}.jpg")
                                                            alt=""
                                                            loading="lazy"
                                                            width="96"
                                                            height="96"
                                                        />
                                                    }
                                                })
                                                .collect_view()}
                                        </span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any_sync()
            }
        />
    }
}
