//! The public plan over real HTTP: open to anyone with no wasm, every sub-item of the year with
//! its latest reported figure and the public's rates (equal to a count from the raw comments),
//! each sub-item's sites paged with their total and linked to their pages, light on the wire,
//! kept in the page cache and emptied by a new report.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::common::TestApp;

/// The page as a reader sees its text: without the markers Leptos puts between a view's parts.
async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = app.get(path, None).await;
    (res.status(), res.text().await.unwrap().replace("<!>", ""))
}

#[tokio::test]
async fn the_public_plan_shows_every_sub_item_with_its_latest_figure_and_rates() {
    let app = TestApp::spawn().await;
    let year: i32 = sqlx::query_scalar("select max(year) from projects")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let in_year: Vec<(Uuid, i32, i32, i64)> = sqlx::query_as(
        "select s.id, p.number, s.number,
                (select count(*) from sites t where t.sub_item_id = s.id)
           from sub_items s join projects p on p.id = s.project_id
          where p.year = $1 order by p.number, s.number",
    )
    .bind(year)
    .fetch_all(&app.pool)
    .await
    .unwrap();

    let (s, plan) = page(&app, "/plan").await;
    assert_eq!(s, StatusCode::OK);
    let (s, by_year) = page(&app, &format!("/plan/{year}")).await;
    assert_eq!(s, StatusCode::OK);
    for body in [&plan, &by_year] {
        assert!(
            body.contains(&format!("{year} 民生实事项目计划")),
            "the year's title"
        );
        assert!(
            !body.contains(".wasm") && !body.contains("type=\"module\""),
            "no wasm on the plan: {body}"
        );
        // Every sub-item of the year, each once, with a link to its sites.
        for (id, p, n, _) in &in_year {
            assert_eq!(
                body.matches(&format!("data-id=\"{id}\"")).count(),
                1,
                "{p}-{n}"
            );
            assert!(body.contains(&format!("href=\"/plan/{year}/{p}-{n}\"")));
        }
    }
    // The rates are the raw comments counted as on the site pages.
    let (sub, p, n, _) = in_year[0];
    let counted: i64 = sqlx::query_scalar(
        "select count(*) from public_comments c join sites t on t.id = c.site_id
          where t.sub_item_id = $1 and c.status in ('published', 'problem') and c.rating_counts",
    )
    .bind(sub)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let item = plan
        .split(&format!("id=\"sub-{p}-{n}\""))
        .nth(1)
        .and_then(|rest| rest.split("</li>").next())
        .unwrap();
    assert!(
        item.contains(&format!("{counted} 条评价")),
        "{counted}: {item}"
    );
    assert!(item.contains("尚未报送进度"));

    // Light on the wire: what a phone receives when it takes brotli.
    let wire = app
        .http
        .get(format!("{}/plan/{year}", app.base))
        .header("accept", "text/html")
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(
        wire.headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("br")
    );
    let bytes = wire.bytes().await.unwrap().len();
    assert!(
        bytes <= 25 * 1024,
        "the plan page is {bytes} bytes on the wire"
    );

    // A report through the server changes the figure at once, though the page was kept.
    let officer = app.login_demo("demo-officer").await;
    let (own, target): (Uuid, i32) = sqlx::query_as(
        "select s.id, s.target_quantity from sub_items s
           join projects p on p.id = s.project_id
          where s.lead_unit_id = (select unit_id from users where username = 'demo-officer')
            and p.year = $1
          order by p.number, s.number limit 1",
    )
    .bind(year)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    // Kept: a figure written behind the server's back (no report through it, so nothing empties
    // the cache) is not on the page yet.
    let before = page(&app, &format!("/plan/{year}")).await.1;
    sqlx::query(
        "insert into progress_reports (id, sub_item_id, quantity_done, paid_government_yuan,
             paid_residents_yuan, paid_social_yuan, author)
         select $1, $2, 1, 0, 0, 0, id from users where username = 'demo-officer'",
    )
    .bind(Uuid::now_v7())
    .bind(own)
    .execute(&app.pool)
    .await
    .unwrap();
    let (_, kept) = page(&app, &format!("/plan/{year}")).await;
    assert!(
        !kept.contains("<b class=\"done\">1</b>"),
        "served from the cache"
    );
    assert_eq!(kept.len(), before.len());
    let done = (target / 3).max(2);
    let done_text = done.to_string();
    let fields = [
        ("quantity_done", done_text.as_str()),
        ("paid_government", "12"),
    ];
    let (s, _, body) =
        crate::progress::report(&app, Some(&officer), own, &fields, vec![], false).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (_, after) = page(&app, &format!("/plan/{year}")).await;
    let item = after
        .split(&format!("data-id=\"{own}\""))
        .nth(1)
        .and_then(|rest| rest.split("</li>").next())
        .unwrap();
    assert!(
        item.contains(&format!("<b class=\"done\">{done}</b>")),
        "the new figure: {item}"
    );
    // The site pages of the sub-item say it too.
    let code: String = sqlx::query_scalar(
        "select public_code from sites where sub_item_id = $1 order by public_code limit 1",
    )
    .bind(own)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let (_, site) = page(&app, &format!("/s/{code}")).await;
    let line = site
        .split("id=\"site-progress\"")
        .nth(1)
        .and_then(|rest| rest.split("</dd>").next())
        .unwrap();
    assert!(line.contains(&format!("{done} / {target}")), "{line}");

    // A sub-item's sites: each links to its page, paged with the total.
    let (sub, p, n, sites) = *in_year.iter().max_by_key(|r| r.3).unwrap();
    let (s, list) = page(&app, &format!("/plan/{year}/{p}-{n}")).await;
    assert_eq!(s, StatusCode::OK);
    let codes: Vec<String> = sqlx::query_scalar(
        "select public_code from sites where sub_item_id = $1 order by active desc, code nulls last, name_zh, id",
    )
    .bind(sub)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(codes.len() as i64, sites);
    let shown = codes.len().min(100);
    for code in &codes[..shown] {
        assert!(list.contains(&format!("href=\"/s/{code}\"")), "{code}");
    }
    assert!(list.contains(&format!("data-total=\"{sites}\"")));
    if codes.len() > 100 {
        let (_, next) = page(&app, &format!("/plan/{year}/{p}-{n}?page=1")).await;
        assert!(next.contains(&format!("href=\"/s/{}\"", codes[100])));
    }

    // Addresses that are no plan.
    for path in [
        "/plan/1999".to_owned(),
        "/plan/abc".to_owned(),
        format!("/plan/{year}/99-99"),
        format!("/plan/{year}/x"),
    ] {
        let (s, _) = page(&app, &path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn an_empty_installation_says_no_plan_is_published() {
    let app = TestApp::spawn_with(false).await;
    let (s, body) = page(&app, "/plan").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("id=\"plan-empty\""), "{body}");
    app.cleanup().await;
}

/// Kept pages are free; whatever makes the server render or query for nobody in particular (the
/// public server functions, pages outside the cache's shapes) is limited per client, and says
/// how long to wait. Another client, and anyone signed in, are not held up by it.
#[tokio::test]
async fn anonymous_reads_that_miss_the_cache_are_limited_per_client() {
    let limits = server::public::CommentLimits {
        read_burst: 3,
        read_interval: std::time::Duration::from_secs(3600),
        trusted_proxies: vec![std::net::Ipv4Addr::LOCALHOST.into()],
        ..Default::default()
    };
    let app = TestApp::spawn_full(true, limits).await;
    let year: i32 = sqlx::query_scalar("select max(year) from projects")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let plan = format!("/plan/{year}");
    // The first read renders and keeps the page (one of three); the next ones are the kept page.
    for _ in 0..10 {
        assert_eq!(page(&app, &plan).await.0, StatusCode::OK);
    }
    let (s, _, _) = app.call("public/plan", None, &[]).await;
    assert_eq!(s, StatusCode::OK);
    // A query string the cache does not keep renders every time.
    assert_eq!(page(&app, &format!("{plan}?x=1")).await.0, StatusCode::OK);
    let (s, body, headers) = app.call("public/plan", None, &[]).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait > 60, "the wait is the interval's: {wait}");
    assert!(body.to_string().contains("请") && body.to_string().contains("seconds"));
    let (s, _) = page(&app, "/plan?lang=xx").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    // The kept page is still served to the same client.
    assert_eq!(page(&app, &plan).await.0, StatusCode::OK);
    // Another client behind the trusted proxy has its own allowance.
    let res = app
        .http
        .post(format!("{}/api/public/plan", app.base))
        .header("x-forwarded-for", "203.0.113.9")
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Staff signed in from the limited address read on.
    let staff = app.login_demo("demo-staff").await;
    let (s, _, _) = app.call("public/plan", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::OK);
    app.cleanup().await;
}
