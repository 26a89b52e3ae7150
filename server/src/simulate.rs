//! A stream of readings from simulated devices, for tests, demos and the ingest benchmark
//! (`jiandu simulate-devices`): registers devices at the installation's active sites through the
//! store (as an administrator would through the site page), then sends their readings over MQTT
//! or HTTP the way devices do — one reading a message, QoS 1, a share sent twice as a device
//! does when it missed the answer — and reports how fast they were stored.
//!
//! The counts follow the day: a seat is sat on more in the morning and evening, a charger draws
//! a few kWh a session, a lift controller counts trips; now and then a fault.

use std::time::{Duration, Instant};

use app::domain::device::{self, DeviceKind, MqttMessage, ReadingWire};
use app::domain::SiteKind;
use app::public::secret::Secret;
use app::store::Db;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

/// How the readings travel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A broker URL (`mqtt://127.0.0.1:1883?client_id=sim`).
    Mqtt(String),
    /// The server's base URL (`http://127.0.0.1:3000`).
    Http(String),
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub devices: usize,
    pub readings_per_device: usize,
    /// Per mille of readings sent a second time.
    pub resend_permille: u32,
    /// Requests (HTTP) or connections (MQTT) at once.
    pub concurrency: usize,
    pub seed: u64,
}

/// A registered simulated device.
#[derive(Debug, Clone)]
pub struct SimDevice {
    pub id: Uuid,
    pub site_code: String,
    pub kind: DeviceKind,
    pub token: String,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub sent: usize,
    pub distinct: usize,
    pub send_seconds: f64,
    /// From the first send until the last distinct reading was stored.
    pub stored_seconds: f64,
    pub per_second: f64,
    /// HTTP: each request's round trip, in ms; MQTT: none (the broker answers, not the server).
    pub request_p50_ms: Option<f64>,
    pub request_p99_ms: Option<f64>,
    /// From a reading's time (its send) to its storing, in ms, over the distinct readings.
    pub stored_p50_ms: f64,
    pub stored_p99_ms: f64,
}

fn kind_for(site: SiteKind) -> DeviceKind {
    match site {
        SiteKind::EvCharging => DeviceKind::Charger,
        SiteKind::LiftRetrofit => DeviceKind::LiftController,
        _ => DeviceKind::Seat,
    }
}

/// Registers `n` devices round-robin over the active sites; their tokens come from the secret as
/// the product's own.
pub async fn register(db: &Db, secret: &Secret, n: usize) -> anyhow::Result<Vec<SimDevice>> {
    let sites: Vec<(Uuid, String, String)> =
        sqlx::query_as("select id, public_code, kind from sites where active order by public_code")
            .fetch_all(&db.pool)
            .await?;
    anyhow::ensure!(
        !sites.is_empty(),
        "no active sites: load or import sites first"
    );
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (site, code, kind) = &sites[i % sites.len()];
        let kind = kind_for(SiteKind::try_from(kind.clone()).unwrap_or(SiteKind::Greenway));
        let id = Uuid::now_v7();
        let token = secret.device_token(&id);
        db.register_device(
            id,
            *site,
            kind,
            &format!("sim-{i:05}"),
            &device::token_hash(&token),
            None,
        )
        .await?;
        out.push(SimDevice {
            id,
            site_code: code.clone(),
            kind,
            token,
        });
    }
    Ok(out)
}

/// One reading of a device at `at` (China hour of day shapes the counts).
fn reading(
    rng: &mut impl Rng,
    d: &SimDevice,
    seq: usize,
    at: chrono::DateTime<chrono::Utc>,
) -> ReadingWire {
    use chrono::Timelike;
    let hour = (at + chrono::Duration::hours(8)).hour();
    let busy = matches!(hour, 7..=9 | 17..=20);
    let quiet = matches!(hour, 0..=5);
    let base: i64 = if quiet {
        0
    } else if busy {
        6
    } else {
        2
    };
    let uses = rng.gen_range(0..=base);
    let energy_wh = match d.kind {
        DeviceKind::Charger => uses * rng.gen_range(1500..6000),
        DeviceKind::LiftController => uses * rng.gen_range(20..60),
        DeviceKind::Seat => rng.gen_range(0..5),
    };
    ReadingWire {
        message_id: format!("{}-{seq:06}", d.id.simple()),
        at,
        uses,
        energy_wh,
        faults: i64::from(rng.gen_ratio(1, 500)),
    }
}

