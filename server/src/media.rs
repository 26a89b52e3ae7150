//! Photo ingest: refuse what is not a photo or is too big, read the EXIF, apply the orientation,
//! and make a display copy and a thumbnail that carry no metadata. The decoding is CPU-bound:
//! call it from `spawn_blocking`. An account's upload is answered once its original is checked
//! and durable; [`Copier`] makes the copies in the background.

use std::io::Cursor;

pub use app::domain::exif::{read_exif, ExifFacts};
use app::error::AppError;
use app::store::field::PhotoCopies;
use app::store::media::Variant;
use image::{
    codecs::jpeg::JpegEncoder, metadata::Orientation, DynamicImage, ImageFormat, ImageReader,
    Limits,
};

/// A phone photo after the phone's own downscale is well under 1 MB; an unprocessed 12 MP
/// original is about 6 MB. Anything above this is refused before it is read.
pub const MAX_UPLOAD_BYTES: usize = 12 * 1024 * 1024;
/// Decompression bombs declare huge dimensions in a tiny file: refuse them from the header.
pub const MAX_PIXELS: u64 = 50_000_000;
pub const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;

/// How much one decode may take. Every photo is 8 bits a channel (a phone's JPEG is): a 16-bit
/// PNG doubles the memory per pixel for nothing a photo needs, and is refused from its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    pub max_pixels: u64,
    pub max_alloc: u64,
}

impl DecodeLimits {
    /// Photos from accounts (a deputy's, an officer's): up to a 50 MP camera's.
    pub const ACCOUNT: DecodeLimits = DecodeLimits {
        max_pixels: MAX_PIXELS,
        max_alloc: MAX_DECODE_ALLOC,
    };
    /// Photos from anyone on the internet: a 24 MP phone photo. The decoded image is bounded
    /// by the pixel limit and the 8-bit rule (at most 96 MB as RGBA); `max_alloc` bounds the
    /// decoder's own buffers besides it.
    pub const PUBLIC: DecodeLimits = DecodeLimits {
        max_pixels: 24_000_000,
        max_alloc: 128 * 1024 * 1024,
    };
}

/// Decodes running at once, on every path (uploads, the public's photos, the copier, readers
/// asking for a copy): each holds up to a few hundred megabytes, so their number, not the number
/// of requests, bounds the server's memory. One per core: decoding is CPU-bound, more would only
/// queue inside the blocking pool holding memory.
static DECODES: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    tokio::sync::Semaphore::new(cores.clamp(1, 4))
});

/// Requests that may wait for a decode slot. Each holds its body (up to 12 MiB) while it waits,
/// so the queue is bounded too: past it, the sender is told to try again (503; the phone's outbox
/// retries, the comment form keeps what was typed).
const MAX_WAITING_DECODES: usize = 32;
static WAITING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Runs image work (`check`, `ingest`, `make_copies`) on the blocking pool once a decode slot
/// is free. The slot goes with the work: a client that hangs up drops its request, not the
/// decode already running, which keeps the slot until it ends.
pub async fn decoding<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    in_slot(&DECODES, &WAITING, MAX_WAITING_DECODES, work).await
}

async fn in_slot<T: Send + 'static>(
    slots: &'static tokio::sync::Semaphore,
    waiting: &'static std::sync::atomic::AtomicUsize,
    max_waiting: usize,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    use std::sync::atomic::Ordering;
    let slot = match slots.try_acquire() {
        Ok(slot) => slot,
        Err(_) => {
            if waiting.fetch_add(1, Ordering::SeqCst) >= max_waiting {
                waiting.fetch_sub(1, Ordering::SeqCst);
                return Err(AppError::new(
                    app::error::ErrorCode::Unavailable,
                    "the server is busy with other photos: send again in a minute",
                ));
            }
            let slot = slots.acquire().await;
            waiting.fetch_sub(1, Ordering::SeqCst);
            slot.map_err(|_| AppError::internal())?
        }
    };
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        work()
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "image work panicked");
        AppError::internal()
    })
}

