use chrono::NaiveDate;
use uuid::Uuid;

use super::Db;
use crate::catalogue::{
    MySites, MyUnit, ProjectDetail, ProjectSummary, SiteDetail, SubItemDetail, SubItemSummary,
    UnitRef, YearFigures,
};
use crate::error::AppError;
use crate::staff::GroupSummary;

const PROJECT_SELECT: &str = "
    select p.id, p.year, p.number, p.title_zh, p.title_en, p.summary_zh, p.summary_en,
           (select count(*) from sub_items s where s.project_id = p.id) as sub_item_count,
           (select count(*) from sites t join sub_items s on s.id = t.sub_item_id
             where s.project_id = p.id) as site_count
      from projects p";

const SUB_ITEM_SELECT: &str = "
    select s.id, s.project_id, s.number, s.title_zh, s.title_en, s.lead_unit_id,
           u.name_zh as lead_unit_zh, u.name_en as lead_unit_en, s.target_quantity,
           s.target_unit_zh, s.target_unit_en, s.deadline, s.budget_yuan,
           (select count(*) from sites t where t.sub_item_id = s.id) as site_count
      from sub_items s join lead_units u on u.id = s.lead_unit_id";

const SITE_SELECT: &str = "
    select t.id, t.name_zh, t.name_en, t.kind, t.public_code,
           d.name_zh as district_zh, d.name_en as district_en,
           s.id as sub_item_id, s.title_zh as sub_item_title_zh, s.title_en as sub_item_title_en,
           s.lead_unit_id, t.state, t.geometry
      from sites t
      join districts d on d.id = t.district_id
      join sub_items s on s.id = t.sub_item_id";

