//! The staff's hot-topic pages: a week's topics (`/staff/topics`), one topic's texts and the
//! draft item it can become (`/staff/topics/texts`), the word lists (`/staff/topics/words`) and
//! the 12345 import (`/staff/topics/hotline`). Plain HTML and forms; trends are drawn on the
//! server.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use super::{
    hotline_imports, texts_of_topic, topic_words, topics_of_week, SaveTopicWords, TopicDraftItem,
    HOTLINE_URL,
};
use crate::domain::topics::{HotlineColumn, Source, WordLists, TREND_WEEKS};
use crate::i18n::*;
use crate::topic_rows::{
    HotlineHistory, HotlineOutcome, TopicRow, TopicTexts, TopicsView, WordListsRow,
};
use crate::ui::form::{said, PlainForm};
use crate::ui::upload::uploaded;
use crate::ui::{pager, pick, query_arg, urlencode, use_zh, ErrorNotice, IntoAnySync, Loaded};

fn source_label(locale: impl Into<Locale>, s: &str) -> &'static str {
    let locale: Locale = locale.into();
    match Source::parse(s) {
        Some(Source::Comment) => td_string!(locale, topics.source_comment),
        Some(Source::Answer) => td_string!(locale, topics.source_answer),
        Some(Source::Observation) => td_string!(locale, topics.source_observation),
        _ => td_string!(locale, topics.source_hotline),
    }
}

/// The query of a week and district, for links between the pages.
fn week_query(week: chrono::NaiveDate, district: Option<uuid::Uuid>) -> String {
    match district {
        Some(d) => format!("week={week}&district={d}"),
        None => format!("week={week}"),
    }
}

/// "群众留言 3 · 12345 热线 2", the sources with any text.
fn sources_line(locale: Locale, by_source: &[(String, u32)]) -> String {
    by_source
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{} {n}", source_label(locale, s)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// `/staff/topics`.
#[component]
pub fn TopicsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let data = Resource::new(
        move || (query_arg(query, "week"), query_arg(query, "district")),
        |(week, district)| topics_of_week(week, district),
    );
    view! {
        <h1>{t!(i18n, topics.title)}</h1>
        <p class="muted">{t!(i18n, topics.intro)}</p>
        <p class="row">
            <a href="/staff/topics/hotline" class="button" id="hotline-import-link">{t!(i18n, topics.import_link)}</a>
            <a href="/staff/topics/words" class="button" id="topic-words-link">{t!(i18n, topics.words_link)}</a>
        </p>
        <Loaded resource=data view=move |v: TopicsView| view! { <Topics v=v /> } />
    }
}

/// A topic's weekly counts as small bars, with the figures in words for a screen reader.
#[component]
fn Trend(trend: Vec<u32>, week: chrono::NaiveDate) -> impl IntoView {
    let max = trend.iter().copied().max().unwrap_or(0).max(1);
    let n = trend.len();
    let words = trend
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let monday = week - chrono::Days::new(7 * (n - 1 - i) as u64);
            format!("{}: {c}", monday.format("%m-%d"))
        })
        .collect::<Vec<_>>()
        .join(", ");
    let label = words.clone();
    let bars = trend
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let h = (c * 24 / max).max(u32::from(*c > 0));
            view! { <rect x={i * 8} y={24 - h} width="6" height=h /> }
        })
        .collect_view();
    view! {
        <svg class="trend" width={n * 8} height="24" viewBox=format!("0 0 {} 24", n * 8) role="img" aria-label=label>
            <title>{words}</title>
            {bars}
        </svg>
    }
}

