//! Browser-side work for the capture form: preparing photos, reading the position, saving to
//! the outbox. Browser only.

use js_sys::{Promise, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, File, ImageBitmap, ImageBitmapOptions, ImageEncodeOptions, ImageOrientation,
    OffscreenCanvas, OffscreenCanvasRenderingContext2d, PositionOptions,
};

use super::Prepared;
use crate::domain::{
    exif::read_exif,
    observation::{hex, split_tags, FieldError, PositionInput},
    photo_evidence::{observation_time, PhotoOrigin},
    photo_prep::{next_quality, scaled_size, START_QUALITY},
    Observation, ObservationInput, ObservationKind, PositionSource,
};
use crate::outbox::{store, OutboxItem, OutboxVersion, Payload};

fn js(e: JsValue) -> String {
    e.as_string()
        .or_else(|| js_sys::Error::from(e).message().as_string())
        .unwrap_or_else(|| "browser error".into())
}

/// Downscales to 2048 px, re-encodes as JPEG stepping quality down to fit 400 KB, hashes.
/// What the original's EXIF says of its time and place is kept beside it.
pub async fn prepare(file: File, origin: PhotoOrigin) -> Result<Prepared, String> {
    let chosen_at = chrono::Utc::now();
    let window = web_sys::window().ok_or("no window")?;
    let bytes_in = file.size() as u32;
    // EXIF sits at the start of a JPEG; the first 256 KB is plenty and spares reading 6 MB.
    let head = file.slice_with_i32_and_i32(0, 256 * 1024).map_err(js)?;
    let head = JsFuture::from(head.array_buffer()).await.map_err(js)?;
    let exif = read_exif(&Uint8Array::new(&head).to_vec());

    let opts = ImageBitmapOptions::new();
    opts.set_image_orientation(ImageOrientation::FromImage);
    let bitmap: ImageBitmap = JsFuture::from(
        window
            .create_image_bitmap_with_blob_and_image_bitmap_options(&file, &opts)
            .map_err(js)?,
    )
    .await
    .map_err(js)?
    .dyn_into()
    .map_err(js)?;
    let (w, h) = scaled_size(bitmap.width(), bitmap.height());
    let canvas = OffscreenCanvas::new(w, h).map_err(js)?;
    let ctx: OffscreenCanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(js)?
        .ok_or("no 2d context")?
        .dyn_into()
        .map_err(|o: js_sys::Object| js(o.into()))?;
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, f64::from(w), f64::from(h))
        .map_err(js)?;
    bitmap.close();

    let mut quality = START_QUALITY;
    let blob: Blob = loop {
        let enc = ImageEncodeOptions::new();
        enc.set_type("image/jpeg");
        enc.set_quality(quality);
        let blob: Blob = JsFuture::from(canvas.convert_to_blob_with_options(&enc).map_err(js)?)
            .await
            .map_err(js)?
            .dyn_into()
            .map_err(js)?;
        match next_quality(quality, blob.size() as u32) {
            Some(q) => quality = q,
            None => break blob,
        }
    };
    let buf = JsFuture::from(blob.array_buffer()).await.map_err(js)?;
    let subtle = window.crypto().map_err(js)?.subtle();
    let digest = JsFuture::from(
        subtle
            .digest_with_str_and_buffer_source("SHA-256", buf.unchecked_ref())
            .map_err(js)?,
    )
    .await
    .map_err(js)?;
    let sha256 = hex(&Uint8Array::new(&digest).to_vec());
    let preview_url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js)?;
    Ok(Prepared {
        sha256,
        preview_url,
        bytes_in,
        bytes_out: blob.size() as u32,
        exif_taken_at: exif.taken_at,
        exif_position: exif.lat.zip(exif.lon),
        origin,
        chosen_at,
        blob,
    })
}

