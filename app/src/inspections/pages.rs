//! The inspections' views: the staff's list (`/staff/inspections`), the plan form
//! (`/staff/inspections/new`), one inspection as staff follow it (`/staff/inspections/{id}`) and
//! as an invited deputy walks it (`/inspections/{id}`), and a deputy's own list (`/inspections`,
//! and the current ones on "my sites"). Plain HTML with GET forms and links; the one island is
//! the check-in button.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use super::{get_inspection, inspection_choices, list_inspections, PlanChoices, PlanInspection};
use crate::capture::verdict_label;
use crate::domain::inspection::{Phase, MAX_SITES, MAX_TITLE_CHARS};
use crate::domain::Verdict;
use crate::i18n::*;
use crate::inspection_rows::{InspectionDetail, InspectionList, InspectionSummary};
use crate::outbox::page::kind_label;
use crate::ui::form::{said, PlainForm};
use crate::ui::{local_time, pager, pick, query_arg, use_zh, IntoAnySync, Loaded};

fn page_arg(query: Memo<leptos_router::params::ParamsMap>) -> u32 {
    query_arg(query, "page")
        .and_then(|p| p.trim().parse::<u32>().ok())
        .unwrap_or(0)
}

pub fn phase_label(locale: impl Into<Locale>, p: Phase) -> &'static str {
    let locale: Locale = locale.into();
    match p {
        Phase::Upcoming => td_string!(locale, inspections.upcoming),
        Phase::UnderWay => td_string!(locale, inspections.under_way),
        Phase::Over => td_string!(locale, inspections.over),
    }
}

fn phase_key(p: Phase) -> &'static str {
    match p {
        Phase::Upcoming => "upcoming",
        Phase::UnderWay => "under_way",
        Phase::Over => "over",
    }
}

fn verdict_of(v: &str) -> Verdict {
    Verdict::parse(v).unwrap_or(Verdict::Unknown)
}

pub(super) fn groups_text(groups: &[i32]) -> String {
    groups
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join("、")
}

