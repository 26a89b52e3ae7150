//! Shared widgets: the page frame, loading and error display, labels for domain values.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
#[cfg(feature = "ssr")]
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;
use serde::{de::DeserializeOwned, Serialize};

use crate::auth::api::{get_session, Logout};
use crate::auth::SessionInfo;
use crate::domain::{Role, SiteKind};
use crate::error::{AppError, ErrorCode};
use crate::i18n::*;

pub mod form;
pub mod island;
pub mod photo_check;
mod sync_hydrate;
pub mod upload;
pub use sync_hydrate::{page, IntoAnySync, SyncHydrate};

pub type SessionResource = Resource<Result<SessionInfo, AppError>>;

pub fn provide_session() -> SessionResource {
    let r = Resource::new(|| (), |_| get_session());
    provide_context(r);
    r
}

/// The session, for closures inside `Suspense`/`Transition`: on the server they run again in a
/// task of their own when the resource resolves, which may be after the render was dropped (a
/// prefetch cut off, a redirect); read with `try_get`, as `session.get()` panics there.
pub fn use_session() -> SessionResource {
    expect_context::<SessionResource>()
}

/// The session as far as it has loaded, `None` when it has not or the render is gone (see
/// [`use_session`]): for closures inside `Suspense` and `Transition`.
pub fn session_now(session: SessionResource) -> Option<SessionInfo> {
    session.try_get().flatten().and_then(|r| r.ok())
}

/// A resource's source runs again in a task of its own, which on the server may first run after
/// the render was dropped (the reader went away, or the service worker's prefetch was cut off);
/// reading a disposed signal there panics. Sources read through these instead.
pub fn live<S: Get>(signal: S) -> S::Value
where
    S::Value: Default,
{
    signal.try_get().unwrap_or_default()
}

/// One value of the route's query or path parameters, `None` once the page is gone (see
/// [`live`]).
pub fn query_arg(map: Memo<leptos_router::params::ParamsMap>, key: &str) -> Option<String> {
    map.try_with(|m| m.get(key)).flatten()
}

/// How many a long list has, which page this is, and plain links to the pages beside it (plain
/// links, so a list pages without JavaScript). `status` says it in words.
pub fn pager(
    id: &'static str,
    list: (i64, u32, u32),
    href: impl Fn(u32) -> String,
    status: impl IntoView,
) -> impl IntoView {
    let i18n = use_i18n();
    let (total, page, pages) = list;
    let prev = (page > 0).then(|| href(page - 1));
    let next = (page + 1 < pages).then(|| href(page + 1));
    view! {
        <nav class="pager" id=id data-total=total data-page=page>
            <span class="count">{status}</span>
            {prev.map(|h| view! { " " <a href=h rel="prev" class="prev-page">{t!(i18n, items.prev_page)}</a> })}
            {next.map(|h| view! { " " <a href=h rel="next" class="next-page">{t!(i18n, items.next_page)}</a> })}
        </nav>
    }
}

/// A moment as it reads in China (UTC+8), to the minute.
pub fn local_time(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Chinese first: data carries both names and the English one may be missing.
pub fn use_zh() -> bool {
    use_i18n().get_locale_untracked() == Locale::zh_CN
}

pub fn pick(zh: bool, zh_text: &str, en_text: &str) -> String {
    if zh || en_text.is_empty() {
        zh_text.to_owned()
    } else {
        en_text.to_owned()
    }
}

pub fn kind_label(locale: impl Into<Locale>, kind: SiteKind) -> &'static str {
    let locale: Locale = locale.into();
    match kind {
        SiteKind::Greenway => td_string!(locale, kind.greenway),
        SiteKind::LiftRetrofit => td_string!(locale, kind.lift_retrofit),
        SiteKind::EstateRenovation => td_string!(locale, kind.estate_renovation),
        SiteKind::RentalHousing => td_string!(locale, kind.rental_housing),
        SiteKind::ElderlyDining => td_string!(locale, kind.elderly_dining),
        SiteKind::EvCharging => td_string!(locale, kind.ev_charging),
        SiteKind::FirstAid => td_string!(locale, kind.first_aid),
        SiteKind::School => td_string!(locale, kind.school),
        SiteKind::RestStation => td_string!(locale, kind.rest_station),
        SiteKind::SkillsTraining => td_string!(locale, kind.skills_training),
        SiteKind::Waterway => td_string!(locale, kind.waterway),
        SiteKind::Park => td_string!(locale, kind.park),
    }
}

