//! Pages of the closed loop: the review queue (staff), the list (staff, officer, deputy), and one
//! item with its log and the steps the viewer may take.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{
    get_item, list_items, review_queue, ActOnItem, CreateItem, DismissObservation, ItemRow,
    ItemView, ReviewRow,
};
use crate::catalogue::pages::id_param;
use crate::domain::list_item::{AnswerRating, ItemKind, ItemStatus};
use crate::i18n::*;
use crate::ui::{pick, use_zh, ErrorNotice, Loaded};

pub fn status_label(i18n: leptos_i18n::I18nContext<Locale>, s: ItemStatus) -> &'static str {
    match s {
        ItemStatus::Draft => t_string!(i18n, items.draft),
        ItemStatus::Forwarded => t_string!(i18n, items.forwarded),
        ItemStatus::Acknowledged => t_string!(i18n, items.acknowledged),
        ItemStatus::Answered => t_string!(i18n, items.answered),
        ItemStatus::Closed => t_string!(i18n, items.closed),
    }
}

fn kind_label(i18n: leptos_i18n::I18nContext<Locale>, k: ItemKind) -> &'static str {
    match k {
        ItemKind::Problem => t_string!(i18n, items.problem),
        ItemKind::Suggestion => t_string!(i18n, items.suggestion),
    }
}

fn rating_label(i18n: leptos_i18n::I18nContext<Locale>, r: AnswerRating) -> &'static str {
    match r {
        AnswerRating::Satisfied => t_string!(i18n, public.satisfied),
        AnswerRating::Basic => t_string!(i18n, public.basic),
        AnswerRating::Dissatisfied => t_string!(i18n, public.dissatisfied),
    }
}

fn action_label(i18n: leptos_i18n::I18nContext<Locale>, a: &str) -> &'static str {
    match a {
        "create" => t_string!(i18n, items.ev_create),
        "attach" => t_string!(i18n, items.ev_attach),
        "forward" => t_string!(i18n, items.forward),
        "acknowledge" => t_string!(i18n, items.acknowledge),
        "answer" => t_string!(i18n, items.answer),
        "verify" => t_string!(i18n, items.verify),
        "reopen" => t_string!(i18n, items.reopen),
        "reassign" => t_string!(i18n, items.reassign),
        "rate" => t_string!(i18n, items.rate),
        _ => "",
    }
}

#[component]
pub fn ReviewQueuePage() -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<CreateItem>::new();
    let dismiss = ServerAction::<DismissObservation>::new();
    let queue = Resource::new(
        move || (create.version().get(), dismiss.version().get()),
        |_| review_queue(None, None, None, None, None, None),
    );
    view! {
        <h1>{t!(i18n, items.review_title)}</h1>
        <p class="muted">{t!(i18n, items.review_intro)}</p>
        {move || create.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e /> })}
        {move || dismiss.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e /> })}
        {move || {
            create
                .value()
                .get()
                .and_then(|r| r.ok())
                .map(|id| {
                    view! {
                        <p class="notice ok" id="item-created">
                            {t!(i18n, items.created)} " "
                            <a href=format!("/items/{id}")>{t!(i18n, items.open_item)}</a>
                        </p>
                    }
                })
        }}
        <Loaded
            resource=queue
            view=move |page| {
                let empty = page.rows.is_empty();
                view! {
                    {empty.then(|| view! { <p class="muted">{t!(i18n, items.queue_empty)}</p> })}
                    <ol class="moderation" id="review-list">
                        {page
                            .rows
                            .into_iter()
                            .map(|r| view! { <ReviewItem r=r create=create dismiss=dismiss /> })
                            .collect_view()}
                    </ol>
                }
            }
        />
    }
}

