//! Usage from devices over real HTTP, the real database and the real broker (Mosquitto on
//! 127.0.0.1:1883): a reading is kept once per device and message id however often it comes, a
//! device's token works at its own site only, the days add up to the raw readings, the site's
//! page shows them and the quiet sites are listed.

use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::TestApp;
use crate::items::{another_unit, officer_of};

/// Two active sites of different units: the demo officer's unit's and another's.
async fn two_sites(app: &TestApp) -> ((Uuid, String), (Uuid, String)) {
    let unit: Uuid =
        sqlx::query_scalar("select unit_id from users where username = 'demo-officer'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let site = |unit: Uuid, own: bool| {
        let pool = app.pool.clone();
        async move {
            let q = if own {
                "select t.id, t.public_code from sites t join sub_items s on s.id = t.sub_item_id
                  where s.lead_unit_id = $1 and t.active order by t.public_code limit 1"
            } else {
                "select t.id, t.public_code from sites t join sub_items s on s.id = t.sub_item_id
                  where s.lead_unit_id <> $1 and t.active order by t.public_code limit 1"
            };
            sqlx::query_as::<_, (Uuid, String)>(q)
                .bind(unit)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    (site(unit, true).await, site(unit, false).await)
}

async fn register(app: &TestApp, cookie: &str, site: Uuid, kind: &str) -> (StatusCode, Value) {
    let (s, body, _) = app
        .call(
            "usage/register-device",
            Some(cookie),
            &[
                ("site", &site.to_string()),
                ("kind", kind),
                ("label", "东门座椅"),
            ],
        )
        .await;
    (s, body)
}

async fn send(app: &TestApp, code: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut req = app
        .http
        .post(format!("{}/api/v1/sites/{code}/readings", app.base))
        .json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn reading(id: &str, uses: i64) -> Value {
    json!({ "message_id": id, "at": chrono::Utc::now(), "uses": uses, "energy_wh": 40, "faults": 0 })
}

/// The days of a site against its raw readings: each day's sums equal a count of the readings.
async fn days_match_readings(app: &TestApp, site: Uuid) {
    let bad: i64 = sqlx::query_scalar(
        "select count(*) from (
             select (r.at at time zone 'Asia/Shanghai')::date as day, sum(r.uses) as uses,
                    sum(r.energy_wh) as energy, sum(r.faults) as faults, count(*) as n
               from device_readings r join devices d on d.id = r.device_id
              where d.site_id = $1 group by 1
         ) raw full join (select * from site_usage_daily where site_id = $1) u on u.day = raw.day
          where u.day is null or raw.day is null or u.uses <> raw.uses
             or u.energy_wh <> raw.energy or u.faults <> raw.faults or u.readings <> raw.n",
    )
    .bind(site)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(bad, 0, "every day equals its readings");
}

#[tokio::test]
async fn readings_over_http_count_once_and_only_at_the_devices_own_site() {
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let officer = app.login_demo("demo-officer").await;
    let deputy = app.login_demo("demo-deputy").await;
    let admin = app.login_demo("demo-admin").await;
    let ((own, own_code), (other, other_code)) = two_sites(&app).await;

    // Who may register: the lead unit's officers and staff.
    let (s, _) = register(&app, &deputy, own, "seat").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let unit: Uuid =
        sqlx::query_scalar("select unit_id from users where username = 'demo-officer'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let stranger = officer_of(&app, &admin, another_unit(&app, unit).await, "dev-other").await;
    let (s, _) = register(&app, &stranger, own, "seat").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) = register(&app, &officer, own, "toaster").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["details"]["field"], "device_kind");
    let (s, dev) = register(&app, &officer, own, "seat").await;
    assert_eq!(s, StatusCode::OK, "{dev}");
    let token = dev["token"].as_str().unwrap().to_owned();
    assert_eq!(dev["topic"], format!("jiandu/sites/{own_code}/readings"));
    let (s, dev_b) = register(&app, &staff, other, "charger").await;
    assert_eq!(s, StatusCode::OK);
    let token_b = dev_b["token"].as_str().unwrap().to_owned();
    // Only the token's hash is kept.
    let kept: i64 = sqlx::query_scalar("select count(*) from devices where token_hash = $1")
        .bind(app::domain::device::token_hash(&token))
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(kept, 1);

    let (s, r) = send(&app, &own_code, Some(&token), reading("m-1", 3)).await;
    assert_eq!(
        (s, r.clone()),
        (StatusCode::OK, json!({ "stored": 1, "duplicates": 0 }))
    );
    let (s, r) = send(&app, &own_code, Some(&token), reading("m-1", 3)).await;
    assert_eq!(
        (s, r),
        (StatusCode::OK, json!({ "stored": 0, "duplicates": 1 })),
        "sent again"
    );
    let (s, r) = send(
        &app,
        &own_code,
        Some(&token),
        json!({ "readings": [reading("m-1", 3), reading("m-2", 4), reading("m-2", 4)] }),
    )
    .await;
    assert_eq!(
        (s, r),
        (StatusCode::OK, json!({ "stored": 1, "duplicates": 2 }))
    );

    // Another site's device, no token, an unknown token, a retired device: nothing kept.
    let (s, _) = send(&app, &own_code, Some(&token_b), reading("b-1", 1)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = send(&app, &own_code, None, reading("x-1", 1)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let forged = app::domain::device::new_token([9; 32]);
    let (s, _) = send(&app, &own_code, Some(&forged), reading("x-2", 1)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // A bad reading refuses its whole batch, naming it.
    let mut future = reading("m-3", 1);
    future["at"] = json!(chrono::Utc::now() + chrono::Duration::hours(2));
    let (s, r) = send(
        &app,
        &own_code,
        Some(&token),
        json!({ "readings": [reading("m-4", 1), future] }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (r["details"]["field"].clone(), r["details"]["index"].clone()),
        (json!("at"), json!(1))
    );
    let (s, _) = send(&app, &own_code, Some(&token), json!({ "readings": [] })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("device_readings").await, 2);
    days_match_readings(&app, own).await;

    // The site's page: the days, the devices, and the tokens for those who manage them only.
    let (s, usage, _) = app
        .call("usage/site", Some(&deputy), &[("site", &own.to_string())])
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(usage["total"]["uses"], 7);
    assert_eq!(
        usage["devices"][0]["token"],
        Value::Null,
        "a deputy is not shown the token"
    );
    assert_eq!(usage["may_manage"], false);
    let (_, usage, _) = app
        .call("usage/site", Some(&officer), &[("site", &own.to_string())])
        .await;
    assert_eq!(
        usage["devices"][0]["token"],
        json!(token),
        "shown again to the unit"
    );
    let page = app
        .get(&format!("/sites/{own}"), Some(&deputy))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"usage-uses\">7<"),
        "the page shows the uses"
    );
    assert!(
        !page.contains(&token),
        "nor does the page show a deputy the token"
    );

    // The public page of the site (no sign-in) says how often it was used, and nothing of its
    // devices; a site with a device that has not read yet says 0, one with none says nothing.
    let public = |code: String| {
        let app = &app;
        async move {
            app.get(&format!("/s/{code}"), None)
                .await
                .text()
                .await
                .unwrap()
        }
    };
    let page = public(own_code.clone()).await;
    assert!(
        page.contains("id=\"public-usage\" data-uses=\"7\""),
        "{page}"
    );
    assert!(!page.contains(&token) && !page.contains("jiandu/sites/"));
    let page = public(other_code.clone()).await;
    assert!(page.contains("id=\"public-usage\" data-uses=\"0\""));
    let bare: String = sqlx::query_scalar(
        "select public_code from sites t
          where t.active and not exists (select 1 from devices d where d.site_id = t.id)
          order by public_code limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let page = public(bare).await;
    assert!(page.contains("id=\"public-site-state\"") && !page.contains("public-usage"));

    // The readings as CSV.
    let csv = app
        .get(&format!("/sites/{own}/readings.csv"), Some(&staff))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 3, "a header and two readings: {csv}");
    assert!(csv.contains("m-2") && csv.contains(",http,"));
    let res = app
        .get(
            &format!("/sites/{own}/readings.csv?from=2026-01-01&to=2026-12-31"),
            Some(&staff),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "at most 92 days at once"
    );

    // Retired, its token stops working; its readings stay.
    let (s, _, _) = app
        .call(
            "usage/device-active",
            Some(&officer),
            &[("device", dev["id"].as_str().unwrap()), ("active", "false")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = send(&app, &own_code, Some(&token), reading("m-5", 1)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("device_readings").await, 2);
    let _ = other_code;
    app.cleanup().await;
}

#[tokio::test]
async fn the_same_mqtt_message_twice_counts_once_and_another_sites_device_is_refused() {
    use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let ((own, own_code), (other, _)) = two_sites(&app).await;
    let (_, dev) = register(&app, &staff, own, "seat").await;
    let token = dev["token"].as_str().unwrap().to_owned();
    let (_, dev_b) = register(&app, &staff, other, "seat").await;
    let token_b = dev_b["token"].as_str().unwrap().to_owned();

    let db = app::store::Db::new(app.pool.clone());
    let id = Uuid::now_v7().simple().to_string();
    let subscriber = server::mqtt::start(
        db,
        &format!("mqtt://127.0.0.1:1883?client_id=jiandu-test-{id}"),
    )
    .unwrap();
    let mut o = MqttOptions::new(format!("device-{id}"), "127.0.0.1", 1883);
    o.set_keep_alive(std::time::Duration::from_secs(5));
    let (device, mut events) = AsyncClient::new(o, 64);
    let (acked_tx, mut acked) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(e) = events.poll().await {
            if let Event::Incoming(Packet::PubAck(_)) = e {
                let _ = acked_tx.send(());
            }
        }
    });
    let topic = app::domain::device::topic_of(&own_code);
    let publish = |token: &str, message_id: &str| {
        let body = json!({ "token": token, "readings": [reading(message_id, 2)] }).to_string();
        let device = device.clone();
        let topic = topic.clone();
        async move {
            device
                .publish(topic, QoS::AtLeastOnce, false, body.into_bytes())
                .await
                .unwrap();
        }
    };
    // The subscriber is listening once a probe is stored.
    let stored = |n: i64| {
        let pool = app.pool.clone();
        async move {
            for _ in 0..200 {
                let c: i64 = sqlx::query_scalar("select count(*) from device_readings")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                if c >= n {
                    return c;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("fewer than {n} readings stored in 10 s");
        }
    };
    let mut probes = 0;
    loop {
        probes += 1;
        publish(&token, &format!("probe-{probes}")).await;
        acked.recv().await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        if app.count("device_readings").await > 0 {
            break;
        }
        assert!(probes < 50, "the subscriber never stored a reading");
    }
    let base = stored(1).await;
    // Twice the same message, and another site's device on this site's topic.
    publish(&token, "same-1").await;
    publish(&token, "same-1").await;
    publish(&token_b, "wrong-site-1").await;
    publish(&token, "after-1").await;
    for _ in 0..4 {
        acked.recv().await;
    }
    stored(base + 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let ids: Vec<String> = sqlx::query_scalar(
        "select message_id from device_readings where message_id not like 'probe-%' order by message_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        ids,
        ["after-1", "same-1"],
        "once each; the other site's device refused"
    );
    let via: Vec<String> = sqlx::query_scalar("select distinct via from device_readings")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(via, ["mqtt"]);
    days_match_readings(&app, own).await;
    subscriber.abort();
    app.cleanup().await;
}

/// A site whose devices have not read for the set number of days is listed as quiet, with the
/// total, and its page says so; a site that reads today is not.
#[tokio::test]
async fn quiet_sites_are_listed_with_their_total() {
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let ((own, own_code), (other, other_code)) = two_sites(&app).await;
    let (_, a) = register(&app, &staff, own, "seat").await;
    let (_, b) = register(&app, &staff, other, "lift_controller").await;
    // Both were registered ten days ago; only the second has read since.
    sqlx::query("update devices set created_at = now() - interval '10 days'")
        .execute(&app.pool)
        .await
        .unwrap();
    let mut old = reading("old-1", 1);
    old["at"] = json!(chrono::Utc::now() - chrono::Duration::days(8));
    let (s, _) = send(&app, &own_code, a["token"].as_str(), old).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = send(&app, &other_code, b["token"].as_str(), reading("new-1", 1)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, q, _) = app.call("usage/quiet", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::OK, "{q}");
    assert_eq!(q["sites"]["total"], 1);
    assert_eq!(q["sites"]["rows"][0]["public_code"], own_code);
    assert_eq!(q["quiet_days"], 3);
    let (_, usage, _) = app
        .call("usage/site", Some(&staff), &[("site", &own.to_string())])
        .await;
    assert_eq!(usage["quiet"], true);
    let (_, usage, _) = app
        .call("usage/site", Some(&staff), &[("site", &other.to_string())])
        .await;
    assert_eq!(usage["quiet"], false);
    // Ten days allowed: nobody is quiet; a deputy may not read the list.
    let (s, _, _) = app
        .call("usage/quiet-days", Some(&staff), &[("days", "10")])
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, q, _) = app.call("usage/quiet", Some(&staff), &[]).await;
    assert_eq!(q["sites"]["total"], 0);
    let (s, _, _) = app
        .call("usage/quiet-days", Some(&staff), &[("days", "0")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let deputy = app.login_demo("demo-deputy").await;
    let (s, _, _) = app.call("usage/quiet", Some(&deputy), &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    app.cleanup().await;
}

/// Anyone who can reach the server can post readings with made-up tokens: each client address
/// is held to its allowance, and told how long to wait; another client is not.
#[tokio::test]
async fn posting_readings_is_limited_per_client() {
    let limits = server::public::CommentLimits {
        device_burst: 3,
        device_interval: std::time::Duration::from_secs(3600),
        trusted_proxies: vec![std::net::Ipv4Addr::LOCALHOST.into()],
        ..Default::default()
    };
    let app = TestApp::spawn_full(true, limits).await;
    let ((_, code), _) = two_sites(&app).await;
    for i in 0..3 {
        let forged = app::domain::device::new_token([i; 32]);
        let (s, _) = send(&app, &code, Some(&forged), reading("x", 1)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let forged = app::domain::device::new_token([7; 32]);
    let res = app
        .http
        .post(format!("{}/api/v1/sites/{code}/readings", app.base))
        .bearer_auth(&forged)
        .json(&reading("x", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let res = app
        .http
        .post(format!("{}/api/v1/sites/{code}/readings", app.base))
        .header("x-forwarded-for", "203.0.113.7")
        .bearer_auth(&forged)
        .json(&reading("x", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "another client has its own"
    );
    app.cleanup().await;
}
