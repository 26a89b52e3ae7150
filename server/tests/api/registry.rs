//! The year's registry loaded through the product: plan, sites (sheet and GeoJSON, in WGS-84,
//! GCJ-02 or BD-09), roster and groups' units, on the admin endpoint and with `jiandu import`.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{TestApp, TEST_SECRET};
use app::domain::mapping::{gcj02_to_bd09, wgs84_to_gcj02};
use app::domain::LonLat;

const ADMIN_PASSWORD: &str = "tea kettle bamboo harbour 7";

pub(crate) const PLAN: &str = "项目编号,项目名称,子项目编号,子项目名称,牵头单位,目标数量,计量单位,完成时限,预算(万元),政府资金(万元),居民出资(万元),社会资本(万元)
3,既有住宅加装电梯,1,完成加装电梯,市建委,400,台,2026-12-31,12000,8000,4000,0
3,既有住宅加装电梯,2,电梯验收,市建委,400,台,2026-12-31,100,,,
4,老年助餐服务,1,新建老年助餐点,市民政局,50,个,2026/11/30,1500.5,,,
";

/// The known position every coordinate system's row must land on (Hangzhou, near Chaohui).
pub(crate) const WGS: LonLat = LonLat {
    lon: 120.1551,
    lat: 30.2741,
};

pub(crate) fn sites_csv() -> String {
    let g = wgs84_to_gcj02(WGS);
    let b = gcj02_to_bd09(g);
    format!(
        "点位编号,点位名称,子项目编号,类型,区县,地址,经度,纬度,坐标系
DT-001,朝晖一区 3 幢,3-1,加装电梯,拱墅区,朝晖路 1 号,{},{},WGS84
DT-002,朝晖二区 5 幢,3-1,加装电梯,拱墅区,朝晖路 2 号,{},{},GCJ02
DT-003,朝晖三区 7 幢,3-1,加装电梯,拱墅区,朝晖路 3 号,{},{},BD09
ZC-001,潮鸣助餐点,4-1,老年助餐点,上城区,,120.1802,30.2712,
",
        WGS.lon, WGS.lat, g.lon, g.lat, b.lon, b.lat
    )
}

const GREENWAY: &str = r#"{"type":"FeatureCollection","features":[
  {"type":"Feature",
   "properties":{"点位编号":"LD-001","点位名称":"运河绿道拱墅段","子项目编号":"3-2","类型":"绿道","区县":"拱墅区","坐标系":"GCJ02"},
   "geometry":{"type":"LineString","coordinates":[[120.1600,30.3000],[120.1650,30.3050],[120.1720,30.3080]]}}
]}"#;

pub(crate) const ROSTER: &str = "姓名,代表团,监督小组,手机号
王建国,拱墅区代表团,第1组,138 0013 8000
李芳,上城区代表团,民生监督组,
张伟,上城区代表团,第1组,+86 139-0000-0001
";

pub(crate) const GROUPS: &str = "监督小组,牵头单位
1,市建委
民生监督组,市民政局
";

