//! The capture form on a site: photos, a note, a kind, tags, and where the deputy stands. It
//! saves into the outbox on the phone; the sync engine sends it. Works with the network cut.

#[cfg(feature = "hydrate")]
pub mod device;
pub mod mine;

use leptos::prelude::*;

use crate::ui::IntoAnySync;
use uuid::Uuid;

use crate::catalogue::{api::get_site, pages::id_param, SiteDetail};
use crate::domain::{
    observation::{FieldError, PositionInput},
    photo_evidence::{judge_photo, PhotoOrigin},
    verdict::judge,
    ObservationKind, Verdict,
};
use crate::i18n::*;
use crate::ui::{pick, use_zh, Loaded};

pub fn verdict_label(locale: impl Into<Locale>, v: Verdict) -> &'static str {
    let locale: Locale = locale.into();
    match v {
        Verdict::OnSite => td_string!(locale, capture.on_site),
        Verdict::Near => td_string!(locale, capture.near),
        Verdict::OffSite => td_string!(locale, capture.off_site),
        Verdict::Unknown => td_string!(locale, capture.unknown),
    }
}

/// One of the deputy's observations as the server holds it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MyObservation {
    pub id: Uuid,
    pub site_id: Uuid,
    pub site_name_zh: String,
    pub site_name_en: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub kind: ObservationKind,
    pub note: String,
    pub captured_at: chrono::DateTime<chrono::Utc>,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub status: String,
    pub verdict: String,
    pub distance_m: Option<f64>,
    pub photos: Vec<String>,
    /// Why staff did not take it up, and when (the reason is also in the deputy's notification).
    pub dismiss_reason: Option<String>,
    pub dismissed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The item it went into (made from it, or merged into), which the deputy may open.
    pub item_id: Option<Uuid>,
    pub item_year: Option<i32>,
    pub item_number: Option<i32>,
}

/// A photo made ready on the phone: downscaled, re-encoded, hashed.
#[derive(Clone)]
pub struct Prepared {
    pub sha256: String,
    pub preview_url: String,
    pub bytes_in: u32,
    pub bytes_out: u32,
    /// What the original's EXIF said, read before the re-encode dropped it.
    pub exif_taken_at: Option<chrono::DateTime<chrono::Utc>>,
    /// (lat, lon)
    pub exif_position: Option<(f64, f64)>,
    pub origin: PhotoOrigin,
    /// When the deputy added it.
    pub chosen_at: chrono::DateTime<chrono::Utc>,
    #[cfg(feature = "hydrate")]
    pub blob: web_sys::Blob,
}

impl Prepared {
    /// The facts the record carries for this photo.
    pub fn facts(&self) -> crate::domain::photo_evidence::PhotoFactsInput {
        crate::domain::photo_evidence::PhotoFactsInput {
            sha256: self.sha256.clone(),
            origin: self.origin,
            chosen_at: self.chosen_at,
            taken_at: self.exif_taken_at,
            lat: self.exif_position.map(|p| p.0),
            lon: self.exif_position.map(|p| p.1),
        }
    }
}

/// The photos on the form. In the browser they hold blobs, which belong to the page's one
/// thread, so the signal is thread-local there; on the server (no blobs) it must be a plain one:
/// a server render can end on another thread than it began, and dropping a thread-local value
/// there panics (which cut the connection of every capture page the worker prefetched).
#[cfg(feature = "hydrate")]
pub type PhotoList = RwSignal<Vec<Prepared>, LocalStorage>;
#[cfg(not(feature = "hydrate"))]
pub type PhotoList = RwSignal<Vec<Prepared>>;

#[derive(Clone, PartialEq)]
// Failures come from the browser's Geolocation API, so the server build never makes one.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Gps {
    Idle,
    Locating,
    Failed(String),
}

