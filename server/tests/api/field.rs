//! Field capture over the versioned API: photo ingest, exactly-once observations, changes.

use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::common::TestApp;

pub fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A JPEG like a phone's: noisy pixels, with EXIF GPS (30°16'12"N 120°9'36"E), a capture time and
/// an orientation, so that stripping can be checked.
pub fn phone_jpeg(w: u32, h: u32, seed: u32) -> Vec<u8> {
    use exif::{experimental::Writer, Field, In, Rational, Tag, Value};
    // A gradient with sensor-like noise: compresses like a photo, not like a test card.
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let mut n = x.wrapping_mul(374_761_393)
            ^ y.wrapping_mul(668_265_263)
            ^ seed.wrapping_mul(2_654_435_761);
        n = (n ^ (n >> 13)).wrapping_mul(1_274_126_177);
        let noise = (n >> 26) as u8; // 0..63
        let gx = (x * 160 / w.max(1)) as u8;
        let gy = (y * 120 / h.max(1)) as u8;
        image::Rgb([
            gx.wrapping_add(noise),
            gy.wrapping_add(noise / 2),
            90u8.wrapping_add(noise),
        ])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode_image(&img)
        .unwrap();
    let r = |n: u32| Rational::from((n, 1));
    let fields = [
        Field {
            tag: Tag::Orientation,
            ifd_num: In::PRIMARY,
            value: Value::Short(vec![1]),
        },
        Field {
            tag: Tag::DateTimeOriginal,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"2025:10:01 10:03:04".to_vec()]),
        },
        Field {
            tag: Tag::GPSLatitudeRef,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"N".to_vec()]),
        },
        Field {
            tag: Tag::GPSLatitude,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![r(30), r(16), r(12)]),
        },
        Field {
            tag: Tag::GPSLongitudeRef,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"E".to_vec()]),
        },
        Field {
            tag: Tag::GPSLongitude,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![r(120), r(9), r(36)]),
        },
    ];
    let mut writer = Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut tiff = std::io::Cursor::new(Vec::new());
    writer.write(&mut tiff, false).unwrap();
    let tiff = tiff.into_inner();
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