/// The list's rows (staff's and a deputy's): each links to the inspection's page under `base`.
#[component]
fn SummaryList(list: InspectionList, base: &'static str, id: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let today = list.today;
    let paged = list.list;
    let (total, shown, pages) = (paged.total, paged.page + 1, paged.pages());
    let status =
        view! { {t!(i18n, inspections.pages, total = total, page = shown, pages = pages)} };
    let pager = pager(
        "inspections-pager",
        (paged.total, paged.page, paged.pages()),
        move |n| format!("?page={n}"),
        status,
    );
    if paged.rows.is_empty() {
        return view! { <p class="muted" id=id data-total="0">{t!(i18n, inspections.none)}</p> }
            .into_any_sync();
    }
    view! {
        <table class="list" id=id data-total=paged.total>
            <thead>
                <tr>
                    <th>{t!(i18n, inspections.title_label)}</th>
                    <th>{t!(i18n, inspections.days)}</th>
                    <th>{t!(i18n, inspections.groups)}</th>
                    <th>{t!(i18n, inspections.leader)}</th>
                    <th>{t!(i18n, inspections.visited)}</th>
                    <th>{t!(i18n, inspections.findings)}</th>
                    <th>{t!(i18n, inspections.phase)}</th>
                </tr>
            </thead>
            <tbody>
                {paged
                    .rows
                    .into_iter()
                    .map(|s: InspectionSummary| {
                        let phase = Phase::of(s.starts_on, s.ends_on, today);
                        view! {
                            <tr data-id=s.id.to_string() data-phase=phase_key(phase)>
                                <td><a href=format!("{base}/{}", s.id)>{s.title}</a></td>
                                <td>{s.starts_on.to_string()} " – " {s.ends_on.to_string()}</td>
                                <td>{groups_text(&s.groups)}</td>
                                <td>{s.leader_name}</td>
                                <td data-cell="visited">{s.sites_visited} " / " {s.sites}</td>
                                <td data-cell="findings">{s.findings}</td>
                                <td><span class=format!("tag phase-{}", phase_key(phase))>{phase_label(locale, phase)}</span></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        {pager}
    }
    .into_any_sync()
}

/// `/staff/inspections`: every inspection, latest first, and the way to plan one.
#[component]
pub fn InspectionsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let data = Resource::new(
        move || page_arg(query),
        |page| list_inspections(Some(page), None, Some(true)),
    );
    view! {
        <h1>{t!(i18n, inspections.title)}</h1>
        <p class="muted">{t!(i18n, inspections.intro)}</p>
        <p><a href="/staff/inspections/new" class="button primary" id="plan-inspection">{t!(i18n, inspections.plan)}</a></p>
        <Loaded resource=data view=move |l: InspectionList| view! {
            <SummaryList list=l base="/staff/inspections" id="inspections" />
        } />
    }
}

/// `/inspections`: the inspections a deputy is invited to.
#[component]
pub fn MyInspectionsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let data = Resource::new(
        move || page_arg(query),
        |page| list_inspections(Some(page), None, None),
    );
    view! {
        <h1>{t!(i18n, inspections.mine_title)}</h1>
        <Loaded resource=data view=move |l: InspectionList| view! {
            <SummaryList list=l base="/inspections" id="my-inspections" />
        } />
    }
}

/// On "my sites": the inspections not yet over that the deputy is invited to.
#[component]
pub fn CurrentInspections() -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let data = Resource::new(|| (), |_| list_inspections(Some(0), Some(true), None));
    view! {
        <Loaded resource=data view=move |l: InspectionList| {
            let today = l.today;
            let more = l.list.total > l.list.rows.len() as i64;
            (!l.list.rows.is_empty()).then(|| view! {
                <section id="current-inspections">
                    <h2>{t!(i18n, inspections.current)}</h2>
                    <ul class="cards">
                        {l.list.rows.into_iter().map(|s| {
                            let phase = Phase::of(s.starts_on, s.ends_on, today);
                            view! {
                                <li data-id=s.id.to_string()>
                                    <a href=format!("/inspections/{}", s.id)>{s.title}</a>
                                    " " <span class=format!("tag phase-{}", phase_key(phase))>{phase_label(locale, phase)}</span>
                                    <br /><small class="muted">{s.starts_on.to_string()} " – " {s.ends_on.to_string()} " · " {s.sites} " " {t!(i18n, inspections.sites_unit)}</small>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {more.then(|| view! { <p><a href="/inspections">{t!(i18n, inspections.all_mine)}</a></p> })}
                </section>
            })
        } />
    }
}

/// `/staff/inspections/new`: choose the groups (a GET form), then the plan itself: title, days,
/// the sites by code in the order of the visit, the deputies invited (all of the groups' at
/// first) and the leader.
#[component]
pub fn PlanInspectionPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let chosen = move || query.with(|q| q.get_all("group").unwrap_or_default());
    let data = Resource::new(chosen, |g| inspection_choices(Some(g)));
    view! {
        <h1>{t!(i18n, inspections.plan)}</h1>
        <Loaded resource=data view=move |c: PlanChoices| view! { <PlanForms c=c /> } />
    }
}

#[component]
fn PlanForms(c: PlanChoices) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let action = PlanInspection::url();
    let typed = |k: &str| said(action, None, k).unwrap_or_default();
    let chosen: Vec<Uuid> = c.chosen.iter().map(|g| g.id).collect();
    let tomorrow = (c.today + chrono::Duration::days(1)).to_string();
    let starts = Some(typed("starts_on"))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| tomorrow.clone());
    let ends = Some(typed("ends_on"))
        .filter(|s| !s.is_empty())
        .unwrap_or(tomorrow);
    let bad_code = said(action, None, "site_code");
    let chosen_ids = chosen.clone();
    let step_two = (!c.chosen.is_empty()).then(move || {
        let deputies: Vec<_> = c
            .chosen
            .iter()
            .flat_map(|g| g.deputies.iter().map(move |d| (g.number, d.clone())))
            .collect();
        let leaders = deputies.clone();
        view! {
            <PlainForm action=action id="plan-form" class="stack">
                {chosen_ids
                    .iter()
                    .enumerate()
                    .map(|(i, g)| view! { <input type="hidden" name=format!("groups[{i}]") value=g.to_string() /> })
                    .collect_view()}
                <label>
                    <span>{t!(i18n, inspections.title_label)}</span>
                    <input name="title" id="plan-title" required maxlength=MAX_TITLE_CHARS value=typed("title") />
                </label>
                <div class="row">
                    <label>
                        <span>{t!(i18n, inspections.starts_on)}</span>
                        <input type="date" name="starts_on" id="plan-starts" required value=starts />
                    </label>
                    <label>
                        <span>{t!(i18n, inspections.ends_on)}</span>
                        <input type="date" name="ends_on" id="plan-ends" required value=ends />
                    </label>
                </div>
                <label>
                    <span>{t!(i18n, inspections.sites_label)}</span>
                    <textarea name="sites" id="plan-sites" rows="6" required inner_html=crate::ui::textarea_html(&typed("sites"))></textarea>
                    <small class="muted">{t!(i18n, inspections.sites_hint, max = MAX_SITES)}</small>
                </label>
                {bad_code.map(|c| view! { <p class="notice error" id="plan-bad-code">{t!(i18n, inspections.bad_code)} " " <code>{c}</code></p> })}
                <fieldset id="plan-deputies">
                    <legend>{t!(i18n, inspections.deputies_label)}</legend>
                    {deputies
                        .into_iter()
                        .enumerate()
                        .map(|(i, (group, d))| view! {
                            <label class="check">
                                <input type="checkbox" name=format!("deputies[{i}]") value=d.id.to_string() checked />
                                <span>{d.name_zh.clone()} " · " {group} " " {t!(i18n, inspections.group_unit)}
                                    {(!d.has_account).then(|| view! { " " <small class="muted">{t!(i18n, duty.no_account)}</small> })}
                                </span>
                            </label>
                        })
                        .collect_view()}
                </fieldset>
                <label>
                    <span>{t!(i18n, inspections.leader)}</span>
                    <select name="leader" id="plan-leader" required>
                        <option value="">{t!(i18n, inspections.choose_leader)}</option>
                        {leaders
                            .into_iter()
                            .map(|(_, d)| view! { <option value=d.id.to_string()>{d.name_zh}</option> })
                            .collect_view()}
                    </select>
                </label>
                <button type="submit" class="primary">{t!(i18n, inspections.save_plan)}</button>
            </PlainForm>
        }
    });
    view! {
        <form method="get" action="/staff/inspections/new" id="plan-groups" class="filters">
            <fieldset>
                <legend>{t!(i18n, inspections.groups_label)}</legend>
                {c.groups
                    .into_iter()
                    .map(|g| {
                        let on = chosen.contains(&g.id);
                        view! {
                            <label class="check">
                                <input type="checkbox" name="group" value=g.id.to_string() checked=on data-number=g.number />
                                <span>{g.number} " " {pick(zh, &g.name_zh, &g.name_en)} " (" {g.deputy_count} ")"</span>
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <button type="submit" id="plan-groups-next">{t!(i18n, inspections.next)}</button>
        </form>
        {step_two}
    }
}

/// `/inspections/{id}` (an invited deputy) and `/staff/inspections/{id}` (staff): the route, who
/// is where, what was found.
#[component]
pub fn InspectionPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    // The staff's address is for staff only, whoever else may read the inspection.
    let staff_view = leptos_router::hooks::use_location()
        .pathname
        .get_untracked()
        .starts_with("/staff/");
    let data = Resource::new(
        move || {
            (
                params.with(|p| p.get("id").unwrap_or_default()),
                page_arg(query),
            )
        },
        move |(id, page)| async move {
            let d = get_inspection(id, Some(page), Some(staff_view)).await?;
            // The check-in records who made it (the outbox sends a record only under its
            // author): the page carries it, as a page the phone kept must work offline.
            let me = crate::auth::api::get_session().await?.user;
            Ok::<_, crate::error::AppError>((d, me))
        },
    );
    view! {
        <Loaded resource=data view=move |(d, me): (InspectionDetail, Option<crate::auth::CurrentUser>)| view! { <Inspection d=d me=me /> } />
    }
}

#[component]
fn Inspection(d: InspectionDetail, me: Option<crate::auth::CurrentUser>) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let locale = i18n.get_locale_untracked();
    let s = d.summary;
    let id = s.id;
    let phase = d.phase;
    let under_way = phase == Phase::UnderWay;
    let for_staff = d.for_staff;
    let base = if for_staff {
        format!("/staff/inspections/{id}")
    } else {
        format!("/inspections/{id}")
    };
    // The deputy's phone keeps this page, every capture form of the route and the outbox a
    // saved capture goes to.
    let keep: Vec<String> = if for_staff {
        Vec::new()
    } else {
        [base.clone(), "/outbox".to_owned()]
            .into_iter()
            .chain(
                d.route
                    .iter()
                    .map(|r| format!("/sites/{}/capture", r.site_id)),
            )
            .collect()
    };
    let owner = me.as_ref().map(crate::outbox::Owner::of);
    let map_items: Vec<crate::map::MapItem> = d
        .route
        .iter()
        .map(|r| crate::map::MapItem {
            shape: crate::map::Shape::Geometry(r.geometry.clone()),
            class: format!("site route{}", if r.visited { " visited" } else { "" }),
            href: None,
            title: format!("{}. {}", r.position + 1, pick(zh, &r.name_zh, &r.name_en)),
        })
        .collect();
    let visited = d.route.iter().filter(|r| r.visited).count();
    let route_len = d.route.len();
    let [problems, suggestions, good] = d.by_kind;
    let findings = d.findings;
    let (total, shown, pages) = (findings.total, findings.page + 1, findings.pages());
    let pager_base = base.clone();
    let findings_pager = pager(
        "findings-pager",
        (findings.total, findings.page, findings.pages()),
        move |n| format!("{pager_base}?page={n}"),
        view! { {t!(i18n, inspections.findings_pages, total = total, page = shown, pages = pages)} },
    );
    view! {
        {(for_staff && under_way).then(|| view! { <leptos_meta::Meta http_equiv="refresh" content="60" /> })}
        <h1 id="inspection-title">{s.title.clone()}</h1>
        <p class="muted" id="inspection-facts" data-phase=phase_key(phase)>
            {s.starts_on.to_string()} " – " {s.ends_on.to_string()}
            " · " {t!(i18n, inspections.groups)} " " {groups_text(&s.groups)}
            " · " {t!(i18n, inspections.leader)} " " {s.leader_name.clone()}
            " · " <span class=format!("tag phase-{}", phase_key(phase))>{phase_label(locale, phase)}</span>
        </p>
        {(!keep.is_empty()).then(|| view! { <crate::offline::KeepOffline urls=keep.clone() /> })}
        {for_staff.then(|| view! {
            <p class="actions"><a class="button" id="report-link" href=format!("/staff/inspections/{id}/report")>{t!(i18n, inspections.report)}</a></p>
        })}
        <dl class="figures" id="inspection-figures">
            <div data-figure="visited"><dt>{t!(i18n, inspections.visited)}</dt><dd>{visited} " / " {route_len}</dd></div>
            <div data-figure="deputies"><dt>{t!(i18n, inspections.deputies_label)}</dt><dd>{s.deputies}</dd></div>
            <div data-figure="problems"><dt>{t!(i18n, duty.problems)}</dt><dd>{problems}</dd></div>
            <div data-figure="suggestions"><dt>{t!(i18n, duty.suggestions)}</dt><dd>{suggestions}</dd></div>
            <div data-figure="good-practice"><dt>{t!(i18n, duty.good_practice)}</dt><dd>{good}</dd></div>
        </dl>
        <section id="route">
            <h2>{t!(i18n, inspections.route)}</h2>
            <crate::map::MapView items=map_items provider=crate::map::configured() id="route-map" still=true />
            <ol class="cards" id="route-list">
                {d.route
                    .into_iter()
                    .map(|r| {
                        let name = pick(zh, &r.name_zh, &r.name_en);
                        let mine = r.my_verdict.as_deref().map(verdict_of);
                        view! {
                            <li data-site=r.site_id.to_string() data-visited=r.visited.to_string()
                                data-my-verdict=r.my_verdict.clone().unwrap_or_default()>
                                <b>{r.position + 1} ". " {name.clone()}</b>
                                " " <code>{r.public_code.clone()}</code>
                                {r.visited.then(|| view! { " " <span class="tag visited">{t!(i18n, inspections.site_visited)}</span> })}
                                <br /><small class="muted">{r.address_zh.clone()}</small>
                                <br /><small>
                                    {t!(i18n, inspections.check_ins)} " " {r.check_ins}
                                    " · " {t!(i18n, inspections.findings)} " " {r.findings}
                                </small>
                                {mine.map(|v| view! {
                                    <p class="my-check-in">
                                        {t!(i18n, inspections.you_checked_in)} " "
                                        <span class=format!("tag verdict-{}", v.as_str())>{verdict_label(locale, v)}</span>
                                        {r.my_checked_at.map(|t| view! { " " <small class="muted">{local_time(t)}</small> })}
                                    </p>
                                })}
                                {(!for_staff).then(|| view! {
                                    <p class="actions">
                                        {under_way.then(|| view! {
                                            <CheckInButton locale=locale inspection=id site=r.site_id
                                                site_name=name.clone() owner=owner.clone() />
                                        })}
                                        <a href=format!("/sites/{}/capture", r.site_id) rel="external" class="button">{t!(i18n, inspections.capture_here)}</a>
                                    </p>
                                })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
        <section id="people">
            <h2>{t!(i18n, inspections.deputies_label)}</h2>
            <table class="list" id="inspection-deputies">
                <thead>
                    <tr>
                        <th>{t!(i18n, duty.deputy)}</th>
                        <th>{t!(i18n, inspections.groups)}</th>
                        <th>{t!(i18n, inspections.last_check_in)}</th>
                        <th>{t!(i18n, inspections.check_ins)}</th>
                        <th>{t!(i18n, inspections.findings)}</th>
                    </tr>
                </thead>
                <tbody>
                    {d.deputies
                        .into_iter()
                        .map(|p| {
                            let last = p.last_verdict.as_deref().map(verdict_of);
                            let site = match (&p.last_site_zh, &p.last_site_en) {
                                (Some(a), Some(b)) => Some(pick(zh, a, b)),
                                _ => None,
                            };
                            view! {
                                <tr data-deputy=p.deputy_id.to_string() data-last-verdict=p.last_verdict.clone().unwrap_or_default()>
                                    <td>
                                        {p.name_zh.clone()}
                                        {p.is_leader.then(|| view! { " " <span class="tag">{t!(i18n, inspections.leader)}</span> })}
                                        {(!p.has_account).then(|| view! { " " <small class="muted">{t!(i18n, duty.no_account)}</small> })}
                                    </td>
                                    <td>{p.group_number}</td>
                                    <td>
                                        {match (site, last) {
                                            (Some(site), Some(v)) => view! {
                                                {site} " " <span class=format!("tag verdict-{}", v.as_str())>{verdict_label(locale, v)}</span>
                                                {p.last_at.map(|t| view! { " " <small class="muted">{local_time(t)}</small> })}
                                            }.into_any_sync(),
                                            _ => view! { <span class="muted">{t!(i18n, inspections.not_checked_in)}</span> }.into_any_sync(),
                                        }}
                                    </td>
                                    <td>{p.check_ins}</td>
                                    <td>{p.findings}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
        <section id="findings">
            <h2>{if for_staff { t_string!(i18n, inspections.findings_all) } else { t_string!(i18n, inspections.findings_mine) }}</h2>
            {if findings.rows.is_empty() {
                view! { <p class="muted" id="findings-none">{t!(i18n, inspections.no_findings)}</p> }.into_any_sync()
            } else {
                view! {
                    <table class="list" id="inspection-findings" data-total=findings.total>
                        <thead>
                            <tr>
                                <th>{t!(i18n, duty.day)}</th>
                                <th>{t!(i18n, duty.deputy)}</th>
                                <th>{t!(i18n, duty.site)}</th>
                                <th>{t!(i18n, duty.kind)}</th>
                                <th>{t!(i18n, inspections.note)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {findings
                                .rows
                                .into_iter()
                                .map(|f| {
                                    let kind = crate::domain::ObservationKind::parse(&f.kind)
                                        .map(|k| kind_label(locale, k))
                                        .unwrap_or_default();
                                    let v = verdict_of(&f.verdict);
                                    view! {
                                        <tr data-id=f.id.to_string() data-kind=f.kind.clone()>
                                            <td>{local_time(f.captured_at)}</td>
                                            <td>{f.deputy_name}</td>
                                            <td>{pick(zh, &f.site_name_zh, &f.site_name_en)} " "
                                                <span class=format!("tag verdict-{}", v.as_str())>{verdict_label(locale, v)}</span></td>
                                            <td>{kind}</td>
                                            <td>{f.note} {(f.photos > 0).then(|| view! { " " <small class="muted">"📷 " {f.photos}</small> })}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                    {findings_pager}
                }
                .into_any_sync()
            }}
        </section>
    }
}

/// What became of a check-in on this phone.
#[derive(Clone, Debug, PartialEq)]
// The states past `Idle` are set by the browser's code only.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub enum CheckInState {
    Idle,
    Locating,
    Sending,
    /// Kept on the phone: the sync engine sends it when there is a network.
    Queued,
    Failed(String),
}

/// Checks the deputy in at a site: the phone's position and the time go into the outbox and
/// are sent at once, or whenever the network is back; the page then shows the verdict.
#[cfg_attr(feature = "field-islands", island)]
#[cfg_attr(not(feature = "field-islands"), component)]
pub fn CheckInButton(
    locale: Locale,
    inspection: Uuid,
    site: Uuid,
    site_name: String,
    owner: Option<crate::outbox::Owner>,
) -> impl IntoView {
    crate::ui::island::enter(locale, crate::ui::island::FIELD);
    let state = RwSignal::new(CheckInState::Idle);
    let version = crate::outbox::use_outbox();
    // Set once the island runs in the browser: before that a tap does nothing.
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let click = move |_| {
        if matches!(
            state.get_untracked(),
            CheckInState::Locating | CheckInState::Sending
        ) {
            return;
        }
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(super::check_in::submit(
            locale,
            owner.clone(),
            inspection,
            site,
            site_name.clone(),
            version,
            state,
        ));
        #[cfg(not(feature = "hydrate"))]
        let _ = (&owner, &site_name, version, inspection, site);
    };
    view! {
        <button type="button" class="primary check-in" data-site=site.to_string()
            data-ready=move || if ready.get() { "1" } else { "0" } on:click=click>
            {td_string!(locale, inspections.check_in)}
        </button>
        <span class="check-in-state" role="status" aria-live="polite">
            {move || match state.get() {
                CheckInState::Idle => String::new(),
                CheckInState::Locating => td_string!(locale, inspections.locating).to_owned(),
                CheckInState::Sending => td_string!(locale, inspections.sending).to_owned(),
                CheckInState::Queued => td_string!(locale, inspections.queued).to_owned(),
                CheckInState::Failed(why) => why,
            }}
        </span>
    }
}