pub(crate) async fn upload(
    app: &TestApp,
    cookie: Option<&str>,
    kind: &str,
    name: &str,
    body: &str,
    year: &str,
    dry_run: bool,
) -> (StatusCode, Value) {
    let mut form = reqwest::multipart::Form::new()
        .text("file_kind", kind.to_owned())
        .text("year", year.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(body.as_bytes().to_vec()).file_name(name.to_owned()),
        );
    if dry_run {
        form = form.text("dry_run", "1");
    }
    let mut req = app
        .http
        .post(format!("{}/admin/registry/import", app.base))
        .header("accept", "application/json")
        .multipart(form);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// (new, changed, unchanged) of a report.
fn counts(out: &Value) -> (usize, usize, usize) {
    let rows = out["Done"]["rows"].as_array().expect("a report");
    let n = |c: &str| rows.iter().filter(|r| r["change"] == c).count();
    (n("new"), n("changed"), n("unchanged"))
}

pub(crate) async fn first_admin(app: &TestApp) -> String {
    let (ok, out, err) = app.jiandu(
        &["admin", "create", "chief-admin"],
        &[("JIANDU_ADMIN_PASSWORD", ADMIN_PASSWORD)],
        "",
    );
    assert!(ok, "{out} {err}");
    app.login("chief-admin", ADMIN_PASSWORD).await.unwrap()
}

/// Metres between a stored anchor and the known point.
pub(crate) fn metres(lon: f64, lat: f64) -> f64 {
    let dx = (lon - WGS.lon) * 111_320.0 * WGS.lat.to_radians().cos();
    let dy = (lat - WGS.lat) * 111_320.0;
    (dx * dx + dy * dy).sqrt()
}

#[tokio::test]
async fn an_empty_installation_loads_its_year_from_files_and_a_second_import_changes_nothing() {
    let app = TestApp::spawn_with(false).await;
    let admin = first_admin(&app).await;
    let admin = Some(admin.as_str());

    // A dry run reports every row as new and stores nothing.
    let (s, out) = upload(&app, admin, "plan", "计划.csv", PLAN, "2026", true).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(out["Done"]["dry_run"], true);
    assert_eq!(counts(&out), (3, 0, 0));
    assert_eq!(
        out["Done"]["new_units"],
        serde_json::json!(["市建委", "市民政局"])
    );
    assert_eq!(app.count("sub_items").await, 0);
    assert_eq!(app.count("lead_units").await, 0);

    let (s, out) = upload(&app, admin, "plan", "计划.csv", PLAN, "2026", false).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(counts(&out), (3, 0, 0));
    assert_eq!(app.count("projects").await, 2);
    assert_eq!(app.count("sub_items").await, 3);
    assert_eq!(app.count("lead_units").await, 2);
    let (budget, government, residents): (i64, Option<i64>, Option<i64>) = sqlx::query_as(
        "select budget_yuan, funds_government_yuan, funds_residents_yuan from sub_items s
           join projects p on p.id = s.project_id where p.number = 3 and s.number = 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (budget, government, residents),
        (120_000_000, Some(80_000_000), Some(40_000_000))
    );

    // Sites in three coordinate systems land on the same WGS-84 point, within a metre.
    let (s, out) = upload(
        &app,
        admin,
        "sites",
        "点位.csv",
        &sites_csv(),
        "2026",
        false,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(counts(&out), (4, 0, 0));
    assert_eq!(
        out["Done"]["new_districts"],
        serde_json::json!(["上城区", "拱墅区"])
    );
    let anchors: Vec<(String, f64, f64)> = sqlx::query_as(
        "select code, anchor[0], anchor[1] from sites where code like 'DT-%' order by code",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(anchors.len(), 3);
    for (code, lon, lat) in &anchors {
        let off = metres(*lon, *lat);
        assert!(off < 1.0, "{code} landed {off} m from the known point");
    }
    // A greenway as a GeoJSON line, in GCJ-02.
    let (s, out) = upload(
        &app,
        admin,
        "sites",
        "绿道.geojson",
        GREENWAY,
        "2026",
        false,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(counts(&out), (1, 0, 0));
    let (shape, first_lon): (String, f64) = sqlx::query_as(
        "select geometry ->> 'type', (geometry -> 'coordinates' -> 0 ->> 0)::float8
           from sites where code = 'LD-001'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(shape, "LineString");
    assert!(first_lon < 120.1600, "converted from GCJ-02: {first_lon}");

    // The roster: groups made by number or name, mobiles kept as public phones are.
    let (s, out) = upload(&app, admin, "deputies", "名册.csv", ROSTER, "2026", false).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(counts(&out), (3, 0, 0));
    assert_eq!(app.count("deputies").await, 3);
    assert_eq!(app.count("supervision_groups").await, 2);
    let (masked, hashed): (Option<String>, bool) = sqlx::query_as(
        "select mobile_masked, mobile_hash is not null and mobile_cipher is not null
           from deputies where name_zh = '王建国'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((masked.as_deref(), hashed), (Some("138****8000"), true));
    let clear: i64 =
        sqlx::query_scalar("select count(*) from deputies d where d::text like '%13800138000%'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(clear, 0, "a mobile is stored in the clear");
    let (s, out) = upload(&app, admin, "groups", "小组.csv", GROUPS, "2026", false).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(counts(&out), (2, 0, 0));

    // Every file again: nothing changes.
    for (kind, name, body) in [
        ("plan", "计划.csv", PLAN.to_owned()),
        ("sites", "点位.csv", sites_csv()),
        ("sites", "绿道.geojson", GREENWAY.to_owned()),
        ("deputies", "名册.csv", ROSTER.to_owned()),
        ("groups", "小组.csv", GROUPS.to_owned()),
    ] {
        let (s, out) = upload(&app, admin, kind, name, &body, "2026", false).await;
        assert_eq!(s, StatusCode::OK, "{out}");
        let (new, changed, _) = counts(&out);
        assert_eq!(
            (new, changed),
            (0, 0),
            "{name} changed something the second time: {out}"
        );
        for made in ["new_units", "new_districts", "new_groups"] {
            assert_eq!(out["Done"][made], serde_json::json!([]), "{name}");
        }
    }
    assert_eq!(app.count("sites").await, 5);
    assert_eq!(app.count("lead_units").await, 2);
    assert_eq!(app.count("deputies").await, 3);

    // A corrected budget is one changed row; the rest stay as they were.
    let corrected = PLAN.replace("1500.5", "1600");
    let (_, out) = upload(&app, admin, "plan", "计划v2.csv", &corrected, "2026", false).await;
    assert_eq!(counts(&out), (0, 1, 2));
    assert_eq!(out["Done"]["rows"][2]["key"], "4-1");

    // The loaded registry is the product's: a site's public page and a deputy's account work.
    let code: String = sqlx::query_scalar("select public_code from sites where code = 'DT-002'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let page = app.get(&format!("/s/{code}"), None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("朝晖二区 5 幢"));
    let logged: i64 = sqlx::query_scalar("select count(*) from admin_log where action = 'import'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(logged, 11, "each real import is logged, dry runs are not");
    app.cleanup().await;
}

#[tokio::test]
async fn a_bad_row_in_any_registry_file_stores_nothing_and_says_which() {
    let app = TestApp::spawn_with(false).await;
    let admin = first_admin(&app).await;
    let admin = Some(admin.as_str());
    let bad_plan = PLAN.replace("2026/11/30", "明年底");
    let (s, out) = upload(&app, admin, "plan", "计划.csv", &bad_plan, "2026", false).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let errors = out["Refused"]["errors"].as_array().expect("refused");
    assert_eq!(errors.len(), 1, "{out}");
    assert_eq!(errors[0]["row"], 4);
    assert_eq!(errors[0]["problem"]["problem"], "bad_date");
    assert_eq!(app.count("projects").await, 0);
    assert_eq!(app.count("lead_units").await, 0);

    // Sites before their plan: every row names a sub-item that does not exist yet.
    let (_, out) = upload(
        &app,
        admin,
        "sites",
        "点位.csv",
        &sites_csv(),
        "2026",
        false,
    )
    .await;
    let errors = out["Refused"]["errors"].as_array().expect("refused");
    assert_eq!(errors.len(), 4);
    assert!(errors
        .iter()
        .all(|e| e["problem"]["problem"] == "unknown_sub_item"));
    assert_eq!(app.count("districts").await, 0);

    // One unit written two ways is reported, not made twice; the plan's other rows wait too.
    let (_, out) = upload(&app, admin, "plan", "计划.csv", PLAN, "2026", false).await;
    assert_eq!(counts(&out), (3, 0, 0));
    let twice =
        "项目编号,项目名称,子项目编号,子项目名称,牵头单位,目标数量,计量单位,完成时限,预算(万元)
5,社区嵌入式服务,1,新建服务设施,市卫健委,10,个,2026-12-31,100
5,社区嵌入式服务,2,改造助餐点,杭州市民政局,10,个,2026-12-31,100
";
    let (_, out) = upload(&app, admin, "plan", "计划2.csv", twice, "2026", false).await;
    let errors = out["Refused"]["errors"].as_array().expect("refused");
    assert_eq!(errors.len(), 1, "{out}");
    assert_eq!(errors[0]["row"], 3);
    assert_eq!(errors[0]["problem"]["problem"], "spelled_two_ways");
    assert_eq!(errors[0]["problem"]["known"], "市民政局");
    assert_eq!(app.count("lead_units").await, 2);
    assert_eq!(app.count("projects").await, 2);

    // A roster row with a bad mobile, and a GeoJSON greenway drawn as a point.
    let (_, out) = upload(
        &app,
        admin,
        "deputies",
        "名册.csv",
        &ROSTER.replace("138 0013 8000", "12345"),
        "2026",
        false,
    )
    .await;
    assert_eq!(
        out["Refused"]["errors"][0]["problem"]["problem"],
        "bad_mobile"
    );
    assert_eq!(out["Refused"]["errors"][0]["row"], 2);
    let point = GREENWAY.replace(
        r#"{"type":"LineString","coordinates":[[120.1600,30.3000],[120.1650,30.3050],[120.1720,30.3080]]}"#,
        r#"{"type":"Point","coordinates":[120.16,30.30]}"#,
    );
    let (_, out) = upload(&app, admin, "sites", "绿道.geojson", &point, "2026", false).await;
    assert_eq!(
        out["Refused"]["errors"][0]["problem"]["problem"],
        "bad_geometry"
    );
    assert_eq!(app.count("deputies").await, 0);
    assert_eq!(app.count("sites").await, 0);
    assert_eq!(app.count("districts").await, 0);

    // Form errors are the form's: a missing kind, a bad year, no file.
    let (s, out) = upload(&app, admin, "budget", "x.csv", PLAN, "2026", false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    let (s, _) = upload(&app, admin, "plan", "x.csv", PLAN, "1850", false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = upload(&app, admin, "plan", "x.csv", "", "2026", false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Only administrators import.
    let (s, _) = upload(&app, None, "plan", "计划.csv", PLAN, "2026", false).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.cleanup().await;
}

#[tokio::test]
async fn staff_cannot_import_and_a_new_years_plan_goes_in_beside_the_old_one() {
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let (s, _) = upload(&app, Some(&staff), "plan", "计划.csv", PLAN, "2027", false).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let admin = app.login_demo("demo-admin").await;
    let before = app.count("sub_items").await;
    let (s, out) = upload(&app, Some(&admin), "plan", "计划.csv", PLAN, "2027", false).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(counts(&out), (3, 0, 0));
    assert_eq!(app.count("sub_items").await, before + 3);
    let years: Vec<i32> = sqlx::query_scalar("select distinct year from projects order by year")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(years.len(), 2, "{years:?}");
    // Staff read either year: the newest by default, last year's when asked.
    let (s, listed, _) = app.call("catalogue/years", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(listed, serde_json::json!([2027, 2025]));
    let (_, newest, _) = app.call("catalogue/projects", Some(&staff), &[]).await;
    assert_eq!(newest.as_array().map(Vec::len), Some(2), "{newest}");
    let (_, last, _) = app
        .call("catalogue/projects", Some(&staff), &[("year", "2025")])
        .await;
    let demo_projects: i64 = sqlx::query_scalar("select count(*) from projects where year = 2025")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(last.as_array().map(|a| a.len() as i64), Some(demo_projects));
    app.cleanup().await;
}

#[tokio::test]
async fn the_operator_imports_with_the_command_and_its_exit_status_says_whether_all_went_in() {
    let app = TestApp::spawn_with(false).await;
    let dir = app.media_dir.join("files");
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, body: &str| {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p.to_string_lossy().into_owned()
    };
    let plan = write("plan.csv", PLAN);
    let (ok, out, err) = app.jiandu(
        &["import", "plan", &plan, "--year", "2026", "--dry-run"],
        &[],
        "",
    );
    assert!(ok, "{out} {err}");
    assert!(out.contains("row 2: new 3-1"), "{out}");
    assert!(
        out.contains("would import 3 rows for 2026: 3 new, 0 changed, 0 unchanged (dry run"),
        "{out}"
    );
    assert_eq!(app.count("sub_items").await, 0);
    let (ok, out, _) = app.jiandu(&["import", "plan", &plan, "--year", "2026"], &[], "");
    assert!(ok);
    assert!(out.contains("new unit: 市建委"), "{out}");
    assert_eq!(app.count("sub_items").await, 3);

    let bad = write(
        "bad.csv",
        &sites_csv().replace("3-1,加装电梯", "3-9,加装电梯"),
    );
    let (ok, out, _) = app.jiandu(&["import", "sites", &bad, "--year", "2026"], &[], "");
    assert!(!ok, "a refused file must exit non-zero");
    assert!(out.contains("row 2: no sub-item 3-9"), "{out}");
    assert!(out.contains("本年度计划中没有子项目 3-9"), "{out}");
    assert!(
        out.contains("refused: 3 problems; nothing was stored"),
        "{out}"
    );
    assert_eq!(app.count("sites").await, 0);

    // Mobiles need the server's secret: without it the roster is refused, with it it goes in.
    let roster = write("roster.csv", ROSTER);
    let (ok, _, err) = app.jiandu(
        &["import", "deputies", &roster],
        &[("JIANDU_SECRET", "")],
        "",
    );
    assert!(!ok);
    assert!(err.contains("JIANDU_SECRET"), "{err}");
    let (ok, out, err) = app.jiandu(
        &["import", "roster", &roster],
        &[("JIANDU_SECRET", TEST_SECRET)],
        "",
    );
    assert!(ok, "{out} {err}");
    assert!(out.contains("imported 3 rows"), "{out}");
    let (ok, _, err) = app.jiandu(&["import", "plans", &plan], &[], "");
    assert!(!ok);
    assert!(err.contains("usage"), "{err}");
    app.cleanup().await;
}

#[tokio::test]
async fn a_roster_gets_accounts_with_one_time_codes_and_each_deputy_sets_a_password() {
    let app = TestApp::spawn_with(false).await;
    let admin = first_admin(&app).await;
    let a = Some(admin.as_str());
    for (kind, name, body) in [
        ("plan", "计划.csv", PLAN.to_owned()),
        ("sites", "点位.csv", sites_csv()),
        ("deputies", "名册.csv", ROSTER.to_owned()),
        ("groups", "小组.csv", GROUPS.to_owned()),
    ] {
        let (s, out) = upload(&app, a, kind, name, &body, "2026", false).await;
        assert_eq!(s, StatusCode::OK, "{name}: {out}");
    }

    // Only administrators make accounts or read the codes.
    let (s, _, _) = app.call("admin/roster-accounts", None, &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, made, _) = app.call("admin/roster-accounts", a, &[]).await;
    assert_eq!(s, StatusCode::OK, "{made}");
    assert_eq!(made, 3);
    let (_, again, _) = app.call("admin/roster-accounts", a, &[]).await;
    assert_eq!(again, 0, "every deputy has an account now");
    let (s, sheet, _) = app.call("admin/activation-sheet", a, &[]).await;
    assert_eq!(s, StatusCode::OK, "{sheet}");
    assert_eq!(sheet["total"], 3);
    let wang = sheet["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["display_name"] == "王建国")
        .expect("王建国 on the sheet")
        .clone();
    let (username, code) = (
        wang["username"].as_str().unwrap().to_owned(),
        wang["code"].as_str().unwrap().to_owned(),
    );
    assert!(username.starts_with('d'), "{username}");
    assert_eq!(code.len(), 14, "{code}");
    let stored: i64 =
        sqlx::query_scalar("select count(*) from users u where u::text like '%' || $1 || '%'")
            .bind(code.replace('-', ""))
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, 0, "a code is stored in the clear");
    let xlsx = app.get("/admin/activation-codes.xlsx", a).await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    assert_eq!(
        app.get("/admin/activation-codes.xlsx", None).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Before activation the account has no password that works.
    assert!(app.login(&username, "jiandu-demo").await.is_none());
    let activate = |code: String| {
        let (app, username) = (&app, username.clone());
        async move {
            app.call(
                "session/activate",
                None,
                &[
                    ("username", username.as_str()),
                    ("code", code.as_str()),
                    ("password", "my own long password"),
                ],
            )
            .await
        }
    };
    let (s, out, _) = activate("2345-6789-ABCD".into()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{out}");
    // The page says "wrong activation code", not "wrong password", in the reader's language.
    assert_eq!(out["details"]["field"], "activation_code", "{out}");
    // As people type it: lower case, spaces instead of dashes.
    let (s, out, headers) = activate(code.to_lowercase().replace('-', " ")).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(out["display_name"], "王建国");
    let cookie = headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("jiandu="))
        .and_then(|c| c.split(';').next())
        .expect("signed in")
        .to_owned();
    let (s, sites, _) = app.call("catalogue/my-sites", Some(&cookie), &[]).await;
    assert_eq!(s, StatusCode::OK, "{sites}");
    assert!(
        sites.to_string().contains("朝晖二区 5 幢"),
        "group 1 follows 市建委: {sites}"
    );
    // The code is spent; the password is the person's.
    let (s, _, _) = activate(code.clone()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(app.login(&username, "my own long password").await.is_some());
    let (_, sheet, _) = app.call("admin/activation-sheet", a, &[]).await;
    assert_eq!(sheet["total"], 2);
    app.cleanup().await;
}

#[tokio::test]
async fn sites_come_from_kml_too_checked_as_every_sites_file() {
    let app = TestApp::spawn_with(false).await;
    let admin = first_admin(&app).await;
    let admin = Some(admin.as_str());
    let (s, out) = upload(&app, admin, "plan", "计划.csv", PLAN, "2026", false).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let g = wgs84_to_gcj02(WGS);
    let kml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder>
  <Placemark><name>运河绿道拱墅段</name>
    <ExtendedData>
      <Data name="点位编号"><value>LD-001</value></Data>
      <Data name="子项目编号"><value>3-2</value></Data>
      <Data name="类型"><value>绿道</value></Data>
      <Data name="区县"><value>拱墅区</value></Data>
    </ExtendedData>
    <LineString><coordinates>120.16,30.30,0 120.165,30.305,0 120.172,30.308,0</coordinates></LineString>
  </Placemark>
  <Placemark><name>朝晖一区 3 幢</name>
    <ExtendedData><SchemaData>
      <SimpleData name="点位编号">DT-001</SimpleData>
      <SimpleData name="子项目编号">3-1</SimpleData>
      <SimpleData name="类型">加装电梯</SimpleData>
      <SimpleData name="区县">拱墅区</SimpleData>
      <SimpleData name="坐标系">GCJ02</SimpleData>
    </SchemaData></ExtendedData>
    <Point><coordinates>{},{}</coordinates></Point>
  </Placemark>
</Folder></Document></kml>"#,
        g.lon, g.lat
    );
    let (s, out) = upload(&app, admin, "sites", "点位.kml", &kml, "2026", false).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(counts(&out), (2, 0, 0));
    let (lon, lat): (f64, f64) =
        sqlx::query_as("select anchor[0], anchor[1] from sites where code = 'DT-001'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        metres(lon, lat) < 1.0,
        "GCJ-02 in KML converted: {} m",
        metres(lon, lat)
    );
    // The same file again changes nothing.
    let (_, out) = upload(&app, admin, "sites", "点位.kml", &kml, "2026", false).await;
    assert_eq!(counts(&out), (0, 0, 2));
    // A placemark with a kind the file does not know is reported by its position; nothing goes in.
    let bad = kml.replace("加装电梯", "太空电梯");
    let (s, out) = upload(&app, admin, "sites", "点位.kml", &bad, "2026", false).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(out["Refused"]["errors"][0]["row"], 2, "{out}");
    assert_eq!(
        out["Refused"]["errors"][0]["problem"]["problem"],
        "bad_kind"
    );
    // Not KML at all, or a zipped one: said plainly.
    let (_, out) = upload(
        &app,
        admin,
        "sites",
        "点位.kml",
        "<kml><Document/></kml>",
        "2026",
        false,
    )
    .await;
    assert_eq!(
        out["Refused"]["errors"][0]["problem"]["problem"], "unreadable",
        "{out}"
    );
    let (s, out) = upload(
        &app,
        admin,
        "sites",
        "点位.kmz",
        "PK\u{3}\u{4}",
        "2026",
        false,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    assert!(out["message"].as_str().unwrap().contains("unzip"), "{out}");
    assert_eq!(app.count("sites").await, 2);
    app.cleanup().await;
}

#[tokio::test]
async fn each_units_officers_get_accounts_from_a_list_and_activate_them() {
    let app = TestApp::spawn_with(false).await;
    let admin = first_admin(&app).await;
    let a = Some(admin.as_str());
    let (s, out) = upload(&app, a, "plan", "计划.csv", PLAN, "2026", false).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let users = app.count("users").await;

    // A unit the plan does not have, or one written another way, refuses the whole list.
    let bad = "姓名,牵头单位\n刘洋,市民政局\n陈静,市交通运输局\n赵磊,杭州市建委\n";
    let (s, out) = upload(&app, a, "officers", "联络员.csv", bad, "2026", false).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let problems: Vec<(u64, String)> = out["Refused"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["problem"]["problem"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [(3, "unknown_unit".into()), (4, "spelled_two_ways".into())],
        "{out}"
    );
    assert_eq!(app.count("users").await, users);

    let list = "姓名,牵头单位\n刘洋,市民政局\n陈静,市建委\n";
    let (_, out) = upload(&app, a, "officers", "联络员.csv", list, "2026", false).await;
    assert_eq!(counts(&out), (2, 0, 0), "{out}");
    let (_, out) = upload(&app, a, "officers", "联络员.csv", list, "2026", false).await;
    assert_eq!(
        counts(&out),
        (0, 0, 2),
        "the same list again makes no one twice"
    );
    assert_eq!(app.count("users").await, users + 2);

    // On the activation sheet beside the deputies, with their unit; activated, the officer
    // works for that unit.
    let (_, sheet, _) = app.call("admin/activation-sheet", a, &[]).await;
    let liu = sheet["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["display_name"] == "刘洋")
        .expect("刘洋 on the sheet")
        .clone();
    assert_eq!(liu["delegation"], "市民政局");
    let username = liu["username"].as_str().unwrap();
    assert!(username.starts_with('o'), "{username}");
    let (s, out, headers) = app
        .call(
            "session/activate",
            None,
            &[
                ("username", username),
                ("code", liu["code"].as_str().unwrap()),
                ("password", "river lantern orchard 9"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let cookie = headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("jiandu="))
        .and_then(|c| c.split(';').next())
        .expect("signed in")
        .to_owned();
    let (s, unit, _) = app.call("catalogue/my-unit", Some(&cookie), &[]).await;
    assert_eq!(s, StatusCode::OK, "{unit}");
    assert!(unit.to_string().contains("市民政局"), "{unit}");
    app.cleanup().await;
}
