//! Pages of the closed loop: the review queue (staff), the list (staff, officer, deputy), and one
//! item with its log and the steps the viewer may take.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::ui::IntoAnySync;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use super::{
    get_item, list_items, nearby_items, review_options, review_queue, ActOnItem, AttachObservation,
    CreateItem, DismissObservation, ItemPage, ItemRow, ItemView, QueueFilter, ReviewComment,
    ReviewRow,
};
use crate::capture::verdict_label;
use crate::catalogue::pages::id_param;
use crate::domain::list_item::{AnswerRating, ItemKind, ItemStatus};
use crate::i18n::*;
use crate::ui::form::PlainForm;
use crate::ui::{live, pick, query_arg, use_zh, Loaded};

pub fn status_label(locale: impl Into<Locale>, s: ItemStatus) -> &'static str {
    let locale: Locale = locale.into();
    match s {
        ItemStatus::Draft => td_string!(locale, items.draft),
        ItemStatus::Forwarded => td_string!(locale, items.forwarded),
        ItemStatus::Acknowledged => td_string!(locale, items.acknowledged),
        ItemStatus::Answered => td_string!(locale, items.answered),
        ItemStatus::Closed => td_string!(locale, items.closed),
    }
}

pub fn kind_label(locale: impl Into<Locale>, k: ItemKind) -> &'static str {
    let locale: Locale = locale.into();
    match k {
        ItemKind::Problem => td_string!(locale, items.problem),
        ItemKind::Suggestion => td_string!(locale, items.suggestion),
    }
}

fn rating_label(locale: impl Into<Locale>, r: AnswerRating) -> &'static str {
    let locale: Locale = locale.into();
    match r {
        AnswerRating::Satisfied => td_string!(locale, public.satisfied),
        AnswerRating::Basic => td_string!(locale, public.basic),
        AnswerRating::Dissatisfied => td_string!(locale, public.dissatisfied),
    }
}

pub fn action_label(locale: impl Into<Locale>, a: &str) -> &'static str {
    let locale: Locale = locale.into();
    match a {
        "create" => td_string!(locale, items.ev_create),
        "attach" => td_string!(locale, items.ev_attach),
        "forward" => td_string!(locale, items.forward),
        "acknowledge" => td_string!(locale, items.acknowledge),
        "answer" => td_string!(locale, items.answer),
        "verify" => td_string!(locale, items.verify),
        "reopen" => td_string!(locale, items.reopen),
        "reassign" => td_string!(locale, items.reassign),
        "rate" => td_string!(locale, items.rate),
        "dismiss" => td_string!(locale, items.dismiss),
        "promote" => td_string!(locale, items.ev_promote),
        "query_progress" => td_string!(locale, progress.queried),
        _ => "",
    }
}

