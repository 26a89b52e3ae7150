//! The access matrix of the routes the server mounts itself (`server::web::endpoints`: the API,
//! form posts, exports, public and receipt pages): every path and method, called over HTTP as
//! seven kinds of caller. The ids in the paths belong to one unit and one deputy, so an officer of
//! another unit and a deputy of another group are refused by row-level scope, not by role.
//!
//! The list of paths comes from the router itself: a path mounted without a row here fails the
//! test, and so does a method the router answers on a path that no row calls.
//! (Server functions have their own matrix in `roles.rs`; pages are checked per role in the
//! browser tests' accessibility scan.)

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{header, Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::closed_loop::{forward, make_item};
use crate::common::{form_of, TestApp};
use crate::field::{phone_jpeg, put_observation, put_photo, sha, site_and_anchor};
use crate::items::{another_unit, officer_of};
use crate::receipts::{a_site, comment};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anon,
    Deputy,
    DeputyElsewhere,
    Officer,
    OfficerElsewhere,
    Staff,
    Admin,
}

use Who::*;

const EVERYONE: &[Who] = &[
    Anon,
    Deputy,
    DeputyElsewhere,
    Officer,
    OfficerElsewhere,
    Staff,
    Admin,
];
const SIGNED_IN: &[Who] = &[
    Deputy,
    DeputyElsewhere,
    Officer,
    OfficerElsewhere,
    Staff,
    Admin,
];
const DEPUTIES: &[Who] = &[Deputy, DeputyElsewhere];
const STAFF: &[Who] = &[Staff, Admin];
const NOBODY: &[Who] = &[];

enum Body {
    Empty,
    Json(serde_json::Value),
    Form(Vec<(&'static str, &'static str)>),
    Bytes(Vec<u8>),
}

/// One call: the router's path pattern, the concrete path, the body, and who gets past the
/// role and scope checks. Everyone else must be told 401 (nobody signed in), 403 or 404, or
/// be sent to sign in.
struct Row {
    method: Method,
    pattern: &'static str,
    path: String,
    body: Body,
    may: &'static [Who],
}

fn row(
    method: Method,
    pattern: &'static str,
    path: String,
    body: Body,
    may: &'static [Who],
) -> Row {
    Row {
        method,
        pattern,
        path,
        body,
        may,
    }
}

/// A refusal: 401 for nobody signed in (or for anyone, where the row takes no session at all, as
/// the devices' token endpoint), else 403 or 404; or a redirect to sign in.
fn refused(who: Who, status: StatusCode, location: &str, sessionless: bool) -> bool {
    if sessionless && status == StatusCode::UNAUTHORIZED {
        return true;
    }
    match who {
        Anon => {
            status == StatusCode::UNAUTHORIZED
                || status == StatusCode::NOT_FOUND
                || (status.is_redirection() && location.starts_with("/login"))
        }
        _ => status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
    }
}

async fn send(app: &TestApp, cookie: Option<&str>, r: &Row) -> (StatusCode, String, String) {
    let mut req = app
        .http
        .request(r.method.clone(), format!("{}{}", app.base, r.path));
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    req = match &r.body {
        Body::Empty => req,
        Body::Json(v) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(v.to_string()),
        Body::Form(fields) => req.multipart(form_of(fields)),
        Body::Bytes(b) => req.body(b.clone()),
    };
    let res = req.send().await.expect("request");
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: String = res
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    (status, location, body)
}

/// The methods the router answers on a path, from the `Allow` header of its 405 to a method no
/// route uses.
async fn allowed_methods(app: &TestApp, path: &str) -> BTreeSet<String> {
    let res = app
        .http
        .request(
            Method::from_bytes(b"PROPFIND").expect("method"),
            format!("{}{path}", app.base),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
    res.headers()
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(',')
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty() && m != "HEAD")
        .collect()
}

