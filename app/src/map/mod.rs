//! One map for every page that shows places: basemap tiles from a configured provider (or none)
//! under an SVG layer of sites, positions and clusters, with a scale bar. It is plain HTML and
//! SVG, rendered on the server: the page's map is complete without JavaScript and prints; after
//! hydration the +/− buttons zoom and dragging pans. No map library is loaded, so the map adds
//! no script to the first route beyond this code in the wasm (Leaflet would add ~40 KB gzipped
//! of JavaScript and a second rendering model; the features used here are a few hundred lines).
//!
//! Positions are WGS-84 everywhere; the domain's `Datum` shifts them for a GCJ-02 basemap.

pub mod offline;
pub mod points;

use leptos::prelude::*;

use crate::ui::IntoAnySync;
use serde::{Deserialize, Serialize};

use crate::domain::mapping::{from_world_px, scale_bar, tiles_covering, world_px, Datum, TILE};
use crate::domain::{LonLat, SiteGeometry};
use crate::i18n::*;

/// The drawing's logical size; the map scales to its container's width at this aspect.
pub const W: f64 = 640.0;
pub const H: f64 = 400.0;
pub const MAX_ZOOM: u8 = 19;

/// A basemap: where its tiles are and what they are drawn in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TileProvider {
    /// With `{z}`, `{x}` and `{y}`.
    pub url: String,
    pub attribution: String,
    pub max_zoom: u8,
    pub datum: Datum,
}

#[cfg(feature = "ssr")]
pub fn provider_from_env() -> Option<TileProvider> {
    static P: std::sync::OnceLock<Option<TileProvider>> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let url = std::env::var("JIANDU_TILE_URL")
            .ok()
            .filter(|u| u.contains("{z}") && u.contains("{x}") && u.contains("{y}"))?;
        let datum = std::env::var("JIANDU_TILE_DATUM")
            .ok()
            .map(|d| {
                Datum::parse(&d).unwrap_or_else(|| {
                    tracing::warn!(%d, "JIANDU_TILE_DATUM is wgs84 or gcj02; using wgs84");
                    Datum::Wgs84
                })
            })
            .unwrap_or(Datum::Wgs84);
        Some(TileProvider {
            url,
            attribution: std::env::var("JIANDU_TILE_ATTRIBUTION").unwrap_or_default(),
            max_zoom: std::env::var("JIANDU_TILE_MAX_ZOOM")
                .ok()
                .and_then(|z| z.parse().ok())
                .unwrap_or(18)
                .min(MAX_ZOOM),
            datum,
        })
    })
    .clone()
}

/// Where a tile URL template's images come from, as a Content-Security-Policy source: its scheme
/// and host, with a templated label (`{s}.tiles.example`) as a wildcard. `None` for anything
/// that is not an http(s) URL.
pub fn tile_origin(template: &str) -> Option<String> {
    let (scheme, rest) = template.split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    if host.is_empty() {
        return None;
    }
    let host: Vec<String> = host
        .split('.')
        .map(|label| {
            if label.contains('{') {
                "*".to_owned()
            } else {
                label.to_owned()
            }
        })
        .collect();
    let host = host.join(".");
    let safe = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'*'));
    safe.then(|| format!("{scheme}://{host}"))
}

/// The configured basemap, if any, for a page rendered on the server (an island gets it as a
/// prop; the browser never reads the environment).
pub fn configured() -> Option<TileProvider> {
    #[cfg(feature = "ssr")]
    return provider_from_env();
    #[cfg(not(feature = "ssr"))]
    None
}

