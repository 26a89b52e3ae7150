//! Hot topics (热点话题): the week's public comments, questionnaire text answers, observation
//! notes and 12345 calls, cut into words (`index`), grouped into topics per district and week
//! (`domain::topics`), each with its texts and a trend; a topic becomes a draft item. Staff edit
//! the stop words and synonyms, and import 12345 exports (`server/src/hotline.rs`).

#[cfg(feature = "ssr")]
pub mod index;
pub mod pages;

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::topic_rows::{HotlineHistory, TopicTexts, TopicsView, WordListsRow};

/// Where the 12345 export is posted (multipart, like the findings import).
pub const HOTLINE_URL: &str = "/topics/hotline";
/// The largest 12345 export accepted: 50,000 calls of a few hundred characters.
pub const MAX_HOTLINE_BYTES: usize = 20 * 1024 * 1024;
/// Imports the import page lists.
pub const RECENT_HOTLINE_IMPORTS: i64 = 20;

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::domain::topics::{week_of, TopicFinder, Topics, WordLists, TREND_WEEKS};
    use crate::store::Db;

    /// The week asked for (any day of it), or this week.
    pub fn week(week: Option<&str>) -> Result<chrono::NaiveDate, AppError> {
        match week.map(str::trim).filter(|w| !w.is_empty()) {
            None => Ok(week_of(crate::ssr::today())),
            Some(w) => crate::domain::topics::parse_day(w)
                .map(week_of)
                .ok_or_else(|| AppError::invalid("topic_week", "choose a day of the week to show")),
        }
    }

    pub fn district(district: Option<&str>) -> Result<Option<Uuid>, AppError> {
        match district.map(str::trim).filter(|d| !d.is_empty()) {
            None => Ok(None),
            Some(d) => Uuid::parse_str(d).map(Some).map_err(|_| {
                AppError::invalid("topic_district", "choose a district from the list")
            }),
        }
    }

    /// The saved word lists as rules (they were read without error when saved).
    pub async fn lists(db: &Db) -> Result<WordLists, AppError> {
        let row = db.topic_words().await?;
        WordLists::parse(&row.stop_words, &row.synonyms)
            .map_err(|e| AppError::invalid(e.field(), e.to_string()))
    }

    /// What both pages of a week's topics start with: the caller is staff, the week and the
    /// district read, the word lists, the topics.
    pub struct Week {
        pub db: Db,
        pub week: chrono::NaiveDate,
        pub district: Option<Uuid>,
        pub lists: WordLists,
        pub topics: Topics,
        pub ids: Vec<i64>,
        pub week_ids: Vec<i64>,
        pub complete: bool,
    }

    pub async fn load(week: Option<&str>, district: Option<&str>) -> Result<Week, AppError> {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let db = crate::ssr::db()?;
        let week = self::week(week)?;
        let district = self::district(district)?;
        let lists = lists(&db).await?;
        let (topics, ids, week_ids, complete) = week_topics(&db, &lists, week, district).await?;
        Ok(Week {
            db,
            week,
            district,
            lists,
            topics,
            ids,
            week_ids,
            complete,
        })
    }

    /// The week's topics with the stored ids of the texts (in the order the finder took them)
    /// and of the chosen week's, and whether every text written so far was counted (a page
    /// waits a few seconds at most for texts still being cut into words).
    pub async fn week_topics(
        db: &Db,
        lists: &WordLists,
        week: chrono::NaiveDate,
        district: Option<Uuid>,
    ) -> Result<(Topics, Vec<i64>, Vec<i64>, bool), AppError> {
        let complete = super::index::catch_up_within(db, super::index::PAGE_BUDGET).await?;
        let first = week - chrono::Days::new(7 * (TREND_WEEKS as u64 - 1));
        let mut finder = TopicFinder::new(lists, TREND_WEEKS);
        let mut ids = Vec::new();
        let mut week_ids = Vec::new();
        db.each_topic_text(first, TREND_WEEKS as u32, district, |id, w, words, body| {
            // The finder numbers the texts it takes; it takes those of the window only.
            if w < TREND_WEEKS {
                ids.push(id);
                if w == TREND_WEEKS - 1 {
                    week_ids.push(id);
                }
                finder.add(w, &words, &body);
            }
        })
        .await?;
        Ok((
            finder.finish(crate::domain::topics::TOPICS_SHOWN),
            ids,
            week_ids,
            complete,
        ))
    }
}

/// The topics of a week (any day of it; this week when empty) in one district or the city.
#[server(endpoint = "topics/week")]
pub async fn topics_of_week(
    week: Option<String>,
    district: Option<String>,
) -> Result<TopicsView, AppError> {
    use crate::topic_rows::TopicRow;
    crate::ssr::run(async move {
        let ssr::Week {
            db,
            week,
            district,
            topics,
            week_ids,
            complete,
            ..
        } = ssr::load(week.as_deref(), district.as_deref()).await?;
        let by_source = db.topic_source_counts(&week_ids).await?;
        Ok(TopicsView {
            week,
            this_week: crate::domain::topics::week_of(crate::ssr::today()),
            district,
            districts: db.district_choices().await?,
            topics: topics
                .topics
                .into_iter()
                .map(|t| TopicRow {
                    texts: t.texts.len() as u32,
                    term: t.term,
                    related: t.related,
                    trend: t.trend,
                })
                .collect(),
            texts: topics.texts,
            in_no_topic: topics.in_no_topic,
            more_topics: topics.more_topics,
            in_more_topics: topics.in_more_topics,
            indexing: !complete,
            by_source: by_source
                .into_iter()
                .map(|(s, n)| (s.as_str().to_owned(), n))
                .collect(),
        })
    })
    .await
}

