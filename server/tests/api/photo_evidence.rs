//! Photo evidence: each photo's EXIF time and place and its origin travel with the observation,
//! the server judges them against the site and the project, staff see and filter by the
//! judgement, and none of it reaches anything shown to others.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::TestApp;
use crate::field::{phone_jpeg, put_observation, put_photo, sha, site_and_anchor};

/// Uploads `n` photos as the deputy; their hashes.
async fn photos(app: &TestApp, deputy: &str, seeds: std::ops::Range<u32>) -> Vec<String> {
    let mut out = Vec::new();
    for seed in seeds {
        let bytes = phone_jpeg(640, 480, seed);
        let h = sha(&bytes);
        let (s, r) = put_photo(app, Some(deputy), &h, bytes).await;
        assert!(s.is_success(), "{s} {r}");
        out.push(h);
    }
    out
}

fn fact(sha: &str, origin: &str, taken: Option<DateTime<Utc>>, at: Option<(f64, f64)>) -> Value {
    json!({
        "sha256": sha, "origin": origin,
        "chosen_at": Utc::now() - Duration::minutes(1),
        "taken_at": taken,
        "lat": at.map(|p| p.0), "lon": at.map(|p| p.1),
    })
}

fn observation(site: &str, lat: f64, lon: f64, photos: &[String], facts: Vec<Value>) -> String {
    json!({
        "site_id": site, "kind": "problem", "note": "照片核验",
        "captured_at": Utc::now() - Duration::minutes(2),
        "position": {"lat": lat, "lon": lon, "accuracy_m": 8.0, "source": "gps"},
        "photos": photos, "photo_facts": facts,
    })
    .to_string()
}

