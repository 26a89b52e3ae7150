//! The receipt page (`/r/{code}`): what became of one public comment, for the person who left
//! it, and the form to say whether the answer fixed it. Like the site page it ships no wasm;
//! the server finds the receipt (rate-limited) and provides it as context (`server/src/receipt.rs`).

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use super::pages::{satisfaction_label, support_label};
use crate::domain::comment::{HideCategory, Satisfaction};
use crate::domain::receipt::{Receipt, ReviewOutcome, Step, StepState};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{pick, use_zh, ErrorNotice, IntoAnySync};

/// What the server found for a receipt page, provided as context before rendering.
#[derive(Clone, Debug, Default)]
pub struct ReceiptAnswer {
    pub receipt: Option<Receipt>,
    /// Just sent: the page thanks the person and shows the QR code to keep.
    pub new: bool,
    /// The receipt's address, as the QR code holds it.
    pub link: String,
    /// The QR code of `link` as SVG, drawn on the server (only on the first view).
    pub qr_svg: Option<String>,
    /// Why a rating was refused.
    pub error: Option<AppError>,
}

/// What the lookup form (`/r`) was sent, when it is drawn again with a reason.
#[derive(Clone, Debug, Default)]
pub struct ReceiptLookup {
    pub code: String,
    pub error: Option<AppError>,
}

pub fn hide_category_label(locale: impl Into<Locale>, c: HideCategory) -> &'static str {
    let locale: Locale = locale.into();
    match c {
        HideCategory::Spam => td_string!(locale, receipt.hide_spam),
        HideCategory::Abuse => td_string!(locale, receipt.hide_abuse),
        HideCategory::Private => td_string!(locale, receipt.hide_private),
        HideCategory::OffTopic => td_string!(locale, receipt.hide_off_topic),
        HideCategory::Other => td_string!(locale, receipt.hide_other),
    }
}

fn step_label(locale: Locale, s: Step) -> &'static str {
    match s {
        Step::Received => td_string!(locale, receipt.step_received),
        Step::Reviewed => td_string!(locale, receipt.step_reviewed),
        Step::TakenIntoItem => td_string!(locale, receipt.step_taken_into_item),
        Step::Forwarded => td_string!(locale, receipt.step_forwarded),
        Step::Answered => td_string!(locale, receipt.step_answered),
        Step::Closed => td_string!(locale, receipt.step_closed),
    }
}

fn state_label(locale: Locale, s: StepState) -> &'static str {
    match s {
        StepState::Done => td_string!(locale, receipt.state_done),
        StepState::Current => td_string!(locale, receipt.state_current),
        StepState::Ahead => td_string!(locale, receipt.state_ahead),
        StepState::Skipped => td_string!(locale, receipt.state_skipped),
    }
}

