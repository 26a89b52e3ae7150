use uuid::Uuid;

use super::Db;
use crate::admin::{DeputyOption, UserListItem};
use crate::domain::{DisplayName, Role, Username};
use crate::error::AppError;

/// An account as the sign-in machinery needs it (server only: it carries the password hash).
#[derive(Clone, sqlx::FromRow)]
pub struct UserRecord {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub deputy_id: Option<Uuid>,
    pub is_active: bool,
}

// The hash stays out of logs.
impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

pub struct NewUser {
    pub username: Username,
    pub display_name: DisplayName,
    pub password_hash: String,
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub deputy_id: Option<Uuid>,
}

const USER_SELECT: &str = "select id, username, display_name, password_hash, role, unit_id,
                                  deputy_id, is_active from users";

impl Db {
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, AppError> {
        Ok(
            sqlx::query_as(&format!("{USER_SELECT} where username = $1"))
                .bind(username)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn user_by_id(&self, id: Uuid) -> Result<Option<UserRecord>, AppError> {
        Ok(sqlx::query_as(&format!("{USER_SELECT} where id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Inserts an account; a taken username or an already linked deputy is a conflict.
    /// Returns `None` when `if_absent` is set and the username exists (demo data reloads).
    pub async fn insert_user(
        &self,
        u: &NewUser,
        if_absent: bool,
    ) -> Result<Option<Uuid>, AppError> {
        let id = Uuid::now_v7();
        let sql = if if_absent {
            "insert into users (id, username, display_name, password_hash, role, unit_id, deputy_id)
             values ($1, $2, $3, $4, $5, $6, $7) on conflict (username) do nothing returning id"
        } else {
            "insert into users (id, username, display_name, password_hash, role, unit_id, deputy_id)
             values ($1, $2, $3, $4, $5, $6, $7) returning id"
        };
        Ok(sqlx::query_scalar(sql)
            .bind(id)
            .bind(u.username.as_str())
            .bind(u.display_name.as_str())
            .bind(&u.password_hash)
            .bind(u.role.as_str())
            .bind(u.unit_id)
            .bind(u.deputy_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn set_password_hash(&self, id: Uuid, hash: &str) -> Result<(), AppError> {
        let done =
            sqlx::query("update users set password_hash = $2, updated_at = now() where id = $1")
                .bind(id)
                .bind(hash)
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(AppError::not_found("account"))
        }
    }

    pub async fn list_users(&self) -> Result<Vec<UserListItem>, AppError> {
        Ok(sqlx::query_as(
            "select u.id, u.username, u.display_name, u.role, u.is_active,
                    l.name_zh as unit_zh, l.name_en as unit_en, g.number as group_number
               from users u
               left join lead_units l on l.id = u.unit_id
               left join deputies d on d.id = u.deputy_id
               left join supervision_groups g on g.id = d.group_id
              order by u.role, u.username",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Deputies in the roster who do not have an account yet.
    pub async fn deputies_without_account(&self) -> Result<Vec<DeputyOption>, AppError> {
        Ok(sqlx::query_as(
            "select d.id, d.name_zh, g.number as group_number
               from deputies d join supervision_groups g on g.id = d.group_id
              where not exists (select 1 from users u where u.deputy_id = d.id)
              order by g.number, d.name_zh",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn unit_exists(&self, id: Uuid) -> Result<bool, AppError> {
        Ok(
            sqlx::query_scalar("select exists (select 1 from lead_units where id = $1)")
                .bind(id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn deputy_exists(&self, id: Uuid) -> Result<bool, AppError> {
        Ok(
            sqlx::query_scalar("select exists (select 1 from deputies where id = $1)")
                .bind(id)
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