pub const DISPLAY_EDGE: u32 = 1600;
pub const THUMB_EDGE: u32 = 320;
pub const JPEG_QUALITY: u8 = 80;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum IngestError {
    #[error("this is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the image is {width}×{height} pixels, more than the {max} allowed")]
    TooManyPixels { width: u32, height: u32, max: u64 },
    #[error("the image has more than 8 bits per colour channel: save it as a JPEG")]
    DeepColour,
    #[error("the image could not be decoded: {0}")]
    Undecodable(String),
}

#[derive(Debug)]
pub struct Ingested {
    pub width: u32,
    pub height: u32,
    pub exif: ExifFacts,
    pub display_jpeg: Vec<u8>,
    pub thumb_jpeg: Vec<u8>,
}

/// Recognises the formats we take by their first bytes, whatever the file is called.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else {
        None
    }
}

/// What the upload learns before it answers: the photo decodes, within the limits, and its
/// size once turned upright.
#[derive(Debug)]
pub struct Checked {
    pub width: u32,
    pub height: u32,
    pub exif: ExifFacts,
}

/// The metadata-free copies served in place of the original.
#[derive(Debug)]
pub struct Copies {
    pub display_jpeg: Vec<u8>,
    pub thumb_jpeg: Vec<u8>,
}

/// Decodes the whole image, so that anything the server acknowledges can later be copied: a
/// file that fails here is refused with 422 while the phone still holds it.
fn decode(bytes: &[u8], limits: DecodeLimits) -> Result<(DynamicImage, ExifFacts), IngestError> {
    use image::ImageDecoder;
    let format = sniff(bytes).ok_or(IngestError::NotAnImage)?;
    // The JPEG decoder fills a cut-off file with grey rather than failing; an upload that lost
    // its end must be refused instead. The end-of-image marker closes every complete JPEG (some
    // cameras append a few kilobytes of trailer after it).
    if format == ImageFormat::Jpeg {
        let tail = &bytes[bytes.len().saturating_sub(64 * 1024)..];
        if !tail.windows(2).any(|w| w == [0xFF, 0xD9]) {
            return Err(IngestError::Undecodable("the JPEG is cut off".into()));
        }
    }
    let undecodable = |e: image::ImageError| IngestError::Undecodable(e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decode_limits = Limits::default();
    decode_limits.max_alloc = Some(limits.max_alloc);
    reader.limits(decode_limits);
    // Everything below is read from the header, before a pixel is inflated.
    let decoder = reader.into_decoder().map_err(undecodable)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(IngestError::TooManyPixels {
            width,
            height,
            max: limits.max_pixels,
        });
    }
    let colour = decoder.color_type();
    if colour.bytes_per_pixel() > colour.channel_count() {
        return Err(IngestError::DeepColour);
    }
    let img = DynamicImage::from_decoder(decoder).map_err(undecodable)?;
    Ok((img, read_exif(bytes)))
}

fn orientation(exif: &ExifFacts) -> Option<Orientation> {
    exif.orientation.and_then(Orientation::from_exif)
}

/// Refuses what the server could not copy later, without making the copies (the upload's
/// answer waits on this; the copies are made in the background by [`Copier`]).
pub fn check(bytes: &[u8]) -> Result<Checked, IngestError> {
    let (img, exif) = decode(bytes, DecodeLimits::ACCOUNT)?;
    let quarter_turn = matches!(
        orientation(&exif),
        Some(
            Orientation::Rotate90
                | Orientation::Rotate270
                | Orientation::Rotate90FlipH
                | Orientation::Rotate270FlipH
        )
    );
    let (width, height) = if quarter_turn {
        (img.height(), img.width())
    } else {
        (img.width(), img.height())
    };
    Ok(Checked {
        width,
        height,
        exif,
    })
}

