//! Photo ingest: refuse what is not a photo or is too big, read the EXIF, apply the orientation,
//! and make a display copy and a thumbnail that carry no metadata. CPU-bound: call it from
//! `spawn_blocking`.

use std::io::Cursor;

pub use app::domain::exif::{read_exif, ExifFacts};
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
pub const DISPLAY_EDGE: u32 = 1600;
pub const THUMB_EDGE: u32 = 320;
pub const JPEG_QUALITY: u8 = 80;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum IngestError {
    #[error("this is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the image is {width}×{height} pixels, more than the {MAX_PIXELS} allowed")]
    TooManyPixels { width: u32, height: u32 },
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

pub fn ingest(bytes: &[u8]) -> Result<Ingested, IngestError> {
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
    let reader = || {
        let mut r = ImageReader::with_format(Cursor::new(bytes), format);
        let mut limits = Limits::default();
        limits.max_alloc = Some(MAX_DECODE_ALLOC);
        r.limits(limits);
        r
    };
    let (width, height) = reader()
        .into_dimensions()
        .map_err(|e| IngestError::Undecodable(e.to_string()))?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(IngestError::TooManyPixels { width, height });
    }
    let mut img = reader()
        .decode()
        .map_err(|e| IngestError::Undecodable(e.to_string()))?;
    let exif = read_exif(bytes);
    if let Some(o) = exif.orientation.and_then(Orientation::from_exif) {
        img.apply_orientation(o);
    }
    // `thumbnail` averages whole source pixels into each target pixel: for a downscale by less
    // than 2× it looks the same as a triangle filter and takes a fraction of the time.
    let display = if img.width().max(img.height()) > DISPLAY_EDGE {
        img.thumbnail(DISPLAY_EDGE, DISPLAY_EDGE)
    } else {
        img.clone()
    };
    let thumb = display.thumbnail(THUMB_EDGE, THUMB_EDGE);
    Ok(Ingested {
        width: img.width(),
        height: img.height(),
        exif,
        display_jpeg: jpeg(&display)?,
        thumb_jpeg: jpeg(&thumb)?,
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
    use app::error::AppError;
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
    if state
        .db
        .photo_exists(hash.as_str())
        .await
        .map_err(internal)?
    {
        state
            .db
            .add_photo_holder(hash.as_str(), uploaded_by)
            .await
            .map_err(internal)?;
        return Ok(false);
    }
    if sniff(&bytes).is_none() {
        return Err(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            IngestError::NotAnImage.to_string(),
        ));
    }
    let for_ingest = bytes.clone();
    let ingested = match tokio::task::spawn_blocking(move || ingest(&for_ingest)).await {
        Ok(Ok(i)) => i,
        Ok(Err(IngestError::NotAnImage)) => {
            return Err(refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                IngestError::NotAnImage.to_string(),
            ))
        }
        Ok(Err(e)) => return Err(refuse(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())),
        Err(_) => return Err(internal(AppError::internal())),
    };
    let size = bytes.len();
    if let Err(e) = state
        .media
        .put(
            hash.as_str(),
            bytes,
            ingested.display_jpeg,
            ingested.thumb_jpeg,
        )
        .await
    {
        state.media.delete(hash.as_str()).await;
        return Err(internal(e));
    }
    let row = app::store::field::NewPhoto {
        sha256: hash.as_str(),
        byte_size: size as i32,
        width: ingested.width as i32,
        height: ingested.height as i32,
        exif_lat: ingested.exif.lat,
        exif_lon: ingested.exif.lon,
        exif_taken_at: ingested.exif.taken_at,
        uploaded_by,
    };
    match state.db.insert_photo(&row).await {
        Ok(created) => Ok(created),
        Err(e) => {
            state.media.delete(hash.as_str()).await;
            Err(internal(e))
        }
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
        let out = ingest(&jpeg_of(2400, 1200)).unwrap();
        assert_eq!((out.width, out.height), (2400, 1200));
        let d = image::load_from_memory(&out.display_jpeg).unwrap();
        assert_eq!((d.width(), d.height()), (1600, 800));
        let t = image::load_from_memory(&out.thumb_jpeg).unwrap();
        assert!(t.width() <= THUMB_EDGE && t.height() <= THUMB_EDGE);
        assert!(read_exif(&out.display_jpeg) == ExifFacts::default());
    }

    #[test]
    fn truncated_and_text_inputs_are_refused() {
        let j = jpeg_of(64, 64);
        assert!(matches!(
            ingest(&j[..j.len() / 3]),
            Err(IngestError::Undecodable(_))
        ));
        assert_eq!(
            ingest(b"not an image at all").unwrap_err(),
            IngestError::NotAnImage
        );
    }
}
