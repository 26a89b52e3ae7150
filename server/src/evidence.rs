//! A form with text and evidence photos, as an officer sends it (an answer to an item, a
//! progress report): read whole within the route's limit, every text field bounded, the photos
//! counted, and nothing stored until the caller has checked the text. The endpoints decide who
//! may post and what the text means; this is only how such a body is taken in.

use std::collections::HashMap;

use app::{
    domain::PhotoHash,
    error::{AppError, ErrorCode},
    ssr::AppState,
};
use axum::{
    extract::{FromRequest, Multipart, Request},
    http::{header, HeaderMap, StatusCode},
};
use bytes::Bytes;

use crate::media::{self, MAX_UPLOAD_BYTES};

/// The shape of one endpoint's form.
pub(crate) struct EvidenceSpec<'a> {
    /// The text fields taken: the name in the form, and the field an error about it names (the
    /// page's hint for it).
    pub texts: &'a [(&'a str, &'a str)],
    /// A text field's largest body, in bytes.
    pub max_text_bytes: usize,
    /// The field errors about photos name.
    pub photos_field: &'a str,
    pub max_photos: usize,
}

impl EvidenceSpec<'_> {
    /// The largest body the form can be: every photo at the upload limit, and its text.
    pub const fn max_body(max_photos: usize) -> usize {
        max_photos * MAX_UPLOAD_BYTES + 64 * 1024
    }

    pub fn too_large(&self) -> AppError {
        let mut e = AppError::new(
            ErrorCode::TooLarge,
            format!(
                "send at most {} photos of at most {} MB each",
                self.max_photos,
                MAX_UPLOAD_BYTES / (1024 * 1024)
            ),
        );
        e.details = Some(serde_json::json!({ "field": self.photos_field }));
        e
    }

    /// Whether the declared length alone is over the limit, so the body need not be read.
    pub fn declared_too_large(&self, headers: &HeaderMap) -> bool {
        headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|n| n > Self::max_body(self.max_photos))
    }
}

/// The form as sent: each text field (absent ones are empty), and the photos in their order.
pub(crate) struct EvidenceForm {
    texts: HashMap<String, String>,
    pub photos: Vec<Bytes>,
}

impl EvidenceForm {
    pub fn text(&self, name: &str) -> &str {
        self.texts.get(name).map(String::as_str).unwrap_or_default()
    }
}

/// Why a body was not taken: the status and the error to answer with.
pub(crate) type Refused = (StatusCode, AppError);

pub(crate) async fn read(
    req: Request,
    state: &AppState,
    spec: &EvidenceSpec<'_>,
) -> Result<EvidenceForm, Refused> {
    let mut mp = Multipart::from_request(req, state).await.map_err(|e| {
        // Not one field's fault: no field, so no field's hint is shown for it.
        let e = AppError::new(
            ErrorCode::Invalid,
            format!("send the form as multipart/form-data: {}", e.body_text()),
        );
        (StatusCode::BAD_REQUEST, e)
    })?;
    let broken = |e: axum::extract::multipart::MultipartError| {
        let e = crate::multipart_error(&e, spec.photos_field, &spec.too_large().message);
        let status = match e.error {
            ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        };
        (status, e)
    };
    let mut form = EvidenceForm {
        texts: HashMap::new(),
        photos: Vec::new(),
    };
    while let Some(field) = mp.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_owned();
        let has_file = field.file_name().is_some_and(|n| !n.is_empty());
        let bytes = field.bytes().await.map_err(broken)?;
        if let Some((_, error_field)) = spec.texts.iter().find(|(n, _)| *n == name) {
            if bytes.len() > spec.max_text_bytes {
                let e = AppError::invalid(error_field, "this text is far too long");
                return Err((StatusCode::UNPROCESSABLE_ENTITY, e));
            }
            let Ok(text) = String::from_utf8(bytes.to_vec()) else {
                let e = AppError::invalid(error_field, "this text is not valid UTF-8");
                return Err((StatusCode::UNPROCESSABLE_ENTITY, e));
            };
            form.texts.insert(name, text);
        } else if name == "photos" && has_file && !bytes.is_empty() {
            // An empty file input still sends a part with no name and no bytes.
            if bytes.len() > MAX_UPLOAD_BYTES || form.photos.len() == spec.max_photos {
                return Err((StatusCode::PAYLOAD_TOO_LARGE, spec.too_large()));
            }
            form.photos.push(bytes);
        }
    }
    Ok(form)
}

/// Stores the photos through the same ingest as deputies' photos, and gives their hashes, each
/// once, in the order sent. Called only once the text has been accepted, so a refused form
/// leaves no photo behind.
pub(crate) async fn store(
    state: &AppState,
    photos: Vec<Bytes>,
    by: uuid::Uuid,
) -> Result<Vec<String>, Refused> {
    let mut hashes = Vec::with_capacity(photos.len());
    for bytes in photos {
        let hash = PhotoHash::of(&bytes);
        media::store_account_photo(state, &hash, bytes, by)
            .await
            .map_err(|r| (r.status, r.error))?;
        let sha = hash.as_str().to_owned();
        if !hashes.contains(&sha) {
            hashes.push(sha);
        }
    }
    Ok(hashes)
}