#[component]
pub fn CapturePage() -> impl IntoView {
    let id = id_param("id");
    let i18n = use_i18n();
    let zh = use_zh();
    // The form records who captured (the outbox sends a record only under its author): the
    // page carries it, as a page the phone kept must work offline.
    let data = Resource::new(id, |id| async move {
        let site = get_site(id?).await?;
        let me = crate::auth::api::get_session().await?.user;
        Ok((site, me))
    });
    view! {
        <Loaded
            resource=data
            view=move |(d, me): (SiteDetail, Option<crate::auth::CurrentUser>)| {
                if d.yours_to_supervise {
                    let site = CaptureSite {
                        id: d.id,
                        name: pick(zh, &d.name_zh, &d.name_en),
                        anchor: d.geometry.anchor(),
                        geometry: d.geometry,
                        project_year: d.project_year,
                    };
                    view! {
                        <CaptureForm locale=i18n.get_locale_untracked() site
                            owner=me.as_ref().map(crate::outbox::Owner::of)
                            provider=crate::map::configured() />
                    }
                    .into_any_sync()
                } else {
                    view! { <p class="notice" id="not-your-site">{t!(i18n, capture.not_your_site)}</p> }
                        .into_any_sync()
                }
            }
        />
    }
}

/// What the capture form needs of its site.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CaptureSite {
    pub id: Uuid,
    /// In the reader's language.
    pub name: String,
    pub geometry: crate::domain::SiteGeometry,
    /// Where "use the site's location" puts the deputy: worked out on the server (a polygon's
    /// interior point takes a sweep-line algorithm the phone need not carry).
    pub anchor: crate::domain::LonLat,
    /// A photo taken before the project's year began cannot show its work.
    pub project_year: i32,
}

