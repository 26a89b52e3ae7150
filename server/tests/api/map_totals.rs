//! The staff map's clusters against the review queue's list, over real HTTP, on a generated set
//! of observations: for every filter the list offers, the clusters in view add up to the rows
//! the list pages through.

use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::common::TestApp;

/// Spreads `n` observations over the demo sites with every kind, verdict and status and
/// received times across sixty days.
async fn generate(app: &TestApp, n: i32) {
    sqlx::query(
        "with s as (select array_agg(id order by id) as ids from sites),
              d as (select id from users where username = 'demo-deputy')
         insert into observations (id, deputy_user_id, site_id, kind, note, captured_at, lat, lon,
                                   accuracy_m, position_source, distance_m, verdict, status,
                                   fingerprint, received_at, updated_at, dismiss_reason)
         select gen_random_uuid(), d.id, s.ids[1 + (g * 7919) % cardinality(s.ids)],
                (array['problem', 'suggestion', 'good_practice'])[1 + g % 3],
                '生成的记录 ' || g, now() - make_interval(hours => g % 1440),
                null, null, null, null, null,
                (array['on_site', 'near', 'off_site', 'unknown'])[1 + (g / 3) % 4],
                (array['submitted', 'submitted', 'triaged', 'dismissed'])[1 + (g / 5) % 4],
                md5(g::text), now() - make_interval(hours => g % 1440), now(),
                case when (g / 5) % 4 = 3 then '重复' end
           from generate_series(1, $1) g, s, d",
    )
    .bind(n)
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn first_id(app: &TestApp, sql: &str) -> String {
    let id: Uuid = sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap();
    id.to_string()
}

/// Every row the review queue lists for `filter`, following its "next page" to the end.
async fn listed(app: &TestApp, staff: &str, filter: &[(&str, String)]) -> usize {
    let mut total = 0;
    let mut next: Option<(String, String)> = None;
    loop {
        let mut form: Vec<(&str, &str)> = filter.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if let Some((at, id)) = &next {
            form.push(("before_at", at));
            form.push(("before_id", id));
        }
        let (s, page, _) = app.call("review/queue", Some(staff), &form).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        total += page["rows"].as_array().unwrap().len();
        match &page["next"] {
            Value::Array(p) => {
                next = Some((
                    p[0].as_str().unwrap().to_owned(),
                    p[1].as_str().unwrap().to_owned(),
                ))
            }
            _ => return total,
        }
    }
}

/// The sum of the clusters over all of China at `zoom` for `filter`.
async fn on_map(app: &TestApp, staff: &str, zoom: &str, filter: &[(&str, String)]) -> i64 {
    let mut form: Vec<(&str, &str)> = vec![
        ("layer", "observations"),
        ("west", "73"),
        ("south", "3"),
        ("east", "136"),
        ("north", "54"),
        ("zoom", zoom),
    ];
    form.extend(filter.iter().map(|(k, v)| (*k, v.as_str())));
    let (s, clusters, _) = app.call("map/points", Some(staff), &form).await;
    assert_eq!(s, StatusCode::OK, "{clusters}");
    clusters
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["n"].as_i64().unwrap())
        .sum()
}

