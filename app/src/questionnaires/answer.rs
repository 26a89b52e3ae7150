//! The answer form: what a passer-by fills in from a site's page (`/s/{code}/q/{id}`) or the
//! questionnaire's own link (`/q/{id}`), and what staff type a paper form into
//! (`/staff/questionnaires/{id}/paper`). Plain HTML posted as a form: no script, no wasm. The
//! server finds the questionnaire and provides it as context (`server/src/questionnaire.rs`).

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use crate::domain::questionnaire::{
    field_name, Question, QuestionKind, MAX_TEXT_ANSWER_CHARS, SCALE,
};
use crate::i18n::*;
use crate::questionnaire_rows::AnswerForm;
use crate::ui::{pick, use_zh, ErrorNotice, IntoAnySync};

pub fn kind_label(locale: impl Into<Locale>, k: QuestionKind) -> &'static str {
    let locale: Locale = locale.into();
    match k {
        QuestionKind::Single => td_string!(locale, questionnaires.kind_single),
        QuestionKind::Multiple => td_string!(locale, questionnaires.kind_multiple),
        QuestionKind::Scale => td_string!(locale, questionnaires.kind_scale),
        QuestionKind::Text => td_string!(locale, questionnaires.kind_text),
    }
}

pub fn scale_label(locale: impl Into<Locale>, point: u8) -> &'static str {
    let locale: Locale = locale.into();
    match point {
        1 => td_string!(locale, questionnaires.scale_1),
        2 => td_string!(locale, questionnaires.scale_2),
        3 => td_string!(locale, questionnaires.scale_3),
        4 => td_string!(locale, questionnaires.scale_4),
        _ => td_string!(locale, questionnaires.scale_5),
    }
}

/// "Answer this if question 2 was 'Rarely'": said in words, since no script hides it.
pub fn condition_text(
    locale: impl Into<Locale>,
    questions: &[Question],
    q: &Question,
) -> Option<String> {
    let locale: Locale = locale.into();
    let c = q.show_if?;
    let option = questions.get(c.question)?.options.get(c.option)?;
    Some(
        td_string!(locale, questionnaires.condition)
            .replace("%Q", &(c.question + 1).to_string())
            .replace("%O", option),
    )
}