pub fn site_state_label(
    locale: impl Into<Locale>,
    state: crate::domain::progress::SiteState,
) -> &'static str {
    use crate::domain::progress::SiteState;
    let locale: Locale = locale.into();
    match state {
        SiteState::Planned => td_string!(locale, site_state.planned),
        SiteState::UnderConstruction => td_string!(locale, site_state.under_construction),
        SiteState::InService => td_string!(locale, site_state.in_service),
        SiteState::Closed => td_string!(locale, site_state.closed),
    }
}

/// A site's state as a tag, coloured by its state.
#[component]
pub fn SiteStateTag(state: crate::domain::progress::SiteState) -> impl IntoView {
    let locale = crate::ui::island::locale();
    view! {
        <span class=format!("tag state-{}", state.as_str()) data-state=state.as_str()>
            {site_state_label(locale, state)}
        </span>
    }
}

pub fn role_label(locale: impl Into<Locale>, role: Role) -> &'static str {
    let locale: Locale = locale.into();
    match role {
        Role::Deputy => td_string!(locale, roles.deputy),
        Role::Staff => td_string!(locale, roles.staff),
        Role::UnitOfficer => td_string!(locale, roles.unit_officer),
        Role::Admin => td_string!(locale, roles.admin),
    }
}

fn error_text(locale: impl Into<Locale>, code: ErrorCode) -> &'static str {
    let locale: Locale = locale.into();
    match code {
        ErrorCode::Unauthenticated => td_string!(locale, errors.unauthenticated),
        ErrorCode::Forbidden => td_string!(locale, errors.forbidden),
        ErrorCode::NotFound => td_string!(locale, errors.not_found),
        ErrorCode::Invalid => td_string!(locale, errors.invalid),
        ErrorCode::Conflict => td_string!(locale, errors.conflict),
        ErrorCode::TooManyRequests => td_string!(locale, errors.too_many_requests),
        ErrorCode::TooLarge => td_string!(locale, errors.too_large),
        ErrorCode::BadCredentials => td_string!(locale, errors.bad_credentials),
        ErrorCode::Network => td_string!(locale, errors.network),
        ErrorCode::Unavailable => td_string!(locale, errors.unavailable),
        ErrorCode::Internal => td_string!(locale, errors.internal),
    }
}

/// Text to show inside a `<textarea>` as its `inner_html`: escaped here, because the server
/// renderer writes a textarea's text children as they are, and typed or stored text holding
/// `</textarea>` would end the field and put the rest into the page as markup (a refused comment's
/// words, a deputy's note on the staff's form, a form answer carried in a link).
pub fn textarea_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod textarea_tests {
    #[test]
    fn text_in_a_textarea_cannot_close_it() {
        assert_eq!(
            super::textarea_html("a</textarea><b>&amp;"),
            "a&lt;/textarea&gt;&lt;b&gt;&amp;amp;"
        );
    }
}