#[component]
fn Topics(v: TopicsView) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let locale = i18n.get_locale_untracked();
    let week = v.week;
    let district = v.district;
    let prev = week - chrono::Days::new(7);
    let next = week + chrono::Days::new(7);
    let district_query = |w: chrono::NaiveDate| format!("?{}", week_query(w, district));
    let sources = sources_line(locale, &v.by_source);
    // In the topics listed; those of topics past the list are said below it.
    let grouped = v.texts - v.in_no_topic - v.in_more_topics;
    view! {
        <form method="get" action="/staff/topics" class="row filters" id="topics-filter">
            <label>
                <span>{t!(i18n, topics.week)}</span>
                <input type="date" name="week" id="topics-week" value=week.to_string() />
            </label>
            <label>
                <span>{t!(i18n, topics.district)}</span>
                <select name="district" id="topics-district">
                    <option value="">{t!(i18n, topics.all_districts)}</option>
                    {v.districts.into_iter().map(|d| {
                        let selected = Some(d.id) == district;
                        view! { <option value=d.id.to_string() selected=selected>{pick(zh, &d.name_zh, &d.name_en)}</option> }
                    }).collect_view()}
                </select>
            </label>
            <button type="submit">{t!(i18n, topics.show)}</button>
        </form>
        <p class="row">
            <a href=district_query(prev) id="topics-prev">{t!(i18n, topics.prev_week)}</a>
            {(week < v.this_week).then(|| view! { <a href=district_query(next) id="topics-next">{t!(i18n, topics.next_week)}</a> })}
        </p>
        <p id="topics-summary" data-texts=v.texts data-grouped=grouped data-in-no-topic=v.in_no_topic>
            {t!(i18n, topics.summary, week = week.to_string(), texts = v.texts, grouped = grouped, rest = v.in_no_topic)}
            {(!sources.is_empty()).then(|| view! { " (" {sources.clone()} ")" })}
        </p>
        {v.indexing.then(|| view! { <p class="notice" id="topics-indexing" role="status">{t!(i18n, topics.indexing)}</p> })}
        {let shown = v.topics.len();
        if v.topics.is_empty() {
            view! { <p class="muted" id="topics" data-topics="0">{t!(i18n, topics.none)}</p> }.into_any_sync()
        } else {
            view! {
                <div class="scroll" tabindex="0">
                    <table class="list" id="topics" data-topics=shown>
                        <caption class="muted">{t!(i18n, topics.caption, weeks = TREND_WEEKS)}</caption>
                        <thead><tr>
                            <th>{t!(i18n, topics.topic)}</th>
                            <th>{t!(i18n, topics.related)}</th>
                            <th class="num">{t!(i18n, topics.texts)}</th>
                            <th>{t!(i18n, topics.trend)}</th>
                        </tr></thead>
                        <tbody>
                            {v.topics.into_iter().map(|t: TopicRow| {
                                let href = format!("/staff/topics/texts?term={}&{}", urlencode(&t.term), week_query(week, district));
                                let related = t.related.iter().map(|(w, n)| format!("{w} ({n})")).collect::<Vec<_>>().join("、");
                                let last = t.trend.last().copied().unwrap_or(0);
                                let before = t.trend.iter().rev().nth(1).copied().unwrap_or(0);
                                let change = match last.cmp(&before) {
                                    std::cmp::Ordering::Greater => format!("↑ {}", last - before),
                                    std::cmp::Ordering::Less => format!("↓ {}", before - last),
                                    std::cmp::Ordering::Equal => "→".to_owned(),
                                };
                                view! {
                                    <tr data-term=t.term.clone() data-texts=t.texts>
                                        <td><a href=href>{t.term.clone()}</a></td>
                                        <td>{related}</td>
                                        <td class="num">{t.texts}</td>
                                        <td class="trend-cell"><Trend trend=t.trend week=week /> " " <span class="muted">{change}</span></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any_sync()
        }}
        {(v.more_topics > 0).then(|| view! {
            <p class="muted" id="topics-more" data-more=v.more_topics data-texts=v.in_more_topics>
                {t!(i18n, topics.more, topics = v.more_topics, texts = v.in_more_topics)}
            </p>
        })}
    }
}

/// `/staff/topics/texts?term=…&week=…&district=…`.
#[component]
pub fn TopicTextsPage() -> impl IntoView {
    let query = use_query_map();
    let arg = move |k: &str| query_arg(query, k);
    let data = Resource::new(
        move || (arg("term"), arg("week"), arg("district"), arg("page")),
        |(term, week, district, page)| {
            texts_of_topic(
                term.unwrap_or_default(),
                week,
                district,
                page.and_then(|p| p.trim().parse().ok()),
            )
        },
    );
    view! { <Loaded resource=data view=move |t: TopicTexts| view! { <TopicTextsView t=t /> } /> }
}

#[component]
fn TopicTextsView(t: TopicTexts) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let locale = i18n.get_locale_untracked();
    let back = format!("/staff/topics?{}", week_query(t.week, t.district));
    let place = t
        .district_name
        .as_ref()
        .map(|(z, e)| pick(zh, z, e))
        .unwrap_or_else(|| t_string!(i18n, topics.all_districts).to_owned());
    let paged = t.texts;
    let (total, shown, pages) = (paged.total, paged.page + 1, paged.pages());
    let term_q = urlencode(&t.term);
    let wq = week_query(t.week, t.district);
    let status =
        view! { {t!(i18n, topics.text_pages, total = total, page = shown, pages = pages)} };
    let pager = pager(
        "topic-texts-pager",
        (paged.total, paged.page, paged.pages()),
        move |n| format!("?term={term_q}&{wq}&page={n}"),
        status,
    );
    let related = t
        .related
        .iter()
        .map(|(w, n)| format!("{w} ({n})"))
        .collect::<Vec<_>>()
        .join("、");
    let sources = sources_line(locale, &t.by_source);
    view! {
        <p><a href=back>{t!(i18n, topics.back)}</a></p>
        <h1 id="topic-term">{t!(i18n, topics.topic)} "：" {t.term.clone()}</h1>
        {t.indexing.then(|| view! { <p class="notice" id="topics-indexing" role="status">{t!(i18n, topics.indexing)}</p> })}
        <p class="muted">{t.week.to_string()} " · " {place}</p>
        <p id="topic-counted-as">{t!(i18n, topics.spellings)} " " {t.spellings.join("、")}</p>
        {(!related.is_empty()).then(|| view! { <p>{t!(i18n, topics.related)} "：" {related.clone()}</p> })}
        <p id="topic-sources">{sources}</p>
        <ol class="texts" id="topic-texts" data-total=paged.total>
            {paged.rows.into_iter().map(|x| {
                let district = x.district_zh.as_ref().map(|z| pick(zh, z, x.district_en.as_deref().unwrap_or_default()));
                let site = x.site_code.clone().map(|c| format!("{} {}", c, x.site_zh.clone().unwrap_or_default()));
                view! {
                    <li data-text=x.id data-source=x.source.clone()>
                        <p class="muted">
                            <span class="tag">{source_label(locale, &x.source)}</span> " "
                            {crate::ui::local_time(x.at)}
                            {district.map(|d| view! { " · " {d} })}
                            {site.map(|s| view! { " · " {s} })}
                        </p>
                        <p class="body">{x.body}</p>
                    </li>
                }
            }).collect_view()}
        </ol>
        {pager}
        <DraftForm term=t.term week=t.week sites=t.sites draft=t.draft form_id=t.form_id />
    }
}

#[component]
fn DraftForm(
    term: String,
    week: chrono::NaiveDate,
    sites: Vec<crate::topic_rows::TopicSite>,
    draft: String,
    form_id: uuid::Uuid,
) -> impl IntoView {
    let i18n = use_i18n();
    let action = TopicDraftItem::url();
    let typed = |k: &str| said(action, None, k);
    let site = typed("site")
        .or_else(|| sites.first().map(|s| s.code.clone()))
        .unwrap_or_default();
    let description = typed("description").unwrap_or(draft);
    // A form sent back refused keeps its id, so that sending it again still makes one item.
    let form_id = typed("form_id").unwrap_or_else(|| form_id.to_string());
    view! {
        <h2>{t!(i18n, topics.draft_title)}</h2>
        <p class="muted">{t!(i18n, topics.draft_intro)}</p>
        <PlainForm action=action id="topic-draft" class="stack card">
            <input type="hidden" name="term" value=term />
            <input type="hidden" name="week" value=week.to_string() />
            <input type="hidden" name="form_id" value=form_id />
            <label>
                <span>{t!(i18n, topics.draft_site)}</span>
                <input name="site" id="topic-draft-site" required maxlength="7" value=site list="topic-sites" autocomplete="off" />
                <datalist id="topic-sites">
                    {sites.iter().map(|s| view! { <option value=s.code.clone()>{format!("{} ({})", s.name_zh, s.texts)}</option> }).collect_view()}
                </datalist>
                <small class="muted">{t!(i18n, topics.draft_site_hint)}</small>
            </label>
            <label>
                <span>{t!(i18n, topics.draft_kind)}</span>
                <select name="kind" id="topic-draft-kind">
                    <option value="problem">{t!(i18n, topics.kind_problem)}</option>
                    <option value="suggestion">{t!(i18n, topics.kind_suggestion)}</option>
                </select>
            </label>
            <label>
                <span>{t!(i18n, topics.draft_description)}</span>
                <textarea name="description" id="topic-draft-description" rows="8" maxlength="2000" required inner_html=crate::ui::textarea_html(&description)></textarea>
            </label>
            <button type="submit" class="primary" id="topic-draft-submit">{t!(i18n, topics.draft_submit)}</button>
        </PlainForm>
    }
}

/// `/staff/topics/words`.
#[component]
pub fn TopicWordsPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| topic_words());
    view! {
        <p><a href="/staff/topics">{t!(i18n, topics.back)}</a></p>
        <h1>{t!(i18n, topics.words_title)}</h1>
        <p class="muted">{t!(i18n, topics.words_intro)}</p>
        <Loaded resource=data view=move |w: WordListsRow| view! { <WordsForm w=w /> } />
    }
}

#[component]
fn WordsForm(w: WordListsRow) -> impl IntoView {
    let i18n = use_i18n();
    let action = SaveTopicWords::url();
    let zh = use_zh();
    let (typed_stop, typed_synonyms) = (
        said(action, None, "stop_words"),
        said(action, None, "synonyms"),
    );
    // Lists sent back refused: which line is wrong, in the reader's language (the notice above
    // names the field only).
    let line = typed_stop
        .as_ref()
        .zip(typed_synonyms.as_ref())
        .and_then(|(s, y)| WordLists::parse(s, y).err())
        .map(|e| if zh { e.message_zh() } else { e.to_string() });
    let stop = typed_stop.unwrap_or(w.stop_words);
    let synonyms = typed_synonyms.unwrap_or(w.synonyms);
    let saved = t_string!(i18n, topics.words_saved);
    view! {
        <PlainForm action=action id="topic-words" class="stack" done=saved done_id="topic-words-saved">
            {line.map(|l| view! { <p class="notice error" id="topic-words-line">{l}</p> })}
            <label>
                <span>{t!(i18n, topics.stop_words)}</span>
                <textarea name="stop_words" id="topic-stop-words" rows="6" inner_html=crate::ui::textarea_html(&stop)></textarea>
                <small class="muted">{t!(i18n, topics.stop_words_hint)}</small>
            </label>
            <label>
                <span>{t!(i18n, topics.synonyms)}</span>
                <textarea name="synonyms" id="topic-synonyms" rows="8" inner_html=crate::ui::textarea_html(&synonyms)></textarea>
                <small class="muted">{t!(i18n, topics.synonyms_hint)}</small>
            </label>
            <button type="submit" class="primary" id="topic-words-submit">{t!(i18n, topics.words_submit)}</button>
        </PlainForm>
        {w.updated_by.map(|by| view! {
            <p class="muted" id="topic-words-updated">{t!(i18n, topics.words_updated)} " " {crate::ui::local_time(w.updated_at)} " · " {by}</p>
        })}
    }
}

/// `/staff/topics/hotline`: the 12345 export's upload, what became of it, the latest imports.
#[component]
pub fn HotlineImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| hotline_imports());
    view! {
        <p><a href="/staff/topics">{t!(i18n, topics.back)}</a></p>
        <h1>{t!(i18n, topics.hotline_title)}</h1>
        <Loaded resource=data view=move |h: HotlineHistory| view! { <HotlineForm h=h /> } />
    }
}

