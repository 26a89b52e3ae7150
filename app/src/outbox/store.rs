//! IndexedDB storage for the outbox (browser only). Observations and photo blobs are written in
//! one transaction, so an item never exists without its photos.

use idb::{Database, KeyPath, ObjectStore, TransactionMode};
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;

use super::OutboxItem;

const DB_NAME: &str = "jiandu-outbox";
const ITEMS: &str = "observations";
const PHOTOS: &str = "photos";

fn e(err: impl std::fmt::Display) -> String {
    err.to_string()
}

pub async fn open() -> Result<Database, String> {
    Database::builder(DB_NAME)
        .version(1)
        .add_object_store(ObjectStore::builder(ITEMS).key_path(Some(KeyPath::new_single("id"))))
        .add_object_store(
            ObjectStore::builder(PHOTOS).key_path(Some(KeyPath::new_single("sha256"))),
        )
        .build()
        .await
        .map_err(e)
}

/// Through JSON rather than serde-wasm-bindgen: the record's payload is a flattened enum,
/// which round-trips through serde_json exactly.
fn to_js(item: &OutboxItem) -> Result<JsValue, String> {
    let text = serde_json::to_string(item).map_err(e)?;
    js_sys::JSON::parse(&text).map_err(|_| "outbox record".to_owned())
}

fn from_js(v: JsValue) -> Option<OutboxItem> {
    let text = js_sys::JSON::stringify(&v).ok()?.as_string()?;
    serde_json::from_str(&text).ok()
}

/// Queues a new record with its photos, atomically.
pub async fn add(item: &OutboxItem, photos: &[(String, Blob)]) -> Result<(), String> {
    let db = open().await?;
    let tx = db
        .transaction(&[ITEMS, PHOTOS], TransactionMode::ReadWrite)
        .map_err(e)?;
    let photo_store = tx.object_store(PHOTOS).map_err(e)?;
    for (sha, blob) in photos {
        let rec = Object::new();
        Reflect::set(&rec, &"sha256".into(), &sha.into()).map_err(|_| "photo record".to_owned())?;
        Reflect::set(&rec, &"observation".into(), &item.id.to_string().into())
            .map_err(|_| "photo record".to_owned())?;
        Reflect::set(&rec, &"blob".into(), blob).map_err(|_| "photo record".to_owned())?;
        photo_store.put(&rec, None).map_err(e)?.await.map_err(e)?;
    }
    tx.object_store(ITEMS)
        .map_err(e)?
        .put(&to_js(item)?, None)
        .map_err(e)?
        .await
        .map_err(e)?;
    tx.commit().map_err(e)?.await.map_err(e)?;
    db.close();
    Ok(())
}

pub async fn put(item: &OutboxItem) -> Result<(), String> {
    let value = to_js(item)?;
    write(ITEMS, |store| store.put(&value, None).map(|_| ())).await
}

/// Runs `op` on one object store in a read-write transaction and waits for it to commit.
async fn write(
    name: &str,
    op: impl FnOnce(&idb::ObjectStore) -> Result<(), idb::Error>,
) -> Result<(), String> {
    let db = open().await?;
    let tx = db
        .transaction(&[name], TransactionMode::ReadWrite)
        .map_err(e)?;
    op(&tx.object_store(name).map_err(e)?).map_err(e)?;
    tx.commit().map_err(e)?.await.map_err(e)?;
    db.close();
    Ok(())
}

/// Every item, newest first.
pub async fn list() -> Result<Vec<OutboxItem>, String> {
    let db = open().await?;
    let tx = db
        .transaction(&[ITEMS], TransactionMode::ReadOnly)
        .map_err(e)?;
    let all = tx
        .object_store(ITEMS)
        .map_err(e)?
        .get_all(None, None)
        .map_err(e)?
        .await
        .map_err(e)?;
    db.close();
    let mut items: Vec<OutboxItem> = all.into_iter().filter_map(from_js).collect();
    items.sort_by(|a, b| b.created_ms.total_cmp(&a.created_ms));
    Ok(items)
}

pub async fn photo(sha256: &str) -> Result<Option<Blob>, String> {
    let db = open().await?;
    let tx = db
        .transaction(&[PHOTOS], TransactionMode::ReadOnly)
        .map_err(e)?;
    let rec = tx
        .object_store(PHOTOS)
        .map_err(e)?
        .get(JsValue::from_str(sha256))
        .map_err(e)?
        .await
        .map_err(e)?;
    db.close();
    Ok(rec
        .and_then(|r| Reflect::get(&r, &"blob".into()).ok())
        .and_then(|b| b.dyn_into::<Blob>().ok()))
}

/// Drops the photos of an item the server has acknowledged (never before).
pub async fn forget_photos(shas: &[String]) -> Result<(), String> {
    write(PHOTOS, |store| {
        for sha in shas {
            store.delete(JsValue::from_str(sha))?;
        }
        Ok(())
    })
    .await
}

/// Asks the browser not to evict the outbox under storage pressure.
pub async fn ask_to_persist() {
    if let Some(w) = web_sys::window() {
        if let Ok(p) = w.navigator().storage().persist() {
            let _ = wasm_bindgen_futures::JsFuture::from(p).await;
        }
    }
}
