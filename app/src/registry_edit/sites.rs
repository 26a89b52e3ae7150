//! The sites of the registry: a list to find one (by year, name, file code or public code, a
//! page at a time with the total) and a form to correct one or add one — its geometry typed,
//! pasted or clicked on the map, in the coordinate system the person reads from — to
//! deactivate it, or to delete one entered by mistake.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use super::{list_sites, load_site};
use super::{DeleteSite, SaveSite, SetSiteActive};
use crate::domain::mapping::CoordSystem;
use crate::domain::registry_edit::{
    append_vertex, format_coordinates, parse_coordinates, FieldProblem,
};
use crate::domain::SiteKind;
use crate::i18n::*;
use crate::map::{MapItem, MapView, Shape};
use crate::registry_rows::{SaveOutcome, SiteEditPage, SiteForEdit, SiteList};
use crate::ui::form::{result_of, said, FormResult};
use crate::ui::{kind_label, query_arg, ErrorNotice, IntoAnySync, Loaded};

use super::plan::Problems;

pub fn crs_label(locale: impl Into<Locale>, c: CoordSystem) -> &'static str {
    let locale: Locale = locale.into();
    match c {
        CoordSystem::Wgs84 => td_string!(locale, edit.crs_wgs84),
        CoordSystem::Gcj02 => td_string!(locale, edit.crs_gcj02),
        CoordSystem::Bd09 => td_string!(locale, edit.crs_bd09),
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
    let data = Resource::new(id, load_site);
    let preselect = use_query_map()
        .with_untracked(|m| m.get("sub_item"))
        .and_then(|s| Uuid::parse_str(&s).ok());
    // This page may answer a post of its forms (sent without JavaScript, or by the island,
    // which then loads the page again): what became of it.
    let answer = |path: &str| -> Option<Answer> {
        let refused = said(path, None, "refused")
            .and_then(|json| serde_json::from_str::<Vec<FieldProblem>>(&json).ok());
        if let Some(p) = refused {
            return Some(Answer::Refused(p));
        }
        match result_of(path, None)? {
            FormResult::Done => Some(Answer::Done),
            FormResult::Failed(e) => Some(Answer::Failed(e)),
        }
    };
    let (saved, removed) = (answer(SaveSite::url()), answer(DeleteSite::url()));
    view! {
        <h1>{move || if id().is_some() { t_string!(i18n, edit.edit_site) } else { t_string!(i18n, edit.new_site) }}</h1>
        <EditNav />
        <Loaded resource=data view=move |page: SiteEditPage| view! {
            <SiteEditor locale=i18n.get_locale_untracked() page preselect provider=crate::map::configured()
                saved=saved.clone() removed=removed.clone() />
        } />
    }
}

/// What became of a form's last post, for the island to say.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Answer {
    Done,
    Refused(Vec<FieldProblem>),
    Failed(crate::error::AppError),
}

/// The site's facts and its form, in the browser: the geometry typed, pasted or clicked on the
/// map in a chosen coordinate system and drawn as it will be saved; a refused save keeps what was
/// typed. A save that went through loads the page again, from the server.
#[cfg_attr(feature = "desk-islands", island)]
#[cfg_attr(not(feature = "desk-islands"), component)]
fn SiteEditor(
    locale: Locale,
    page: SiteEditPage,
    preselect: Option<Uuid>,
    provider: Option<crate::map::TileProvider>,
    saved: Option<Answer>,
    removed: Option<Answer>,
) -> impl IntoView {
    crate::ui::island::enter(locale, crate::ui::island::DESK);
    let save = ServerAction::<SaveSite>::new();
    let activity = ServerAction::<SetSiteActive>::new();
    let remove = ServerAction::<DeleteSite>::new();
    let saved = RwSignal::new(saved);
    let removed = RwSignal::new(removed);
    // What the server said of the island's own posts.
    Effect::new(move |_| match save.value().get() {
        Some(Ok(SaveOutcome::Saved { id })) => go(&format!(
            "/admin/registry/sites/{id}?form_fn={}&form_done=1",
            crate::ui::form::fn_name(SaveSite::url())
        )),
        Some(Ok(SaveOutcome::Refused { problems })) => saved.set(Some(Answer::Refused(problems))),
        Some(Err(e)) => saved.set(Some(Answer::Failed(e))),
        None => {}
    });
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(SaveOutcome::Saved { .. })) => removed.set(Some(Answer::Done)),
        Some(Ok(SaveOutcome::Refused { problems })) => removed.set(Some(Answer::Refused(problems))),
        Some(Err(e)) => removed.set(Some(Answer::Failed(e))),
        None => {}
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = activity.value().get() {
            go(&here());
        }
    });
    view! {
        {page.site.clone().map(|s| view! { <SiteFacts site=s activity remove removed /> })}
        <SiteForm page preselect provider save saved />
    }
}

