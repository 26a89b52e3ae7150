//! The sites of the registry: a list to find one (by year, name, file code or public code, a
//! page at a time with the total) and a form to correct one or add one — its geometry typed,
//! pasted or clicked on the map, in the coordinate system the person reads from — to
//! deactivate it, or to delete one entered by mistake.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use super::{list_sites, load_site};
use super::{DeleteSite, SaveSite, SetSiteActive};
use crate::domain::mapping::CoordSystem;
use crate::domain::registry_edit::{append_vertex, format_coordinates, parse_coordinates};
use crate::domain::SiteKind;
use crate::i18n::*;
use crate::map::{Map, MapItem, Shape};
use crate::registry_rows::{SaveOutcome, SiteEditPage, SiteForEdit, SiteList};
use crate::ui::{kind_label, live, query_arg, use_zh, ErrorNotice, IntoAnySync, Loaded};

use super::plan::Problems;

pub fn crs_label(i18n: leptos_i18n::I18nContext<Locale>, c: CoordSystem) -> &'static str {
    match c {
        CoordSystem::Wgs84 => t_string!(i18n, edit.crs_wgs84),
        CoordSystem::Gcj02 => t_string!(i18n, edit.crs_gcj02),
        CoordSystem::Bd09 => t_string!(i18n, edit.crs_bd09),
    }
}

/// The editing pages' own links: sites, the plan, the roster; and the whole-file imports for
/// administrators.
#[component]
pub fn EditNav() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="tabs" id="edit-nav">
            <a href="/admin/registry/sites">{t!(i18n, edit.sites)}</a>
            " · "
            <a href="/admin/registry/plan">{t!(i18n, edit.plan)}</a>
            " · "
            <a href="/admin/registry/roster">{t!(i18n, edit.roster)}</a>
        </p>
    }
}

#[component]
pub fn SiteListPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let year = move || query_arg(query, "year").and_then(|y| y.parse::<i32>().ok());
    let q = move || query_arg(query, "q");
    let page = move || {
        query_arg(query, "page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let data = Resource::new(
        move || (year(), q(), page()),
        |(year, q, page)| list_sites(year, q, Some(page)),
    );
    view! {
        <h1>{t!(i18n, edit.sites_title)}</h1>
        <EditNav />
        <Loaded resource=data view=move |list: SiteList| view! { <SiteListView list /> } />
    }
}

