//! Photo files, behind `object_store`: a local folder by default, or an S3-compatible bucket
//! (`JIANDU_MEDIA_URL=s3://bucket/prefix`). Originals stay private; the display copy and
//! thumbnail are re-encoded without metadata, in the background for uploads from accounts.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use object_store::{local::LocalFileSystem, path::Path, ObjectStore, PutPayload};

use crate::error::AppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Original,
    Display,
    Thumb,
}

impl Variant {
    fn dir(self) -> &'static str {
        match self {
            Variant::Original => "originals",
            Variant::Display => "display",
            Variant::Thumb => "thumbs",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "display" => Some(Variant::Display),
            "thumb" => Some(Variant::Thumb),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
    /// Set for the local backend, whose files we fsync ourselves before the database commit.
    local_root: Option<PathBuf>,
}

/// The store being down is not the phone's fault: 503, and the phone keeps the photo and sends
/// it again later.
fn storage_error(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "photo storage failed");
    AppError::new(
        crate::error::ErrorCode::Unavailable,
        "photo storage is unavailable; nothing was stored, please send again later",
    )
}

impl MediaStore {
    pub fn local(root: &FsPath) -> std::io::Result<Self> {
        std::fs::create_dir_all(root)?;
        let root = root.canonicalize()?;
        let store = LocalFileSystem::new_with_prefix(&root).map_err(std::io::Error::other)?;
        Ok(Self {
            store: Arc::new(store),
            local_root: Some(root),
        })
    }

    /// An S3-compatible bucket, `s3://bucket` or `s3://bucket/prefix`, with credentials, region
    /// and endpoint from the usual `AWS_*` variables (`AWS_ENDPOINT` and `AWS_ALLOW_HTTP` for a
    /// MinIO or Ceph of one's own).
    pub fn s3(url: &str) -> Result<Self, String> {
        Self::s3_with(url, object_store::aws::AmazonS3Builder::from_env())
    }

