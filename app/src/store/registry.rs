//! SQL for the year's registry files (checked by `domain::registry`): each import runs in one
//! transaction that either commits whole or, for a dry run or any row that does not resolve,
//! rolls back, so that a dry run reports exactly what the real import would do. Rows are keyed by
//! what the files call them (project and sub-item numbers in the year, site codes in the year,
//! a deputy's name and delegation, a group's number or name), so a file imported twice changes
//! nothing the second time.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::Db;
use crate::domain::registry::{
    unit_key, Change, DeputyRow, GroupRef, GroupUnitRow, ImportReport, OfficerRow, PlanRow,
    Problem, RegistryFile, RegistryOutcome, RowChange, RowError, Rows, SiteRow,
};
use crate::domain::PublicCode;
use crate::error::AppError;
use crate::public::secret::Secret;

type Tx = Transaction<'static, Postgres>;

/// Where what an import made (units, districts, groups) is collected for the report.
#[derive(Default)]
pub(super) struct Made {
    units: Vec<String>,
    districts: Vec<String>,
    groups: Vec<String>,
}

impl Db {
    /// Imports checked rows for `year` (the plan's and the sites' year; rosters and groups are
    /// not per year). `secret` keeps deputies' mobiles; without it a roster that gives mobiles
    /// is refused rather than stored in the clear.
    pub async fn import_registry(
        &self,
        rows: &Rows,
        year: i32,
        dry_run: bool,
        secret: Option<&Secret>,
    ) -> Result<RegistryOutcome, AppError> {
        let mut tx: Tx = self.pool.begin().await?;
        let mut made = Made::default();
        let (file, result) = match rows {
            Rows::Plan(r) => (RegistryFile::Plan, plan(&mut tx, r, year, &mut made).await?),
            Rows::Sites(r) => (
                RegistryFile::Sites,
                sites(&mut tx, r, year, &mut made).await?,
            ),
            Rows::Deputies(r) => (
                RegistryFile::Deputies,
                deputies(&mut tx, r, secret, &mut made).await?,
            ),
            Rows::Groups(r) => (RegistryFile::Groups, groups(&mut tx, r, &mut made).await?),
            Rows::Officers(r) => (RegistryFile::Officers, officers(&mut tx, r, secret).await?),
        };
        let rows = match result {
            Ok(rows) => rows,
            Err(mut errors) => {
                tx.rollback().await?;
                errors.sort_by_key(|e| e.row);
                return Ok(RegistryOutcome::Refused { errors });
            }
        };
        if dry_run {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
            sqlx::query(
                "analyze districts, lead_units, projects, sub_items, sites, supervision_groups,
                         group_units, deputies",
            )
            .execute(&self.pool)
            .await?;
        }
        Ok(RegistryOutcome::Done(ImportReport {
            file,
            year,
            dry_run,
            rows,
            new_units: made.units,
            new_districts: made.districts,
            new_groups: made.groups,
        }))
    }
}

type Resolved = Result<Vec<RowChange>, Vec<RowError>>;

fn change(inserted: bool) -> Change {
    if inserted {
        Change::New
    } else {
        Change::Changed
    }
}