/// The display copy and thumbnail of an image already decoded and turned upright.
fn copies_of(img: &DynamicImage) -> Result<Copies, IngestError> {
    // `thumbnail` averages whole source pixels into each target pixel: for a downscale by less
    // than 2× it looks the same as a triangle filter and takes a fraction of the time.
    let display = if img.width().max(img.height()) > DISPLAY_EDGE {
        img.thumbnail(DISPLAY_EDGE, DISPLAY_EDGE)
    } else {
        img.clone()
    };
    let thumb = display.thumbnail(THUMB_EDGE, THUMB_EDGE);
    Ok(Copies {
        display_jpeg: jpeg(&display)?,
        thumb_jpeg: jpeg(&thumb)?,
    })
}

fn upright(bytes: &[u8], limits: DecodeLimits) -> Result<(DynamicImage, ExifFacts), IngestError> {
    let (mut img, exif) = decode(bytes, limits)?;
    if let Some(o) = orientation(&exif) {
        img.apply_orientation(o);
    }
    Ok((img, exif))
}

/// The copies of an original the server keeps (see [`check`]).
pub fn make_copies(bytes: &[u8]) -> Result<Copies, IngestError> {
    copies_of(&upright(bytes, DecodeLimits::ACCOUNT)?.0)
}

/// Checks and copies in one go, for photos whose original is not kept (the public's).
pub fn ingest(bytes: &[u8], limits: DecodeLimits) -> Result<Ingested, IngestError> {
    let (img, exif) = upright(bytes, limits)?;
    let copies = copies_of(&img)?;
    Ok(Ingested {
        width: img.width(),
        height: img.height(),
        exif,
        display_jpeg: copies.display_jpeg,
        thumb_jpeg: copies.thumb_jpeg,
    })
}

/// Re-encoding from pixels is what strips EXIF, GPS and maker notes: nothing is copied over.
fn jpeg(img: &DynamicImage) -> Result<Vec<u8>, IngestError> {
    let mut out = Vec::with_capacity(256 * 1024);
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(&DynamicImage::ImageRgb8(img.to_rgb8()))
        .map_err(|e| IngestError::Undecodable(e.to_string()))?;
    Ok(out)
}

/// Why an account's photo was not stored, with the status to answer.
pub struct StoreRefused {
    pub status: axum::http::StatusCode,
    pub error: app::error::AppError,
}

/// Ingests a photo sent by a signed-in person (a deputy's observation photo, an officer's
/// evidence) and stores the original and its copies under the SHA-256 of the bytes. Returns
/// whether it was new; the same bytes sent twice are stored once.
pub async fn store_account_photo(
    state: &app::ssr::AppState,
    hash: &app::domain::PhotoHash,
    bytes: bytes::Bytes,
    uploaded_by: uuid::Uuid,
) -> Result<bool, StoreRefused> {
    store_photo(
        &state.db,
        &state.media,
        &state.photo_copies,
        hash,
        bytes,
        uploaded_by,
    )
    .await
}

