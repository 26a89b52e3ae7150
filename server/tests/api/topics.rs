//! Hot topics over real HTTP and the real database, on an installation loaded through the
//! product: a 12345 export with a bad row stores nothing and says which rows; a good one is
//! stored once (an overlapping export skips what it holds); comments and calls are cut into
//! words and grouped, and every topic lists exactly the texts it counts; stop words, synonyms and
//! hidden comments change the counts; a topic becomes a draft item.

use reqwest::{multipart, StatusCode};
use serde_json::Value;

use crate::common::TestApp;
use crate::registry::{first_admin, sites_csv, upload, PLAN};

fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// Monday of this week in China, and a day of last week.
fn this_and_last_week() -> (chrono::NaiveDate, chrono::NaiveDate) {
    let monday = app::domain::topics::week_of(today());
    (monday, monday - chrono::Days::new(3))
}

pub async fn hotline(
    app: &TestApp,
    cookie: Option<&str>,
    name: &str,
    body: &str,
) -> (StatusCode, Value) {
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(body.as_bytes().to_vec()).file_name(name.to_owned()),
    );
    let mut req = app
        .http
        .post(format!("{}{}", app.base, app::topics::HOTLINE_URL))
        .header("accept", "application/json")
        .header("sec-fetch-site", "same-origin")
        .multipart(form);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let res = req.send().await.expect("upload");
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A topic this week at the site `code` (two comments share a word): its word.
pub async fn a_topic(app: &TestApp, staff: &str, code: &str) -> String {
    for body in ["话题矩阵：路灯，晚上太黑", "话题矩阵：路灯，一直不亮"] {
        crate::receipts::comment(app, code, body, &uuid::Uuid::now_v7().to_string()).await;
    }
    let (s, week, _) = app.call("topics/week", Some(staff), &[]).await;
    assert_eq!(s, StatusCode::OK, "{week}");
    week["topics"][0]["term"]
        .as_str()
        .expect("a topic this week")
        .to_owned()
}

async fn week(app: &TestApp, cookie: &str, fields: &[(&str, &str)]) -> Value {
    let (s, v, _) = app.call("topics/week", Some(cookie), fields).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

fn topic<'a>(week: &'a Value, term: &str) -> Option<&'a Value> {
    week["topics"]
        .as_array()
        .expect("topics")
        .iter()
        .find(|t| t["term"] == term)
}

/// Every text a topic lists, page after page, as (id, body).
async fn texts_of(
    app: &TestApp,
    cookie: &str,
    term: &str,
    extra: &[(&str, &str)],
) -> Vec<(i64, String)> {
    let mut all = Vec::new();
    for page in 0.. {
        let p = page.to_string();
        let mut form = vec![("term", term), ("page", p.as_str())];
        form.extend_from_slice(extra);
        let (s, v, _) = app.call("topics/texts", Some(cookie), &form).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let rows = v["texts"]["rows"].as_array().expect("rows");
        all.extend(rows.iter().map(|r| {
            (
                r["id"].as_i64().unwrap(),
                r["body"].as_str().unwrap().to_owned(),
            )
        }));
        let total = v["texts"]["total"].as_u64().unwrap();
        if page + 1 >= total.div_ceil(50).max(1) {
            assert_eq!(all.len() as u64, total);
            break;
        }
    }
    all
}