/// The messages to send, in order: every device's readings interleaved, some twice.
fn schedule(devices: &[SimDevice], plan: &Plan) -> Vec<(usize, usize)> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(plan.seed);
    let mut out = Vec::with_capacity(devices.len() * plan.readings_per_device);
    for seq in 0..plan.readings_per_device {
        for d in 0..devices.len() {
            out.push((d, seq));
            if rng.gen_ratio(plan.resend_permille.min(1000), 1000) {
                out.push((d, seq));
            }
        }
    }
    out
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Sends the plan's readings and waits until the distinct ones are stored.
pub async fn run(db: &Db, devices: &[SimDevice], plan: &Plan, via: &Via) -> anyhow::Result<Report> {
    let order = schedule(devices, plan);
    let distinct = devices.len() * plan.readings_per_device;
    let ids: Vec<Uuid> = devices.iter().map(|d| d.id).collect();
    let before: i64 =
        sqlx::query_scalar("select count(*) from device_readings where device_id = any($1)")
            .bind(&ids)
            .fetch_one(&db.pool)
            .await?;
    let started = Instant::now();
    let started_at = chrono::Utc::now();
    // A resend carries the same time as the first send: it is the same reading.
    let mut sent_at: std::collections::HashMap<(usize, usize), chrono::DateTime<chrono::Utc>> =
        std::collections::HashMap::with_capacity(distinct);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(plan.seed ^ 0x5eed);
    let mut latencies: Vec<f64> = Vec::new();
    match via {
        Via::Mqtt(url) => {
            let mut clients = Vec::new();
            for c in 0..plan.concurrency.max(1) {
                let url = if url.contains("client_id=") {
                    format!("{url}-{c}")
                } else {
                    let sep = if url.contains('?') { '&' } else { '?' };
                    format!("{url}{sep}client_id=jiandu-sim-{}-{c}", std::process::id())
                };
                let mut o = rumqttc::MqttOptions::parse_url(url)?;
                o.set_inflight(1000)
                    .set_max_packet_size(64 * 1024, 64 * 1024);
                let (client, mut events) = rumqttc::AsyncClient::new(o, 4096);
                let (done_tx, done_rx) = tokio::sync::watch::channel(0usize);
                tokio::spawn(async move {
                    let mut acks = 0usize;
                    loop {
                        match events.poll().await {
                            Ok(rumqttc::Event::Incoming(rumqttc::Packet::PubAck(_))) => {
                                acks += 1;
                                let _ = done_tx.send(acks);
                            }
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!(error = %e, "simulator: MQTT connection lost");
                                tokio::time::sleep(Duration::from_millis(200)).await;
                            }
                        }
                    }
                });
                clients.push((client, done_rx, 0usize));
            }
            let n = clients.len();
            for (i, (d, seq)) in order.iter().enumerate() {
                let at = *sent_at.entry((*d, *seq)).or_insert_with(chrono::Utc::now);
                let dev = &devices[*d];
                let msg = MqttMessage {
                    token: dev.token.clone(),
                    readings: vec![reading(&mut rng, dev, *seq, at)],
                };
                let (client, _, count) = &mut clients[i % n];
                client
                    .publish(
                        device::topic_of(&dev.site_code),
                        rumqttc::QoS::AtLeastOnce,
                        false,
                        serde_json::to_vec(&msg)?,
                    )
                    .await?;
                *count += 1;
            }
            // Every publish acknowledged by the broker.
            for (_, rx, count) in &mut clients {
                let want = *count;
                rx.wait_for(|acks| *acks >= want).await?;
            }
        }
        Via::Http(base) => {
            use futures::StreamExt;
            let http = reqwest::Client::builder()
                .pool_max_idle_per_host(plan.concurrency.max(1))
                .build()?;
            let mut jobs = Vec::with_capacity(order.len());
            for (d, seq) in &order {
                let at = *sent_at.entry((*d, *seq)).or_insert_with(chrono::Utc::now);
                let dev = &devices[*d];
                jobs.push((
                    format!("{base}/api/v1/sites/{}/readings", dev.site_code),
                    dev.token.clone(),
                    reading(&mut rng, dev, *seq, at),
                ));
            }
            let results: Vec<anyhow::Result<f64>> = futures::stream::iter(jobs)
                .map(|(url, token, mut r)| {
                    let http = http.clone();
                    async move {
                        // Sent now: its time is its send, for the latency to storing.
                        if r.at < chrono::Utc::now() - chrono::Duration::seconds(1) {
                            r.at = chrono::Utc::now();
                        }
                        let t = Instant::now();
                        let res = http.post(url).bearer_auth(token).json(&r).send().await?;
                        anyhow::ensure!(res.status().is_success(), "HTTP {}", res.status());
                        Ok(t.elapsed().as_secs_f64() * 1000.0)
                    }
                })
                .buffer_unordered(plan.concurrency.max(1))
                .collect()
                .await;
            for r in results {
                latencies.push(r?);
            }
        }
    }
    let send_seconds = started.elapsed().as_secs_f64();
    // Stored: every distinct reading (the subscriber stores what the broker took).
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let n: i64 =
            sqlx::query_scalar("select count(*) from device_readings where device_id = any($1)")
                .bind(&ids)
                .fetch_one(&db.pool)
                .await?;
        if n - before >= distinct as i64 {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {} of {distinct} readings stored in 10 minutes",
            n - before
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (last, p50, p99): (chrono::DateTime<chrono::Utc>, f64, f64) = sqlx::query_as(
        "select max(received_at),
                percentile_cont(0.5) within group (order by extract(epoch from received_at - at)),
                percentile_cont(0.99) within group (order by extract(epoch from received_at - at))
           from device_readings where device_id = any($1) and received_at >= $2",
    )
    .bind(&ids)
    .bind(started_at)
    .fetch_one(&db.pool)
    .await?;
    latencies.sort_by(f64::total_cmp);
    let stored_seconds = (last - started_at).num_milliseconds() as f64 / 1000.0;
    Ok(Report {
        sent: order.len(),
        distinct,
        send_seconds,
        stored_seconds,
        per_second: distinct as f64 / stored_seconds.max(0.001),
        request_p50_ms: (!latencies.is_empty()).then(|| percentile(&latencies, 0.5)),
        request_p99_ms: (!latencies.is_empty()).then(|| percentile(&latencies, 0.99)),
        stored_p50_ms: p50 * 1000.0,
        stored_p99_ms: p99 * 1000.0,
    })
}