/// `/s/{code}/q/{id}`, `/q/{id}` and `/staff/questionnaires/{id}/paper`.
#[component]
pub fn AnswerPage() -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let locale = i18n.get_locale_untracked();
    let form = use_context::<AnswerForm>().unwrap_or_default();
    let Some(head) = form.head.clone() else {
        return view! {
            <Title text=move || t_string!(i18n, questionnaires.not_found) />
            {match form.error.clone().filter(|e| e.error != crate::error::ErrorCode::NotFound) {
                // Staff's paper page asked by someone else: why, and the way to sign in.
                Some(e) => view! { <ErrorNotice error=e /> }.into_any_sync(),
                None => view! { <h1 id="questionnaire-missing">{t!(i18n, questionnaires.not_found)}</h1> }.into_any_sync(),
            }}
            <p><a href="/">{t!(i18n, errors.back_home)}</a></p>
        }
        .into_any_sync();
    };
    let site_line = form.site.as_ref().map(|s| {
        let name = pick(zh, &s.name_zh, &s.name_en).to_owned();
        let href = format!("/s/{}", s.public_code);
        view! { <p class="kicker" id="questionnaire-site"><a href=href>{name}</a> " " <span class="code">{s.public_code.clone()}</span></p> }
    });
    let back = form
        .site
        .as_ref()
        .map(|s| format!("/s/{}", s.public_code))
        .unwrap_or_else(|| "/".to_owned());
    let body = if form.done && form.paper {
        let n = form.paper_count.unwrap_or(0);
        view! {
            <p class="notice" id="paper-stored" data-count=n>{t!(i18n, questionnaires.paper_stored, count = n)}</p>
            <p><a class="button primary" id="paper-next" href=form.action.clone()>{t!(i18n, questionnaires.paper_next)}</a>
            " " <a href=format!("/staff/questionnaires/{}", head.id)>{t!(i18n, questionnaires.back_to_results)}</a></p>
        }
        .into_any_sync()
    } else if form.done {
        view! {
            <section class="card" id="questionnaire-thanks">
                <h2>{t!(i18n, questionnaires.thanks_title)}</h2>
                <p>{t!(i18n, questionnaires.thanks_body)}</p>
                <p><a href=back>{t!(i18n, questionnaires.back_to_site)}</a></p>
            </section>
        }
        .into_any_sync()
    } else if !form.open {
        view! {
            <p class="notice" id="questionnaire-closed">
                {t!(i18n, questionnaires.closed, from = head.opens_on.to_string(), to = head.closes_on.to_string())}
            </p>
        }
        .into_any_sync()
    } else {
        let bad = form
            .error
            .as_ref()
            .and_then(|e| e.field())
            .and_then(|f| f.strip_prefix("answer."))
            .and_then(|n| n.parse::<usize>().ok());
        let typed = form.typed.clone();
        let questions = head.questions.clone();
        let fields = head
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let name = field_name(i);
                let was = |v: &str| typed.iter().any(|(k, x)| *k == name && x == v);
                let said = typed
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                let number = i + 1;
                let legend_id = format!("{name}-legend");
                let invalid = bad == Some(number);
                let inputs = match q.kind {
                    QuestionKind::Single | QuestionKind::Multiple => {
                        let kind = if q.kind == QuestionKind::Single { "radio" } else { "checkbox" };
                        q.options
                            .iter()
                            .enumerate()
                            .map(|(o, text)| {
                                let value = (o + 1).to_string();
                                let on = was(&value);
                                view! {
                                    <label class="choice">
                                        <input type=kind name=name.clone() value=value checked=on />
                                        <span>{text.clone()}</span>
                                    </label>
                                }
                            })
                            .collect_view()
                            .into_any_sync()
                    }
                    QuestionKind::Scale => SCALE
                        .map(|p| {
                            let value = p.to_string();
                            let on = was(&value);
                            view! {
                                <label class="choice">
                                    <input type="radio" name=name.clone() value=value checked=on />
                                    <span>{p} " " {scale_label(locale, p)}</span>
                                </label>
                            }
                        })
                        .collect_view()
                        .into_any_sync(),
                    QuestionKind::Text => view! {
                        <textarea name=name.clone() rows="3" maxlength=MAX_TEXT_ANSWER_CHARS.to_string() aria-labelledby=legend_id.clone() inner_html=crate::ui::textarea_html(&said)></textarea>
                    }
                    .into_any_sync(),
                };
                let condition = condition_text(locale, &questions, q);
                view! {
                    <fieldset class=if invalid { "question invalid" } else { "question" } id=format!("question-{number}") data-kind=q.kind.as_str() aria-invalid=invalid.then_some("true")>
                        <legend id=legend_id>
                            {number} ". " {q.prompt.clone()}
                            {q.required.then(|| view! { " " <span class="required">{t!(i18n, questionnaires.required_mark)}</span> })}
                        </legend>
                        {condition.map(|c| view! { <p class="muted condition">{c}</p> })}
                        {inputs}
                    </fieldset>
                }
            })
            .collect_view();
        view! {
            {form.error.clone().map(|e| view! { <ErrorNotice error=e /> })}
            <form method="post" action=form.action.clone() id="questionnaire-form" class="stack">
                <input type="hidden" name="form_token" value=form.form_token.to_string() />
                <input type="hidden" name="questions_rev" value=form.questions_rev.clone() />
                // People never see this field; a bot that fills it is thanked and forgotten.
                <p class="hp" aria-hidden="true">
                    <label>"Website" <input type="text" name="website" tabindex="-1" autocomplete="off" /></label>
                </p>
                {fields}
                <button type="submit" class="primary" id="questionnaire-submit">
                    {if form.paper { t!(i18n, questionnaires.paper_save).into_any_sync() } else { t!(i18n, questionnaires.submit).into_any_sync() }}
                </button>
            </form>
        }
        .into_any_sync()
    };
    let intro = head.intro.clone();
    view! {
        <Title text=head.title.clone() />
        <Meta name="robots" content="noindex" />
        <article class="public-site questionnaire" id="questionnaire" data-id=head.id.to_string()>
            {site_line}
            <h1>{head.title.clone()}</h1>
            {form.paper.then(|| view! { <p class="notice" id="paper-mode">{t!(i18n, questionnaires.paper_mode)}</p> })}
            {(!intro.is_empty() && !form.done).then(|| view! {
                <div class="intro">{crate::domain::inspection::paragraphs(&intro).map(|p| view! { <p>{p.to_owned()}</p> }).collect_view()}</div>
            })}
            {body}
        </article>
    }
    .into_any_sync()
}