/// What to do about a refused field, in the reader's language. The server's own message (English,
/// for API clients) is the fallback for fields the UI does not know.
pub fn field_hint(locale: impl Into<Locale>, field: &str) -> Option<&'static str> {
    let locale: Locale = locale.into();
    let field = field.split('.').next().unwrap_or(field);
    Some(match field {
        "username" => td_string!(locale, fields.username),
        "display_name" => td_string!(locale, fields.display_name),
        "password" => td_string!(locale, fields.password),
        "role" => td_string!(locale, fields.role),
        "unit_id" => td_string!(locale, fields.unit_id),
        "deputy_id" => td_string!(locale, fields.deputy_id),
        "deputy" => td_string!(locale, fields.deputy),
        "deputy_twins" => td_string!(locale, fields.deputy_twins),
        "note" => td_string!(locale, fields.note),
        "photos" => td_string!(locale, fields.photos),
        "photo_facts" => td_string!(locale, fields.photo_facts),
        "tags" => td_string!(locale, fields.tags),
        "position" => td_string!(locale, fields.position),
        "captured_at" => td_string!(locale, fields.captured_at),
        "site_id" => td_string!(locale, fields.site_id),
        "satisfaction" => td_string!(locale, fields.satisfaction),
        "support" => td_string!(locale, fields.support),
        "body" => td_string!(locale, fields.body),
        "phone" => td_string!(locale, fields.phone),
        "consent" => td_string!(locale, fields.consent),
        "photo" => td_string!(locale, fields.photo),
        "reason" => td_string!(locale, fields.reason),
        "code" => td_string!(locale, fields.code),
        "repeat" => td_string!(locale, fields.repeat),
        "rated_today" => td_string!(locale, fields.rated_today),
        "observations" => td_string!(locale, fields.observations),
        "description" => td_string!(locale, fields.description),
        "deadline" => td_string!(locale, fields.deadline),
        "action" => td_string!(locale, fields.action),
        "rating" => td_string!(locale, fields.rating),
        "file_kind" => td_string!(locale, fields.file_kind),
        "year" => td_string!(locale, fields.year),
        "activation_code" => td_string!(locale, fields.activation_code),
        "category" => td_string!(locale, fields.category),
        "receipt_code" => td_string!(locale, fields.receipt_code),
        "case_title" => td_string!(locale, fields.case_title),
        "case_body" => td_string!(locale, fields.case_body),
        "case_level" => td_string!(locale, fields.case_level),
        "case_not_good_practice" => td_string!(locale, fields.case_not_good_practice),
        "case_reviewed" => td_string!(locale, fields.case_reviewed),
        "duty_from" => td_string!(locale, fields.duty_from),
        "inspection_title" => td_string!(locale, fields.inspection_title),
        "starts_on" => td_string!(locale, fields.starts_on),
        "ends_on" => td_string!(locale, fields.ends_on),
        "inspection_groups" => td_string!(locale, fields.inspection_groups),
        "inspection_sites" => td_string!(locale, fields.inspection_sites),
        "inspection_deputies" => td_string!(locale, fields.inspection_deputies),
        "inspection_leader" => td_string!(locale, fields.inspection_leader),
        "inspection" => td_string!(locale, fields.inspection),
        "checked_at" => td_string!(locale, fields.checked_at),
        "answered_before" => td_string!(locale, fields.answered_before),
        "closed" => td_string!(locale, fields.closed),
        "changed" => td_string!(locale, fields.changed),
        "questionnaire_title" => td_string!(locale, fields.questionnaire_title),
        "questionnaire_intro" => td_string!(locale, fields.questionnaire_intro),
        "questionnaire_days" => td_string!(locale, fields.questionnaire_days),
        "questionnaire_targets" => td_string!(locale, fields.questionnaire_targets),
        "question_prompt" => td_string!(locale, fields.question_prompt),
        "question_kind" => td_string!(locale, fields.question_kind),
        "question_options" => td_string!(locale, fields.question_options),
        "question_condition" => td_string!(locale, fields.question_condition),
        "question_remove" => td_string!(locale, fields.question_remove),
        "answer" => td_string!(locale, fields.answer),
        "channel" => td_string!(locale, fields.channel),
        "from" => td_string!(locale, fields.from),
        "to" => td_string!(locale, fields.to),
        "site_code" => td_string!(locale, fields.site_code),
        "duty_to" => td_string!(locale, fields.duty_to),
        "duty_period" => td_string!(locale, fields.duty_period),
        "duty_who" => td_string!(locale, fields.duty_who),
        "duty_name" => td_string!(locale, fields.duty_name),
        "duty_deputy" => td_string!(locale, fields.duty_deputy),
        "group" => td_string!(locale, fields.group),
        "receipt_rated" => td_string!(locale, fields.receipt_rated),
        "receipt_not_answered" => td_string!(locale, fields.receipt_not_answered),
        "quantity_done" => td_string!(locale, fields.quantity_done),
        "paid_government" => td_string!(locale, fields.paid_government),
        "paid_residents" => td_string!(locale, fields.paid_residents),
        "paid_social" => td_string!(locale, fields.paid_social),
        "progress_note" => td_string!(locale, fields.progress_note),
        "progress_photos" => td_string!(locale, fields.progress_photos),
        "query_reason" => td_string!(locale, fields.query_reason),
        "margin" => td_string!(locale, fields.margin),
        "site_state" => td_string!(locale, fields.site_state),
        "device_kind" => td_string!(locale, fields.device_kind),
        "device_label" => td_string!(locale, fields.device_label),
        "quiet_days" => td_string!(locale, fields.quiet_days),
        "topic_week" => td_string!(locale, fields.topic_week),
        "topic_district" => td_string!(locale, fields.topic_district),
        "stop_words" => td_string!(locale, fields.stop_words),
        "synonyms" => td_string!(locale, fields.synonyms),
        "topic_site" => td_string!(locale, fields.topic_site),
        "topic_kind" => td_string!(locale, fields.topic_kind),
        _ => return None,
    })
}