    /// As [`MediaStore::s3`], with the connection settings given rather than read from the
    /// environment.
    pub fn s3_with(url: &str, builder: object_store::aws::AmazonS3Builder) -> Result<Self, String> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| format!("{url:?} is not an s3://bucket/prefix address"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("{url:?} names no bucket"));
        }
        // A phone waits on this upload: a few quick retries, then a 503 it will retry itself,
        // rather than object_store's default of ten retries over up to three minutes.
        let retry = object_store::RetryConfig {
            max_retries: 3,
            retry_timeout: std::time::Duration::from_secs(10),
            ..Default::default()
        };
        let store = builder
            .with_bucket_name(bucket)
            .with_retry(retry)
            .build()
            .map_err(|e| format!("cannot use {url}: {e}"))?;
        let prefix = prefix.trim_matches('/');
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(store)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(store, prefix))
        };
        Ok(Self {
            store,
            // An S3 PUT answers only once the object is stored durably.
            local_root: None,
        })
    }

    fn key(variant: Variant, sha256: &str) -> Path {
        let shard = sha256.get(..2).unwrap_or("00");
        Path::from(format!("{}/{shard}/{sha256}.jpg", variant.dir()))
    }

    /// Writes the three files of a photo and makes them durable before returning.
    pub async fn put(
        &self,
        sha256: &str,
        original: Bytes,
        display: Vec<u8>,
        thumb: Vec<u8>,
    ) -> Result<(), AppError> {
        self.put_original(sha256, original).await?;
        self.put_copies(sha256, display, thumb).await
    }

    /// Writes the original and makes it durable before returning (before the database row that
    /// acknowledges it commits).
    pub async fn put_original(&self, sha256: &str, original: Bytes) -> Result<(), AppError> {
        self.write(sha256, &[(Variant::Original, original)]).await
    }

    /// Writes the display copy and thumbnail and makes them durable.
    pub async fn put_copies(
        &self,
        sha256: &str,
        display: Vec<u8>,
        thumb: Vec<u8>,
    ) -> Result<(), AppError> {
        self.write(
            sha256,
            &[
                (Variant::Display, Bytes::from(display)),
                (Variant::Thumb, Bytes::from(thumb)),
            ],
        )
        .await
    }

    async fn write(&self, sha256: &str, files: &[(Variant, Bytes)]) -> Result<(), AppError> {
        for (variant, bytes) in files {
            self.store
                .put(
                    &Self::key(*variant, sha256),
                    PutPayload::from_bytes(bytes.clone()),
                )
                .await
                .map_err(storage_error)?;
        }
        if let Some(root) = self.local_root.clone() {
            let sha = sha256.to_owned();
            let dirs: Vec<&'static str> = files.iter().map(|(v, _)| v.dir()).collect();
            tokio::task::spawn_blocking(move || fsync_files(&root, &sha, &dirs))
                .await
                .map_err(storage_error)?
                .map_err(storage_error)?;
        }
        Ok(())
    }

    /// Whether the store answers: a local folder that is still there, a bucket that answers a
    /// read (of a key that need not exist).
    pub async fn ready(&self) -> Result<(), AppError> {
        if let Some(root) = &self.local_root {
            return match tokio::fs::metadata(root).await {
                Ok(m) if m.is_dir() => Ok(()),
                Ok(_) => Err(storage_error(format!("{} is not a folder", root.display()))),
                Err(e) => Err(storage_error(e)),
            };
        }
        self.get(Variant::Thumb, &"0".repeat(64)).await.map(|_| ())
    }

    pub async fn get(&self, variant: Variant, sha256: &str) -> Result<Option<Bytes>, AppError> {
        match self.store.get(&Self::key(variant, sha256)).await {
            Ok(r) => Ok(Some(r.bytes().await.map_err(storage_error)?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(storage_error(e)),
        }
    }

    /// Every file in the store, as its key (`originals/ab/ab….jpg`) and size, for a backup.
    pub async fn keys(&self) -> Result<Vec<(String, u64)>, AppError> {
        use futures::TryStreamExt;
        let mut keys: Vec<(String, u64)> = self
            .store
            .list(None)
            .map_ok(|m| (m.location.to_string(), m.size))
            .try_collect()
            .await
            .map_err(storage_error)?;
        keys.sort();
        Ok(keys)
    }

    /// A file by its key, as [`MediaStore::keys`] names it.
    pub async fn get_key(&self, key: &str) -> Result<Bytes, AppError> {
        let (variant, sha) = parse_key(key).ok_or_else(|| not_a_photo_key(key))?;
        self.get(variant, &sha)
            .await?
            .ok_or_else(|| AppError::not_found("photo"))
    }

    /// Puts a file back under its key (a restore), durable before returning. Only the store's
    /// own keys are taken, and an original only if its bytes hash to its name: a damaged
    /// backup is refused file by file rather than restored as a wrong photo.
    pub async fn put_key(&self, key: &str, bytes: Bytes) -> Result<(), AppError> {
        let (variant, sha) = parse_key(key).ok_or_else(|| not_a_photo_key(key))?;
        if variant == Variant::Original {
            use sha2::{Digest, Sha256};
            if crate::domain::record::hex(&Sha256::digest(&bytes)) != sha {
                return Err(AppError::invalid(
                    "photo",
                    format!("{key} does not hash to its name: the backup is damaged"),
                ));
            }
        }
        self.write(&sha, &[(variant, bytes)]).await
    }

    /// Removes a photo's files (after its database row failed to commit).
    pub async fn delete(&self, sha256: &str) {
        for v in [Variant::Original, Variant::Display, Variant::Thumb] {
            let _ = self.store.delete(&Self::key(v, sha256)).await;
        }
    }
}

/// `originals/ab/ab….jpg` (or `display/`, `thumbs/`) as the variant and the hash, when it is
/// one of the store's own keys.
pub fn parse_key(key: &str) -> Option<(Variant, String)> {
    let mut parts = key.split('/');
    let variant = match parts.next()? {
        "originals" => Variant::Original,
        "display" => Variant::Display,
        "thumbs" => Variant::Thumb,
        _ => return None,
    };
    let shard = parts.next()?;
    let sha = parts.next()?.strip_suffix(".jpg")?;
    let hash = crate::domain::PhotoHash::parse(sha)?;
    (parts.next().is_none() && hash.as_str().get(..2) == Some(shard))
        .then(|| (variant, hash.as_str().to_owned()))
}

fn not_a_photo_key(key: &str) -> AppError {
    AppError::invalid(
        "photo",
        format!(
            "{key} is not a photo file of this store (originals|display|thumbs/ab/<sha256>.jpg)"
        ),
    )
}

fn fsync_files(root: &FsPath, sha256: &str, dirs: &[&str]) -> std::io::Result<()> {
    let shard = sha256.get(..2).unwrap_or("00");
    for dir in dirs {
        let folder = root.join(dir).join(shard);
        std::fs::File::open(folder.join(format!("{sha256}.jpg")))?.sync_all()?;
        // The rename that created the file is durable only once its folder is synced.
        std::fs::File::open(&folder)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_stores_own_keys_are_taken_back() {
        let sha = "ab".to_owned() + &"0".repeat(62);
        assert_eq!(
            parse_key(&format!("originals/ab/{sha}.jpg")),
            Some((Variant::Original, sha.clone()))
        );
        assert_eq!(
            parse_key(&format!("thumbs/ab/{sha}.jpg")),
            Some((Variant::Thumb, sha.clone()))
        );
        for bad in [
            format!("originals/cd/{sha}.jpg"),
            format!("originals/ab/{sha}.png"),
            format!("originals/ab/{sha}.jpg/x"),
            format!("other/ab/{sha}.jpg"),
            format!("originals/ab/../{sha}.jpg"),
            "originals/ab/short.jpg".to_owned(),
            format!("originals/{sha}.jpg"),
        ] {
            assert_eq!(parse_key(&bad), None, "{bad}");
        }
    }
}