/// An account, made by the administrator, for a roster deputy of a group other than the demo
/// deputy's; their session cookie.
pub async fn deputy_of_another_group(app: &TestApp, admin: &str, username: &str) -> String {
    let other_deputy: Uuid = sqlx::query_scalar(
        "select d.id from deputies d
          where d.group_id <> (select d2.group_id from deputies d2
                                 join users u on u.deputy_id = d2.id
                                where u.username = 'demo-deputy')
            and not exists (select 1 from users u where u.deputy_id = d.id)
          limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .expect("a deputy of another group");
    let other_deputy = other_deputy.to_string();
    let (s, r, _) = app
        .call(
            "admin/create-account",
            Some(admin),
            &[
                ("username", username),
                ("display_name", "另一组代表"),
                ("password", "a-long-password"),
                ("role", "deputy"),
                ("deputy_id", &other_deputy),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    app.login(username, "a-long-password")
        .await
        .expect("the other deputy signs in")
}

#[tokio::test]
async fn every_route_answers_every_kind_of_caller_as_its_row_says() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let admin = app.login_demo("demo-admin").await;

    // A deputy's observation with a photo, made an item and forwarded to its site's unit.
    let photo = phone_jpeg(640, 480, 7);
    let photo_sha = sha(&photo);
    let (s, r) = put_photo(&app, Some(&deputy), &photo_sha, photo.clone()).await;
    assert!(s.is_success(), "{r}");
    let (site, lat, lon) = site_and_anchor(&app).await;
    let obs = Uuid::now_v7();
    let body = json!({
        "site_id": site, "kind": "problem", "note": "矩阵：井盖缺失", "tags": [],
        "captured_at": "2026-10-01T02:03:04Z",
        "position": {"lat": lat, "lon": lon, "accuracy_m": 8.0, "source": "gps"},
        "photos": [photo_sha],
    });
    let (s, r) = put_observation(&app, Some(&deputy), &obs.to_string(), body.to_string()).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    app.copies_made(&photo_sha).await;
    let item = make_item(&app, &staff, obs).await;
    let unit = forward(&app, &staff, &item).await;
    let officer = officer_of(&app, &admin, unit, "matrix-officer").await;
    let elsewhere = another_unit(&app, unit).await;
    let officer_elsewhere = officer_of(&app, &admin, elsewhere, "matrix-officer-2").await;

    // A deputy of another group, with an account made by the administrator.
    let deputy_elsewhere = deputy_of_another_group(&app, &admin, "matrix-deputy-2").await;

    // A sub-item and a site of that unit; a public site and a receipt.
    let sub_item: Uuid =
        sqlx::query_scalar("select id from sub_items where lead_unit_id = $1 limit 1")
            .bind(unit)
            .fetch_one(&app.pool)
            .await
            .expect("a sub-item of the unit");
    let unit_site: Uuid = sqlx::query_scalar(
        "select t.id from sites t join sub_items s on s.id = t.sub_item_id
          where s.lead_unit_id = $1 limit 1",
    )
    .bind(unit)
    .fetch_one(&app.pool)
    .await
    .expect("a site of the unit");
    let code = a_site(&app).await;
    let receipt = comment(&app, &code, "矩阵：路灯不亮", &Uuid::now_v7().to_string()).await;

    let v7 = || Uuid::now_v7().to_string();
    use Body::*;
    let get = Method::GET;
    let post = Method::POST;
    let put = Method::PUT;
    let mut rows = vec![
        row(get.clone(), "/healthz", "/healthz".into(), Empty, EVERYONE),
        row(get.clone(), "/readyz", "/readyz".into(), Empty, EVERYONE),
        // Only with the bearer token of JIANDU_METRICS_TOKEN, which no session carries.
        row(get.clone(), "/metrics", "/metrics".into(), Empty, NOBODY),
        row(
            get.clone(),
            "/lang/{locale}",
            "/lang/en?next=%2F".into(),
            Empty,
            EVERYONE,
        ),
        row(
            get.clone(),
            "/api/v1/openapi.json",
            "/api/v1/openapi.json".into(),
            Empty,
            EVERYONE,
        ),
        row(
            post.clone(),
            "/api/v1/session",
            "/api/v1/session".into(),
            // Not a username and a password: 422 for anyone, signed in or not.
            Json(json!({})),
            EVERYONE,
        ),
        row(
            put.clone(),
            "/api/v1/photos/{sha256}",
            format!("/api/v1/photos/{}", sha(b"not a photo")),
            Bytes(b"not a photo".to_vec()),
            SIGNED_IN,
        ),
        row(
            put.clone(),
            "/api/v1/observations/{id}",
            format!("/api/v1/observations/{}", v7()),
            Json(json!({})),
            DEPUTIES,
        ),
        row(
            get.clone(),
            "/api/v1/observations",
            "/api/v1/observations".into(),
            Empty,
            DEPUTIES,
        ),
        row(
            put.clone(),
            "/api/v1/items/{item}/answers/{id}",
            format!("/api/v1/items/{item}/answers/{}", v7()),
            Json(json!({})),
            &[Officer],
        ),
        row(
            put.clone(),
            "/api/v1/sub-items/{sub_item}/progress/{id}",
            format!("/api/v1/sub-items/{sub_item}/progress/{}", v7()),
            Json(json!({})),
            &[Officer],
        ),
        row(
            put.clone(),
            "/api/v1/inspections/{inspection}/check-ins/{id}",
            format!("/api/v1/inspections/{}/check-ins/{}", v7(), v7()),
            Json(json!({})),
            DEPUTIES,
        ),
        row(
            get.clone(),
            "/media/{variant}/{file}",
            format!("/media/thumb/{photo_sha}.jpg"),
            Empty,
            &[Deputy, Officer, Staff, Admin],
        ),
        row(
            post.clone(),
            "/s/{code}/comment",
            format!("/s/{code}/comment"),
            Form(vec![("body", "")]),
            EVERYONE,
        ),
        row(
            get.clone(),
            "/s/{code}/comment",
            format!("/s/{code}/comment"),
            Empty,
            EVERYONE,
        ),
        row(
            get.clone(),
            "/s/{code}/qr.svg",
            format!("/s/{code}/qr.svg"),
            Empty,
            EVERYONE,
        ),
        row(
            get.clone(),
            "/s/{code}/qr.png",
            format!("/s/{code}/qr.png"),
            Empty,
            EVERYONE,
        ),
        row(
            get.clone(),
            "/s/{code}/photos/{sha256}/{variant}",
            format!("/s/{code}/photos/{photo_sha}/thumb"),
            Empty,
            EVERYONE,
        ),
        row(get.clone(), "/r", "/r?code=AAAA".into(), Empty, EVERYONE),
        row(get.clone(), "/r/{code}", receipt.clone(), Empty, EVERYONE),
        row(
            post.clone(),
            "/r/{code}/rate",
            format!("{receipt}/rate"),
            Form(vec![("rating", "no-such-verdict")]),
            EVERYONE,
        ),
        row(
            get.clone(),
            "/r/{code}/rate",
            format!("{receipt}/rate"),
            Empty,
            EVERYONE,
        ),
        row(
            get.clone(),
            "/r/{code}/photos/{sha256}/{variant}",
            format!("{receipt}/photos/{photo_sha}/thumb"),
            Empty,
            EVERYONE,
        ),
        row(
            post.clone(),
            "/items/{id}/answer",
            format!("/items/{item}/answer"),
            Form(vec![("note", "")]),
            &[Officer],
        ),
        row(
            post.clone(),
            "/sub-items/{id}/progress",
            format!("/sub-items/{sub_item}/progress"),
            Form(vec![("quantity", "x")]),
            &[Officer],
        ),
        row(
            post.clone(),
            "/api/v1/sites/{code}/readings",
            format!("/api/v1/sites/{code}/readings"),
            Json(json!({"readings": []})),
            NOBODY,
        ),
        row(
            get.clone(),
            "/sites/{id}/readings.csv",
            format!("/sites/{unit_site}/readings.csv"),
            Empty,
            SIGNED_IN,
        ),
        row(
            post.clone(),
            app::items::imports::IMPORT_URL,
            app::items::imports::IMPORT_URL.into(),
            Form(vec![("year", "x")]),
            STAFF,
        ),
        row(
            post.clone(),
            app::topics::HOTLINE_URL,
            app::topics::HOTLINE_URL.into(),
            Form(vec![("year", "x")]),
            STAFF,
        ),
        row(
            post.clone(),
            app::admin::registry::IMPORT_URL,
            app::admin::registry::IMPORT_URL.into(),
            Form(vec![("year", "x")]),
            &[Admin],
        ),
        row(
            get.clone(),
            app::admin::activation::XLSX_URL,
            app::admin::activation::XLSX_URL.into(),
            Empty,
            &[Admin],
        ),
    ];
    // The good-practice cases, published or not, as staff list them.
    rows.push(row(
        get.clone(),
        app::cases::EXPORT_URL,
        app::cases::EXPORT_URL.into(),
        Empty,
        STAFF,
    ));
    // An inspection's joint report as a Word file.
    let inspection = crate::inspections::plan_for_demo_deputy(&app, &staff).await;
    rows.push(row(
        get.clone(),
        "/staff/inspections/{id}/report.docx",
        format!("/staff/inspections/{inspection}/report.docx"),
        Empty,
        STAFF,
    ));
    // The duty record of every deputy of the roster.
    rows.push(row(
        get.clone(),
        app::duty::EXPORT_URL,
        app::duty::EXPORT_URL.into(),
        Empty,
        STAFF,
    ));
    // The progress sheet holds what the pages show every signed-in role.
    rows.push(row(
        get.clone(),
        "/progress/export.xlsx",
        "/progress/export.xlsx".into(),
        Empty,
        SIGNED_IN,
    ));
    for export in [
        "/items/export.xlsx",
        "/items/export.csv",
        "/items/export.geojson",
        "/sites/export.geojson",
    ] {
        rows.push(row(
            get.clone(),
            export,
            export.into(),
            Empty,
            &[Officer, OfficerElsewhere, Staff, Admin],
        ));
    }
    // A questionnaire shown at the public site: its forms are everyone's, its paper entry
    // and answers staff's.
    let questionnaire = crate::questionnaires::questionnaire_at(&app, &staff, &code).await;
    for (pattern, path) in [
        ("/s/{code}/q/{id}", format!("/s/{code}/q/{questionnaire}")),
        ("/q/{id}", format!("/q/{questionnaire}")),
    ] {
        rows.push(row(get.clone(), pattern, path.clone(), Empty, EVERYONE));
        // No form token: 400 for anyone, and nothing stored.
        rows.push(row(
            post.clone(),
            pattern,
            path,
            Form(vec![("q1", "1")]),
            EVERYONE,
        ));
    }
    rows.push(row(
        get.clone(),
        "/q/{id}/qr.svg",
        format!("/q/{questionnaire}/qr.svg"),
        Empty,
        EVERYONE,
    ));
    let paper = format!("/staff/questionnaires/{questionnaire}/paper");
    rows.push(row(
        get.clone(),
        "/staff/questionnaires/{id}/paper",
        paper.clone(),
        Empty,
        STAFF,
    ));
    rows.push(row(
        post.clone(),
        "/staff/questionnaires/{id}/paper",
        paper,
        Form(vec![("q1", "1")]),
        STAFF,
    ));
    rows.push(row(
        get.clone(),
        "/staff/questionnaires/{id}/answers.xlsx",
        format!("/staff/questionnaires/{questionnaire}/answers.xlsx"),
        Empty,
        STAFF,
    ));
    // Last: signing out ends the session each caller used for the rows above.
    rows.push(row(
        Method::DELETE,
        "/api/v1/session",
        "/api/v1/session".into(),
        Empty,
        EVERYONE,
    ));

    // Every path the router mounts has rows, for each method it answers, and no row names a
    // path the router does not mount.
    let settings = crate::common::test_settings(server::public::CommentLimits::default());
    let endpoints = server::web::endpoints(&settings);
    let mounted: BTreeSet<&str> = endpoints.paths().iter().map(String::as_str).collect();
    assert!(
        mounted.len() > 25,
        "the router's list was read: {mounted:?}"
    );
    let mut called: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for r in &rows {
        called
            .entry(r.pattern)
            .or_default()
            .insert(r.method.to_string());
    }
    let unlisted: Vec<&&str> = mounted
        .iter()
        .filter(|p| !called.contains_key(**p))
        .collect();
    assert!(unlisted.is_empty(), "mounted without a row: {unlisted:?}");
    let stale: Vec<&&str> = called.keys().filter(|p| !mounted.contains(**p)).collect();
    assert!(stale.is_empty(), "rows for paths not mounted: {stale:?}");
    for r in &rows {
        let methods = allowed_methods(&app, r.path.split('?').next().unwrap_or(&r.path)).await;
        assert_eq!(
            methods, called[r.pattern],
            "{}: the router answers these methods, the rows call those",
            r.pattern
        );
    }

    let cookies = [
        (Anon, None),
        (Deputy, Some(deputy.as_str())),
        (DeputyElsewhere, Some(deputy_elsewhere.as_str())),
        (Officer, Some(officer.as_str())),
        (OfficerElsewhere, Some(officer_elsewhere.as_str())),
        (Staff, Some(staff.as_str())),
        (Admin, Some(admin.as_str())),
    ];
    let mut wrong = Vec::new();
    let mut calls = 0;
    for r in &rows {
        for (who, cookie) in cookies {
            let (status, location, body) = send(&app, cookie, r).await;
            calls += 1;
            let ok = if status.is_server_error() {
                false
            } else if r.may.contains(&who) {
                let sent_to_sign_in = status.is_redirection() && location.starts_with("/login");
                !(matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
                    || sent_to_sign_in)
            } else {
                refused(who, status, &location, r.may.is_empty())
            };
            if !ok {
                wrong.push(format!(
                    "{} {} as {who:?} ({}): {status} {location} {body}",
                    r.method,
                    r.path,
                    if r.may.contains(&who) {
                        "may"
                    } else {
                        "may not"
                    }
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {calls} calls answered wrongly:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    app.cleanup().await;
}

/// Every page of the app (the router's list from `generate_route_list`), loaded as a browser
/// does by seven kinds of caller. A page someone may not open answers 401 (nobody signed in),
/// 403 or 404, or sends them to sign in; one they may answers 200.
#[tokio::test]
async fn every_page_answers_every_kind_of_caller_as_its_row_says() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let admin = app.login_demo("demo-admin").await;
    let obs = crate::items::observe(&app, &deputy, "矩阵：页面").await;
    let item = make_item(&app, &staff, obs).await;
    let unit = forward(&app, &staff, &item).await;
    let officer = officer_of(&app, &admin, unit, "pages-officer").await;
    let elsewhere = another_unit(&app, unit).await;
    let officer_elsewhere = officer_of(&app, &admin, elsewhere, "pages-officer-2").await;
    let deputy_elsewhere = deputy_of_another_group(&app, &admin, "pages-deputy-2").await;

    let (site, _, _) = site_and_anchor(&app).await;
    let (project, sub_item, year): (Uuid, Uuid, i32) = sqlx::query_as(
        "select p.id, s.id, p.year from sites t join sub_items s on s.id = t.sub_item_id
           join projects p on p.id = s.project_id where t.id = $1::uuid",
    )
    .bind(&site)
    .fetch_one(&app.pool)
    .await
    .expect("the site's sub-item");
    let sub_number: String = sqlx::query_scalar(
        "select p.number || '-' || s.number from sub_items s join projects p on p.id = s.project_id
          where s.id = $1",
    )
    .bind(sub_item)
    .fetch_one(&app.pool)
    .await
    .expect("the sub-item's number");
    let code = a_site(&app).await;
    let receipt = comment(&app, &code, "矩阵：页面回执", &Uuid::now_v7().to_string()).await;

    let demo_deputy: Uuid =
        sqlx::query_scalar("select deputy_id from users where username = 'demo-deputy'")
            .fetch_one(&app.pool)
            .await
            .expect("the demo deputy's roster row");
    let inspection = crate::inspections::plan_for_demo_deputy(&app, &staff).await;
    let officers: &[Who] = &[Officer, OfficerElsewhere];
    let questionnaire = crate::questionnaires::questionnaire_at(&app, &staff, &code).await;
    // A hot topic this week: two comments share a word.
    let term = crate::topics::a_topic(&app, &staff, &code).await;
    let rows: Vec<(&str, String, &[Who])> = vec![
        ("/staff/topics", "/staff/topics".into(), STAFF),
        (
            "/staff/topics/texts",
            format!("/staff/topics/texts?term={}", app::ui::urlencode(&term)),
            STAFF,
        ),
        ("/staff/topics/words", "/staff/topics/words".into(), STAFF),
        (
            "/staff/topics/hotline",
            "/staff/topics/hotline".into(),
            STAFF,
        ),
        (
            "/staff/questionnaires",
            "/staff/questionnaires".into(),
            STAFF,
        ),
        (
            "/staff/questionnaires/new",
            "/staff/questionnaires/new".into(),
            STAFF,
        ),
        (
            "/staff/questionnaires/{id}",
            format!("/staff/questionnaires/{questionnaire}"),
            STAFF,
        ),
        (
            "/staff/questionnaires/{id}/paper",
            format!("/staff/questionnaires/{questionnaire}/paper"),
            STAFF,
        ),
        (
            "/s/{code}/q/{id}",
            format!("/s/{code}/q/{questionnaire}"),
            EVERYONE,
        ),
        ("/q/{id}", format!("/q/{questionnaire}"), EVERYONE),
        ("/", "/".into(), EVERYONE),
        ("/login", "/login".into(), EVERYONE),
        ("/offline", "/offline".into(), EVERYONE),
        ("/activate", "/activate".into(), EVERYONE),
        ("/plan", "/plan".into(), EVERYONE),
        ("/plan/{year}", format!("/plan/{year}"), EVERYONE),
        (
            "/plan/{year}/{sub}",
            format!("/plan/{year}/{sub_number}"),
            EVERYONE,
        ),
        ("/s/{code}", format!("/s/{code}"), EVERYONE),
        ("/s/{code}/thanks", format!("/s/{code}/thanks"), EVERYONE),
        ("/r", "/r".into(), EVERYONE),
        ("/r/{code}", receipt.clone(), EVERYONE),
        ("/projects", "/projects".into(), SIGNED_IN),
        ("/projects/{id}", format!("/projects/{project}"), SIGNED_IN),
        (
            "/sub-items/{id}",
            format!("/sub-items/{sub_item}"),
            SIGNED_IN,
        ),
        ("/sites/{id}", format!("/sites/{site}"), SIGNED_IN),
        (
            // Anyone signed in may open it; only a deputy of the site's group gets the form,
            // anyone else is told it is not theirs to supervise.
            "/sites/{id}/capture",
            format!("/sites/{site}/capture"),
            SIGNED_IN,
        ),
        // The phone's own queue, kept for use offline: it holds nothing from the server.
        ("/outbox", "/outbox".into(), EVERYONE),
        ("/notifications", "/notifications".into(), SIGNED_IN),
        ("/my/sites", "/my/sites".into(), DEPUTIES),
        ("/my/observations", "/my/observations".into(), DEPUTIES),
        ("/my/unit", "/my/unit".into(), officers),
        // Each sees the items of their own scope (`items/list`).
        ("/items", "/items".into(), SIGNED_IN),
        (
            "/items/{id}",
            format!("/items/{item}"),
            &[Deputy, Officer, Staff, Admin],
        ),
        ("/staff/groups", "/staff/groups".into(), STAFF),
        ("/staff/review", "/staff/review".into(), STAFF),
        ("/staff/dashboard", "/staff/dashboard".into(), STAFF),
        ("/staff/import", "/staff/import".into(), STAFF),
        ("/staff/comments", "/staff/comments".into(), STAFF),
        ("/staff/cases", "/staff/cases".into(), STAFF),
        ("/staff/duty", "/staff/duty".into(), STAFF),
        ("/staff/inspections", "/staff/inspections".into(), STAFF),
        (
            "/staff/inspections/new",
            "/staff/inspections/new".into(),
            STAFF,
        ),
        (
            "/staff/inspections/{id}",
            format!("/staff/inspections/{inspection}"),
            STAFF,
        ),
        (
            "/staff/inspections/{id}/report",
            format!("/staff/inspections/{inspection}/report"),
            STAFF,
        ),
        // A deputy's own list; staff have theirs under /staff.
        (
            "/inspections",
            "/inspections".into(),
            &[Deputy, DeputyElsewhere, Staff, Admin],
        ),
        // Demo-deputy is invited; the deputy of another group is not.
        (
            "/inspections/{id}",
            format!("/inspections/{inspection}"),
            &[Deputy, Staff, Admin],
        ),
        // The demo deputy's record: theirs and staff's to read, not another deputy's.
        (
            "/duty",
            format!("/duty?deputy={demo_deputy}"),
            &[Deputy, Staff, Admin],
        ),
        ("/staff/satisfaction", "/staff/satisfaction".into(), STAFF),
        ("/staff/posters", "/staff/posters".into(), STAFF),
        ("/admin/users", "/admin/users".into(), &[Admin]),
        ("/admin/activation", "/admin/activation".into(), &[Admin]),
        ("/admin/registry", "/admin/registry".into(), &[Admin]),
        (
            "/admin/registry/sites",
            "/admin/registry/sites".into(),
            STAFF,
        ),
        (
            "/admin/registry/sites/{id}",
            format!("/admin/registry/sites/{site}"),
            STAFF,
        ),
        ("/admin/registry/plan", "/admin/registry/plan".into(), STAFF),
        (
            "/admin/registry/roster",
            "/admin/registry/roster".into(),
            STAFF,
        ),
    ];

    let pages: BTreeSet<String> = leptos_axum::generate_route_list(app::App)
        .iter()
        .map(|r| r.path().to_owned())
        .collect();
    assert!(pages.len() > 30, "the router's list was read: {pages:?}");
    let listed: BTreeSet<String> = rows.iter().map(|r| r.0.to_owned()).collect();
    let unlisted: Vec<&String> = pages.difference(&listed).collect();
    assert!(unlisted.is_empty(), "pages without a row: {unlisted:?}");
    let stale: Vec<&String> = listed.difference(&pages).collect();
    assert!(
        stale.is_empty(),
        "rows for pages the router does not have: {stale:?}"
    );

    let cookies = [
        (Anon, None),
        (Deputy, Some(deputy.as_str())),
        (DeputyElsewhere, Some(deputy_elsewhere.as_str())),
        (Officer, Some(officer.as_str())),
        (OfficerElsewhere, Some(officer_elsewhere.as_str())),
        (Staff, Some(staff.as_str())),
        (Admin, Some(admin.as_str())),
    ];
    let mut wrong = Vec::new();
    for (pattern, path, may) in &rows {
        for (who, cookie) in cookies {
            let res = app.get(path, cookie).await;
            let status = res.status();
            let location = res
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            // A page may also send someone on (signed in, `/login` goes home), but not to sign in.
            let ok = if may.contains(&who) {
                status == StatusCode::OK
                    || (status.is_redirection() && !location.starts_with("/login"))
            } else {
                refused(who, status, &location, false)
            };
            if !ok {
                wrong.push(format!(
                    "{pattern} ({path}) as {who:?} ({}): {status} {location}",
                    if may.contains(&who) { "may" } else { "may not" }
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} loads answered wrongly:\n{}",
        wrong.len(),
        rows.len() * cookies.len(),
        wrong.join("\n")
    );
    app.cleanup().await;
}
