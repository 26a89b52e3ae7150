use leptos::prelude::*;

use crate::ui::IntoAnySync;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::api::{
    get_my_sites, get_my_unit, get_project, get_site, get_sub_item, list_projects, list_years,
};
use super::{
    format_distance, format_wan_yuan, nearest, site_matches, MyUnit, SiteDetail, SiteSummary,
    SubItemSummary,
};
use crate::domain::SiteGeometry;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{kind_label, pick, query_arg, use_zh, Loaded};

pub fn id_param(name: &'static str) -> impl Fn() -> Result<Uuid, AppError> + Copy + Send + Sync {
    let params = use_params_map();
    move || {
        query_arg(params, name)
            .and_then(|s| Uuid::parse_str(&s).ok())
            .ok_or_else(|| AppError::not_found("page"))
    }
}

#[component]
pub fn ProjectsPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let query = leptos_router::hooks::use_query_map();
    let year = move || query_arg(query, "year").and_then(|y| y.parse::<i32>().ok());
    let projects = Resource::new(year, list_projects);
    let years = Resource::new(|| (), |_| list_years());
    view! {
        <h1>{t!(i18n, projects.title)}</h1>
        <Loaded resource=years view={move |list: Vec<i32>| {
            // Plain links, so switching years works without JavaScript; one year needs none.
            let shown = year().or(list.first().copied());
            (list.len() > 1).then(|| view! {
                <nav class="years" id="year-switch">
                    {t!(i18n, projects.year)} " "
                    {list
                        .into_iter()
                        .map(|y| view! {
                            <a href=format!("/projects?year={y}") aria-current=(Some(y) == shown).then_some("page")>{y}</a>
                            " "
                        })
                        .collect_view()}
                </nav>
            })
        }} />
        <Loaded
            resource=projects
            view=move |list| {
                view! {
                    <ol class="cards" id="project-list">
                        {list
                            .into_iter()
                            .map(|p| {
                                view! {
                                    <li class="card">
                                        <a href=format!("/projects/{}", p.id) class="title">
                                            <span class="num">{p.number}</span>
                                            {pick(zh, &p.title_zh, &p.title_en)}
                                        </a>
                                        <p class="muted">{pick(zh, &p.summary_zh, &p.summary_en)}</p>
                                        <p class="figures">
                                            <span>{p.sub_item_count} " " {t!(i18n, projects.sub_items)}</span>
                                            <span>{p.site_count} " " {t!(i18n, projects.sites)}</span>
                                        </p>
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

#[component]
fn SubItemFacts(s: SubItemSummary, zh: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <dl class="facts">
            <dt>{t!(i18n, sub_item.lead_unit)}</dt>
            <dd>{pick(zh, &s.lead_unit_zh, &s.lead_unit_en)}</dd>
            <dt>{t!(i18n, sub_item.target)}</dt>
            <dd>{s.target_quantity} " " {pick(zh, &s.target_unit_zh, &s.target_unit_en)}</dd>
            <dt>{t!(i18n, sub_item.deadline)}</dt>
            <dd>{s.deadline.to_string()}</dd>
            <dt>{t!(i18n, sub_item.budget)}</dt>
            <dd>{format_wan_yuan(s.budget_yuan)} " " {t!(i18n, common.wan_yuan)}</dd>
        </dl>
    }
}

#[component]
pub fn ProjectPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let id = id_param("id");
    let detail = Resource::new(id, |id| async move { get_project(id?).await });
    view! {
        <Loaded
            resource=detail
            view=move |d| {
                view! {
                    <p class="crumbs"><a href="/projects">{t!(i18n, projects.title)}</a></p>
                    <h1>
                        <span class="num">{d.project.number}</span>
                        {pick(zh, &d.project.title_zh, &d.project.title_en)}
                    </h1>
                    <p>{pick(zh, &d.project.summary_zh, &d.project.summary_en)}</p>
                    <ol class="cards" id="sub-item-list">
                        {d
                            .sub_items
                            .into_iter()
                            .map(|s| {
                                view! {
                                    <li class="card">
                                        <a href=format!("/sub-items/{}", s.id) class="title">
                                            {pick(zh, &s.title_zh, &s.title_en)}
                                        </a>
                                        <SubItemFacts s=s.clone() zh=zh />
                                        <p class="figures">
                                            {s.site_count} " " {t!(i18n, projects.sites)}
                                        </p>
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

/// Sites as rows linking to their pages; on a page, and in "my sites" (an island).
#[component]
fn SiteList(sites: Vec<SiteSummary>, zh: bool) -> impl IntoView {
    let locale = crate::ui::island::locale();
    view! {
        <ul class="rows site-list">
            {sites
                .into_iter()
                .map(|t| {
                    view! {
                        <li data-code=t.public_code.clone()>
                            <a href=format!("/sites/{}", t.id) rel="external">
                                {pick(zh, &t.name_zh, &t.name_en)}
                            </a>
                            <span class="tag">{kind_label(locale, t.kind)}</span>
                            <crate::ui::SiteStateTag state=t.state />
                            <span class="muted">
                                {pick(zh, &t.district_zh, &t.district_en)} " · " {t.public_code.clone()}
                            </span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[component]
pub fn SubItemPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let id = id_param("id");
    let detail = Resource::new(id, |id| async move { get_sub_item(id?).await });
    view! {
        <Loaded
            resource=detail
            view=move |d| {
                view! {
                    <p class="crumbs">
                        <a href="/projects">{t!(i18n, projects.title)}</a>
                        " › "
                        <a href=format!(
                            "/projects/{}",
                            d.project.id,
                        )>{pick(zh, &d.project.title_zh, &d.project.title_en)}</a>
                    </p>
                    <h1>{pick(zh, &d.sub_item.title_zh, &d.sub_item.title_en)}</h1>
                    <SubItemFacts s=d.sub_item.clone() zh=zh />
                    <crate::progress::pages::SubItemProgressSection sub_item=d.sub_item.id
                        title=pick(zh, &d.sub_item.title_zh, &d.sub_item.title_en).to_owned() />
                    <h2>{t!(i18n, sub_item.sites)} " (" {d.sites.len()} ")"</h2>
                    <SiteList sites=d.sites zh=zh />
                }
            }
        />
    }
}

fn extent(i18n: leptos_i18n::I18nContext<Locale>, g: &SiteGeometry) -> String {
    match g {
        SiteGeometry::Point(_) => t_string!(i18n, site.point).to_owned(),
        SiteGeometry::LineString(_) => format!(
            "{} {:.1} {}",
            t_string!(i18n, site.length),
            g.length_m() / 1000.0,
            t_string!(i18n, common.km)
        ),
        SiteGeometry::Polygon(_) => format!(
            "{} {:.0} {}",
            t_string!(i18n, site.area),
            g.area_m2(),
            t_string!(i18n, common.sqm)
        ),
    }
}

#[component]
fn SiteView(d: SiteDetail, zh: bool) -> impl IntoView {
    let i18n = use_i18n();
    let anchor = d.geometry.anchor();
    let session = crate::ui::use_session();
    let is_deputy = move || {
        crate::ui::session_now(session)
            .and_then(|s| s.user)
            .is_some_and(|u| u.role == crate::domain::Role::Deputy)
    };
    let site_map = vec![crate::map::MapItem {
        shape: crate::map::Shape::Geometry(d.geometry.clone()),
        class: format!("site kind-{}", d.kind.as_str()),
        href: None,
        title: pick(zh, &d.name_zh, &d.name_en).to_owned(),
    }];
    let group = match (&d.group_name_zh, &d.group_name_en) {
        (Some(name_zh), Some(name_en)) => Some(pick(zh, name_zh, name_en)),
        _ => d.group_number.map(|n| format!("#{n}")),
    };
    view! {
        <p class="crumbs">
            <a href=format!("/projects/{}", d.project_id)>
                {pick(zh, &d.project_title_zh, &d.project_title_en)}
            </a>
            " › "
            <a href=format!("/sub-items/{}", d.sub_item_id)>
                {pick(zh, &d.sub_item_title_zh, &d.sub_item_title_en)}
            </a>
        </p>
        <h1 id="site-name">{pick(zh, &d.name_zh, &d.name_en)}</h1>
        <p>
            <span class="tag">{kind_label(i18n, d.kind)}</span>
            " "
            <span class="code" title=move || t_string!(i18n, common.code)>
                {d.public_code.clone()}
            </span>
        </p>
        <Show when=is_deputy>
            {if d.yours_to_supervise {
                view! {
                    <p>
                        <a class="button primary" id="capture-link" href=format!("/sites/{}/capture", d.id) rel="external">
                            {t!(i18n, capture.title)}
                        </a>
                    </p>
                }
                    .into_any_sync()
            } else {
                view! { <p class="notice" id="not-your-site">{t!(i18n, capture.not_your_site)}</p> }
                    .into_any_sync()
            }}
        </Show>
        <p id="site-state">
            {t!(i18n, site_state.label)} " " <crate::ui::SiteStateTag state=d.state />
        </p>
        {d.may_set_state.then(|| site_state_form(i18n, d.id, d.state))}
        <dl class="facts">
            <dt>{t!(i18n, site.district)}</dt>
            <dd>{pick(zh, &d.district_zh, &d.district_en)}</dd>
            <dt>{t!(i18n, site.address)}</dt>
            <dd>{d.address_zh.clone()}</dd>
            <dt>{t!(i18n, site.lead_unit)}</dt>
            <dd id="site-lead-unit">{pick(zh, &d.lead_unit_zh, &d.lead_unit_en)}</dd>
            <dt>{t!(i18n, site.target)}</dt>
            <dd>{d.target_quantity} " " {pick(zh, &d.target_unit_zh, &d.target_unit_en)}</dd>
            <dt>{t!(i18n, site.deadline)}</dt>
            <dd>{d.deadline.to_string()}</dd>
            <dt>{t!(i18n, sub_item.budget)}</dt>
            <dd>{format_wan_yuan(d.budget_yuan)} " " {t!(i18n, common.wan_yuan)}</dd>
            <dt>{t!(i18n, site.group)}</dt>
            <dd>{group.unwrap_or_else(|| t_string!(i18n, common.none).to_owned())}</dd>
            <dt>{t!(i18n, site.shape)}</dt>
            <dd>{extent(i18n, &d.geometry)}</dd>
            <dt>{t!(i18n, site.location)}</dt>
            <dd>{format!("{:.5}, {:.5}", anchor.lat, anchor.lon)}</dd>
        </dl>
        <crate::map::PanZoomMap locale=i18n.get_locale_untracked() items=site_map
            provider=crate::map::configured() id="site-map".to_owned() />
        <crate::usage::pages::SiteUsageSection site=d.id code=d.public_code.clone() />
    }
}

/// The unit's (or staff's) plain form to say where the site is now.
fn site_state_form(
    i18n: leptos_i18n::I18nContext<Locale>,
    site: Uuid,
    now: crate::domain::progress::SiteState,
) -> impl IntoView {
    use crate::domain::progress::SiteState;
    use leptos::server_fn::ServerFn;
    let locale = i18n.get_locale_untracked();
    let options = SiteState::ALL
        .into_iter()
        .map(|st| {
            view! {
                <option value=st.as_str() selected=st == now>
                    {crate::ui::site_state_label(locale, st)}
                </option>
            }
        })
        .collect_view();
    view! {
        <crate::ui::form::PlainForm action=crate::progress::api::SetSiteState::url()
            id="site-state-form" class="inline" done=t_string!(i18n, site_state.saved)>
            <input type="hidden" name="site" value=site.to_string() />
            <label>
                <span>{t!(i18n, site_state.label)}</span>
                <select name="state" id="site-state-select">{options}</select>
            </label>
            <button type="submit">{t!(i18n, site_state.save)}</button>
            <p class="muted hint">{t!(i18n, site_state.hint)}</p>
        </crate::ui::form::PlainForm>
    }
}

#[component]
pub fn SitePage() -> impl IntoView {
    let zh = use_zh();
    let id = id_param("id");
    let detail = Resource::new(id, |id| async move { get_site(id?).await });
    view! { <Loaded resource=detail view=move |d| view! { <SiteView d=d zh=zh /> } /> }
}

#[component]
pub fn MySitesPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let data = Resource::new(|| (), |_| get_my_sites());
    view! {
        <h1>{t!(i18n, my_sites.title)}</h1>
        <Loaded
            resource=data
            view=move |d| {
                let group = format!(
                    "{} {}",
                    d.group_number,
                    pick(zh, &d.group_name_zh, &d.group_name_en),
                );
                view! {
                    <p class="muted">{group} " · " {t!(i18n, my_sites.intro)}</p>
                    <crate::inspections::pages::CurrentInspections />
                    <MySitesTools locale=i18n.get_locale_untracked() units=d.units sites=d.sites
                        provider=crate::map::configured() />
                }
            }
        />
    }
}

/// What a deputy does with their sites in the field, all in the browser from the sites the page
/// carries (so it works offline): filter by name or code, "nearby" (the sites sorted by
/// distance from the phone's position), the map, and saving the area's tiles. It also asks the
/// service worker to keep every site page and capture form for use without a network.
#[cfg_attr(feature = "field-islands", island)]
#[cfg_attr(not(feature = "field-islands"), component)]
fn MySitesTools(
    locale: Locale,
    units: Vec<crate::catalogue::UnitRef>,
    sites: Vec<SiteSummary>,
    provider: Option<crate::map::TileProvider>,
) -> impl IntoView {
    crate::ui::island::enter(locale, crate::ui::island::FIELD);
    let zh = crate::ui::island::zh(locale);
    let (query, set_query) = signal(String::new());
    let here = RwSignal::new(None::<crate::domain::observation::PositionInput>);
    let locating = RwSignal::new(false);
    // Effects run only in the browser: the mark says the wasm owns the page.
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let find_nearby = move |_| {
        locating.set(true);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            if let Ok(p) = crate::capture::device::current_position().await {
                here.set(Some(p));
            }
            locating.set(false);
        });
    };
    // Keep what the deputy needs in the field on the phone: every site page and capture form.
    {
        let mut urls = vec!["/my/sites".to_owned(), "/outbox".to_owned()];
        for s in &sites {
            urls.push(format!("/sites/{}", s.id));
            urls.push(format!("/sites/{}/capture", s.id));
        }
        Effect::new(move |_| {
            #[cfg(feature = "hydrate")]
            crate::offline::keep_for_offline(&urls);
            #[cfg(not(feature = "hydrate"))]
            let _ = &urls;
        });
    }
    let map = {
        let all = sites.clone();
        let items = Signal::derive(move || {
            let mut items: Vec<crate::map::MapItem> = all
                .iter()
                .map(|s| crate::map::MapItem {
                    shape: crate::map::Shape::Geometry(s.geometry.clone()),
                    class: format!("site kind-{}", s.kind.as_str()),
                    href: Some(format!("/sites/{}", s.id)),
                    title: pick(zh, &s.name_zh, &s.name_en).to_owned(),
                })
                .collect();
            if let Some(p) = here.get() {
                // Found: the nearest sites around the deputy, not the whole city.
                let near: Vec<_> = nearest(&all, p.lat, p.lon, 10)
                    .into_iter()
                    .map(|(s, _)| s.id)
                    .collect();
                items.retain(|i| {
                    i.href
                        .as_ref()
                        .is_some_and(|h| near.iter().any(|id| h.ends_with(&id.to_string())))
                });
                items.push(crate::map::MapItem::position(
                    &p,
                    td_string!(locale, map.here).to_owned(),
                ));
            }
            items
        });
        view! { <crate::map::MapView items=items provider=provider.clone() id="my-sites-map" /> }
    };
    // The tiles around all of the deputy's sites, for the field.
    let save_area = {
        let pts: Vec<[f64; 2]> = sites.iter().flat_map(|s| s.geometry.points()).collect();
        let bbox = pts.first().map(|f| {
            pts.iter().fold((*f, *f), |(lo, hi), p| {
                (
                    [lo[0].min(p[0]), lo[1].min(p[1])],
                    [hi[0].max(p[0]), hi[1].max(p[1])],
                )
            })
        });
        provider.zip(bbox).map(|(p, (lo, hi))| {
            view! {
                <crate::map::offline::SaveArea provider=p
                    sw=crate::domain::LonLat { lon: lo[0], lat: lo[1] }
                    ne=crate::domain::LonLat { lon: hi[0], lat: hi[1] } />
            }
        })
    };
    let nearby = {
        let all = sites.clone();
        move || {
            here.get().map(|p| {
                let rows = nearest(&all, p.lat, p.lon, 10)
                    .into_iter()
                    .map(|(s, d)| {
                        view! {
                            <li data-distance=format!("{d:.0}")>
                                <a href=format!("/sites/{}", s.id) rel="external">
                                    {pick(zh, &s.name_zh, &s.name_en)}
                                </a>
                                <span class="tag">{kind_label(locale, s.kind)}</span>
                                <b>{format_distance(d)}</b>
                            </li>
                        }
                    })
                    .collect_view();
                view! {
                    <section class="unit" id="nearby-list">
                        <h2>
                            {td_string!(locale, my_sites.nearby)} " · "
                            {td_string!(locale, my_sites.accuracy)} " ±"
                            {format!("{:.0} m", p.accuracy_m)}
                        </h2>
                        <ul class="rows">{rows}</ul>
                    </section>
                }
            })
        }
    };
    let per_unit = units
        .into_iter()
        .map(|u| {
            let sites = sites.clone();
            let unit_id = u.id;
            let shown = move || {
                let q = query.get();
                sites
                    .iter()
                    .filter(|s| s.lead_unit_id == unit_id && site_matches(s, &q))
                    .cloned()
                    .collect::<Vec<_>>()
            };
            view! {
                <section class="unit">
                    <h2>{pick(zh, &u.name_zh, &u.name_en)}</h2>
                    {move || {
                        let list = shown();
                        if list.is_empty() {
                            view! { <p class="muted">{td_string!(locale, my_sites.empty)}</p> }
                                .into_any_sync()
                        } else {
                            view! { <SiteList sites=list zh=zh /> }.into_any_sync()
                        }
                    }}
                </section>
            }
        })
        .collect_view();
    view! {
        <input
            type="search"
            class="filter"
            id="site-filter"
            placeholder=td_string!(locale, my_sites.search)
            on:input=move |ev| set_query.set(event_target_value(&ev))
        />
        <p class="actions">
            <button type="button" id="nearby" on:click=find_nearby data-ready=move || ready.get().then_some("1")>
                {td_string!(locale, my_sites.nearby)}
            </button>
            // A closure, not <Show>: its children would be an erased view, and erasure brings
            // async hydration into the wasm (`ui/sync_hydrate.rs`).
            {move || locating.get().then(|| view! {
                <span class="muted">{td_string!(locale, my_sites.locating)}</span>
            })}
        </p>
        {map}
        {save_area}
        {nearby}
        {per_unit}
    }
}

#[component]
pub fn MyUnitPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let data = Resource::new(|| (), |_| get_my_unit());
    view! {
        <Loaded
            resource=data
            view=move |d: MyUnit| {
                let kept = d.kept_offline();
                view! {
                    <crate::offline::KeepOffline urls=kept />
                    <h1>{pick(zh, &d.unit.name_zh, &d.unit.name_en)}</h1>
                    <h2>{t!(i18n, my_unit.title)}</h2>
                    <ul class="cards">
                        {d
                            .sub_items
                            .into_iter()
                            .map(|s| {
                                view! {
                                    <li class="card">
                                        <a href=format!("/sub-items/{}", s.id) class="title">
                                            {pick(zh, &s.title_zh, &s.title_en)}
                                        </a>
                                        <SubItemFacts s=s.clone() zh=zh />
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
            }
        />
    }
}