#[tokio::test]
async fn hot_topics_list_the_texts_they_count_and_a_12345_file_with_a_bad_row_stores_nothing() {
    let app = TestApp::spawn_full(
        false,
        server::public::CommentLimits {
            burst: 1000,
            ..Default::default()
        },
    )
    .await;
    let admin = first_admin(&app).await;
    for (kind, name, body) in [
        ("plan", "计划.csv", PLAN.to_owned()),
        ("sites", "点位.csv", sites_csv()),
    ] {
        let (s, out) = upload(&app, Some(&admin), kind, name, &body, "2026", false).await;
        assert_eq!(s, StatusCode::OK, "{kind}: {out}");
    }
    let (this_week, last_week) = this_and_last_week();

    // Nothing yet: no topic, and the page says so rather than failing.
    let empty = week(&app, &admin, &[]).await;
    assert_eq!(
        (
            empty["texts"].as_u64(),
            empty["topics"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );

    // A file with bad rows: every one named, nothing stored.
    let bad = format!(
        "工单编号,受理日期,区县,诉求类别,诉求内容\nA1,{this_week},拱墅区,交通,停车，小区门口没地方\nA2,明天,拱墅区,交通,车位，晚上找不到\nA3,{this_week},不存在区,环境,路灯，不亮\n"
    );
    let (s, out) = hotline(&app, None, "12345.csv", &bad).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{out}");
    // As the findings import answers a client: 200 with the report (a plain form's page: 422).
    let (s, out) = hotline(&app, Some(&admin), "12345.csv", &bad).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let rows: Vec<(u64, &str)> = out["Refused"]["errors"]
        .as_array()
        .expect("a report")
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["problem"]["problem"].as_str().unwrap(),
            )
        })
        .collect();
    // The date is read in the file; the district only once the file reads (all rows at once).
    assert_eq!(rows, vec![(3, "bad_date")]);
    let bad_district = bad.replace(",明天,", &format!(",{this_week},"));
    let (s, out) = hotline(&app, Some(&admin), "12345.csv", &bad_district).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(out["Refused"]["errors"][0]["row"], 4);
    assert_eq!(
        out["Refused"]["errors"][0]["problem"]["problem"],
        "unknown_district"
    );
    assert_eq!(
        (
            app.count("hotline_records").await,
            app.count("hotline_imports").await
        ),
        (0, 0)
    );

    // A good export: parking (with its synonyms) three times this week and once last week,
    // street lights twice, one call on its own, one with no district.
    let good = format!(
        "工单编号,受理日期,区县,诉求类别,诉求内容
B1,{this_week},拱墅区,交通,停车，小区门口没地方
B2,{this_week},拱墅区,交通,车位，晚上找不到
B3,{this_week},上城区,交通,停车位，收费太贵
B4,{last_week},拱墅区,交通,停车，老问题
B5,{this_week},拱墅区,市政,路灯，晚上不亮
B6,{this_week},上城区,市政,路灯，坏了很久
B7,{this_week},,其他,噪音，工地夜间施工
"
    );
    let (s, out) = hotline(&app, Some(&admin), "12345-12月.csv", &good).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(
        (
            out["Imported"]["rows"].as_u64(),
            out["Imported"]["skipped"].as_u64()
        ),
        (Some(7), Some(0))
    );
    // The same export again (weekly exports overlap): nothing new, each call said skipped.
    let (s, out) = hotline(&app, Some(&admin), "12345-12月.csv", &good).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(
        (
            out["Imported"]["rows"].as_u64(),
            out["Imported"]["skipped"].as_u64()
        ),
        (Some(0), Some(7))
    );
    assert_eq!(app.count("hotline_records").await, 7);
    let (s, history, _) = app.call("topics/hotline-imports", Some(&admin), &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (history["total"].as_i64(), history["calls"].as_i64()),
        (Some(2), Some(7))
    );

    // A passer-by writes about parking at a site in 拱墅区.
    let code: String = sqlx::query_scalar(
        "select s.public_code from sites s join districts d on d.id = s.district_id
          where d.name_zh = '拱墅区' order by s.public_code limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .expect("a site in 拱墅区");
    crate::receipts::comment(
        &app,
        &code,
        "停车，电梯装好后更挤了",
        &uuid::Uuid::now_v7().to_string(),
    )
    .await;

    let v = week(&app, &admin, &[]).await;
    assert_eq!(v["week"], this_week.to_string());
    // This week: six calls and the comment.
    assert_eq!(v["texts"], 7);
    let parking = topic(&v, "停车").expect("parking is a topic");
    assert_eq!(parking["texts"], 4, "{v}");
    let trend: Vec<u64> = parking["trend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    assert_eq!(trend.len(), app::domain::topics::TREND_WEEKS);
    assert_eq!(&trend[trend.len() - 2..], &[1, 4]);
    assert_eq!(topic(&v, "路灯").expect("lights")["texts"], 2);
    // Each topic lists exactly the texts it counts, and they add up with those in none.
    let mut grouped = 0;
    for t in v["topics"].as_array().unwrap() {
        let term = t["term"].as_str().unwrap();
        let listed = texts_of(&app, &admin, term, &[]).await;
        assert_eq!(listed.len() as u64, t["texts"].as_u64().unwrap(), "{term}");
        grouped += listed.len() as u64;
    }
    assert_eq!(v["more_topics"], 0);
    assert_eq!(
        grouped + v["in_no_topic"].as_u64().unwrap() + v["in_more_topics"].as_u64().unwrap(),
        v["texts"].as_u64().unwrap()
    );
    let parking_texts = texts_of(&app, &admin, "停车", &[]).await;
    for (_, body) in &parking_texts {
        assert!(
            ["停车", "车位", "停车位"].iter().any(|w| body.contains(w)),
            "{body}"
        );
    }
    assert!(parking_texts.iter().any(|(_, b)| b.contains("电梯装好后")));
    let sources: Vec<(String, u64)> = v["by_source"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_owned(), p[1].as_u64().unwrap()))
        .collect();
    assert!(
        sources.contains(&("hotline".to_owned(), 6))
            && sources.contains(&("comment".to_owned(), 1)),
        "{sources:?}"
    );

    // One district: 上城区 has one parking call and one lights call, no topic of two.
    let shangcheng: String =
        sqlx::query_scalar("select id::text from districts where name_zh = '上城区'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let v = week(&app, &admin, &[("district", &shangcheng)]).await;
    assert_eq!(
        (v["texts"].as_u64(), v["in_no_topic"].as_u64()),
        (Some(2), Some(2))
    );
    // Last week, city-wide: one text, no topic; a topic of another week is not found.
    let v = week(&app, &admin, &[("week", &last_week.to_string())]).await;
    assert_eq!(v["texts"], 1);
    let (s, _, _) = app
        .call(
            "topics/texts",
            Some(&admin),
            &[("term", "停车"), ("week", &last_week.to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A comment staff hide is not counted.
    let comment: String = sqlx::query_scalar("select id::text from public_comments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (s, out, _) = app
        .call(
            "staff/moderate",
            Some(&admin),
            &[
                ("id", &comment),
                ("action", "hide"),
                ("reason", "测试"),
                ("category", "other"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let v = week(&app, &admin, &[]).await;
    assert_eq!(
        (
            v["texts"].as_u64(),
            topic(&v, "停车").map(|t| t["texts"].clone())
        ),
        (Some(6), Some(Value::from(3)))
    );

    // Word lists: a synonym on two lines is refused by line and nothing changes; parking as a
    // stop word ends its topic (晚上, "evening", too: two calls share it, and a shared word
    // groups its texts before the word after it, 路灯, could).
    let (s, before, _) = app.call("topics/words", Some(&admin), &[]).await;
    assert_eq!(s, StatusCode::OK);
    let (s, out, _) = app
        .call(
            "topics/save-words",
            Some(&admin),
            &[("stop_words", "的"), ("synonyms", "停车 车位\n车位 泊位")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    assert!(out.to_string().contains("第 2 行"), "{out}");
    let (_, after, _) = app.call("topics/words", Some(&admin), &[]).await;
    assert_eq!(before["synonyms"], after["synonyms"]);
    let (s, out, _) = app
        .call(
            "topics/save-words",
            Some(&admin),
            &[("stop_words", "停车 晚上"), ("synonyms", "路灯 照明")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let v = week(&app, &admin, &[]).await;
    assert!(topic(&v, "停车").is_none(), "{v}");
    assert_eq!(topic(&v, "路灯").expect("lights")["texts"], 2);
    let (s, out, _) = app
        .call(
            "topics/save-words",
            Some(&admin),
            &[
                ("stop_words", ""),
                ("synonyms", before["synonyms"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{out}");

    // The topic becomes a draft item: an unknown site is refused and stores nothing; a site
    // stores one draft of the public survey channel.
    let items = app.count("list_items").await;
    let (s, out, _) = app
        .call(
            "topics/draft-item",
            Some(&admin),
            &[
                ("term", "停车"),
                ("week", &this_week.to_string()),
                ("site", "ZZZZZZZ"),
                ("kind", "problem"),
                ("description", "停车难"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    assert_eq!(app.count("list_items").await, items);
    let (s, texts, _) = app
        .call("topics/texts", Some(&admin), &[("term", "停车")])
        .await;
    assert_eq!(s, StatusCode::OK);
    let draft = texts["draft"].as_str().expect("a draft").to_owned();
    assert!(draft.starts_with("热点话题“停车”"), "{draft}");
    assert!(draft.contains("12345 热线 3 条"), "{draft}");
    let form_id = texts["form_id"].as_str().expect("the form's id").to_owned();
    let week = this_week.to_string();
    let send = |form_id: String| {
        let (app, admin, week, code, draft) = (&app, &admin, &week, &code, &draft);
        async move {
            app.call(
                "topics/draft-item",
                Some(admin),
                &[
                    ("term", "停车"),
                    ("week", week.as_str()),
                    ("site", code.as_str()),
                    ("kind", "problem"),
                    ("description", draft.as_str()),
                    ("form_id", form_id.as_str()),
                ],
            )
            .await
        }
    };
    // A damaged form's id is refused and stores nothing.
    let (s, out, _) = send("not-an-id".into()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    assert_eq!(app.count("list_items").await, items);
    // The form sent twice at once (a double tap) makes one item, and both sends lead to it.
    let (first, second) = futures::join!(send(form_id.clone()), send(form_id.clone()));
    assert_eq!((first.0, second.0), (StatusCode::OK, StatusCode::OK));
    assert_eq!(first.1, second.1);
    assert_eq!(app.count("list_items").await, items + 1);
    let (s, id, _) = send(form_id.clone()).await;
    assert_eq!(s, StatusCode::OK, "{id}");
    assert_eq!(id, first.1);
    assert_eq!(app.count("list_items").await, items + 1);
    let events: i64 = sqlx::query_scalar(
        "select count(*) from list_item_events where item_id = $1::uuid and action = 'create'",
    )
    .bind(id.as_str().unwrap())
    .fetch_one(&app.pool)
    .await
    .expect("the log");
    assert_eq!(events, 1);
    // That id in another topic's form is not this form's to reuse: refused, nothing made.
    let (s, out, _) = app
        .call(
            "topics/draft-item",
            Some(&admin),
            &[
                ("term", "路灯"),
                ("week", week.as_str()),
                ("site", code.as_str()),
                ("kind", "problem"),
                ("description", "路灯不亮"),
                ("form_id", id.as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{out}");
    assert_eq!(app.count("list_items").await, items + 1);
    let (channel, status, description): (String, String, String) =
        sqlx::query_as("select channel, status, description from list_items where id = $1::uuid")
            .bind(id.as_str().unwrap())
            .fetch_one(&app.pool)
            .await
            .expect("the draft");
    assert_eq!(
        (channel.as_str(), status.as_str(), description),
        ("public_survey", "draft", draft)
    );
    app.cleanup().await;
}