/// What a map item looks like.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Shape {
    Geometry(SiteGeometry),
    /// A position and how far off it may be (the phone's accuracy), in metres.
    Position {
        at: LonLat,
        accuracy_m: f64,
    },
    /// `n` points drawn as one.
    Cluster {
        at: LonLat,
        n: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapItem {
    pub shape: Shape,
    /// CSS classes (a site kind, a status): colours live in the stylesheet.
    pub class: String,
    pub href: Option<String>,
    pub title: String,
}

impl MapItem {
    /// Where the phone says the person is, with its accuracy.
    pub fn position(p: &crate::domain::observation::PositionInput, title: String) -> MapItem {
        MapItem {
            shape: Shape::Position {
                at: LonLat {
                    lon: p.lon,
                    lat: p.lat,
                },
                accuracy_m: p.accuracy_m,
            },
            class: "position".into(),
            href: None,
            title,
        }
    }

    fn positions(&self) -> Vec<LonLat> {
        match &self.shape {
            Shape::Geometry(g) => g
                .points()
                .into_iter()
                .map(|[lon, lat]| LonLat { lon, lat })
                .collect(),
            Shape::Position { at, .. } | Shape::Cluster { at, .. } => vec![*at],
        }
    }
}

/// The zoom and centre that show every item with a margin, at most `max_zoom`.
pub fn fit(items: &[MapItem], max_zoom: u8) -> (LonLat, f64) {
    let pts: Vec<LonLat> = items.iter().flat_map(MapItem::positions).collect();
    if pts.is_empty() {
        // Hangzhou: where the demo data is.
        return (
            LonLat {
                lon: 120.155,
                lat: 30.274,
            },
            11.0,
        );
    }
    let (mut lo, mut hi) = (pts[0], pts[0]);
    for p in &pts {
        lo.lon = lo.lon.min(p.lon);
        lo.lat = lo.lat.min(p.lat);
        hi.lon = hi.lon.max(p.lon);
        hi.lat = hi.lat.max(p.lat);
    }
    let mut z = f64::from(max_zoom.min(17));
    while z > 2.0 {
        let (x0, y1) = world_px(lo, z);
        let (x1, y0) = world_px(hi, z);
        if x1 - x0 <= W * 0.8 && y1 - y0 <= H * 0.8 {
            break;
        }
        z -= 1.0;
    }
    let (x0, y1) = world_px(lo, z);
    let (x1, y0) = world_px(hi, z);
    (from_world_px((x0 + x1) / 2.0, (y0 + y1) / 2.0, z), z)
}

/// A view of the map: its centre (WGS-84) and zoom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    pub center: LonLat,
    pub zoom: f64,
}

impl Viewport {
    /// The top-left corner in world pixels of the basemap's datum.
    fn origin(&self, datum: Datum) -> (f64, f64) {
        let (cx, cy) = world_px(datum.from_wgs84(self.center), self.zoom);
        (cx - W / 2.0, cy - H / 2.0)
    }

    /// Where a WGS-84 position is drawn, in the drawing's pixels.
    pub fn project(&self, datum: Datum, p: LonLat) -> (f64, f64) {
        let (ox, oy) = self.origin(datum);
        let (x, y) = world_px(datum.from_wgs84(p), self.zoom);
        (x - ox, y - oy)
    }

    /// The WGS-84 box the view shows (for asking the server what is in it).
    pub fn bounds(&self, datum: Datum) -> (LonLat, LonLat) {
        let (ox, oy) = self.origin(datum);
        let sw = datum.to_wgs84(from_world_px(ox, oy + H, self.zoom));
        let ne = datum.to_wgs84(from_world_px(ox + W, oy, self.zoom));
        (sw, ne)
    }
}

fn pct(v: f64, of: f64) -> String {
    format!("{:.4}%", v / of * 100.0)
}

fn tiles_view(provider: &TileProvider, vp: Viewport, lazy: bool) -> impl IntoView {
    let z = vp.zoom.round().clamp(0.0, f64::from(provider.max_zoom)) as u8;
    let (ox, oy) = vp.origin(provider.datum);
    let scale = 2f64.powf(vp.zoom - f64::from(z));
    let sw = from_world_px(ox, oy + H, vp.zoom);
    let ne = from_world_px(ox + W, oy, vp.zoom);
    tiles_covering(sw, ne, z)
        .into_iter()
        .map(|t| {
            let size = TILE * scale;
            let x = f64::from(t.x) * size - ox;
            let y = f64::from(t.y) * size - oy;
            view! {
                <img class="tile" src=t.url(&provider.url) alt="" draggable="false" loading=lazy.then_some("lazy")
                    data-tile=format!("{}/{}/{}", t.z, t.x, t.y)
                    style=format!("left:{};top:{};width:{};height:{}", pct(x, W), pct(y, H), pct(size + 0.5, W), pct(size + 0.5, H)) />
            }
        })
        .collect_view()
}

