//! What every island shares. Pages are rendered on the server only; an island (`#[island]`) is
//! the part of a page a person needs the browser for, rendered on the server too and then
//! hydrated from the props written beside it.
//!
//! - Islands take the reader's language as a prop and say their words with `td_string!`: the
//!   language changes only with a full page load, so the wasm carries the words its islands use
//!   and no reactive i18n runtime.
//! - The islands are built into three wasm bundles, so that a page loads only what it uses
//!   ([`Bundle`]): a page asks for the smallest one that carries all of its islands, and a page
//!   with no island loads none.

use leptos::prelude::*;

use crate::i18n::Locale;

/// The language an island renders in; provided by the island itself, for the components it
/// uses (which cannot reach the page's i18n context from the browser).
#[derive(Clone, Copy)]
struct IslandLocale(Locale);

/// A wasm bundle: which islands it carries is set by the `app` features it is built with (an
/// island left out is a plain component nothing calls, which the linker drops).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundle {
    /// My sites, the outbox, a site's map, keeping pages for offline (`field-islands`):
    /// `frontend`.
    Field,
    /// The capture form and the officer's answer form, which prepare photos on the phone
    /// (`camera-islands`): `frontend-camera`.
    Camera,
    /// Every island, the staff tools' too (the site editor, the cluster maps;
    /// `desk-islands`): `frontend-desk`. No phone loads it.
    Desk,
}

impl Bundle {
    /// Smallest first: a page takes the first that carries all of its islands.
    pub const ALL: [Bundle; 3] = [Bundle::Camera, Bundle::Field, Bundle::Desk];

    /// The name of its files (`jiandu-camera.wasm`). A debug build (`cargo leptos watch`) has
    /// one bundle with every island (`scripts/dev`).
    pub fn output_name(self, base: &str) -> String {
        match self {
            _ if cfg!(debug_assertions) => base.to_owned(),
            Bundle::Field => base.to_owned(),
            Bundle::Camera => format!("{base}-camera"),
            Bundle::Desk => format!("{base}-desk"),
        }
    }
}

/// Which bundles carry an island: the outbox link, on every page of a deputy or an officer.
pub const EVERY: &[Bundle] = &[Bundle::Field, Bundle::Camera, Bundle::Desk];
/// A field island's.
pub const FIELD: &[Bundle] = &[Bundle::Field, Bundle::Desk];
/// A camera island's.
pub const CAMERA: &[Bundle] = &[Bundle::Camera, Bundle::Desk];
/// A staff tool's.
pub const DESK: &[Bundle] = &[Bundle::Desk];

/// The first thing every island does: the language for its components, and (on the server) the
/// bundles that carry it, for its page's loader.
pub fn enter(locale: Locale, carried_by: &'static [Bundle]) {
    provide_context(IslandLocale(locale));
    #[cfg(feature = "ssr")]
    loader::ask(carried_by);
    #[cfg(not(feature = "ssr"))]
    let _ = carried_by;
}

/// The reader's language: an island's own inside one, the page's elsewhere (on the server).
pub fn locale() -> Locale {
    if let Some(IslandLocale(l)) = use_context::<IslandLocale>() {
        return l;
    }
    #[cfg(feature = "ssr")]
    {
        use_context::<leptos_i18n::I18nContext<Locale>>()
            .map(|i| i.get_locale_untracked())
            .unwrap_or(Locale::zh_CN)
    }
    #[cfg(not(feature = "ssr"))]
    Locale::zh_CN
}

// Label functions take either: a page's i18n context on the server, an island's locale anywhere.
impl From<leptos_i18n::I18nContext<Locale>> for Locale {
    fn from(i18n: leptos_i18n::I18nContext<Locale>) -> Locale {
        i18n.get_locale_untracked()
    }
}

/// True for Chinese: data carries both names and the English one may be missing.
pub fn zh(locale: Locale) -> bool {
    locale == Locale::zh_CN
}

