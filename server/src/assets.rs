//! The build's files — the wasm, its JS module, wasm-bindgen's JS snippets, the CSS — under an
//! address that names the build: `/pkg/<build id>/jiandu.wasm`. The id is a digest of the files
//! themselves, so
//! - a page rendered by one build asks only for that build's files: it never hydrates with
//!   another build's wasm, and the service worker keeps an old build's files beside a new one's
//!   for the pages it still holds of the old;
//! - the files can be cached for a year as immutable: a new build is a new address.
//!
//! An address naming another build gets a 404, never this build's files.

use std::path::{Path, PathBuf};

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use tower::ServiceExt;

/// The build being served: its id and its files, relative to the site's pkg folder, with `/`.
#[derive(Clone, Debug)]
pub struct Build {
    pub id: String,
    pub files: Vec<String>,
    pkg: PathBuf,
    pkg_dir: String,
}

impl Build {
    /// Reads the build under `site_root/pkg_dir`. No folder yet (a test's router) is a build
    /// without files, with the id of nothing.
    pub fn read(site_root: &str, pkg_dir: &str) -> Build {
        use sha2::{Digest, Sha256};
        let pkg = Path::new(site_root).join(pkg_dir);
        // The build's own files, not the brotli and gzip copies `jiandu precompress` puts
        // beside them (the same bytes, served in their place).
        let found = crate::precompress::files_under(&pkg, |p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("wasm" | "js" | "css")
            )
        })
        .unwrap_or_default();
        let mut digest = Sha256::new();
        let mut files = Vec::new();
        for f in &found {
            let Ok(rel) = f.strip_prefix(&pkg) else {
                continue;
            };
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            digest.update(rel.as_bytes());
            digest.update([0]);
            digest.update(std::fs::read(f).unwrap_or_default());
            files.push(rel);
        }
        let id = digest
            .finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        Build {
            id,
            files,
            pkg,
            pkg_dir: pkg_dir.to_owned(),
        }
    }

    /// Where pages address the build's files: `pkg/<id>` (no leading slash, as Leptos' options
    /// name the pkg folder).
    pub fn pkg_path(&self) -> String {
        format!("{}/{}", self.pkg_dir, self.id)
    }

    /// Every file's address.
    pub fn urls(&self) -> Vec<String> {
        self.files
            .iter()
            .map(|f| format!("/{}/{f}", self.pkg_path()))
            .collect()
    }

    /// The addresses the service worker precaches: every file but the staff's wasm and its JS
    /// (`*-desk.*`), which only staff pages load, and staff get no worker.
    pub fn field_urls(&self) -> Vec<String> {
        self.urls()
            .into_iter()
            .filter(|u| !u.rsplit('/').next().is_some_and(|f| f.contains("-desk.")))
            .collect()
    }

    /// The service worker with this build's id and file addresses in front. Each build yields
    /// a different worker, which is how browsers learn of a new build; the list is every file
    /// the field islands' module imports, so they start offline.
    pub fn worker_script(&self) -> String {
        let urls = serde_json::to_string(&self.field_urls()).unwrap_or_else(|_| "[]".into());
        format!(
            "const BUILD = \"{}\";\nconst BUILD_FILES = {urls};\n{}",
            self.id,
            include_str!("../../public/sw.js")
        )
    }
}

/// `GET /pkg/{id}/{file}`: this build's file (its brotli or gzip copy where the browser takes
/// one), cacheable for a year; anything else under `/pkg` is a 404.
pub async fn serve(State(build): State<std::sync::Arc<Build>>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let rest = path
        .strip_prefix(&format!("/{}/", build.pkg_dir))
        .and_then(|r| r.strip_prefix(&build.id))
        .and_then(|r| r.strip_prefix('/'));
    let Some(rest) = rest.filter(|r| !r.is_empty()) else {
        let mut res = (StatusCode::NOT_FOUND, "not a file of this build").into_response();
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return res;
    };
    let (mut parts, body) = req.into_parts();
    let Ok(uri) = format!("/{rest}").parse::<Uri>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    parts.uri = uri;
    let files = tower_http::services::ServeDir::new(&build.pkg)
        .precompressed_br()
        .precompressed_gzip();
    let Ok(res) = files.oneshot(Request::from_parts(parts, body)).await;
    let mut res = res.map(Body::new);
    if res.status() == StatusCode::OK {
        // A debug build (`cargo leptos watch`) may rewrite a file without the server's id
        // changing: there, ask again each time.
        let cache = if cfg!(debug_assertions) {
            "no-cache"
        } else {
            "public, max-age=31536000, immutable"
        };
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::Build;

    #[test]
    fn the_build_is_its_files_and_only_those() {
        let root = std::env::temp_dir().join(format!("jiandu-build-{}", uuid::Uuid::now_v7()));
        let pkg = root.join("pkg");
        std::fs::create_dir_all(pkg.join("snippets/app-1a2b")).unwrap();
        for f in [
            "jiandu.js",
            "jiandu.wasm",
            "jiandu-desk.js",
            "jiandu-desk.wasm",
            "jiandu.css",
            "snippets/app-1a2b/inline0.js",
        ] {
            std::fs::write(pkg.join(f), f).unwrap();
            std::fs::write(pkg.join(format!("{f}.br")), "compressed copy").unwrap();
        }
        std::fs::write(pkg.join("notes.txt"), "not the build's").unwrap();
        let build = Build::read(root.to_str().unwrap(), "pkg");
        let id = build.id.clone();
        assert_eq!(id.len(), 16);
        assert_eq!(
            build.urls(),
            [
                format!("/pkg/{id}/jiandu-desk.js"),
                format!("/pkg/{id}/jiandu-desk.wasm"),
                format!("/pkg/{id}/jiandu.css"),
                format!("/pkg/{id}/jiandu.js"),
                format!("/pkg/{id}/jiandu.wasm"),
                format!("/pkg/{id}/snippets/app-1a2b/inline0.js"),
            ]
        );
        // The worker keeps what a phone loads: not the staff's wasm.
        let script = build.worker_script();
        assert!(script.starts_with(&format!("const BUILD = \"{id}\";\n")));
        let files = script.lines().nth(1).unwrap();
        assert!(
            !files.contains("desk") && files.contains("jiandu.wasm"),
            "{files}"
        );
        // A changed snippet is a new build: new addresses and a new worker.
        std::fs::write(pkg.join("snippets/app-1a2b/inline0.js"), "changed").unwrap();
        let after = Build::read(root.to_str().unwrap(), "pkg");
        assert_ne!(after.id, id);
        assert_ne!(after.worker_script(), script);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
