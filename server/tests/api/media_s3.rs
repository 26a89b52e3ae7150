//! Photos kept in an S3-compatible bucket (moto's S3 server, a real HTTP S3 API) rather than a
//! folder: the same upload, the same served copies, and a 503 that stores nothing while the
//! bucket is unreachable.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};

use object_store::{aws::AmazonS3Builder, path::Path, ObjectStore};
use reqwest::StatusCode;

use crate::common::TestApp;
use crate::field::{phone_jpeg, put_photo, sha};

const BUCKET: &str = "jiandu-test";

/// moto's S3 server on a free port; killed when dropped. `JIANDU_MOTO_SERVER` names the
/// executable (scripts/test installs it), else `moto_server` from PATH.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Moto {
    async fn start_on(port: u16) -> Self {
        let exe = std::env::var("JIANDU_MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
        let child = Command::new(&exe)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {exe} ({e}): install moto[server] or run scripts/test")
            });
        // Owned from here on: Drop stops it, whatever happens below.
        let moto = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http.get(&moto.endpoint).send().await.is_ok() {
                // moto does not check signatures: a bare PUT makes the bucket.
                let res = http
                    .put(format!("{}/{BUCKET}", moto.endpoint))
                    .send()
                    .await
                    .expect("create bucket");
                assert!(res.status().is_success(), "create bucket: {}", res.status());
                return moto;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{exe} did not answer on {}", moto.endpoint);
    }

    async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        Self::start_on(port).await
    }

    fn port(&self) -> u16 {
        self.endpoint
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port")
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn builder(&self) -> AmazonS3Builder {
        AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key("test")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn object(moto: &Moto, key: &str) -> bytes::Bytes {
    let bucket = moto
        .builder()
        .with_bucket_name(BUCKET)
        .build()
        .expect("client");
    bucket
        .get(&Path::from(key))
        .await
        .unwrap_or_else(|e| panic!("{key}: {e}"))
        .bytes()
        .await
        .expect("bytes")
}

async fn keys(moto: &Moto) -> Vec<String> {
    use futures::TryStreamExt;
    let bucket = moto
        .builder()
        .with_bucket_name(BUCKET)
        .build()
        .expect("client");
    let mut keys: Vec<String> = bucket
        .list(None)
        .map_ok(|m| m.location.to_string())
        .try_collect()
        .await
        .expect("list");
    keys.sort();
    keys
}

#[tokio::test]
async fn photos_live_in_an_s3_bucket_and_an_unreachable_bucket_stores_nothing() {
    let mut moto = Moto::start().await;
    let media =
        app::store::media::MediaStore::s3_with(&format!("s3://{BUCKET}/photos"), moto.builder())
            .expect("s3 store");
    let app = TestApp::spawn_with_media(media).await;
    let deputy = app.login_demo("demo-deputy").await;

    let photo = phone_jpeg(1200, 900, 11);
    let h = sha(&photo);
    let (status, body) = put_photo(&app, Some(&deputy), &h, photo.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = put_photo(&app, Some(&deputy), &h, photo.clone()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a resend is acknowledged, not stored twice"
    );

    app.copies_made(&h).await;
    let shard = &h[..2];
    assert_eq!(
        keys(&moto).await,
        vec![
            format!("photos/display/{shard}/{h}.jpg"),
            format!("photos/originals/{shard}/{h}.jpg"),
            format!("photos/thumbs/{shard}/{h}.jpg"),
        ],
        "three objects under the prefix, nothing else"
    );
    let original = object(&moto, &format!("photos/originals/{shard}/{h}.jpg")).await;
    assert_eq!(&original[..], &photo[..], "the original is kept as sent");
    let stored_display = object(&moto, &format!("photos/display/{shard}/{h}.jpg")).await;

    // Served from the bucket, without the EXIF the original carries.
    let res = app
        .get(&format!("/media/display/{h}.jpg"), Some(&deputy))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let served = res.bytes().await.expect("body");
    assert_eq!(served, stored_display);
    assert!(!served.windows(4).any(|w| w == b"Exif"));
    assert!(original.windows(4).any(|w| w == b"Exif"));

    // The bucket goes away: the upload is refused with 503 (the phone keeps the photo and
    // sends it again) and no row or object is left behind.
    moto.stop();
    let second = phone_jpeg(800, 600, 12);
    let h2 = sha(&second);
    let started = std::time::Instant::now();
    let (status, body) = put_photo(&app, Some(&deputy), &h2, second.clone()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"], "unavailable", "{body}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "refused after a few retries, not minutes: {:?}",
        started.elapsed()
    );
    assert_eq!(app.count("photos").await, 1, "no row for the refused photo");
    let res = app
        .get(&format!("/media/display/{h}.jpg"), Some(&deputy))
        .await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);

    // Back (moto keeps nothing across a restart: a new, empty bucket on the same port), the
    // resend goes through.
    let port = moto.port();
    let moto = Moto::start_on(port).await;
    let (status, body) = put_photo(&app, Some(&deputy), &h2, second).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(app.count("photos").await, 2);
    app.copies_made(&h2).await;
    assert_eq!(
        keys(&moto).await.len(),
        3,
        "the second photo's three objects"
    );
    app.cleanup().await;
}
