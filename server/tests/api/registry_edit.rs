//! Editing the registry between imports, through the server functions the pages call: the
//! plan's sub-items, sites (geometry in WGS-84, GCJ-02 or BD-09, points, lines and areas),
//! deactivation and removal, the roster and the units' groups.

use reqwest::{multipart, StatusCode};
use serde_json::Value;

use crate::common::TestApp;
use crate::registry::{first_admin, metres, upload, WGS};
use app::domain::mapping::{gcj02_to_bd09, wgs84_to_gcj02};
use app::domain::LonLat;

/// A staff account made by the first administrator, signed in.
async fn staff(app: &TestApp, admin: &str) -> String {
    let (s, body, _) = app
        .call(
            "admin/create-account",
            Some(admin),
            &[
                ("username", "office-staff"),
                ("display_name", "人大办工作人员"),
                ("password", "lantern orchard river 42"),
                ("role", "staff"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    app.login("office-staff", "lantern orchard river 42")
        .await
        .expect("staff signs in")
}

fn sub_item_form<'a>(
    project: &'a str,
    sub: &'a str,
    unit: &'a str,
    deadline: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("year", "2026"),
        ("project_no", project),
        ("project_name", "既有住宅加装电梯"),
        ("sub_item_no", sub),
        ("sub_item_name", "完成加装电梯"),
        ("lead_unit", unit),
        ("target_quantity", "400"),
        ("target_unit", "台"),
        ("deadline", deadline),
        ("budget", "12000"),
        ("funds_government", "8000"),
        ("funds_residents", "4000"),
        ("funds_social", "0"),
    ]
}

fn saved(body: &Value) -> String {
    body["Saved"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("not saved: {body}"))
        .to_owned()
}

/// The fields (and problems) of a refused form.
fn refused(body: &Value) -> Vec<(String, String)> {
    body["Refused"]["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("not refused: {body}"))
        .iter()
        .map(|p| {
            (
                p["field"].as_str().unwrap_or_default().to_owned(),
                p["problem"]["problem"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn save_site(
    app: &TestApp,
    cookie: &str,
    site_id: &str,
    sub_item: &str,
    code: &str,
    name: &str,
    kind: &str,
    crs: &str,
    coordinates: &str,
) -> (StatusCode, Value) {
    let (s, body, _) = app
        .call(
            "registry/save-site",
            Some(cookie),
            &[
                ("site_id", site_id),
                ("sub_item_id", sub_item),
                ("code", code),
                ("name", name),
                ("kind", kind),
                ("district", "拱墅区"),
                ("address", "朝晖路 1 号"),
                ("crs", crs),
                ("coordinates", coordinates),
            ],
        )
        .await;
    (s, body)
}

async fn anchor(app: &TestApp, id: &str) -> (f64, f64) {
    sqlx::query_as("select anchor[0], anchor[1] from sites where id = $1::uuid")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("the site")
}

#[tokio::test]
async fn staff_build_and_correct_a_year_with_the_forms_alone() {
    let app = TestApp::spawn_with(false).await;
    let admin = first_admin(&app).await;
    let staff = staff(&app, &admin).await;

    // A sub-item typed into the plan form: its unit is made, as the plan file would make it.
    let (s, body, _) = app
        .call(
            "registry/save-sub-item",
            Some(&staff),
            &sub_item_form("3", "1", "市建委", "2026-12-31"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let sub_item = saved(&body);
    assert_eq!(
        (app.count("projects").await, app.count("sub_items").await),
        (1, 1)
    );
    assert_eq!(app.count("lead_units").await, 1);
    // Saved again with a new deadline: the same sub-item changes.
    let (_, body, _) = app
        .call(
            "registry/save-sub-item",
            Some(&staff),
            &sub_item_form("3", "1", "市建委", "2026/11/30"),
        )
        .await;
    assert_eq!(saved(&body), sub_item);
    let deadline: chrono::NaiveDate =
        sqlx::query_scalar("select deadline from sub_items where id = $1::uuid")
            .bind(&sub_item)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(deadline.to_string(), "2026-11-30");
    // The same bureau written another way is refused, not made twice; so are bad figures.
    let (_, body, _) = app
        .call(
            "registry/save-sub-item",
            Some(&staff),
            &sub_item_form("3", "2", "杭州市建委", "2026-12-31"),
        )
        .await;
    assert_eq!(
        refused(&body),
        [("lead_unit".into(), "spelled_two_ways".into())]
    );
    let mut bad = sub_item_form("3", "2", "市建委", "not a date");
    bad[9] = ("budget", "12.345");
    let (_, body, _) = app.call("registry/save-sub-item", Some(&staff), &bad).await;
    let fields: Vec<String> = refused(&body).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["deadline", "budget"], "{body}");
    assert_eq!(
        (app.count("sub_items").await, app.count("lead_units").await),
        (1, 1)
    );

    // A lift typed in GCJ-02 (as read off AMap) is stored in WGS-84, within a metre.
    let g = wgs84_to_gcj02(WGS);
    let (s, body) = save_site(
        &app,
        &staff,
        "",
        &sub_item,
        "DT-001",
        "朝晖一区 3 幢",
        "lift_retrofit",
        "GCJ02",
        &format!("{:.8},{:.8}", g.lon, g.lat),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let lift = saved(&body);
    let (lon, lat) = anchor(&app, &lift).await;
    assert!(metres(lon, lat) < 1.0, "{} m off", metres(lon, lat));
    let public: String = sqlx::query_scalar("select public_code from sites where id = $1::uuid")
        .bind(&lift)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(app::domain::PublicCode::parse(&public).is_ok(), "{public}");

    // A greenway line in BD-09 (as read off Baidu) and an estate's open ring in WGS-84.
    let line: Vec<String> = [(0.0, 0.0), (0.004, 0.003), (0.009, 0.005)]
        .iter()
        .map(|(dx, dy)| {
            let b = gcj02_to_bd09(wgs84_to_gcj02(LonLat {
                lon: WGS.lon + dx,
                lat: WGS.lat + dy,
            }));
            format!("{:.8},{:.8}", b.lon, b.lat)
        })
        .collect();
    let (_, body) = save_site(
        &app,
        &staff,
        "",
        &sub_item,
        "LD-001",
        "运河绿道",
        "greenway",
        "BD09",
        &line.join("\n"),
    )
    .await;
    let greenway = saved(&body);
    let (kind, first_lon, first_lat): (String, f64, f64) = sqlx::query_as(
        "select geometry ->> 'type', (geometry -> 'coordinates' -> 0 ->> 0)::float8,
                (geometry -> 'coordinates' -> 0 ->> 1)::float8
           from sites where id = $1::uuid",
    )
    .bind(&greenway)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(kind, "LineString");
    assert!(metres(first_lon, first_lat) < 1.0);
    let (_, body) = save_site(
        &app,
        &staff,
        "",
        &sub_item,
        "",
        "朝晖新村",
        "estate_renovation",
        "WGS84",
        "120.150 30.270; 120.152 30.270; 120.152 30.272; 120.150 30.272",
    )
    .await;
    let estate = saved(&body);
    let corners: i32 = sqlx::query_scalar(
        "select jsonb_array_length(geometry -> 'coordinates' -> 0) from sites where id = $1::uuid",
    )
    .bind(&estate)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(corners, 5, "the ring is stored closed");

    // Refusals name the field and store nothing: two positions for a lift, a code already used
    // this year, latitude first.
    let sites = app.count("sites").await;
    for (code, coordinates, field, problem) in [
        ("", "120.15,30.27\n120.16,30.28", "coordinates", "bad_shape"),
        ("DT-001", "120.15,30.27", "site_code", "code_taken"),
        ("", "30.27,120.15", "coordinates", "not_in_china"),
    ] {
        let (s, body) = save_site(
            &app,
            &staff,
            "",
            &sub_item,
            code,
            "某点位",
            "lift_retrofit",
            "WGS84",
            coordinates,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(refused(&body), [(field.into(), problem.into())], "{body}");
    }
    assert_eq!(app.count("sites").await, sites);

    // The lift moved on the page (now typed in WGS-84) keeps its id, code and public code.
    let (_, body) = save_site(
        &app,
        &staff,
        &lift,
        &sub_item,
        "DT-001",
        "朝晖一区 3 幢（东）",
        "lift_retrofit",
        "WGS84",
        &format!("{},{}", WGS.lon + 0.001, WGS.lat),
    )
    .await;
    assert_eq!(saved(&body), lift);
    let (lon, _) = anchor(&app, &lift).await;
    assert!((lon - (WGS.lon + 0.001)).abs() < 1e-9);

    // Forms and files agree: the sites file's row for DT-001 updates the same site.
    let file = format!(
        "点位编号,点位名称,子项目编号,类型,区县,经度,纬度\nDT-001,朝晖一区 3 幢,3-1,加装电梯,拱墅区,{},{}\n",
        WGS.lon, WGS.lat
    );
    let (s, out) = upload(
        &app,
        Some(&admin),
        "sites",
        "点位.csv",
        &file,
        "2026",
        false,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(out["Done"]["rows"][0]["change"], "changed", "{out}");
    assert_eq!(app.count("sites").await, sites);
    let name: String = sqlx::query_scalar("select name_zh from sites where id = $1::uuid")
        .bind(&lift)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name, "朝晖一区 3 幢");

    // Every change is in the administration log, by the staff member who made it.
    let edits: i64 = sqlx::query_scalar(
        "select count(*) from admin_log l join users u on u.id = l.actor
          where l.action = 'edit' and u.username = 'office-staff'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(edits, 6, "two sub-item saves, four site saves");

    // The list finds sites by name, file code or public code, with the total.
    for q in ["朝晖", "DT-001", public.as_str()] {
        let (s, body, _) = app.call("registry/sites", Some(&staff), &[("q", q)]).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let total = body["sites"]["total"].as_i64().unwrap();
        let rows = body["sites"]["rows"].as_array().unwrap().len() as i64;
        assert!(total >= 1 && rows == total, "{q}: {body}");
    }
    app.cleanup().await;
}

async fn comment(app: &TestApp, code: &str) -> StatusCode {
    let form = multipart::Form::new()
        .text("satisfaction", "satisfied")
        .text("support", "yes")
        .text("body", "电梯装得好")
        .text("form_token", uuid::Uuid::now_v7().to_string());
    app.http
        .post(format!("{}/s/{code}/comment", app.base))
        .header("accept", "text/html")
        .header("sec-fetch-site", "same-origin")
        .multipart(form)
        .send()
        .await
        .expect("post")
        .status()
}

#[tokio::test]
async fn a_site_with_a_history_is_deactivated_not_deleted() {
    let app = TestApp::spawn_with(true).await;
    let staff = app.login_demo("demo-staff").await;
    let deputy = app.login_demo("demo-deputy").await;
    // One of the demo deputy's sites, which the public has commented on.
    let (site, code): (uuid::Uuid, String) = sqlx::query_as(
        "select t.id, t.public_code from sites t
           join sub_items s on s.id = t.sub_item_id
           join group_units gu on gu.unit_id = s.lead_unit_id
           join deputies d on d.group_id = gu.group_id
           join users u on u.deputy_id = d.id
          where u.username = 'demo-deputy'
          order by t.public_code limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let site_s = site.to_string();
    let unit: uuid::Uuid = sqlx::query_scalar(
        "select s.lead_unit_id from sites t join sub_items s on s.id = t.sub_item_id
          where t.id = $1",
    )
    .bind(site)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let unit_s = unit.to_string();
    let (_, posters, _) = app
        .call("staff/posters", Some(&staff), &[("unit", &unit_s)])
        .await;
    let posters_before = posters["total"].as_i64().unwrap();
    assert_ne!(comment(&app, &code).await, StatusCode::CONFLICT);
    assert_eq!(app.count("public_comments").await, 1);

    let (s, body, _) = app
        .call(
            "registry/delete-site",
            Some(&staff),
            &[("site_id", &site_s)],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(refused(&body), [("site_code".into(), "has_history".into())]);
    assert_eq!(body["Refused"]["problems"][0]["problem"]["comments"], 1);
    let (_, page, _) = app
        .call("registry/site", Some(&staff), &[("id", &site_s)])
        .await;
    assert_eq!(page["site"]["history"]["comments"], 1);

    // Deactivated: out of the deputy's sites and the posters; the public page says so and the
    // comment form is gone; a comment posted anyway is refused and stores nothing.
    let (s, body, _) = app
        .call(
            "registry/site-active",
            Some(&staff),
            &[("site_id", &site_s), ("active", "false")],
        )
        .await;
    assert_eq!((s, body.clone()), (StatusCode::OK, Value::Bool(true)));
    let (_, mine, _) = app.call("catalogue/my-sites", Some(&deputy), &[]).await;
    let ids: Vec<&str> = mine["sites"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(!ids.contains(&site_s.as_str()), "still in my sites");
    assert!(!ids.is_empty());
    let html = app
        .get(&format!("/s/{code}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"site-closed\""), "no closed notice");
    assert!(
        !html.contains("id=\"comment-form\""),
        "the form is still there"
    );
    assert_eq!(comment(&app, &code).await, StatusCode::CONFLICT);
    assert_eq!(app.count("public_comments").await, 1);
    let (_, posters, _) = app
        .call("staff/posters", Some(&staff), &[("unit", &unit_s)])
        .await;
    assert_eq!(posters["total"], posters_before - 1, "{posters}");

    // Reactivated, it takes comments again.
    let (_, body, _) = app
        .call(
            "registry/site-active",
            Some(&staff),
            &[("site_id", &site_s), ("active", "true")],
        )
        .await;
    assert_eq!(body, Value::Bool(true));
    let html = app
        .get(&format!("/s/{code}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"comment-form\""));

    // A site entered by mistake, with nothing attached, is deleted; its public code is never
    // given out again.
    let sub_item: uuid::Uuid = sqlx::query_scalar("select sub_item_id from sites where id = $1")
        .bind(site)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (_, body) = save_site(
        &app,
        &staff,
        "",
        &sub_item.to_string(),
        "",
        "录错的点位",
        "school",
        "WGS84",
        "120.2,30.3",
    )
    .await;
    let mistake = saved(&body);
    let mistake_code: String =
        sqlx::query_scalar("select public_code from sites where id = $1::uuid")
            .bind(&mistake)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (_, body, _) = app
        .call(
            "registry/delete-site",
            Some(&staff),
            &[("site_id", &mistake)],
        )
        .await;
    assert_eq!(saved(&body), mistake);
    let retired: bool =
        sqlx::query_scalar("select exists (select 1 from retired_public_codes where code = $1)")
            .bind(&mistake_code)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(retired);
    assert_eq!(
        app.get(&format!("/s/{mistake_code}"), None).await.status(),
        StatusCode::NOT_FOUND
    );
    app.cleanup().await;
}

/// Saves 陈晓东 of 西湖区代表团 (`id` empty: a new deputy) in `group`, with the other fields given.
async fn save_chen(
    app: &TestApp,
    staff: &str,
    id: &str,
    group: &str,
    more: &[(&str, &str)],
) -> Value {
    let mut form = vec![
        ("deputy_id", id),
        ("name", "陈晓东"),
        ("delegation", "西湖区代表团"),
        ("group", group),
    ];
    form.extend_from_slice(more);
    let (s, body, _) = app.call("registry/save-deputy", Some(staff), &form).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn the_roster_and_the_units_groups_are_edited_one_row_at_a_time() {
    let app = TestApp::spawn_with(true).await;
    let staff = app.login_demo("demo-staff").await;
    let before = app.count("deputies").await;

    // A new deputy with a mobile: kept hashed, encrypted and masked, never in the clear.
    let id = saved(&save_chen(&app, &staff, "", "2", &[("mobile", "138 0013 8000")]).await);
    assert_eq!(app.count("deputies").await, before + 1);
    let (masked, in_clear): (Option<String>, bool) = sqlx::query_as(
        "select mobile_masked, position('13800138000' in
                coalesce(encode(mobile_cipher, 'escape'), '') || coalesce(mobile_masked, '')) > 0
           from deputies where id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(masked.as_deref(), Some("138****8000"));
    assert!(!in_clear);
    // The same name and delegation again is refused; so is a bad mobile.
    let body = save_chen(&app, &staff, "", "3", &[]).await;
    assert_eq!(refused(&body), [("name".into(), "same_deputy".into())]);
    let body = save_chen(&app, &staff, &id, "2", &[("mobile", "12345")]).await;
    assert_eq!(refused(&body), [("mobile".into(), "bad_mobile".into())]);

    // Edited: another group; an empty mobile keeps the number, the box clears it.
    let body = save_chen(&app, &staff, &id, "3", &[("mobile", "")]).await;
    assert_eq!(saved(&body), id);
    let (group, masked): (i32, Option<String>) = sqlx::query_as(
        "select g.number, d.mobile_masked from deputies d
           join supervision_groups g on g.id = d.group_id where d.id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((group, masked.as_deref()), (3, Some("138****8000")));
    let body = save_chen(&app, &staff, &id, "3", &[("clear_mobile", "1")]).await;
    saved(&body);
    let hash: Option<Vec<u8>> =
        sqlx::query_scalar("select mobile_hash from deputies where id = $1::uuid")
            .bind(&id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(hash.is_none());

    // The roster pages with its total and finds by name.
    let (_, body, _) = app
        .call("registry/roster", Some(&staff), &[("q", "陈晓东")])
        .await;
    assert_eq!(body["deputies"]["total"], 1, "{body}");
    let (_, body, _) = app.call("registry/roster", Some(&staff), &[]).await;
    assert_eq!(body["deputies"]["total"], before + 1);
    assert_eq!(body["deputies"]["rows"].as_array().unwrap().len(), 50);

    // A unit moves to another group (it is followed by exactly one).
    let (unit, unit_id): (String, uuid::Uuid) =
        sqlx::query_as("select name_zh, id from lead_units order by code limit 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (_, body, _) = app
        .call(
            "registry/unit-group",
            Some(&staff),
            &[("unit", &unit), ("group", "7")],
        )
        .await;
    assert_eq!(saved(&body), unit_id.to_string());
    let followers: Vec<i32> = sqlx::query_scalar(
        "select g.number from group_units gu join supervision_groups g on g.id = gu.group_id
          where gu.unit_id = $1",
    )
    .bind(unit_id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(followers, [7]);
    let (_, body, _) = app
        .call(
            "registry/unit-group",
            Some(&staff),
            &[("unit", &unit), ("group", "42")],
        )
        .await;
    assert_eq!(refused(&body), [("group".into(), "unknown_group".into())]);

    // A new group (a number not used yet), renamed; another group's name is refused, and so
    // is a number outside 1–99. The unit moves to the new group.
    let groups = app.count("supervision_groups").await;
    let (_, body, _) = app
        .call(
            "registry/save-group",
            Some(&staff),
            &[("number", "11"), ("name", "第十一监督小组")],
        )
        .await;
    let eleven = saved(&body);
    let (_, body, _) = app
        .call(
            "registry/save-group",
            Some(&staff),
            &[("number", "11"), ("name", "城市更新监督组")],
        )
        .await;
    assert_eq!(saved(&body), eleven);
    assert_eq!(app.count("supervision_groups").await, groups + 1);
    let taken: String =
        sqlx::query_scalar("select name_zh from supervision_groups where number = 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (_, body, _) = app
        .call(
            "registry/save-group",
            Some(&staff),
            &[("number", "11"), ("name", &taken)],
        )
        .await;
    assert_eq!(
        refused(&body),
        [("group".into(), "group_name_taken".into())]
    );
    let (_, body, _) = app
        .call(
            "registry/save-group",
            Some(&staff),
            &[("number", "100"), ("name", "第一百组")],
        )
        .await;
    assert_eq!(refused(&body), [("group".into(), "bad_number".into())]);
    assert_eq!(app.count("supervision_groups").await, groups + 1);
    let (_, body, _) = app
        .call(
            "registry/unit-group",
            Some(&staff),
            &[("unit", &unit), ("group", "11")],
        )
        .await;
    saved(&body);
    let follower: String = sqlx::query_scalar(
        "select g.name_zh from group_units gu join supervision_groups g on g.id = gu.group_id
          where gu.unit_id = $1",
    )
    .bind(unit_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(follower, "城市更新监督组");

    // Renamed; a name that reads as another unit's is refused.
    let other: String =
        sqlx::query_scalar("select name_zh from lead_units where id <> $1 order by code limit 1")
            .bind(unit_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let unit_s = unit_id.to_string();
    let (_, body, _) = app
        .call(
            "registry/rename-unit",
            Some(&staff),
            &[("unit_id", &unit_s), ("name_zh", &format!("杭州{other}"))],
        )
        .await;
    assert_eq!(refused(&body), [("lead_unit".into(), "name_taken".into())]);
    let (_, body, _) = app
        .call(
            "registry/rename-unit",
            Some(&staff),
            &[("unit_id", &unit_s), ("name_zh", "市城市更新局")],
        )
        .await;
    assert_eq!(saved(&body), unit_s);
    let (zh, en): (String, String) =
        sqlx::query_as("select name_zh, name_en from lead_units where id = $1")
            .bind(unit_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((zh.as_str(), en.as_str()), ("市城市更新局", "市城市更新局"));
    app.cleanup().await;
}
