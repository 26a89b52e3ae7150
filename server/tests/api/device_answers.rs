//! Officers' answers from the phone's outbox (`PUT /api/v1/items/{item}/answers/{id}`) over
//! real HTTP: exactly once under resends, conflicts for a reused id, photos uploaded first, and
//! who may answer.

use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::closed_loop::{forward, make_item};
use crate::common::TestApp;
use crate::field::{phone_jpeg, put_photo, sha};
use crate::items::{another_unit, observe, officer_of};

async fn put_answer(
    app: &TestApp,
    cookie: Option<&str>,
    item: &str,
    id: &str,
    body: Value,
) -> (StatusCode, Value) {
    app.put_json(&format!("/api/v1/items/{item}/answers/{id}"), cookie, &body)
        .await
}

/// An item made from a deputy's observation and forwarded to a unit; returns it and the unit.
async fn forwarded_item(app: &TestApp, deputy: &str, staff: &str, note: &str) -> (String, Uuid) {
    let item = make_item(app, staff, observe(app, deputy, note).await).await;
    let unit = forward(app, staff, &item).await;
    (item, unit)
}

async fn answers_logged(app: &TestApp, item: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from list_item_events where item_id = $1::uuid and action = 'answer'",
    )
    .bind(item)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_answer_from_the_outbox_is_taken_exactly_once() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let admin = app.login_demo("demo-admin").await;
    let (item, unit) = forwarded_item(&app, &deputy, &staff, "电梯按钮失灵").await;
    let officer = officer_of(&app, &admin, unit, "officer-outbox").await;
    let photo = phone_jpeg(1200, 900, 31);
    let hash = sha(&photo);
    let id = Uuid::now_v7().to_string();
    let body = json!({ "text": "已更换按钮面板", "photos": [hash] });

    // The photo is not up yet: the phone is told which one to send, and nothing changes.
    let (s, e) = put_answer(&app, Some(&officer), &item, &id, body.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["details"]["missing_photos"], json!([hash]));
    assert_eq!(answers_logged(&app, &item).await, 0);

    // The deputy happens to have sent the very same bytes: the photo exists, but it is not the
    // officer's to cite until the officer has uploaded it too.
    let (s, _) = put_photo(&app, Some(&deputy), &hash, photo.clone()).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, e) = put_answer(&app, Some(&officer), &item, &id, body.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(answers_logged(&app, &item).await, 0);
    let (s, _) = put_photo(&app, Some(&officer), &hash, photo).await;
    assert_eq!(
        s,
        StatusCode::OK,
        "already stored, now held by the officer too"
    );
    let (s, r) = put_answer(&app, Some(&officer), &item, &id, body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["status"], "answered");
    assert_eq!(r["item_id"], item.as_str());

    // The acknowledgement was lost and the phone sends again: the same answer, nothing new.
    let unread_before = app.count("notifications").await;
    let (s, r) = put_answer(&app, Some(&officer), &item, &id, body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["status"], "answered");
    // Spacing is not content.
    let spaced = json!({ "text": "  已更换按钮面板\n", "photos": [hash] });
    let (s, _) = put_answer(&app, Some(&officer), &item, &id, spaced).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(answers_logged(&app, &item).await, 1);
    assert_eq!(app.count("notifications").await, unread_before);
    let photos: i64 =
        sqlx::query_scalar("select count(*) from list_item_photos where item_id = $1::uuid")
            .bind(&item)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(photos, 1);

    // The same id with other words is a conflict, and a new answer to an answered item is too.
    let other = json!({ "text": "另一个答复", "photos": [] });
    let (s, e) = put_answer(&app, Some(&officer), &item, &id, other.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, e) = put_answer(
        &app,
        Some(&officer),
        &item,
        &Uuid::now_v7().to_string(),
        other,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(answers_logged(&app, &item).await, 1);

    // The answer reads in the item's log like one made in the page, with its photo.
    let (s, detail, _) = app.call("items/get", Some(&staff), &[("id", &item)]).await;
    assert_eq!(s, StatusCode::OK, "{detail}");
    assert_eq!(detail["detail"]["item"]["answer"], "已更换按钮面板");
    app.cleanup().await;
}

#[tokio::test]
async fn only_the_units_officer_answers_and_bad_answers_store_nothing() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let admin = app.login_demo("demo-admin").await;
    let (item, unit) = forwarded_item(&app, &deputy, &staff, "坡道扶手缺失").await;
    let officer = officer_of(&app, &admin, unit, "officer-own").await;
    let other_unit = another_unit(&app, unit).await;
    let stranger = officer_of(&app, &admin, other_unit, "officer-other").await;
    let good = json!({ "text": "已安装扶手", "photos": [] });
    let id = || Uuid::now_v7().to_string();

    let (s, _) = put_answer(&app, None, &item, &id(), good.clone()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    for who in [&deputy, &staff, &admin] {
        let (s, e) = put_answer(&app, Some(who), &item, &id(), good.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    }
    // Another unit's officer does not learn that the item exists.
    let (s, e) = put_answer(&app, Some(&stranger), &item, &id(), good.clone()).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let (s, e) = put_answer(
        &app,
        Some(&officer),
        &Uuid::now_v7().to_string(),
        &id(),
        good.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");

    // Bad input: every field reported, nothing stored.
    let (s, e) = put_answer(
        &app,
        Some(&officer),
        &item,
        &Uuid::new_v4().to_string(),
        json!({ "text": " ", "photos": ["nope"] }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let fields: Vec<&str> = e["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["id", "text", "photos"]);
    let (s, e) = put_answer(
        &app,
        Some(&officer),
        &item,
        &id(),
        json!({ "text": "长".repeat(2001) }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, e) = put_answer(
        &app,
        Some(&officer),
        &item,
        &id(),
        json!({ "text": "x".repeat(40 * 1024) }),
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{e}");
    let res = app
        .http
        .put(format!("{}/api/v1/items/{item}/answers/{}", app.base, id()))
        .header(header::COOKIE, &officer)
        .header(header::CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A photo someone else uploaded is not this officer's evidence.
    let deputy_photo = phone_jpeg(640, 480, 41);
    let deputy_hash = sha(&deputy_photo);
    let (s, _) = put_photo(&app, Some(&deputy), &deputy_hash, deputy_photo).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, e) = put_answer(
        &app,
        Some(&officer),
        &item,
        &id(),
        json!({ "text": "已安装扶手", "photos": [deputy_hash] }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(answers_logged(&app, &item).await, 0);
    assert_eq!(app.count("list_item_photos").await, 0);

    // Reassigned while the officer was offline: the answer is refused, not applied.
    let (s, body, _) = app
        .call(
            "items/act",
            Some(&staff),
            &[
                ("id", &item),
                ("action", "reassign"),
                ("unit", &other_unit.to_string()),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, e) = put_answer(&app, Some(&officer), &item, &id(), good.clone()).await;
    assert!(
        s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN,
        "{s} {e}"
    );
    let (s, r) = put_answer(&app, Some(&stranger), &item, &id(), good).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(answers_logged(&app, &item).await, 1);
    app.cleanup().await;
}

#[tokio::test]
async fn the_openapi_document_describes_answers() {
    let app = TestApp::spawn_with(false).await;
    let doc: Value = app
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    let put = &doc["paths"]["/api/v1/items/{item}/answers/{id}"]["put"];
    for code in ["200", "201", "401", "403", "404", "409", "413", "422"] {
        assert!(put["responses"][code].is_object(), "{code}");
    }
    assert!(doc["components"]["schemas"]["AnswerInput"].is_object());
    app.cleanup().await;
}

#[tokio::test]
async fn an_officers_evidence_says_where_and_when_each_photo_was_taken() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let admin = app.login_demo("demo-admin").await;
    let (item, unit) = forwarded_item(&app, &deputy, &staff, "护栏缺失").await;
    let officer = officer_of(&app, &admin, unit, "officer-evidence").await;
    let (lon, lat): (f64, f64) = sqlx::query_as(
        "select t.anchor[0], t.anchor[1] from list_items i join sites t on t.id = i.site_id
          where i.id = $1::uuid",
    )
    .bind(&item)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let photos: Vec<Vec<u8>> = (0..2).map(|n| phone_jpeg(800, 600, 60 + n)).collect();
    let hashes: Vec<String> = photos.iter().map(|p| sha(p)).collect();
    for p in &photos {
        let (s, _) = put_photo(&app, Some(&officer), &sha(p), p.clone()).await;
        assert!(s.is_success());
    }
    let now = chrono::Utc::now();
    let fact = |h: &str, origin: &str, days: i64, north: f64| {
        json!({
            "sha256": h, "origin": origin, "chosen_at": now,
            "taken_at": now - chrono::Duration::days(days),
            "lat": lat + north, "lon": lon,
        })
    };
    let body = |second_origin: &str| {
        json!({
            "text": "护栏已安装",
            "photos": hashes,
            "photo_facts": [fact(&hashes[0], "camera", 0, 0.0),
                            fact(&hashes[1], second_origin, 60, 0.045)],
        })
    };
    let id = Uuid::now_v7().to_string();
    let (s, r) = put_answer(&app, Some(&officer), &item, &id, body("gallery")).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let stored: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "select place_verdict, time_verdict, origin from list_item_photos
          where item_id = $1::uuid order by position",
    )
    .bind(&item)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        stored,
        vec![
            ("on_site".into(), "recent".into(), Some("camera".into())),
            ("off_site".into(), "old".into(), Some("gallery".into())),
        ]
    );
    // A resend with other facts under the same id is another answer.
    let (s, _) = put_answer(&app, Some(&officer), &item, &id, body("camera")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = put_answer(&app, Some(&officer), &item, &id, body("gallery")).await;
    assert_eq!(s, StatusCode::OK);
    // Staff see it on the item's log.
    let (_, view, _) = app.call("items/get", Some(&staff), &[("id", &item)]).await;
    let answer = view["detail"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "answer")
        .unwrap()
        .clone();
    assert_eq!(answer["photos"][1]["place"], "off_site", "{answer}");
    assert_eq!(answer["photos"][1]["age_days"], 60);
    let html = app
        .get(&format!("/items/{item}"), Some(&staff))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-place=\"off_site\"") && html.contains("data-origin=\"gallery\""));
    app.cleanup().await;
}