#[tokio::test]
async fn cluster_totals_equal_list_totals_for_every_filter() {
    let app = TestApp::spawn().await;
    generate(&app, 1500).await;
    let staff = app.login_demo("demo-staff").await;
    let project = first_id(
        &app,
        "select s.project_id from sub_items s join sites t on t.sub_item_id = s.id
          group by 1 order by count(*) desc limit 1",
    )
    .await;
    let sub_item = first_id(
        &app,
        "select sub_item_id from sites group by 1 order by count(*) desc limit 1",
    )
    .await;
    let unit = first_id(
        &app,
        "select s.lead_unit_id from sub_items s join sites t on t.sub_item_id = s.id
          group by 1 order by count(*) desc limit 1",
    )
    .await;
    let group = first_id(&app, "select group_id from group_units limit 1").await;
    let district = first_id(
        &app,
        "select district_id from sites group by 1 order by count(*) desc limit 1",
    )
    .await;
    let day = |d: i64| {
        (chrono::Utc::now() + chrono::Duration::hours(8) - chrono::Duration::days(d))
            .date_naive()
            .to_string()
    };
    let s = |k: &'static str, v: &str| (k, v.to_owned());
    let filters: Vec<Vec<(&str, String)>> = vec![
        vec![s("status", "submitted")],
        vec![s("status", "submitted"), s("kind", "problem")],
        vec![s("status", "submitted"), s("verdict", "on_site")],
        vec![s("status", "triaged"), s("project", &project)],
        vec![s("status", "submitted"), s("unit", &unit)],
        vec![s("status", "submitted"), s("group", &group)],
        vec![s("status", "submitted"), s("district", &district)],
        vec![
            s("status", "submitted"),
            s("since", &day(40)),
            s("until", &day(10)),
        ],
        vec![
            s("status", "dismissed"),
            s("verdict", "near"),
            s("kind", "suggestion"),
        ],
        vec![
            s("status", "submitted"),
            s("sub_item", &sub_item),
            s("kind", "good_practice"),
        ],
    ];
    // The same filters written as SQL on their own, so that a filter the list and the map both
    // dropped (they share its parsing) is still caught: each count is also the tables' count.
    let from_day = |d: i64| {
        format!(
            "('{}'::date::timestamp at time zone 'Asia/Shanghai')",
            day(d)
        )
    };
    let wheres: Vec<String> = vec![
        "o.status = 'submitted'".into(),
        "o.status = 'submitted' and o.kind = 'problem'".into(),
        "o.status = 'submitted' and o.verdict = 'on_site'".into(),
        format!("o.status = 'triaged' and s.project_id = '{project}'"),
        format!("o.status = 'submitted' and s.lead_unit_id = '{unit}'"),
        format!(
            "o.status = 'submitted' and s.lead_unit_id in
               (select unit_id from group_units where group_id = '{group}')"
        ),
        format!("o.status = 'submitted' and t.district_id = '{district}'"),
        format!(
            "o.status = 'submitted' and o.received_at >= {} and o.received_at < ('{}'::date + 1)::timestamp at time zone 'Asia/Shanghai'",
            from_day(40),
            day(10)
        ),
        "o.status = 'dismissed' and o.verdict = 'near' and o.kind = 'suggestion'".into(),
        format!("o.status = 'submitted' and s.id = '{sub_item}' and o.kind = 'good_practice'"),
    ];
    assert_eq!(wheres.len(), filters.len());
    let mut seen_nonzero = 0;
    for (f, w) in filters.iter().zip(&wheres) {
        let list = listed(&app, &staff, f).await as i64;
        let counted: i64 = sqlx::query_scalar(&format!(
            "select count(*) from observations o join sites t on t.id = o.site_id
               join sub_items s on s.id = t.sub_item_id where {w}"
        ))
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(list, counted, "{f:?}: the list against the tables");
        // A second condition narrows what the status alone lists.
        if f.len() > 1 {
            let status_only: i64 =
                sqlx::query_scalar("select count(*) from observations where status = $1")
                    .bind(&f[0].1)
                    .fetch_one(&app.pool)
                    .await
                    .unwrap();
            assert!(
                list < status_only,
                "{f:?} does not narrow: {list} of {status_only}"
            );
        }
        for zoom in ["4", "12"] {
            assert_eq!(
                on_map(&app, &staff, zoom, f).await,
                list,
                "{f:?} at zoom {zoom}"
            );
        }
        if list > 0 {
            seen_nonzero += 1;
        }
    }
    // The filters really narrow: they are not all empty, and not all the same.
    assert!(seen_nonzero >= 8, "{seen_nonzero}");
    let all = listed(&app, &staff, &filters[0]).await;
    let problems = listed(&app, &staff, &filters[1]).await;
    assert!(problems > 0 && problems < all);
    // A bad filter is refused, as the list refuses it.
    let (st, _, _) = app
        .call(
            "map/points",
            Some(&staff),
            &[
                ("layer", "observations"),
                ("west", "73"),
                ("south", "3"),
                ("east", "136"),
                ("north", "54"),
                ("zoom", "4"),
                ("kind", "rumour"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    app.cleanup().await;
}
