//! "Save this area for offline use": the basemap tiles around the deputy's sites, fetched into
//! the service worker's tile cache with a progress bar, after an estimate of how many and how
//! large. The worker answers tile requests from that cache first, so the map draws with the
//! network cut.

use leptos::prelude::*;

use super::TileProvider;
use crate::domain::mapping::{tiles_covering, TileId};
use crate::domain::LonLat;
use crate::i18n::*;

/// A typical 256 px raster tile; the estimate says "about".
pub const TILE_KB: f64 = 20.0;
/// Refused above this: a phone's storage and a deputy's data plan are not unlimited.
pub const MAX_TILES: usize = 4000;

/// The tiles of a box (WGS-84) on this basemap at these zooms.
pub fn area_tiles(provider: &TileProvider, sw: LonLat, ne: LonLat, zooms: &[u8]) -> Vec<TileId> {
    let (sw, ne) = (provider.datum.from_wgs84(sw), provider.datum.from_wgs84(ne));
    zooms
        .iter()
        .filter(|z| **z <= provider.max_zoom)
        .flat_map(|z| tiles_covering(sw, ne, *z))
        .collect()
}

#[cfg(feature = "hydrate")]
mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(inline_js = r#"
export async function save_tiles(urls, progress) {
  const cache = await caches.open('jiandu-tiles');
  let done = 0;
  for (const u of urls) {
    try {
      const r = await fetch(u, { mode: 'cors' }).catch(() => fetch(u, { mode: 'no-cors' }));
      if (r.ok || r.type === 'opaque') await cache.put(u, r);
    } catch (e) { /* one missing tile leaves a grey square, not a failed save */ }
    done += 1;
    progress(done);
  }
  return done;
}"#)]
    extern "C" {
        #[wasm_bindgen(catch)]
        pub async fn save_tiles(
            urls: js_sys::Array,
            progress: &Closure<dyn FnMut(u32)>,
        ) -> Result<JsValue, JsValue>;
    }
}

#[component]
pub fn SaveArea(provider: TileProvider, sw: LonLat, ne: LonLat) -> impl IntoView {
    let locale = crate::ui::island::locale();
    // Street zooms from 12 up, as many as fit under the cap: a city-wide set of sites at zoom 15
    // is more than a phone should hold.
    let mut initial: Vec<u8> = Vec::new();
    for z in 12u8..=15 {
        let mut more = initial.clone();
        more.push(z);
        if area_tiles(&provider, sw, ne, &more).len() > MAX_TILES {
            break;
        }
        initial = more;
    }
    let zooms = RwSignal::new(initial);
    let done = RwSignal::new(None::<u32>);
    let total = RwSignal::new(0u32);
    let urls = {
        let provider = provider.clone();
        Memo::new(move |_| {
            area_tiles(&provider, sw, ne, &zooms.get())
                .into_iter()
                .map(|t| t.url(&provider.url))
                .collect::<Vec<_>>()
        })
    };
    let count = move || urls.with(Vec::len);
    let size_mb = move || format!("{:.1}", count() as f64 * TILE_KB / 1024.0);
    let too_many = move || count() > MAX_TILES;
    let save = move |_| {
        let list = urls.get_untracked();
        total.set(list.len() as u32);
        done.set(Some(0));
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            use wasm_bindgen::prelude::*;
            let arr = js_sys::Array::new();
            for u in &list {
                arr.push(&JsValue::from_str(u));
            }
            let progress = Closure::<dyn FnMut(u32)>::new(move |n: u32| done.set(Some(n)));
            let _ = js::save_tiles(arr, &progress).await;
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = list;
    };
    let levels: Vec<u8> = (10..=provider.max_zoom.min(17)).collect();
    view! {
        <section class="save-area" id="save-area">
            <h2>{td_string!(locale, map.save_area)}</h2>
            <fieldset class="choices">
                <legend>{td_string!(locale, map.levels)}</legend>
                {levels
                    .into_iter()
                    .map(|z| {
                        view! {
                            <label class="choice">
                                <input type="checkbox" value=z.to_string()
                                    prop:checked=move || zooms.with(|l| l.contains(&z))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        zooms.update(|l| {
                                            l.retain(|x| *x != z);
                                            if on { l.push(z); l.sort_unstable(); }
                                        });
                                    } />
                                <span>{z.to_string()}</span>
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <p id="save-estimate">
                {move || {
                    let (n, mb) = (count(), size_mb());
                    td!(locale, map.save_estimate, count = n, size = mb)
                }}
            </p>
            {move || too_many().then(|| view! {
                <p class="notice error">{td!(locale, map.too_many, max = MAX_TILES)}</p>
            })}
            <button type="button" id="save-area-button" on:click=save
                disabled=move || too_many() || count() == 0 || done.get().is_some_and(|d| d < total.get())>
                {td_string!(locale, map.save_area)}
            </button>
            {move || done.get().map(|d| {
                let finished = d >= total.get();
                view! {
                    <p>
                        <progress id="save-progress" max=total.get() value=d></progress>
                        " " {format!("{d} / {}", total.get())} " "
                        {if finished { td_string!(locale, map.saved) } else { td_string!(locale, map.saving) }}
                    </p>
                }
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::mapping::Datum;

    #[test]
    fn an_area_of_a_few_kilometres_is_a_few_hundred_tiles_at_street_zooms() {
        let p = TileProvider {
            url: "http://t/{z}/{x}/{y}.png".into(),
            attribution: String::new(),
            max_zoom: 18,
            datum: Datum::Gcj02,
        };
        let sw = LonLat {
            lon: 120.10,
            lat: 30.22,
        };
        let ne = LonLat {
            lon: 120.16,
            lat: 30.27,
        };
        let n = area_tiles(&p, sw, ne, &[12, 13, 14, 15]).len();
        assert!((20..=400).contains(&n), "{n}");
        assert!(
            area_tiles(&p, sw, ne, &[19]).is_empty(),
            "above the provider's zoom"
        );
    }
}