/// [`store_account_photo`] without a running server: the demo's year stores its deputies' and
/// officers' photos this way, before the copier is started (it finds them pending then).
pub async fn store_photo(
    db: &app::store::Db,
    media: &app::store::media::MediaStore,
    copies_due: &tokio::sync::Notify,
    hash: &app::domain::PhotoHash,
    bytes: bytes::Bytes,
    uploaded_by: uuid::Uuid,
) -> Result<bool, StoreRefused> {
    use axum::http::StatusCode;
    let refuse = |status: StatusCode, msg: String| StoreRefused {
        status,
        error: AppError::invalid("photo", msg),
    };
    let internal = |error: AppError| StoreRefused {
        status: StatusCode::from_u16(error.error.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        error,
    };
    let known = db.photo_copies(hash.as_str()).await.map_err(internal)?;
    if let Some(copies) = known {
        db.add_photo_holder(hash.as_str(), uploaded_by)
            .await
            .map_err(internal)?;
        // A photo whose files were lost is stored again from these bytes (the hash says they
        // are the same photo); any other photo already here is acknowledged as it is.
        if copies != PhotoCopies::Unreadable {
            return Ok(false);
        }
    }
    if sniff(&bytes).is_none() {
        return Err(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            IngestError::NotAnImage.to_string(),
        ));
    }
    let for_check = bytes.clone();
    let checked = match decoding(move || check(&for_check)).await {
        Ok(Ok(c)) => c,
        Ok(Err(IngestError::NotAnImage)) => {
            return Err(refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                IngestError::NotAnImage.to_string(),
            ))
        }
        Ok(Err(e)) => return Err(refuse(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())),
        Err(e) => return Err(internal(e)),
    };
    let size = bytes.len();
    // Only the original is written before the answer: it is all the copies are made from, and
    // making them (resize and re-encode, most of the work) would otherwise hold up the phone's
    // next upload. The row says the copies are pending until the copier has made them.
    if let Err(e) = media.put_original(hash.as_str(), bytes).await {
        media.delete(hash.as_str()).await;
        return Err(internal(e));
    }
    if known.is_some() {
        db.set_photo_copies(hash.as_str(), PhotoCopies::Pending)
            .await
            .map_err(internal)?;
        copies_due.notify_one();
        return Ok(false);
    }
    let row = app::store::field::NewPhoto {
        sha256: hash.as_str(),
        byte_size: size as i32,
        width: checked.width as i32,
        height: checked.height as i32,
        exif_lat: checked.exif.lat,
        exif_lon: checked.exif.lon,
        exif_taken_at: checked.exif.taken_at,
        uploaded_by,
    };
    match db.insert_photo(&row).await {
        Ok(created) => {
            copies_due.notify_one();
            Ok(created)
        }
        Err(e) => {
            media.delete(hash.as_str()).await;
            Err(internal(e))
        }
    }
}

/// Makes the copies of one photo whose row says they are pending, and records them as made.
/// Safe to run twice at once for the same photo (the worker and a reader who asked first):
/// both write the same bytes and the last write wins.
pub async fn make_pending_copies(state: &app::ssr::AppState, sha256: &str) -> Result<(), AppError> {
    let Some(original) = state.media.get(Variant::Original, sha256).await? else {
        tracing::error!(sha256, "photo original missing: its copies cannot be made");
        return state
            .db
            .set_photo_copies(sha256, PhotoCopies::Unreadable)
            .await;
    };
    match decoding(move || make_copies(&original)).await {
        Ok(Ok(copies)) => {
            state
                .media
                .put_copies(sha256, copies.display_jpeg, copies.thumb_jpeg)
                .await?;
            state.db.set_photo_copies(sha256, PhotoCopies::Ready).await
        }
        // The upload's check decoded this file: it fails now only if the decoder changed.
        Ok(Err(e)) => {
            tracing::error!(sha256, error = %e, "photo original could not be copied");
            state
                .db
                .set_photo_copies(sha256, PhotoCopies::Unreadable)
                .await
        }
        Err(e) => Err(e),
    }
}

/// A copy to serve. A reader who asks before the copier got to the photo (a deputy looking at
/// what they just sent) has it made now rather than waiting for the queue; a copy that went
/// missing from storage is made again from the original. `None`: the photo is lost (neither the
/// copy nor its original is in storage).
pub async fn copy_for_reader(
    state: &app::ssr::AppState,
    variant: Variant,
    sha256: &str,
) -> Result<Option<bytes::Bytes>, AppError> {
    if let Some(bytes) = state.media.get(variant, sha256).await? {
        return Ok(Some(bytes));
    }
    // Marks the photo unreadable when the original is gone too: a resend of its bytes is then
    // stored again rather than acknowledged as already here (`store_account_photo`).
    make_pending_copies(state, sha256).await?;
    state.media.get(variant, sha256).await
}

