//! The duty record's views: one deputy's record (`/duty`) and the staff's table of the roster
//! (`/staff/duty`). Both are plain HTML with GET forms and links, so they page, filter and print
//! without JavaScript.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{get_duty_record, get_duty_table, EXPORT_URL};
use crate::capture::{mine::status_label, verdict_label};
use crate::domain::list_item::ItemStatus;
use crate::duty_rows::{DutyFigures, DutyRecord, DutyTable};
use crate::i18n::*;
use crate::items::pages::status_label as item_status_label;
use crate::outbox::page::kind_label;
use crate::ui::{pager, pick, query_arg, use_zh, IntoAnySync, Loaded};

fn arg(query: Memo<leptos_router::params::ParamsMap>, k: &str) -> Option<String> {
    query_arg(query, k).filter(|v| !v.trim().is_empty())
}

fn page_arg(query: Memo<leptos_router::params::ParamsMap>) -> u32 {
    arg(query, "page")
        .and_then(|p| p.trim().parse::<u32>().ok())
        .unwrap_or(0)
}

/// The figures of a record or of the table's sum, each with its name.
#[component]
fn Figures(f: DutyFigures, id: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let cells = [
        (
            "inspections",
            t_string!(i18n, duty.inspections),
            f.inspections,
        ),
        ("sites", t_string!(i18n, duty.sites), f.sites),
        (
            "observations",
            t_string!(i18n, duty.observations),
            f.observations(),
        ),
        ("problems", t_string!(i18n, duty.problems), f.problems),
        (
            "suggestions",
            t_string!(i18n, duty.suggestions),
            f.suggestions,
        ),
        (
            "good-practice",
            t_string!(i18n, duty.good_practice),
            f.good_practice,
        ),
        ("dismissed", t_string!(i18n, duty.dismissed), f.dismissed),
        ("items", t_string!(i18n, duty.items), f.items),
        (
            "items-closed",
            t_string!(i18n, duty.items_closed),
            f.items_closed,
        ),
        ("ratings", t_string!(i18n, duty.ratings), f.ratings),
    ];
    view! {
        <dl class="figures" id=id>
            {cells
                .into_iter()
                .map(|(key, label, n)| view! {
                    <div data-figure=key>
                        <dt>{label}</dt>
                        <dd>{n}</dd>
                    </div>
                })
                .collect_view()}
        </dl>
    }
}

/// The period form: two days, and what else the page was asked for kept as hidden fields.
#[component]
fn PeriodForm(
    action: &'static str,
    from: String,
    to: String,
    keep: Vec<(&'static str, String)>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <form method="get" action=action class="filters no-print" id="duty-period">
            {keep
                .into_iter()
                .map(|(k, v)| view! { <input type="hidden" name=k value=v /> })
                .collect_view()}
            <label>
                <span>{t!(i18n, duty.from)}</span>
                <input type="date" name="from" id="duty-from" value=from required />
            </label>
            <label>
                <span>{t!(i18n, duty.to)}</span>
                <input type="date" name="to" id="duty-to" value=to required />
            </label>
            {children.map(|c| c())}
            <button type="submit">{t!(i18n, review.apply)}</button>
        </form>
    }
}

/// `/duty`: a deputy's own record, or (staff) the record of `?deputy=`, for `?from=&to=`.
#[component]
pub fn DutyRecordPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                arg(query, "deputy"),
                arg(query, "from"),
                arg(query, "to"),
                page_arg(query),
            )
        },
        |(deputy, from, to, page)| get_duty_record(deputy, from, to, Some(page)),
    );
    let i18n = use_i18n();
    view! {
        <h1>{t!(i18n, duty.record_title)}</h1>
        <Loaded resource=data view=move |r: DutyRecord| view! { <Record r=r /> } />
    }
}