#[cfg(feature = "ssr")]
pub mod loader {
    //! The island loader of a page: Leptos' own script, with the module and the wasm
    //! preloaded. Which bundle it loads is known only once every island of the page has
    //! rendered, and islands render in the order their resources resolve: each one narrows the
    //! page's choice and says it in a response header ([`HEADER`]), which the server turns into
    //! the loader in the page's head once the render is complete (`server/src/web.rs`).

    use std::sync::{Arc, Mutex, OnceLock};

    use leptos::prelude::*;

    use super::Bundle;

    /// The header that names the bundle a page's islands need (its files' output name); the
    /// server removes it and puts the loader into the page.
    pub const HEADER: &str = "x-jiandu-islands";

    /// The bundles that carry every island this page rendered so far. Provided by the shell
    /// for each page (never for a public one, which loads no wasm).
    #[derive(Clone)]
    pub struct PageLoader {
        output_name: Arc<str>,
        carriers: Arc<Mutex<Option<Vec<Bundle>>>>,
    }

    impl PageLoader {
        pub fn new(output_name: &str) -> Self {
            Self {
                output_name: output_name.into(),
                carriers: Default::default(),
            }
        }

        /// The bundle the page loads: the smallest that carries all its islands.
        pub fn choice(&self) -> Option<Bundle> {
            let carriers = self.carriers.lock().ok()?;
            let carriers = carriers.as_ref()?;
            Bundle::ALL.into_iter().find(|b| carriers.contains(b))
        }
    }

    /// An island of this page, carried by `bundles`.
    pub fn ask(bundles: &'static [Bundle]) {
        let Some(page) = use_context::<PageLoader>() else {
            return;
        };
        {
            let Ok(mut carriers) = page.carriers.lock() else {
                return;
            };
            let narrowed: Vec<Bundle> = match carriers.as_ref() {
                None => bundles.to_vec(),
                Some(c) => c.iter().copied().filter(|b| bundles.contains(b)).collect(),
            };
            if narrowed.is_empty() {
                // No bundle carries every island of this page: it keeps the loader it had, and
                // the islands of the other bundle stay plain HTML.
                tracing::error!(
                    ?carriers,
                    ?bundles,
                    "no wasm bundle carries every island of this page"
                );
                return;
            }
            *carriers = Some(narrowed);
        }
        let (Some(bundle), Some(res)) =
            (page.choice(), use_context::<leptos_axum::ResponseOptions>())
        else {
            return;
        };
        if let Ok(v) = axum::http::HeaderValue::from_str(&bundle.output_name(&page.output_name)) {
            res.insert_header(axum::http::HeaderName::from_static(HEADER), v);
        }
    }