/// Finds each unit a file names, making the ones that are new. A name that is not exactly a
/// known unit but reduces to the same key as one (or as another spelling in the same file) is
/// refused, so one bureau never becomes two.
async fn units(
    tx: &mut Tx,
    named: &[(usize, &str)],
    made: &mut Made,
) -> Result<Result<HashMap<String, Uuid>, Vec<RowError>>, AppError> {
    let known: Vec<(Uuid, String, String, String)> =
        sqlx::query_as("select id, code, name_zh, name_en from lead_units")
            .fetch_all(&mut **tx)
            .await?;
    let mut by_name: HashMap<String, Uuid> = HashMap::new();
    let mut by_key: HashMap<String, String> = HashMap::new();
    for (id, code, zh, en) in &known {
        by_name.insert(zh.clone(), *id);
        by_name.insert(en.to_lowercase(), *id);
        by_name.insert(code.clone(), *id);
        by_key.insert(unit_key(zh), zh.clone());
    }
    let mut out = HashMap::new();
    let mut errors = Vec::new();
    let mut new: BTreeMap<String, usize> = BTreeMap::new();
    for (row, name) in named {
        let name = name.trim();
        if out.contains_key(name) || new.contains_key(name) {
            continue;
        }
        if let Some(id) = by_name
            .get(name)
            .or_else(|| by_name.get(&name.to_lowercase()))
        {
            out.insert(name.to_owned(), *id);
            continue;
        }
        match by_key.get(&unit_key(name)) {
            Some(known) => errors.push(RowError {
                row: *row,
                problem: Problem::SpelledTwoWays {
                    value: name.to_owned(),
                    known: known.clone(),
                },
            }),
            None => {
                by_key.insert(unit_key(name), name.to_owned());
                new.insert(name.to_owned(), *row);
            }
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    for name in new.into_keys() {
        let id = Uuid::now_v7();
        // Codes are for URLs and exports; the random half of the id keeps them apart.
        let code = format!("u-{}", &id.simple().to_string()[20..]);
        sqlx::query("insert into lead_units (id, code, name_zh, name_en) values ($1, $2, $3, $3)")
            .bind(id)
            .bind(&code)
            .bind(&name)
            .execute(&mut **tx)
            .await?;
        out.insert(name.clone(), id);
        made.units.push(name);
    }
    Ok(Ok(out))
}

async fn plan(
    tx: &mut Tx,
    rows: &[PlanRow],
    year: i32,
    made: &mut Made,
) -> Result<Resolved, AppError> {
    let named: Vec<(usize, &str)> = rows.iter().map(|r| (r.row, r.unit.as_str())).collect();
    let units = match units(tx, &named, made).await? {
        Ok(u) => u,
        Err(e) => return Ok(Err(e)),
    };
    // Projects first: a changed project name counts as a change of each of its rows.
    let mut projects: HashMap<i32, (Uuid, bool)> = HashMap::new();
    for r in rows {
        if projects.contains_key(&r.sub_item.project) {
            continue;
        }
        let (id, touched): (Uuid, bool) = match sqlx::query_as(
            "insert into projects (id, year, number, title_zh, title_en) values ($1, $2, $3, $4, $4)
             on conflict (year, number) do update set title_zh = excluded.title_zh,
                 title_en = excluded.title_en
              where projects.title_zh is distinct from excluded.title_zh
             returning id, true",
        )
        .bind(Uuid::now_v7())
        .bind(year)
        .bind(r.sub_item.project)
        .bind(&r.project_title)
        .fetch_optional(&mut **tx)
        .await?
        {
            Some(p) => p,
            None => (
                sqlx::query_scalar("select id from projects where year = $1 and number = $2")
                    .bind(year)
                    .bind(r.sub_item.project)
                    .fetch_one(&mut **tx)
                    .await?,
                false,
            ),
        };
        projects.insert(r.sub_item.project, (id, touched));
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (project, project_touched) = projects[&r.sub_item.project];
        let unit = units[r.unit.trim()];
        let written: Option<(bool,)> = sqlx::query_as(
            "insert into sub_items (id, project_id, number, title_zh, title_en, lead_unit_id,
                 target_quantity, target_unit_zh, target_unit_en, deadline, budget_yuan,
                 funds_government_yuan, funds_residents_yuan, funds_social_yuan)
             values ($1, $2, $3, $4, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12)
             on conflict (project_id, number) do update set
                 title_zh = excluded.title_zh, title_en = excluded.title_en,
                 lead_unit_id = excluded.lead_unit_id, target_quantity = excluded.target_quantity,
                 target_unit_zh = excluded.target_unit_zh, target_unit_en = excluded.target_unit_en,
                 deadline = excluded.deadline, budget_yuan = excluded.budget_yuan,
                 funds_government_yuan = excluded.funds_government_yuan,
                 funds_residents_yuan = excluded.funds_residents_yuan,
                 funds_social_yuan = excluded.funds_social_yuan
              where (sub_items.title_zh, sub_items.lead_unit_id, sub_items.target_quantity,
                     sub_items.target_unit_zh, sub_items.deadline, sub_items.budget_yuan,
                     sub_items.funds_government_yuan, sub_items.funds_residents_yuan,
                     sub_items.funds_social_yuan)
                    is distinct from
                    (excluded.title_zh, excluded.lead_unit_id, excluded.target_quantity,
                     excluded.target_unit_zh, excluded.deadline, excluded.budget_yuan,
                     excluded.funds_government_yuan, excluded.funds_residents_yuan,
                     excluded.funds_social_yuan)
             returning (xmax = 0)",
        )
        .bind(Uuid::now_v7())
        .bind(project)
        .bind(r.sub_item.number)
        .bind(&r.title)
        .bind(unit)
        .bind(r.target_quantity)
        .bind(&r.target_unit)
        .bind(r.deadline)
        .bind(r.budget_yuan)
        .bind(r.funds.government)
        .bind(r.funds.residents)
        .bind(r.funds.social)
        .fetch_optional(&mut **tx)
        .await?;
        out.push(RowChange {
            row: r.row,
            key: r.sub_item.to_string(),
            change: match written {
                Some((inserted,)) => change(inserted),
                None if project_touched => Change::Changed,
                None => Change::Unchanged,
            },
        });
    }
    Ok(Ok(out))
}

/// Districts by name, made when new (their administrative code can be added later).
pub(super) async fn districts(
    tx: &mut Tx,
    names: &[&str],
    made: &mut Made,
) -> Result<HashMap<String, Uuid>, AppError> {
    let mut out: HashMap<String, Uuid> =
        sqlx::query_as::<_, (String, Uuid)>("select name_zh, id from districts")
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .collect();
    let wanted: BTreeMap<&str, ()> = names.iter().map(|n| (*n, ())).collect();
    for name in wanted.into_keys() {
        if out.contains_key(name) {
            continue;
        }
        let id = Uuid::now_v7();
        sqlx::query("insert into districts (id, name_zh, name_en) values ($1, $2, $2)")
            .bind(id)
            .bind(name)
            .execute(&mut **tx)
            .await?;
        out.insert(name.to_owned(), id);
        made.districts.push(name.to_owned());
    }
    Ok(out)
}

/// A public code for each new site: random, unique among the batch and against every code
/// ever printed, a deleted site's too (a collision is retried, never stored).
pub(super) async fn fresh_codes(tx: &mut Tx, n: usize) -> Result<Vec<String>, AppError> {
    use rand::RngCore;
    let mut codes: Vec<String> = Vec::with_capacity(n);
    let mut taken: HashSet<String> = HashSet::new();
    while codes.len() < n {
        let mut batch = Vec::new();
        while batch.len() < n - codes.len() {
            let mut b = [0u8; crate::domain::public_code::LEN];
            rand::thread_rng().fill_bytes(&mut b);
            let c = PublicCode::from_random(b).as_str().to_owned();
            if taken.insert(c.clone()) {
                batch.push(c);
            }
        }
        let used: HashSet<String> = sqlx::query_scalar(
            "select public_code from sites where public_code = any($1)
                 union all
                 select code from retired_public_codes where code = any($1)",
        )
        .bind(&batch)
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .collect();
        codes.extend(batch.into_iter().filter(|c| !used.contains(c)));
    }
    Ok(codes)
}

async fn sites(
    tx: &mut Tx,
    rows: &[SiteRow],
    year: i32,
    made: &mut Made,
) -> Result<Resolved, AppError> {
    let sub_items: HashMap<(i32, i32), Uuid> = sqlx::query_as::<_, (i32, i32, Uuid)>(
        "select p.number, s.number, s.id from sub_items s join projects p on p.id = s.project_id
          where p.year = $1",
    )
    .bind(year)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|(p, s, id)| ((p, s), id))
    .collect();
    let errors: Vec<RowError> = rows
        .iter()
        .filter(|r| !sub_items.contains_key(&(r.sub_item.project, r.sub_item.number)))
        .map(|r| RowError {
            row: r.row,
            problem: Problem::UnknownSubItem {
                value: r.sub_item.to_string(),
            },
        })
        .collect();
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let names: Vec<&str> = rows.iter().map(|r| r.district.as_str()).collect();
    let districts = districts(tx, &names, made).await?;
    let codes = fresh_codes(tx, rows.len()).await?;
    let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::now_v7()).collect();
    let sub: Vec<Uuid> = rows
        .iter()
        .map(|r| sub_items[&(r.sub_item.project, r.sub_item.number)])
        .collect();
    let dist: Vec<Uuid> = rows
        .iter()
        .map(|r| districts[r.district.as_str()])
        .collect();
    let name: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    let address: Vec<&str> = rows.iter().map(|r| r.address.as_str()).collect();
    let kind: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
    let geometry: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| serde_json::to_value(&r.geometry))
        .collect::<Result<_, _>>()
        .map_err(|_| AppError::internal())?;
    let anchors: Vec<_> = rows.iter().map(|r| r.geometry.anchor()).collect();
    let lon: Vec<f64> = anchors.iter().map(|a| a.lon).collect();
    let lat: Vec<f64> = anchors.iter().map(|a| a.lat).collect();
    let code: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
    // One statement for the whole file: 20,000 sites in one round trip. Rows left out of
    // `returning` were already as the file says.
    let written: Vec<(String, bool)> = sqlx::query_as(
        "insert into sites (id, sub_item_id, district_id, name_zh, name_en, address_zh, kind,
                            geometry, anchor, public_code, code, code_year)
         select id, sub, dist, name, name, address, kind, geometry, point(lon, lat), public, code, $12
           from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[],
                       $7::jsonb[], $8::float8[], $9::float8[], $10::text[], $11::text[])
                as r(id, sub, dist, name, address, kind, geometry, lon, lat, public, code)
         on conflict (code_year, code) do update set
             sub_item_id = excluded.sub_item_id, district_id = excluded.district_id,
             name_zh = excluded.name_zh, name_en = excluded.name_en,
             address_zh = excluded.address_zh, kind = excluded.kind,
             geometry = excluded.geometry, anchor = excluded.anchor
          where (sites.sub_item_id, sites.district_id, sites.name_zh, sites.address_zh,
                 sites.kind, sites.geometry)
                is distinct from
                (excluded.sub_item_id, excluded.district_id, excluded.name_zh,
                 excluded.address_zh, excluded.kind, excluded.geometry)
         returning code, (xmax = 0)",
    )
    .bind(&ids)
    .bind(&sub)
    .bind(&dist)
    .bind(&name)
    .bind(&address)
    .bind(&kind)
    .bind(&geometry)
    .bind(&lon)
    .bind(&lat)
    .bind(&codes)
    .bind(&code)
    .bind(year)
    .fetch_all(&mut **tx)
    .await?;
    let written: HashMap<String, bool> = written.into_iter().collect();
    Ok(Ok(rows
        .iter()
        .map(|r| RowChange {
            row: r.row,
            key: r.code.clone(),
            change: written
                .get(&r.code)
                .map(|i| change(*i))
                .unwrap_or(Change::Unchanged),
        })
        .collect()))
}