/// Shows an error as a person can act on it; "not signed in" sends them to sign in and back.
/// Renders on a page (server) and in an island alike.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let locale = island::locale();
    if error.error == ErrorCode::Unauthenticated {
        return sign_in_again().into_any_sync();
    }
    let hint = error.field().and_then(|f| field_hint(locale, f));
    // A refusal tied to a field the page knows is said in that field's words alone (a wrong
    // activation code is not "wrong username or password").
    if let (ErrorCode::BadCredentials, Some(hint)) = (error.error, hint) {
        return view! {
            <p class="notice error" role="alert" data-error="BadCredentials">{hint}</p>
        }
        .into_any_sync();
    }
    let detail = matches!(
        error.error,
        ErrorCode::Invalid | ErrorCode::Conflict | ErrorCode::TooLarge
    )
    .then(|| {
        hint.map(str::to_owned)
            .unwrap_or_else(|| error.message.clone())
    });
    view! {
        <p class="notice error" role="alert" data-error=error.error.name()>
            {error_text(locale, error.error)}
            {detail}
        </p>
    }
    .into_any_sync()
}

/// To the sign-in page and back here: a redirect from a page on the server, a new page load
/// from an island in the browser.
fn sign_in_again() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        // Read without panicking: this runs when the resource resolves, and a page with two
        // refused resources may already have been left by the first one's redirect (a flood
        // of signed-out requests to /projects panicked here).
        let loc = use_location();
        let here = format!(
            "{}{}",
            loc.pathname.try_get_untracked().unwrap_or_default(),
            loc.search.try_get_untracked().unwrap_or_default()
        );
        let to = format!("/login?next={}", urlencode(&here));
        view! { <Redirect path=to /> }
    }
    #[cfg(feature = "hydrate")]
    {
        if let Some(w) = web_sys::window() {
            let l = w.location();
            let here = format!(
                "{}{}",
                l.pathname().unwrap_or_default(),
                l.search().unwrap_or_default()
            );
            let _ = l.assign(&format!("/login?next={}", urlencode(&here)));
        }
    }
}