    /// Leptos' island loader for one bundle of one build, as `HydrationScripts` writes it: the
    /// module's and the wasm's addresses (preloaded) and the script that imports them when the
    /// page is idle.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Loader {
        pub module: String,
        pub wasm: String,
        pub script: String,
    }

    /// Rendered once per build address and bundle, outside any page.
    pub fn loader_for(
        options: &LeptosOptions,
        pkg_path: &str,
        output_name: &str,
    ) -> Option<Loader> {
        static CACHE: OnceLock<Mutex<Vec<(String, Loader)>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        let key = format!("{pkg_path}/{output_name}");
        if let Some((_, l)) = cache.lock().ok()?.iter().find(|(k, _)| *k == key) {
            return Some(l.clone());
        }
        let mut options = options.clone();
        options.site_pkg_dir = pkg_path.into();
        options.output_name = output_name.into();
        let html = view! { <HydrationScripts options islands=true /> }.to_html();
        let loader = parse(&html)?;
        if let Ok(mut c) = cache.lock() {
            c.push((key, loader.clone()));
        }
        Some(loader)
    }

    /// The loader's tags for a page's head: the preloads and the module script with the page's
    /// nonce. The wasm is preloaded at low priority: on a weak network the page's own HTML and
    /// stylesheet come first (a person reads the page before touching an island), and the wasm
    /// still starts before the module asks for it.
    pub fn loader_html(
        options: &LeptosOptions,
        pkg_path: &str,
        output_name: &str,
        nonce: &str,
    ) -> Option<String> {
        let l = loader_for(options, pkg_path, output_name)?;
        let attr = |s: &str| s.replace('&', "&amp;").replace('"', "&quot;");
        Some(format!(
            "<link rel=\"modulepreload\" href=\"{}\" crossorigin=\"anonymous\">\
             <link rel=\"preload\" href=\"{}\" as=\"fetch\" type=\"application/wasm\" crossorigin=\"anonymous\" fetchpriority=\"low\">\
             <script type=\"module\" nonce=\"{}\">{}</script>",
            attr(&l.module),
            attr(&l.wasm),
            attr(nonce),
            l.script
        ))
    }

    /// The two preload addresses and the module script's text from `HydrationScripts`' HTML.
    fn parse(html: &str) -> Option<Loader> {
        let hrefs: Vec<&str> = html
            .match_indices("href=\"")
            .filter_map(|(i, m)| {
                let rest = &html[i + m.len()..];
                rest.find('"').map(|end| &rest[..end])
            })
            .collect();
        let module = hrefs.iter().find(|h| h.ends_with(".js"))?.to_string();
        let wasm = hrefs.iter().find(|h| h.ends_with(".wasm"))?.to_string();
        let open = html.find("<script")?;
        let start = open + html[open..].find('>')? + 1;
        let end = start + html[start..].find("</script>")?;
        Some(Loader {
            module,
            wasm,
            script: html[start..end].to_owned(),
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_loader_imports_this_builds_files_and_hydrates_islands() {
            let options = LeptosOptions::builder().output_name("jiandu").build();
            let l = loader_for(&options, "pkg/abc123", "jiandu").expect("a loader");
            assert!(l.module.starts_with("/pkg/abc123/jiandu"), "{l:?}");
            assert!(l.module.ends_with(".js"), "{l:?}");
            assert!(l.wasm.starts_with("/pkg/abc123/jiandu"), "{l:?}");
            assert!(l.script.contains("leptos-island"), "{}", l.script);
            assert!(l.script.contains("\"pkg/abc123\""), "{}", l.script);
            assert!(!l.script.contains("</script"), "{}", l.script);
            // Another build, another address; another bundle, other files.
            let other = loader_for(&options, "pkg/def456", "jiandu").expect("a loader");
            assert!(other.module.starts_with("/pkg/def456/"));
            let camera = loader_for(&options, "pkg/abc123", "jiandu-camera").expect("a loader");
            assert!(
                camera.module.starts_with("/pkg/abc123/jiandu-camera"),
                "{camera:?}"
            );
            assert!(
                camera.script.contains("\"jiandu-camera\""),
                "{}",
                camera.script
            );
            let html = loader_html(&options, "pkg/abc123", "jiandu", "n0nce").unwrap();
            assert!(
                html.contains("<script type=\"module\" nonce=\"n0nce\">"),
                "{html}"
            );
            assert!(
                html.contains(
                    "type=\"application/wasm\" crossorigin=\"anonymous\" fetchpriority=\"low\">"
                ),
                "{html}"
            );
        }

        #[test]
        fn a_page_takes_the_smallest_bundle_that_carries_all_its_islands() {
            use super::super::{CAMERA, DESK, EVERY, FIELD};
            let choose = |islands: &[&'static [Bundle]]| {
                let page = PageLoader::new("jiandu");
                let owner = Owner::new();
                owner.with(|| {
                    provide_context(page.clone());
                    for i in islands {
                        ask(i);
                    }
                });
                page.choice()
            };
            assert_eq!(choose(&[]), None);
            assert_eq!(choose(&[EVERY]), Some(Bundle::Camera));
            assert_eq!(choose(&[EVERY, FIELD]), Some(Bundle::Field));
            assert_eq!(choose(&[FIELD, EVERY]), Some(Bundle::Field));
            assert_eq!(choose(&[EVERY, CAMERA]), Some(Bundle::Camera));
            assert_eq!(choose(&[DESK, FIELD]), Some(Bundle::Desk));
            assert_eq!(choose(&[FIELD, CAMERA]), Some(Bundle::Desk));
            if !cfg!(debug_assertions) {
                assert_eq!(Bundle::Camera.output_name("jiandu"), "jiandu-camera");
            }
        }
    }
}