/// Prepares the files chosen in the input, one after another (phones have little memory).
pub fn add_files(
    ev: leptos::ev::Event,
    origin: PhotoOrigin,
    photos: super::PhotoList,
    preparing: RwSignal<u32>,
) {
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let Some(list) = input.files() else { return };
    let files: Vec<File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    input.set_value("");
    preparing.update(|n| *n += files.len() as u32);
    leptos::task::spawn_local(async move {
        for f in files {
            let room = photos.with_untracked(|p| p.len()) < crate::domain::observation::MAX_PHOTOS;
            if room {
                if let Ok(p) = prepare(f, origin).await {
                    photos.update(|list| {
                        if !list.iter().any(|x| x.sha256 == p.sha256) {
                            list.push(p);
                        }
                    });
                }
            }
            preparing.update(|n| *n = n.saturating_sub(1));
        }
    });
}

/// The browser's position, high accuracy, within 20 seconds.
pub async fn current_position() -> Result<PositionInput, String> {
    let geo = web_sys::window()
        .ok_or("no window")?
        .navigator()
        .geolocation()
        .map_err(js)?;
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |p: web_sys::Position| {
            let _ = resolve.call1(&JsValue::NULL, &p);
        });
        let err = Closure::once_into_js(move |e: web_sys::PositionError| {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&e.message()));
        });
        let opts = PositionOptions::new();
        opts.set_enable_high_accuracy(true);
        opts.set_timeout(20_000);
        opts.set_maximum_age(30_000);
        let _ = geo.get_current_position_with_error_callback_and_options(
            ok.unchecked_ref(),
            Some(err.unchecked_ref()),
            &opts,
        );
    });
    // Chromium's object is a `GeolocationPosition`, not an instance of the old `Position`
    // interface the bindings are named after: no instanceof check.
    let p: web_sys::Position = JsFuture::from(promise).await.map_err(js)?.unchecked_into();
    let c = p.coords();
    Ok(PositionInput {
        lat: c.latitude(),
        lon: c.longitude(),
        accuracy_m: c.accuracy().max(1.0),
        source: PositionSource::Gps,
    })
}

pub struct Draft {
    pub owner: Option<crate::outbox::Owner>,
    pub site_id: uuid::Uuid,
    pub site_name: String,
    pub kind: ObservationKind,
    pub note: String,
    pub tags: String,
    pub position: Option<PositionInput>,
    pub photos: Vec<Prepared>,
}

/// Checks the draft with the same rules the server applies, queues it, and goes to the outbox.
pub async fn save(d: Draft, version: OutboxVersion) -> Result<(), Vec<FieldError>> {
    let now_ms = js_sys::Date::now();
    let now = chrono::Utc::now();
    let id = super::new_id(now_ms as u64);
    // When the photos of this visit were taken is when the deputy saw it.
    let captured_at = observation_time(d.photos.iter().map(|p| p.exif_taken_at), now);
    let input = ObservationInput {
        site_id: d.site_id,
        kind: d.kind,
        note: d.note,
        tags: split_tags(&d.tags),
        captured_at,
        position: d.position,
        photos: d.photos.iter().map(|p| p.sha256.clone()).collect(),
        photo_facts: d.photos.iter().map(Prepared::facts).collect(),
    };
    Observation::parse(id, &input, now)?;
    let item = OutboxItem::new(
        id,
        d.owner,
        d.site_name,
        Payload::Observation(input),
        now_ms,
    );
    let blobs: Vec<(String, Blob)> = d
        .photos
        .iter()
        .map(|p| (p.sha256.clone(), p.blob.clone()))
        .collect();
    store::add(&item, &blobs).await.map_err(|e| {
        vec![FieldError {
            field: "photos".into(),
            message: format!("could not save on this phone: {e}"),
        }]
    })?;
    store::ask_to_persist().await;
    version.bump();
    if let Some(w) = web_sys::window() {
        let _ = w.location().assign("/outbox");
    }
    Ok(())
}

/// Prepares each chosen photo ([`prepare`]), a photo chosen twice once; the first that cannot
/// be read stops it with the browser's reason.
pub async fn prepare_all(files: Vec<(File, PhotoOrigin)>) -> Result<Vec<Prepared>, String> {
    let mut prepared: Vec<Prepared> = Vec::new();
    for (f, origin) in files {
        let p = prepare(f, origin).await?;
        if !prepared.iter().any(|x| x.sha256 == p.sha256) {
            prepared.push(p);
        }
    }
    Ok(prepared)
}