fn item_view(item: &MapItem, vp: Viewport, datum: Datum) -> AnyView {
    let proj = |p: [f64; 2]| {
        vp.project(
            datum,
            LonLat {
                lon: p[0],
                lat: p[1],
            },
        )
    };
    let pts = |ps: &[[f64; 2]]| {
        ps.iter()
            .map(|p| {
                let (x, y) = proj(*p);
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let class = format!("feature {}", item.class);
    let title = item.title.clone();
    let shape = match &item.shape {
        Shape::Geometry(SiteGeometry::Point(p)) => {
            let (x, y) = proj(*p);
            view! { <circle class=class cx=format!("{x:.1}") cy=format!("{y:.1}") r="7"><title>{title}</title></circle> }
                .into_any_sync()
        }
        Shape::Geometry(SiteGeometry::LineString(ps)) => {
            view! { <polyline class=class points=pts(ps)><title>{title}</title></polyline> }
                .into_any_sync()
        }
        Shape::Geometry(SiteGeometry::Polygon(rings)) => {
            let ring = rings.first().map(|r| pts(r)).unwrap_or_default();
            view! { <polygon class=class points=ring><title>{title}</title></polygon> }
                .into_any_sync()
        }
        Shape::Position { at, accuracy_m } => {
            let (x, y) = vp.project(datum, *at);
            let r = accuracy_m / crate::domain::mapping::metres_per_px(at.lat, vp.zoom);
            view! {
                <g class=class>
                    <circle class="accuracy" cx=format!("{x:.1}") cy=format!("{y:.1}") r=format!("{:.1}", r.max(8.0))></circle>
                    <circle class="here" cx=format!("{x:.1}") cy=format!("{y:.1}") r="6"><title>{title}</title></circle>
                </g>
            }
            .into_any_sync()
        }
        Shape::Cluster { at, n } => {
            let (x, y) = vp.project(datum, *at);
            let r = 9.0 + (*n as f64).log10().max(0.0) * 5.0;
            view! {
                <g class=class data-n=n.to_string()>
                    <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r=format!("{r:.1}")><title>{title}</title></circle>
                    <text x=format!("{x:.1}") y=format!("{:.1}", y + 4.0) text-anchor="middle">{n.to_string()}</text>
                </g>
            }
            .into_any_sync()
        }
    };
    match &item.href {
        // Named for screen readers: an SVG link has no text of its own.
        Some(href) => {
            view! { <a href=href.clone() aria-label=item.title.clone()>{shape}</a> }.into_any_sync()
        }
        None => shape,
    }
}

/// The map. `items` may change (a filter, a new position); `on_view` hears every new viewport
/// (pages that load what is in view use it).
#[component]
pub fn MapView(
    #[prop(into)] items: Signal<Vec<MapItem>>,
    provider: Option<TileProvider>,
    #[prop(into)] id: String,
    #[prop(optional)] on_view: Option<Callback<Viewport>>,
    /// Keep the view when the items change (a map that loads what is in view).
    #[prop(optional)]
    fixed: bool,
    /// A tap (not a drag) on the map: the WGS-84 position under the finger and the zoom.
    #[prop(optional)]
    on_pick: Option<Callback<(LonLat, f64)>>,
    /// A picture, not a tool: no zoom buttons, tiles loaded when scrolled to (the public page,
    /// which has no JavaScript to work them).
    #[prop(optional)]
    still: bool,
) -> impl IntoView {
    let locale = crate::ui::island::locale();
    let datum = provider.as_ref().map(|p| p.datum).unwrap_or(Datum::Wgs84);
    let max_zoom = provider.as_ref().map(|p| p.max_zoom).unwrap_or(MAX_ZOOM);
    let (center, zoom) = fit(&items.get_untracked(), max_zoom);
    let view_rw = RwSignal::new(Viewport { center, zoom });
    // The view once a drag or a zoom has ended: what pages that load the points in view follow.
    let settled = RwSignal::new(Viewport { center, zoom });
    // A new set of items is framed again (a position found, a filter changed).
    Effect::new(move |prev: Option<Vec<MapItem>>| {
        let now = items.get();
        if !fixed && prev.is_some_and(|p| p != now) {
            let (center, zoom) = fit(&now, max_zoom);
            view_rw.set(Viewport { center, zoom });
            settled.set(Viewport { center, zoom });
        }
        now
    });
    Effect::new(move |_| {
        let vp = settled.get();
        if let Some(cb) = on_view {
            cb.run(vp);
        }
    });
    let zoom_by = move |d: f64| {
        view_rw.update(|v| v.zoom = (v.zoom + d).clamp(3.0, f64::from(max_zoom)));
        settled.set(view_rw.get_untracked());
    };
    let drag = StoredValue::new(None::<(f64, f64, f64)>);
    let moved = StoredValue::new(false);
    let on_down = move |ev: leptos::ev::PointerEvent| {
        let (_, _, w) = event_rect(&ev);
        moved.set_value(false);
        drag.set_value(Some((
            f64::from(ev.client_x()),
            f64::from(ev.client_y()),
            w,
        )));
    };
    let on_move = move |ev: leptos::ev::PointerEvent| {
        if let Some((x0, y0, w)) = drag.get_value() {
            // Screen pixels to drawing pixels: the drawing is W wide on screen.
            let k = W / w.max(1.0);
            let (dx, dy) = (
                (f64::from(ev.client_x()) - x0) * k,
                (f64::from(ev.client_y()) - y0) * k,
            );
            if dx.abs() + dy.abs() < 2.0 {
                return;
            }
            moved.set_value(true);
            drag.set_value(Some((
                f64::from(ev.client_x()),
                f64::from(ev.client_y()),
                w,
            )));
            view_rw.update(|v| {
                let (cx, cy) = world_px(datum.from_wgs84(v.center), v.zoom);
                v.center = datum.to_wgs84(from_world_px(cx - dx, cy - dy, v.zoom));
            });
        }
    };
    let on_up = move |ev: leptos::ev::PointerEvent| {
        if drag.get_value().is_none() {
            return;
        }
        drag.set_value(None);
        if moved.get_value() {
            settled.set(view_rw.get_untracked());
        } else if let Some(pick) = on_pick {
            let (left, top, w) = event_rect(&ev);
            let k = W / w.max(1.0);
            let (x, y) = (
                (f64::from(ev.client_x()) - left) * k,
                (f64::from(ev.client_y()) - top) * k,
            );
            let vp = view_rw.get_untracked();
            let (ox, oy) = vp.origin(datum);
            pick.run((
                datum.to_wgs84(from_world_px(ox + x, oy + y, vp.zoom)),
                vp.zoom,
            ));
        }
    };
    let on_leave = move |_| drag.set_value(None);
    let provider_for_tiles = provider.clone();
    let scale_id = format!("{id}-scale");
    let attribution = provider
        .as_ref()
        .map(|p| p.attribution.clone())
        .unwrap_or_default();
    view! {
        <div class="map" id=id data-zoom=move || format!("{:.0}", view_rw.get().zoom)
            on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up on:pointerleave=on_leave>
            <div class="tiles">
                {move || provider_for_tiles.as_ref().map(|p| tiles_view(p, view_rw.get(), still))}
            </div>
            <svg viewBox=format!("0 0 {W} {H}") class="overlay" role="group"
                aria-label=td_string!(locale, map.label)>
                {move || {
                    let vp = view_rw.get();
                    items.get().iter().map(|i| item_view(i, vp, datum)).collect_view()
                }}
                {move || {
                    let vp = view_rw.get();
                    let (m, px) = scale_bar(vp.center.lat, vp.zoom, 120.0);
                    let label = if m >= 1000.0 { format!("{} km", m / 1000.0) } else { format!("{m} m") };
                    view! {
                        <g class="scale" id=scale_id.clone()>
                            <rect x="12" y=format!("{}", H - 18.0) width=format!("{px:.1}") height="4"></rect>
                            <text x="12" y=format!("{}", H - 24.0)>{label}</text>
                        </g>
                    }
                }}
            </svg>
            // A tap on a button is not a tap on the map.
            {(!still).then(|| view! {
                <div class="zoom" on:pointerdown=|ev| ev.stop_propagation()>
                    <button type="button" class="zoom-in" aria-label=td_string!(locale, map.zoom_in)
                        on:click=move |_| zoom_by(1.0)>"+"</button>
                    <button type="button" class="zoom-out" aria-label=td_string!(locale, map.zoom_out)
                        on:click=move |_| zoom_by(-1.0)>"−"</button>
                </div>
            })}
            <p class="attribution">{attribution}</p>
        </div>
    }
}

/// The map element's left, top and width on screen.
#[cfg(feature = "hydrate")]
fn event_rect(ev: &leptos::ev::PointerEvent) -> (f64, f64, f64) {
    use wasm_bindgen::JsCast;
    ev.current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|e| {
            let r = e.get_bounding_client_rect();
            (r.left(), r.top(), r.width())
        })
        .unwrap_or((0.0, 0.0, W))
}

#[cfg(not(feature = "hydrate"))]
fn event_rect(_: &leptos::ev::PointerEvent) -> (f64, f64, f64) {
    (0.0, 0.0, W)
}

/// A map a person can pan and zoom, on a page that is otherwise plain HTML (a site's page).
#[cfg_attr(feature = "field-islands", island)]
#[cfg_attr(not(feature = "field-islands"), component)]
pub fn PanZoomMap(
    locale: Locale,
    items: Vec<MapItem>,
    provider: Option<TileProvider>,
    id: String,
) -> impl IntoView {
    crate::ui::island::enter(locale, crate::ui::island::FIELD);
    view! { <MapView items=items provider=provider id=id /> }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(lon: f64, lat: f64) -> MapItem {
        MapItem {
            shape: Shape::Geometry(SiteGeometry::Point([lon, lat])),
            class: String::new(),
            href: None,
            title: String::new(),
        }
    }

    #[test]
    fn fitting_shows_every_item_inside_the_drawing() {
        let items = vec![
            site(120.10, 30.20),
            site(120.25, 30.31),
            site(120.16, 30.26),
        ];
        let (center, zoom) = fit(&items, 18);
        let vp = Viewport { center, zoom };
        for i in &items {
            for p in i.positions() {
                let (x, y) = vp.project(Datum::Wgs84, p);
                assert!(
                    (0.0..=W).contains(&x) && (0.0..=H).contains(&y),
                    "{x},{y} at z{zoom}"
                );
            }
        }
        // One point: close in, but not past the provider's limit.
        assert_eq!(fit(&items[..1], 16).1, 16.0);
    }

    #[test]
    fn a_gcj02_basemap_draws_the_corrected_position_where_a_wgs84_one_draws_it() {
        let w = LonLat {
            lon: 121.5272106,
            lat: 31.1774276,
        };
        let g = LonLat {
            lon: 121.531541859215,
            lat: 31.17530398364597,
        };
        let vp = Viewport {
            center: g,
            zoom: 16.0,
        };
        let on_wgs = vp.project(Datum::Wgs84, g);
        // The same view centred on the site as stored (WGS-84) on a GCJ-02 basemap.
        let vp2 = Viewport {
            center: w,
            zoom: 16.0,
        };
        let on_gcj = vp2.project(Datum::Gcj02, w);
        assert!((on_wgs.0 - on_gcj.0).abs() < 0.1 && (on_wgs.1 - on_gcj.1).abs() < 0.1);
        assert!((vp.origin(Datum::Wgs84).0 - vp2.origin(Datum::Gcj02).0).abs() < 0.1);
        let (sw, ne) = vp2.bounds(Datum::Gcj02);
        assert!(sw.lon < w.lon && w.lon < ne.lon && sw.lat < w.lat && w.lat < ne.lat);
    }

    #[test]
    fn tile_origins_are_policy_sources() {
        use super::tile_origin;
        assert_eq!(
            tile_origin("https://t0.tianditu.gov.cn/vec_w/wmts?x={x}&y={y}&l={z}&tk=KEY")
                .as_deref(),
            Some("https://t0.tianditu.gov.cn")
        );
        assert_eq!(
            tile_origin("https://{s}.tile.example.org:8443/{z}/{x}/{y}.png").as_deref(),
            Some("https://*.tile.example.org:8443")
        );
        assert_eq!(tile_origin("javascript:alert(1)//{z}{x}{y}"), None);
        assert_eq!(tile_origin("https://a b/{z}"), None);
        assert_eq!(tile_origin("https:///{z}"), None);
    }
}