/// A new page load (the island's data comes from the server).
fn go(to: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().assign(to);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = to;
}

/// This page's address, without the answer to an earlier post.
fn here() -> String {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        return w.location().pathname().unwrap_or_default();
    }
    String::new()
}

/// A form's word on its last post.
fn answer_view(answer: Option<Answer>, zh: bool, ok: Option<AnyView>) -> Option<AnyView> {
    match answer? {
        Answer::Done => ok,
        Answer::Refused(problems) => Some(view! { <Problems problems zh /> }.into_any_sync()),
        Answer::Failed(e) => Some(view! { <ErrorNotice error=e /> }.into_any_sync()),
    }
}

#[component]
fn SiteForm(
    page: SiteEditPage,
    preselect: Option<Uuid>,
    provider: Option<crate::map::TileProvider>,
    save: ServerAction<SaveSite>,
    saved: RwSignal<Option<Answer>>,
) -> impl IntoView {
    let locale = crate::ui::island::locale();
    let zh = crate::ui::island::zh(locale);
    let SiteEditPage {
        site,
        sub_items,
        districts,
    } = page;
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
        crate::domain::site_kind::Shape::Point => td_string!(locale, edit.shape_point),
        crate::domain::site_kind::Shape::Line => td_string!(locale, edit.shape_line),
        crate::domain::site_kind::Shape::Polygon => td_string!(locale, edit.shape_polygon),
    };
    view! {
        <ActionForm action=save attr:class="stack" attr:id="site-form">
            <input type="hidden" name="site_id" value=site_id />
            <label>
                <span>{td_string!(locale, edit.sub_item)}</span>
                <select name="sub_item_id" required>
                    <option value="">{td_string!(locale, edit.choose)}</option>
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
                <span>{td_string!(locale, edit.code)}</span>
                <input name="code" maxlength="64" value=site.as_ref().and_then(|s| s.code.clone()).unwrap_or_default() />
                <small class="muted">{td_string!(locale, edit.code_hint)}</small>
            </label>
            <label>
                <span>{td_string!(locale, edit.name)}</span>
                <input name="name" required maxlength="128" value=site.as_ref().map(|s| s.name_zh.clone()).unwrap_or_default() />
            </label>
            <label>
                <span>{td_string!(locale, edit.kind)}</span>
                <select name="kind" required on:change=move |ev| {
                    if let Some(k) = crate::domain::registry::parse_kind(&event_target_value(&ev)) {
                        kind.set(k);
                    }
                }>
                    {SiteKind::ALL
                        .into_iter()
                        .map(|k| view! { <option value=k.as_str() selected=k == first_kind>{kind_label(locale, k)}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                <span>{td_string!(locale, edit.district)}</span>
                <input name="district" required maxlength="32" list="district-names"
                    value=site.as_ref().map(|s| s.district_zh.clone()).unwrap_or_default() />
                <datalist id="district-names">
                    {districts.into_iter().map(|d| view! { <option value=d></option> }).collect_view()}
                </datalist>
            </label>
            <label>
                <span>{td_string!(locale, edit.address)}</span>
                <input name="address" maxlength="256" value=site.as_ref().map(|s| s.address_zh.clone()).unwrap_or_default() />
            </label>
            <fieldset>
                <legend>{td_string!(locale, edit.geometry)}</legend>
                <label>
                    <span>{td_string!(locale, edit.crs)}</span>
                    <select name="crs" id="site-crs" on:change=on_crs>
                        {CoordSystem::ALL
                            .into_iter()
                            .map(|c| view! { <option value=c.as_str() selected=c == CoordSystem::Wgs84>{crs_label(locale, c)}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    <span>{td_string!(locale, edit.coordinates)}</span>
                    <textarea name="coordinates" id="site-coordinates" rows="6" required
                        prop:value=move || coords.get()
                        on:input=move |ev| coords.set(event_target_value(&ev))>
                        {coords.get_untracked()}
                    </textarea>
                    <small class="muted">{shape_hint} " " {td_string!(locale, edit.coordinates_hint)}</small>
                </label>
                <p class="muted">{td_string!(locale, edit.map_hint)}</p>
                <MapView items=items provider=provider id="site-edit-map" fixed=true on_pick=on_pick />
                <button type="button" id="clear-coordinates" on:click=move |_| coords.set(String::new())>
                    {td_string!(locale, edit.clear)}
                </button>
            </fieldset>
            {move || answer_view(saved.get(), zh, Some(view! {
                <p class="notice ok" id="site-saved" role="status">{td_string!(locale, edit.saved)}</p>
            }.into_any_sync()))}
            <button type="submit" class="primary" id="save-site">{td_string!(locale, edit.save)}</button>
        </ActionForm>
    }
}

/// What the site is now: its public code, its history, and what can be done with it.
#[component]
fn SiteFacts(
    site: SiteForEdit,
    activity: ServerAction<SetSiteActive>,
    remove: ServerAction<DeleteSite>,
    removed: RwSignal<Option<Answer>>,
) -> impl IntoView {
    let locale = crate::ui::island::locale();
    let zh = crate::ui::island::zh(locale);
    let h = site.history;
    let (state, button) = if site.active {
        (
            td_string!(locale, edit.active),
            td_string!(locale, edit.deactivate),
        )
    } else {
        (
            td_string!(locale, edit.inactive),
            td_string!(locale, edit.reactivate),
        )
    };
    view! {
        <section class="card" id="site-facts" data-active=site.active.to_string()>
            <p>
                {td_string!(locale, edit.public_code)} " "
                <a href=format!("/s/{}", site.public_code) id="site-public-link">{site.public_code.clone()}</a>
                " · " <span class="state">{state}</span>
            </p>
            <p class="muted" id="site-history">
                {td!(locale, edit.history, observations = h.observations, comments = h.comments, items = h.items)}
            </p>
            <ActionForm action=activity attr:class="inline" attr:id="site-active-form">
                <input type="hidden" name="site_id" value=site.id.to_string() />
                <input type="hidden" name="active" value=(!site.active).to_string() />
                <button type="submit" id="toggle-site-active">{button}</button>
            </ActionForm>
            " "
            <ActionForm action=remove attr:class="inline" attr:id="site-delete-form">
                <input type="hidden" name="site_id" value=site.id.to_string() />
                <button type="submit" class="danger" id="delete-site">{td_string!(locale, edit.delete)}</button>
            </ActionForm>
            // Deleted: nothing left to show but the way back to the list.
            {move || answer_view(removed.get(), zh, Some(view! {
                <p class="notice ok" id="site-deleted">
                    {td_string!(locale, edit.deleted)} " " <a href="/admin/registry/sites">{td_string!(locale, edit.back_to_list)}</a>
                </p>
            }.into_any_sync()))}
        </section>
    }
}
