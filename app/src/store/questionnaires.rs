//! Questionnaires: their questions and where they are shown, the public's answers, and the
//! answers read back for the results (tallied in the domain) and the XLSX.

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use super::Db;
use crate::domain::questionnaire::{
    Answer, Channel, Draft, DraftError, Question, QuestionTally, Tallier, Target,
};
use crate::error::{AppError, ErrorCode};
use crate::paged::Paged;
use crate::questionnaire_rows::{
    AnswerRow, AnswerSite, DistrictChoice, QuestionnaireHead, QuestionnaireLink,
    QuestionnaireSummary, ResultFilter, TargetRow,
};

/// An answer to store.
pub struct NewAnswer<'a> {
    pub questionnaire_id: Uuid,
    /// The questions the answer was read against: if staff changed them meanwhile, it is refused.
    pub questions: &'a [Question],
    pub answers: &'a [Option<Answer>],
    pub channel: Channel,
    pub site_id: Option<Uuid>,
    pub client_hash: Option<Vec<u8>>,
    pub entered_by: Option<Uuid>,
    pub form_token: Uuid,
}

pub enum AnswerStored {
    Created,
    /// The same form sent again: nothing new stored.
    AlreadyHad,
    /// This client has answered this questionnaire before.
    AlreadyAnswered,
    /// Not open today.
    Closed,
    /// The questions changed since the form was drawn.
    Changed,
}

/// The filter's conditions on `a` (the answers) and `s` (their site), from `$2` on.
const FILTERED: &str = "
      from questionnaire_answers a left join sites s on s.id = a.site_id
     where a.questionnaire_id = $1
       and ($2::text is null or s.public_code = $2)
       and ($3::uuid is null or s.district_id = $3)
       and ($4::date is null or (a.created_at at time zone 'Asia/Shanghai')::date >= $4)
       and ($5::date is null or (a.created_at at time zone 'Asia/Shanghai')::date <= $5)
       and ($6::text is null or a.channel = $6)";

fn questions_of(v: serde_json::Value) -> Result<Vec<Question>, AppError> {
    serde_json::from_value(v).map_err(|e| {
        tracing::error!(error = %e, "stored questions do not read");
        AppError::internal()
    })
}