/// Groups by number or name, made when new: a number names "第N监督小组", a name takes the next
/// free number.
async fn resolve_groups(
    tx: &mut Tx,
    refs: &[&GroupRef],
    made: &mut Made,
) -> Result<HashMap<GroupRef, Uuid>, AppError> {
    let known: Vec<(Uuid, i32, String)> =
        sqlx::query_as("select id, number, name_zh from supervision_groups")
            .fetch_all(&mut **tx)
            .await?;
    let mut out = HashMap::new();
    let mut numbers: HashSet<i32> = known.iter().map(|g| g.1).collect();
    for r in refs {
        if out.contains_key(*r) {
            continue;
        }
        let found = known.iter().find(|(_, n, name)| match r {
            GroupRef::Number(x) => n == x,
            GroupRef::Name(s) => name == s,
        });
        let id = match found {
            Some(g) => g.0,
            None => {
                let (number, name) = match r {
                    GroupRef::Number(n) => (*n, format!("第{n}监督小组")),
                    GroupRef::Name(s) => {
                        let n = (1..=99).find(|n| !numbers.contains(n)).ok_or_else(|| {
                            AppError::invalid("file", "there are 99 supervision groups already")
                        })?;
                        (n, s.clone())
                    }
                };
                let id = Uuid::now_v7();
                sqlx::query(
                    "insert into supervision_groups (id, number, name_zh, name_en)
                     values ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(number)
                .bind(&name)
                .bind(format!("Group {number}"))
                .execute(&mut **tx)
                .await?;
                numbers.insert(number);
                made.groups.push(name);
                id
            }
        };
        out.insert((*r).clone(), id);
    }
    Ok(out)
}

async fn deputies(
    tx: &mut Tx,
    rows: &[DeputyRow],
    secret: Option<&Secret>,
    made: &mut Made,
) -> Result<Resolved, AppError> {
    if secret.is_none() && rows.iter().any(|r| r.mobile.is_some()) {
        return Err(AppError::invalid(
            "file",
            "mobiles are kept encrypted and this server has no JIANDU_SECRET: set it, or import without the mobile column",
        ));
    }
    let refs: Vec<&GroupRef> = rows.iter().map(|r| &r.group).collect();
    let groups = resolve_groups(tx, &refs, made).await?;
    // (name, delegation) → (id, group, mobile hash)
    type Known = HashMap<(String, String), (Uuid, Uuid, Option<Vec<u8>>)>;
    let known: Known = sqlx::query_as::<_, (Uuid, String, String, Uuid, Option<Vec<u8>>)>(
        "select id, name_zh, delegation_zh, group_id, mobile_hash from deputies",
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|(id, n, d, g, m)| ((n, d), (id, g, m)))
    .collect();
    let mut out = Vec::with_capacity(rows.len());
    // (id, name, delegation, group, hash, cipher, masked) for new and changed deputies.
    type Write = (
        Uuid,
        String,
        String,
        Uuid,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
        Option<String>,
    );
    let (mut new, mut changed): (Vec<Write>, Vec<Write>) = (Vec::new(), Vec::new());
    for r in rows {
        let group = groups[&r.group];
        let existing = known.get(&(r.name.clone(), r.delegation.clone()));
        let id = existing.map(|e| e.0).unwrap_or_else(Uuid::now_v7);
        let hash = match (&r.mobile, secret) {
            (Some(m), Some(s)) => Some(s.keyed_hash("deputy-mobile", m.digits().as_bytes())),
            _ => None,
        };
        let same_mobile =
            r.mobile.is_none() || existing.and_then(|e| e.2.as_ref()) == hash.as_ref();
        let write = || -> Write {
            let (cipher, masked) = match (&r.mobile, secret) {
                (Some(m), Some(s)) => {
                    (Some(s.encrypt(m.digits(), id.as_bytes())), Some(m.masked()))
                }
                _ => (None, None),
            };
            (
                id,
                r.name.clone(),
                r.delegation.clone(),
                group,
                hash.clone(),
                cipher,
                masked,
            )
        };
        let what = match existing {
            None => {
                new.push(write());
                Change::New
            }
            Some(e) if e.1 == group && same_mobile => Change::Unchanged,
            Some(_) => {
                changed.push(write());
                Change::Changed
            }
        };
        out.push(RowChange {
            row: r.row,
            key: format!("{} · {}", r.name, r.delegation),
            change: what,
        });
    }
    for (batch, sql) in [
        (
            &new,
            "insert into deputies (id, name_zh, delegation_zh, group_id, mobile_hash, mobile_cipher,
                                   mobile_masked)
             select * from unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::bytea[],
                                  $6::bytea[], $7::text[])",
        ),
        (
            &changed,
            // An empty mobile cell keeps the number on file: a roster without the column must
            // not wipe what staff call back.
            "update deputies d set group_id = r.grp,
                    mobile_hash = coalesce(r.hash, d.mobile_hash),
                    mobile_cipher = coalesce(r.cipher, d.mobile_cipher),
                    mobile_masked = coalesce(r.masked, d.mobile_masked)
               from unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::bytea[],
                           $6::bytea[], $7::text[]) as r(id, name, delegation, grp, hash, cipher, masked)
              where d.id = r.id",
        ),
    ] {
        if batch.is_empty() {
            continue;
        }
        sqlx::query(sql)
            .bind(batch.iter().map(|w| w.0).collect::<Vec<_>>())
            .bind(batch.iter().map(|w| w.1.as_str()).collect::<Vec<_>>())
            .bind(batch.iter().map(|w| w.2.as_str()).collect::<Vec<_>>())
            .bind(batch.iter().map(|w| w.3).collect::<Vec<_>>())
            .bind(batch.iter().map(|w| w.4.clone()).collect::<Vec<_>>())
            .bind(batch.iter().map(|w| w.5.clone()).collect::<Vec<_>>())
            .bind(batch.iter().map(|w| w.6.clone()).collect::<Vec<_>>())
            .execute(&mut **tx)
            .await?;
    }
    Ok(Ok(out))
}

