//! What every island shares. Pages are rendered on the server only; an island (`#[island]`) is
//! the part of a page a person needs the browser for, rendered on the server too and then
//! hydrated from the props written beside it.
//!
//! - Islands take the reader's language as a prop and say their words with `td_string!`: the
//!   language changes only with a full page load, so the wasm carries the words its islands use
//!   and no reactive i18n runtime.
//! - The first island a page renders asks for the loader (the module script and its preloads)
//!   in the page's head, so a page without one loads no wasm at all.

use leptos::prelude::*;

use crate::i18n::Locale;

/// The language an island renders in; provided by the island itself, for the components it
/// uses (which cannot reach the page's i18n context from the browser).
#[derive(Clone, Copy)]
struct IslandLocale(Locale);

/// The first thing every island does: the language for its components, and (on the server) the
/// loader for its page.
pub fn enter(locale: Locale) {
    provide_context(IslandLocale(locale));
    #[cfg(feature = "ssr")]
    loader::ask();
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
    //! The island loader in a page's head, put there by the page's first island. The head is
    //! written before the body, so the loader goes in through leptos_meta, which fills the head
    //! once the (async, complete) body has been rendered.

    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, OnceLock};

    use leptos::prelude::*;

    /// Where the build's files are served and whether this page asked for the loader yet.
    /// Provided by the shell for each page.
    #[derive(Clone)]
    pub struct PageLoader {
        pkg_path: Arc<str>,
        options: LeptosOptions,
        asked: Arc<AtomicBool>,
    }

    impl PageLoader {
        /// `pkg_path`: the build's files as this page addresses them (`pkg/<build id>`).
        pub fn new(options: LeptosOptions, pkg_path: &str) -> Self {
            Self {
                pkg_path: pkg_path.into(),
                options,
                asked: Default::default(),
            }
        }

        pub fn asked(&self) -> bool {
            self.asked.load(Ordering::Relaxed)
        }
    }

    /// Leptos' island loader for this build, as `HydrationScripts` writes it: the module's and
    /// the wasm's addresses (preloaded) and the script that imports them when the page is idle.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Loader {
        pub module: String,
        pub wasm: String,
        pub script: String,
    }

    /// Rendered once per build address. `HydrationScripts` also switches the render it runs in
    /// out of hydration, which inside an island would be wrong: that is put back. (Not in a root
    /// owner of its own: on the server that would replace the request's arena, and the rest of
    /// the render would find none.)
    pub fn loader_for(options: &LeptosOptions, pkg_path: &str) -> Option<Loader> {
        static CACHE: OnceLock<std::sync::Mutex<Vec<(String, Loader)>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        if let Some((_, l)) = cache
            .lock()
            .ok()?
            .iter()
            .find(|(p, _)| p.as_str() == pkg_path)
        {
            return Some(l.clone());
        }
        let mut options = options.clone();
        options.site_pkg_dir = pkg_path.into();
        let context = Owner::current_shared_context();
        let hydrating = context.as_ref().map(|c| c.get_is_hydrating());
        let html = view! { <HydrationScripts options islands=true /> }.to_html();
        if let (Some(c), Some(h)) = (context, hydrating) {
            c.set_is_hydrating(h);
        }
        let loader = parse(&html)?;
        if let Ok(mut c) = cache.lock() {
            c.push((pkg_path.to_owned(), loader.clone()));
        }
        Some(loader)
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

    /// Puts the loader into this page's head, once.
    pub fn ask() {
        let Some(page) = use_context::<PageLoader>() else {
            return;
        };
        if page.asked.swap(true, Ordering::Relaxed) {
            return;
        }
        let Some(l) = loader_for(&page.options, &page.pkg_path) else {
            tracing::error!("the island loader could not be read from HydrationScripts");
            return;
        };
        let nonce = leptos::nonce::use_nonce()
            .map(|n| n.to_string())
            .unwrap_or_default();
        // leptos_meta registers these for the head and renders nothing here.
        let _ = view! {
            <leptos_meta::Link rel="modulepreload" href=l.module crossorigin="anonymous" />
            <leptos_meta::Link rel="preload" href=l.wasm as_="fetch" type_="application/wasm" crossorigin="anonymous" />
            <leptos_meta::Script type_="module" nonce=nonce>{l.script}</leptos_meta::Script>
        }
        .to_html();
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_loader_imports_this_builds_files_and_hydrates_islands() {
            let options = LeptosOptions::builder().output_name("jiandu").build();
            let l = loader_for(&options, "pkg/abc123").expect("a loader");
            assert!(l.module.starts_with("/pkg/abc123/jiandu"), "{l:?}");
            assert!(l.module.ends_with(".js"), "{l:?}");
            assert!(l.wasm.starts_with("/pkg/abc123/jiandu"), "{l:?}");
            assert!(l.script.contains("leptos-island"), "{}", l.script);
            assert!(l.script.contains("\"pkg/abc123\""), "{}", l.script);
            assert!(!l.script.contains("</script"), "{}", l.script);
            // Another build, another address.
            let other = loader_for(&options, "pkg/def456").expect("a loader");
            assert!(other.module.starts_with("/pkg/def456/"));
        }
    }
}