/// Waits for a server resource and renders it, or the error in a person's words.
#[component]
pub fn Loaded<T, F, V>(resource: Resource<Result<T, AppError>>, view: F) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let i18n = use_i18n();
    view! {
        <Suspense fallback=move || view! { <p class="muted">{t!(i18n, common.loading)}</p> }>
            {
                let view = view.clone();
                move || {
                    let view = view.clone();
                    Suspend::new(async move {
                        let answer = resource.await;
                        // On the server this resumes in a task of its own, which may run after
                        // the render was dropped (a prefetch cut off): the page's signals are
                        // gone then, and the view's first tracked read (every `t!`) would panic.
                        if resource.try_with(|_| ()).is_none() {
                            return ().into_any_sync();
                        }
                        match answer {
                            Ok(v) => view(v).into_any_sync(),
                            Err(e) => view! { <ErrorNotice error=e /> }.into_any_sync(),
                        }
                    })
                }
            }
        </Suspense>
    }
}

/// Everything but unreserved characters and `/` is escaped, so a path stays readable in `next=`.
const NEXT_PARAM: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

pub fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, NEXT_PARAM).to_string()
}

/// Whether the render that made it is still there. On the server, what a `Transition` holds
/// runs again in a task of its own once the session resolves, which may be after the request
/// was dropped (a prefetch cut off, a page closed): the page's signals are gone then, and the
/// first tracked read (every `t!`) would panic the worker. Such closures ask this first.
#[derive(Clone, Copy)]
pub struct Alive(StoredValue<()>);

impl Alive {
    pub fn new() -> Self {
        Self(StoredValue::new(()))
    }

    pub fn now(self) -> bool {
        self.0.try_with_value(|_| ()).is_some()
    }
}

impl Default for Alive {
    fn default() -> Self {
        Self::new()
    }
}

#[component]
fn LangSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let loc = use_location();
    // The language and the address change only with a full page load: read once, while the
    // render is there, rather than in closures that might run after it (see [`Alive`]).
    let target = match i18n.get_locale_untracked() {
        Locale::zh_CN => "en",
        Locale::en => "zh-CN",
    };
    // The router's `search` is the query without its `?`: the page's own filters, page number
    // or form answer come back only with it put back.
    let search = loc.search.get_untracked();
    let here = match search.trim_start_matches('?') {
        "" => loc.pathname.get_untracked(),
        q => format!("{}?{q}", loc.pathname.get_untracked()),
    };
    let href = format!("/lang/{target}?next={}", urlencode(&here));
    // rel=external: a full load, so the server renders the page in the new language (and the
    // switch works without JavaScript).
    view! {
        <a class="lang" href=href rel="external" id="lang-switch" hreflang=target>
            {t!(i18n, nav.switch_lang)}
        </a>
    }
}