async fn groups(tx: &mut Tx, rows: &[GroupUnitRow], made: &mut Made) -> Result<Resolved, AppError> {
    let named: Vec<(usize, &str)> = rows.iter().map(|r| (r.row, r.unit.as_str())).collect();
    let units = match units(tx, &named, made).await? {
        Ok(u) => u,
        Err(e) => return Ok(Err(e)),
    };
    let refs: Vec<&GroupRef> = rows.iter().map(|r| &r.group).collect();
    let groups = resolve_groups(tx, &refs, made).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (group, unit) = (groups[&r.group], units[r.unit.trim()]);
        // A unit is followed by exactly one group: the file moves it if it names another.
        let written: Option<(bool,)> = sqlx::query_as(
            "insert into group_units (group_id, unit_id) values ($1, $2)
             on conflict (unit_id) do update set group_id = excluded.group_id
              where group_units.group_id <> excluded.group_id
             returning (xmax = 0)",
        )
        .bind(group)
        .bind(unit)
        .fetch_optional(&mut **tx)
        .await?;
        out.push(RowChange {
            row: r.row,
            key: format!("{} · {}", r.group, r.unit),
            change: written.map(|(i,)| change(i)).unwrap_or(Change::Unchanged),
        });
    }
    Ok(Ok(out))
}

