use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::admin::UsersPage;
use crate::auth::pages::LoginPage;
use crate::capture::{mine::MyObservationsPage, CapturePage};
use crate::cases::pages::CasesPage;
use crate::catalogue::pages::{
    MySitesPage, MyUnitPage, ProjectPage, ProjectsPage, SitePage, SubItemPage,
};
use crate::home::HomePage;
use crate::i18n::*;
use crate::items::dashboard::DashboardPage;
use crate::items::imports::ImportPage;
use crate::items::notifications::NotificationsPage;
use crate::items::pages::{ItemPage, ItemsPage, ReviewQueuePage};
use crate::outbox::page::OutboxPage;
use crate::public::pages::{PublicSitePage, ThanksPage};
use crate::public::staff_pages::{ModerationPage, PostersPage, SatisfactionPage};
use crate::staff::GroupsPage;
use crate::ui::{page, provide_session, Layout, SyncHydrate};

/// The cookie the language switch writes; leptos_i18n reads it on the server and in the browser.
pub const LANG_COOKIE: &str = "i18n_pref_locale";

pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The public's pages (QR code → site) ship no wasm: they must open fast on a weak network
    // and work completely as HTML.
    #[cfg(feature = "ssr")]
    let public = use_context::<axum::http::request::Parts>()
        .is_some_and(|p| crate::public::pages::is_public_path(p.uri.path()));
    #[cfg(not(feature = "ssr"))]
    let public = false;
    #[cfg(feature = "ssr")]
    crate::ssr::set_page_policy();
    // Pages are rendered on the server only; islands hydrate, each from its own props. Outside
    // them nothing is hydrated, so no resource's data goes into the page.
    if let Some(sc) = Owner::current_shared_context() {
        sc.set_is_hydrating(false);
    }
    // The page's first island asks for the loader (`ui::island`); a public page never loads one.
    #[cfg(feature = "ssr")]
    if !public {
        provide_context(crate::ui::island::loader::PageLoader::new(
            &options.output_name,
        ));
    }
    let reload = (!public).then(|| view! { <AutoReload options /> });
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                {reload}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Chinese unless the person chose English: the browser's Accept-Language is not consulted,
    // since deputies' phones are often set to English while the work is in Chinese.
    let no_header = leptos_i18n::context::UseLocalesOptions::default()
        .ssr_lang_header_getter(|| None::<String>);
    view! {
        <I18nContextProvider cookie_name=LANG_COOKIE ssr_lang_header_getter=no_header>
            <Head />
            <Shell />
        </I18nContextProvider>
    }
}

#[component]
fn Head() -> impl IntoView {
    let i18n = use_i18n();
    // A plain string, read once: the language changes only with a full page load, and the
    // server reads the title after the render, when the page's signals may already be disposed
    // (a closure here panicked so on 8 requests of one browser-test run).
    let title = format!(
        "{} · {}",
        t_string!(i18n, app.name),
        t_string!(i18n, app.tagline)
    );
    view! {
        <Stylesheet id="leptos" href=stylesheet() />
        <Link rel="manifest" href="/manifest.webmanifest" />
        <Link rel="icon" href="/icon.svg" type_="image/svg+xml" />
        <Meta name="theme-color" content="#b3261e" />
        <Title text=title />
    }
}

/// This build's stylesheet, at the address that names the build.
fn stylesheet() -> String {
    #[cfg(feature = "ssr")]
    let (pkg, name) = (
        crate::ssr::pkg_path(),
        use_context::<crate::ssr::AppState>()
            .map(|s| s.leptos_options.output_name.to_string())
            .unwrap_or_else(|| "jiandu".into()),
    );
    #[cfg(not(feature = "ssr"))]
    let (pkg, name) = ("pkg", "jiandu");
    format!("/{pkg}/{name}.css")
}

/// Shown by the service worker when a page is not in its cache and the network is cut.
#[component]
fn OfflinePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{t!(i18n, offline.title)}</h1>
        <OfflineNote text=t_string!(i18n, offline.body).to_owned() />
        <p><a href="/outbox" rel="external">{t!(i18n, nav.outbox)}</a></p>
    }
}

/// The offline page's note, marked once the wasm has taken the page (effects run only in the
/// browser): the browser test's proof that the page the worker kept comes to life offline.
#[cfg_attr(feature = "field-islands", island)]
#[cfg_attr(not(feature = "field-islands"), component)]
fn OfflineNote(text: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::ui::island::loader::ask(crate::ui::island::FIELD);
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    view! { <p id="offline-page" data-ready=move || ready.get().then_some("1")>{text}</p> }
}