impl Db {
    /// Stores a new questionnaire with its targets, each looked up in the year it opens.
    pub async fn create_questionnaire(
        &self,
        d: &Draft,
        by: Uuid,
    ) -> Result<Result<Uuid, DraftError>, AppError> {
        let mut tx = self.pool.begin().await?;
        let id = Uuid::now_v7();
        sqlx::query(
            "insert into questionnaires (id, title, intro, opens_on, closes_on, created_by)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(&d.title)
        .bind(&d.intro)
        .bind(d.opens_on)
        .bind(d.closes_on)
        .bind(by)
        .execute(&mut *tx)
        .await?;
        let year = d.opens_on.year();
        for (typed, t) in &d.targets {
            let found: Option<(Option<Uuid>, Option<Uuid>, Option<Uuid>)> = match t {
                Target::Project(n) => sqlx::query_scalar::<_, Uuid>(
                    "select id from projects where year = $1 and number = $2",
                )
                .bind(year)
                .bind(n)
                .fetch_optional(&mut *tx)
                .await?
                .map(|p| (Some(p), None, None)),
                Target::SubItem(p, i) => sqlx::query_scalar::<_, Uuid>(
                    "select s.id from sub_items s join projects p on p.id = s.project_id
                      where p.year = $1 and p.number = $2 and s.number = $3",
                )
                .bind(year)
                .bind(p)
                .bind(i)
                .fetch_optional(&mut *tx)
                .await?
                .map(|s| (None, Some(s), None)),
                Target::Site(code) => sqlx::query_scalar::<_, Uuid>(
                    "select id from sites where public_code = $1 and active",
                )
                .bind(code.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .map(|s| (None, None, Some(s))),
            };
            let Some((project, sub_item, site)) = found else {
                return Ok(Err(DraftError::UnknownTarget(typed.clone())));
            };
            sqlx::query(
                "insert into questionnaire_targets (questionnaire_id, project_id, sub_item_id, site_id)
                 values ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(project)
            .bind(sub_item)
            .bind(site)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(id))
    }

    pub async fn list_questionnaires(
        &self,
        page: u32,
        per_page: u32,
    ) -> Result<Paged<QuestionnaireSummary>, AppError> {
        let total: i64 = sqlx::query_scalar("select count(*) from questionnaires")
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query_as(
            "select q.id, q.title, q.opens_on, q.closes_on,
                    jsonb_array_length(q.questions)::int8 as questions,
                    (select count(*) from questionnaire_targets t where t.questionnaire_id = q.id) as targets,
                    (select count(*) from questionnaire_answers a where a.questionnaire_id = q.id) as answers
               from questionnaires q
              order by q.created_at desc, q.id desc
              limit $1 offset $2",
        )
        .bind(i64::from(per_page))
        .bind(i64::from(page) * i64::from(per_page))
        .fetch_all(&self.pool)
        .await?;
        Ok(Paged {
            rows,
            total,
            page,
            per_page,
        })
    }

    pub async fn questionnaire_head(
        &self,
        id: Uuid,
    ) -> Result<Option<QuestionnaireHead>, AppError> {
        let row: Option<(String, String, NaiveDate, NaiveDate, serde_json::Value)> =
            sqlx::query_as(
                "select title, intro, opens_on, closes_on, questions from questionnaires where id = $1",
            )
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|(title, intro, opens_on, closes_on, questions)| {
            Ok(QuestionnaireHead {
                id,
                title,
                intro,
                opens_on,
                closes_on,
                questions: questions_of(questions)?,
            })
        })
        .transpose()
    }

    pub async fn questionnaire_targets(&self, id: Uuid) -> Result<Vec<TargetRow>, AppError> {
        Ok(sqlx::query_as(
            "select 'project' as kind, p.number::text as label, p.title_zh as name_zh, p.title_en as name_en, 1 as o, p.number as n1, 0 as n2, '' as c
               from questionnaire_targets t join projects p on p.id = t.project_id where t.questionnaire_id = $1
             union all
             select 'sub_item', p.number || '.' || s.number, s.title_zh, s.title_en, 2, p.number, s.number, ''
               from questionnaire_targets t join sub_items s on s.id = t.sub_item_id
               join projects p on p.id = s.project_id where t.questionnaire_id = $1
             union all
             select 'site', x.public_code, x.name_zh, x.name_en, 3, 0, 0, x.public_code
               from questionnaire_targets t join sites x on x.id = t.site_id where t.questionnaire_id = $1
             order by o, n1, n2, c",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn questionnaire_answer_count(&self, id: Uuid) -> Result<i64, AppError> {
        Ok(sqlx::query_scalar(
            "select count(*) from questionnaire_answers where questionnaire_id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Changes the questions through `change`, under a lock that answers also take: refused
    /// (409) once anyone has answered.
    pub async fn edit_questions(
        &self,
        id: Uuid,
        change: impl FnOnce(&[Question]) -> Result<Vec<Question>, AppError>,
    ) -> Result<(), AppError> {
        let mut tx = self.pool.begin().await?;
        let stored: Option<serde_json::Value> =
            sqlx::query_scalar("select questions from questionnaires where id = $1 for update")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let stored = stored.ok_or_else(|| AppError::not_found("questionnaire"))?;
        let answers: i64 = sqlx::query_scalar(
            "select count(*) from questionnaire_answers where questionnaire_id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if !crate::domain::questionnaire::may_edit_questions(answers) {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "people have answered: the questions can no longer change",
            ));
        }
        let next = change(&questions_of(stored)?)?;
        let json = serde_json::to_value(&next).map_err(|_| AppError::internal())?;
        sqlx::query("update questionnaires set questions = $2 where id = $1")
            .bind(id)
            .bind(json)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The questionnaires open on `today` that a site's page links to: those shown at the site,
    /// its sub-item or its project, with at least one question.
    pub async fn open_questionnaires_at(
        &self,
        site: Uuid,
        today: NaiveDate,
    ) -> Result<Vec<QuestionnaireLink>, AppError> {
        Ok(sqlx::query_as(
            "select q.id, q.title, q.closes_on from questionnaires q
              where $2 between q.opens_on and q.closes_on
                and jsonb_array_length(q.questions) > 0
                and exists (select 1 from questionnaire_targets t
                              join sites x on x.id = $1
                              join sub_items s on s.id = x.sub_item_id
                             where t.questionnaire_id = q.id
                               and (t.site_id = x.id or t.sub_item_id = s.id or t.project_id = s.project_id))
              order by q.closes_on, q.id",
        )
        .bind(site)
        .bind(today)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The site behind `code` if the questionnaire is shown there.
    pub async fn questionnaire_site(
        &self,
        id: Uuid,
        code: &str,
    ) -> Result<Option<AnswerSite>, AppError> {
        Ok(sqlx::query_as(
            "select x.id, x.public_code, x.name_zh, x.name_en from sites x
               join sub_items s on s.id = x.sub_item_id
              where x.public_code = $2 and x.active
                and exists (select 1 from questionnaire_targets t where t.questionnaire_id = $1
                              and (t.site_id = x.id or t.sub_item_id = s.id or t.project_id = s.project_id))",
        )
        .bind(id)
        .bind(code)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Stores one respondent's answers, once: a resent form finds its first answer; a client
    /// that answered before is refused; so is an answer read against questions that changed.
    pub async fn insert_questionnaire_answer(
        &self,
        a: &NewAnswer<'_>,
        today: NaiveDate,
    ) -> Result<AnswerStored, AppError> {
        let mut tx = self.pool.begin().await?;
        // Shares the lock `edit_questions` takes, so questions cannot change under an answer.
        let row: Option<(serde_json::Value, NaiveDate, NaiveDate)> = sqlx::query_as(
            "select questions, opens_on, closes_on from questionnaires where id = $1 for share",
        )
        .bind(a.questionnaire_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((questions, opens_on, closes_on)) = row else {
            return Err(AppError::not_found("questionnaire"));
        };
        let had: Option<Uuid> = sqlx::query_scalar(
            "select questionnaire_id from questionnaire_answers where form_token = $1",
        )
        .bind(a.form_token)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(q) = had {
            return Ok(if q == a.questionnaire_id {
                AnswerStored::AlreadyHad
            } else {
                AnswerStored::Changed
            });
        }
        // Paper forms filled in while it was open are typed in when staff get to them.
        if a.channel != Channel::Paper
            && !crate::domain::questionnaire::is_open(opens_on, closes_on, today)
        {
            return Ok(AnswerStored::Closed);
        }
        if questions_of(questions)?.as_slice() != a.questions {
            return Ok(AnswerStored::Changed);
        }
        let json = serde_json::to_value(a.answers).map_err(|_| AppError::internal())?;
        let stored: Option<Uuid> = sqlx::query_scalar(
            "insert into questionnaire_answers
                 (id, questionnaire_id, channel, site_id, client_hash, entered_by, form_token, answers)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             on conflict do nothing
             returning id",
        )
        .bind(Uuid::now_v7())
        .bind(a.questionnaire_id)
        .bind(a.channel.as_str())
        .bind(a.site_id)
        .bind(&a.client_hash)
        .bind(a.entered_by)
        .bind(a.form_token)
        .bind(json)
        .fetch_optional(&mut *tx)
        .await?;
        if stored.is_none() {
            // Either key: the same form sent twice at once (its token), or this client again.
            let same_form: bool = sqlx::query_scalar(
                "select exists (select 1 from questionnaire_answers
                                 where form_token = $1 and questionnaire_id = $2)",
            )
            .bind(a.form_token)
            .bind(a.questionnaire_id)
            .fetch_one(&mut *tx)
            .await?;
            return Ok(if same_form {
                AnswerStored::AlreadyHad
            } else {
                AnswerStored::AlreadyAnswered
            });
        }
        tx.commit().await?;
        Ok(AnswerStored::Created)
    }

    /// Paper answers a person has typed in for a questionnaire.
    pub async fn paper_answers_by(&self, id: Uuid, by: Uuid) -> Result<i64, AppError> {
        Ok(sqlx::query_scalar(
            "select count(*) from questionnaire_answers where questionnaire_id = $1 and entered_by = $2",
        )
        .bind(id)
        .bind(by)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The answers within `f` tallied over `questions` (streamed newest first, never held
    /// all at once), how many there are, and how many came through each channel.
    pub async fn questionnaire_tallies(
        &self,
        id: Uuid,
        f: &ResultFilter,
        questions: &[Question],
    ) -> Result<(i64, Vec<QuestionTally>, Vec<(Channel, i64)>), AppError> {
        use futures::TryStreamExt;
        let sql = format!("select a.answers {FILTERED} order by a.created_at desc, a.id desc");
        let mut rows = sqlx::query_scalar::<_, serde_json::Value>(&sql)
            .bind(id)
            .bind(&f.site)
            .bind(f.district)
            .bind(f.from)
            .bind(f.to)
            .bind(f.channel.map(Channel::as_str))
            .fetch(&self.pool);
        let mut tallier = Tallier::new(questions);
        while let Some(v) = rows.try_next().await? {
            let answers: Vec<Option<Answer>> = serde_json::from_value(v).unwrap_or_default();
            tallier.add(&answers);
        }
        drop(rows);
        let respondents = tallier.respondents() as i64;
        let counts: Vec<(String, i64)> = sqlx::query_as(&format!(
            "select a.channel, count(*) {FILTERED} group by a.channel"
        ))
        .bind(id)
        .bind(&f.site)
        .bind(f.district)
        .bind(f.from)
        .bind(f.to)
        .bind(f.channel.map(Channel::as_str))
        .fetch_all(&self.pool)
        .await?;
        let by_channel = Channel::ALL
            .into_iter()
            .map(|c| {
                let n = counts
                    .iter()
                    .find(|(k, _)| k == c.as_str())
                    .map_or(0, |(_, n)| *n);
                (c, n)
            })
            .collect();
        Ok((respondents, tallier.finish(), by_channel))
    }

    /// Every answer with where it came from, oldest first, for the XLSX.
    pub async fn questionnaire_answer_rows(&self, id: Uuid) -> Result<Vec<AnswerRow>, AppError> {
        Ok(sqlx::query_as(
            "select a.created_at, a.channel, s.public_code, s.name_zh as site_zh, d.name_zh as district_zh, a.answers
               from questionnaire_answers a
               left join sites s on s.id = a.site_id
               left join districts d on d.id = s.district_id
              where a.questionnaire_id = $1
              order by a.created_at, a.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn district_choices(&self) -> Result<Vec<DistrictChoice>, AppError> {
        Ok(
            sqlx::query_as("select id, name_zh, name_en from districts order by code, name_zh")
                .fetch_all(&self.pool)
                .await?,
        )
    }
}
