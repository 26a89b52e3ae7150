use crate::common::TestApp;

#[tokio::test]
async fn demo_data_reproduces_the_reports_figures_and_reloads_idempotently() {
    let app = TestApp::spawn().await;
    let figures = [
        ("projects", 10),
        ("sub_items", 38),
        ("lead_units", 20),
        ("supervision_groups", 10),
        ("deputies", 168),
        ("districts", 13),
        ("group_units", 20),
    ];
    for (table, n) in figures {
        assert_eq!(app.count(table).await, n, "{table}");
    }
    let sites = app.count("sites").await;
    assert!(sites >= 400, "{sites} sites");
    let districts_with_sites: i64 =
        sqlx::query_scalar("select count(distinct district_id) from sites")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(districts_with_sites, 13);
    let codes_before: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("select id, public_code from sites order by id")
            .fetch_all(&app.pool)
            .await
            .unwrap();

    // Loading again changes nothing: same rows, same printed codes, same accounts.
    server::load_demo(&app::store::Db::new(app.pool.clone()))
        .await
        .unwrap();
    for (table, n) in figures {
        assert_eq!(app.count(table).await, n, "{table} after reload");
    }
    assert_eq!(app.count("users").await, 4);
    let codes_after: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("select id, public_code from sites order by id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(codes_before, codes_after);

    // Greenways are lines, estates polygons, dining points points; the index point is on the site.
    let shapes: Vec<(String, String)> =
        sqlx::query_as("select distinct kind, geometry->>'type' from sites order by 1")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    for (kind, shape) in &shapes {
        let expected = match kind.as_str() {
            "greenway" | "waterway" => "LineString",
            "estate_renovation" | "park" => "Polygon",
            _ => "Point",
        };
        assert_eq!(shape, expected, "{kind}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn nearest_site_query_uses_the_anchor_index() {
    let app = TestApp::spawn().await;
    // Hangzhou centre: the nearest sites come back ordered by the GiST-indexed anchor.
    let near: Vec<(String, f64)> = sqlx::query_as(
        "select name_zh, anchor <-> point(120.16, 30.27) as d from sites
          order by anchor <-> point(120.16, 30.27) limit 5",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(near.len(), 5);
    assert!(near.windows(2).all(|w| w[0].1 <= w[1].1));
    // With 400 rows the planner may prefer a sort; ask whether the index can answer at all.
    let mut conn = app.pool.acquire().await.unwrap();
    sqlx::query("set enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .unwrap();
    let plan: Vec<(String,)> = sqlx::query_as(
        "explain select id from sites order by anchor <-> point(120.16, 30.27) limit 5",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    let text: String = plan.into_iter().map(|r| r.0).collect::<Vec<_>>().join("\n");
    assert!(
        text.contains("sites_anchor"),
        "plan did not use the index:\n{text}"
    );
    app.cleanup().await;
}

/// Counts of the tables the demo year writes, to compare a second load with the first.
async fn year_counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut v = Vec::new();
    for t in [
        "users",
        "observations",
        "photos",
        "list_items",
        "list_item_events",
        "list_item_photos",
        "public_comments",
        "notifications",
        "item_imports",
    ] {
        v.push((t, app.count(t).await));
    }
    v
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test]
async fn demo_year_is_a_year_in_progress_made_through_the_product_and_loads_once() {
    let app = TestApp::spawn().await;
    let media = app.media_dir.to_string_lossy().into_owned();
    let env = [
        ("JIANDU_DEMO_ACTIVITY", "1"),
        ("JIANDU_MEDIA_DIR", media.as_str()),
    ];
    let (ok, _, err) = app.jiandu(&["demo-data"], &env, "");
    assert!(ok, "demo-data with its year failed: {err}");

    // The report's deputy findings, as items made from observations.
    let by_kind = |kind: &'static str| {
        format!(
            "select count(*) from list_items where channel = 'deputy_inspection' and kind = '{kind}'"
        )
    };
    assert_eq!(scalar(&app, &by_kind("problem")).await, 67);
    assert_eq!(scalar(&app, &by_kind("suggestion")).await, 102);
    // Every state, some overdue and some not yet due, some reopened, answers with evidence.
    for status in ["draft", "forwarded", "acknowledged", "answered", "closed"] {
        let n = scalar(
            &app,
            &format!("select count(*) from list_items where status = '{status}'"),
        )
        .await;
        assert!(n > 0, "no {status} item");
    }
    let today = "(now() at time zone 'Asia/Shanghai')::date";
    let overdue = scalar(&app, &format!(
        "select count(*) from list_items where status in ('forwarded', 'acknowledged') and deadline < {today}"
    )).await;
    let due_later = scalar(&app, &format!(
        "select count(*) from list_items where status in ('forwarded', 'acknowledged') and deadline >= {today}"
    )).await;
    assert!(
        overdue > 0 && due_later > 0,
        "{overdue} overdue, {due_later} not yet due"
    );
    assert!(
        scalar(
            &app,
            "select count(*) from list_item_events where action = 'reopen'"
        )
        .await
            > 0
    );
    assert!(
        scalar(
            &app,
            "select count(*) from list_item_events where action = 'rate'"
        )
        .await
            > 0
    );
    assert!(
        app.count("list_item_photos").await > 0,
        "no evidence photos"
    );
    // Nothing happened after the load, nothing before the half year; events in order.
    assert_eq!(
        scalar(&app, "select count(*) from list_item_events where at > now() or at < now() - interval '200 days'").await,
        0
    );
    assert_eq!(
        scalar(&app, "select count(*) from list_items i where created_at > coalesce(answered_at, created_at) or answered_at > coalesce(closed_at, answered_at)").await,
        0
    );
    // The audit office's file, and the public's comments near the report's rates.
    assert!(
        scalar(
            &app,
            "select count(*) from list_items where channel = 'special_audit'"
        )
        .await
            >= 600
    );
    assert_eq!(app.count("item_imports").await, 1);
    let counted = "status <> 'hidden'";
    let all = scalar(
        &app,
        &format!("select count(*) from public_comments where {counted}"),
    )
    .await;
    let support = scalar(
        &app,
        &format!("select count(*) from public_comments where {counted} and support = 'yes'"),
    )
    .await;
    let satisfied = scalar(&app, &format!("select count(*) from public_comments where {counted} and satisfaction in ('satisfied', 'basic')")).await;
    let (support, satisfied) = (support as f64 / all as f64, satisfied as f64 / all as f64);
    assert!((0.955..0.985).contains(&support), "support {support}");
    assert!(
        (0.935..0.965).contains(&satisfied),
        "satisfaction {satisfied}"
    );
    for status in ["pending", "published", "hidden", "problem"] {
        let n = scalar(
            &app,
            &format!("select count(*) from public_comments where status = '{status}'"),
        )
        .await;
        assert!(n > 0, "no {status} comment");
    }
    assert!(
        scalar(
            &app,
            "select count(*) from list_items where channel = 'public_survey'"
        )
        .await
            > 0
    );
    // The review queue has work; the deputies photos; the demo deputy hears about their items.
    assert!(
        scalar(
            &app,
            "select count(*) from observations where status = 'submitted'"
        )
        .await
            > 0
    );
    assert!(
        scalar(
            &app,
            "select count(*) from observations where status = 'dismissed'"
        )
        .await
            > 0
    );
    assert!(app.count("observation_photos").await > 0);
    assert!(scalar(&app, "select count(*) from notifications n join users u on u.id = n.user_id where u.username = 'demo-deputy'").await > 0);
    // Accounts for the whole roster and an officer for every unit.
    assert_eq!(
        scalar(&app, "select count(*) from users where role = 'deputy'").await,
        168
    );
    assert_eq!(
        scalar(
            &app,
            "select count(distinct unit_id) from users where role = 'unit_officer'"
        )
        .await,
        20
    );
    // The dashboard's weekly counter agrees with the observations it counts, over many weeks.
    assert_eq!(
        scalar(
            &app,
            "select coalesce(sum(n), 0)::bigint from observation_weeks"
        )
        .await,
        app.count("observations").await
    );
    assert!(scalar(&app, "select count(*) from observation_weeks").await >= 15);

    // A second load changes nothing.
    let before = year_counts(&app).await;
    let (ok, _, err) = app.jiandu(&["demo-data"], &env, "");
    assert!(ok, "second load failed: {err}");
    assert_eq!(year_counts(&app).await, before);
    app.cleanup().await;
}
