//! SQL for hot topics: texts found in their sources and stored once with their words, the
//! staff's word lists, a window of weeks streamed to the topic finder, a topic's texts, 12345
//! imports (all or nothing) and the draft item a topic becomes.

use std::collections::HashMap;

use futures::TryStreamExt;
use uuid::Uuid;

use super::items::next_item_number;
use super::Db;
use crate::domain::list_item::{Channel, ItemKind};
use crate::domain::topics::{HotlineCall, HotlineProblem, HotlineRowError, Source};
use crate::error::AppError;
use crate::topic_rows::{
    CutText, HotlineImportRecord, HotlineOutcome, PendingText, TopicSite, TopicText, WordListsRow,
};

/// A comment staff hid is not counted: it was hidden as abuse, spam or someone's private data.
const NOT_HIDDEN: &str = "not (t.source = 'comment' and exists (
        select 1 from public_comments c where c.id = t.source_id and c.status = 'hidden'))";

/// source, id, part, district, site, time, text
type PendingRow = (
    String,
    Uuid,
    i32,
    Option<Uuid>,
    Option<Uuid>,
    chrono::DateTime<chrono::Utc>,
    String,
);

impl Db {
    /// Up to `limit` texts of each source that are not stored with their words yet: public
    /// comments (not hidden), questionnaire text answers, observation notes and 12345 calls.
    pub async fn pending_topic_texts(&self, limit: i64) -> Result<Vec<PendingText>, AppError> {
        let rows: Vec<PendingRow> = sqlx::query_as(
            "(select 'comment', c.id, 0, s.district_id, c.site_id, c.created_at, c.body
                from public_comments c join sites s on s.id = c.site_id
               where c.body is not null and btrim(c.body) <> '' and c.status <> 'hidden'
                 and not exists (select 1 from topic_texts t
                                  where t.source = 'comment' and t.source_id = c.id and t.part = 0)
               limit $1)
             union all
             (select 'observation', o.id, 0, s.district_id, o.site_id, o.captured_at, o.note
                from observations o join sites s on s.id = o.site_id
               where btrim(o.note) <> ''
                 and not exists (select 1 from topic_texts t
                                  where t.source = 'observation' and t.source_id = o.id and t.part = 0)
               limit $1)
             union all
             (select 'answer', a.id, (e.ord - 1)::int, s.district_id, a.site_id, a.created_at,
                     e.elem #>> '{}'
                from questionnaire_answers a left join sites s on s.id = a.site_id
                cross join lateral jsonb_array_elements(a.answers) with ordinality e(elem, ord)
               where jsonb_typeof(e.elem) = 'string' and btrim(e.elem #>> '{}') <> ''
                 and not exists (select 1 from topic_texts t
                                  where t.source = 'answer' and t.source_id = a.id
                                    and t.part = (e.ord - 1)::int)
               limit $1)
             union all
             (select 'hotline', h.id, 0, h.district_id, null::uuid,
                     h.received_on::timestamp at time zone 'Asia/Shanghai', h.body
                from hotline_records h
               where not exists (select 1 from topic_texts t
                                  where t.source = 'hotline' and t.source_id = h.id and t.part = 0)
               limit $1)",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(
                |(source, source_id, part, district_id, site_id, at, body)| {
                    Some(PendingText {
                        source: Source::parse(&source)?,
                        source_id,
                        part,
                        district_id,
                        site_id,
                        at,
                        body: body
                            .chars()
                            .take(crate::domain::topics::MAX_BODY_CHARS)
                            .collect(),
                    })
                },
            )
            .collect())
    }

    /// Stores texts with their words; a text stored already (by another server) is left as it
    /// is. Returns how many were new.
    pub async fn store_topic_texts(&self, texts: &[CutText]) -> Result<u64, AppError> {
        if texts.is_empty() {
            return Ok(0);
        }
        let sources: Vec<&str> = texts.iter().map(|t| t.text.source.as_str()).collect();
        let ids: Vec<Uuid> = texts.iter().map(|t| t.text.source_id).collect();
        let parts: Vec<i32> = texts.iter().map(|t| t.text.part).collect();
        let districts: Vec<Option<Uuid>> = texts.iter().map(|t| t.text.district_id).collect();
        let sites: Vec<Option<Uuid>> = texts.iter().map(|t| t.text.site_id).collect();
        let ats: Vec<chrono::DateTime<chrono::Utc>> = texts.iter().map(|t| t.text.at).collect();
        let bodies: Vec<&str> = texts.iter().map(|t| t.text.body.as_str()).collect();
        // Arrays of arrays must be rectangular in PostgreSQL: words travel joined by a byte no
        // word holds (is_term refuses control characters).
        let words: Vec<String> = texts.iter().map(|t| t.words.join("\u{1f}")).collect();
        let done = sqlx::query(
            "insert into topic_texts (source, source_id, part, district_id, site_id, at, body, words)
             select source, source_id, part, district_id, site_id, at, body,
                    case when words = '' then '{}'::text[] else string_to_array(words, chr(31)) end
               from unnest($1::text[], $2::uuid[], $3::int[], $4::uuid[], $5::uuid[],
                           $6::timestamptz[], $7::text[], $8::text[])
                    as r(source, source_id, part, district_id, site_id, at, body, words)
             on conflict (source, source_id, part) do nothing",
        )
        .bind(&sources)
        .bind(&ids)
        .bind(&parts)
        .bind(&districts)
        .bind(&sites)
        .bind(&ats)
        .bind(&bodies)
        .bind(&words)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    pub async fn topic_words(&self) -> Result<WordListsRow, AppError> {
        Ok(sqlx::query_as(
            "select w.stop_words, w.synonyms, w.updated_at, u.display_name as updated_by
               from topic_words w left join users u on u.id = w.updated_by where w.id = 1",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Saves lists the domain has read without error.
    pub async fn save_topic_words(
        &self,
        stop_words: &str,
        synonyms: &str,
        actor: Uuid,
    ) -> Result<(), AppError> {
        sqlx::query(
            "update topic_words set stop_words = $1, synonyms = $2, updated_by = $3,
                    updated_at = now() where id = 1",
        )
        .bind(stop_words)
        .bind(synonyms)
        .bind(actor)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Streams the stored texts of `weeks` weeks from the Monday `first` (China time), in one
    /// district or all, oldest id first, to `each(id, week index, words, body)`; hidden comments
    /// are left out.
    pub async fn each_topic_text(
        &self,
        first: chrono::NaiveDate,
        weeks: u32,
        district: Option<Uuid>,
        mut each: impl FnMut(i64, usize, Vec<String>, String),
    ) -> Result<(), AppError> {
        let sql = format!(
            "select t.id, ((t.at at time zone 'Asia/Shanghai')::date - $1::date) / 7, t.words, t.body
               from topic_texts t
              where t.at >= ($1::date::timestamp at time zone 'Asia/Shanghai')
                and t.at < (($1::date + 7 * $2)::timestamp at time zone 'Asia/Shanghai')
                and ($3::uuid is null or t.district_id = $3)
                and {NOT_HIDDEN}
              order by t.id"
        );
        let mut rows = sqlx::query_as::<_, (i64, i32, Vec<String>, String)>(&sql)
            .bind(first)
            .bind(weeks as i32)
            .bind(district)
            .fetch(&self.pool);
        while let Some((id, week, words, body)) = rows.try_next().await? {
            each(id, week.max(0) as usize, words, body);
        }
        Ok(())
    }

    /// A page of the texts `ids`, newest first.
    pub async fn topic_texts_page(
        &self,
        ids: &[i64],
        page: u32,
        per_page: u32,
    ) -> Result<Vec<TopicText>, AppError> {
        Ok(sqlx::query_as(
            "select t.id, t.source, t.source_id, t.at, d.name_zh as district_zh,
                    d.name_en as district_en, s.public_code as site_code, s.name_zh as site_zh,
                    t.body
               from topic_texts t
               left join districts d on d.id = t.district_id
               left join sites s on s.id = t.site_id
              where t.id = any($1)
              order by t.at desc, t.id desc
              offset $2 limit $3",
        )
        .bind(ids)
        .bind(i64::from(page) * i64::from(per_page))
        .bind(i64::from(per_page))
        .fetch_all(&self.pool)
        .await?)
    }

    /// How many of the texts `ids` came from each source.
    pub async fn topic_source_counts(&self, ids: &[i64]) -> Result<Vec<(Source, u32)>, AppError> {
        let counts: Vec<(String, i64)> = sqlx::query_as(
            "select source, count(*) from topic_texts where id = any($1) group by source",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        let by_source = Source::ALL
            .into_iter()
            .map(|s| {
                let n = counts
                    .iter()
                    .find(|(k, _)| k == s.as_str())
                    .map(|c| c.1)
                    .unwrap_or(0);
                (s, n as u32)
            })
            .collect();
        Ok(by_source)
    }

    /// How many of the texts `ids` came from each source, the sites they were written at (most
    /// first, ten at most) and the first texts, oldest first, for a draft.
    pub async fn topic_text_summary(
        &self,
        ids: &[i64],
    ) -> Result<(Vec<(Source, u32)>, Vec<TopicSite>, Vec<String>), AppError> {
        let by_source = self.topic_source_counts(ids).await?;
        let sites = sqlx::query_as(
            "select s.public_code as code, s.name_zh, count(*) as texts
               from topic_texts t join sites s on s.id = t.site_id
              where t.id = any($1)
              group by s.public_code, s.name_zh
              order by count(*) desc, s.public_code limit 10",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        let samples = sqlx::query_scalar(
            "select body from topic_texts where id = any($1) order by at, id limit 5",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        Ok((by_source, sites, samples))
    }

    /// A draft item of the public survey channel at the site with code `site_code`, made from a
    /// hot topic. `None` when no site has that code.
    /// Makes the draft item `id` (the form's own id), or, when that form was sent before (a
    /// double tap, a resend), answers the item it made then: one form, one item.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_topic_item(
        &self,
        id: Uuid,
        site_code: &str,
        kind: ItemKind,
        description: &str,
        topic: &str,
        actor: Uuid,
        year: i32,
    ) -> Result<Option<Uuid>, AppError> {
        let mut tx = self.pool.begin().await?;
        let site: Option<Uuid> = sqlx::query_scalar("select id from sites where public_code = $1")
            .bind(site_code)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(site) = site else {
            return Ok(None);
        };
        // The year's lock orders two sends of one form: the second finds the first's item.
        let number = next_item_number(&mut tx, year).await?;
        let made: Option<(Uuid, Option<String>)> = sqlx::query_as(MADE_BY_FORM)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some((by, from)) = made {
            return same_form(id, (by, from.as_deref()), actor, topic);
        }
        let inserted = sqlx::query(
            "insert into list_items (id, year, number, kind, channel, site_id, description, created_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             on conflict (id) do nothing",
        )
        .bind(id)
        .bind(year)
        .bind(number)
        .bind(kind.as_str())
        .bind(Channel::PublicSurvey.as_str())
        .bind(site)
        .bind(description)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            // Sent again across a new year's first second (another year's lock): the item is
            // there all the same.
            tx.rollback().await?;
            let (by, from): (Uuid, Option<String>) = sqlx::query_as(MADE_BY_FORM)
                .bind(id)
                .fetch_one(&self.pool)
                .await?;
            return same_form(id, (by, from.as_deref()), actor, topic);
        }
        sqlx::query(
            "insert into list_item_events (item_id, action, to_status, comment, actor)
             values ($1, 'create', 'draft', $2, $3)",
        )
        .bind(id)
        .bind(topic)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// The latest `limit` 12345 imports, newest first, how many there are and how many calls
    /// are stored.
    pub async fn recent_hotline_imports(
        &self,
        limit: i64,
    ) -> Result<(Vec<HotlineImportRecord>, i64, i64), AppError> {
        let rows = sqlx::query_as(
            "select i.id, i.file_name, i.rows, i.skipped, u.display_name as by_name, i.at
               from hotline_imports i join users u on u.id = i.imported_by
              order by i.at desc, i.id desc limit $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let (total, calls): (i64, i64) = sqlx::query_as(
            "select (select count(*) from hotline_imports), (select count(*) from hotline_records)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((rows, total, calls))
    }

    /// Every district named must be one of the registry's (Chinese or English name), or nothing
    /// is stored and each row that names another is reported. Calls an earlier import holds are
    /// skipped and counted.
    pub async fn import_hotline(
        &self,
        calls: &[HotlineCall],
        file_name: &str,
        actor: Uuid,
    ) -> Result<HotlineOutcome, AppError> {
        let districts: Vec<(Uuid, String, String)> =
            sqlx::query_as("select id, name_zh, name_en from districts")
                .fetch_all(&self.pool)
                .await?;
        let mut by_name: HashMap<String, Uuid> = HashMap::new();
        for (id, zh, en) in districts {
            by_name.insert(zh.trim().to_lowercase(), id);
            by_name.insert(en.trim().to_lowercase(), id);
        }
        let mut errors = Vec::new();
        let mut district_ids = Vec::with_capacity(calls.len());
        for c in calls {
            match &c.district {
                None => district_ids.push(None),
                Some(name) => match by_name.get(&name.trim().to_lowercase()) {
                    Some(id) => district_ids.push(Some(*id)),
                    None => errors.push(HotlineRowError {
                        row: c.row,
                        problem: HotlineProblem::UnknownDistrict {
                            value: name.chars().take(40).collect(),
                        },
                    }),
                },
            }
        }
        if !errors.is_empty() {
            return Ok(HotlineOutcome::Refused { errors });
        }
        let mut tx = self.pool.begin().await?;
        let import = Uuid::now_v7();
        sqlx::query(
            "insert into hotline_imports (id, file_name, rows, imported_by) values ($1, $2, 0, $3)",
        )
        .bind(import)
        .bind(file_name)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        let ids: Vec<Uuid> = calls.iter().map(|_| Uuid::now_v7()).collect();
        let rows: Vec<i32> = calls.iter().map(|c| c.row as i32).collect();
        let days: Vec<chrono::NaiveDate> = calls.iter().map(|c| c.received_on).collect();
        let categories: Vec<&str> = calls.iter().map(|c| c.category.as_str()).collect();
        let bodies: Vec<&str> = calls.iter().map(|c| c.body.as_str()).collect();
        let keys: Vec<&str> = calls.iter().map(|c| c.key.as_str()).collect();
        let stored = sqlx::query(
            "insert into hotline_records (id, import_id, row, received_on, district_id, category, body, key)
             select id, $1, row, day, district, category, body, key
               from unnest($2::uuid[], $3::int[], $4::date[], $5::uuid[], $6::text[], $7::text[],
                           $8::text[]) as r(id, row, day, district, category, body, key)
             on conflict (key) do nothing",
        )
        .bind(import)
        .bind(&ids)
        .bind(&rows)
        .bind(&days)
        .bind(&district_ids)
        .bind(&categories)
        .bind(&bodies)
        .bind(&keys)
        .execute(&mut *tx)
        .await?
        .rows_affected() as usize;
        let skipped = calls.len() - stored;
        sqlx::query("update hotline_imports set rows = $2, skipped = $3 where id = $1")
            .bind(import)
            .bind(stored as i32)
            .bind(skipped as i32)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(HotlineOutcome::Imported {
            import,
            rows: stored,
            skipped,
        })
    }
}

/// Who made an item and what its log says it was made from.
const MADE_BY_FORM: &str = "select i.created_by, e.comment
       from list_items i
       left join list_item_events e on e.item_id = i.id and e.action = 'create'
      where i.id = $1";

/// An item already made under a form's id: the same person's earlier send of the same topic's
/// form, or an id that is not this form's to reuse (another item's, typed into the form).
fn same_form(
    id: Uuid,
    (made_by, made_from): (Uuid, Option<&str>),
    actor: Uuid,
    topic: &str,
) -> Result<Option<Uuid>, AppError> {
    if made_by == actor && made_from == Some(topic) {
        Ok(Some(id))
    } else {
        Err(AppError::new(
            crate::error::ErrorCode::Conflict,
            "this form was already used by someone else: open the topic again",
        ))
    }
}
