//! The built wasm, JavaScript and CSS compressed once, at their highest levels, beside the files
//! (`name.br`, `name.gz`), and served as such (`ServeDir::precompressed_*`). Compressing per
//! request, as the compression layer does for pages, uses a low brotli level to stay fast: the
//! wasm crossed the wire a quarter larger than brotli at level 11 makes it.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Files worth compressing: what the build writes and browsers fetch.
fn compressible(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("wasm" | "js" | "css" | "svg" | "json" | "webmanifest")
    )
}

/// `path` with `.ext` added to its name.
fn beside(path: &Path, ext: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

/// Whether `copy` is there and not older than `source`.
fn fresh(source: &Path, copy: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(source), modified(copy)), (Some(s), Some(c)) if c >= s)
}

/// Writes `bytes` to `path` through a temporary file and a rename, so a reader never sees half.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = beside(path, "tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

pub fn brotli(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() / 3);
    {
        // Quality 11, window 2^24: what `brotli -q 11` does with a large file.
        let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 24);
        w.write_all(bytes)?;
        w.flush()?;
    }
    Ok(out)
}

pub fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    w.write_all(bytes)?;
    w.finish()
}

/// The files under `dir` that `keep` takes, in its folders too (wasm-bindgen puts JS snippets
/// in `snippets/`), sorted.
pub fn files_under(dir: &Path, keep: impl Fn(&Path) -> bool) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry?;
        if entry.file_type().is_file() && keep(entry.path()) {
            out.push(entry.into_path());
        }
    }
    Ok(out)
}

/// Compresses every file under `dir` worth it whose copies are missing or older than it;
/// returns how many files it compressed. Safe to run again (and while the files are served).
pub fn precompress_dir(dir: &Path) -> std::io::Result<usize> {
    let mut done = 0;
    for f in files_under(dir, compressible)? {
        let (br, gz) = (beside(&f, "br"), beside(&f, "gz"));
        if fresh(&f, &br) && fresh(&f, &gz) {
            continue;
        }
        let bytes = std::fs::read(&f)?;
        write_whole(&br, &brotli(&bytes)?)?;
        write_whole(&gz, &gzip(&bytes)?)?;
        done += 1;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn copies_decode_to_the_file_and_are_made_again_only_when_it_changes() {
        let dir = std::env::temp_dir().join(format!("jiandu-pre-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let js = dir.join("app.js");
        let text = "function f(){return 42}\n".repeat(2000);
        std::fs::write(&js, &text).unwrap();
        std::fs::write(dir.join("photo.jpg"), b"not compressed").unwrap();
        std::fs::create_dir_all(dir.join("snippets/x")).unwrap();
        std::fs::write(dir.join("snippets/x/inline0.js"), "export const a = 1;").unwrap();
        assert_eq!(precompress_dir(&dir).unwrap(), 2);
        assert!(dir.join("snippets/x/inline0.js.br").exists());
        assert!(!dir.join("photo.jpg.br").exists());

        let mut plain = Vec::new();
        brotli::Decompressor::new(std::fs::File::open(dir.join("app.js.br")).unwrap(), 4096)
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, text.as_bytes());
        let mut plain = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(dir.join("app.js.gz")).unwrap())
            .read_to_string(&mut plain)
            .unwrap();
        assert_eq!(plain, text);
        assert!(std::fs::metadata(dir.join("app.js.br")).unwrap().len() < text.len() as u64 / 20);

        // Unchanged: nothing to do. Rebuilt: compressed again.
        assert_eq!(precompress_dir(&dir).unwrap(), 0);
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&js, "changed").unwrap();
        assert_eq!(precompress_dir(&dir).unwrap(), 1);
        let mut plain = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(dir.join("app.js.gz")).unwrap())
            .read_to_string(&mut plain)
            .unwrap();
        assert_eq!(plain, "changed");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