pub async fn put_photo(
    app: &TestApp,
    cookie: Option<&str>,
    path_sha: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = app
        .http
        .put(format!("{}/api/v1/photos/{path_sha}", app.base))
        .body(body);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub async fn put_observation(
    app: &TestApp,
    cookie: Option<&str>,
    id: &str,
    body: String,
) -> (StatusCode, Value) {
    let mut req = app
        .http
        .put(format!("{}/api/v1/observations/{id}", app.base))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn files_in(dir: &std::path::Path) -> usize {
    walk(dir)
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walk(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Stores a photo the way an upload leaves it when the server stops right after answering: the
/// original durable, the row saying its copies are pending.
async fn acknowledged_but_not_copied(app: &TestApp, photo: &[u8]) -> String {
    let h = sha(photo);
    app::store::media::MediaStore::local(&app.media_dir)
        .expect("media dir")
        .put_original(&h, bytes::Bytes::from(photo.to_vec()))
        .await
        .expect("original");
    sqlx::query(
        "insert into photos (sha256, byte_size, width, height, uploaded_by, copies)
         select $1, $2, 1200, 900, id, 'pending' from users where username = 'demo-deputy'",
    )
    .bind(&h)
    .bind(photo.len() as i32)
    .execute(&app.pool)
    .await
    .expect("row");
    h
}

#[tokio::test]
async fn copies_left_pending_by_a_stopped_server_are_made_on_start_or_when_asked_for() {
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;

    // Asked for before the copier got to it: made on the spot, without its EXIF.
    let first = acknowledged_but_not_copied(&app, &phone_jpeg(1200, 900, 31)).await;
    let res = app
        .get(&format!("/media/display/{first}.jpg"), Some(&staff))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    assert!(!bytes.windows(4).any(|w| w == b"Exif"));
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 1200);
    app.copies_made(&first).await;

    // Left pending when the server stopped: the next server's sweep makes them.
    let second = acknowledged_but_not_copied(&app, &phone_jpeg(1200, 900, 32)).await;
    let _restarted = app.serve_again().await;
    app.copies_made(&second).await;
    assert_eq!(
        files_in(&app.media_dir),
        6,
        "two photos, each original, display copy and thumbnail"
    );
    let res = app
        .get(&format!("/media/thumb/{second}.jpg"), Some(&staff))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.cleanup().await;
}

#[tokio::test]
async fn a_lost_copy_is_made_again_and_a_lost_photo_is_shown_as_such() {
    let app = TestApp::spawn().await;
    let staff = app.login_demo("demo-staff").await;
    let h = acknowledged_but_not_copied(&app, &phone_jpeg(800, 600, 41)).await;
    let file = |dir: &str| app.media_dir.join(format!("{dir}/{}/{h}.jpg", &h[..2]));
    let as_image = |cookie: String| {
        app.http
            .get(format!("{}/media/thumb/{h}.jpg", app.base))
            .header(header::ACCEPT, "image/avif,image/webp,image/*,*/*;q=0.8")
            .header(header::COOKIE, cookie)
            .send()
    };

    let res = as_image(staff.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "made when first asked for");
    app.copies_made(&h).await;

    // A copy went missing from storage while the original is there: it is made again.
    std::fs::remove_file(file("display")).unwrap();
    let res = app
        .get(&format!("/media/display/{h}.jpg"), Some(&staff))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 800);
    assert!(file("display").exists());

    // Every file gone: an <img> gets a picture saying so, in the reader's language, and a
    // script gets the JSON error; both are 404 and the row records the photo as unreadable.
    for dir in ["originals", "display", "thumbs"] {
        std::fs::remove_file(file(dir)).unwrap();
    }
    let res = as_image(format!("{staff}; {}=en", app::LANG_COOKIE))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "image/svg+xml");
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    let svg = res.text().await.unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains(">Photo missing</text>"),
        "{svg}"
    );
    let res = as_image(staff.clone()).await.unwrap();
    assert!(res.text().await.unwrap().contains(">照片已丢失</text>"));
    let res = app
        .http
        .get(format!("{}/media/thumb/{h}.jpg", app.base))
        .header(header::COOKIE, &staff)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
    let copies: String = sqlx::query_scalar("select copies from photos where sha256 = $1")
        .bind(&h)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(copies, "unreadable");

    // Someone without the right to see the photo learns nothing, not even that it is lost.
    let res = as_image(String::new()).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // A phone that still holds the photo sends it again: the lost files are stored again.
    let deputy = app.login_demo("demo-deputy").await;
    let (status, body) = put_photo(&app, Some(&deputy), &h, phone_jpeg(800, 600, 41)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.copies_made(&h).await;
    assert_eq!(files_in(&app.media_dir), 3);
    assert_eq!(app.count("photos").await, 1);
    let res = as_image(staff.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "image/jpeg");

    // Or the original put back from a backup: the photo shows again.
    for dir in ["originals", "display", "thumbs"] {
        std::fs::remove_file(file(dir)).unwrap();
    }
    assert_eq!(
        as_image(staff.clone()).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    app::store::media::MediaStore::local(&app.media_dir)
        .unwrap()
        .put_original(&h, bytes::Bytes::from(phone_jpeg(800, 600, 41)))
        .await
        .unwrap();
    let res = as_image(staff.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "image/jpeg");
    app.cleanup().await;
}

#[tokio::test]
async fn photo_upload_answers_every_status_and_strips_metadata() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let photo = phone_jpeg(1200, 900, 1);
    let h = sha(&photo);

    let (status, _) = put_photo(&app, None, &h, photo.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, body) = put_photo(&app, Some(&deputy), &h, photo.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["width"], 1200);
    let (status, _) = put_photo(&app, Some(&deputy), &h, photo.clone()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a resend is acknowledged, not stored twice"
    );
    assert_eq!(app.count("photos").await, 1);
    app.copies_made(&h).await;
    let files_after_one = files_in(&app.media_dir);
    assert_eq!(files_after_one, 3, "original, display copy, thumbnail");

    // EXIF was read from the original…
    let (lat, lon): (Option<f64>, Option<f64>) =
        sqlx::query_as("select exif_lat, exif_lon from photos where sha256 = $1")
            .bind(&h)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!((lat.unwrap() - 30.27).abs() < 1e-6 && (lon.unwrap() - 120.16).abs() < 1e-6);
    // …and is absent from what is served.
    for variant in ["display", "thumb"] {
        let res = app
            .get(&format!("/media/{variant}/{h}.jpg"), Some(&deputy))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = res.bytes().await.unwrap();
        assert!(
            exif::Reader::new()
                .read_from_container(&mut std::io::Cursor::new(&bytes[..]))
                .is_err(),
            "{variant} copy still carries EXIF"
        );
        assert!(!bytes.windows(4).any(|w| w == b"Exif"));
    }
    assert_eq!(
        app.get(&format!("/media/display/{h}.jpg"), None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // Staff see every photo; an officer only those behind items forwarded to their unit.
    let staff = app.login_demo("demo-staff").await;
    let officer = app.login_demo("demo-officer").await;
    let url = format!("/media/display/{h}.jpg");
    assert_eq!(app.get(&url, Some(&staff)).await.status(), StatusCode::OK);
    assert_eq!(
        app.get(&url, Some(&officer)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/media/original/{h}.jpg"), Some(&deputy))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // The bad-input set: each a clear error, nothing stored.
    let other = phone_jpeg(64, 64, 2);
    let (status, body) = put_photo(&app, Some(&deputy), &sha(&photo), other.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let text = b"this is a text file called photo.jpg".to_vec();
    let (status, body) = put_photo(&app, Some(&deputy), &sha(&text), text).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    let truncated = other[..other.len() / 2].to_vec();
    let (status, body) = put_photo(&app, Some(&deputy), &sha(&truncated), truncated).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let bomb = png_bomb(60_000);
    let t = std::time::Instant::now();
    let (status, body) = put_photo(&app, Some(&deputy), &sha(&bomb), bomb).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(t.elapsed().as_millis() < 1000, "bomb refused quickly");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("pixels"),
        "refused for its size: {body}"
    );
    let huge = vec![0xFFu8; 13 * 1024 * 1024];
    let (status, _) = put_photo(&app, Some(&deputy), &sha(&huge), huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _) = put_photo(&app, Some(&deputy), "NOT-A-HASH", photo.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    assert_eq!(
        app.count("photos").await,
        1,
        "refused uploads stored no row"
    );
    assert_eq!(
        files_in(&app.media_dir),
        files_after_one,
        "refused uploads left no file"
    );
    app.cleanup().await;
}

pub async fn site_and_anchor(app: &TestApp) -> (String, f64, f64) {
    let (id, lon, lat): (Uuid, f64, f64) = sqlx::query_as(
        "select t.id, t.anchor[0], t.anchor[1] from sites t
           join sub_items s on s.id = t.sub_item_id
           join group_units gu on gu.unit_id = s.lead_unit_id
           join deputies d on d.group_id = gu.group_id
           join users u on u.deputy_id = d.id
          where u.username = 'demo-deputy' limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    (id.to_string(), lat, lon)
}

#[tokio::test]
async fn observations_are_stored_exactly_once() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let (site, lat, lon) = site_and_anchor(&app).await;
    let p1 = phone_jpeg(800, 600, 3);
    let p2 = phone_jpeg(800, 600, 4);
    let (h1, h2) = (sha(&p1), sha(&p2));
    let id = Uuid::now_v7().to_string();
    let body = |note: &str, photos: Vec<&str>| {
        json!({
            "site_id": site, "kind": "problem", "note": note, "tags": ["安全"],
            "captured_at": "2025-10-01T02:03:04Z",
            "position": {"lat": lat, "lon": lon, "accuracy_m": 8.0, "source": "gps"},
            "photos": photos,
        })
        .to_string()
    };

    // Photos first: until they arrive, the observation names what is missing.
    let (status, resp) =
        put_observation(&app, Some(&deputy), &id, body("围挡缺失", vec![&h1, &h2])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{resp}");
    assert_eq!(resp["details"]["missing_photos"], json!([h1, h2]));
    assert_eq!(app.count("observations").await, 0);

    put_photo(&app, Some(&deputy), &h1, p1).await;
    let (status, resp) =
        put_observation(&app, Some(&deputy), &id, body("围挡缺失", vec![&h1, &h2])).await;
    assert_eq!(resp["details"]["missing_photos"], json!([h2]), "{status}");
    put_photo(&app, Some(&deputy), &h2, p2).await;

    let (status, resp) =
        put_observation(&app, Some(&deputy), &id, body("围挡缺失", vec![&h1, &h2])).await;
    assert_eq!(status, StatusCode::CREATED, "{resp}");
    assert_eq!(resp["verdict"], "on_site");
    assert_eq!(resp["status"], "submitted");

    // The same again (a retry after a lost answer): 200, nothing new.
    let (status, again) =
        put_observation(&app, Some(&deputy), &id, body("围挡缺失", vec![&h1, &h2])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["received_at"], resp["received_at"]);
    // Same id, different content: refused.
    let (status, conflict) =
        put_observation(&app, Some(&deputy), &id, body("改了", vec![&h1])).await;
    assert_eq!(status, StatusCode::CONFLICT, "{conflict}");
    assert_eq!(conflict["error"], "conflict");
    assert_eq!(app.count("observations").await, 1);
    assert_eq!(app.count("observation_photos").await, 2);

    // Many identical resends at once still store one.
    let id2 = Uuid::now_v7().to_string();
    let sends = (0..8).map(|_| put_observation(&app, Some(&deputy), &id2, body("并发", vec![&h1])));
    let results = futures::future::join_all(sends).await;
    let created = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let replayed = results.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!((created, replayed), (1, 7), "{results:?}");
    assert_eq!(app.count("observations").await, 2);

    // Far from the site: stored, judged off site.
    let id3 = Uuid::now_v7().to_string();
    let far = json!({
        "site_id": site, "kind": "suggestion", "note": "远处", "captured_at": "2025-10-01T02:03:04Z",
        "position": {"lat": lat + 0.05, "lon": lon, "accuracy_m": 10.0, "source": "gps"},
    })
    .to_string();
    let (status, resp) = put_observation(&app, Some(&deputy), &id3, far).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(resp["verdict"], "off_site");
    assert!(resp["distance_m"].as_f64().unwrap() > 4000.0);

    // The phone learns what became of them, and the cursor moves on.
    let res = app.get("/api/v1/observations", Some(&deputy)).await;
    let changes: Value = res.json().await.unwrap();
    assert_eq!(changes["items"].as_array().unwrap().len(), 3);
    let cursor = changes["cursor"].as_str().unwrap();
    let res = app
        .get(
            &format!("/api/v1/observations?after={cursor}"),
            Some(&deputy),
        )
        .await;
    let more: Value = res.json().await.unwrap();
    assert_eq!(more["items"].as_array().unwrap().len(), 0);
    app.cleanup().await;
}

#[tokio::test]
async fn bad_observations_are_refused_with_their_fields_and_store_nothing() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let staff = app.login_demo("demo-staff").await;
    let (site, lat, lon) = site_and_anchor(&app).await;
    let id = Uuid::now_v7().to_string();
    let good = json!({"site_id": site, "kind": "problem", "note": "x", "captured_at": "2025-10-01T02:03:04Z"});

    let (status, _) = put_observation(&app, None, &id, good.to_string()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = put_observation(&app, Some(&staff), &id, good.to_string()).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only deputies capture observations"
    );

    let cases: Vec<(String, &str)> = vec![
        (json!({"site_id": site, "kind": "problem", "note": "x", "captured_at": "2025-10-01T02:03:04Z",
                "position": {"lat": 95.0, "lon": lon, "accuracy_m": 5.0, "source": "gps"}}).to_string(), "position"),
        (json!({"site_id": site, "kind": "problem", "note": "x", "captured_at": "2025-10-01T02:03:04Z",
                "position": {"lat": lat, "lon": 200.0, "accuracy_m": 5.0, "source": "gps"}}).to_string(), "position"),
        (format!(r#"{{"site_id":"{site}","kind":"problem","note":"x","captured_at":"2025-10-01T02:03:04Z","position":{{"lat":NaN,"lon":1,"accuracy_m":5,"source":"gps"}}}}"#), "body"),
        (json!({"site_id": Uuid::now_v7(), "kind": "problem", "note": "x", "captured_at": "2025-10-01T02:03:04Z"}).to_string(), "site_id"),
        (json!({"site_id": site, "kind": "complaint", "note": "x", "captured_at": "2025-10-01T02:03:04Z"}).to_string(), "body"),
        (json!({"site_id": site, "kind": "problem", "note": "", "captured_at": "2025-10-01T02:03:04Z"}).to_string(), "note"),
        (json!({"site_id": site, "kind": "problem", "note": "x", "captured_at": "2035-10-01T02:03:04Z"}).to_string(), "captured_at"),
        (json!({"site_id": site, "kind": "problem", "note": "x".repeat(2001), "captured_at": "2025-10-01T02:03:04Z"}).to_string(), "note"),
    ];
    for (body, field) in cases {
        let (status, resp) = put_observation(&app, Some(&deputy), &id, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {resp}");
        let named = resp["details"]["field"] == field
            || resp["details"]["fields"]
                .as_array()
                .is_some_and(|fs| fs.iter().any(|f| f["field"] == field));
        assert!(named, "{field} not named in {resp}");
    }
    // A 1 MB note is refused before it is read.
    let big = json!({"site_id": site, "kind": "problem", "note": "长".repeat(350_000), "captured_at": "2025-10-01T02:03:04Z"});
    let (status, resp) = put_observation(&app, Some(&deputy), &id, big.to_string()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{resp}");
    // A v4 id is not one the phone made.
    let (status, _) = put_observation(
        &app,
        Some(&deputy),
        &Uuid::new_v4().to_string(),
        good.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = put_observation(&app, Some(&deputy), "not-a-uuid", good.to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("observations").await, 0);
    app.cleanup().await;
}

#[tokio::test]
async fn scripts_sign_in_with_json_and_read_the_openapi_document() {
    let app = TestApp::spawn().await;
    let res = app
        .http
        .post(format!("{}/api/v1/session", app.base))
        .json(&json!({"username": "demo-deputy", "password": "wrong-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .http
        .post(format!("{}/api/v1/session", app.base))
        .json(&json!({"username": "demo-deputy", "password": "jiandu-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let (status, _, _) = app.call("catalogue/my-sites", Some(&cookie), &[]).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the API session is the app's session"
    );

    let doc: Value = app
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"].as_str().unwrap().chars().next(), Some('3'));
    for path in [
        "/api/v1/session",
        "/api/v1/photos/{sha256}",
        "/api/v1/observations/{id}",
        "/api/v1/observations",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    // A script that sends photo evidence finds its shape described.
    assert!(
        doc["components"]["schemas"]["PhotoFactsInput"]["properties"]["origin"].is_object(),
        "{}",
        doc["components"]["schemas"]
    );
    let codes: Vec<&str> = doc["paths"]["/api/v1/photos/{sha256}"]["put"]["responses"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for c in ["200", "201", "400", "413", "415", "422"] {
        assert!(codes.contains(&c), "{c} not documented");
    }
    app.cleanup().await;
}

/// Writes the photo fixtures the browser tests and benchmarks use (not committed: generated).
#[test]
#[ignore = "writes end2end/fixtures; scripts/test runs it before the browser tests"]
fn write_e2e_fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    for n in 1..=6 {
        std::fs::write(
            dir.join(format!("site-photo-{n}.jpg")),
            phone_jpeg(2400, 1800, n),
        )
        .unwrap();
    }
    std::fs::write(dir.join("twelve-mp.jpg"), phone_jpeg(4000, 3000, 99)).unwrap();
    // Pictures only the photo evidence test sends; it writes its own EXIF into them.
    for n in 1..=2 {
        std::fs::write(
            dir.join(format!("evidence-{n}.jpg")),
            phone_jpeg(1600, 1200, 40 + n),
        )
        .unwrap();
    }
}

/// Writes 40 phone-sized photos (2048×1536, as the phone sends them) for the ingest benchmark.
#[test]
#[ignore = "writes target/bench-photos; scripts/bench-field runs it"]
fn write_bench_photos() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-photos");
    std::fs::create_dir_all(&dir).unwrap();
    for n in 0..40 {
        std::fs::write(
            dir.join(format!("p{n:02}.jpg")),
            phone_jpeg(2048, 1536, 1000 + n),
        )
        .unwrap();
    }
}

/// Appends one PNG chunk: length, type, data, CRC.
pub fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A real decompression bomb: a PNG declaring `side`×`side` RGB pixels whose IDAT holds a few
/// kilobytes of zlib that would inflate to gigabytes.
pub fn png_bomb(side: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(
        &mut png,
        b"IDAT",
        &miniz_oxide::deflate::compress_to_vec_zlib(&vec![0u8; 4 << 20], 10),
    );
    png_chunk(&mut png, b"IEND", &[]);
    png
}

/// A phone whose clock runs a day ahead (the fault matrix's "clock a day off"): its capture is
/// not refused as "in the future", its times are kept in the server's, and a resend with a
/// slightly different reading of its clock is the same observation, stored once.
#[tokio::test]
async fn a_phone_clock_a_day_off_is_corrected_and_its_resend_recognised() {
    let app = TestApp::spawn().await;
    let deputy = app.login_demo("demo-deputy").await;
    let (site, lat, lon) = site_and_anchor(&app).await;
    let day = chrono::Duration::days(1);
    let phone_now = chrono::Utc::now() + day;
    let body = json!({
        "site_id": site, "kind": "problem", "note": "时钟快了一天的手机",
        "captured_at": (phone_now - chrono::Duration::minutes(5)).to_rfc3339(),
        "position": {"lat": lat, "lon": lon, "accuracy_m": 8.0, "source": "gps"},
    })
    .to_string();
    let id = Uuid::now_v7().to_string();
    let send = |sent_at: Option<chrono::DateTime<chrono::Utc>>| {
        let mut req = app
            .http
            .put(format!("{}/api/v1/observations/{id}", app.base))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, &deputy)
            .body(body.clone());
        if let Some(t) = sent_at {
            req = req.header("x-jiandu-sent-at", t.timestamp_millis().to_string());
        }
        req.send()
    };
    // Without the phone's clock reading, a capture a day ahead is refused as before.
    let res = send(None).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("observations").await, 0);

    let res = send(Some(phone_now)).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = send(Some(phone_now + chrono::Duration::seconds(40)))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "a resend is recognised");
    assert_eq!(app.count("observations").await, 1);
    let captured: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("select captured_at from observations where id = $1::uuid")
            .bind(&id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let off = (chrono::Utc::now() - chrono::Duration::minutes(5) - captured)
        .num_seconds()
        .abs();
    assert!(
        off < 60,
        "kept in the server's time: {captured} is {off} s off"
    );
    app.cleanup().await;
}