/// The texts grouped under the topic `term` in that week and district, a page at a time, with
/// the draft item it would become.
#[server(endpoint = "topics/texts")]
pub async fn texts_of_topic(
    term: String,
    week: Option<String>,
    district: Option<String>,
    page: Option<u32>,
) -> Result<TopicTexts, AppError> {
    use crate::domain::topics::{draft_description, TEXTS_PAGE};
    crate::ssr::run(async move {
        let ssr::Week {
            db,
            week,
            district,
            lists,
            topics,
            ids,
            complete,
            ..
        } = ssr::load(week.as_deref(), district.as_deref()).await?;
        let term = term.trim().to_lowercase();
        let Some(topic) = topics.topics.into_iter().find(|t| t.term == term) else {
            return Err(AppError::not_found("topic"));
        };
        let mine: Vec<i64> = topic.texts.iter().map(|i| ids[*i as usize]).collect();
        let total = mine.len() as i64;
        let page = page
            .unwrap_or(0)
            .min(crate::paged::page_count(total, TEXTS_PAGE) - 1);
        let rows = db.topic_texts_page(&mine, page, TEXTS_PAGE).await?;
        let (by_source, sites, samples) = db.topic_text_summary(&mine).await?;
        let related: Vec<String> = topic.related.iter().map(|r| r.0.clone()).collect();
        let draft = draft_description(&topic.term, &related, week, &by_source, &samples);
        let district_name = match district {
            None => None,
            Some(d) => db
                .district_choices()
                .await?
                .into_iter()
                .find(|c| c.id == d)
                .map(|c| (c.name_zh, c.name_en)),
        };
        Ok(TopicTexts {
            spellings: lists.spellings(&topic.term),
            term: topic.term,
            week,
            district,
            district_name,
            related: topic.related,
            texts: crate::paged::Paged {
                rows,
                total,
                page,
                per_page: TEXTS_PAGE,
            },
            by_source: by_source
                .into_iter()
                .map(|(s, n)| (s.as_str().to_owned(), n))
                .collect(),
            sites,
            draft,
            form_id: Uuid::now_v7(),
            indexing: !complete,
        })
    })
    .await
}

/// A topic as a draft item of the public survey channel at one site (staff): the item page
/// follows.
#[server(endpoint = "topics/draft-item")]
pub async fn topic_draft_item(
    term: String,
    week: String,
    site: String,
    kind: String,
    description: String,
    form_id: Option<String>,
) -> Result<Uuid, AppError> {
    use crate::domain::topics::TopicDraft;
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let keep = || {
            crate::ssr::form_says("site", &site);
            crate::ssr::form_says("description", &description);
            if let Some(f) = &form_id {
                crate::ssr::form_says("form_id", f);
            }
        };
        let draft = TopicDraft::parse(&term, &week, &site, &kind, &description).map_err(|e| {
            keep();
            AppError::invalid(e.field, e.message)
        })?;
        // The form's own id makes a second send of it (a double tap, a resend after a lost
        // answer) find the item the first made; a caller without a form gets a new one.
        let id = match form_id.as_deref().map(str::trim) {
            None | Some("") => Uuid::now_v7(),
            // Made by `texts_of_topic` as a UUIDv7; anything else was not made by a form.
            Some(s) => Uuid::parse_str(s)
                .ok()
                .filter(|u| u.get_version_num() == 7)
                .ok_or_else(|| {
                    keep();
                    AppError::invalid("form_id", "this form is damaged: open the topic again")
                })?,
        };
        let year = chrono::Datelike::year(&crate::ssr::today());
        let made = crate::ssr::db()?
            .create_topic_item(
                id,
                draft.site.as_str(),
                draft.kind,
                &draft.description,
                &draft.origin,
                user.id,
                year,
            )
            .await?;
        let Some(id) = made else {
            keep();
            return Err(AppError::invalid("topic_site", "no site has this code"));
        };
        crate::ssr::form_goes_to(&format!("/items/{id}"));
        Ok(id)
    })
    .await
}

/// The stop words and synonyms (staff).
#[server(endpoint = "topics/words")]
pub async fn topic_words() -> Result<WordListsRow, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        crate::ssr::db()?.topic_words().await
    })
    .await
}

/// Saves the stop words and synonyms when both read without error; the line at fault is named.
#[server(endpoint = "topics/save-words")]
pub async fn save_topic_words(stop_words: String, synonyms: String) -> Result<(), AppError> {
    use crate::domain::topics::WordLists;
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        if let Err(e) = WordLists::parse(&stop_words, &synonyms) {
            crate::ssr::form_says("stop_words", &stop_words);
            crate::ssr::form_says("synonyms", &synonyms);
            let zh = e.message_zh();
            return Err(AppError::invalid(e.field(), format!("{e} / {zh}")));
        }
        use crate::domain::topics::tidy_list;
        crate::ssr::db()?
            .save_topic_words(&tidy_list(&stop_words), &tidy_list(&synonyms), user.id)
            .await
    })
    .await
}

/// The latest 12345 imports (staff, like the import itself).
#[server(endpoint = "topics/hotline-imports")]
pub async fn hotline_imports() -> Result<HotlineHistory, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let (imports, total, calls) = crate::ssr::db()?
            .recent_hotline_imports(RECENT_HOTLINE_IMPORTS)
            .await?;
        Ok(HotlineHistory {
            imports,
            total,
            calls,
        })
    })
    .await
}
