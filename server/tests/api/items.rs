//! The closed loop over real HTTP: review queue → item → forward → acknowledge → answer → rate →
//! verify, the event log, overdue, and who may do what.

use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::TestApp;
use crate::field::{put_observation, site_and_anchor};

pub async fn observe(app: &TestApp, deputy: &str, note: &str) -> Uuid {
    let (site, lat, lon) = site_and_anchor(app).await;
    let id = Uuid::now_v7();
    let body = json!({
        "site_id": site, "kind": "problem", "note": note, "tags": [],
        "captured_at": "2026-10-01T02:03:04Z",
        "position": {"lat": lat, "lon": lon, "accuracy_m": 8.0, "source": "gps"},
        "photos": [],
    });
    let (s, r) = put_observation(app, Some(deputy), &id.to_string(), body.to_string()).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    id
}

pub async fn officer_of(app: &TestApp, admin: &str, unit: Uuid, name: &str) -> String {
    let unit = unit.to_string();
    let (s, body, _) = app
        .call(
            "admin/create-account",
            Some(admin),
            &[
                ("username", name),
                ("display_name", "测试联络员"),
                ("password", "a-long-password"),
                ("role", "unit_officer"),
                ("unit_id", &unit),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    app.login(name, "a-long-password")
        .await
        .expect("officer signs in")
}

/// A lead unit other than `unit`.
pub async fn another_unit(app: &TestApp, unit: Uuid) -> Uuid {
    sqlx::query_scalar("select id from lead_units where id <> $1 limit 1")
        .bind(unit)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

pub fn act<'a>(id: &'a str, action: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("id", id), ("action", action)]
}

#[tokio::test]
async fn the_closed_loop_runs_from_observation_to_closed_item() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let admin = app.login_demo("demo-admin").await;
    let obs = observe(&app, &deputy, "无障碍坡道坡度过大").await;

    // Only staff see the queue and make items.
    for (who, expect) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(&deputy), StatusCode::FORBIDDEN),
    ] {
        let (s, _, _) = app.call("review/queue", who.map(String::as_str), &[]).await;
        assert_eq!(s, expect);
    }
    let (s, queue, _) = app.call("review/queue", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(queue["rows"][0]["id"], obs.to_string());
    let obs_s = obs.to_string();
    let make = [
        ("observations", obs_s.as_str()),
        ("kind", "problem"),
        ("description", "坡道坡度超标，轮椅无法通行"),
    ];
    let (s, _, _) = app.call("review/create-item", Some(&deputy), &make).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, item, _) = app.call("review/create-item", Some(&staff), &make).await;
    assert_eq!(s, StatusCode::OK, "{item}");
    let item = item.as_str().unwrap().to_owned();
    // Triaged: out of the queue; a second item from it is a conflict.
    let (_, queue, _) = app.call("review/queue", Some(&staff), &[]).await;
    assert_eq!(queue["rows"].as_array().unwrap().len(), 0);
    let (s, _, _) = app.call("review/create-item", Some(&staff), &make).await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Forward to the site's lead unit (the default) with a deadline; the past is refused.
    let unit: Uuid = sqlx::query_scalar(
        "select s.lead_unit_id from list_items i join sites t on t.id = i.site_id
           join sub_items s on s.id = t.sub_item_id where i.id = $1::uuid",
    )
    .bind(&item)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let officer = officer_of(&app, &admin, unit, "officer-loop").await;
    let other_unit = another_unit(&app, unit).await;
    let stranger = officer_of(&app, &admin, other_unit, "officer-other").await;
    let (s, _, _) = app
        .call("items/get", Some(&officer), &[("id", &item)])
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a draft is not the unit's yet");
    let mut past = act(&item, "forward");
    past.push(("deadline", "2020-01-01"));
    let (s, _, _) = app.call("items/act", Some(&staff), &past).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fwd = act(&item, "forward");
    fwd.push(("deadline", "2099-12-31"));
    let (s, to, _) = app.call("items/act", Some(&officer), &fwd).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{to}");
    let (s, to, _) = app.call("items/act", Some(&staff), &fwd).await;
    assert_eq!((s, to), (StatusCode::OK, Value::from("forwarded")));

    // The officer of another unit cannot see or act; this unit's officer acknowledges, answers.
    let (s, _, _) = app
        .call("items/get", Some(&stranger), &[("id", &item)])
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = app
        .call("items/act", Some(&stranger), &act(&item, "acknowledge"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, view, _) = app
        .call("items/get", Some(&officer), &[("id", &item)])
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(view["can"], json!(["acknowledge", "answer"]));
    let (s, _, _) = app
        .call("items/act", Some(&officer), &act(&item, "acknowledge"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = app
        .call("items/act", Some(&staff), &act(&item, "verify"))
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "nothing to verify before an answer"
    );
    let mut answer = act(&item, "answer");
    answer.push(("text", "已重新浇筑坡道，坡度降至1:12"));
    let (s, to, _) = app.call("items/act", Some(&officer), &answer).await;
    assert_eq!((s, to), (StatusCode::OK, Value::from("answered")));

    // The reporting deputy rates it once; staff verify and close.
    let (s, view, _) = app.call("items/get", Some(&deputy), &[("id", &item)]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(view["can"], json!(["rate"]));
    let mut rate = act(&item, "rate");
    rate.push(("rating", "basic"));
    let (s, _, _) = app.call("items/act", Some(&deputy), &rate).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = app.call("items/act", Some(&deputy), &rate).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "rated once");
    let (s, to, _) = app
        .call("items/act", Some(&staff), &act(&item, "verify"))
        .await;
    assert_eq!((s, to), (StatusCode::OK, Value::from("closed")));

    let (_, view, _) = app.call("items/get", Some(&staff), &[("id", &item)]).await;
    let log: Vec<&str> = view["detail"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        log,
        [
            "create",
            "forward",
            "acknowledge",
            "answer",
            "rate",
            "verify"
        ]
    );
    assert_eq!(view["detail"]["item"]["answer_rating"], "basic");
    assert_eq!(view["detail"]["events"][1]["deadline"], "2099-12-31");

    // Each sees their own list.
    for (who, n) in [(&officer, 1), (&stranger, 0), (&deputy, 1), (&staff, 1)] {
        let (s, list, _) = app.call("items/list", Some(who), &[]).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(list["rows"].as_array().unwrap().len(), n);
        assert_eq!(list["total"], n);
    }
    let (s, _, _) = app.call("items/list", None, &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.cleanup().await;
}

#[tokio::test]
async fn overdue_items_merges_and_dismissals() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let a = observe(&app, &deputy, "路灯不亮").await;
    let b = observe(&app, &deputy, "路灯晚上不亮，同一处").await;
    let c = observe(&app, &deputy, "误报").await;
    let a_s = a.to_string();
    let (s, item, _) = app
        .call(
            "review/create-item",
            Some(&staff),
            &[
                ("observations", &a_s),
                ("kind", "problem"),
                ("description", "路灯不亮"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let item = item.as_str().unwrap().to_owned();

    // Before a new item: the open one at the same site is offered; b is merged into it.
    let site: Uuid = sqlx::query_scalar("select site_id from observations where id = $1")
        .bind(b)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (s, near, _) = app
        .call(
            "review/nearby",
            Some(&staff),
            &[("site", &site.to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(near[0]["id"], item.as_str());
    let (s, _, _) = app
        .call(
            "review/attach",
            Some(&staff),
            &[("item", &item), ("observation", &b.to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = app
        .call(
            "review/dismiss",
            Some(&staff),
            &[("observation", &c.to_string()), ("reason", "")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _, _) = app
        .call(
            "review/dismiss",
            Some(&staff),
            &[("observation", &c.to_string()), ("reason", "与项目无关")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let statuses: Vec<(String,)> =
        sqlx::query_as("select status from observations order by received_at")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        statuses,
        [
            ("triaged".into(),),
            ("merged".into(),),
            ("dismissed".into(),)
        ]
    );

    // Forwarded with a deadline that then passes: overdue is derived, not stored.
    let mut fwd = act(&item, "forward");
    fwd.push(("deadline", "2099-01-01"));
    let (s, _, _) = app.call("items/act", Some(&staff), &fwd).await;
    assert_eq!(s, StatusCode::OK);
    let (_, view, _) = app.call("items/get", Some(&staff), &[("id", &item)]).await;
    assert_eq!(view["overdue"], false);
    sqlx::query("update list_items set deadline = date '2020-01-01'")
        .execute(&app.pool)
        .await
        .unwrap();
    let (_, view, _) = app.call("items/get", Some(&staff), &[("id", &item)]).await;
    assert_eq!(view["overdue"], true);
    assert_eq!(view["detail"]["observations"].as_array().unwrap().len(), 2);

    // The dashboard counts it as overdue for its unit, its group and its project, the same as
    // the domain's rule says for the item itself.
    let (s, _, _) = app.call("items/dashboard", Some(&deputy), &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, dash, _) = app.call("items/dashboard", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::OK, "{dash}");
    let unit = view["detail"]["item"]["unit_id"].clone();
    let row = dash["by_unit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == unit)
        .expect("the unit's row");
    assert_eq!(
        (
            row["problems"].as_i64(),
            row["forwarded"].as_i64(),
            row["overdue"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(
        row["observations"], 3,
        "all three observations were at this unit's site"
    );
    assert_eq!(row["deputies"], 1);
    // Reassigned to another unit, the item counts there.
    let other: Uuid = sqlx::query_scalar("select id from lead_units where id <> $1::uuid limit 1")
        .bind(unit.as_str().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let other_s = other.to_string();
    let mut reassign = act(&item, "reassign");
    reassign.push(("unit", &other_s));
    let (s, _, _) = app.call("items/act", Some(&staff), &reassign).await;
    assert_eq!(s, StatusCode::OK);
    let (_, dash, _) = app.call("items/dashboard", Some(&staff), &[]).await;
    let forwarded_of = |id: &Value| {
        dash["by_unit"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| &r["id"] == id)
            .unwrap()["overdue"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(forwarded_of(&Value::from(other_s.clone())), 1);
    assert_eq!(forwarded_of(&unit), 0);
    for table in ["by_unit", "by_group", "by_project"] {
        let total: i64 = dash[table]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["overdue"].as_i64().unwrap())
            .sum();
        assert_eq!(total, 1, "{table}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn the_list_exports_as_xlsx_and_csv_for_staff_and_the_unit() {
    use calamine::{open_workbook_from_rs, Reader, Xlsx};
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let admin = app.login_demo("demo-admin").await;
    let a = observe(&app, &deputy, "公厕无障碍扶手松动").await;
    let b = observe(&app, &deputy, "建议增加休息座椅").await;
    let mut items = vec![];
    for (o, kind) in [(a, "problem"), (b, "suggestion")] {
        let o = o.to_string();
        let (s, id, _) = app
            .call(
                "review/create-item",
                Some(&staff),
                &[
                    ("observations", &o),
                    ("kind", kind),
                    ("description", "内容"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        items.push(id.as_str().unwrap().to_owned());
    }
    // Only the first is forwarded; a draft is not on the formal list yet.
    let mut fwd = act(&items[0], "forward");
    fwd.push(("deadline", "2099-06-30"));
    let (s, _, _) = app.call("items/act", Some(&staff), &fwd).await;
    assert_eq!(s, StatusCode::OK);
    let (unit, unit_name, deputy_name): (Uuid, String, String) = sqlx::query_as(
        "select u.id, u.name_zh, (select display_name from users where username = 'demo-deputy')
           from list_items i join lead_units u on u.id = i.unit_id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let officer = officer_of(&app, &admin, unit, "officer-export").await;
    let other = another_unit(&app, unit).await;
    let stranger = officer_of(&app, &admin, other, "officer-export-other").await;

    let fetch = |path: &'static str, cookie: Option<String>| {
        let app = &app;
        async move {
            let mut req = app.http.get(format!("{}{path}", app.base));
            if let Some(c) = cookie {
                req = req.header("cookie", c);
            }
            let res = req.send().await.unwrap();
            (
                res.status(),
                res.headers().clone(),
                res.bytes().await.unwrap(),
            )
        }
    };
    let (s, headers, bytes) = fetch("/items/export.xlsx", Some(staff.clone())).await;
    assert_eq!(s, StatusCode::OK);
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".xlsx"));
    let mut book: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("opens");
    let range = book.worksheet_range("问题和建议清单").expect("the sheet");
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 2, "header and the one forwarded item");
    assert_eq!(rows[0][0], "编号");
    assert_eq!(rows[0][10], "整改情况");
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(rows[1][0], format!("{year}-001"));
    assert_eq!(rows[1][4], "问题");
    assert_eq!(rows[1][6], deputy_name);
    assert_eq!(rows[1][7], unit_name);
    assert_eq!(rows[1][8], "2099-06-30");
    assert_eq!(rows[1][9], "已交办");

    // The unit's officer gets their unit's; another unit's officer an empty list; no deputies.
    let csv_rows = |bytes: &[u8]| -> Vec<Vec<String>> {
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "BOM for Excel");
        csv::Reader::from_reader(&bytes[3..])
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    };
    let (s, _, bytes) = fetch("/items/export.csv", Some(officer.clone())).await;
    assert_eq!(s, StatusCode::OK);
    let lines = csv_rows(&bytes);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0][7], unit_name);
    let (s, _, bytes) = fetch("/items/export.csv", Some(stranger.clone())).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(csv_rows(&bytes).len(), 0);
    let (s, _, _) = fetch("/items/export.xlsx", Some(deputy.clone())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = fetch("/items/export.csv", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.cleanup().await;
}

/// Every dashboard figure against the same figure counted straight from the raw tables (items,
/// observations, sites, sub-items; distinct deputies), on data spread over units, districts,
/// statuses and weeks: the dashboard reads counters and grouped pre-aggregates, and this is
/// what keeps them honest.
#[tokio::test]
async fn dashboard_figures_equal_counts_from_the_raw_tables() {
    use std::collections::BTreeMap;
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    for sql in [
        // A dozen more deputy accounts, so "deputies" has something to tell apart.
        "insert into users (id, username, display_name, password_hash, role, deputy_id)
         select gen_random_uuid(), 'dashdep-' || n, '代表' || n, 'x', 'deputy', d.id
           from (select d.id, row_number() over (order by d.id) as n from deputies d
                  where not exists (select 1 from users u where u.deputy_id = d.id)
                  order by d.id limit 12) d",
        // 600 observations over the last 100 days, sites and deputies picked by row number,
        // each deputy at several sites and some sites by several deputies.
        "with dep as (select id, row_number() over (order by id) - 1 as k, count(*) over () as c
                        from users where role = 'deputy'),
              st as (select id, row_number() over (order by id) - 1 as k, count(*) over () as c
                       from sites)
         insert into observations (id, deputy_user_id, site_id, kind, note, captured_at, verdict,
                                   fingerprint, received_at)
         select gen_random_uuid(), dep.id, st.id, 'problem', 'n' || g, now(), 'unknown', 'f' || g,
                now() - (g % 100) * interval '1 day' - (g % 24) * interval '1 hour'
           from generate_series(1, 600) g
           join dep on dep.k = (g * 7) % dep.c
           join st on st.k = (g * 13) % st.c",
        // 90 items in every status, with and without units, deadlines on both sides of today,
        // answers and closings spread over the weeks.
        "with st as (select id, row_number() over (order by id) - 1 as k, count(*) over () as c
                       from sites),
              lu as (select id, row_number() over (order by id) - 1 as k, count(*) over () as c
                       from lead_units)
         insert into list_items (id, year, number, kind, site_id, description, status, unit_id,
                                 deadline, created_by, created_at, answered_at, closed_at)
         select gen_random_uuid(), 2026, 5000 + g,
                case when g % 3 = 0 then 'suggestion' else 'problem' end, st.id, 'd' || g, s.status,
                case when s.status <> 'draft' then lu.id end,
                case when s.status <> 'draft' then current_date + (g % 41 - 20) end,
                (select id from users where username = 'demo-staff'),
                now() - (g % 90) * interval '1 day',
                case when s.status in ('answered', 'closed') then now() - (g % 60) * interval '1 day' end,
                case when s.status = 'closed' then now() - (g % 30) * interval '1 day' end
           from generate_series(1, 90) g
           cross join lateral (select (array['draft', 'forwarded', 'acknowledged', 'answered',
                                             'closed'])[1 + g % 5] as status) s
           join st on st.k = (g * 31) % st.c
           join lu on lu.k = (g * 3) % lu.c",
    ] {
        sqlx::query(sql).execute(&app.pool).await.unwrap();
    }

    let (s, dash, _) = app.call("items/dashboard", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::OK, "{dash}");
    let today = dash["today"].as_str().unwrap().to_owned();
    const FIELDS: [&str; 9] = [
        "problems",
        "suggestions",
        "forwarded",
        "answered",
        "closed",
        "overdue",
        "on_time",
        "observations",
        "deputies",
    ];
    let mut checked = 0;
    for (table, col) in [
        ("by_unit", "unit"),
        ("by_group", "grp"),
        ("by_project", "project"),
        ("by_district", "district"),
    ] {
        let mut truth: BTreeMap<String, [i64; 9]> = BTreeMap::new();
        type ItemCounts = (String, i64, i64, i64, i64, i64, i64, i64);
        let items: Vec<ItemCounts> = sqlx::query_as(&format!(
            "with it as (
                 select coalesce(i.unit_id, s.lead_unit_id) as unit, gu.group_id as grp,
                        s.project_id as project, t.district_id as district, i.*
                   from list_items i join sites t on t.id = i.site_id
                   join sub_items s on s.id = t.sub_item_id
                   left join group_units gu on gu.unit_id = coalesce(i.unit_id, s.lead_unit_id))
             select {col}::text, count(*) filter (where kind = 'problem'),
                    count(*) filter (where kind = 'suggestion'),
                    count(*) filter (where status <> 'draft'),
                    count(*) filter (where status in ('answered', 'closed')),
                    count(*) filter (where status = 'closed'),
                    count(*) filter (where status in ('forwarded', 'acknowledged')
                                       and deadline < $1::date),
                    count(*) filter (where status in ('answered', 'closed') and
                                     (answered_at at time zone 'Asia/Shanghai')::date <= deadline)
               from it where {col} is not null group by 1"
        ))
        .bind(&today)
        .fetch_all(&app.pool)
        .await
        .unwrap();
        for (k, a, b, c, d, e, f, g) in items {
            let row = truth.entry(k).or_default();
            row[..7].copy_from_slice(&[a, b, c, d, e, f, g]);
        }
        let obs: Vec<(String, i64, i64)> = sqlx::query_as(&format!(
            "with ob as (
                 select s.lead_unit_id as unit, gu.group_id as grp, s.project_id as project,
                        t.district_id as district, o.deputy_user_id
                   from observations o join sites t on t.id = o.site_id
                   join sub_items s on s.id = t.sub_item_id
                   left join group_units gu on gu.unit_id = s.lead_unit_id)
             select {col}::text, count(*), count(distinct deputy_user_id)
               from ob where {col} is not null group by 1"
        ))
        .fetch_all(&app.pool)
        .await
        .unwrap();
        for (k, n, d) in obs {
            let row = truth.entry(k).or_default();
            row[7] = n;
            row[8] = d;
        }
        let shown: BTreeMap<String, [i64; 9]> = dash[table]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let mut v = [0i64; 9];
                for (slot, f) in v.iter_mut().zip(FIELDS) {
                    *slot = r[f].as_i64().unwrap();
                }
                (r["id"].as_str().unwrap().to_owned(), v)
            })
            .filter(|(_, v)| v.iter().any(|n| *n != 0))
            .collect();
        assert_eq!(shown, truth, "{table} ({FIELDS:?})");
        assert!(
            truth.values().any(|v| v[8] > 1),
            "{table}: several deputies somewhere"
        );
        checked += truth.len();
    }
    assert!(checked > 40, "rows compared: {checked}");

    // The trend: each of the twelve weeks against the raw timestamps.
    let trend = dash["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 12);
    let mut nonzero = 0;
    for w in trend {
        let week = w["week"].as_str().unwrap();
        let (obs, created, answered, closed): (i64, i64, i64, i64) = sqlx::query_as(
            "select (select count(*) from observations
                      where date_trunc('week', received_at at time zone 'Asia/Shanghai')::date = $1::date),
                    (select count(*) from list_items
                      where date_trunc('week', created_at at time zone 'Asia/Shanghai')::date = $1::date),
                    (select count(*) from list_items
                      where date_trunc('week', answered_at at time zone 'Asia/Shanghai')::date = $1::date),
                    (select count(*) from list_items
                      where date_trunc('week', closed_at at time zone 'Asia/Shanghai')::date = $1::date)",
        )
        .bind(week)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(
            [
                w["observations"].as_i64(),
                w["created"].as_i64(),
                w["answered"].as_i64(),
                w["closed"].as_i64()
            ],
            [Some(obs), Some(created), Some(answered), Some(closed)],
            "week of {week}"
        );
        nonzero += usize::from(obs > 0 && created > 0 && answered > 0 && closed > 0);
    }
    assert!(nonzero >= 4, "weeks with every figure: {nonzero}");
    app.cleanup().await;
}