/// A time as people at the posters read it: China time, to the minute.
fn china(t: chrono::DateTime<chrono::Utc>) -> String {
    (t + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[component]
pub fn ReceiptPage() -> impl IntoView {
    let i18n = use_i18n();
    let answer = use_context::<ReceiptAnswer>().unwrap_or_default();
    let Some(r) = answer.receipt.clone() else {
        return view! {
            <Title text=move || t_string!(i18n, receipt.not_found_title) />
            <section class="card narrow" id="receipt-not-found">
                <h1>{t!(i18n, receipt.not_found_title)}</h1>
                <p>{t!(i18n, receipt.not_found_body)}</p>
                <LookupForm code=String::new() />
            </section>
        }
        .into_any_sync();
    };
    view! { <ReceiptView r=r answer=answer /> }.into_any_sync()
}

#[component]
fn ReceiptView(r: Receipt, answer: ReceiptAnswer) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let locale = i18n.get_locale_untracked();
    let code = r.code.as_str().to_owned();
    let site = pick(zh, &r.site_zh, &r.site_en).to_owned();
    let review = r.review();
    let item = r.item.clone();
    let received = r.received_at;
    let detail = move |step: Step| -> Option<leptos::prelude::AnyView> {
        let item = item.as_ref();
        match step {
            Step::Received => Some(china(received).into_any_sync()),
            Step::Reviewed => Some(match review {
                ReviewOutcome::Waiting => t!(i18n, receipt.waiting_review).into_any_sync(),
                ReviewOutcome::Published => t!(i18n, receipt.published).into_any_sync(),
                ReviewOutcome::ForTheList => t!(i18n, receipt.for_the_list).into_any_sync(),
                ReviewOutcome::NotPublished(c) => {
                    let category = hide_category_label(locale, c);
                    view! { <span class="hide-category" data-category=c.as_str()>{t!(i18n, receipt.not_published, category = category)}</span> }
                        .into_any_sync()
                }
            }),
            Step::TakenIntoItem => item.map(|i| {
                let (year, number) = (i.year, i.number);
                t!(i18n, receipt.item_number, year = year, number = number).into_any_sync()
            }),
            Step::Forwarded => item.and_then(|i| {
                let unit = pick(zh, i.unit_zh.as_deref()?, i.unit_en.as_deref()?).to_owned();
                let deadline = i.deadline?.to_string();
                Some(
                    t!(
                        i18n,
                        receipt.unit_deadline,
                        unit = unit.clone(),
                        deadline = deadline.clone()
                    )
                    .into_any_sync(),
                )
            }),
            Step::Answered => item
                .and_then(|i| i.answered_at)
                .map(|t| china(t).into_any_sync()),
            Step::Closed => item
                .and_then(|i| i.closed_at)
                .map(|t| china(t).into_any_sync()),
        }
    };
    let steps = r
        .path()
        .into_iter()
        .map(|(step, state)| {
            view! {
                <li class=format!("step {}", state.as_str()) data-step=step.as_str() data-state=state.as_str()>
                    <b>{step_label(locale, step)}</b>
                    " "
                    <small class="state">{state_label(locale, state)}</small>
                    {detail(step).map(|d| view! { <p class="detail">{d}</p> })}
                </li>
            }
        })
        .collect_view();
    let answer_block = r.item.as_ref().and_then(|i| {
        let text = i.answer.clone()?;
        let photos = i
            .answer_photos
            .iter()
            .map(|sha| {
                let base = format!("/r/{code}/photos/{sha}");
                view! {
                    <a href=format!("{base}/display")>
                        <img src=format!("{base}/thumb") alt=move || t_string!(i18n, receipt.answer_photos) loading="lazy" width="160" />
                    </a>
                }
            })
            .collect_view();
        let has_photos = !i.answer_photos.is_empty();
        Some(view! {
            <section id="receipt-answer" class="card">
                <h2>{t!(i18n, receipt.answer)}</h2>
                <p class="body">{text}</p>
                {has_photos.then(|| view! {
                    <h3>{t!(i18n, receipt.answer_photos)}</h3>
                    <p class="photos" id="receipt-answer-photos">{photos}</p>
                })}
            </section>
        })
    });
    let rating = match (r.rating, r.rated_at) {
        (Some(rating), Some(at)) => Some(
            view! {
                <p class="notice" id="receipt-rated" data-rating=rating.as_str()>
                    {t!(i18n, receipt.rated, rating = satisfaction_label(locale, rating), date = china(at))}
                </p>
            }
            .into_any_sync(),
        ),
        _ => r.may_rate().is_ok().then(|| {
            view! { <RateForm code=code.clone() error=answer.error.clone() /> }.into_any_sync()
        }),
    };
    // A refusal when the form is no longer there (rated meanwhile) still says why.
    let late_error = (r.may_rate().is_err())
        .then(|| answer.error.clone())
        .flatten()
        .map(|e| view! { <ErrorNotice error=e /> });
    let thanks = answer.new.then(|| {
        let qr = answer.qr_svg.clone().unwrap_or_default();
        view! {
            <section id="thanks" class="card">
                <h1>{t!(i18n, receipt.thanks_title)}</h1>
                <p>{t!(i18n, receipt.thanks_body)}</p>
                <div class="qr" id="receipt-qr" role="img" aria-label=move || t_string!(i18n, receipt.qr_alt) inner_html=qr></div>
                <p class="muted">{t!(i18n, receipt.save_hint)}</p>
            </section>
        }
    });
    view! {
        <Title text=move || t_string!(i18n, receipt.title) />
        // The code is in this page's address: nothing should keep or pass it on.
        <Meta name="robots" content="noindex" />
        <Meta name="referrer" content="no-referrer" />
        {thanks}
        <article class="public-site receipt" id="receipt">
            // After a comment the thanks above is the page's heading.
            {(!answer.new).then(|| view! { <h1>{t!(i18n, receipt.title)}</h1> })}
            <dl class="facts">
                <dt>{t!(i18n, receipt.code)}</dt>
                <dd><code id="receipt-code">{r.code.grouped()}</code></dd>
                <dt>{t!(i18n, receipt.link)}</dt>
                <dd><a id="receipt-link" href=format!("/r/{code}")>{answer.link.clone()}</a></dd>
                <dt>{t!(i18n, receipt.at_site)}</dt>
                <dd><a href=format!("/s/{}", r.site_code) id="receipt-site">{site}</a></dd>
            </dl>
            <section id="receipt-comment">
                <h2>{t!(i18n, receipt.your_comment)}</h2>
                <p class="meta">
                    <span class="rating">{satisfaction_label(locale, r.satisfaction)}</span>
                    " · "
                    {support_label(locale, r.support)}
                </p>
                {r.body.clone().map(|b| view! { <p class="body" id="receipt-body">{b}</p> })}
            </section>
            <section id="receipt-path">
                <h2>{t!(i18n, receipt.path)}</h2>
                <ol class="steps">{steps}</ol>
            </section>
            {answer_block}
            {late_error}
            {rating}
        </article>
    }
}

/// The writer's one verdict on the answer: a plain form post.
#[component]
fn RateForm(code: String, error: Option<AppError>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    view! {
        <section id="receipt-rate" class="card">
            <h2>{t!(i18n, receipt.rate_title)}</h2>
            {error.map(|e| view! { <ErrorNotice error=e /> })}
            <form method="post" action=format!("/r/{code}/rate") id="rate-form" class="stack">
                <fieldset class="choices">
                    // Said by the heading above; kept for screen readers, which read the group by it.
                    <legend class="visually-hidden">{t!(i18n, receipt.rate_title)}</legend>
                    {Satisfaction::ALL
                        .into_iter()
                        .map(|s| view! {
                            <label class="choice">
                                <input type="radio" name="rating" value=s.as_str() required />
                                <span>{satisfaction_label(locale, s)}</span>
                            </label>
                        })
                        .collect_view()}
                </fieldset>
                <p class="muted">{t!(i18n, receipt.rate_hint)}</p>
                <button type="submit" class="primary" id="rate-submit">{t!(i18n, receipt.rate_submit)}</button>
            </form>
        </section>
    }
}

#[component]
fn LookupForm(code: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <form method="get" action="/r" id="receipt-lookup" class="stack">
            <label>
                <span>{t!(i18n, receipt.lookup_label)}</span>
                <input name="code" value=code required maxlength="40" autocomplete="off" autocapitalize="characters" />
            </label>
            <button type="submit" class="primary">{t!(i18n, receipt.lookup_submit)}</button>
        </form>
    }
}

/// `/r`: type a receipt code from paper.
#[component]
pub fn ReceiptLookupPage() -> impl IntoView {
    let i18n = use_i18n();
    let lookup = use_context::<ReceiptLookup>().unwrap_or_default();
    view! {
        <Title text=move || t_string!(i18n, receipt.lookup_title) />
        <Meta name="robots" content="noindex" />
        <section class="card narrow" id="receipt-lookup-page">
            <h1>{t!(i18n, receipt.lookup_title)}</h1>
            {lookup.error.map(|e| view! { <ErrorNotice error=e /> })}
            <LookupForm code=lookup.code />
        </section>
    }
}