impl Db {
    /// The latest year that has projects (the year deputies are supervising now).
    pub async fn current_year(&self) -> Result<Option<i32>, AppError> {
        Ok(sqlx::query_scalar("select max(year) from projects")
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn plan_years(&self) -> Result<Vec<i32>, AppError> {
        Ok(
            sqlx::query_scalar("select distinct year from projects order by year desc")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn year_figures(&self, year: i32) -> Result<YearFigures, AppError> {
        Ok(sqlx::query_as(
            "select $1::int as year,
                    (select count(*) from projects where year = $1) as projects,
                    (select count(*) from sub_items s join projects p on p.id = s.project_id
                      where p.year = $1) as sub_items,
                    (select count(*) from sites t join sub_items s on s.id = t.sub_item_id
                      join projects p on p.id = s.project_id where p.year = $1) as sites,
                    (select count(distinct s.lead_unit_id) from sub_items s
                      join projects p on p.id = s.project_id where p.year = $1) as units,
                    (select count(*) from supervision_groups) as groups,
                    (select count(*) from deputies) as deputies",
        )
        .bind(year)
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn list_projects(&self, year: i32) -> Result<Vec<ProjectSummary>, AppError> {
        Ok(sqlx::query_as(&format!(
            "{PROJECT_SELECT} where p.year = $1 order by p.number"
        ))
        .bind(year)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn project(&self, id: Uuid) -> Result<ProjectDetail, AppError> {
        let project: ProjectSummary = sqlx::query_as(&format!("{PROJECT_SELECT} where p.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| AppError::not_found("project"))?;
        let sub_items = sqlx::query_as(&format!(
            "{SUB_ITEM_SELECT} where s.project_id = $1 order by s.number"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(ProjectDetail { project, sub_items })
    }

    pub async fn sub_item(&self, id: Uuid) -> Result<SubItemDetail, AppError> {
        let sub_item: SubItemSummary =
            sqlx::query_as(&format!("{SUB_ITEM_SELECT} where s.id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| AppError::not_found("sub-item"))?;
        let project = sqlx::query_as(&format!("{PROJECT_SELECT} where p.id = $1"))
            .bind(sub_item.project_id)
            .fetch_one(&self.pool)
            .await?;
        let sites = sqlx::query_as(&format!(
            "{SITE_SELECT} where t.sub_item_id = $1 order by d.code, t.name_zh"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(SubItemDetail {
            project,
            sub_item,
            sites,
        })
    }

    pub async fn site(&self, id: Uuid) -> Result<SiteDetail, AppError> {
        sqlx::query_as(
            "select t.id, t.name_zh, t.name_en, t.address_zh, t.kind, t.public_code,
                    d.name_zh as district_zh, d.name_en as district_en, t.geometry,
                    p.id as project_id, p.year as project_year, p.number as project_number,
                    p.title_zh as project_title_zh, p.title_en as project_title_en,
                    s.id as sub_item_id, s.number as sub_item_number,
                    s.title_zh as sub_item_title_zh, s.title_en as sub_item_title_en,
                    s.target_quantity, s.target_unit_zh, s.target_unit_en, s.deadline,
                    s.budget_yuan, u.name_zh as lead_unit_zh, u.name_en as lead_unit_en,
                    g.number as group_number, g.name_zh as group_name_zh,
                    g.name_en as group_name_en, t.active, t.state, s.lead_unit_id
               from sites t
               join districts d on d.id = t.district_id
               join sub_items s on s.id = t.sub_item_id
               join projects p on p.id = s.project_id
               join lead_units u on u.id = s.lead_unit_id
               left join group_units gu on gu.unit_id = u.id
               left join supervision_groups g on g.id = gu.group_id
              where t.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| AppError::not_found("site"))
    }

    /// The sites of the units supervised by the given deputy's group.
    pub async fn my_sites(&self, deputy_id: Uuid) -> Result<MySites, AppError> {
        let (group_id, group_number, group_name_zh, group_name_en): (Uuid, i32, String, String) =
            sqlx::query_as(
                "select g.id, g.number, g.name_zh, g.name_en
                   from deputies d join supervision_groups g on g.id = d.group_id
                  where d.id = $1",
            )
            .bind(deputy_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| AppError::not_found("deputy"))?;
        let units = sqlx::query_as(
            "select u.id, u.name_zh, u.name_en from group_units gu
               join lead_units u on u.id = gu.unit_id
              where gu.group_id = $1 order by u.code",
        )
        .bind(group_id)
        .fetch_all(&self.pool)
        .await?;
        let sites = sqlx::query_as(&format!(
            "{SITE_SELECT} join group_units gu on gu.unit_id = s.lead_unit_id
              where gu.group_id = $1 and t.active
              order by s.lead_unit_id, d.code, t.name_zh"
        ))
        .bind(group_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(MySites {
            group_number,
            group_name_zh,
            group_name_en,
            units,
            sites,
        })
    }

    pub async fn my_unit(&self, unit_id: Uuid, today: NaiveDate) -> Result<MyUnit, AppError> {
        let unit: UnitRef =
            sqlx::query_as("select id, name_zh, name_en from lead_units where id = $1")
                .bind(unit_id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| AppError::not_found("unit"))?;
        let sub_items = sqlx::query_as(&format!(
            "{SUB_ITEM_SELECT} join projects p on p.id = s.project_id
              where s.lead_unit_id = $1 order by p.year desc, p.number, s.number"
        ))
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(MyUnit {
            unit,
            sub_items,
            today,
        })
    }

    pub async fn list_units(&self) -> Result<Vec<UnitRef>, AppError> {
        Ok(
            sqlx::query_as("select id, name_zh, name_en from lead_units order by code")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn list_groups(&self) -> Result<Vec<GroupSummary>, AppError> {
        Ok(sqlx::query_as(
            "select g.id, g.number, g.name_zh, g.name_en,
                    (select count(*) from deputies d where d.group_id = g.id) as deputy_count,
                    coalesce((select string_agg(u.name_zh, '、' order by u.code)
                                from group_units gu join lead_units u on u.id = gu.unit_id
                               where gu.group_id = g.id), '') as units_zh,
                    coalesce((select string_agg(u.name_en, '; ' order by u.code)
                                from group_units gu join lead_units u on u.id = gu.unit_id
                               where gu.group_id = g.id), '') as units_en
               from supervision_groups g order by g.number",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