/// What a page shows in place of a photo whose files are gone: a picture with the reason in the
/// reader's language instead of a broken-image icon. Still a 404, so a script learns the photo is
/// gone; browsers render the image in an error response. `None` when the caller did not ask for
/// an image (an `<img>` asks for `image/*`): it gets the usual error.
pub fn lost_photo(headers: &axum::http::HeaderMap) -> Option<axum::response::Response> {
    use axum::{http::header, response::IntoResponse};
    let wants_image = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("image/"));
    if !wants_image {
        return None;
    }
    let text = app::ssr::photo_lost_text(crate::reader_lang(headers));
    let label = html_escape::encode_double_quoted_attribute(&text);
    let text = html_escape::encode_text(&text);
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="160" height="120" viewBox="0 0 160 120" role="img" aria-label="{label}"><rect width="160" height="120" fill="#eceff1"/><g fill="none" stroke="#90a4ae" stroke-width="3"><rect x="56" y="22" width="48" height="36" rx="4"/><circle cx="80" cy="40" r="9"/><path d="M50 66 110 16"/></g><text x="80" y="96" font-family="sans-serif" font-size="15" text-anchor="middle" fill="#455a64">{text}</text></svg>"##
    );
    Some(
        (
            axum::http::StatusCode::NOT_FOUND,
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                // The original may be put back from a backup, and then the photo must show.
                (header::CACHE_CONTROL, "no-store"),
            ],
            svg,
        )
            .into_response(),
    )
}

/// The background worker that makes the copies of uploaded photos. It starts with a sweep of
/// every photo still pending (a server stopped between an upload and its copies leaves some),
/// then waits for the next upload.
pub struct Copier;

