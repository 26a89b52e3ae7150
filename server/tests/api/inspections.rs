//! Inspections over real HTTP and the real database: a plan made through the plan form's
//! server function, check-ins judged against a point, a greenway's line and an estate's polygon,
//! exactly once, only by the deputies invited, only at the route's sites and on its days;
//! observations made on it belong to it; each caller sees only what is theirs; the check-in log
//! refuses to be rewritten.

use app::domain::verdict::judge;
use app::domain::SiteGeometry;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::access::deputy_of_another_group;
use crate::common::TestApp;
use crate::field::put_observation;

struct Site {
    id: Uuid,
    code: String,
    geometry: SiteGeometry,
}

/// An active site whose geometry is of `kind` (Point, LineString, Polygon).
async fn site_of(app: &TestApp, kind: &str) -> Site {
    let (id, code, g): (Uuid, String, sqlx::types::Json<SiteGeometry>) = sqlx::query_as(
        "select id, public_code, geometry from sites
          where active and geometry ->> 'type' = $1 order by public_code limit 1",
    )
    .bind(kind)
    .fetch_one(&app.pool)
    .await
    .unwrap_or_else(|e| panic!("a {kind} site in the demo: {e}"));
    Site {
        id,
        code,
        geometry: g.0,
    }
}

fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

async fn check_in(
    app: &TestApp,
    cookie: &str,
    inspection: &str,
    id: Uuid,
    site: Uuid,
    at: chrono::DateTime<chrono::Utc>,
    (lat, lon): (f64, f64),
) -> (StatusCode, Value) {
    app.put_json(
        &format!("/api/v1/inspections/{inspection}/check-ins/{id}"),
        Some(cookie),
        &json!({
            "site_id": site,
            "checked_at": at,
            "position": {"lat": lat, "lon": lon, "accuracy_m": 10.0, "source": "gps"},
        }),
    )
    .await
}

