//! The deputy's duty record over real HTTP and the real database: every figure equals a count
//! made straight from the raw tables, the table lists the whole roster (who has not yet taken
//! part too), the export holds every deputy, and each caller reads only what is theirs.

use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::access::deputy_of_another_group;
use crate::closed_loop::{forward, make_item};
use crate::common::TestApp;
use crate::items::{act, observe, officer_of};

/// A deputy's figures counted from the raw tables, each its own query, for the days
/// `from`..=`to` in China.
async fn raw(app: &TestApp, deputy: Uuid, from: &str, to: &str) -> [i64; 9] {
    let window = "o.captured_at >= ($2::date::timestamp - interval '8 hours') at time zone 'UTC'
                  and o.captured_at < ($3::date::timestamp + interval '16 hours') at time zone 'UTC'";
    let mine = "o.deputy_user_id = (select id from users where deputy_id = $1)";
    let count = |sql: String| {
        let pool = app.pool.clone();
        let (from, to) = (from.to_owned(), to.to_owned());
        async move {
            sqlx::query_scalar::<_, i64>(&sql)
                .bind(deputy)
                .bind(from)
                .bind(to)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let of_kind = |k: &str| {
        format!("select count(*) from observations o where {mine} and {window} and o.kind = '{k}'")
    };
    [
        count(format!(
            "select count(distinct o.site_id) from observations o where {mine} and {window}"
        ))
        .await,
        count(of_kind("problem")).await,
        count(of_kind("suggestion")).await,
        count(of_kind("good_practice")).await,
        count(format!(
            "select count(*) from observations o where {mine} and {window}
                and o.status = 'dismissed'"
        ))
        .await,
        count(format!(
            "select count(distinct l.item_id) from list_item_observations l
               join observations o on o.id = l.observation_id where {mine} and {window}"
        ))
        .await,
        count(format!(
            "select count(*) from list_items i where i.status = 'closed' and i.id in
               (select l.item_id from list_item_observations l
                  join observations o on o.id = l.observation_id where {mine} and {window})"
        ))
        .await,
        count(
            "select count(*) from list_item_events o
              where o.actor = (select id from users where deputy_id = $1) and o.action = 'rate'
                and o.at >= ($2::date::timestamp - interval '8 hours') at time zone 'UTC'
                and o.at < ($3::date::timestamp + interval '16 hours') at time zone 'UTC'"
                .to_owned(),
        )
        .await,
        count(format!(
            "select count(distinct x.inspection_id) from (
                select o.inspection_id from inspection_check_ins o
                 where o.deputy_user_id = (select id from users where deputy_id = $1)
                   and o.checked_at >= ($2::date::timestamp - interval '8 hours') at time zone 'UTC'
                   and o.checked_at < ($3::date::timestamp + interval '16 hours') at time zone 'UTC'
                union
                select o.inspection_id from observations o
                 where {mine} and {window} and o.inspection_id is not null) x"
        ))
        .await,
    ]
}

fn figures(f: &Value) -> [i64; 9] {
    [
        "sites",
        "problems",
        "suggestions",
        "good_practice",
        "dismissed",
        "items",
        "items_closed",
        "ratings",
        "inspections",
    ]
    .map(|k| f[k].as_i64().unwrap_or(-1))
}

#[tokio::test]
async fn the_duty_record_counts_what_the_tables_hold_and_shows_each_only_theirs() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let admin = app.login_demo("demo-admin").await;
    let me: Uuid = sqlx::query_scalar("select deputy_id from users where username = 'demo-deputy'")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    // A year's work (captured 2026-10-01): one problem taken to the end of the loop and rated,
    // one dismissed, one still waiting.
    let closed = observe(&app, &deputy, "履职：扶手松动").await;
    let dropped = observe(&app, &deputy, "履职：风景不错").await;
    observe(&app, &deputy, "履职：还在等").await;
    let item = make_item(&app, &staff, closed).await;
    let unit = forward(&app, &staff, &item).await;
    let officer = officer_of(&app, &admin, unit, "duty-officer").await;
    let (s, _, _) = app
        .call("items/act", Some(&officer), &act(&item, "acknowledge"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut answer = act(&item, "answer");
    answer.push(("text", "已加固扶手"));
    let (s, _, _) = app.call("items/act", Some(&officer), &answer).await;
    assert_eq!(s, StatusCode::OK);
    let mut rate = act(&item, "rate");
    rate.push(("rating", "satisfied"));
    let (s, _, _) = app.call("items/act", Some(&deputy), &rate).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = app
        .call("items/act", Some(&staff), &act(&item, "verify"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, body, _) = app
        .call(
            "review/dismiss",
            Some(&staff),
            &[
                ("observation", &dropped.to_string()),
                ("reason", "属于表扬"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");

    // The deputy's own record for 2026 is the tables' counts, and holds this work.
    let year = [("from", "2026-01-01"), ("to", "2026-12-31")];
    let (s, record, _) = app.call("duty/record", Some(&deputy), &year).await;
    assert_eq!(s, StatusCode::OK, "{record}");
    let got = figures(&record["deputy"]["figures"]);
    assert_eq!(got, raw(&app, me, "2026-01-01", "2026-12-31").await);
    assert!(
        got[1] >= 3 && got[4] >= 1 && got[5] >= 1 && got[6] >= 1 && got[7] >= 1,
        "{got:?}"
    );
    assert_eq!(record["deputy"]["deputy_id"], me.to_string());
    let listed = record["observations"]["rows"].as_array().unwrap();
    let item_row = listed
        .iter()
        .find(|o| o["id"] == closed.to_string())
        .expect("the closed observation is listed");
    assert_eq!(item_row["item_status"], "closed");
    assert_eq!(
        record["observations"]["total"].as_i64(),
        Some(got[1] + got[2] + got[3])
    );
    // Another year holds none of it, and still equals the tables.
    let (_, before, _) = app
        .call(
            "duty/record",
            Some(&deputy),
            &[("from", "2025-01-01"), ("to", "2025-12-31")],
        )
        .await;
    assert_eq!(
        figures(&before["deputy"]["figures"]),
        raw(&app, me, "2025-01-01", "2025-12-31").await
    );

    // Staff read the same record by naming the deputy.
    let me_s = me.to_string();
    let (s, by_staff, _) = app
        .call(
            "duty/record",
            Some(&staff),
            &[("deputy", &me_s), year[0], year[1]],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(by_staff["deputy"], record["deputy"]);

    // The table: every deputy of the roster, a page at a time, with sums over all of them.
    let roster: i64 = sqlx::query_scalar("select count(*) from deputies")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (s, table, _) = app.call("duty/table", Some(&staff), &year).await;
    assert_eq!(s, StatusCode::OK, "{table}");
    assert_eq!(table["list"]["total"].as_i64(), Some(roster));
    assert!(table["list"]["rows"].as_array().unwrap().len() as i64 == roster.min(50));
    let problems_of_deputies: i64 = sqlx::query_scalar(
        "select count(*) from observations o join users u on u.id = o.deputy_user_id
          where u.deputy_id is not null and o.kind = 'problem'
            and o.captured_at >= '2025-12-31T16:00:00Z' and o.captured_at < '2026-12-31T16:00:00Z'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        table["sums"]["problems"].as_i64(),
        Some(problems_of_deputies)
    );
    // Nobody matches: no rows, a total of nothing, sums of nothing.
    let mut nobody = year.to_vec();
    nobody.push(("name", "没有这个人"));
    let (_, none, _) = app.call("duty/table", Some(&staff), &nobody).await;
    assert_eq!(none["list"]["total"], 0);
    assert_eq!(none["list"]["rows"].as_array().map(Vec::len), Some(0));
    assert_eq!(figures(&none["sums"]), [0; 9]);
    // A page past the end: no rows, the same total and sums.
    let mut far = year.to_vec();
    far.push(("page", "1000"));
    let (s, beyond, _) = app.call("duty/table", Some(&staff), &far).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(beyond["list"]["rows"].as_array().map(Vec::len), Some(0));
    assert_eq!(beyond["list"]["total"], table["list"]["total"]);
    assert_eq!(beyond["sums"], table["sums"]);

    // Who has not yet taken part: the roster minus those who observed or rated in the period.
    let took_part: i64 = sqlx::query_scalar(
        "select count(*) from deputies d where exists (
             select 1 from users u where u.deputy_id = d.id and (
                 exists (select 1 from observations o where o.deputy_user_id = u.id
                          and o.captured_at >= '2025-12-31T16:00:00Z'
                          and o.captured_at < '2026-12-31T16:00:00Z')
              or exists (select 1 from list_item_events e where e.actor = u.id
                          and e.action = 'rate' and e.at >= '2025-12-31T16:00:00Z'
                          and e.at < '2026-12-31T16:00:00Z')))",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut not_yet = year.to_vec();
    not_yet.push(("who", "not_yet"));
    let (_, quiet, _) = app.call("duty/table", Some(&staff), &not_yet).await;
    assert_eq!(quiet["list"]["total"].as_i64(), Some(roster - took_part));
    assert!(quiet["list"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["deputy_id"] != me_s
            && r["figures"]["problems"] == 0
            && r["figures"]["ratings"] == 0));
    let mut active = year.to_vec();
    active.push(("who", "took_part"));
    active.push(("page", "0"));
    let (_, busy, _) = app.call("duty/table", Some(&staff), &active).await;
    assert_eq!(busy["list"]["total"].as_i64(), Some(took_part));
    let name: String = sqlx::query_scalar("select name_zh from deputies where id = $1")
        .bind(me)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let mut by_name = year.to_vec();
    by_name.push(("name", &name));
    let (_, found, _) = app.call("duty/table", Some(&staff), &by_name).await;
    assert!(found["list"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["deputy_id"] == me_s));

    // The export: the whole roster, the deputy's row as the record says.
    let res = app
        .http
        .get(format!(
            "{}{}?from=2026-01-01&to=2026-12-31",
            app.base,
            app::duty::EXPORT_URL
        ))
        .header("cookie", &staff)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    {
        use calamine::{open_workbook_from_rs, Reader, Xlsx};
        let mut book: Xlsx<_> =
            open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("opens");
        let range = book.worksheet_range("代表履职情况").expect("the sheet");
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(
            rows.len() as i64,
            roster + 2,
            "the period, the header, every deputy"
        );
        assert_eq!(rows[1][1], "姓名");
        let mine = rows
            .iter()
            .find(|r| r[1] == name)
            .expect("the deputy's row");
        assert_eq!(mine[7], got[1].to_string(), "problems");
        assert_eq!(mine[13], got[7].to_string(), "ratings");
    }

    // Each only theirs: another deputy, an officer, nobody; and bad periods say which field.
    let other = deputy_of_another_group(&app, &admin, "duty-deputy-2").await;
    let (s, _, _) = app
        .call("duty/record", Some(&other), &[("deputy", &me_s)])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = app.call("duty/table", Some(&deputy), &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = app.call("duty/record", Some(&officer), &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = app.call("duty/record", None, &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, body, _) = app
        .call(
            "duty/record",
            Some(&deputy),
            &[("from", "2026-05-02"), ("to", "2026-05-01")],
        )
        .await;
    assert_eq!(
        (s, body["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("duty_from"))
    );
    let (s, body, _) = app.call("duty/record", Some(&staff), &[]).await;
    assert_eq!(
        (s, body["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("duty_deputy"))
    );
    let (s, body, _) = app
        .call("duty/table", Some(&staff), &[("who", "everyone")])
        .await;
    assert_eq!(
        (s, body["details"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("duty_who"))
    );
    let res = app
        .http
        .get(format!("{}{}", app.base, app::duty::EXPORT_URL))
        .header("cookie", &deputy)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    app.cleanup().await;
}
