//! The photo store's half of a backup (`jiandu photos-export DIR`, `jiandu photos-import DIR`;
//! `scripts/backup` and `scripts/restore` add the database with `pg_dump` / `pg_restore`). Every
//! file of the store, local folder or S3 bucket, is copied to a plain folder under its own key
//! and back, so a backup taken from one backend restores into the other. Originals are checked
//! against their names both ways: a damaged file is named, never restored as a wrong photo.

use std::path::{Path, PathBuf};

use anyhow::Context;
use app::store::media::MediaStore;
use futures::{StreamExt, TryStreamExt};

/// Files copied at once: the store may be a bucket across a network.
const AT_ONCE: usize = 16;

/// What a copy did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Copied {
    pub files: u64,
    pub bytes: u64,
}

impl Copied {
    fn add(self, bytes: u64) -> Self {
        Copied {
            files: self.files + 1,
            bytes: self.bytes + bytes,
        }
    }
}

/// Writes every file of the store under `dir`, by its key, and returns what was written. A file
/// already in `dir` with the same size is kept (an interrupted export can be run again).
pub async fn export(media: &MediaStore, dir: &Path) -> anyhow::Result<Copied> {
    let keys = media
        .keys()
        .await
        .map_err(|e| anyhow::anyhow!("cannot list the photo store: {}", e.message))?;
    futures::stream::iter(keys)
        .map(|(key, size)| async move {
            let path = dir.join(&key);
            if tokio::fs::metadata(&path)
                .await
                .is_ok_and(|m| m.len() == size)
            {
                return Ok::<_, anyhow::Error>(size);
            }
            let bytes = media
                .get_key(&key)
                .await
                .map_err(|e| anyhow::anyhow!("{key}: {}", e.message))?;
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            // Written beside and renamed, so a file in the folder is always whole.
            let part = path.with_extension("jpg.part");
            tokio::fs::write(&part, &bytes)
                .await
                .with_context(|| format!("cannot write {}", part.display()))?;
            tokio::fs::rename(&part, &path).await?;
            Ok(bytes.len() as u64)
        })
        .buffer_unordered(AT_ONCE)
        .try_fold(Copied::default(), |c, n| async move { Ok(c.add(n)) })
        .await
}

/// Every file under `dir`, as its key (the path below `dir`, with `/`).
fn files_below(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in
            std::fs::read_dir(&d).with_context(|| format!("cannot read {}", d.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "part") {
                // Left by an export that was cut short; the whole file is beside it or not yet.
                continue;
            } else {
                let key = path
                    .strip_prefix(dir)?
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((key, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Puts every file under `dir` into the store under its key. Anything that is not one of the
/// store's own files, or an original that does not hash to its name, stops the import with its
/// name (files put before it stay: putting them again is harmless).
pub async fn import(media: &MediaStore, dir: &Path) -> anyhow::Result<Copied> {
    let files = files_below(dir)?;
    futures::stream::iter(files)
        .map(|(key, path)| async move {
            let bytes = tokio::fs::read(&path)
                .await
                .with_context(|| format!("cannot read {}", path.display()))?;
            let n = bytes.len() as u64;
            media
                .put_key(&key, bytes.into())
                .await
                .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message))?;
            Ok::<_, anyhow::Error>(n)
        })
        .buffer_unordered(AT_ONCE)
        .try_fold(Copied::default(), |c, n| async move { Ok(c.add(n)) })
        .await
}
