//! The staff's questionnaire pages: the list (`/staff/questionnaires`), a new one
//! (`/staff/questionnaires/new`), and one questionnaire (`/staff/questionnaires/{id}`): where it
//! is shown, its questions (added and removed while nobody has answered), and the results as
//! server-drawn bars, narrowed by site, district, days and channel. Plain HTML and forms.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::answer::{condition_text, kind_label, scale_label};
use super::{
    get_questionnaire, list_questionnaires, AddQuestion, CreateQuestionnaire, RemoveQuestion,
};
use crate::domain::questionnaire::{
    is_open, Channel, Question, QuestionKind, QuestionTally, MAX_INTRO_CHARS, MAX_PROMPT_CHARS,
    MAX_TITLE_CHARS,
};
use crate::i18n::*;
use crate::questionnaire_rows::{QuestionnaireDetail, QuestionnaireList};
use crate::ui::form::{said, PlainForm};
use crate::ui::{pager, pick, query_arg, use_zh, IntoAnySync, Loaded};

pub fn channel_label(locale: impl Into<Locale>, c: Channel) -> &'static str {
    let locale: Locale = locale.into();
    match c {
        Channel::Site => td_string!(locale, questionnaires.channel_site),
        Channel::Link => td_string!(locale, questionnaires.channel_link),
        Channel::Paper => td_string!(locale, questionnaires.channel_paper),
    }
}

/// `/staff/questionnaires`.
#[component]
pub fn QuestionnairesPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let page = move || {
        query_arg(query, "page")
            .and_then(|p| p.trim().parse::<u32>().ok())
            .unwrap_or(0)
    };
    let data = Resource::new(page, |p| list_questionnaires(Some(p)));
    view! {
        <h1>{t!(i18n, questionnaires.title)}</h1>
        <p class="muted">{t!(i18n, questionnaires.intro)}</p>
        <p><a href="/staff/questionnaires/new" class="button primary" id="new-questionnaire">{t!(i18n, questionnaires.new)}</a></p>
        <Loaded resource=data view=move |l: QuestionnaireList| {
            let paged = l.list;
            let today = l.today;
            let (total, shown, pages) = (paged.total, paged.page + 1, paged.pages());
            let status = view! { {t!(i18n, questionnaires.pages, total = total, page = shown, pages = pages)} };
            let pager = pager(
                "questionnaires-pager",
                (paged.total, paged.page, paged.pages()),
                move |n| format!("?page={n}"),
                status,
            );
            if paged.rows.is_empty() {
                return view! { <p class="muted" id="questionnaires" data-total="0">{t!(i18n, questionnaires.none)}</p> }.into_any_sync();
            }
            view! {
                <table class="list" id="questionnaires" data-total=paged.total>
                    <thead><tr>
                        <th>{t!(i18n, questionnaires.title_label)}</th>
                        <th>{t!(i18n, questionnaires.days)}</th>
                        <th>{t!(i18n, questionnaires.questions)}</th>
                        <th>{t!(i18n, questionnaires.shown_at)}</th>
                        <th>{t!(i18n, questionnaires.answers)}</th>
                    </tr></thead>
                    <tbody>
                        {paged.rows.into_iter().map(|q| {
                            let open = is_open(q.opens_on, q.closes_on, today);
                            view! {
                                <tr data-id=q.id.to_string() data-open=open.then_some("1")>
                                    <td><a href=format!("/staff/questionnaires/{}", q.id)>{q.title}</a></td>
                                    <td>{q.opens_on.to_string()} " – " {q.closes_on.to_string()}
                                        {open.then(|| view! { " " <span class="tag">{t!(i18n, questionnaires.open_now)}</span> })}</td>
                                    <td>{q.questions}</td>
                                    <td>{q.targets}</td>
                                    <td data-cell="answers">{q.answers}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {pager}
            }.into_any_sync()
        } />
    }
}

/// `/staff/questionnaires/new`: title, introduction, days, where it is shown. The list's server
/// function is asked first: it lets only staff past, and says what day it is in China.
#[component]
pub fn NewQuestionnairePage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| list_questionnaires(Some(0)));
    view! {
        <h1>{t!(i18n, questionnaires.new)}</h1>
        <Loaded resource=data view=move |l: QuestionnaireList| view! { <NewQuestionnaireForm today=l.today /> } />
    }
}

#[component]
fn NewQuestionnaireForm(today: chrono::NaiveDate) -> impl IntoView {
    let i18n = use_i18n();
    let action = CreateQuestionnaire::url();
    let typed = |k: &str| said(action, None, k).unwrap_or_default();
    let or = |v: String, d: String| if v.is_empty() { d } else { v };
    let opens = or(typed("opens_on"), today.to_string());
    let closes = or(
        typed("closes_on"),
        (today + chrono::Days::new(30)).to_string(),
    );
    view! {
        <PlainForm action=action id="questionnaire-new" class="stack">
            <label>
                <span>{t!(i18n, questionnaires.title_label)}</span>
                <input name="title" id="q-title" required maxlength=MAX_TITLE_CHARS value=typed("title") />
            </label>
            <label>
                <span>{t!(i18n, questionnaires.intro_label)}</span>
                <textarea name="intro" id="q-intro" rows="3" maxlength=MAX_INTRO_CHARS inner_html=crate::ui::textarea_html(&typed("intro"))></textarea>
            </label>
            <div class="row">
                <label>
                    <span>{t!(i18n, questionnaires.opens_on)}</span>
                    <input type="date" name="opens_on" id="q-opens" required value=opens />
                </label>
                <label>
                    <span>{t!(i18n, questionnaires.closes_on)}</span>
                    <input type="date" name="closes_on" id="q-closes" required value=closes />
                </label>
            </div>
            <label>
                <span>{t!(i18n, questionnaires.targets_label)}</span>
                <textarea name="targets" id="q-targets" rows="3" inner_html=crate::ui::textarea_html(&typed("targets"))></textarea>
                <small class="muted">{t!(i18n, questionnaires.targets_hint)}</small>
            </label>
            <button type="submit" class="primary" id="q-create">{t!(i18n, questionnaires.create)}</button>
        </PlainForm>
    }
}

/// `/staff/questionnaires/{id}`.
#[component]
pub fn QuestionnairePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let arg = move |k: &str| query_arg(query, k);
    let data = Resource::new(
        move || {
            (
                params.with(|p| p.get("id").unwrap_or_default()),
                arg("site"),
                arg("district"),
                arg("from"),
                arg("to"),
                arg("channel"),
            )
        },
        |(id, site, district, from, to, channel)| {
            get_questionnaire(id, site, district, from, to, channel)
        },
    );
    view! { <Loaded resource=data view=move |d: QuestionnaireDetail| view! { <Questionnaire d=d /> } /> }
}