#[component]
fn SiteListView(list: SiteList) -> impl IntoView {
    let i18n = use_i18n();
    let SiteList { year, years, sites } = list;
    let q = use_query_map()
        .with_untracked(|m| m.get("q"))
        .unwrap_or_default();
    let q_link = crate::ui::urlencode(&q);
    let year_q = year.map(|y| y.to_string()).unwrap_or_default();
    let pager = crate::ui::pager(
        "site-pager",
        (sites.total, sites.page, sites.pages()),
        move |p| format!("/admin/registry/sites?year={year_q}&q={q_link}&page={p}"),
        {
            let (total, page, pages) = (sites.total, sites.page + 1, sites.pages());
            view! { {t!(i18n, edit.page_status, total = total, page = page, pages = pages)} }
        },
    );
    view! {
        // A plain GET form: finding a site works without JavaScript.
        <form method="get" action="/admin/registry/sites" class="filters" id="site-search">
            <label>
                <span>{t!(i18n, edit.year)}</span>
                <select name="year">
                    {years
                        .into_iter()
                        .map(|y| view! { <option value=y.to_string() selected=Some(y) == year>{y}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                <span>{t!(i18n, edit.search)}</span>
                <input type="search" name="q" value=q maxlength="64" />
            </label>
            <button type="submit">{t!(i18n, edit.find)}</button>
            " "
            <a href="/admin/registry/sites/new" id="new-site" class="button">{t!(i18n, edit.new_site)}</a>
        </form>
        {pager}
        {if sites.rows.is_empty() {
            view! { <p class="muted" id="no-sites">{t!(i18n, edit.no_sites)}</p> }.into_any_sync()
        } else {
            view! {
                <table class="grid" id="site-table">
                    <thead>
                        <tr>
                            <th>{t!(i18n, edit.sub_item)}</th>
                            <th>{t!(i18n, edit.code)}</th>
                            <th>{t!(i18n, edit.name)}</th>
                            <th>{t!(i18n, edit.kind)}</th>
                            <th>{t!(i18n, edit.district)}</th>
                            <th>{t!(i18n, edit.state)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {sites
                            .rows
                            .into_iter()
                            .map(|s| view! {
                                <tr data-public-code=s.public_code.clone() data-active=s.active.to_string()>
                                    <td>{format!("{}-{}", s.project_number, s.sub_item_number)}</td>
                                    <td>{s.code.clone().unwrap_or_default()}</td>
                                    <td><a href=format!("/admin/registry/sites/{}", s.id)>{s.name_zh.clone()}</a></td>
                                    <td>{kind_label(i18n, s.kind)}</td>
                                    <td>{s.district_zh.clone()}</td>
                                    <td>{if s.active { t_string!(i18n, edit.active) } else { t_string!(i18n, edit.inactive) }}</td>
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
            .into_any_sync()
        }}
    }
}

#[component]
pub fn SiteEditorPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    // `new` (or anything that is not an id) opens an empty form.
    let id = move || query_arg(params, "id").and_then(|s| Uuid::parse_str(&s).ok());
    let save = ServerAction::<SaveSite>::new();
    let activity = ServerAction::<SetSiteActive>::new();
    let saved = super::saves(save.value().into());
    // A new site, once saved, is opened as itself: its public code and history appear.
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |before: Option<usize>| {
        let now = save.version().get();
        if before.is_some_and(|b| b != now) && id().is_none() {
            if let Some(Ok(SaveOutcome::Saved { id: saved })) = save.value().get_untracked() {
                navigate(
                    &format!("/admin/registry/sites/{saved}"),
                    Default::default(),
                );
            }
        }
        now
    });
    let data = Resource::new(
        move || (id(), live(saved), live(activity.version())),
        |(id, _, _)| load_site(id),
    );
    view! {
        <h1>{move || if id().is_some() { t_string!(i18n, edit.edit_site) } else { t_string!(i18n, edit.new_site) }}</h1>
        <EditNav />
        <Loaded resource=data view=move |page: SiteEditPage| view! { <SiteForm page save activity /> } />
    }
}

#[component]
fn SiteForm(
    page: SiteEditPage,
    save: ServerAction<SaveSite>,
    activity: ServerAction<SetSiteActive>,
) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let SiteEditPage {
        site,
        sub_items,
        districts,
    } = page;
    let preselect = use_query_map()
        .with_untracked(|m| m.get("sub_item"))
        .and_then(|s| Uuid::parse_str(&s).ok());
    let first_kind = site
        .as_ref()
        .map(|s| s.kind)
        .unwrap_or(SiteKind::LiftRetrofit);
    let kind = RwSignal::new(first_kind);
    let crs = RwSignal::new(CoordSystem::Wgs84);
    let coords = RwSignal::new(
        site.as_ref()
            .map(|s| format_coordinates(&s.geometry, CoordSystem::Wgs84))
            .unwrap_or_default(),
    );
    // The map draws what the box holds, as it would be saved; nothing while it does not parse.
    let items = Signal::derive(move || {
        let k = kind.get();
        parse_coordinates(&coords.get(), k.expected_shape(), crs.get())
            .map(|g| {
                vec![MapItem {
                    shape: Shape::Geometry(g),
                    class: format!("site kind-{}", k.as_str()),
                    href: None,
                    title: String::new(),
                }]
            })
            .unwrap_or_default()
    });
    let on_pick = Callback::new(move |(at, _zoom): (crate::domain::LonLat, f64)| {
        let shape = kind.get_untracked().expected_shape();
        coords.update(|c| *c = append_vertex(c, at, crs.get_untracked(), shape));
    });
    // Changing the system rewrites the box in it, so the positions stay where they are.
    let on_crs = move |ev: leptos::ev::Event| {
        let Some(next) = CoordSystem::parse(&event_target_value(&ev)) else {
            return;
        };
        let shape = kind.get_untracked().expected_shape();
        if let Ok(g) = parse_coordinates(&coords.get_untracked(), shape, crs.get_untracked()) {
            coords.set(format_coordinates(&g, next));
        }
        crs.set(next);
    };
    let site_id = site.as_ref().map(|s| s.id.to_string()).unwrap_or_default();
    let chosen_sub = site.as_ref().map(|s| s.sub_item_id).or(preselect);
    let shape_hint = move || match kind.get().expected_shape() {
        crate::domain::site_kind::Shape::Point => t_string!(i18n, edit.shape_point),
        crate::domain::site_kind::Shape::Line => t_string!(i18n, edit.shape_line),
        crate::domain::site_kind::Shape::Polygon => t_string!(i18n, edit.shape_polygon),
    };
    view! {
        {site.clone().map(|s| view! { <SiteFacts site=s activity /> })}
        <ActionForm action=save attr:class="stack" attr:id="site-form">
            <input type="hidden" name="site_id" value=site_id />
            <label>
                <span>{t!(i18n, edit.sub_item)}</span>
                <select name="sub_item_id" required>
                    <option value="">{t!(i18n, edit.choose)}</option>
                    {sub_items
                        .into_iter()
                        .map(|s| view! {
                            <option value=s.id.to_string() selected=Some(s.id) == chosen_sub>
                                {format!("{} · {}-{} {}", s.year, s.project_number, s.number, s.title_zh)}
                            </option>
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                <span>{t!(i18n, edit.code)}</span>
                <input name="code" maxlength="64" value=site.as_ref().and_then(|s| s.code.clone()).unwrap_or_default() />
                <small class="muted">{t!(i18n, edit.code_hint)}</small>
            </label>
            <label>
                <span>{t!(i18n, edit.name)}</span>
                <input name="name" required maxlength="128" value=site.as_ref().map(|s| s.name_zh.clone()).unwrap_or_default() />
            </label>
            <label>
                <span>{t!(i18n, edit.kind)}</span>
                <select name="kind" required on:change=move |ev| {
                    if let Some(k) = crate::domain::registry::parse_kind(&event_target_value(&ev)) {
                        kind.set(k);
                    }
                }>
                    {SiteKind::ALL
                        .into_iter()
                        .map(|k| view! { <option value=k.as_str() selected=k == first_kind>{kind_label(i18n, k)}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                <span>{t!(i18n, edit.district)}</span>
                <input name="district" required maxlength="32" list="district-names"
                    value=site.as_ref().map(|s| s.district_zh.clone()).unwrap_or_default() />
                <datalist id="district-names">
                    {districts.into_iter().map(|d| view! { <option value=d></option> }).collect_view()}
                </datalist>
            </label>
            <label>
                <span>{t!(i18n, edit.address)}</span>
                <input name="address" maxlength="256" value=site.as_ref().map(|s| s.address_zh.clone()).unwrap_or_default() />
            </label>
            <fieldset>
                <legend>{t!(i18n, edit.geometry)}</legend>
                <label>
                    <span>{t!(i18n, edit.crs)}</span>
                    <select name="crs" id="site-crs" on:change=on_crs>
                        {CoordSystem::ALL
                            .into_iter()
                            .map(|c| view! { <option value=c.as_str() selected=c == CoordSystem::Wgs84>{crs_label(i18n, c)}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    <span>{t!(i18n, edit.coordinates)}</span>
                    <textarea name="coordinates" id="site-coordinates" rows="6" required
                        prop:value=move || coords.get()
                        on:input=move |ev| coords.set(event_target_value(&ev))>
                        {coords.get_untracked()}
                    </textarea>
                    <small class="muted">{shape_hint} " " {t!(i18n, edit.coordinates_hint)}</small>
                </label>
                <p class="muted">{t!(i18n, edit.map_hint)}</p>
                <Map items=items id="site-edit-map" fixed=true on_pick=on_pick />
                <button type="button" id="clear-coordinates" on:click=move |_| coords.set(String::new())>
                    {t!(i18n, edit.clear)}
                </button>
            </fieldset>
            {move || match save.value().get() {
                Some(Ok(SaveOutcome::Saved { .. })) => Some(view! { <p class="notice ok" id="site-saved">{t!(i18n, edit.saved)}</p> }.into_any_sync()),
                Some(Ok(SaveOutcome::Refused { problems })) => Some(view! { <Problems problems zh /> }.into_any_sync()),
                Some(Err(e)) => Some(view! { <ErrorNotice error=e /> }.into_any_sync()),
                None => None,
            }}
            <button type="submit" class="primary" id="save-site">{t!(i18n, edit.save)}</button>
        </ActionForm>
    }
}

/// What the site is now: its public code, its history, and what can be done with it.
#[component]
fn SiteFacts(site: SiteForEdit, activity: ServerAction<SetSiteActive>) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let remove = ServerAction::<DeleteSite>::new();
    let h = site.history;
    let (state, button) = if site.active {
        (
            t_string!(i18n, edit.active),
            t_string!(i18n, edit.deactivate),
        )
    } else {
        (
            t_string!(i18n, edit.inactive),
            t_string!(i18n, edit.reactivate),
        )
    };
    // Deleted: nothing left to show but the way back to the list.
    let deleted = move || matches!(remove.value().get(), Some(Ok(SaveOutcome::Saved { .. })));
    view! {
        <section class="card" id="site-facts" data-active=site.active.to_string()>
            <p>
                {t!(i18n, edit.public_code)} " "
                <a href=format!("/s/{}", site.public_code) id="site-public-link">{site.public_code.clone()}</a>
                " · " <span class="state">{state}</span>
            </p>
            <p class="muted" id="site-history">
                {t!(i18n, edit.history, observations = h.observations, comments = h.comments, items = h.items)}
            </p>
            <ActionForm action=activity attr:class="inline" attr:id="site-active-form">
                <input type="hidden" name="site_id" value=site.id.to_string() />
                <input type="hidden" name="active" value=(!site.active).to_string() />
                <button type="submit" id="toggle-site-active">{button}</button>
            </ActionForm>
            " "
            <ActionForm action=remove attr:class="inline" attr:id="site-delete-form">
                <input type="hidden" name="site_id" value=site.id.to_string() />
                <button type="submit" class="danger" id="delete-site">{t!(i18n, edit.delete)}</button>
            </ActionForm>
            {move || match remove.value().get() {
                Some(Ok(SaveOutcome::Refused { problems })) => Some(view! { <Problems problems zh /> }.into_any_sync()),
                Some(Err(e)) => Some(view! { <ErrorNotice error=e /> }.into_any_sync()),
                _ => None,
            }}
            {move || deleted().then(|| view! {
                <p class="notice ok" id="site-deleted">
                    {t!(i18n, edit.deleted)} " " <a href="/admin/registry/sites">{t!(i18n, edit.back_to_list)}</a>
                </p>
            })}
        </section>
    }
}