#[component]
fn ReviewItem(
    r: ReviewRow,
    create: ServerAction<CreateItem>,
    dismiss: ServerAction<DismissObservation>,
) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let id = r.id.to_string();
    let (id_create, id_dismiss) = (id.clone(), id.clone());
    let kind = if r.kind == "suggestion" {
        "suggestion"
    } else {
        "problem"
    };
    view! {
        <li class="card" data-observation=id>
            <p class="meta">
                <a href=format!("/sites/{}", r.site_id)>{pick(zh, &r.site_name_zh, &r.site_name_en)}</a>
                " · " {r.deputy_name.clone()} " · "
                {(r.received_at + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M").to_string()}
                " · " <span class="tag">{r.verdict.clone()}</span>
            </p>
            <p class="body">{r.note.clone()}</p>
            <div class="thumbs-row">
                {r.photos
                    .iter()
                    .map(|sha| view! { <img src=format!("/media/thumb/{sha}.jpg") alt="" width="96" height="96" loading="lazy" /> })
                    .collect_view()}
            </div>
            <ActionForm action=create attr:class="stack make-item">
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
                    <textarea name="description" rows="3" maxlength="2000" required>{r.note.clone()}</textarea>
                </label>
                <button type="submit" class="primary">{t!(i18n, items.make_item)}</button>
            </ActionForm>
            <ActionForm action=dismiss attr:class="inline hide-form">
                <input type="hidden" name="observation" value=id_dismiss />
                <input name="reason" required maxlength="500" placeholder=move || t_string!(i18n, items.dismiss_reason) />
                <button type="submit">{t!(i18n, items.dismiss)}</button>
            </ActionForm>
        </li>
    }
}

#[component]
pub fn ItemsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let status = move || query.read().get("status").unwrap_or_default();
    let items = Resource::new(status, |s| list_items(Some(s)));
    let session = crate::ui::use_session();
    let may_export = move || {
        session
            .get()
            .and_then(|s| s.ok())
            .and_then(|s| s.user)
            .is_some_and(|u| u.role != crate::domain::Role::Deputy)
    };
    view! {
        <h1>{t!(i18n, items.list_title)}</h1>
        <Transition>
            <Show when=may_export>
                <p class="actions">
                    <a class="button" href="/items/export.xlsx" rel="external" id="export-xlsx">{t!(i18n, items.export_xlsx)}</a>
                    <a class="button" href="/items/export.csv" rel="external" id="export-csv">{t!(i18n, items.export_csv)}</a>
                </p>
            </Show>
        </Transition>
        <Loaded resource=items view=move |rows| view! { <ItemTable rows=rows /> } />
    }
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
                                <td><a href=format!("/items/{}", r.id)>{format!("{}-{:03}", r.year, r.number)}</a></td>
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
    let act = ServerAction::<ActOnItem>::new();
    let view_data = Resource::new(
        move || (id(), act.version().get()),
        |(id, _)| async move { get_item(id?).await },
    );
    view! {
        {move || act.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e /> })}
        <Loaded resource=view_data view=move |v| view! { <ItemDetailView v=v act=act /> } />
    }
}

#[component]
fn ItemDetailView(v: ItemView, act: ServerAction<ActOnItem>) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let i = v.detail.item.clone();
    let id = i.id.to_string();
    let can = |a: &str| v.can.iter().any(|c| c == a);
    let form = |action: &'static str, body: AnyView, label: &'static str| {
        let id = id.clone();
        view! {
            <ActionForm action=act attr:class=format!("stack step step-{action}")>
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="action" value=action />
                {body}
                <button type="submit" class="primary" id=format!("do-{action}")>{label}</button>
            </ActionForm>
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
                    .into_any(),
                    t_string!(i18n, items.forward),
                )
            })}
            {can("acknowledge").then(|| form("acknowledge", ().into_any(), t_string!(i18n, items.acknowledge)))}
            {can("answer").then(|| {
                form(
                    "answer",
                    view! {
                        <label>
                            <span>{t!(i18n, items.answer)}</span>
                            <textarea name="text" rows="4" maxlength="2000" required></textarea>
                        </label>
                    }
                    .into_any(),
                    t_string!(i18n, items.answer),
                )
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
                    .into_any(),
                    t_string!(i18n, items.rate),
                )
            })}
            {can("verify").then(|| form("verify", ().into_any(), t_string!(i18n, items.verify)))}
            {can("reopen").then(|| {
                form(
                    "reopen",
                    view! {
                        <label>
                            <span>{t!(i18n, items.reopen_reason)}</span>
                            <input name="text" required maxlength="500" />
                        </label>
                    }
                    .into_any(),
                    t_string!(i18n, items.reopen),
                )
            })}
        </section>
        <h2>{t!(i18n, items.observations)}</h2>
        <ul class="rows">
            {v.detail
                .observations
                .iter()
                .map(|o| view! {
                    <li>
                        <p class="meta">{o.deputy_name.clone()} " · " {(o.received_at + chrono::Duration::hours(8)).format("%Y-%m-%d").to_string()}</p>
                        <p class="body">{o.note.clone()}</p>
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
                        " · " {e.actor_name.clone()} " · "
                        {(e.at + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M").to_string()}
                        {e.unit_name_zh.clone().map(|zh_name| view! { " → " {pick(zh, &zh_name, e.unit_name_en.as_deref().unwrap_or(""))} })}
                        {e.deadline.map(|d| view! { " · " {d.to_string()} })}
                        {e.comment.clone().map(|c| view! { <p class="body">{c}</p> })}
                    </li>
                })
                .collect_view()}
        </ol>
    }
}