#[component]
fn Shell() -> impl IntoView {
    let i18n = use_i18n();
    provide_session();
    // Async rendering: every page arrives complete (no-JS readers and slow phones get finished
    // HTML), and a server function's 401/403/404 becomes the page's HTTP status.
    let ssr = SsrMode::Async;
    view! {
        <Router>
            <Layout>
                <Routes fallback=move || {
                    SyncHydrate(
                        view! {
                            <h1>{t!(i18n, errors.page_not_found)}</h1>
                            <a href="/">{t!(i18n, errors.back_home)}</a>
                        },
                    )
                }>
                    <Route path=path!("/") view=page(HomePage) ssr=ssr.clone() />
                    <Route path=path!("/login") view=page(LoginPage) ssr=ssr.clone() />
                    <Route path=path!("/projects") view=page(ProjectsPage) ssr=ssr.clone() />
                    <Route path=path!("/projects/:id") view=page(ProjectPage) ssr=ssr.clone() />
                    <Route path=path!("/sub-items/:id") view=page(SubItemPage) ssr=ssr.clone() />
                    <Route path=path!("/sites/:id") view=page(SitePage) ssr=ssr.clone() />
                    <Route path=path!("/sites/:id/capture") view=page(CapturePage) ssr=ssr.clone() />
                    <Route path=path!("/outbox") view=page(OutboxPage) ssr=ssr.clone() />
                    <Route path=path!("/offline") view=page(OfflinePage) ssr=ssr.clone() />
                    <Route path=path!("/my/sites") view=page(MySitesPage) ssr=ssr.clone() />
                    <Route path=path!("/my/unit") view=page(MyUnitPage) ssr=ssr.clone() />
                    <Route path=path!("/my/observations") view=page(MyObservationsPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/groups") view=page(GroupsPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/review") view=page(ReviewQueuePage) ssr=ssr.clone() />
                    <Route path=path!("/staff/dashboard") view=page(DashboardPage) ssr=ssr.clone() />
                    <Route path=path!("/items") view=page(ItemsPage) ssr=ssr.clone() />
                    <Route path=path!("/items/:id") view=page(ItemPage) ssr=ssr.clone() />
                    <Route path=path!("/notifications") view=page(NotificationsPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/import") view=page(ImportPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/cases") view=page(CasesPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/duty") view=page(crate::duty::pages::DutyTablePage) ssr=ssr.clone() />
                    <Route path=path!("/staff/inspections") view=page(crate::inspections::pages::InspectionsPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/inspections/new") view=page(crate::inspections::pages::PlanInspectionPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/inspections/:id") view=page(crate::inspections::pages::InspectionPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/inspections/:id/report") view=page(crate::inspections::report::InspectionReportPage) ssr=ssr.clone() />
                    <Route path=path!("/inspections") view=page(crate::inspections::pages::MyInspectionsPage) ssr=ssr.clone() />
                    <Route path=path!("/inspections/:id") view=page(crate::inspections::pages::InspectionPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/questionnaires") view=page(crate::questionnaires::pages::QuestionnairesPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/questionnaires/new") view=page(crate::questionnaires::pages::NewQuestionnairePage) ssr=ssr.clone() />
                    <Route path=path!("/staff/questionnaires/:id") view=page(crate::questionnaires::pages::QuestionnairePage) ssr=ssr.clone() />
                    // Served by `server/src/questionnaire.rs`, which finds the questionnaire and renders these.
                    <Route path=path!("/staff/questionnaires/:id/paper") view=page(crate::questionnaires::answer::AnswerPage) ssr=ssr.clone() />
                    <Route path=path!("/s/:code/q/:id") view=page(crate::questionnaires::answer::AnswerPage) ssr=ssr.clone() />
                    <Route path=path!("/q/:id") view=page(crate::questionnaires::answer::AnswerPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/topics") view=page(crate::topics::pages::TopicsPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/topics/texts") view=page(crate::topics::pages::TopicTextsPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/topics/words") view=page(crate::topics::pages::TopicWordsPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/topics/hotline") view=page(crate::topics::pages::HotlineImportPage) ssr=ssr.clone() />
                    <Route path=path!("/duty") view=page(crate::duty::pages::DutyRecordPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/comments") view=page(ModerationPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/satisfaction") view=page(SatisfactionPage) ssr=ssr.clone() />
                    <Route path=path!("/staff/posters") view=page(PostersPage) ssr=ssr.clone() />
                    <Route path=path!("/s/:code") view=page(PublicSitePage) ssr=ssr.clone() />
                    <Route path=path!("/s/:code/thanks") view=page(ThanksPage) ssr=ssr.clone() />
                    // Served by `server/src/receipt.rs`, which finds the receipt and renders these.
                    <Route path=path!("/r") view=page(crate::public::receipt::ReceiptLookupPage) ssr=ssr.clone() />
                    <Route path=path!("/r/:code") view=page(crate::public::receipt::ReceiptPage) ssr=ssr.clone() />
                    <Route path=path!("/plan") view=page(crate::public::plan_pages::PublicPlanPage) ssr=ssr.clone() />
                    <Route path=path!("/plan/:year") view=page(crate::public::plan_pages::PublicPlanPage) ssr=ssr.clone() />
                    <Route path=path!("/plan/:year/:sub") view=page(crate::public::plan_pages::PlanSitesPage) ssr=ssr.clone() />
                    <Route path=path!("/admin/users") view=page(UsersPage) ssr=ssr.clone() />
                    <Route path=path!("/admin/registry") view=page(crate::admin::registry::RegistryPage) ssr=ssr.clone() />
                    <Route path=path!("/admin/activation") view=page(crate::admin::activation::ActivationPage) ssr=ssr.clone() />
                    <Route path=path!("/admin/registry/sites") view=page(crate::registry_edit::sites::SiteListPage) ssr=ssr.clone() />
                    <Route path=path!("/admin/registry/sites/:id") view=page(crate::registry_edit::sites::SiteEditorPage) ssr=ssr.clone() />
                    <Route path=path!("/admin/registry/plan") view=page(crate::registry_edit::plan::PlanEditPage) ssr=ssr.clone() />
                    <Route path=path!("/admin/registry/roster") view=page(crate::registry_edit::roster::RosterEditPage) ssr=ssr.clone() />
                    <Route path=path!("/activate") view=page(crate::auth::pages::ActivatePage) ssr=ssr />
                </Routes>
            </Layout>
        </Router>
    }
}
