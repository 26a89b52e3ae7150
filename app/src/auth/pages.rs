use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_query_map};

use super::api::{Activate, Login};
use super::safe_next;
use crate::i18n::*;
use crate::ui::{use_session, ErrorNotice};

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    // Read without panicking: the sign-in cuts short the loads in flight (a new session id, then
    // a full page load), and a render the browser gave up on may still be finishing.
    let next = move || safe_next(crate::ui::query_arg(query, "next").as_deref());
    let login = ServerAction::<Login>::new();
    let session = use_session();

    // A full load after sign-in, so every part of the page (header, resources) sees the session.
    Effect::new(move |_| {
        if let Some(Ok(_)) = login.value().get() {
            let _ = window().location().assign(&next());
        }
    });

    let already_in = move || {
        session
            .try_get()
            .flatten()
            .and_then(|s| s.ok())
            .is_some_and(|s| s.user.is_some())
    };

    view! {
        <section class="card narrow">
            <h1>{t!(i18n, login.title)}</h1>
            <Suspense>
                <Show when=already_in>
                    <Redirect path=next() />
                </Show>
            </Suspense>
            <ActionForm action=login attr:class="stack" attr:id="login-form">
                <input type="hidden" name="next" value=next />
                <label>
                    <span>{t!(i18n, login.username)}</span>
                    <input
                        name="username"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        required
                        maxlength="32"
                    />
                </label>
                <label>
                    <span>{t!(i18n, login.password)}</span>
                    <input
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        maxlength="128"
                    />
                </label>
                {move || {
                    login.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e /> })
                }}
                <button type="submit" class="primary" disabled=move || login.pending().get()>
                    {move || {
                        if login.pending().get() {
                            t_string!(i18n, login.working)
                        } else {
                            t_string!(i18n, login.submit)
                        }
                    }}
                </button>
            </ActionForm>
            <p class="muted">{t!(i18n, login.hint)}</p>
            <p><a href="/activate" id="activate-link">{t!(i18n, login.first_time)}</a></p>
        </section>
    }
}

/// First sign-in with the sheet an administrator handed over: username, one-time code, and the
/// person's own password. Works as a plain form post without JavaScript too.
#[component]
pub fn ActivatePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let next = move || {
        safe_next(
            crate::ui::query_arg(query, "next")
                .as_deref()
                .or(Some("/my/sites")),
        )
    };
    let username = move || crate::ui::query_arg(query, "username").unwrap_or_default();
    let activate = ServerAction::<Activate>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = activate.value().get() {
            let _ = window().location().assign(&next());
        }
    });
    view! {
        <section class="card narrow">
            <h1>{t!(i18n, activation.title)}</h1>
            <p class="muted">{t!(i18n, activation.intro)}</p>
            <ActionForm action=activate attr:class="stack" attr:id="activate-form">
                <input type="hidden" name="next" value=next />
                <label>
                    <span>{t!(i18n, login.username)}</span>
                    <input name="username" autocomplete="username" autocapitalize="none"
                        spellcheck="false" required maxlength="32" value=username />
                </label>
                <label>
                    <span>{t!(i18n, activation.code)}</span>
                    <input name="code" autocomplete="one-time-code" autocapitalize="characters"
                        spellcheck="false" required maxlength="20" placeholder="ABCD-EFGH-JKMN" />
                </label>
                <label>
                    <span>{t!(i18n, activation.new_password)}</span>
                    <input name="password" type="password" autocomplete="new-password" required
                        minlength="10" maxlength="128" />
                </label>
                {move || {
                    activate.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e /> })
                }}
                <button type="submit" class="primary" id="activate-submit" disabled=move || activate.pending().get()>
                    {t!(i18n, activation.submit)}
                </button>
            </ActionForm>
        </section>
    }
}
