//! Questionnaires (民意调查): staff write one (`/staff/questionnaires/new`), add its questions
//! and read the results on its page (`/staff/questionnaires/{id}`); the public answers from a
//! site's page or the questionnaire's own link with a plain form (`answer::AnswerPage`, posted
//! to `server/src/questionnaire.rs`); staff type in paper answers through the same form.

pub mod answer;
pub mod pages;

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::questionnaire_rows::{QuestionnaireDetail, QuestionnaireList};

#[cfg(feature = "ssr")]
fn questionnaire_id(id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id.trim()).map_err(|_| AppError::not_found("questionnaire"))
}

/// The address of a questionnaire's own form (a liaison station's poster, say).
pub fn own_link(base: &str, id: Uuid) -> String {
    format!("{}/q/{id}", base.trim_end_matches('/'))
}

/// Every questionnaire, newest first, a page at a time with the total (staff).
#[server(endpoint = "questionnaires/list")]
pub async fn list_questionnaires(page: Option<u32>) -> Result<QuestionnaireList, AppError> {
    use crate::domain::questionnaire::QUESTIONNAIRES_PAGE;
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let page = page.unwrap_or(0).min(100_000);
        Ok(QuestionnaireList {
            list: crate::ssr::db()?
                .list_questionnaires(page, QUESTIONNAIRES_PAGE)
                .await?,
            today: crate::ssr::today(),
        })
    })
    .await
}

/// A new questionnaire (staff): its questions are added on its page. `targets` is project
/// numbers (`3`), sub-items (`3.2`) and site codes, of the year it opens in.
#[server(endpoint = "questionnaires/create")]
pub async fn create_questionnaire(
    title: String,
    intro: String,
    opens_on: String,
    closes_on: String,
    targets: String,
) -> Result<Uuid, AppError> {
    use crate::domain::questionnaire::Draft;
    crate::ssr::run(async move {
        let user = crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let keep = || {
            crate::ssr::form_says("title", &title);
            crate::ssr::form_says("intro", &intro);
            crate::ssr::form_says("opens_on", &opens_on);
            crate::ssr::form_says("closes_on", &closes_on);
            crate::ssr::form_says("targets", &targets);
        };
        let refused = |e: crate::domain::questionnaire::DraftError| {
            keep();
            AppError::invalid(e.field(), e.to_string())
        };
        let draft =
            Draft::parse(&title, &intro, &opens_on, &closes_on, &targets).map_err(refused)?;
        let id = crate::ssr::db()?
            .create_questionnaire(&draft, user.id)
            .await?
            .map_err(refused)?;
        crate::ssr::form_goes_to(&format!("/staff/questionnaires/{id}"));
        Ok(id)
    })
    .await
}

/// One questionnaire with its results, narrowed by site code, district, days and channel
/// (staff).
#[server(endpoint = "questionnaires/get")]
pub async fn get_questionnaire(
    id: String,
    site: Option<String>,
    district: Option<String>,
    from: Option<String>,
    to: Option<String>,
    channel: Option<String>,
) -> Result<QuestionnaireDetail, AppError> {
    use crate::domain::questionnaire::Channel;
    use crate::domain::PublicCode;
    use crate::questionnaire_rows::ResultFilter;
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let id = questionnaire_id(&id)?;
        let filled = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let day = |v: &Option<String>, field: &str| {
            filled(v)
                .map(|s| {
                    chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                        .map_err(|_| AppError::invalid(field, "give a date as YYYY-MM-DD"))
                })
                .transpose()
        };
        let filter = ResultFilter {
            site: filled(&site)
                .map(|s| {
                    PublicCode::parse(&s)
                        .map(|c| c.as_str().to_owned())
                        .map_err(|_| AppError::invalid("site_code", "not a site's code"))
                })
                .transpose()?,
            district: crate::ssr::optional_id(&district, "district")?,
            from: day(&from, "from")?,
            to: day(&to, "to")?,
            channel: filled(&channel)
                .map(|c| {
                    Channel::parse(&c)
                        .ok_or_else(|| AppError::invalid("channel", "no such channel"))
                })
                .transpose()?,
        };
        let db = crate::ssr::db()?;
        let head = db
            .questionnaire_head(id)
            .await?
            .ok_or_else(|| AppError::not_found("questionnaire"))?;
        let (filtered, tallies, by_channel) = db
            .questionnaire_tallies(id, &filter, &head.questions)
            .await?;
        Ok(QuestionnaireDetail {
            targets: db.questionnaire_targets(id).await?,
            answers: db.questionnaire_answer_count(id).await?,
            today: crate::ssr::today(),
            link: own_link(&crate::ssr::public_settings()?.base_url, id),
            filtered,
            by_channel,
            tallies,
            districts: db.district_choices().await?,
            filter,
            head,
        })
    })
    .await
}

/// Adds a question at the end (staff), while nobody has answered. `show_if` is empty or
/// `question.option`, counted from 1.
#[server(endpoint = "questionnaires/add_question")]
pub async fn add_question(
    id: String,
    prompt: String,
    kind: String,
    options: String,
    required: Option<String>,
    show_if: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::questionnaire::Question;
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let qid = questionnaire_id(&id)?;
        let keep = || {
            crate::ssr::form_says("prompt", &prompt);
            crate::ssr::form_says("kind", &kind);
            crate::ssr::form_says("options", &options);
            crate::ssr::form_says("show_if", show_if.as_deref().unwrap_or_default());
        };
        let required = required.is_some_and(|r| !r.is_empty());
        let result = crate::ssr::db()?
            .edit_questions(qid, |earlier| {
                let q = Question::parse(
                    &prompt,
                    &kind,
                    &options,
                    required,
                    show_if.as_deref().unwrap_or_default(),
                    earlier,
                )
                .map_err(|e| AppError::invalid(e.field(), e.to_string()))?;
                let mut next = earlier.to_vec();
                next.push(q);
                Ok(next)
            })
            .await;
        if result.is_err() {
            keep();
        }
        result?;
        crate::ssr::public_pages_changed().await?;
        Ok(())
    })
    .await
}

/// Takes question `number` (from 1) out (staff), while nobody has answered and no later
/// question's condition depends on it.
#[server(endpoint = "questionnaires/remove_question")]
pub async fn remove_question(id: String, number: u32) -> Result<(), AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let qid = questionnaire_id(&id)?;
        crate::ssr::db()?
            .edit_questions(qid, |now| {
                let index = (number as usize).checked_sub(1).unwrap_or(usize::MAX);
                crate::domain::questionnaire::remove_question(now, index).ok_or_else(|| {
                    AppError::invalid(
                        "question_remove",
                        "no such question, or a later question's condition depends on it",
                    )
                })
            })
            .await?;
        crate::ssr::public_pages_changed().await?;
        Ok(())
    })
    .await
}
