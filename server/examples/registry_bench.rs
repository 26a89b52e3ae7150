//! Importing a year's registry at scale: a plan of 50 projects / 300 sub-items, 20,000 sites
//! and a roster of 5,000 deputies (generated, deterministic), each through the product's own
//! path (`server::registry::import_file`: read, check, store in one transaction), then the same
//! files again (nothing changes), and beside each the baseline of moving the same rows into
//! PostgreSQL without any checking: `psql \copy` of the same CSV into a table of text columns.
//! Prints wall time and the process's peak resident memory per step (reset before each step).
//!
//! `DATABASE_URL=postgres://…/anything cargo run --release -p server --example registry_bench`
//! (the database named `jiandu_registry_bench` on that server is dropped and made again).

use std::fmt::Write as _;
use std::time::Instant;

use app::domain::registry::{Change, RegistryFile, RegistryOutcome};

const PROJECTS: usize = 50;
const SUB_ITEMS_PER_PROJECT: usize = 6;
const SITES: usize = 20_000;
const DEPUTIES: usize = 5_000;
const SECRET: &str = "5f1e0c7a9b3d2e4f60718293a4b5c6d7e8f90112233445566778899aabbccdde";

fn plan_csv() -> String {
    let units = [
        "市建委",
        "市民政局",
        "市卫健委",
        "市教育局",
        "市园文局",
        "市林水局",
        "市交通局",
        "市城管局",
    ];
    let mut s = String::from(
        "项目编号,项目名称,子项目编号,子项目名称,牵头单位,目标数量,计量单位,完成时限,预算(万元)\n",
    );
    for p in 1..=PROJECTS {
        for n in 1..=SUB_ITEMS_PER_PROJECT {
            let _ = writeln!(
                s,
                "{p},民生实事项目 {p},{n},子项目 {p}-{n},{},{},个,2026-12-31,{}.{}",
                units[(p + n) % units.len()],
                100 + p * n,
                1000 + p * 10 + n,
                n % 10
            );
        }
    }
    s
}

fn sites_csv() -> String {
    let districts = [
        "上城区",
        "拱墅区",
        "西湖区",
        "滨江区",
        "萧山区",
        "余杭区",
        "临平区",
        "钱塘区",
    ];
    let mut s = String::from("点位编号,点位名称,子项目编号,类型,区县,地址,经度,纬度,坐标系\n");
    for i in 0..SITES {
        let p = i % PROJECTS + 1;
        let n = (i / PROJECTS) % SUB_ITEMS_PER_PROJECT + 1;
        // Spread over Hangzhou, every third row in GCJ-02 as copied off AMap.
        let lon = 120.0 + (i % 200) as f64 * 0.0035;
        let lat = 30.0 + (i / 200) as f64 * 0.0058;
        let crs = if i % 3 == 0 { "GCJ02" } else { "WGS84" };
        let _ = writeln!(
            s,
            "S{i:06},点位 {i},{p}-{n},加装电梯,{},某路 {i} 号,{lon:.6},{lat:.6},{crs}",
            districts[i % districts.len()]
        );
    }
    s
}

fn roster_csv() -> String {
    let mut s = String::from("姓名,代表团,监督小组,手机号\n");
    for i in 0..DEPUTIES {
        let _ = writeln!(
            s,
            "代表{i:05},第{}代表团,{},139{:08}",
            i % 13 + 1,
            i % 10 + 1,
            i
        );
    }
    s
}

/// Peak resident memory since the last reset, in MB (Linux: VmHWM; `5` in clear_refs resets it).
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL names the PostgreSQL server");
    let base = url
        .rsplit_once('/')
        .map(|(b, _)| b.to_owned())
        .unwrap_or(url);
    let admin = sqlx::PgPool::connect(&format!("{base}/postgres")).await?;
    sqlx::query("drop database if exists jiandu_registry_bench with (force)")
        .execute(&admin)
        .await?;
    sqlx::query("create database jiandu_registry_bench")
        .execute(&admin)
        .await?;
    let bench_url = format!("{base}/jiandu_registry_bench");
    let pool = server::connect(&bench_url).await?;
    server::migrate(&pool).await?;
    let db = app::store::Db::new(pool.clone());
    let secret = app::public::secret::Secret::from_hex(SECRET)?;
    let dir = std::path::Path::new("target/bench-registry");
    std::fs::create_dir_all(dir)?;
    let files = [
        (RegistryFile::Plan, "plan.csv", plan_csv(), 9),
        (RegistryFile::Sites, "sites.csv", sites_csv(), 9),
        (RegistryFile::Deputies, "deputies.csv", roster_csv(), 4),
    ];
    println!("step | rows | bytes | wall s | peak RSS MB | result");
    for round in ["first import", "same files again"] {
        for (kind, name, body, _) in &files {
            std::fs::write(dir.join(name), body)?;
            reset_peak();
            let t = Instant::now();
            let outcome = server::registry::import_file(
                &db,
                Some(&secret),
                *kind,
                name,
                body.clone().into_bytes(),
                2026,
                false,
                None,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let secs = t.elapsed().as_secs_f64();
            let result = match &outcome {
                RegistryOutcome::Done(r) => format!(
                    "{} new, {} changed, {} unchanged",
                    r.count(Change::New),
                    r.count(Change::Changed),
                    r.count(Change::Unchanged)
                ),
                RegistryOutcome::Refused { errors } => {
                    anyhow::bail!("{name} refused: {:?}", &errors[..errors.len().min(3)])
                }
            };
            println!(
                "jiandu import {} ({round}) | {} | {} | {secs:.2} | {:.0} | {result}",
                kind.as_str(),
                body.lines().count() - 1,
                body.len(),
                peak_mb()
            );
        }
    }
    // The baseline: the same bytes into PostgreSQL with no checking at all.
    for (_, name, body, columns) in &files {
        let table = format!("copy_{}", name.trim_end_matches(".csv"));
        let cols: Vec<String> = (0..*columns).map(|i| format!("c{i} text")).collect();
        sqlx::raw_sql(&format!(
            "drop table if exists {table}; create table {table} ({})",
            cols.join(", ")
        ))
        .execute(&pool)
        .await?;
        let path = dir.join(name).canonicalize()?;
        let t = Instant::now();
        let out = std::process::Command::new("psql")
            .arg(&bench_url)
            .arg("-qc")
            .arg(format!(
                "\\copy {table} from '{}' with (format csv, header true)",
                path.display()
            ))
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "psql: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        println!(
            "psql \\copy {name} (baseline, no checks) | {} | {} | {:.2} | (psql) | copied",
            body.lines().count() - 1,
            body.len(),
            t.elapsed().as_secs_f64()
        );
    }
    pool.close().await;
    sqlx::query("drop database if exists jiandu_registry_bench with (force)")
        .execute(&admin)
        .await?;
    Ok(())
}
