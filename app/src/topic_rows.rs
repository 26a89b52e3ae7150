//! The shapes hot topics travel in between the store, the server functions and the pages.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::topics::{HotlineRowError, Source};
use crate::paged::Paged;
use crate::questionnaire_rows::DistrictChoice;

/// One text waiting to be cut into words.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingText {
    pub source: Source,
    pub source_id: Uuid,
    pub part: i32,
    pub district_id: Option<Uuid>,
    pub site_id: Option<Uuid>,
    pub at: chrono::DateTime<chrono::Utc>,
    pub body: String,
}

/// A pending text with its words, to be stored.
#[derive(Clone, Debug, PartialEq)]
pub struct CutText {
    pub text: PendingText,
    pub words: Vec<String>,
}

/// The staff's word lists as saved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct WordListsRow {
    pub stop_words: String,
    pub synonyms: String,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub updated_by: Option<String>,
}

/// One topic of the week as the topics page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TopicRow {
    pub term: String,
    pub related: Vec<(String, u32)>,
    /// Texts grouped under it (its page lists exactly these).
    pub texts: u32,
    /// Texts that used its word each week, oldest first.
    pub trend: Vec<u32>,
}

/// `/staff/topics`: a week's topics in one district or the whole city.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TopicsView {
    /// Monday of the chosen week.
    pub week: chrono::NaiveDate,
    /// Monday of this week, in China.
    pub this_week: chrono::NaiveDate,
    pub district: Option<Uuid>,
    pub districts: Vec<DistrictChoice>,
    pub topics: Vec<TopicRow>,
    pub texts: u32,
    pub in_no_topic: u32,
    /// Topics past the listed ones, and their texts.
    pub more_topics: u32,
    pub in_more_topics: u32,
    /// Texts written lately were still being cut into words when this was counted.
    pub indexing: bool,
    /// The week's texts per source.
    pub by_source: Vec<(String, u32)>,
}

/// One text behind a topic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TopicText {
    pub id: i64,
    pub source: String,
    pub source_id: Uuid,
    pub at: chrono::DateTime<chrono::Utc>,
    pub district_zh: Option<String>,
    pub district_en: Option<String>,
    pub site_code: Option<String>,
    pub site_zh: Option<String>,
    pub body: String,
}

/// A site the texts of a topic came from, with how many.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TopicSite {
    pub code: String,
    pub name_zh: String,
    pub texts: i64,
}

/// `/staff/topics/texts`: the texts of one topic, a page at a time, and the draft item it can
/// become.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TopicTexts {
    pub term: String,
    pub week: chrono::NaiveDate,
    pub district: Option<Uuid>,
    pub district_name: Option<(String, String)>,
    pub related: Vec<(String, u32)>,
    /// The words counted as the topic's (itself and its synonyms).
    pub spellings: Vec<String>,
    pub texts: Paged<TopicText>,
    pub by_source: Vec<(String, u32)>,
    pub sites: Vec<TopicSite>,
    /// What the draft item says unless staff change it.
    pub draft: String,
    /// The draft form's id, made when the page is drawn: the item's id if the form is sent.
    pub form_id: Uuid,
    pub indexing: bool,
}

/// One 12345 import, as the import page lists them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct HotlineImportRecord {
    pub id: Uuid,
    pub file_name: String,
    pub rows: i32,
    pub skipped: i32,
    pub by_name: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HotlineHistory {
    pub imports: Vec<HotlineImportRecord>,
    pub total: i64,
    /// Calls stored in all.
    pub calls: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum HotlineOutcome {
    /// `rows` stored; `skipped` were in an earlier import.
    Imported {
        import: Uuid,
        rows: usize,
        skipped: usize,
    },
    Refused {
        errors: Vec<HotlineRowError>,
    },
}