#[component]
fn Record(r: DutyRecord) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let locale = i18n.get_locale_untracked();
    let d = r.deputy;
    let deputy = d.deputy_id.to_string();
    let deputy_attr = deputy.clone();
    let period = format!("from={}&to={}", r.from, r.to);
    let base = format!("/duty?deputy={deputy}&{period}");
    let list = r.observations;
    let (total, shown, pages) = (list.total, list.page + 1, list.pages());
    let status = pager(
        "duty-pager",
        (list.total, list.page, list.pages()),
        move |n| format!("{base}&page={n}"),
        view! { {t!(i18n, duty.observation_pages, total = total, page = shown, pages = pages)} },
    );
    let account = match (d.user_id, d.active) {
        (None, _) => Some(t_string!(i18n, duty.no_account)),
        (Some(_), Some(false)) => Some(t_string!(i18n, duty.account_closed)),
        _ => None,
    };
    view! {
        <section class="duty-record" id="duty-record" data-deputy=deputy_attr>
            <h2 id="duty-name">{d.name_zh.clone()}</h2>
            <p class="kicker">
                {pick(zh, &d.group_name_zh, &d.group_name_en)}
                {(!d.delegation_zh.is_empty()).then(|| view! { " · " {d.delegation_zh.clone()} })}
                {account.map(|a| view! { " · " <span class="tag">{a}</span> })}
            </p>
            <p class="muted" id="duty-period-said">
                {t!(i18n, duty.period_said, from = r.from.to_string(), to = r.to.to_string())}
            </p>
            <PeriodForm action="/duty" from=r.from.to_string() to=r.to.to_string() keep=vec![("deputy", deputy.clone())] />
            <Figures f=d.figures id="duty-figures" />
            <h3>{t!(i18n, duty.observations_heading)}</h3>
            {if list.rows.is_empty() {
                view! { <p class="muted" id="duty-none">{t!(i18n, duty.none)}</p> }.into_any_sync()
            } else {
                view! {
                    <table class="grid" id="duty-observations">
                        <thead>
                            <tr>
                                <th>{t!(i18n, duty.day)}</th>
                                <th>{t!(i18n, duty.site)}</th>
                                <th>{t!(i18n, duty.kind)}</th>
                                <th>{t!(i18n, duty.where_stands)}</th>
                                <th>{t!(i18n, duty.item)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {list
                                .rows
                                .into_iter()
                                .map(|o| {
                                    let item = match (o.item_id, o.item_year, o.item_number) {
                                        (Some(id), Some(y), Some(n)) => {
                                            let state = o
                                                .item_status
                                                .as_deref()
                                                .and_then(ItemStatus::parse)
                                                .map(|s| item_status_label(locale, s))
                                                .unwrap_or_default();
                                            view! {
                                                <a href=format!("/items/{id}")>{format!("{y}-{n:03}")}</a>
                                                " " <span class="tag">{state}</span>
                                            }
                                            .into_any_sync()
                                        }
                                        _ => ().into_any_sync(),
                                    };
                                    view! {
                                        <tr data-observation=o.id.to_string() data-kind=o.kind.as_str()>
                                            <td>{crate::ui::local_time(o.captured_at)}</td>
                                            <td>
                                                <a href=format!("/sites/{}", o.site_id)>{pick(zh, &o.site_name_zh, &o.site_name_en)}</a>
                                                <br /><span class="muted">{verdict_label(locale, o.verdict)}</span>
                                            </td>
                                            <td>{kind_label(locale, o.kind)}<p class="note">{o.note.clone()}</p></td>
                                            <td>{status_label(locale, &o.status)}</td>
                                            <td>{item}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                .into_any_sync()
            }}
            <div class="no-print">{status}</div>
        </section>
    }
}

/// `/staff/duty`: the roster with each deputy's figures for a period, a page at a time with the
/// total and the sums, filtered by group, by who has (not yet) taken part and by name; the
/// export holds the whole roster.
#[component]
pub fn DutyTablePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                arg(query, "from"),
                arg(query, "to"),
                arg(query, "group"),
                arg(query, "who"),
                arg(query, "name"),
                page_arg(query),
            )
        },
        |(from, to, group, who, name, page)| get_duty_table(from, to, group, who, name, Some(page)),
    );
    view! {
        <h1 id="duty-table-title">{t!(i18n, duty.table_title)}</h1>
        <p class="muted">{t!(i18n, duty.table_intro)}</p>
        <Loaded
            resource=data
            view=move |t: DutyTable| {
                let asked = (arg(query, "group"), arg(query, "who"), arg(query, "name"));
                view! { <Table t=t asked=asked /> }
            }
        />
    }
}

#[component]
fn Table(t: DutyTable, asked: (Option<String>, Option<String>, Option<String>)) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let (group, who, name) = asked;
    let period = format!("from={}&to={}", t.from, t.to);
    let mut kept = period.clone();
    for (k, v) in [("group", &group), ("who", &who), ("name", &name)] {
        if let Some(v) = v {
            kept.push_str(&format!("&{k}={}", crate::ui::urlencode(v)));
        }
    }
    let list = t.list;
    let (total, shown, pages) = (list.total, list.page + 1, list.pages());
    let status = pager(
        "duty-table-pager",
        (list.total, list.page, list.pages()),
        move |n| format!("/staff/duty?{kept}&page={n}"),
        view! { {t!(i18n, duty.table_pages, total = total, page = shown, pages = pages)} },
    );
    let who_now = who.clone().unwrap_or_else(|| "all".to_owned());
    let who_options = [
        ("all", t_string!(i18n, duty.who_all)),
        ("not_yet", t_string!(i18n, duty.who_not_yet)),
        ("took_part", t_string!(i18n, duty.who_took_part)),
    ];
    let export = format!("{EXPORT_URL}?{period}");
    let row_period = period.clone();
    view! {
        <PeriodForm action="/staff/duty" from=t.from.to_string() to=t.to.to_string() keep=vec![]>
            <label>
                <span>{t!(i18n, duty.group)}</span>
                <select name="group" id="duty-group">
                    <option value="">{t!(i18n, duty.all_groups)}</option>
                    {t.groups
                        .iter()
                        .map(|g| {
                            let id = g.id.to_string();
                            let selected = group.as_deref() == Some(id.as_str());
                            view! { <option value=id selected=selected>{pick(zh, &g.name_zh, &g.name_en)}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                <span>{t!(i18n, duty.who)}</span>
                <select name="who" id="duty-who">
                    {who_options
                        .into_iter()
                        .map(|(v, label)| view! { <option value=v selected=who_now == v>{label}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                <span>{t!(i18n, duty.name)}</span>
                <input type="search" name="name" id="duty-name-search" maxlength="32" value=name.clone() />
            </label>
        </PeriodForm>
        <p class="actions no-print">
            <a class="button" href=export rel="external" id="duty-export" download>{t!(i18n, duty.export)}</a>
        </p>
        <p class="muted" id="duty-period-said">
            {t!(i18n, duty.period_said, from = t.from.to_string(), to = t.to.to_string())}
        </p>
        <h2>{t!(i18n, duty.sums)}</h2>
        <Figures f=t.sums id="duty-sums" />
        {if list.rows.is_empty() {
            view! { <p class="muted" id="duty-none">{t!(i18n, duty.nobody)}</p> }.into_any_sync()
        } else {
            view! {
                <div class="scroll" tabindex="0" role="region" aria-labelledby="duty-table-title">
                    <table class="grid" id="duty-table">
                        <thead>
                            <tr>
                                <th>{t!(i18n, duty.deputy)}</th>
                                <th>{t!(i18n, duty.group)}</th>
                                <th class="num">{t!(i18n, duty.inspections)}</th>
                                <th class="num">{t!(i18n, duty.sites)}</th>
                                <th class="num">{t!(i18n, duty.problems)}</th>
                                <th class="num">{t!(i18n, duty.suggestions)}</th>
                                <th class="num">{t!(i18n, duty.good_practice)}</th>
                                <th class="num">{t!(i18n, duty.items)}</th>
                                <th class="num">{t!(i18n, duty.items_closed)}</th>
                                <th class="num">{t!(i18n, duty.ratings)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {list
                                .rows
                                .into_iter()
                                .map(|r| {
                                    let f = r.figures;
                                    let href = format!("/duty?deputy={}&{row_period}", r.deputy_id);
                                    let quiet = (!f.took_part()).then(|| view! {
                                        " " <span class="tag not-yet">{t!(i18n, duty.not_yet)}</span>
                                    });
                                    let no_account = r.user_id.is_none().then(|| view! {
                                        " " <span class="tag">{t!(i18n, duty.no_account)}</span>
                                    });
                                    view! {
                                        <tr data-deputy=r.deputy_id.to_string() data-took-part=f.took_part().to_string()>
                                            <td><a href=href>{r.name_zh.clone()}</a> {quiet} {no_account}</td>
                                            <td>{pick(zh, &r.group_name_zh, &r.group_name_en)}</td>
                                            <td class="num">{f.inspections}</td>
                                            <td class="num">{f.sites}</td>
                                            <td class="num">{f.problems}</td>
                                            <td class="num">{f.suggestions}</td>
                                            <td class="num">{f.good_practice}</td>
                                            <td class="num">{f.items}</td>
                                            <td class="num">{f.items_closed}</td>
                                            <td class="num">{f.ratings}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any_sync()
        }}
        <div class="no-print">{status}</div>
    }
}
