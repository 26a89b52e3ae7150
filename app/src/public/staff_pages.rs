//! Staff pages of the public channel: moderation queue, satisfaction figures, QR posters.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use super::pages::{satisfaction_label, support_label};
use super::receipt::hide_category_label;
use super::staff::{
    list_comments, poster_sheet, revealed_phone, satisfaction_figures, Moderate, PosterData,
    RevealPhone,
};
use super::{public_url, CommentForStaff, FigureRow, PosterSite};
use crate::domain::comment::{percent, CommentStatus, HideCategory, Tally};
use crate::i18n::*;
use crate::ui::form::{result_of, FormResult, PlainForm};
use crate::ui::{kind_label, pick, query_arg, use_zh, Loaded};

fn status_label(locale: impl Into<Locale>, s: CommentStatus) -> &'static str {
    let locale: Locale = locale.into();
    match s {
        CommentStatus::Pending => td_string!(locale, moderation.pending),
        CommentStatus::Published => td_string!(locale, moderation.published),
        CommentStatus::Hidden => td_string!(locale, moderation.hidden),
        CommentStatus::Problem => td_string!(locale, moderation.problem),
    }
}

#[component]
pub fn ModerationPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let status = move || query_arg(query, "status").unwrap_or_default();
    let queue = Resource::new(status, |status| list_comments(Some(status), None, None));
    view! {
        <h1>{t!(i18n, moderation.title)}</h1>
        <p class="muted">{t!(i18n, moderation.intro)}</p>
        <nav class="tabs" id="status-tabs">
            {CommentStatus::ALL
                .into_iter()
                .map(|s| {
                    let current = move || {
                        let q = status();
                        (q == s.as_str() || (q.is_empty() && s == CommentStatus::Pending))
                            .then_some("page")
                    };
                    view! {
                        <a href=format!("/staff/comments?status={}", s.as_str()) aria-current=current>
                            {status_label(i18n, s)}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
        <Loaded
            resource=queue
            view=move |q| {
                let empty = q.comments.is_empty();
                let comments = q.comments;
                view! {
                    <p id="pending-count">{t!(i18n, moderation.pending_count, n = q.pending)}</p>
                    {empty.then(|| view! { <p class="muted">{t!(i18n, moderation.empty)}</p> })}
                    <ol class="moderation" id="moderation-list">
                        {comments.into_iter().map(|c| view! { <ModerationItem c=c /> }).collect_view()}
                    </ol>
                }
            }
        />
    }
}

#[component]
fn ModerationItem(c: CommentForStaff) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let id = c.id.to_string();
    // This page answers a reveal of this comment's number: show it (the reveal was logged).
    let revealed = result_of(RevealPhone::url(), Some(&id)) == Some(FormResult::Done);
    let comment_id = c.id;
    let status = c.status;
    let can_publish = matches!(status, CommentStatus::Pending | CommentStatus::Hidden);
    let can_hide = matches!(status, CommentStatus::Pending | CommentStatus::Published);
    let when = (c.created_at + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string();
    view! {
        <li class="card" data-comment=id.clone()>
            <p class="meta">
                <a href=format!("/s/{}", c.public_code) rel="external">
                    {pick(zh, &c.site_name_zh, &c.site_name_en)}
                </a>
                " · "
                {when}
            </p>
            <p>
                <span class="tag">{satisfaction_label(i18n, c.satisfaction)}</span>
                " "
                <span class="tag">{support_label(i18n, c.support)}</span>
                " "
                <span class="tag status">{status_label(i18n, status)}</span>
            </p>
            {c.body.clone().map(|b| view! { <p class="body">{b}</p> })}
            {c.photo_sha256.clone().map(|sha| {
                view! {
                    <a href=format!("/media/display/{sha}.jpg") rel="external">
                        <img src=format!("/media/thumb/{sha}.jpg") alt=t_string!(i18n, photo.open) width="160" loading="lazy" />
                    </a>
                }
            })}
            {c.hide_reason.clone().map(|r| {
                view! {
                    <p class="muted hide-reason">
                        {t!(i18n, moderation.hidden_because)} " " {r} " — "
                        {c.moderated_by.clone().unwrap_or_default()}
                    </p>
                }
            })}
            {c.phone_masked.clone().map(|masked| {
                let id = id.clone();
                let full = revealed.then(|| Resource::new(|| (), move |_| revealed_phone(comment_id)));
                // `try_get`: the number may arrive after the render was dropped (see `ui::Alive`).
                let number = move || match full.and_then(|r| r.try_get().flatten()) {
                    Some(Ok(Some(n))) => n,
                    _ => masked.clone(),
                };
                view! {
                    <div class="phone">
                        <span>{t!(i18n, moderation.callback)} " "</span>
                        <span class="masked"><Suspense>{number}</Suspense></span>
                        <PlainForm action=RevealPhone::url() key=id.clone() class="inline">
                            <input type="hidden" name="id" value=id />
                            <button type="submit" class="link reveal-phone">
                                {t!(i18n, moderation.reveal)}
                            </button>
                        </PlainForm>
                    </div>
                }
            })}
            <div class="actions">
                {can_publish.then(|| {
                    let id = id.clone();
                    view! {
                        <PlainForm action=Moderate::url() key=format!("{id}-publish") class="inline">
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="action" value="publish" />
                            <button type="submit" class="primary publish">{t!(i18n, moderation.publish)}</button>
                        </PlainForm>
                    }
                })}
                {can_hide.then(|| {
                    let id = id.clone();
                    view! {
                        <PlainForm action=Moderate::url() key=format!("{id}-hide") class="inline hide-form">
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="action" value="hide" />
                            <input
                                name="reason"
                                required
                                maxlength="200"
                                placeholder=t_string!(i18n, moderation.reason)
                                aria-label=t_string!(i18n, moderation.reason)
                            />
                            <select name="category" aria-label=t_string!(i18n, moderation.category)>
                                {HideCategory::ALL
                                    .into_iter()
                                    .map(|c| view! {
                                        <option value=c.as_str() selected=c == HideCategory::Other>
                                            {hide_category_label(i18n.get_locale_untracked(), c)}
                                        </option>
                                    })
                                    .collect_view()}
                            </select>
                            <button type="submit" class="hide">{t!(i18n, moderation.hide)}</button>
                        </PlainForm>
                    }
                })}
                {can_hide.then(|| {
                    let id = id.clone();
                    view! {
                        <PlainForm action=Moderate::url() key=format!("{id}-mark") class="inline">
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="action" value="mark_problem" />
                            <button type="submit" class="mark-problem">{t!(i18n, moderation.mark_problem)}</button>
                        </PlainForm>
                    }
                })}
            </div>
        </li>
    }
}

fn rate_cells(t: &Tally) -> impl IntoView {
    view! {
        <td class="num">{t.responses()}</td>
        <td class="num">{percent(t.satisfaction_rate())}</td>
        <td class="num">{percent(t.support_rate())}</td>
    }
}

#[component]
pub fn SatisfactionPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let data = Resource::new(|| (), |_| satisfaction_figures());
    view! {
        <h1>{t!(i18n, figures.title)}</h1>
        <p class="muted">{t!(i18n, figures.intro)}</p>
        <Loaded resource=data view=move |rows| view! { <FigureTable rows=rows zh=zh /> } />
    }
}

#[component]
fn FigureTable(rows: Vec<FigureRow>, zh: bool) -> impl IntoView {
    let i18n = use_i18n();
    let mut total = Tally::default();
    // Rows come ordered by project: a project's line sums its sub-items.
    let mut groups: Vec<(String, Tally, Vec<FigureRow>)> = Vec::new();
    for r in rows {
        total.merge(&r.tally);
        let name = format!(
            "{}. {}",
            r.project_number,
            pick(zh, &r.project_zh, &r.project_en)
        );
        match groups.last_mut() {
            Some((n, t, items)) if *n == name => {
                t.merge(&r.tally);
                items.push(r);
            }
            _ => groups.push((name, r.tally, vec![r])),
        }
    }
    view! {
        <table class="grid" id="figure-table">
            <thead>
                <tr>
                    <th>{t!(i18n, figures.item)}</th>
                    <th class="num">{t!(i18n, public.responses)}</th>
                    <th class="num">{t!(i18n, public.satisfaction_rate)}</th>
                    <th class="num">{t!(i18n, public.support_rate)}</th>
                </tr>
            </thead>
            <tbody>
                <tr class="total">
                    <th>{t!(i18n, figures.all)}</th>
                    {rate_cells(&total)}
                </tr>
                {groups
                    .into_iter()
                    .map(|(name, t, items)| {
                        view! {
                            <tr class="project">
                                <th>{name}</th>
                                {rate_cells(&t)}
                            </tr>
                            {items
                                .into_iter()
                                .map(|r| {
                                    view! {
                                        <tr class="sub-item" data-sub-item=r.sub_item_id.to_string()>
                                            <td>
                                                {format!("{}.{} ", r.project_number, r.sub_item_number)}
                                                {pick(zh, &r.sub_item_zh, &r.sub_item_en)}
                                            </td>
                                            {rate_cells(&r.tally)}
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn PostersPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let query = use_query_map();
    let arg = move |k: &str| query_arg(query, k).filter(|v| !v.is_empty());
    let sheet = Resource::new(
        move || (arg("code"), arg("unit"), arg("district"), arg("page")),
        |(code, unit, district, page)| {
            let unit = unit.and_then(|u| Uuid::parse_str(&u).ok());
            let district = district.and_then(|d| Uuid::parse_str(&d).ok());
            let page = page.and_then(|p| p.parse::<u32>().ok());
            poster_sheet(code, unit, district, page)
        },
    );
    view! {
        <Loaded resource=sheet view=move |s| view! { <PosterSheetView s=s zh=zh /> } />
        <p class="muted no-print">{t!(i18n, posters.print_hint)}</p>
    }
}

#[component]
fn PosterSheetView(s: PosterData, zh: bool) -> impl IntoView {
    let i18n = use_i18n();
    let base = s.base_url.clone();
    let count = s.sites.len();
    let pages = crate::paged::page_count(s.total, super::staff::POSTERS_PAGE);
    let (unit, district) = (s.unit, s.district);
    let href = move |p: u32| {
        let mut q = vec![format!("page={p}")];
        if let Some(u) = unit {
            q.push(format!("unit={u}"));
        }
        if let Some(d) = district {
            q.push(format!("district={d}"));
        }
        format!("/staff/posters?{}", q.join("&"))
    };
    let (total, page, per) = (s.total, s.page, super::staff::POSTERS_PAGE);
    let pager = (s.total > i64::from(per)).then(|| {
        let words = view! { {t!(i18n, posters.page_status, total = total, page = page + 1, pages = pages, per = per)} };
        crate::ui::pager("poster-pager", (total, page, pages), href, words)
    });
    view! {
        <div class="no-print">
            <h1>{t!(i18n, posters.title)}</h1>
            <form method="get" action="/staff/posters" class="filters" id="poster-filter">
                <label>
                    <span>{t!(i18n, posters.by_unit)}</span>
                    <select name="unit">
                        <option value="">"—"</option>
                        {s.units
                            .iter()
                            .map(|u| view! { <option value=u.id.to_string()>{pick(zh, &u.name_zh, &u.name_en)}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    <span>{t!(i18n, posters.by_district)}</span>
                    <select name="district">
                        <option value="">"—"</option>
                        {s.districts
                            .iter()
                            .map(|d| view! { <option value=d.id.to_string()>{pick(zh, &d.name_zh, &d.name_en)}</option> })
                            .collect_view()}
                    </select>
                </label>
                <button type="submit">{t!(i18n, posters.show)}</button>
            </form>
            <p id="poster-count">{t!(i18n, posters.count, n = count)}</p>
            {pager}
        </div>
        <div class="posters">
            {s.sites
                .into_iter()
                .map(|p| view! { <Poster p=p base=base.clone() zh=zh /> })
                .collect_view()}
        </div>
    }
}

#[component]
fn Poster(p: PosterSite, base: String, zh: bool) -> impl IntoView {
    let i18n = use_i18n();
    let url = public_url(&base, &p.public_code);
    let code = p.public_code.clone();
    view! {
        <section class="poster" data-code=code.clone()>
            <p class="poster-kicker">{t!(i18n, posters.kicker)}</p>
            <h2>{pick(zh, &p.name_zh, &p.name_en)}</h2>
            <p class="poster-project">
                {format!("{}. ", p.project_number)}
                {pick(zh, &p.project_zh, &p.project_en)}
                " · "
                {pick(zh, &p.sub_item_zh, &p.sub_item_en)}
            </p>
            <p>{kind_label(i18n, p.kind)} " · " {t!(i18n, site.lead_unit)} ": " {pick(zh, &p.lead_unit_zh, &p.lead_unit_en)}</p>
            <img class="qr" src=format!("/s/{code}/qr.svg") alt=url.clone() width="300" height="300" />
            <p class="poster-code">{code.clone()}</p>
            <p class="poster-how">{t!(i18n, posters.how)}</p>
            <p class="poster-url">{url}</p>
            <p class="no-print">
                <a href=format!("/s/{code}/qr.png") download=format!("jiandu-{code}.png")>
                    {t!(i18n, posters.png)}
                </a>
            </p>
        </section>
    }
}