/// An inspection today and tomorrow for demo-deputy's group, with demo-deputy invited and
/// leading, at the first site of the group's units: its id.
pub async fn plan_for_demo_deputy(app: &TestApp, staff: &str) -> String {
    let (me, group, code): (Uuid, Uuid, String) = sqlx::query_as(
        "select d.id, d.group_id,
                (select t.public_code from sites t join sub_items s on s.id = t.sub_item_id
                   join group_units gu on gu.unit_id = s.lead_unit_id
                  where gu.group_id = d.group_id and t.active order by t.public_code limit 1)
           from deputies d join users u on u.deputy_id = d.id where u.username = 'demo-deputy'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("demo-deputy's group and a site of it");
    let (first, last) = (
        today().to_string(),
        (today() + chrono::Duration::days(1)).to_string(),
    );
    let (me, group) = (me.to_string(), group.to_string());
    let (s, r, _) = app
        .call(
            "inspections/plan",
            Some(staff),
            &[
                ("title", "矩阵：视察"),
                ("starts_on", &first),
                ("ends_on", &last),
                ("groups[0]", &group),
                ("sites", &code),
                ("deputies[0]", &me),
                ("leader", &me),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    r.as_str().expect("the inspection's id").to_owned()
}

fn field_of(v: &Value) -> &str {
    v["details"]["field"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn an_inspection_is_planned_walked_and_followed_and_each_sees_only_theirs() {
    let app = TestApp::spawn().await;
    let admin = app.login_demo("demo-admin").await;
    let staff = app.login_demo("demo-staff").await;
    let deputy = app.login_demo("demo-deputy").await;
    let officer = app.login_demo("demo-officer").await;
    let outsider = deputy_of_another_group(&app, &admin, "inspection-outsider").await;
    let (me, group): (Uuid, Uuid) = sqlx::query_as(
        "select d.id, d.group_id from deputies d join users u on u.deputy_id = d.id
          where u.username = 'demo-deputy'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    // A second deputy of the same group, invited too, without an account (the roster counts).
    let colleague: Uuid = sqlx::query_scalar(
        "select d.id from deputies d where d.group_id = $1 and d.id <> $2
          and not exists (select 1 from users u where u.deputy_id = d.id) limit 1",
    )
    .bind(group)
    .bind(me)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let other_group: Uuid =
        sqlx::query_scalar("select group_id from deputies where group_id <> $1 limit 1")
            .bind(group)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let stranger: Uuid = sqlx::query_scalar("select id from deputies where group_id = $1 limit 1")
        .bind(other_group)
        .fetch_one(&app.pool)
        .await
        .unwrap();

    let point = site_of(&app, "Point").await;
    let line = site_of(&app, "LineString").await;
    let estate = site_of(&app, "Polygon").await;
    let (first, last) = (
        today().to_string(),
        (today() + chrono::Duration::days(1)).to_string(),
    );
    let (me_s, colleague_s, group_s) = (me.to_string(), colleague.to_string(), group.to_string());
    let sites = format!(
        "{}\n{}，{}",
        point.code,
        line.code.to_lowercase(),
        estate.code
    );
    let plan = |sites: String, deputies: Vec<(String, String)>, leader: String| {
        let mut form = vec![
            ("title".to_owned(), "第一组视察".to_owned()),
            ("starts_on".to_owned(), first.clone()),
            ("ends_on".to_owned(), last.clone()),
            ("groups[0]".to_owned(), group_s.clone()),
            ("sites".to_owned(), sites),
            ("leader".to_owned(), leader),
        ];
        form.extend(deputies);
        form
    };
    let call = |cookie: String, form: Vec<(String, String)>| {
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.call("inspections/plan", Some(&cookie), &pairs).await
        }
    };
    // The checkboxes left unticked leave gaps in the indices.
    let invited = vec![
        ("deputies[0]".to_owned(), me_s.clone()),
        ("deputies[3]".to_owned(), colleague_s.clone()),
    ];

    // Only staff plan; every refusal names its field and stores nothing.
    let (s, _, _) = call(
        deputy.clone(),
        plan(sites.clone(), invited.clone(), me_s.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, r, _) = call(
        staff.clone(),
        plan("A2B3C4D".into(), invited.clone(), me_s.clone()),
    )
    .await;
    assert_eq!(
        (s, field_of(&r)),
        (StatusCode::UNPROCESSABLE_ENTITY, "inspection_sites"),
        "{r}"
    );
    let mut strangers = invited.clone();
    strangers.push(("deputies[4]".into(), stranger.to_string()));
    let (s, r, _) = call(staff.clone(), plan(sites.clone(), strangers, me_s.clone())).await;
    assert_eq!(
        (s, field_of(&r)),
        (StatusCode::UNPROCESSABLE_ENTITY, "inspection_deputies"),
        "{r}"
    );
    let (s, r, _) = call(
        staff.clone(),
        plan(sites.clone(), invited.clone(), stranger.to_string()),
    )
    .await;
    assert_eq!(
        (s, field_of(&r)),
        (StatusCode::UNPROCESSABLE_ENTITY, "inspection_leader"),
        "{r}"
    );
    assert_eq!(app.count("inspections").await, 0);

    let (s, r, _) = call(
        staff.clone(),
        plan(sites.clone(), invited.clone(), me_s.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let inspection = r.as_str().expect("the new inspection's id").to_owned();
    let route: Vec<Uuid> = sqlx::query_scalar(
        "select site_id from inspection_sites where inspection_id = $1::uuid order by position",
    )
    .bind(&inspection)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        route,
        [point.id, line.id, estate.id],
        "the route keeps the order typed"
    );
    assert_eq!(app.count("inspection_deputies").await, 2);

    // Check-ins: judged against each geometry by the observation's rules.
    let now = chrono::Utc::now();
    let [plon, plat] = point.geometry.points()[0];
    let [llon, llat] = line.geometry.points()[0];
    let ring = estate.geometry.points();
    let n = (ring.len() - 1) as f64; // the ring is closed: its last vertex is its first
    let (elon, elat) = (
        ring[..ring.len() - 1].iter().map(|p| p[0]).sum::<f64>() / n,
        ring[..ring.len() - 1].iter().map(|p| p[1]).sum::<f64>() / n,
    );
    let cases = [
        (&point, (plat + 0.0015, plon), "near"),
        (&line, (llat, llon), "on_site"),
        (&estate, (elat, elon), "on_site"),
        (&point, (plat + 0.05, plon), "off_site"),
    ];
    let mut first_id = None;
    for (site, at, expected) in cases {
        let position = app::domain::record::PositionInput {
            lat: at.0,
            lon: at.1,
            accuracy_m: 10.0,
            source: app::domain::PositionSource::Gps,
        };
        assert_eq!(
            judge(&site.geometry, Some(&position)).0.as_str(),
            expected,
            "the case is what it says"
        );
        let id = Uuid::now_v7();
        let (s, r) = check_in(&app, &deputy, &inspection, id, site.id, now, at).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(r["verdict"], expected, "{r}");
        first_id.get_or_insert((id, site.id, at));
    }
    // Exactly once: the same check-in again is answered as stored; another under its id refused.
    let (id, site, at) = first_id.unwrap();
    let (s, r) = check_in(&app, &deputy, &inspection, id, site, now, at).await;
    assert_eq!(
        (s, r["verdict"].as_str()),
        (StatusCode::OK, Some("near")),
        "{r}"
    );
    let (s, _) = check_in(
        &app,
        &deputy,
        &inspection,
        id,
        site,
        now,
        (at.0 + 0.01, at.1),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(app.count("inspection_check_ins").await, 4);
    // Not invited, not on the route, not one of its days, not a deputy.
    let (s, _) = check_in(&app, &outsider, &inspection, Uuid::now_v7(), site, now, at).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let elsewhere: Uuid =
        sqlx::query_scalar("select id from sites where active and not (id = any($1)) limit 1")
            .bind(&route)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (s, r) = check_in(
        &app,
        &deputy,
        &inspection,
        Uuid::now_v7(),
        elsewhere,
        now,
        at,
    )
    .await;
    assert_eq!(
        (s, field_of(&r)),
        (StatusCode::UNPROCESSABLE_ENTITY, "site_id"),
        "{r}"
    );
    let yesterday = now - chrono::Duration::days(1);
    let (s, r) = check_in(
        &app,
        &deputy,
        &inspection,
        Uuid::now_v7(),
        site,
        yesterday,
        at,
    )
    .await;
    assert_eq!(
        (s, field_of(&r)),
        (StatusCode::UNPROCESSABLE_ENTITY, "checked_at"),
        "{r}"
    );
    let (s, _) = check_in(&app, &officer, &inspection, Uuid::now_v7(), site, now, at).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = check_in(
        &app,
        &deputy,
        &Uuid::now_v7().to_string(),
        Uuid::now_v7(),
        site,
        now,
        at,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(app.count("inspection_check_ins").await, 4);

    // An observation made at a route site on one of its days belongs to the inspection, even
    // where the deputy's own group does not follow the site; one made the day before does not.
    let observe = |site: Uuid, at: chrono::DateTime<chrono::Utc>, (lat, lon): (f64, f64)| {
        let app = &app;
        let deputy = deputy.clone();
        async move {
            let id = Uuid::now_v7();
            let body = json!({
                "site_id": site, "kind": "problem", "note": "视察中发现的问题", "tags": [],
                "captured_at": at,
                "position": {"lat": lat, "lon": lon, "accuracy_m": 8.0, "source": "gps"},
                "photos": [],
            });
            let (s, r) =
                put_observation(app, Some(&deputy), &id.to_string(), body.to_string()).await;
            (s, r, id)
        }
    };
    let (s, r, found) = observe(line.id, now, (llat, llon)).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let of: Option<Uuid> =
        sqlx::query_scalar("select inspection_id from observations where id = $1")
            .bind(found)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(of.map(|u| u.to_string()), Some(inspection.clone()));
    let follows: bool = sqlx::query_scalar(
        "select exists (select 1 from sites t join sub_items s on s.id = t.sub_item_id
                          join group_units gu on gu.unit_id = s.lead_unit_id
                         where t.id = $1 and gu.group_id = $2)",
    )
    .bind(line.id)
    .bind(group)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let (s, _, before) = observe(line.id, yesterday, (llat, llon)).await;
    if follows {
        assert_eq!(s, StatusCode::CREATED);
        let of: Option<Uuid> =
            sqlx::query_scalar("select inspection_id from observations where id = $1")
                .bind(before)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(of, None, "the day before is not the inspection's");
    } else {
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "outside its days the site is not theirs"
        );
    }

    // Staff follow it: the route with what was visited, who is where, what was found.
    let (s, d, _) = app
        .call("inspections/get", Some(&staff), &[("id", &inspection)])
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let visited: Vec<bool> = d["route"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["visited"].as_bool().unwrap())
        .collect();
    assert_eq!(
        visited,
        [true, true, true],
        "near and on site count, off site alone would not"
    );
    assert_eq!(d["summary"]["sites_visited"], 3);
    assert_eq!(d["findings"]["total"], 1);
    assert_eq!(d["by_kind"], json!([1, 0, 0]));
    let people = d["deputies"].as_array().unwrap();
    assert_eq!(people.len(), 2);
    assert_eq!(people[0]["deputy_id"], me_s, "the leader first");
    assert_eq!(people[0]["is_leader"], true);
    assert_eq!(people[0]["check_ins"], 4);
    assert_eq!(people[0]["last_verdict"], "off_site");
    assert_eq!(people[1]["has_account"], false);
    assert_eq!(people[1]["check_ins"], 0);
    // The invited deputy: their own check-ins on the route and their own findings.
    let (s, mine, _) = app
        .call("inspections/get", Some(&deputy), &[("id", &inspection)])
        .await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    assert_eq!(
        mine["route"][0]["my_verdict"], "off_site",
        "the latest at the point"
    );
    assert_eq!(mine["route"][1]["my_verdict"], "on_site");
    assert_eq!(mine["findings"]["rows"][0]["id"], found.to_string());
    // Nobody else.
    for who in [&outsider, &officer] {
        let (s, _, _) = app
            .call("inspections/get", Some(who), &[("id", &inspection)])
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (s, l, _) = app.call("inspections/list", Some(&outsider), &[]).await;
    assert_eq!(
        (s, l["list"]["total"].as_i64()),
        (StatusCode::OK, Some(0)),
        "{l}"
    );
    let (_, l, _) = app
        .call("inspections/list", Some(&deputy), &[("current", "true")])
        .await;
    assert_eq!(l["list"]["total"], 1, "{l}");
    let (_, l, _) = app.call("inspections/list", Some(&staff), &[]).await;
    assert_eq!(l["list"]["rows"][0]["findings"], 1, "{l}");

    // The deputy's duty record counts the inspection once, the deputy without an account none.
    let (s, record, _) = app.call("duty/record", Some(&deputy), &[]).await;
    assert_eq!(s, StatusCode::OK, "{record}");
    assert_eq!(record["deputy"]["figures"]["inspections"], 1, "{record}");

    // The check-in log is append-only in the database itself.
    let rewrite = sqlx::query("update inspection_check_ins set verdict = 'on_site'")
        .execute(&app.pool)
        .await;
    assert!(rewrite.is_err(), "an UPDATE on the check-ins must fail");
    let erase = sqlx::query("delete from inspection_check_ins")
        .execute(&app.pool)
        .await;
    assert!(erase.is_err(), "a DELETE on the check-ins must fail");
    app.cleanup().await;
}

/// An installation with nothing but what was loaded through the product (the year's plan, sites,
/// roster and groups' units as files; accounts made by the administrator): an inspection is
/// planned, a deputy checks in and records on it, and staff see it.
#[tokio::test]
async fn an_inspection_runs_on_an_installation_loaded_through_the_product() {
    use crate::registry::{first_admin, sites_csv, upload, GROUPS, PLAN, ROSTER};
    let app = TestApp::spawn_with(false).await;
    let admin = first_admin(&app).await;
    for (kind, name, body) in [
        ("plan", "计划.csv", PLAN.to_owned()),
        ("sites", "点位.csv", sites_csv()),
        ("deputies", "名册.csv", ROSTER.to_owned()),
        ("groups", "小组.csv", GROUPS.to_owned()),
    ] {
        let (s, out) = upload(&app, Some(&admin), kind, name, &body, "2026", false).await;
        assert_eq!(s, StatusCode::OK, "{kind}: {out}");
    }
    let (deputy_id, group): (Uuid, Uuid) =
        sqlx::query_as("select id, group_id from deputies where name_zh = '王建国'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (deputy_s, group_s) = (deputy_id.to_string(), group.to_string());
    for (username, role, deputy) in [
        ("staff-one", "staff", ""),
        ("wang", "deputy", deputy_s.as_str()),
    ] {
        let mut form = vec![
            ("username", username),
            ("display_name", "新用户"),
            ("password", "a-long-password"),
            ("role", role),
        ];
        if !deputy.is_empty() {
            form.push(("deputy_id", deputy));
        }
        let (s, r, _) = app.call("admin/create-account", Some(&admin), &form).await;
        assert_eq!(s, StatusCode::OK, "{r}");
    }
    let staff = app
        .login("staff-one", "a-long-password")
        .await
        .expect("staff signs in");
    let deputy = app
        .login("wang", "a-long-password")
        .await
        .expect("the deputy signs in");
    let (site, code, lon, lat): (Uuid, String, f64, f64) = sqlx::query_as(
        "select id, public_code, anchor[0], anchor[1] from sites where code = 'DT-001'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();

    let (first, last) = (today().to_string(), today().to_string());
    let (s, r, _) = app
        .call(
            "inspections/plan",
            Some(&staff),
            &[
                ("title", "第1组加装电梯视察"),
                ("starts_on", &first),
                ("ends_on", &last),
                ("groups[0]", &group_s),
                ("sites", &code),
                ("deputies[0]", &deputy_s),
                ("leader", &deputy_s),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let inspection = r.as_str().unwrap().to_owned();
    let now = chrono::Utc::now();
    let (s, r) = check_in(
        &app,
        &deputy,
        &inspection,
        Uuid::now_v7(),
        site,
        now,
        (lat, lon),
    )
    .await;
    assert_eq!(
        (s, r["verdict"].as_str()),
        (StatusCode::CREATED, Some("on_site")),
        "{r}"
    );
    let body = json!({
        "site_id": site, "kind": "suggestion", "note": "建议增设候梯座椅", "tags": [],
        "captured_at": now,
        "position": {"lat": lat, "lon": lon, "accuracy_m": 8.0, "source": "gps"},
        "photos": [],
    });
    let (s, r) = put_observation(
        &app,
        Some(&deputy),
        &Uuid::now_v7().to_string(),
        body.to_string(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (s, d, _) = app
        .call(
            "inspections/get",
            Some(&staff),
            &[("id", &inspection), ("staff_view", "true")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["summary"]["sites_visited"], 1, "{d}");
    assert_eq!(d["by_kind"], json!([0, 1, 0]));
    assert_eq!(d["deputies"][0]["last_verdict"], "on_site");

    // Its report, on the units and sites the files loaded: the finding under its unit, the
    // deputy present, and the same in the Word file.
    let (s, r, _) = app
        .call("inspections/report", Some(&staff), &[("id", &inspection)])
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["by_kind"], json!([0, 1, 0]));
    assert_eq!(r["units"].as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(r["units"][0]["findings"][0]["note"], "建议增设候梯座椅");
    assert_eq!(r["deputies"][0]["check_ins"], 1);
    let res = app
        .get(
            &format!("/staff/inspections/{inspection}/report.docx"),
            Some(&staff),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (_, text) = docx_parts(&res.bytes().await.unwrap());
    for want in [
        "第1组加装电梯视察 联合视察报告",
        "建议增设候梯座椅",
        "王建国",
    ] {
        assert!(text.contains(want), "the Word file lacks {want:?}: {text}");
    }
    app.cleanup().await;
}

/// The files inside a `.docx` (a zip) and its text as Word shows it (the runs of
/// `word/document.xml`, tags taken out).
fn docx_parts(bytes: &[u8]) -> (Vec<String>, String) {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a docx is a zip");
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.expect("a file name").into_owned())
        .collect();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("the document's body")
        .read_to_string(&mut xml)
        .expect("UTF-8 XML");
    let mut text = String::new();
    let mut in_tag = false;
    for c in xml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    (names, text)
}

#[tokio::test]
async fn the_joint_report_counts_from_the_rows_keeps_its_text_and_downloads_as_word() {
    use crate::field::{phone_jpeg, put_photo, sha};
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let deputy = app.login_demo("demo-deputy").await;
    let officer = app.login_demo("demo-officer").await;
    let inspection = plan_for_demo_deputy(&app, &staff).await;
    let (site, name, lon, lat): (Uuid, String, f64, f64) = sqlx::query_as(
        "select t.id, t.name_zh, t.anchor[0], t.anchor[1] from inspection_sites s
           join sites t on t.id = s.site_id where s.inspection_id = $1::uuid",
    )
    .bind(&inspection)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let now = chrono::Utc::now();
    let (s, r) = check_in(
        &app,
        &deputy,
        &inspection,
        Uuid::now_v7(),
        site,
        now,
        (lat, lon),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let photo = phone_jpeg(640, 480, 16);
    let hash = sha(&photo);
    let (s, r) = put_photo(&app, Some(&deputy), &hash, photo).await;
    assert!(s.is_success(), "{s} {r}");
    // The suggestion made first, the problem later: the report lists problems first all the
    // same. A third finding, dismissed by staff, is left out of it and counted.
    let mut ids = Vec::new();
    for (kind, note, photos, minutes) in [
        ("suggestion", "报告：建议增设夜间照明", vec![], 3),
        (
            "problem",
            "报告：候梯厅无障碍坡道过陡",
            vec![hash.clone()],
            2,
        ),
        ("problem", "报告：重复的发现", vec![], 1),
    ] {
        let at = now - chrono::Duration::minutes(minutes);
        let body = json!({
            "site_id": site, "kind": kind, "note": note, "tags": [], "captured_at": at,
            "position": {"lat": lat, "lon": lon, "accuracy_m": 8.0, "source": "gps"},
            "photos": photos,
        });
        let id = Uuid::now_v7().to_string();
        let (s, r) = put_observation(&app, Some(&deputy), &id, body.to_string()).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        ids.push(id);
    }
    let (s, r, _) = app
        .call(
            "review/dismiss",
            Some(&staff),
            &[("observation", &ids[2]), ("reason", "与前一条重复")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");

    // Only staff read or write the report, or download it.
    let docx_url = format!("/staff/inspections/{inspection}/report.docx");
    for (who, cookie, expected) in [
        ("anonymous", None, StatusCode::UNAUTHORIZED),
        (
            "a deputy invited",
            Some(deputy.as_str()),
            StatusCode::FORBIDDEN,
        ),
        ("an officer", Some(officer.as_str()), StatusCode::FORBIDDEN),
    ] {
        let (s, _, _) = app
            .call("inspections/report", cookie, &[("id", &inspection)])
            .await;
        assert_eq!(s, expected, "{who} reading the report");
        let (s, _, _) = app
            .call(
                "inspections/write_report",
                cookie,
                &[("id", &inspection), ("summary", "x"), ("conclusions", "")],
            )
            .await;
        assert_eq!(s, expected, "{who} writing the report");
        assert_eq!(app.get(&docx_url, cookie).await.status(), expected, "{who}");
    }
    assert_eq!(app.count("inspection_reports").await, 0);

    // Every figure equals a count of the raw rows.
    let (s, r, _) = app
        .call("inspections/report", Some(&staff), &[("id", &inspection)])
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let raw: Vec<(Uuid, i64, i64, i64)> = sqlx::query_as(
        "select si.lead_unit_id,
                count(*) filter (where o.kind = 'problem'),
                count(*) filter (where o.kind = 'suggestion'),
                count(*) filter (where o.kind = 'good_practice')
           from observations o join sites t on t.id = o.site_id
           join sub_items si on si.id = t.sub_item_id
          where o.inspection_id = $1::uuid and o.status <> 'dismissed'
          group by si.lead_unit_id",
    )
    .bind(&inspection)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let units = r["units"].as_array().expect("units");
    assert_eq!(units.len(), raw.len(), "{r}");
    for (unit, p, sg, g) in &raw {
        let u = units
            .iter()
            .find(|u| u["unit_id"] == json!(unit))
            .expect("each unit with findings");
        assert_eq!(u["by_kind"], json!([p, sg, g]));
        assert_eq!(u["findings"].as_array().unwrap().len() as i64, p + sg + g);
    }
    assert_eq!(r["by_kind"], json!([1, 1, 0]));
    assert_eq!(r["dismissed"], 1);
    assert_eq!(
        units[0]["findings"][0]["kind"], "problem",
        "problems first: {r}"
    );
    assert_eq!(units[0]["findings"][1]["kind"], "suggestion");
    let photos: i64 = sqlx::query_scalar(
        "select count(*) from observation_photos p join observations o on o.id = p.observation_id
          where o.inspection_id = $1::uuid",
    )
    .bind(&inspection)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let listed: usize = units
        .iter()
        .flat_map(|u| u["findings"].as_array().unwrap())
        .map(|f| f["photos"].as_array().unwrap().len())
        .sum();
    assert_eq!((listed as i64, photos), (1, 1));
    assert_eq!(r["route"][0]["visited"], true);
    assert_eq!(r["deputies"][0]["check_ins"], 1);
    assert!(r["written_by"].is_null());

    // A refused text stores nothing; a good one is kept, with who wrote it.
    let long = "长".repeat(app::domain::inspection::MAX_REPORT_CHARS + 1);
    for (summary, conclusions, field) in [
        ("概况", long.as_str(), "report_conclusions"),
        ("概况\u{7}", "", "report_summary"),
    ] {
        let (s, r, _) = app
            .call(
                "inspections/write_report",
                Some(&staff),
                &[
                    ("id", &inspection),
                    ("summary", summary),
                    ("conclusions", conclusions),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
        assert_eq!(field_of(&r), field);
    }
    assert_eq!(app.count("inspection_reports").await, 0);
    let (s, r, _) = app
        .call(
            "inspections/write_report",
            Some(&staff),
            &[
                ("id", &inspection),
                ("summary", "本次视察走访点位一处。\r\n代表现场签到。"),
                ("conclusions", "坡道须于月底前整改。"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, r, _) = app
        .call(
            "inspections/write_report",
            Some(&staff),
            &[
                ("id", &Uuid::now_v7().to_string()),
                ("summary", "x"),
                ("conclusions", ""),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{r}");
    let (_, r, _) = app
        .call("inspections/report", Some(&staff), &[("id", &inspection)])
        .await;
    assert_eq!(
        r["text"]["summary"],
        "本次视察走访点位一处。\n代表现场签到。"
    );
    assert!(r["written_by"].is_string(), "{r}");

    // The Word file holds the same parts: the site, both findings, the text, the photo.
    let res = app.get(&docx_url, Some(&staff)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()[reqwest::header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let bytes = res.bytes().await.unwrap();
    let (names, text) = docx_parts(&bytes);
    for want in [
        "矩阵：视察 联合视察报告",
        name.as_str(),
        "报告：候梯厅无障碍坡道过陡",
        "报告：建议增设夜间照明",
        "本次视察走访点位一处。",
        "坡道须于月底前整改。",
        "问题 1 条，建议 1 条，好的做法 0 条",
        "另有 1 条发现经审核未采纳",
    ] {
        assert!(
            text.contains(want),
            "the report's Word file lacks {want:?}: {text}"
        );
    }
    assert!(
        !text.contains("报告：重复的发现"),
        "a dismissed finding is left out"
    );
    let pictures = names
        .iter()
        .filter(|n| n.starts_with("word/media/") && n.ends_with(".png"))
        .count();
    assert_eq!(pictures, 1, "{names:?}");
    assert_eq!(
        app.get(
            &format!("/staff/inspections/{}/report.docx", Uuid::now_v7()),
            Some(&staff)
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    app.cleanup().await;
}