/// Officers' accounts from a unit's list: one per (name, unit), made waiting for its person with
/// a one-time code (printed on the activation sheet beside the deputies'); an officer already on
/// file is unchanged. The units must be the plan's: a list makes none, and one written another
/// way is refused as the other files refuse it.
async fn officers(
    tx: &mut Tx,
    rows: &[OfficerRow],
    secret: Option<&Secret>,
) -> Result<Resolved, AppError> {
    use crate::domain::account::{officer_username, ACTIVATION_DAYS};
    let Some(secret) = secret else {
        return Err(AppError::invalid(
            "file",
            "activation codes are kept encrypted and this server has no JIANDU_SECRET",
        ));
    };
    let known: Vec<(Uuid, String, String, String)> =
        sqlx::query_as("select id, code, name_zh, name_en from lead_units")
            .fetch_all(&mut **tx)
            .await?;
    let mut errors = Vec::new();
    let mut units = Vec::with_capacity(rows.len());
    for r in rows {
        let name = r.unit.trim();
        let exact = known
            .iter()
            .find(|(_, code, zh, en)| zh == name || code == name || en.eq_ignore_ascii_case(name));
        match exact {
            Some(u) => units.push(u.0),
            None => {
                let key = unit_key(name);
                errors.push(RowError {
                    row: r.row,
                    problem: match known.iter().find(|u| unit_key(&u.2) == key) {
                        Some(u) => Problem::SpelledTwoWays {
                            value: name.to_owned(),
                            known: u.2.clone(),
                        },
                        None => Problem::UnknownUnit {
                            value: name.to_owned(),
                        },
                    },
                });
            }
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let on_file: HashSet<(String, Uuid)> = sqlx::query_as::<_, (String, Uuid)>(
        "select display_name, unit_id from users where role = 'unit_officer'",
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .collect();
    let mut last = super::users::last_numbered(tx, 'o').await?;
    let expires = chrono::Utc::now() + chrono::Duration::days(ACTIVATION_DAYS);
    let mut out = Vec::with_capacity(rows.len());
    for (r, unit) in rows.iter().zip(units) {
        let key = format!("{} · {}", r.name, r.unit.trim());
        if on_file.contains(&(r.name.clone(), unit)) {
            out.push(RowChange {
                row: r.row,
                key,
                change: Change::Unchanged,
            });
            continue;
        }
        last += 1;
        let id = Uuid::now_v7();
        let (hash, cipher) = super::users::new_activation(secret, id);
        sqlx::query(
            "insert into users (id, username, display_name, password_hash, role, unit_id,
                                activation_hash, activation_cipher, activation_expires)
             values ($1, $2, $3, '!activation', 'unit_officer', $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(officer_username(last as u32).as_str())
        .bind(&r.name)
        .bind(unit)
        .bind(hash)
        .bind(cipher)
        .bind(expires)
        .execute(&mut **tx)
        .await?;
        out.push(RowChange {
            row: r.row,
            key,
            change: Change::New,
        });
    }
    Ok(Ok(out))
}