/// A `<select>` of the filter form; the empty option means "any".
fn filter_select(
    i18n: leptos_i18n::I18nContext<Locale>,
    name: &'static str,
    label: &'static str,
    options: Vec<(String, String)>,
    current: Option<String>,
) -> impl IntoView {
    view! {
        <label>
            <span>{label}</span>
            <select name=name id=format!("filter-{name}")>
                <option value="">{t!(i18n, review.any)}</option>
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let selected = current.as_deref() == Some(value.as_str());
                        view! { <option value=value selected=selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// Staff narrow the queue by where and what; a plain GET form, so a filtered queue is a link.
#[component]
fn ReviewFilterForm() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let query = use_query_map();
    let options = Resource::new(|| (), |_| review_options());
    let cur = move |k: &str| query.read_untracked().get(k).filter(|v| !v.is_empty());
    let named = move |v: Vec<crate::catalogue::UnitRef>| {
        v.into_iter()
            .map(|u| {
                (
                    u.id.to_string(),
                    pick(zh, &u.name_zh, &u.name_en).to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    view! {
        <Loaded
            resource=options
            view=move |o| {
                let statuses = crate::domain::observation::STATUSES
                    .iter()
                    .map(|s| (s.to_string(), obs_status_label(i18n, s).to_owned()))
                    .collect::<Vec<_>>();
                let kinds = crate::domain::ObservationKind::ALL
                    .iter()
                    .map(|k| (k.as_str().to_owned(), crate::outbox::page::kind_label(i18n, *k).to_owned()))
                    .collect::<Vec<_>>();
                let verdicts = crate::domain::Verdict::ALL
                    .iter()
                    .map(|v| (v.as_str().to_owned(), verdict_label(i18n, *v).to_owned()))
                    .collect::<Vec<_>>();
                view! {
                    <form method="get" action="/staff/review" class="filters" id="review-filter">
                        {filter_select(i18n, "status", t_string!(i18n, items.status), statuses, cur("status"))}
                        {filter_select(i18n, "project", t_string!(i18n, review.project), named(o.projects), cur("project"))}
                        {filter_select(i18n, "sub_item", t_string!(i18n, review.sub_item), named(o.sub_items), cur("sub_item"))}
                        {filter_select(i18n, "unit", t_string!(i18n, items.unit), named(o.units), cur("unit"))}
                        {filter_select(i18n, "group", t_string!(i18n, review.group), named(o.groups), cur("group"))}
                        {filter_select(i18n, "district", t_string!(i18n, review.district), named(o.districts), cur("district"))}
                        {filter_select(i18n, "kind", t_string!(i18n, items.kind), kinds, cur("kind"))}
                        {filter_select(i18n, "verdict", t_string!(i18n, review.verdict), verdicts, cur("verdict"))}
                        <label>
                            <span>{t!(i18n, review.since)}</span>
                            <input type="date" name="since" value=cur("since").unwrap_or_default() />
                        </label>
                        <label>
                            <span>{t!(i18n, review.until)}</span>
                            <input type="date" name="until" value=cur("until").unwrap_or_default() />
                        </label>
                        {filter_select(
                            i18n,
                            "photo_place",
                            t_string!(i18n, photo.filter_place),
                            vec![("not_on_site".to_owned(), t_string!(i18n, photo.filter_not_on_site).to_owned())],
                            cur("photo_place"),
                        )}
                        <label>
                            <span>{t!(i18n, photo.filter_older)}</span>
                            <input type="number" name="photo_older_days" min="0" max="36500" step="1"
                                inputmode="numeric" placeholder=t_string!(i18n, photo.days)
                                value=cur("photo_older_days").unwrap_or_default() />
                        </label>
                        <div class="actions">
                            <button type="submit" class="primary" id="apply-filter">{t!(i18n, review.apply)}</button>
                            <a href="/staff/review">{t!(i18n, review.clear)}</a>
                        </div>
                    </form>
                }
            }
        />
    }
}

fn obs_status_label(locale: impl Into<Locale>, s: &str) -> &'static str {
    let locale: Locale = locale.into();
    match s {
        "submitted" => td_string!(locale, review.submitted),
        "triaged" => td_string!(locale, review.triaged),
        "merged" => td_string!(locale, review.merged),
        "promoted" => td_string!(locale, review.promoted),
        _ => td_string!(locale, review.dismissed),
    }
}

/// The current query without the page cursor, plus the next page's cursor.
fn next_page_href(
    query: &leptos_router::params::ParamsMap,
    at: chrono::DateTime<chrono::Utc>,
    id: uuid::Uuid,
) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let mut parts: Vec<String> = [
        "status",
        "project",
        "sub_item",
        "unit",
        "group",
        "district",
        "kind",
        "verdict",
        "since",
        "until",
        "photo_place",
        "photo_older_days",
    ]
    .iter()
    .filter_map(|k| {
        query
            .get(k)
            .filter(|v| !v.is_empty())
            .map(|v| format!("{k}={}", utf8_percent_encode(&v, NON_ALPHANUMERIC)))
    })
    .collect();
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    parts.push(format!(
        "before_at={}",
        utf8_percent_encode(&at, NON_ALPHANUMERIC)
    ));
    parts.push(format!("before_id={id}"));
    format!("/staff/review?{}", parts.join("&"))
}

/// The query of this page as it is, without the answer to a form's post and without `drop`,
/// so a link can add one thing to it (a card's merge candidates).
fn query_without(query: &leptos_router::params::ParamsMap, drop: &str) -> Vec<String> {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    query
        .into_iter()
        .filter(|(k, _)| k.as_ref() != drop && !k.starts_with("form_"))
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
        .collect()
}

#[component]
pub fn ReviewQueuePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let queue = Resource::new(
        move || live(query),
        |q| {
            let g = |k: &str| q.get(k).filter(|v| !v.is_empty());
            let before_at =
                g("before_at").and_then(|s| s.parse::<chrono::DateTime<chrono::Utc>>().ok());
            let before_id = g("before_id").and_then(|s| uuid::Uuid::parse_str(&s).ok());
            review_queue(
                g("status"),
                g("project"),
                g("sub_item"),
                g("unit"),
                g("group"),
                g("district"),
                g("kind"),
                g("verdict"),
                g("since"),
                g("until"),
                g("photo_place"),
                g("photo_older_days"),
                before_at,
                before_id,
            )
        },
    );
    // The list's filter, so that the clusters count the rows the list pages through; ?map=all
    // shows every status.
    let filter = query.with_untracked(|q| {
        let g = |k: &str| q.get(k).filter(|v| !v.is_empty());
        QueueFilter {
            status: (q.get("map").as_deref() != Some("all"))
                .then(|| g("status").unwrap_or_else(|| "submitted".into())),
            project: g("project"),
            sub_item: g("sub_item"),
            unit: g("unit"),
            group: g("group"),
            district: g("district"),
            kind: g("kind"),
            verdict: g("verdict"),
            since: g("since"),
            until: g("until"),
            photo_place: g("photo_place"),
            photo_older_days: g("photo_older_days"),
        }
    });
    // An item just made: its card has left the queue, so the word (and the way to the item) is
    // said at the top.
    let created = crate::ui::form::said_by_any(CreateItem::url(), "created")
        .and_then(|id| Uuid::parse_str(&id).ok())
        .map(|id| {
            view! {
                <p class="notice ok" id="item-created">
                    {t!(i18n, items.created)} " "
                    <a href=format!("/items/{id}")>{t!(i18n, items.open_item)}</a>
                </p>
            }
        });
    view! {
        <h1>{t!(i18n, items.review_title)}</h1>
        <p class="muted">{t!(i18n, items.review_intro)}</p>
        <ReviewFilterForm />
        <crate::map::points::PointsMap locale=i18n.get_locale_untracked() layer="observations".to_owned()
            id="review-map".to_owned() filter provider=crate::map::configured() />
        {created}
        <Loaded
            resource=queue
            view=move |page| {
                let empty = page.rows.is_empty();
                let next = page
                    .next
                    .map(|(at, id)| next_page_href(&query.read_untracked(), at, id));
                let comments = page.comments;
                let (shown, total) = (comments.len(), page.comments_total);
                let cut = (total > shown as i64).then(|| view! {
                    <p class="notice" id="review-comments-cut" data-total=total>
                        {t!(i18n, review.comments_cut, shown = shown, total = total)}
                    </p>
                });
                let rows = page.rows;
                view! {
                    {(!comments.is_empty()).then(move || view! {
                        <h2>{t!(i18n, review.comments_title)}</h2>
                        {cut}
                        <ol class="moderation" id="review-comments">
                            {comments.into_iter().map(|c| view! { <ReviewCommentItem c=c /> }).collect_view()}
                        </ol>
                        <h2>{t!(i18n, review.observations_title)}</h2>
                    })}
                    {empty.then(|| view! { <p class="muted">{t!(i18n, items.queue_empty)}</p> })}
                    <ol class="moderation" id="review-list">
                        {rows.into_iter().map(|r| view! { <ReviewItem r=r /> }).collect_view()}
                    </ol>
                    {next.map(|href| view! {
                        <p><a class="button" href=href id="review-next">{t!(i18n, review.next_page)}</a></p>
                    })}
                }
            }
        />
    }
}

/// A public comment marked as a problem: becomes an item of the public survey channel.
#[component]
fn ReviewCommentItem(c: ReviewComment) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let id = c.id.to_string();
    let li_id = id.clone();
    let body = c.body.clone().unwrap_or_default();
    view! {
        <li class="card" data-comment=li_id>
            <p class="meta">
                <a href=format!("/s/{}", c.public_code)>{pick(zh, &c.site_name_zh, &c.site_name_en)}</a>
                " · " {t!(i18n, review.public_comment)} " · "
                {crate::ui::local_time(c.created_at)}
            </p>
            <p class="body">{body.clone()}</p>
            {c.photo_sha256.clone().map(|sha| view! {
                <div class="thumbs-row">
                    <img src=format!("/media/thumb/{sha}.jpg") alt="" width="96" height="96" loading="lazy" />
                </div>
            })}
            <PlainForm action=CreateItem::url() key=format!("c-{id}") class="stack make-item">
                <input type="hidden" name="comments" value=id />
                <label>
                    <span>{t!(i18n, items.kind)}</span>
                    <select name="kind">
                        <option value="problem" selected=true>{t!(i18n, items.problem)}</option>
                        <option value="suggestion">{t!(i18n, items.suggestion)}</option>
                    </select>
                </label>
                <label>
                    <span>{t!(i18n, items.description)}</span>
                    <textarea name="description" rows="3" maxlength="2000" required inner_html=crate::ui::textarea_html(&body)></textarea>
                </label>
                <button type="submit" class="primary">{t!(i18n, items.make_item)}</button>
            </PlainForm>
        </li>
    }
}

#[component]
fn ReviewItem(r: ReviewRow) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let query = use_query_map();
    let id = r.id.to_string();
    // Open items at the same site or within 200 m, looked up when staff ask (a plain link, so
    // not for every card).
    let merge_href = query.with_untracked(|q| {
        let mut parts = query_without(q, "merge");
        parts.push(format!("merge={id}"));
        format!("/staff/review?{}#obs-{id}", parts.join("&"))
    });
    let asked = query.with_untracked(|q| q.get("merge")) == Some(id.clone());
    let site = r.site_id;
    let card = format!("obs-{id}");
    let obs = id.clone();
    let candidates = asked.then(move || {
        let list = Resource::new(|| (), move |_| nearby_items(site));
        view! {
            <Loaded resource=list view={move |items: Vec<ItemRow>| {
                if items.is_empty() {
                    return view! { <p class="muted">{t!(i18n, review.no_merge)}</p> }.into_any_sync();
                }
                view! {
                    <ul class="rows merge-candidates">
                        {items
                            .into_iter()
                            .map(|it| {
                                let obs = obs.clone();
                                view! {
                                    <li data-item=it.id.to_string()>
                                        <a href=format!("/items/{}", it.id)>{format!("{}-{:03}", it.year, it.number)}</a>
                                        " · " {pick(zh, &it.site_name_zh, &it.site_name_en)} " · "
                                        <span class="tag status">{status_label(i18n, it.status)}</span>
                                        <p class="body">{it.description.chars().take(80).collect::<String>()}</p>
                                        <PlainForm action=AttachObservation::url() key=format!("{obs}-{}", it.id) class="inline">
                                            <input type="hidden" name="item" value=it.id.to_string() />
                                            <input type="hidden" name="observation" value=obs />
                                            <button type="submit">{t!(i18n, review.merge_here)}</button>
                                        </PlainForm>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any_sync()
            }} />
        }
    });
    let kind = if r.kind == "suggestion" {
        "suggestion"
    } else {
        "problem"
    };
    // Each form's children are a closure of their own, which takes what it shows.
    let (id_create, id_dismiss, note) = (id.clone(), id.clone(), r.note.clone());
    view! {
        <li class="card" data-observation=id.clone() id=card>
            <p class="meta">
                <a href=format!("/sites/{}", r.site_id)>{pick(zh, &r.site_name_zh, &r.site_name_en)}</a>
                " · " {r.deputy_name.clone()} " · "
                {crate::ui::local_time(r.received_at)}
                " · " <span class="tag">
                    {crate::domain::Verdict::parse(&r.verdict).map(|v| verdict_label(i18n, v)).unwrap_or("")}
                </span>
            </p>
            <p class="body">{r.note.clone()}</p>
            {evidence(i18n.get_locale_untracked(), &r.photos)}
            <PlainForm action=CreateItem::url() key=format!("o-{id}") class="stack make-item">
                <input type="hidden" name="observations" value=id_create />
                <label>
                    <span>{t!(i18n, items.kind)}</span>
                    <select name="kind">
                        <option value="problem" selected={kind == "problem"}>{t!(i18n, items.problem)}</option>
                        <option value="suggestion" selected={kind == "suggestion"}>{t!(i18n, items.suggestion)}</option>
                    </select>
                </label>
                <label>
                    <span>{t!(i18n, items.description)}</span>
                    <textarea name="description" rows="3" maxlength="2000" required inner_html=crate::ui::textarea_html(&note)></textarea>
                </label>
                <button type="submit" class="primary">{t!(i18n, items.make_item)}</button>
            </PlainForm>
            {(r.kind == "good_practice").then(|| view! {
                <crate::cases::pages::PromoteForm observation=id.clone() note=r.note.clone() />
            })}
            <PlainForm action=DismissObservation::url() key=id.clone() class="inline hide-form">
                <input type="hidden" name="observation" value=id_dismiss />
                <input name="reason" required maxlength="500" placeholder=t_string!(i18n, items.dismiss_reason) />
                <button type="submit">{t!(i18n, items.dismiss)}</button>
            </PlainForm>
            <p>
                <a class="find-merge" href=merge_href>{t!(i18n, review.find_merge)}</a>
            </p>
            {candidates}
        </li>
    }
}

#[component]
pub fn ItemsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let status = move || query_arg(query, "status").unwrap_or_default();
    let page = move || {
        query_arg(query, "page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let year = move || query_arg(query, "year").and_then(|y| y.parse::<i32>().ok());
    let items = Resource::new(
        move || (status(), page(), year()),
        |(s, p, y)| list_items(Some(s), Some(p), y),
    );
    let years = Resource::new(|| (), |_| super::item_years());
    // Plain links, so the exports take the year shown.
    let export = move |ext: &str| match year() {
        Some(y) => format!("/items/export.{ext}?year={y}"),
        None => format!("/items/export.{ext}"),
    };
    let session = crate::ui::use_session();
    let may_export = move || {
        crate::ui::session_now(session)
            .and_then(|s| s.user)
            .is_some_and(|u| u.role != crate::domain::Role::Deputy)
    };
    // Through `session_now`: the `Transition` runs this again once the session resolves, which
    // on the server may be after the render was dropped (see `ui::Alive`).
    let is_staff = move || {
        crate::ui::session_now(session)
            .and_then(|s| s.user)
            .is_some_and(|u| u.role.is_staff())
    };
    view! {
        <h1>{t!(i18n, items.list_title)}</h1>
        <Transition>
            <Show when=may_export>
                <p class="actions">
                    <a class="button" href=move || export("xlsx") rel="external" id="export-xlsx">{t!(i18n, items.export_xlsx)}</a>
                    <a class="button" href=move || export("csv") rel="external" id="export-csv">{t!(i18n, items.export_csv)}</a>
                    <a class="button" href=move || export("geojson") rel="external" id="export-geojson">{t!(i18n, items.export_geojson)}</a>
                </p>
            </Show>
            <Show when=is_staff>
                <p class="actions">
                    <a class="button" href="/staff/import" id="import-link">{t!(i18n, import.title)}</a>
                </p>
            </Show>
        </Transition>
        <Loaded resource=years view={move |list: Vec<i32>| {
            // One year needs no switch; with more, every year and all of them, as plain links.
            let shown = year();
            (list.len() > 1).then(|| view! {
                <p class="tabs" id="item-years">
                    <a href="/items" aria-current=shown.is_none().then_some("page")>{t!(i18n, items.all_years)}</a>
                    {list.into_iter().map(|y| view! {
                        " · " <a href=format!("/items?year={y}") aria-current=(shown == Some(y)).then_some("page")>{y}</a>
                    }).collect_view()}
                </p>
            })
        }} />
        <Loaded
            resource=items
            view=move |list| {
                let pager = view! { <ItemPager list=list.clone() status=status() year=year() /> };
                let officer = session
                    .get_untracked()
                    .and_then(|s| s.ok())
                    .and_then(|s| s.user)
                    .is_some_and(|u| u.role == crate::domain::Role::UnitOfficer);
                view! {
                    {officer.then(|| view! { <crate::offline::KeepOffline urls=open_items(&list.rows) /> })}
                    {pager}
                    <ItemTable rows=list.rows />
                }
            }
        />
    }
}

/// How many items the list has, which page this is, and links to the others.
#[component]
fn ItemPager(list: ItemPage, status: String, year: Option<i32>) -> impl IntoView {
    let i18n = use_i18n();
    let (total, page, pages) = (list.total, list.page, list.pages());
    let href = move |p: u32| {
        let mut q = vec![];
        if !status.is_empty() {
            q.push(format!("status={}", crate::ui::urlencode(&status)));
        }
        if let Some(y) = year {
            q.push(format!("year={y}"));
        }
        if p > 0 {
            q.push(format!("page={p}"));
        }
        if q.is_empty() {
            "/items".to_owned()
        } else {
            format!("/items?{}", q.join("&"))
        }
    };
    let words =
        view! { {t!(i18n, items.page_status, total = total, page = page + 1, pages = pages)} };
    crate::ui::pager("item-pager", (total, page, pages), href, words)
}

/// An officer answers at the site, often with no signal: the unit's list, the outbox and each
/// item still waiting for an answer, for the phone to keep.
fn open_items(rows: &[ItemRow]) -> Vec<String> {
    let mut urls = vec!["/items".to_owned(), "/outbox".to_owned()];
    urls.extend(
        rows.iter()
            .filter(|r| matches!(r.status, ItemStatus::Forwarded | ItemStatus::Acknowledged))
            .map(|r| format!("/items/{}", r.id)),
    );
    urls
}

#[component]
fn ItemTable(rows: Vec<ItemRow>) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    view! {
        <table class="grid" id="item-table">
            <thead>
                <tr>
                    <th>"#"</th>
                    <th>{t!(i18n, items.kind)}</th>
                    <th>{t!(i18n, items.site)}</th>
                    <th>{t!(i18n, items.unit)}</th>
                    <th>{t!(i18n, items.deadline)}</th>
                    <th>{t!(i18n, items.status)}</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|r| {
                        let overdue = r.overdue;
                        view! {
                            <tr data-item=r.id.to_string()>
                                <td><a href=format!("/items/{}", r.id) rel="external">{format!("{}-{:03}", r.year, r.number)}</a></td>
                                <td>{kind_label(i18n, r.kind)}</td>
                                <td>{pick(zh, &r.site_name_zh, &r.site_name_en)}</td>
                                <td>{pick(zh, r.unit_name_zh.as_deref().unwrap_or("—"), r.unit_name_en.as_deref().unwrap_or(""))}</td>
                                <td>{r.deadline.map(|d| d.to_string()).unwrap_or_default()}</td>
                                <td>
                                    <span class="tag status">{status_label(i18n, r.status)}</span>
                                    {overdue.then(|| view! { " " <span class="tag overdue">{t!(i18n, items.overdue)}</span> })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn ItemPage() -> impl IntoView {
    let id = id_param("id");
    let view_data = Resource::new(id, |id| async move {
        let v = get_item(id?).await?;
        // The answer form records who answered (the outbox sends a record only under its
        // author): the page carries it, as a page the phone kept must work offline.
        let me = crate::auth::api::get_session().await?.user;
        Ok((v, me))
    });
    view! {
        <Loaded resource=view_data view=move |(v, me): (ItemView, Option<crate::auth::CurrentUser>)| {
            view! { <ItemDetailView v=v me=me /> }
        } />
    }
}

/// An observation's photos, each with what it says as evidence (staff only).
fn evidence(locale: Locale, photos: &[super::PhotoCheck]) -> impl IntoView {
    (!photos.is_empty()).then(|| {
        view! {
            <div class="thumbs-row evidence">
                {photos
                    .iter()
                    .map(|p| {
                        let sha = p.sha256.clone();
                        view! {
                            <figure data-sha=sha.clone()>
                                <a href=format!("/media/display/{sha}.jpg") rel="external" target="_blank">
                                    <img src=format!("/media/thumb/{sha}.jpg") alt=td_string!(locale, photo.open) width="96" height="96" loading="lazy" />
                                </a>
                                <figcaption>
                                    <crate::ui::photo_check::PhotoBadges locale judgement=p.judgement()
                                        origin=p.origin taken_at=p.taken_at />
                                </figcaption>
                            </figure>
                        }
                    })
                    .collect_view()}
            </div>
        }
    })
}

/// Thumbnails linking to the display copy; nothing when there are none.
fn thumbs(locale: Locale, photos: Vec<String>) -> impl IntoView {
    (!photos.is_empty()).then(|| {
        view! {
            <div class="thumbs-row">
                {photos
                    .into_iter()
                    .map(|sha| view! {
                        <a href=format!("/media/display/{sha}.jpg") rel="external" target="_blank">
                            <img src=format!("/media/thumb/{sha}.jpg") alt=td_string!(locale, photo.open) width="96" height="96" loading="lazy" />
                        </a>
                    })
                    .collect_view()}
            </div>
        }
    })
}

/// Where an answer sent from this page stands.
#[derive(Clone, Debug, PartialEq)]
pub enum AnswerProgress {
    Idle,
    Preparing,
    Sending,
    /// Kept on this phone; the sync engine sends it when there is a network.
    Queued,
    Failed(String),
}

/// The officer's answer: a plain multipart form to the answer endpoint (text and evidence photos
/// in one post) without JavaScript; with it, the answer goes through the outbox, so it can be
/// written at the site with no signal and still arrives exactly once.
#[cfg_attr(feature = "camera-islands", island)]
#[cfg_attr(not(feature = "camera-islands"), component)]
fn AnswerForm(
    locale: Locale,
    item: Uuid,
    title: String,
    owner: Option<crate::outbox::Owner>,
) -> impl IntoView {
    crate::ui::island::enter(locale, crate::ui::island::CAMERA);
    let progress = RwSignal::new(AnswerProgress::Idle);
    let text_ref = NodeRef::<leptos::html::Textarea>::new();
    let files_ref = NodeRef::<leptos::html::Input>::new();
    let camera_ref = NodeRef::<leptos::html::Input>::new();
    let version = crate::outbox::use_outbox();
    // Effects run only in the browser: the mark says the wasm owns the form.
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            ev.prevent_default();
            if matches!(
                progress.get_untracked(),
                AnswerProgress::Preparing | AnswerProgress::Sending
            ) {
                return;
            }
            let text = text_ref.get().map(|t| t.value()).unwrap_or_default();
            use crate::domain::photo_evidence::PhotoOrigin;
            let chosen = |input: NodeRef<leptos::html::Input>, origin: PhotoOrigin| {
                input
                    .get()
                    .and_then(|input| input.files())
                    .map(|list| {
                        (0..list.length())
                            .filter_map(|k| list.get(k))
                            .map(|f| (f, origin))
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            };
            let mut files = chosen(camera_ref, PhotoOrigin::Camera);
            files.extend(chosen(files_ref, PhotoOrigin::Gallery));
            leptos::task::spawn_local(super::device_answer::submit(
                locale,
                owner.clone(),
                item,
                title.clone(),
                text,
                files,
                version,
                progress,
            ));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, &title, version, &owner);
    };
    let busy = move || {
        matches!(
            progress.get(),
            AnswerProgress::Preparing | AnswerProgress::Sending | AnswerProgress::Queued
        )
    };
    let action = format!("/items/{item}/answer");
    view! {
        <form method="post" action=action enctype="multipart/form-data" class="stack step step-answer" id="answer-form" data-ready=move || ready.get().then_some("1") on:submit=on_submit>
            <label>
                <span>{td_string!(locale, items.answer)}</span>
                <textarea name="text" rows="4" maxlength="2000" required node_ref=text_ref></textarea>
            </label>
            // Two ways in, as on the deputy's form, so that each photo says whether it was taken
            // now or chosen from the gallery.
            <fieldset class="photo-inputs">
                <legend>{td_string!(locale, items.evidence)}</legend>
                <label>
                    <span>{td_string!(locale, photo.camera)}</span>
                    <input type="file" name="photos" accept="image/jpeg,image/png,image/webp" capture="environment" multiple id="evidence-camera" node_ref=camera_ref />
                </label>
                <label>
                    <span>{td_string!(locale, photo.gallery)}</span>
                    <input type="file" name="photos" accept="image/jpeg,image/png,image/webp" multiple id="evidence-photos" node_ref=files_ref />
                </label>
            </fieldset>
            <p class="muted">{td_string!(locale, items.evidence_hint)}</p>
            {move || match progress.get() {
                AnswerProgress::Idle => ().into_any_sync(),
                AnswerProgress::Preparing => view! { <p class="muted" id="answer-progress">{td_string!(locale, items.answer_preparing)}</p> }.into_any_sync(),
                AnswerProgress::Sending => view! { <p class="muted" id="answer-progress">{td_string!(locale, items.answer_sending)}</p> }.into_any_sync(),
                AnswerProgress::Queued => view! {
                    <p class="notice" id="answer-queued">
                        {td_string!(locale, items.answer_queued)} " "
                        <a href="/outbox" rel="external">{td_string!(locale, nav.outbox)}</a>
                    </p>
                }.into_any_sync(),
                AnswerProgress::Failed(m) => view! {
                    <p class="notice error" id="answer-error">
                        {td_string!(locale, items.answer_failed)} " " <small>{m}</small>
                    </p>
                }.into_any_sync(),
            }}
            <button type="submit" class="primary" id="do-answer" disabled=busy>{td_string!(locale, items.answer)}</button>
        </form>
    }
}

#[component]
fn ItemDetailView(v: ItemView, me: Option<crate::auth::CurrentUser>) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let i = v.detail.item.clone();
    let id = i.id.to_string();
    let can = |a: &str| v.can.iter().any(|c| c == a);
    let form = |action: &'static str, body: AnyView, label: &'static str| {
        let id = id.clone();
        view! {
            <PlainForm action=ActOnItem::url() key=action class=format!("stack step step-{action}")>
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="action" value=action />
                {body}
                <button type="submit" class="primary" id=format!("do-{action}")>{label}</button>
            </PlainForm>
        }
    };
    let units = v.units.clone();
    let default_unit = v.default_unit;
    let in_30_days = (v.today + chrono::Duration::days(30)).to_string();
    view! {
        <p class="crumbs"><a href="/items">{t!(i18n, items.list_title)}</a></p>
        <h1 id="item-title">
            {format!("{}-{:03} ", i.year, i.number)} {kind_label(i18n, i.kind)} " · "
            {pick(zh, &i.site_name_zh, &i.site_name_en)}
        </h1>
        <p>
            <span class="tag status" id="item-status">{status_label(i18n, i.status)}</span>
            {v.overdue.then(|| view! { " " <span class="tag overdue" id="item-overdue">{t!(i18n, items.overdue)}</span> })}
        </p>
        <dl class="facts">
            <dt>{t!(i18n, items.description)}</dt>
            <dd class="body">{i.description.clone()}</dd>
            <dt>{t!(i18n, items.unit)}</dt>
            <dd id="item-unit">{pick(zh, i.unit_name_zh.as_deref().unwrap_or("—"), i.unit_name_en.as_deref().unwrap_or(""))}</dd>
            <dt>{t!(i18n, items.deadline)}</dt>
            <dd>{i.deadline.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}</dd>
            <dt>{t!(i18n, items.answer)}</dt>
            <dd class="body" id="item-answer">{i.answer.clone().unwrap_or_else(|| "—".into())}</dd>
            <dt>{t!(i18n, items.rating)}</dt>
            <dd id="item-rating">
                {i.answer_rating
                    .as_deref()
                    .and_then(AnswerRating::parse)
                    .map(|r| rating_label(i18n, r))
                    .unwrap_or("—")}
            </dd>
        </dl>
        <section class="steps">
            {can("forward").then(|| {
                let units = units.clone();
                form(
                    "forward",
                    view! {
                        <label>
                            <span>{t!(i18n, items.unit)}</span>
                            <select name="unit">
                                {units
                                    .iter()
                                    .map(|u| view! {
                                        <option value=u.id.to_string() selected=Some(u.id) == default_unit>
                                            {pick(zh, &u.name_zh, &u.name_en)}
                                        </option>
                                    })
                                    .collect_view()}
                            </select>
                        </label>
                        <label>
                            <span>{t!(i18n, items.deadline)}</span>
                            <input type="date" name="deadline" required value=in_30_days.clone() />
                        </label>
                    }
                    .into_any_sync(),
                    t_string!(i18n, items.forward),
                )
            })}
            {can("acknowledge").then(|| form("acknowledge", ().into_any_sync(), t_string!(i18n, items.acknowledge)))}
            {can("answer").then(|| {
                view! {
                    <AnswerForm locale=i18n.get_locale_untracked() item=i.id
                        title=format!("{}-{:03} {}", i.year, i.number, pick(zh, &i.site_name_zh, &i.site_name_en))
                        owner=me.as_ref().map(crate::outbox::Owner::of) />
                }
            })}
            {can("rate").then(|| {
                form(
                    "rate",
                    view! {
                        <fieldset class="choices">
                            <legend>{t!(i18n, items.rating)}</legend>
                            {AnswerRating::ALL
                                .iter()
                                .map(|r| {
                                    let label = rating_label(i18n, *r);
                                    view! {
                                        <label class="choice">
                                            <input type="radio" name="rating" value=r.as_str() required />
                                            <span>{label}</span>
                                        </label>
                                    }
                                })
                                .collect_view()}
                        </fieldset>
                    }
                    .into_any_sync(),
                    t_string!(i18n, items.rate),
                )
            })}
            {can("verify").then(|| form("verify", ().into_any_sync(), t_string!(i18n, items.verify)))}
            {can("reopen").then(|| {
                form(
                    "reopen",
                    view! {
                        <label>
                            <span>{t!(i18n, items.reopen_reason)}</span>
                            <input name="text" required maxlength="500" />
                        </label>
                    }
                    .into_any_sync(),
                    t_string!(i18n, items.reopen),
                )
            })}
        </section>
        <h2>{t!(i18n, items.observations)}</h2>
        <ul class="rows" id="item-observations">
            {v.detail
                .observations
                .iter()
                .map(|o| view! {
                    <li>
                        <p class="meta">{o.deputy_name.clone()} " · " {(o.received_at + chrono::Duration::hours(8)).format("%Y-%m-%d").to_string()}</p>
                        <p class="body">{o.note.clone()}</p>
                        {evidence(i18n.get_locale_untracked(), &o.photos)}
                    </li>
                })
                .collect_view()}
            {v.detail
                .comments
                .iter()
                .map(|c| view! {
                    <li data-comment=c.id.to_string()>
                        <p class="meta">{t!(i18n, review.public_comment)} " · " {(c.created_at + chrono::Duration::hours(8)).format("%Y-%m-%d").to_string()}</p>
                        <p class="body">{c.body.clone().unwrap_or_default()}</p>
                        {thumbs(i18n.get_locale_untracked(), c.photo_sha256.iter().cloned().collect())}
                    </li>
                })
                .collect_view()}
        </ul>
        <h2>{t!(i18n, items.log)}</h2>
        <ol class="rows" id="item-log">
            {v.detail
                .events
                .iter()
                .map(|e| view! {
                    <li data-action=e.action.clone()>
                        <b>{action_label(i18n, &e.action)}</b>
                        " · " {e.actor_name.clone()}
                        {e.actor_role.parse::<crate::domain::Role>().ok().map(|r| view! {
                            " (" {crate::ui::role_label(i18n, r)} ")"
                        })}
                        " · "
                        {crate::ui::local_time(e.at)}
                        {e.unit_name_zh.clone().map(|zh_name| view! { " → " {pick(zh, &zh_name, e.unit_name_en.as_deref().unwrap_or(""))} })}
                        {e.deadline.map(|d| view! { " · " {d.to_string()} })}
                        {e.comment.clone().map(|c| view! { <p class="body">{c}</p> })}
                        {evidence(i18n.get_locale_untracked(), &e.photos)}
                    </li>
                })
                .collect_view()}
        </ol>
    }
}
