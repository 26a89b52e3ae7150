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
