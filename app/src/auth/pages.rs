use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::{components::Redirect, hooks::use_query_map};

use super::api::{Activate, Login};
use super::safe_next;
use crate::i18n::*;
use crate::ui::form::PlainForm;
use crate::ui::use_session;

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    // Read without panicking: the sign-in cuts short the loads in flight (a new session id, then
    // a full page load), and a render the browser gave up on may still be finishing.
    let next = move || safe_next(crate::ui::query_arg(query, "next").as_deref());
    let session = use_session();

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
            // A plain post: signed in, the answer sends the browser on to `next` (a full load,
            // so every part of that page sees the session).
            <PlainForm action=Login::url() class="stack" id="login-form">
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
                <button type="submit" class="primary">{t!(i18n, login.submit)}</button>
            </PlainForm>
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
    view! {
        <section class="card narrow">
            <h1>{t!(i18n, activation.title)}</h1>
            <p class="muted">{t!(i18n, activation.intro)}</p>
            <PlainForm action=Activate::url() class="stack" id="activate-form">
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
                <button type="submit" class="primary" id="activate-submit">
                    {t!(i18n, activation.submit)}
                </button>
            </PlainForm>
        </section>
    }
}
