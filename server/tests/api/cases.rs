//! Good-practice cases over real HTTP and the real database: staff promote a deputy's good
//! practice once, the deputy hears of it, the public sees it (and its photo) on the site and plan
//! pages only while it is published, and the staff's list and export count what the table holds.

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::common::TestApp;
use crate::field::{phone_jpeg, put_observation, put_photo, sha, site_and_anchor};
use crate::items::observe;

/// A good-practice observation by demo-deputy at a site of their group, with one photo.
async fn good_practice(app: &TestApp, deputy: &str, note: &str) -> (Uuid, String, String) {
    let (site, lat, lon) = site_and_anchor(app).await;
    let photo = phone_jpeg(64, 48, 7);
    let hash = sha(&photo);
    let (s, r) = put_photo(app, Some(deputy), &hash, photo).await;
    assert!(s.is_success(), "{r}");
    app.copies_made(&hash).await;
    let id = Uuid::now_v7();
    let body = json!({
        "site_id": site, "kind": "good_practice", "note": note, "tags": [],
        "captured_at": "2026-10-01T02:03:04Z",
        "position": {"lat": lat, "lon": lon, "accuracy_m": 8.0, "source": "gps"},
        "photos": [hash],
    });
    let (s, r) = put_observation(app, Some(deputy), &id.to_string(), body.to_string()).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let code: String = sqlx::query_scalar("select public_code from sites where id = $1::uuid")
        .bind(&site)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (id, code, hash)
}

async fn promote(app: &TestApp, who: &str, obs: Uuid, title: &str) -> (StatusCode, String) {
    let obs = obs.to_string();
    let (s, body, _) = app
        .call(
            "cases/promote",
            Some(who),
            &[
                ("observation", obs.as_str()),
                ("title", title),
                ("body", "电动自行车集中充电，配灭火器和专人巡查。"),
                ("level", "district"),
                ("publish", "on"),
            ],
        )
        .await;
    (s, body.to_string())
}

async fn page(app: &TestApp, path: &str) -> String {
    let res = app.get(path, None).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

#[tokio::test]
async fn staff_promote_a_good_practice_once_and_the_public_sees_it_while_published() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let (obs, code, photo) = good_practice(&app, &deputy, "充电车棚管理得好").await;
    let problem = observe(&app, &deputy, "路灯不亮").await;
    let (_, before, _) = app.call("session/info", Some(&deputy), &[]).await;

    // Only staff promote; only a good practice; the rules of the text are the domain's.
    let (s, _) = promote(&app, &deputy, obs, "集中充电").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) = promote(&app, &staff, problem, "不是好做法").await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    // Each refusal names its rule, which the page says in the reader's language.
    assert!(body.contains("case_not_good_practice"), "{body}");
    let (s, body) = promote(&app, &staff, obs, " ").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("case_title"), "{body}");
    let (s, body) = promote(&app, &staff, Uuid::now_v7(), "无此记录").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(app.count("good_practice_cases").await, 0);
    assert_eq!(app.count("observation_events").await, 0);

    let (s, body) = promote(&app, &staff, obs, "车棚集中充电").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let case: Uuid = serde_json::from_str(&body).unwrap();
    // Once: the observation left the queue, a second promotion is refused and stores nothing.
    let (s, _) = promote(&app, &staff, obs, "再推广一次").await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(app.count("good_practice_cases").await, 1);
    let (status, actor, reason): (String, String, String) = sqlx::query_as(
        "select o.status, u.username, e.reason from observations o
           join observation_events e on e.observation_id = o.id
           join users u on u.id = e.actor
          where o.id = $1 and e.action = 'promote'",
    )
    .bind(obs)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (status.as_str(), actor.as_str(), reason.as_str()),
        ("promoted", "demo-staff", "车棚集中充电")
    );

    // The deputy is told, and their records say what became of it.
    let (_, after, _) = app.call("session/info", Some(&deputy), &[]).await;
    assert_eq!(
        after["unread"].as_i64().unwrap(),
        before["unread"].as_i64().unwrap() + 1
    );
    let (_, list, _) = app.call("notifications/list", Some(&deputy), &[]).await;
    assert_eq!(list["rows"][0]["action"], "promote");
    let (_, mine, _) = app.call("field/my-observations", Some(&deputy), &[]).await;
    let row = mine["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == obs.to_string())
        .expect("listed")
        .clone();
    assert_eq!(row["status"], "promoted");

    // The public: the site page and the year's plan show it, with its photo served.
    let site_page = page(&app, &format!("/s/{code}")).await;
    assert!(site_page.contains("车棚集中充电"), "site page");
    assert!(site_page.contains(&format!("case-{case}")));
    let plan = page(&app, "/plan").await;
    assert!(plan.contains("车棚集中充电"), "plan page");
    let thumb = format!("/s/{code}/photos/{photo}/thumb");
    assert_eq!(app.get(&thumb, None).await.status(), StatusCode::OK);
    // The public's card names no deputy.
    let deputy_name: String =
        sqlx::query_scalar("select display_name from users where username = 'demo-deputy'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let section = &site_page[site_page.find("id=\"site-cases\"").expect("cases section")..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains("车棚集中充电") && !section.contains(&deputy_name));

    // Withdrawn: gone from both pages at once (the kept pages were dropped), photo no longer
    // served.
    let case_s = case.to_string();
    let (s, _, _) = app
        .call(
            "cases/publish",
            Some(&deputy),
            &[("case", case_s.as_str()), ("published", "false")],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body, _) = app
        .call(
            "cases/publish",
            Some(&staff),
            &[("case", case_s.as_str()), ("published", "false")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(!page(&app, &format!("/s/{code}"))
        .await
        .contains("车棚集中充电"));
    assert!(!page(&app, "/plan").await.contains("车棚集中充电"));
    assert_eq!(app.get(&thumb, None).await.status(), StatusCode::NOT_FOUND);
    let (withdrawn_by,): (String,) = sqlx::query_as(
        "select u.username from good_practice_cases k join users u on u.id = k.changed_by
          where k.id = $1 and not k.published",
    )
    .bind(case)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(withdrawn_by, "demo-staff");

    // The staff's list and export hold what the table holds, published or not.
    let (s, list, _) = app.call("cases/list", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["list"]["total"], 1);
    assert_eq!(list["list"]["rows"][0]["published"], false);
    assert_eq!(
        list["list"]["rows"][0]["deputy_name"]
            .as_str()
            .map(str::is_empty),
        Some(false)
    );
    let (s, _, _) = app.call("cases/list", Some(&deputy), &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let res = app.get(app::cases::EXPORT_URL, Some(&staff)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    let cells = server::import::cells("cases.xlsx", &bytes).unwrap();
    assert_eq!(cells.len(), 2, "header and one case");
    assert_eq!(cells[1][7], "车棚集中充电");
    assert_eq!(cells[1][12], "未公开");
    let res = app.get(app::cases::EXPORT_URL, Some(&deputy)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    app.cleanup().await;
}

#[tokio::test]
async fn two_staff_promoting_at_once_make_one_case() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let (obs, _, _) = good_practice(&app, &deputy, "助餐点菜品公示").await;
    let (a, b) = tokio::join!(
        promote(&app, &staff, obs, "菜品公示"),
        promote(&app, &staff, obs, "菜品公示二")
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    assert_eq!(app.count("good_practice_cases").await, 1);
    let events: i64 = sqlx::query_scalar(
        "select count(*) from observation_events where observation_id = $1 and action = 'promote'",
    )
    .bind(obs)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(events, 1);
    app.cleanup().await;
}
