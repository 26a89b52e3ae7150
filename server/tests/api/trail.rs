//! A trail with no gaps, over real HTTP and the real database: a dismissal says who, when and
//! why and reaches the deputy; "my records" links each observation to its item; every deputy
//! whose observation is in an item rates its answer once; and the logs refuse to be rewritten.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::closed_loop::{forward, make_item, post_answer};
use crate::common::TestApp;
use crate::items::{act, observe, officer_of};

/// An account for another roster deputy of demo-deputy's group, signed in.
async fn colleague(app: &TestApp, admin: &str) -> String {
    let roster: Uuid = sqlx::query_scalar(
        "select d.id from deputies d
          where d.group_id = (select d2.group_id from deputies d2
                                join users u on u.deputy_id = d2.id
                               where u.username = 'demo-deputy')
            and not exists (select 1 from users u where u.deputy_id = d.id)
          limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let roster = roster.to_string();
    let (s, body, _) = app
        .call(
            "admin/create-account",
            Some(admin),
            &[
                ("username", "deputy-colleague"),
                ("display_name", "同组代表"),
                ("password", "a-long-password"),
                ("role", "deputy"),
                ("deputy_id", &roster),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    app.login("deputy-colleague", "a-long-password")
        .await
        .unwrap()
}

#[tokio::test]
async fn a_dismissal_says_who_when_and_why_and_reaches_the_deputy() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let kept = observe(&app, &deputy, "路灯不亮").await;
    let dropped = observe(&app, &deputy, "这里风景不错").await;
    let item = make_item(&app, &staff, kept).await;
    let (_, before, _) = app.call("session/info", Some(&deputy), &[]).await;

    let (s, body, _) = app
        .call(
            "review/dismiss",
            Some(&staff),
            &[
                ("observation", &dropped.to_string()),
                ("reason", "属于表扬，不是问题"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (actor, reason): (String, String) = sqlx::query_as(
        "select u.username, e.reason from observation_events e join users u on u.id = e.actor
          where e.observation_id = $1 and e.action = 'dismiss' and e.at > now() - interval '1 minute'",
    )
    .bind(dropped)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (actor.as_str(), reason.as_str()),
        ("demo-staff", "属于表扬，不是问题")
    );
    // A second dismissal of the same observation is refused and logs nothing.
    let (s, _, _) = app
        .call(
            "review/dismiss",
            Some(&staff),
            &[("observation", &dropped.to_string()), ("reason", "again")],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(app.count("observation_events").await, 1);

    // The deputy hears of it, with the reason, and it leads to their records.
    let (_, after, _) = app.call("session/info", Some(&deputy), &[]).await;
    assert_eq!(
        after["unread"].as_i64().unwrap(),
        before["unread"].as_i64().unwrap() + 1
    );
    let (s, list, _) = app.call("notifications/list", Some(&deputy), &[]).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let first = &list["rows"][0];
    assert_eq!(first["action"], "dismiss");
    assert_eq!(first["description"], "属于表扬，不是问题");
    assert_eq!(first["item_id"], serde_json::Value::Null);
    assert_eq!(
        first["actor_name"].as_str().map(|n| !n.is_empty()),
        Some(true)
    );
    let page = app
        .get("/notifications", Some(&deputy))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("href=\"/my/observations\""));

    // "My records": the reason and when beside the dismissed one, the item beside the other.
    let (s, mine, _) = app.call("field/my-observations", Some(&deputy), &[]).await;
    assert_eq!(s, StatusCode::OK);
    let rows = mine["rows"].as_array().unwrap();
    let row = |id: Uuid| {
        rows.iter()
            .find(|r| r["id"] == id.to_string())
            .expect("listed")
    };
    assert_eq!(row(dropped)["dismiss_reason"], "属于表扬，不是问题");
    assert!(row(dropped)["dismissed_at"].is_string());
    assert_eq!(row(kept)["item_id"], item.as_str());
    assert!(row(kept)["item_number"].is_number());
    let html = app
        .get("/my/observations", Some(&deputy))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("属于表扬，不是问题"));
    assert!(html.contains(&format!("href=\"/items/{item}\"")));
    app.cleanup().await;
}

#[tokio::test]
async fn every_deputy_whose_observation_is_in_the_item_rates_its_answer_once() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let admin = app.login_demo("demo-admin").await;
    let other = colleague(&app, &admin).await;
    let a = observe(&app, &deputy, "座椅断裂").await;
    let b = observe(&app, &other, "座椅有一块板断了").await;
    let item = make_item(&app, &staff, a).await;
    let (s, _, _) = app
        .call(
            "review/attach",
            Some(&staff),
            &[("item", &item), ("observation", &b.to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let unit = forward(&app, &staff, &item).await;
    let officer = officer_of(&app, &admin, unit, "officer-trail").await;
    let (s, _, body) = post_answer(&app, Some(&officer), &item, "已更换座椅", vec![], false).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");

    let rate = |who: &str, rating: &'static str| {
        let who = who.to_owned();
        let item = item.clone();
        let app = &app;
        async move {
            let mut f = act(&item, "rate");
            f.push(("rating", rating));
            app.call("items/act", Some(&who), &f).await.0
        }
    };
    // Both offered the form, both heard; each rates once.
    for who in [&deputy, &other] {
        let (_, view, _) = app.call("items/get", Some(who), &[("id", &item)]).await;
        assert!(
            view["can"].as_array().unwrap().iter().any(|a| a == "rate"),
            "{view}"
        );
    }
    assert_eq!(rate(&deputy, "satisfied").await, StatusCode::OK);
    assert_eq!(rate(&other, "dissatisfied").await, StatusCode::OK);
    assert_ne!(rate(&deputy, "basic").await, StatusCode::OK);
    assert_ne!(rate(&other, "basic").await, StatusCode::OK);
    let (_, view, _) = app.call("items/get", Some(&other), &[("id", &item)]).await;
    assert!(!view["can"].as_array().unwrap().iter().any(|a| a == "rate"));
    // The item keeps the first rating; the log has each deputy's.
    let (first, rates): (Option<String>, i64) = sqlx::query_as(
        "select i.answer_rating,
                (select count(*) from list_item_events e where e.item_id = i.id and e.action = 'rate')
           from list_items i where i.id = $1::uuid",
    )
    .bind(&item)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((first.as_deref(), rates), (Some("satisfied"), 2));
    let (_, dash, _) = app.call("items/dashboard", Some(&staff), &[]).await;
    let demo_rates: i64 = sqlx::query_scalar(
        "select count(*) from list_item_events r where r.action = 'rate'
            and r.id > coalesce((select max(a.id) from list_item_events a
                                  where a.item_id = r.item_id and a.action = 'answer'), 0)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let counted = ["satisfied", "basic", "dissatisfied"]
        .iter()
        .map(|k| dash["deputy_verdicts"][k].as_i64().unwrap())
        .sum::<i64>();
    assert_eq!(counted, demo_rates);
    app.cleanup().await;
}

#[tokio::test]
async fn the_logs_refuse_to_be_rewritten() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let obs = observe(&app, &deputy, "井盖缺失").await;
    make_item(&app, &staff, obs).await;
    let other = observe(&app, &deputy, "重复的记录").await;
    let (s, _, _) = app
        .call(
            "review/dismiss",
            Some(&staff),
            &[("observation", &other.to_string()), ("reason", "重复")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let code = crate::receipts::a_site(&app).await;
    crate::receipts::comment(&app, &code, "公告栏破了", &Uuid::now_v7().to_string()).await;
    let comment = crate::receipts::comment_id(&app, "公告栏破了")
        .await
        .to_string();
    let (s, _, _) = app
        .call(
            "staff/moderate",
            Some(&staff),
            &[("id", &comment), ("action", "publish")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(app.count("public_comment_events").await > 0);
    for sql in [
        "update list_item_events set comment = 'rewritten'",
        "delete from list_item_events",
        "update public_comment_events set reason = 'rewritten'",
        "delete from public_comment_events",
        "update observation_events set reason = 'rewritten'",
        "delete from observation_events",
    ] {
        let err = sqlx::query(sql).execute(&app.pool).await.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    // The demo loader's own permission, within its transaction only, moves times but deletes
    // nothing.
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("select set_config('jiandu.rewrite_log', 'demo clock', true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("update observation_events set at = at - interval '1 day'")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert!(sqlx::query("delete from observation_events")
        .execute(&mut *tx)
        .await
        .is_err());
    tx.rollback().await.unwrap();
    assert!(sqlx::query("update observation_events set at = now()")
        .execute(&app.pool)
        .await
        .is_err());
    app.cleanup().await;
}