/// The form, in the browser: photos prepared on the phone, the position and its verdict, saved
/// into the outbox (no network needed).
#[cfg_attr(feature = "camera-islands", island)]
#[cfg_attr(not(feature = "camera-islands"), component)]
fn CaptureForm(
    locale: Locale,
    site: CaptureSite,
    owner: Option<crate::outbox::Owner>,
    provider: Option<crate::map::TileProvider>,
) -> impl IntoView {
    crate::ui::island::enter(locale, crate::ui::island::CAMERA);
    let site_name = site.name.clone();
    let site_id = site.id;
    let geometry = site.geometry.clone();
    let anchor = site.anchor;
    let project_year = site.project_year;

    let kind = RwSignal::new(ObservationKind::Problem);
    let note = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let photos = PhotoList::new_with_storage(Vec::new());
    let preparing = RwSignal::new(0u32);
    let position = RwSignal::new(None::<PositionInput>);
    let gps = RwSignal::new(Gps::Idle);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let saving = RwSignal::new(false);

    let busy = move || saving.get() || preparing.get() > 0;
    // Set once the wasm has taken over the form (effects run only in the browser): photos can be
    // prepared from then on. Tests and styles key on it.
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let judged = {
        let geometry = geometry.clone();
        Memo::new(move |_| position.get().map(|p| judge(&geometry, Some(&p))))
    };

    let locate = move |_| {
        gps.set(Gps::Locating);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match device::current_position().await {
                Ok(p) => {
                    position.set(Some(p));
                    gps.set(Gps::Idle);
                }
                Err(e) => gps.set(Gps::Failed(e)),
            }
        });
    };
    let use_site_location = move |_| {
        position.set(Some(PositionInput {
            lat: anchor.lat,
            lon: anchor.lon,
            accuracy_m: 1.0,
            source: crate::domain::PositionSource::SiteLocation,
        }));
        gps.set(Gps::Idle);
    };
    // No GPS fix (indoors, a tunnel, a denied permission): the deputy taps where they are.
    let drop_pin = Callback::new(move |(at, zoom): (crate::domain::LonLat, f64)| {
        position.set(Some(PositionInput {
            lat: at.lat,
            lon: at.lon,
            accuracy_m: crate::domain::mapping::pin_accuracy_m(at.lat, zoom),
            source: crate::domain::PositionSource::ManualPin,
        }));
        gps.set(Gps::Idle);
    });
    let pin_items = {
        let geometry = geometry.clone();
        let site_name = site_name.to_owned();
        Signal::derive(move || {
            let mut items = vec![crate::map::MapItem {
                shape: crate::map::Shape::Geometry(geometry.clone()),
                class: "site".into(),
                href: None,
                title: site_name.clone(),
            }];
            // Shown where it is without re-framing the map on every tap.
            if let Some(p) = position.get() {
                items.push(crate::map::MapItem::position(&p, String::new()));
            }
            items
        })
    };
    let on_files = move |origin: PhotoOrigin| {
        move |ev: leptos::ev::Event| {
            let _ = (&ev, origin);
            #[cfg(feature = "hydrate")]
            device::add_files(ev, origin, photos, preparing);
        }
    };
    let remove_photo = move |sha: String| photos.update(|p| p.retain(|x| x.sha256 != sha));
    let photo_site = geometry.clone();

    let submit = {
        let site_name = site_name.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let _ = (&site_name, site_id, &owner);
            #[cfg(feature = "hydrate")]
            {
                let draft = device::Draft {
                    owner: owner.clone(),
                    site_id,
                    site_name: site_name.clone(),
                    kind: kind.get_untracked(),
                    note: note.get_untracked(),
                    tags: tags.get_untracked(),
                    position: position.get_untracked(),
                    photos: photos.get_untracked(),
                };
                saving.set(true);
                leptos::task::spawn_local(async move {
                    if let Err(errs) = device::save(draft, crate::outbox::use_outbox()).await {
                        errors.set(errs);
                        saving.set(false);
                    }
                });
            }
        }
    };

    let field_error = move |field: &'static str| {
        move || {
            errors
                .get()
                .into_iter()
                .filter(|e| e.field.starts_with(field))
                .map(|e| {
                    let text = crate::ui::field_hint(locale, &e.field)
                        .map(str::to_owned)
                        .unwrap_or(e.message);
                    view! { <p class="notice error" data-field=field>{text}</p> }
                })
                .collect_view()
        }
    };

    view! {
        <p class="crumbs">
            <a href=format!("/sites/{site_id}") rel="external">{site_name.clone()}</a>
        </p>
        <h1>{td_string!(locale, capture.title)}</h1>
        <noscript>
            <p class="notice error">{td_string!(locale, capture.needs_js)}</p>
        </noscript>
        <form
            class="stack"
            id="capture-form"
            data-ready=move || ready.get().then_some("1")
            on:submit=submit
        >
            <fieldset class="kinds">
                <legend>{td_string!(locale, capture.kind)}</legend>
                {ObservationKind::ALL
                    .into_iter()
                    .map(|k| {
                        view! {
                            <label class="pill">
                                <input
                                    type="radio"
                                    name="kind"
                                    value=k.as_str()
                                    prop:checked=move || kind.get() == k
                                    on:change=move |_| kind.set(k)
                                />
                                <span>{crate::outbox::page::kind_label(locale, k)}</span>
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            // Two ways in, so that each photo says whether it was taken now with the camera or
            // chosen from the gallery (a phone's one picker does not tell).
            <fieldset class="photo-inputs">
                <legend>{td_string!(locale, capture.photos)}</legend>
                <label class="button">
                    <span>{td_string!(locale, photo.camera)}</span>
                    <input
                        type="file"
                        id="photo-camera"
                        accept="image/*"
                        capture="environment"
                        multiple
                        on:change=on_files(PhotoOrigin::Camera)
                    />
                </label>
                <label class="button">
                    <span>{td_string!(locale, photo.gallery)}</span>
                    <input
                        type="file"
                        id="photo-gallery"
                        accept="image/*"
                        multiple
                        on:change=on_files(PhotoOrigin::Gallery)
                    />
                </label>
            </fieldset>
            {move || (preparing.get() > 0).then(|| view! {
                <p class="muted" id="preparing">{td_string!(locale, capture.preparing)}</p>
            })}
            <ul class="thumbs evidence-list" id="photo-list">
                <For
                    each=move || photos.get()
                    key=|p| p.sha256.clone()
                    children=move |p: Prepared| {
                        let sha = p.sha256.clone();
                        let kb = p.bytes_out / 1024;
                        // The same judgement the server will make, shown before saving: a
                        // warning, never a refusal (a gallery photo can be legitimate).
                        let judged = judge_photo(&photo_site, project_year, p.exif_taken_at, p.exif_position, p.chosen_at);
                        let warn_place = judged.doubtful_place()
                            .then(|| view! { <p class="notice warn" data-warn="place">{td_string!(locale, photo.warn_place)}</p> });
                        let warn_time = judged.doubtful_time()
                            .then(|| view! { <p class="notice warn" data-warn="time">{td_string!(locale, photo.warn_time)}</p> });
                        view! {
                            <li data-sha=p.sha256.clone() data-bytes=p.bytes_out>
                                <img src=p.preview_url.clone() alt="" />
                                <small>{kb} " KB"</small>
                                <crate::ui::photo_check::PhotoBadges locale judgement=judged
                                    origin=Some(p.origin) taken_at=p.exif_taken_at />
                                {warn_place}
                                {warn_time}
                                <button type="button" class="link" on:click=move |_| remove_photo(sha.clone())>
                                    {td_string!(locale, capture.remove)}
                                </button>
                            </li>
                        }
                    }
                />
            </ul>
            // "photo" covers the photos and their facts.
            {field_error("photo")}
            <label>
                <span>{td_string!(locale, capture.note)}</span>
                <textarea
                    name="note"
                    id="note"
                    rows="4"
                    maxlength="2000"
                    prop:value=move || note.get()
                    on:input=move |ev| note.set(event_target_value(&ev))
                ></textarea>
            </label>
            {field_error("note")}
            <label>
                <span>{td_string!(locale, capture.tags)}</span>
                <input
                    name="tags"
                    id="tags"
                    prop:value=move || tags.get()
                    on:input=move |ev| tags.set(event_target_value(&ev))
                />
            </label>
            {field_error("tags")}
            <section class="card position" id="position">
                <p>
                    {move || match position.get() {
                        None => td_string!(locale, capture.no_position).to_owned(),
                        Some(p) => format!(
                            "{:.5}, {:.5} ±{:.0} m ({})",
                            p.lat,
                            p.lon,
                            p.accuracy_m,
                            match p.source {
                                crate::domain::PositionSource::Gps => td_string!(locale, capture.src_gps),
                                crate::domain::PositionSource::ManualPin => td_string!(locale, capture.src_pin),
                                crate::domain::PositionSource::SiteLocation => td_string!(locale, capture.src_site),
                            },
                        ),
                    }}
                </p>
                <p id="verdict">
                    {move || judged.get().map(|(v, d)| {
                        let dist = d.map(|d| format!(" · {:.0} m", d)).unwrap_or_default();
                        view! { <b data-verdict=v.as_str()>{verdict_label(locale, v)}</b> {dist} }
                    })}
                </p>
                {move || match gps.get() {
                    Gps::Locating => Some(view! { <p class="muted">{td_string!(locale, capture.locating)}</p> }.into_any_sync()),
                    Gps::Failed(e) => Some(view! { <p class="notice error">{td_string!(locale, capture.gps_failed)} " " {e}</p> }.into_any_sync()),
                    Gps::Idle => None,
                }}
                <p class="actions">
                    <button type="button" id="locate" on:click=locate>{td_string!(locale, capture.locate)}</button>
                    <button type="button" id="use-site" on:click=use_site_location>{td_string!(locale, capture.use_site)}</button>
                </p>
                <p class="muted">{td_string!(locale, capture.pin_hint)}</p>
                <crate::map::MapView items=pin_items provider=provider.clone() id="capture-map" fixed=true on_pick=drop_pin />
            </section>
            {field_error("position")}
            {field_error("captured_at")}
            <button type="submit" class="primary" id="save-capture" disabled=busy>
                {td_string!(locale, capture.save)}
            </button>
        </form>
    }
}

/// The id the phone gives a new observation: UUIDv7 from the clock and fresh randomness.
pub fn new_id(now_ms: u64) -> Uuid {
    let random = Uuid::new_v4();
    let bytes: [u8; 10] = random.as_bytes()[..10].try_into().unwrap_or([0; 10]);
    uuid::Builder::from_unix_timestamp_millis(now_ms, &bytes).into_uuid()
}