impl Copier {
    pub fn start(state: app::ssr::AppState) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                // Claimed, so that of several servers on the database one makes each photo's
                // copies; a batch takes seconds, the lease minutes.
                let pending = match state
                    .db
                    .claim_photo_copies(32, std::time::Duration::from_secs(300))
                    .await
                {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::warn!(error = %e.message, "cannot list pending photo copies");
                        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                        continue;
                    }
                };
                if pending.is_empty() {
                    // A notification sent while the sweep ran is kept as a permit: none is lost.
                    tokio::select! {
                        _ = state.photo_copies.notified() => {}
                        _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
                    }
                    continue;
                }
                for (i, sha) in pending.iter().enumerate() {
                    if let Err(e) = make_pending_copies(&state, sha).await {
                        // Storage is down: try again later rather than spin.
                        tracing::warn!(sha256 = %sha, error = %e.message, "photo copies not made yet");
                        if let Err(e) = state.db.release_photo_copy_claims(&pending[i..]).await {
                            tracing::warn!(error = %e.message, "photo copy claims kept until their lease ends");
                        }
                        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                        break;
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_of(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        }));
        jpeg(&img).unwrap()
    }

    #[test]
    fn sniffs_by_content_not_name() {
        assert_eq!(sniff(&jpeg_of(4, 4)), Some(ImageFormat::Jpeg));
        assert_eq!(sniff(b"hello, this is text"), None);
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(ImageFormat::WebP));
    }

    #[test]
    fn makes_display_and_thumbnail_within_bounds() {
        let out = ingest(&jpeg_of(2400, 1200), DecodeLimits::PUBLIC).unwrap();
        assert_eq!((out.width, out.height), (2400, 1200));
        let d = image::load_from_memory(&out.display_jpeg).unwrap();
        assert_eq!((d.width(), d.height()), (1600, 800));
        let t = image::load_from_memory(&out.thumb_jpeg).unwrap();
        assert!(t.width() <= THUMB_EDGE && t.height() <= THUMB_EDGE);
        assert!(read_exif(&out.display_jpeg) == ExifFacts::default());
    }

    #[test]
    fn the_check_refuses_what_the_copies_could_not_be_made_from() {
        let j = jpeg_of(300, 200);
        let c = check(&j).unwrap();
        assert_eq!((c.width, c.height), (300, 200));
        let copies = make_copies(&j).unwrap();
        assert!(image::load_from_memory(&copies.display_jpeg).is_ok());
        assert!(matches!(
            check(&j[..j.len() / 2]),
            Err(IngestError::Undecodable(_))
        ));
        assert_eq!(check(b"GIF89a....").unwrap_err(), IngestError::NotAnImage);
    }

    /// `jpeg` with an EXIF segment holding only an orientation tag, as a camera writes it.
    fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
        let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
        tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
        tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
        tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
        tiff.extend_from_slice(&1u32.to_be_bytes());
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // value padding, no next IFD
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn the_check_reports_the_size_of_the_photo_turned_upright() {
        // The receipt's size comes from the check; it must be what the copies will have.
        let j = jpeg_of(300, 200);
        for (orientation, upright) in [
            (1, (300, 200)),
            (3, (300, 200)),
            (6, (200, 300)),
            (8, (200, 300)),
        ] {
            let photo = with_orientation(&j, orientation);
            let c = check(&photo).unwrap();
            assert_eq!((c.width, c.height), upright, "orientation {orientation}");
            let i = ingest(&photo, DecodeLimits::PUBLIC).unwrap();
            assert_eq!((i.width, i.height), upright, "orientation {orientation}");
            let d = image::load_from_memory(&make_copies(&photo).unwrap().display_jpeg).unwrap();
            assert_eq!(
                (d.width(), d.height()),
                upright,
                "orientation {orientation}"
            );
        }
    }

    #[test]
    fn truncated_and_text_inputs_are_refused() {
        let j = jpeg_of(64, 64);
        assert!(matches!(
            ingest(&j[..j.len() / 3], DecodeLimits::PUBLIC),
            Err(IngestError::Undecodable(_))
        ));
        assert_eq!(
            ingest(b"not an image at all", DecodeLimits::PUBLIC).unwrap_err(),
            IngestError::NotAnImage
        );
    }

    fn png_of(w: u32, h: u32, sixteen_bit: bool) -> Vec<u8> {
        let img = if sixteen_bit {
            DynamicImage::ImageRgba16(image::ImageBuffer::new(w, h))
        } else {
            DynamicImage::ImageRgba8(image::ImageBuffer::new(w, h))
        };
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[tokio::test]
    async fn past_the_waiting_room_a_decode_is_refused_not_queued() {
        use std::sync::atomic::AtomicUsize;
        let slots: &'static tokio::sync::Semaphore =
            Box::leak(Box::new(tokio::sync::Semaphore::new(1)));
        let waiting: &'static AtomicUsize = Box::leak(Box::new(AtomicUsize::new(0)));
        let (hold, release) = std::sync::mpsc::channel::<()>();
        // One decode running, one waiting: a third is refused at once.
        let running = tokio::spawn(in_slot(slots, waiting, 1, move || {
            let _ = release.recv();
        }));
        while slots.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let queued = tokio::spawn(in_slot(slots, waiting, 1, || 2));
        while waiting.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let refused = in_slot(slots, waiting, 1, || 3).await.unwrap_err();
        assert_eq!(refused.error, app::error::ErrorCode::Unavailable);
        hold.send(()).unwrap();
        running.await.unwrap().unwrap();
        assert_eq!(queued.await.unwrap().unwrap(), 2);
        assert_eq!(waiting.load(std::sync::atomic::Ordering::SeqCst), 0);
    }

    #[test]
    fn deep_colour_and_oversized_public_photos_are_refused_from_the_header() {
        assert_eq!(
            check(&png_of(64, 64, true)).unwrap_err(),
            IngestError::DeepColour
        );
        assert!(check(&png_of(64, 64, false)).is_ok());
        // 25 MP: fine from an account, too many from the public.
        let big = png_of(5000, 5000, false);
        assert!(matches!(
            ingest(&big, DecodeLimits::PUBLIC),
            Err(IngestError::TooManyPixels {
                max: 24_000_000,
                ..
            })
        ));
        assert!(check(&big).is_ok());
    }
}