fn percent(n: u64, of: u64) -> String {
    if of == 0 {
        "–".to_owned()
    } else {
        format!("{:.1}%", n as f64 * 100.0 / of as f64)
    }
}

/// One question's counts as a table with a drawn bar per row: readable by a screen reader and
/// printable, with no script and no chart library.
#[component]
fn Bars(labels: Vec<String>, t: QuestionTally, number: usize) -> impl IntoView {
    let i18n = use_i18n();
    let max = t.counts.iter().copied().max().unwrap_or(0).max(1);
    let of = t.answered;
    view! {
        <table class="list bars" id=format!("result-{number}") data-answered=of>
            <thead><tr>
                <th>{t!(i18n, questionnaires.option)}</th>
                <th>{t!(i18n, questionnaires.count)}</th>
                <th>{t!(i18n, questionnaires.share)}</th>
                <th aria-hidden="true"></th>
            </tr></thead>
            <tbody>
                {labels.into_iter().zip(t.counts).enumerate().map(|(i, (label, n))| {
                    let w = (n * 200 / max) as u32;
                    view! {
                        <tr data-option=i + 1 data-count=n>
                            <td>{label}</td>
                            <td>{n}</td>
                            <td>{percent(n, of)}</td>
                            <td aria-hidden="true">
                                <svg width="204" height="14" viewBox="0 0 204 14" class="bar">
                                    <rect x="0" y="1" width=w.max(1) height="12" rx="2" />
                                </svg>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn Questionnaire(d: QuestionnaireDetail) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let locale = i18n.get_locale_untracked();
    let head = d.head.clone();
    let id = head.id;
    let editable = d.answers == 0;
    let open = is_open(head.opens_on, head.closes_on, d.today);
    let targets = if d.targets.is_empty() {
        view! { <p class="muted" id="q-targets-none">{t!(i18n, questionnaires.link_only)}</p> }
            .into_any_sync()
    } else {
        view! {
            <ul id="q-target-list">
                {d.targets.iter().map(|t| view! {
                    <li data-kind=t.kind.clone()><code>{t.label.clone()}</code> " " {pick(zh, &t.name_zh, &t.name_en).to_owned()}</li>
                }).collect_view()}
            </ul>
        }
        .into_any_sync()
    };
    let questions = head.questions.clone();
    let question_list = head
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let number = i + 1;
            let condition = condition_text(locale, &questions, q);
            let options = (!q.options.is_empty()).then(|| {
                view! { <ol class="options">{q.options.iter().map(|o| view! { <li>{o.clone()}</li> }).collect_view()}</ol> }
            });
            let remove = editable.then(|| {
                view! {
                    <PlainForm action=RemoveQuestion::url() key=format!("remove-{number}") class="inline">
                        <input type="hidden" name="id" value=id.to_string() />
                        <input type="hidden" name="number" value=number />
                        <button type="submit" class="link" id=format!("remove-question-{number}")>{t!(i18n, questionnaires.remove)}</button>
                    </PlainForm>
                }
            });
            view! {
                <li id=format!("q-{number}") data-kind=q.kind.as_str()>
                    <b>{q.prompt.clone()}</b> " "
                    <span class="tag">{kind_label(locale, q.kind)}</span>
                    {q.required.then(|| view! { " " <span class="required">{t!(i18n, questionnaires.required_mark)}</span> })}
                    {condition.map(|c| view! { <br /><small class="muted">{c}</small> })}
                    {options}
                    {remove}
                </li>
            }
        })
        .collect_view();
    let add_form = editable
        .then(|| view! { <AddQuestionForm id=id.to_string() questions=head.questions.clone() /> });
    let frozen = (!editable)
        .then(|| view! { <p class="muted" id="q-frozen">{t!(i18n, questionnaires.frozen)}</p> });
    let f = d.filter.clone();
    let filter_form = view! {
        <form method="get" class="filters" id="q-filter">
            <label><span>{t!(i18n, questionnaires.filter_site)}</span>
                <input name="site" id="q-filter-site" size="8" value=f.site.clone().unwrap_or_default() /></label>
            <label><span>{t!(i18n, site.district)}</span>
                <select name="district" id="q-filter-district">
                    <option value="">{t!(i18n, questionnaires.all)}</option>
                    {d.districts.iter().map(|x| {
                        let on = f.district == Some(x.id);
                        view! { <option value=x.id.to_string() selected=on>{pick(zh, &x.name_zh, &x.name_en).to_owned()}</option> }
                    }).collect_view()}
                </select></label>
            <label><span>{t!(i18n, questionnaires.from)}</span>
                <input type="date" name="from" value=f.from.map(|d| d.to_string()).unwrap_or_default() /></label>
            <label><span>{t!(i18n, questionnaires.to)}</span>
                <input type="date" name="to" value=f.to.map(|d| d.to_string()).unwrap_or_default() /></label>
            <label><span>{t!(i18n, questionnaires.channel)}</span>
                <select name="channel" id="q-filter-channel">
                    <option value="">{t!(i18n, questionnaires.all)}</option>
                    {Channel::ALL.into_iter().map(|c| {
                        let on = f.channel == Some(c);
                        view! { <option value=c.as_str() selected=on>{channel_label(locale, c)}</option> }
                    }).collect_view()}
                </select></label>
            <button type="submit" id="q-filter-apply">{t!(i18n, questionnaires.apply)}</button>
        </form>
    };
    let filtered = d.filtered.max(0) as u64;
    let channels = view! {
        <table class="list" id="q-channels">
            <thead><tr><th>{t!(i18n, questionnaires.channel)}</th><th>{t!(i18n, questionnaires.answers)}</th><th>{t!(i18n, questionnaires.share)}</th></tr></thead>
            <tbody>
                {d.by_channel.iter().map(|(c, n)| view! {
                    <tr data-channel=c.as_str() data-count=*n>
                        <td>{channel_label(locale, *c)}</td><td>{*n}</td><td>{percent(*n as u64, filtered)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    };
    let results = head
        .questions
        .iter()
        .zip(d.tallies.clone())
        .enumerate()
        .map(|(i, (q, t)): (usize, (&Question, QuestionTally))| {
            let number = i + 1;
            let answered = t.answered;
            let body = match q.kind {
                QuestionKind::Single | QuestionKind::Multiple => {
                    view! { <Bars labels=q.options.clone() t=t number=number /> }.into_any_sync()
                }
                QuestionKind::Scale => {
                    let mean = t
                        .mean_x100
                        .map(|m| format!("{}.{:02}", m / 100, m % 100))
                        .unwrap_or_else(|| "–".into());
                    let labels = crate::domain::questionnaire::SCALE
                        .map(|p| format!("{p} {}", scale_label(locale, p)))
                        .collect();
                    view! {
                        <p id=format!("result-{number}-mean")>{t!(i18n, questionnaires.mean)} " " <b>{mean}</b></p>
                        <Bars labels=labels t=t number=number />
                    }
                    .into_any_sync()
                }
                QuestionKind::Text => {
                    let more = answered.saturating_sub(t.texts.len() as u64);
                    view! {
                        <ul class="texts" id=format!("result-{number}")>
                            {t.texts.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
                        </ul>
                        {(more > 0).then(|| view! { <p class="muted">{t!(i18n, questionnaires.more_texts, count = more)}</p> })}
                    }
                    .into_any_sync()
                }
            };
            view! {
                <section class="result" data-question=number>
                    <h3>{number} ". " {q.prompt.clone()} " " <small class="muted">{t!(i18n, questionnaires.answered, count = answered)}</small></h3>
                    {body}
                </section>
            }
        })
        .collect_view();
    view! {
        <h1 id="questionnaire-title">{head.title.clone()}</h1>
        <dl class="facts">
            <dt>{t!(i18n, questionnaires.days)}</dt>
            <dd id="q-days" data-open=open.then_some("1")>{head.opens_on.to_string()} " – " {head.closes_on.to_string()}
                {open.then(|| view! { " " <span class="tag">{t!(i18n, questionnaires.open_now)}</span> })}</dd>
            <dt>{t!(i18n, questionnaires.answers)}</dt>
            <dd id="q-answer-count">{d.answers}</dd>
            <dt>{t!(i18n, questionnaires.own_link)}</dt>
            <dd><a href=d.link.clone() id="q-link">{d.link.clone()}</a> " · "
                <a href=format!("/q/{id}/qr.svg") id="q-qr" download>{t!(i18n, questionnaires.qr)}</a></dd>
        </dl>
        <p>
            <a class="button" href=format!("/staff/questionnaires/{id}/paper") id="q-paper">{t!(i18n, questionnaires.paper)}</a> " "
            <a class="button" href=format!("/staff/questionnaires/{id}/answers.xlsx") id="q-xlsx" download>{t!(i18n, questionnaires.xlsx)}</a>
        </p>
        <section id="q-shown-at">
            <h2>{t!(i18n, questionnaires.shown_at)}</h2>
            {targets}
        </section>
        <section id="q-questions">
            <h2>{t!(i18n, questionnaires.questions)}</h2>
            {if head.questions.is_empty() {
                view! { <p class="muted" id="q-no-questions">{t!(i18n, questionnaires.no_questions)}</p> }.into_any_sync()
            } else {
                view! { <ol class="questions" id="q-question-list">{question_list}</ol> }.into_any_sync()
            }}
            {frozen}
            {add_form}
        </section>
        <section id="q-results">
            <h2>{t!(i18n, questionnaires.results)}</h2>
            {filter_form}
            <p id="q-filtered" data-count=d.filtered>{t!(i18n, questionnaires.filtered, count = d.filtered)}</p>
            {channels}
            {results}
        </section>
    }
}

#[component]
fn AddQuestionForm(id: String, questions: Vec<Question>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let action = AddQuestion::url();
    let typed = |k: &str| said(action, None, k).unwrap_or_default();
    let kind_now = typed("kind");
    let show_if_now = typed("show_if");
    // Every option of every choice question so far: what a condition can point at.
    let conditions: Vec<(String, String)> = questions
        .iter()
        .enumerate()
        .filter(|(_, q)| q.kind.has_options())
        .flat_map(|(i, q)| {
            q.options.iter().enumerate().map(move |(o, text)| {
                let c = crate::domain::questionnaire::Condition {
                    question: i,
                    option: o,
                };
                (
                    c.form_value(),
                    format!("{}. {} → {}", i + 1, q.prompt, text),
                )
            })
        })
        .collect();
    view! {
        <PlainForm action=action id="q-add" class="stack card">
            <h3>{t!(i18n, questionnaires.add)}</h3>
            <input type="hidden" name="id" value=id />
            <label>
                <span>{t!(i18n, questionnaires.prompt)}</span>
                <input name="prompt" id="q-prompt" required maxlength=MAX_PROMPT_CHARS value=typed("prompt") />
            </label>
            <label>
                <span>{t!(i18n, questionnaires.kind)}</span>
                <select name="kind" id="q-kind">
                    {QuestionKind::ALL.into_iter().map(|k| {
                        let on = kind_now == k.as_str();
                        view! { <option value=k.as_str() selected=on>{kind_label(locale, k)}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>
                <span>{t!(i18n, questionnaires.options)}</span>
                <textarea name="options" id="q-options" rows="4" inner_html=crate::ui::textarea_html(&typed("options"))></textarea>
                <small class="muted">{t!(i18n, questionnaires.options_hint)}</small>
            </label>
            <label class="check">
                <input type="checkbox" name="required" value="1" id="q-required" />
                <span>{t!(i18n, questionnaires.required)}</span>
            </label>
            <label>
                <span>{t!(i18n, questionnaires.show_if)}</span>
                <select name="show_if" id="q-show-if">
                    <option value="">{t!(i18n, questionnaires.always)}</option>
                    {conditions.into_iter().map(|(v, text)| {
                        let on = show_if_now == v;
                        view! { <option value=v.clone() selected=on>{text}</option> }
                    }).collect_view()}
                </select>
            </label>
            <button type="submit" class="primary" id="q-add-submit">{t!(i18n, questionnaires.add_submit)}</button>
        </PlainForm>
    }
}
