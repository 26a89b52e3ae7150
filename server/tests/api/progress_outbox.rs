//! Progress reports from the phone's outbox (`PUT /api/v1/sub-items/{id}/progress/{report}`)
//! over real HTTP: filed exactly once under resends (one after another and at the same time),
//! a used id refused for another report, photos uploaded first, the figures' rules and who may
//! report.

use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::TestApp;
use crate::field::{phone_jpeg, put_photo, sha};
use crate::items::{another_unit, officer_of};

async fn put_report(
    app: &TestApp,
    cookie: Option<&str>,
    sub_item: Uuid,
    id: Uuid,
    body: &Value,
) -> (StatusCode, Value) {
    app.put_json(
        &format!("/api/v1/sub-items/{sub_item}/progress/{id}"),
        cookie,
        body,
    )
    .await
}

async fn officer_sub_item(app: &TestApp) -> (Uuid, Uuid, i32) {
    sqlx::query_as(
        "select u.unit_id, s.id, s.target_quantity from users u
           join sub_items s on s.lead_unit_id = u.unit_id
          where u.username = 'demo-officer' order by s.project_id, s.number limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn reports(app: &TestApp, sub_item: Uuid) -> i64 {
    sqlx::query_scalar("select count(*) from progress_reports where sub_item_id = $1")
        .bind(sub_item)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_report_from_the_outbox_is_filed_exactly_once() {
    let app = TestApp::spawn().await;
    let (_, sub_item, target) = officer_sub_item(&app).await;
    let officer = app.login_demo("demo-officer").await;
    let photo = phone_jpeg(1200, 900, 41);
    let hash = sha(&photo);
    let done = i64::from(target) / 2;
    let body = json!({
        "quantity_done": done,
        "paid_government_yuan": 1_205_000,
        "note": "已完工一半",
        "photos": [hash],
    });
    let id = Uuid::now_v7();

    // The photo first: without it the report is refused, naming it, and nothing is filed.
    let (s, refused) = put_report(&app, Some(&officer), sub_item, id, &body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["details"]["missing_photos"], json!([hash]));
    assert_eq!(reports(&app, sub_item).await, 0);
    let (s, _) = put_photo(&app, Some(&officer), &hash, photo).await;
    assert_eq!(s, StatusCode::CREATED);

    let (s, receipt) = put_report(&app, Some(&officer), sub_item, id, &body).await;
    assert_eq!(s, StatusCode::CREATED, "{receipt}");
    assert_eq!(receipt["id"], json!(id));
    assert_eq!(receipt["sub_item_id"], json!(sub_item));
    assert!(
        ["overdue", "behind", "on_track", "done"].contains(&receipt["risk"].as_str().unwrap()),
        "{receipt}"
    );
    // The acknowledgement was lost; the phone sends again: the same report, not a second.
    let (s, again) = put_report(&app, Some(&officer), sub_item, id, &body).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again, receipt);
    assert_eq!(reports(&app, sub_item).await, 1);
    let (q, g, note, fp): (i32, i64, String, Option<String>) = sqlx::query_as(
        "select quantity_done, paid_government_yuan, note, fingerprint from progress_reports
          where id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (i64::from(q), g, note.as_str()),
        (done, 1_205_000, "已完工一半")
    );
    assert!(fp.is_some_and(|f| f.len() == 64));
    let photos: Vec<String> =
        sqlx::query_scalar("select sha256 from progress_report_photos where report_id = $1")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(photos, std::slice::from_ref(&hash));

    // The sub-item's page shows it, photo and all.
    let page = app
        .get(&format!("/sub-items/{sub_item}"), Some(&officer))
        .await;
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("report-{id}")),
        "the report is on the page"
    );
    assert!(html.contains(&format!("/media/thumb/{hash}.jpg")));

    // Another report under the used id is refused, and nothing changes.
    let other = json!({ "quantity_done": done + 1, "photos": [] });
    let (s, conflict) = put_report(&app, Some(&officer), sub_item, id, &other).await;
    assert_eq!(s, StatusCode::CONFLICT, "{conflict}");
    assert_eq!(conflict["error"], "conflict");
    // So is the same report under the id on another sub-item.
    let (elsewhere,): (Uuid,) = sqlx::query_as(
        "select s.id from sub_items s join users u on u.unit_id = s.lead_unit_id
          where u.username = 'demo-officer' and s.id <> $1 limit 1",
    )
    .bind(sub_item)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let (s, _) = put_report(&app, Some(&officer), elsewhere, id, &body).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(reports(&app, sub_item).await, 1);
    assert_eq!(reports(&app, elsewhere).await, 0);

    // Two sends of one new report at once (a page and the sync timer): one is filed.
    let id2 = Uuid::now_v7();
    let second = json!({ "quantity_done": done + 2 });
    let (a, b) = tokio::join!(
        put_report(&app, Some(&officer), sub_item, id2, &second),
        put_report(&app, Some(&officer), sub_item, id2, &second),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CREATED]);
    assert_eq!(reports(&app, sub_item).await, 2);

    // The phone's way in is described for other clients.
    let doc: Value = app
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    let put = &doc["paths"]["/api/v1/sub-items/{sub_item}/progress/{id}"]["put"];
    for code in ["200", "201", "401", "403", "404", "409", "413", "422"] {
        assert!(put["responses"][code].is_object(), "{code}");
    }
    assert!(doc["components"]["schemas"]["ProgressWire"].is_object());
    app.cleanup().await;
}

