//! The shapes questionnaires travel in, between the store, the server functions, the public
//! form's handler and the pages.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::questionnaire::{Channel, Question, QuestionTally};
use crate::error::AppError;
use crate::paged::Paged;

/// A line of the staff's list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct QuestionnaireSummary {
    pub id: Uuid,
    pub title: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub questions: i64,
    pub targets: i64,
    pub answers: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionnaireList {
    pub list: Paged<QuestionnaireSummary>,
    pub today: NaiveDate,
}

/// Where a questionnaire is shown, named for people.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TargetRow {
    /// `project`, `sub_item` or `site`.
    pub kind: String,
    /// `3`, `3.2` or the site's code.
    pub label: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionnaireHead {
    pub id: Uuid,
    pub title: String,
    pub intro: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub questions: Vec<Question>,
}

/// What the results are narrowed to (all of it when empty). A site or a district leaves out
/// answers given by the questionnaire's own link and on paper, which have no site.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResultFilter {
    pub site: Option<String>,
    pub district: Option<Uuid>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub channel: Option<Channel>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DistrictChoice {
    pub id: Uuid,
    pub name_zh: String,
    pub name_en: String,
}

/// The staff's page of one questionnaire: what it asks, where, and what came back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionnaireDetail {
    pub head: QuestionnaireHead,
    pub targets: Vec<TargetRow>,
    /// Every answer, whatever the filter (questions are frozen once there is one).
    pub answers: i64,
    pub today: NaiveDate,
    /// The questionnaire's own address (for a liaison station's poster).
    pub link: String,
    pub filter: ResultFilter,
    /// Answers within the filter, and how many came through each channel.
    pub filtered: i64,
    pub by_channel: Vec<(Channel, i64)>,
    pub tallies: Vec<QuestionTally>,
    pub districts: Vec<DistrictChoice>,
}

/// An open questionnaire as a site's page links to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct QuestionnaireLink {
    pub id: Uuid,
    pub title: String,
    pub closes_on: NaiveDate,
}

/// The site an answer is given at, as the form names it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AnswerSite {
    pub id: Uuid,
    pub public_code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// What the server found for the answer form (`/s/{code}/q/{id}`, `/q/{id}` or staff's paper
/// entry), provided as context before the page renders: the form never loads anything itself.
#[derive(Clone, Debug, Default)]
pub struct AnswerForm {
    pub head: Option<QuestionnaireHead>,
    pub site: Option<AnswerSite>,
    /// Where the form posts.
    pub action: String,
    pub form_token: Uuid,
    /// The version of the questions the form was drawn with (`questionnaire::revision`).
    pub questions_rev: String,
    pub open: bool,
    /// Staff typing in a paper form.
    pub paper: bool,
    /// What was sent, when the form is drawn again with a reason.
    pub typed: Vec<(String, String)>,
    pub error: Option<AppError>,
    /// Just stored (the thank-you page).
    pub done: bool,
    /// Paper answers typed in so far by this person (shown after each one).
    pub paper_count: Option<i64>,
}

/// One row of the raw answers' XLSX.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AnswerRow {
    pub created_at: DateTime<Utc>,
    pub channel: String,
    pub public_code: Option<String>,
    pub site_zh: Option<String>,
    pub district_zh: Option<String>,
    pub answers: serde_json::Value,
}
