//! Readings over MQTT: the server subscribes to `jiandu/sites/+/readings` on the broker named by
//! `JIANDU_MQTT_URL` (`mqtt://host:1883?client_id=…`; Mosquitto on the development machines).
//! Each message carries a device's token and its readings (`domain::device::MqttMessage`).
//!
//! Messages arrive at least once (QoS 1) and are acknowledged only once their readings are
//! stored, so a connection lost mid-batch has them sent again by the broker; the store keeps a
//! reading once per device and message id, so again costs nothing. A deployment gives each
//! server a stable `client_id` and `clean_session=false` in the URL, so the broker keeps what
//! arrives while that server restarts. Several servers share the
//! stream through a shared subscription (`$share/jiandu/…`), each message going to one of them.
//! Messages are taken in batches (up to `BATCH` or `LINGER`), with one query for their tokens
//! and one statement for their readings.

use std::collections::HashMap;
use std::time::Duration;

use app::domain::device::{self, MqttMessage, MAX_BATCH, TOPIC_FILTER};
use app::store::Db;
use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, Publish, QoS};

/// Messages taken together into one batch.
const BATCH: usize = 512;
/// How long a batch waits for more messages once it has one. Short: the broker sends only so
/// many unacknowledged messages (Mosquitto's `max_inflight_messages`, 20 by default), and the
/// next ones come only once a batch is stored and acknowledged.
const LINGER: Duration = Duration::from_millis(1);
/// A message: a full batch of readings in JSON, with room.
const MAX_PACKET: usize = MAX_BATCH * 256 + 4096;

/// What became of one message, for the log and the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub messages: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub refused: u64,
}

/// Connects and serves until the process ends; reconnects after a broken connection.
pub fn start(db: Db, url: &str) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut options =
        MqttOptions::parse_url(url).map_err(|e| anyhow::anyhow!("JIANDU_MQTT_URL {url:?}: {e}"))?;
    options
        .set_keep_alive(Duration::from_secs(30))
        .set_max_packet_size(MAX_PACKET, MAX_PACKET)
        .set_manual_acks(true);
    let (client, events) = AsyncClient::new(options, BATCH * 4);
    // Unbounded, so the connection's loop never waits on the store: it must go on sending the
    // acknowledgements the store queues, or both would wait for each other. What it holds is
    // bounded by the broker, which sends no more unacknowledged messages than its window
    // (Mosquitto's `max_inflight_messages`).
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let storing = tokio::spawn(store(db, client.clone(), rx));
    Ok(tokio::spawn(async move {
        receive(client, events, tx).await;
        storing.abort();
    }))
}

/// Drives the connection: subscribes on every connection and hands each message to the store.
/// The store runs apart, so the connection is served while a batch is written.
async fn receive(
    client: AsyncClient,
    mut events: EventLoop,
    to_store: tokio::sync::mpsc::UnboundedSender<Publish>,
) {
    let filter = format!("$share/jiandu/{TOPIC_FILTER}");
    loop {
        match events.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                tracing::info!("MQTT connected; subscribing to {filter}");
                if let Err(e) = client.try_subscribe(filter.clone(), QoS::AtLeastOnce) {
                    tracing::warn!(error = %e, "MQTT subscribe not sent");
                }
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                if to_store.send(p).is_err() {
                    return;
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "MQTT connection lost; trying again in a second");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Takes messages in batches (what is waiting, up to `BATCH`, after at most `LINGER`), stores
/// each batch and acknowledges its messages.
async fn store(
    db: Db,
    client: AsyncClient,
    mut messages: tokio::sync::mpsc::UnboundedReceiver<Publish>,
) {
    let mut batch: Vec<Publish> = Vec::with_capacity(BATCH);
    while let Some(first) = messages.recv().await {
        batch.push(first);
        let until = tokio::time::Instant::now() + LINGER;
        while batch.len() < BATCH {
            match tokio::time::timeout_at(until, messages.recv()).await {
                Ok(Some(p)) => batch.push(p),
                _ => break,
            }
        }
        flush(&db, &client, &mut batch).await;
    }
}

/// Stores a batch and acknowledges its messages. Refused messages (a bad token, a device of
/// another site, a malformed reading) are acknowledged too: sent again they would be refused
/// again. A batch the database did not take is not acknowledged: the broker sends it again
/// (on a new connection, with a session the broker keeps).
async fn flush(db: &Db, client: &AsyncClient, batch: &mut Vec<Publish>) {
    let messages = std::mem::take(batch);
    match take(db, &messages, chrono::Utc::now()).await {
        Ok(tally) => {
            tracing::debug!(?tally, "MQTT batch stored");
            for p in &messages {
                if let Err(e) = client.ack(p).await {
                    tracing::warn!(error = %e, "MQTT acknowledgement not sent");
                }
            }
        }
        Err(e) => {
            tracing::warn!(error = %e.message, messages = messages.len(), "MQTT batch not stored; the broker sends it again");
        }
    }
}

/// The readings of a batch of messages, checked and stored.
pub async fn take(
    db: &Db,
    messages: &[Publish],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Tally, app::error::AppError> {
    let mut tally = Tally {
        messages: messages.len() as u64,
        ..Tally::default()
    };
    let parsed: Vec<Option<(&str, String, MqttMessage)>> = messages
        .iter()
        .map(|p| {
            let code = device::site_of_topic(&p.topic)?;
            let m: MqttMessage = serde_json::from_slice(&p.payload).ok()?;
            if !device::token_well_formed(&m.token) {
                return None;
            }
            Some((code, device::token_hash(&m.token), m))
        })
        .collect();
    let mut hashes: Vec<String> = parsed.iter().flatten().map(|(_, h, _)| h.clone()).collect();
    hashes.sort();
    hashes.dedup();
    let devices: HashMap<String, app::store::usage::TokenDevice> = db
        .devices_by_token(&hashes)
        .await?
        .into_iter()
        .map(|d| (d.token_hash.clone(), d))
        .collect();
    let mut readings = Vec::new();
    for m in &parsed {
        let Some((code, hash, m)) = m else {
            tally.refused += 1;
            continue;
        };
        let Some(dev) = devices
            .get(hash)
            .filter(|d| device::reads_at(&d.site_code, code))
        else {
            // An unknown token, or a device of another site: nothing of it is kept.
            tally.refused += 1;
            continue;
        };
        match device::check_batch(&m.readings, now) {
            Ok(rs) => readings.extend(rs.into_iter().map(|r| (dev.device_id, r))),
            Err(_) => tally.refused += 1,
        }
    }
    let stored = db.store_readings(&readings, "mqtt").await?;
    tally.stored = stored;
    tally.duplicates = readings.len() as u64 - stored;
    if tally.refused > 0 {
        tracing::info!(
            refused = tally.refused,
            "MQTT messages refused (bad token, another site's device or a malformed reading)"
        );
    }
    Ok(tally)
}