#[component]
fn HotlineForm(h: HotlineHistory) -> impl IntoView {
    let i18n = use_i18n();
    let zh = use_zh();
    let columns = [
        HotlineColumn::Date,
        HotlineColumn::District,
        HotlineColumn::Category,
        HotlineColumn::Text,
    ]
    .map(|c| if zh { c.header_zh() } else { c.header_en() })
    .join(" · ");
    let optional = if zh {
        HotlineColumn::Ticket.header_zh()
    } else {
        HotlineColumn::Ticket.header_en()
    };
    let shown = h.imports.len();
    let total = h.total;
    view! {
        <p class="muted">{t!(i18n, topics.hotline_intro)}</p>
        <p class="muted">{t!(i18n, topics.hotline_columns)} " " <code id="hotline-columns">{columns}</code>
            " · " {t!(i18n, topics.hotline_optional)} " " <code>{optional}</code></p>
        <form class="stack" id="hotline-form" method="post" action=HOTLINE_URL enctype="multipart/form-data">
            <label>
                <span>{t!(i18n, topics.hotline_file)}</span>
                <input type="file" name="file" id="hotline-file" required accept=".xlsx,.csv,text/csv" />
            </label>
            <button type="submit" class="primary" id="hotline-submit">{t!(i18n, topics.hotline_submit)}</button>
        </form>
        {uploaded::<HotlineOutcome>().map(|r| match r {
            Err(e) => view! { <ErrorNotice error=e /> }.into_any_sync(),
            Ok(HotlineOutcome::Imported { rows, skipped, .. }) => view! {
                <p class="notice ok" id="hotline-done" data-rows=rows data-skipped=skipped>
                    {t!(i18n, topics.hotline_done, rows = rows, skipped = skipped)} " · "
                    <a href="/staff/topics">{t!(i18n, topics.title)}</a>
                </p>
            }.into_any_sync(),
            Ok(HotlineOutcome::Refused { errors }) => view! {
                <div class="notice error" role="alert" id="hotline-refused">
                    <p>{t!(i18n, topics.hotline_refused)}</p>
                    <table class="grid" id="hotline-errors">
                        <thead><tr><th>{t!(i18n, import.row)}</th><th>{t!(i18n, import.problem)}</th></tr></thead>
                        <tbody>
                            {errors.into_iter().map(|e| view! {
                                <tr data-row=e.row>
                                    <td>{if e.row == 0 { "—".to_owned() } else { e.row.to_string() }}</td>
                                    <td>{if zh { e.problem.message_zh() } else { e.problem.message_en() }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any_sync(),
        })}
        <h2>{t!(i18n, import.recent)}</h2>
        <p class="muted" id="hotline-calls" data-calls=h.calls>{t!(i18n, topics.hotline_calls, calls = h.calls)}</p>
        {(total == 0).then(|| view! { <p class="muted" id="hotline-imports-none">{t!(i18n, import.none_yet)}</p> })}
        {(total > 0).then(|| view! {
            <p class="muted">{t!(i18n, import.recent_count, shown = shown, total = total)}</p>
            <div class="scroll" tabindex="0">
                <table class="grid" id="hotline-imports">
                    <thead><tr>
                        <th>{t!(i18n, import.when)}</th>
                        <th>{t!(i18n, import.file)}</th>
                        <th class="num">{t!(i18n, topics.hotline_rows)}</th>
                        <th class="num">{t!(i18n, topics.hotline_skipped)}</th>
                        <th>{t!(i18n, import.by)}</th>
                    </tr></thead>
                    <tbody>
                        {h.imports.into_iter().map(|r| view! {
                            <tr data-import=r.id.to_string()>
                                <td>{crate::ui::local_time(r.at)}</td>
                                <td>{r.file_name}</td>
                                <td class="num">{r.rows}</td>
                                <td class="num">{r.skipped}</td>
                                <td>{r.by_name}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        })}
    }
}