#[tokio::test]
async fn only_the_lead_units_officers_report_from_the_outbox_and_bad_figures_file_nothing() {
    let app = TestApp::spawn().await;
    let (unit, sub_item, target) = officer_sub_item(&app).await;
    let admin = app.login_demo("demo-admin").await;
    let officer = app.login_demo("demo-officer").await;
    let other = officer_of(&app, &admin, another_unit(&app, unit).await, "officer-far").await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let body = json!({ "quantity_done": 1 });

    for (who, cookie, expected) in [
        ("anonymous", None, StatusCode::UNAUTHORIZED),
        ("deputy", Some(deputy.as_str()), StatusCode::FORBIDDEN),
        ("staff", Some(staff.as_str()), StatusCode::FORBIDDEN),
        ("another unit", Some(other.as_str()), StatusCode::FORBIDDEN),
    ] {
        let (s, e) = put_report(&app, cookie, sub_item, Uuid::now_v7(), &body).await;
        assert_eq!(s, expected, "{who}: {e}");
    }
    let (s, _) = put_report(&app, Some(&officer), Uuid::now_v7(), Uuid::now_v7(), &body).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let too_many = i64::from(target) * 10 + 1;
    for (bad, field) in [
        (json!({ "quantity_done": -1 }), "quantity_done"),
        (json!({ "quantity_done": too_many }), "quantity_done"),
        (
            json!({ "quantity_done": 1, "paid_social_yuan": -100 }),
            "paid_social",
        ),
        (
            json!({ "quantity_done": 1, "note": "x".repeat(2001) }),
            "progress_note",
        ),
        (json!({ "quantity_done": 1, "photos": ["nope"] }), "photos"),
    ] {
        let (s, e) = put_report(&app, Some(&officer), sub_item, Uuid::now_v7(), &bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
        let fields: Vec<&str> = e["details"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["field"].as_str())
            .collect();
        assert_eq!(fields, [field], "{bad}");
    }
    // An id the phone did not make, and a body that is not a report.
    let (s, e) = put_report(&app, Some(&officer), sub_item, Uuid::new_v4(), &body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["details"]["fields"][0]["field"], "id");
    let (s, e) = put_report(
        &app,
        Some(&officer),
        sub_item,
        Uuid::now_v7(),
        &json!("312"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["details"]["field"], "body");
    let huge = json!({ "quantity_done": 1, "note": "字".repeat(20_000) });
    let (s, _) = put_report(&app, Some(&officer), sub_item, Uuid::now_v7(), &huge).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reports(&app, sub_item).await, 0);
    app.cleanup().await;
}