/// (place, time, origin) of each stored photo of an observation, in order.
async fn stored(app: &TestApp, id: &str) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as(
        "select place_verdict, time_verdict, origin from observation_photos
          where observation_id = $1::uuid order by position",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn each_photo_is_judged_for_point_line_and_polygon_sites() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let (site, lat, lon) = site_and_anchor(&app).await;
    let year: i32 = sqlx::query_scalar(
        "select p.year from sites t join sub_items s on s.id = t.sub_item_id
           join projects p on p.id = s.project_id where t.id = $1::uuid",
    )
    .bind(&site)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let now = Utc::now();
    // The site as each kind of shape around the same anchor: a point, a street running east
    // and west through it, an estate 1 km square with the anchor at its middle.
    let d = 0.0045; // about 500 m of latitude
    let shapes = [
        json!({"type": "Point", "coordinates": [lon, lat]}),
        json!({"type": "LineString", "coordinates": [[lon - 0.02, lat], [lon + 0.02, lat]]}),
        json!({"type": "Polygon", "coordinates": [[[lon - d, lat - d], [lon + d, lat - d],
            [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]]}),
    ];
    for (n, shape) in shapes.iter().enumerate() {
        sqlx::query("update sites set geometry = $2 where id = $1::uuid")
            .bind(&site)
            .bind(shape)
            .execute(&app.pool)
            .await
            .unwrap();
        // North of the site's northern edge (the polygon's is `d` north of the anchor).
        let edge = if n == 2 { lat + d } else { lat };
        let seed = 100 + 10 * n as u32;
        let hashes = photos(&app, &deputy, seed..seed + 5).await;
        let facts = vec![
            fact(
                &hashes[0],
                "camera",
                Some(now - Duration::minutes(3)),
                Some((lat, lon)),
            ),
            fact(
                &hashes[1],
                "gallery",
                Some(now - Duration::days(30)),
                Some((edge + 0.0018, lon)),
            ),
            fact(
                &hashes[2],
                "gallery",
                Some(now - Duration::days(400)),
                Some((edge + 0.045, lon)),
            ),
            fact(&hashes[3], "camera", None, None),
            // A camera whose clock runs a day ahead.
            fact(
                &hashes[4],
                "camera",
                Some(now + Duration::days(1)),
                Some((lat, lon)),
            ),
        ];
        let id = Uuid::now_v7().to_string();
        let (s, r) = put_observation(
            &app,
            Some(&deputy),
            &id,
            observation(&site, lat, lon, &hashes, facts),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{shape}: {r}");
        let four_hundred_days =
            if (now - Duration::days(400)).format("%Y").to_string() < year.to_string() {
                "before_project"
            } else {
                "old"
            };
        let want = [
            ("on_site", "recent", Some("camera")),
            ("near", "old", Some("gallery")),
            ("off_site", four_hundred_days, Some("gallery")),
            ("unknown", "unknown", Some("camera")),
            ("on_site", "after", Some("camera")),
        ];
        let got = stored(&app, &id).await;
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert_eq!(
                (g.0.as_str(), g.1.as_str(), g.2.as_deref()),
                w,
                "{shape}, photo {i}"
            );
        }
        assert_eq!(got.len(), 5);
    }

    // A record from a phone that predates photo facts is stored as before, its photos unknown.
    let hashes = photos(&app, &deputy, 200..201).await;
    let id = Uuid::now_v7().to_string();
    let (s, r) = put_observation(
        &app,
        Some(&deputy),
        &id,
        observation(&site, lat, lon, &hashes, vec![]),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(
        stored(&app, &id).await,
        vec![("unknown".into(), "unknown".into(), None)]
    );

    // Facts that do not follow the photos are refused, and nothing is stored.
    let before = app.count("observations").await;
    let id = Uuid::now_v7().to_string();
    let (s, r) = put_observation(
        &app,
        Some(&deputy),
        &id,
        observation(
            &site,
            lat,
            lon,
            &hashes,
            vec![fact(&"0".repeat(64), "camera", None, None)],
        ),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    assert_eq!(r["details"]["fields"][0]["field"], "photo_facts", "{r}");
    assert_eq!(app.count("observations").await, before);
    app.cleanup().await;
}

#[tokio::test]
async fn a_replay_with_other_photo_facts_is_a_conflict() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let (site, lat, lon) = site_and_anchor(&app).await;
    let hashes = photos(&app, &deputy, 300..301).await;
    let taken = Utc::now() - Duration::minutes(5);
    let facts =
        |origin: &str, at: (f64, f64)| vec![fact(&hashes[0], origin, Some(taken), Some(at))];
    let id = Uuid::now_v7().to_string();
    let first = observation(&site, lat, lon, &hashes, facts("camera", (lat, lon)));
    let (s, r) = put_observation(&app, Some(&deputy), &id, first.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (s, _) = put_observation(&app, Some(&deputy), &id, first).await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the same facts again are the same record"
    );
    for other in [
        facts("gallery", (lat, lon)),
        facts("camera", (lat + 0.01, lon)),
        vec![],
    ] {
        let (s, r) = put_observation(
            &app,
            Some(&deputy),
            &id,
            observation(&site, lat, lon, &hashes, other),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{r}");
    }
    assert_eq!(
        stored(&app, &id).await,
        vec![("on_site".into(), "recent".into(), Some("camera".into()))]
    );
    app.cleanup().await;
}

#[tokio::test]
async fn staff_see_and_filter_by_the_photos_and_nothing_of_it_is_shown_to_others() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let (site, lat, lon) = site_and_anchor(&app).await;
    let now = Utc::now();
    let hashes = photos(&app, &deputy, 400..403).await;
    // One record with a photo taken there and then; one with a year-old photo from 5 km away;
    // one whose gallery photo is ten days old but taken on site.
    let mut ids = Vec::new();
    for (h, f) in hashes.iter().zip([
        ("camera", now - Duration::minutes(3), (lat, lon)),
        ("gallery", now - Duration::days(365), (lat + 0.045, lon)),
        ("gallery", now - Duration::days(10), (lat, lon)),
    ]) {
        let id = Uuid::now_v7().to_string();
        let body = observation(
            &site,
            lat,
            lon,
            std::slice::from_ref(h),
            vec![fact(h, f.0, Some(f.1), Some(f.2))],
        );
        let (s, r) = put_observation(&app, Some(&deputy), &id, body).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        ids.push(id);
    }
    let queue = |form: Vec<(&'static str, &'static str)>| {
        let (app, staff) = (&app, &staff);
        async move {
            let (s, page, _) = app.call("review/queue", Some(staff), &form).await;
            assert_eq!(s, StatusCode::OK, "{page}");
            page["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    // Newest first.
    assert_eq!(
        queue(vec![]).await,
        vec![ids[2].clone(), ids[1].clone(), ids[0].clone()]
    );
    assert_eq!(
        queue(vec![("photo_place", "not_on_site")]).await,
        vec![ids[1].clone()]
    );
    assert_eq!(
        queue(vec![("photo_older_days", "7")]).await,
        vec![ids[2].clone(), ids[1].clone()]
    );
    assert_eq!(
        queue(vec![("photo_older_days", "30")]).await,
        vec![ids[1].clone()]
    );
    assert_eq!(
        queue(vec![
            ("photo_place", "not_on_site"),
            ("photo_older_days", "400")
        ])
        .await,
        Vec::<String>::new()
    );
    let (s, r, _) = app
        .call(
            "review/queue",
            Some(&staff),
            &[("photo_older_days", "soon")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    let (s, _, _) = app
        .call("review/queue", Some(&staff), &[("photo_place", "anywhere")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // The row says what each photo is.
    let (_, page, _) = app.call("review/queue", Some(&staff), &[]).await;
    let far = &page["rows"][1]["photos"][0];
    assert_eq!(far["sha256"], hashes[1]);
    assert_eq!(
        (far["place"].as_str(), far["origin"].as_str()),
        (Some("off_site"), Some("gallery"))
    );
    assert!(
        matches!(far["time"].as_str(), Some("old" | "before_project")),
        "{far}"
    );
    // Taken 365 days before now and chosen a minute ago: 364 whole days between.
    assert_eq!(far["age_days"], 364);
    assert!(far["distance_m"].as_f64().unwrap() > 4_500.0, "{far}");

    // The map counts what the list shows for the same filter.
    let (s, clusters, _) = app
        .call(
            "map/points",
            Some(&staff),
            &[
                ("layer", "observations"),
                ("west", "70"),
                ("south", "0"),
                ("east", "140"),
                ("north", "60"),
                ("zoom", "3"),
                ("status", "submitted"),
                ("photo_place", "not_on_site"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{clusters}");
    let n: i64 = clusters
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["n"].as_i64().unwrap())
        .sum();
    assert_eq!(n, 1);

    // The review page and the item page show it; the export says it in a column of its own.
    let html = app
        .get("/staff/review?photo_place=not_on_site", Some(&staff))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("data-observation=\"{}\"", ids[1])));
    assert!(!html.contains(&format!("data-observation=\"{}\"", ids[0])));
    assert!(html.contains("data-place=\"off_site\""), "the badge");
    assert!(html.contains("不在现场拍摄"));
    let (s, item, _) = app
        .call(
            "review/create-item",
            Some(&staff),
            &[
                ("observations", &format!("{},{}", ids[0], ids[1])),
                ("kind", "problem"),
                ("description", "围挡缺失"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{item}");
    let item = item.as_str().unwrap().to_owned();
    let html = app
        .get(&format!("/items/{item}"), Some(&staff))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-place=\"off_site\"") && html.contains("data-place=\"on_site\""));
    // Only items past the draft stage are exported: forward it (to the site's lead unit).
    let deadline = (Utc::now() + Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let (s, r, _) = app
        .call(
            "items/act",
            Some(&staff),
            &[
                ("id", &item),
                ("action", "forward"),
                ("deadline", &deadline),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let csv = app
        .get("/items/export.csv", Some(&staff))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.lines().next().unwrap().ends_with("照片核验"), "{csv}");
    let row = csv.lines().nth(1).unwrap();
    assert!(row.contains("2张：在现场拍摄 1、不在现场拍摄 1；"), "{row}");

    // What others see carries none of it: the copies served have no EXIF, and the site's
    // public page names neither the photos nor their facts.
    for h in &hashes {
        app.copies_made(h).await;
        for variant in ["display", "thumb"] {
            let bytes = app
                .get(&format!("/media/{variant}/{h}.jpg"), Some(&staff))
                .await
                .bytes()
                .await
                .unwrap();
            assert!(!bytes.windows(4).any(|w| w == b"Exif"), "{variant}");
        }
    }
    let code: String = sqlx::query_scalar("select public_code from sites where id = $1::uuid")
        .bind(&site)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let public = app
        .get(&format!("/s/{code}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(public.contains(&code));
    for h in &hashes {
        assert!(!public.contains(h.as_str()));
    }
    assert!(!public.contains("data-place") && !public.contains("不在现场拍摄"));
    app.cleanup().await;
}
