//! Satisfaction where it belongs: the dashboard's rows per lead unit, supervision group, project
//! and district carry the public's 满意率 / 支持率 and the deputies' ratings of the answers, and
//! each equals a count made here from the raw tables.

use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::closed_loop::{forward, make_item, post_answer};
use crate::common::{comment_form, post_comment, TestApp};
use crate::items::{act, observe, officer_of};

async fn comment(app: &TestApp, code: &str, satisfaction: &str, support: &str) {
    let form = comment_form(&[("satisfaction", satisfaction), ("support", support)]);
    let (s, _, body) = post_comment(app, code, form).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
}

/// The answers a dashboard row should carry, counted from the raw tables: `scope` is SQL over
/// the site `t`, its sub-item `s` and `{unit}`: the site's lead unit for a comment, the unit the
/// item is with for a rating.
async fn counted(app: &TestApp, scope: &str, key: Uuid) -> ([i64; 6], [i64; 3]) {
    let public: (i64, i64, i64, i64, i64, i64) = sqlx::query_as(&format!(
        "select count(*) filter (where c.satisfaction = 'satisfied'),
                count(*) filter (where c.satisfaction = 'basic'),
                count(*) filter (where c.satisfaction = 'dissatisfied'),
                count(*) filter (where c.support = 'yes'),
                count(*) filter (where c.support = 'no'),
                count(*) filter (where c.support = 'not_sure')
           from public_comments c, sites t, sub_items s, lead_units lu
          where t.id = c.site_id and s.id = t.sub_item_id and lu.id = s.lead_unit_id
            and c.status in ('published', 'problem') and c.rating_counts
            and {}",
        scope.replace("{unit}", "lu.id")
    ))
    .bind(key)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    // The deputies' ratings of each item's latest answer.
    let rated: (i64, i64, i64) = sqlx::query_as(&format!(
        "select count(*) filter (where r.comment = 'satisfied'),
                count(*) filter (where r.comment = 'basic'),
                count(*) filter (where r.comment = 'dissatisfied')
           from list_item_events r, list_items i, sites t, sub_items s, lead_units lu
          where r.action = 'rate' and i.id = r.item_id and t.id = i.site_id
            and s.id = t.sub_item_id and lu.id = coalesce(i.unit_id, s.lead_unit_id)
            and not exists (select 1 from list_item_events a
                             where a.item_id = r.item_id and a.action = 'answer' and a.id > r.id)
            and {}",
        scope.replace("{unit}", "lu.id")
    ))
    .bind(key)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    (
        [public.0, public.1, public.2, public.3, public.4, public.5],
        [rated.0, rated.1, rated.2],
    )
}

fn figures(row: &Value) -> ([i64; 6], [i64; 3]) {
    let n = |v: &Value, k: &str| v[k].as_i64().unwrap();
    let p = &row["public"];
    let r = &row["ratings"];
    (
        [
            n(p, "satisfied"),
            n(p, "basic"),
            n(p, "dissatisfied"),
            n(p, "support_yes"),
            n(p, "support_no"),
            n(p, "support_not_sure"),
        ],
        [n(r, "satisfied"), n(r, "basic"), n(r, "dissatisfied")],
    )
}

#[tokio::test]
async fn every_per_unit_group_and_district_rate_equals_a_count_from_the_raw_tables() {
    // Seven comments from one test client: more than a passer-by's burst.
    let limits = server::public::CommentLimits {
        burst: 50,
        ..Default::default()
    };
    let app = TestApp::spawn_full(true, limits).await;
    let staff = app.login_demo("demo-staff").await;
    let admin = app.login_demo("demo-admin").await;
    let deputy = app.login_demo("demo-deputy").await;
    // One comment at each of six sites of at least three units (a client's first rating at a
    // site on a day is the one that counts).
    let codes: Vec<String> = sqlx::query_scalar(
        "select code from (select distinct on (s.lead_unit_id) t.public_code as code
                             from sites t join sub_items s on s.id = t.sub_item_id
                            order by s.lead_unit_id, t.public_code) per_unit
         union
         select code from (select public_code as code from sites order by public_code desc limit 3) last
         order by code limit 6",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(codes.len(), 6);
    let answers = [
        ("satisfied", "yes"),
        ("basic", "yes"),
        ("dissatisfied", "no"),
        ("satisfied", "not_sure"),
        ("dissatisfied", "no"),
        ("basic", "yes"),
    ];
    for (code, (satisfaction, support)) in codes.iter().zip(answers) {
        comment(&app, code, satisfaction, support).await;
    }
    app.moderate_all(&staff, "publish").await;
    // One more that staff have not looked at: it must not count.
    let unseen: String = sqlx::query_scalar(
        "select public_code from sites where not (public_code = any($1)) limit 1",
    )
    .bind(&codes)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    comment(&app, &unseen, "satisfied", "yes").await;

    // A deputy's rating of an answer.
    let obs = observe(&app, &deputy, "栏杆锈蚀").await;
    let item = make_item(&app, &staff, obs).await;
    let unit = forward(&app, &staff, &item).await;
    let officer = officer_of(&app, &admin, unit, "officer-rates").await;
    let (s, _, body) = post_answer(&app, Some(&officer), &item, "已除锈刷漆", vec![], false).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let mut f = act(&item, "rate");
    f.push(("rating", "basic"));
    let (s, body, _) = app.call("items/act", Some(&deputy), &f).await;
    assert_eq!(s, StatusCode::OK, "{body}");

    let (s, dash, _) = app.call("items/dashboard", Some(&staff), &[]).await;
    assert_eq!(s, StatusCode::OK, "{dash}");
    let mut public_total = 0;
    let mut ratings_total = 0;
    for (list, scope) in [
        ("by_unit", "{unit} = $1"),
        (
            "by_group",
            "{unit} in (select unit_id from group_units where group_id = $1)",
        ),
        ("by_project", "s.project_id = $1"),
        ("by_district", "t.district_id = $1"),
    ] {
        let rows = dash[list].as_array().unwrap();
        assert!(!rows.is_empty(), "{list}");
        for row in rows {
            let key: Uuid = row["id"].as_str().unwrap().parse().unwrap();
            let got = figures(row);
            assert_eq!(got, counted(&app, scope, key).await, "{list} {key}");
            if list == "by_unit" {
                public_total += got.0[..3].iter().sum::<i64>();
                ratings_total += got.1.iter().sum::<i64>();
            }
        }
    }
    // Not vacuous: every counted answer is in exactly one unit's row, ours among them.
    let (all_public, all_ratings): (i64, i64) = sqlx::query_as(
        "select (select count(*) from public_comments
                  where status in ('published', 'problem') and rating_counts),
                (select count(*) from list_item_events r where r.action = 'rate'
                    and not exists (select 1 from list_item_events a where a.item_id = r.item_id
                                       and a.action = 'answer' and a.id > r.id))",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((public_total, ratings_total), (all_public, all_ratings));
    assert!(public_total >= 6 && ratings_total >= 1);
    app.cleanup().await;
}