#[component]
fn Nav() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let alive = Alive::new();
    let links = move || {
        if !alive.now() {
            return ().into_any_sync();
        }
        let info = session_now(session);
        let unread = info.as_ref().map(|i| i.unread).unwrap_or(0);
        let user = info.and_then(|i| i.user);
        match user {
            None => view! {
                <a href="/login" class="nav-sign-in">{t!(i18n, nav.sign_in)}</a>
            }
            .into_any_sync(),
            Some(u) => {
                let role = u.role;
                view! {
                    {(role == Role::Deputy)
                        .then(|| view! { <a href="/my/sites" rel="external">{t!(i18n, nav.my_sites)}</a> })}
                    {matches!(role, Role::Deputy | Role::UnitOfficer).then(|| view! { <crate::outbox::OutboxLink locale=i18n.get_locale_untracked() /> })}
                    {(role == Role::Deputy)
                        .then(|| view! {
                            <a href="/my/observations" id="mine-link">{t!(i18n, nav.mine)}</a>
                            <a href="/inspections" id="inspections-link">{t!(i18n, nav.my_inspections)}</a>
                            <a href="/duty" id="duty-link">{t!(i18n, nav.duty)}</a>
                        })}
                    {(role == Role::UnitOfficer)
                        .then(|| view! { <a href="/my/unit">{t!(i18n, nav.my_unit)}</a> })}
                    {matches!(role, Role::UnitOfficer | Role::Deputy)
                        .then(|| view! { <a href="/items" id="items-link">{t!(i18n, nav.items)}</a> })}
                    <a href="/projects">{t!(i18n, nav.projects)}</a>
                    {role
                        .is_staff()
                        .then(|| view! {
                            <a href="/staff/review" id="review-link">{t!(i18n, nav.review)}</a>
                            <a href="/items" id="items-link">{t!(i18n, nav.items)}</a>
                            <a href="/staff/dashboard" id="dashboard-link">{t!(i18n, nav.dashboard)}</a>
                            <a href="/staff/comments" id="comments-link">{t!(i18n, nav.comments)}</a>
                            <a href="/staff/cases" id="cases-link">{t!(i18n, nav.cases)}</a>
                            <a href="/staff/inspections" id="inspections-staff-link">{t!(i18n, nav.inspections)}</a>
                            <a href="/staff/duty" id="duty-table-link">{t!(i18n, nav.duty_table)}</a>
                            <a href="/staff/questionnaires" id="questionnaires-link">{t!(i18n, nav.questionnaires)}</a>
                            <a href="/staff/topics" id="topics-link">{t!(i18n, nav.topics)}</a>
                            <a href="/staff/satisfaction">{t!(i18n, nav.satisfaction)}</a>
                            <a href="/staff/posters">{t!(i18n, nav.posters)}</a>
                            <a href="/staff/groups">{t!(i18n, nav.groups)}</a>
                            <a href="/admin/registry/sites" id="edit-registry-link">{t!(i18n, nav.edit_registry)}</a>
                        })}
                    {role
                        .can_manage_accounts()
                        .then(|| view! {
                            <a href="/admin/users">{t!(i18n, nav.users)}</a>
                            <a href="/admin/registry" id="registry-link">{t!(i18n, nav.registry)}</a>
                            <a href="/admin/activation" id="activation-link">{t!(i18n, nav.activation)}</a>
                        })}
                    <a href="/notifications" id="notifications-link">
                        {t!(i18n, nav.notifications)}
                        {(unread > 0).then(|| view! {
                            " " <span class="badge" id="unread-count">{unread}</span>
                        })}
                    </a>
                    <span class="who" title=role_label(i18n, role)>
                        {u.display_name.clone()}
                    </span>
                    // A plain post: the service worker sees it go and forgets this person's
                    // pages; the answer is a redirect to the sign-in page.
                    <form method="post" action={<Logout as ServerFn>::url()} class="inline">
                        <button type="submit" class="link" id="sign-out">
                            {t!(i18n, nav.sign_out)}
                        </button>
                    </form>
                }
                .into_any_sync()
            }
        }
    };
    view! {
        <nav aria-label=move || t_string!(i18n, nav.menu)>
            <Transition>{links}</Transition>
        </nav>
    }
}

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    // A passer-by who scanned a QR code gets the page, not the staff's app: no menu.
    let public = crate::public::pages::is_public_path(&use_location().pathname.get_untracked());
    let session = use_session();
    let alive = Alive::new();
    let demo = move || alive.now() && session_now(session).is_some_and(|s| s.demo);
    view! {
        <a class="skip" href="#main">{t!(i18n, app.skip)}</a>
        <header class="top">
            <a href="/" class="brand">
                <span class="mark" aria-hidden="true">"监"</span>
                <span>{t!(i18n, app.name)}</span>
            </a>
            <LangSwitch />
        </header>
        {(!public).then(|| view! { <Nav /> })}
        <Transition>
            <Show when=demo>
                <p class="demo-banner" role="note">{t!(i18n, app.demo_banner)}</p>
            </Show>
        </Transition>
        <main id="main">
            <form::UnclaimedFormError />
            {children()}
        </main>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_parameter_keeps_the_path_readable_and_escapes_the_rest() {
        assert_eq!(super::urlencode("/my/sites"), "/my/sites");
        assert_eq!(
            super::urlencode("/sites/1?x=中 &"),
            "/sites/1%3Fx%3D%E4%B8%AD%20%26"
        );
    }
}
