use anyhow::Context;
use app::store::{media::MediaStore, Db};
use leptos::config::get_configuration;
use server::{config::Config, connect, load_demo, migrate, web};

const USAGE: &str =
    "usage: jiandu [serve|migrate|demo-data|purge|admin create USERNAME [DISPLAY NAME]
              |import plan|sites|deputies|groups|officers FILE [--year YYYY] [--dry-run]
              |simulate-devices mqtt|http URL [DEVICES [READINGS [CONCURRENCY]]]
              |photos-export DIR|photos-import DIR|cut-words]
  serve      migrate, optionally load demo data (JIANDU_LOAD_DEMO=1), then serve (default)
  migrate    apply database migrations and exit
  precompress
             write brotli (level 11) and gzip copies beside the built wasm, JS and CSS
             (LEPTOS_SITE_ROOT/pkg), served in place of compressing each request; the release
             server also does it at start for files whose copies are missing or older
  demo-data  apply migrations, load the demo data set and demo accounts, and exit; with
             JIANDU_DEMO_ACTIVITY=1 also its year in progress (accounts for the whole roster and
             every unit, observations with photos, items in every state, comments, audit file)
  purge      clear the public's phone numbers and address hashes older than their retention
             (JIANDU_PHONE_RETENTION_DAYS, JIANDU_CLIENT_RETENTION_DAYS) and exit
  admin create USERNAME [DISPLAY NAME]
             create an administrator (the first account of a new installation); the password
             is read from JIANDU_ADMIN_PASSWORD or the first line of standard input, never from
             the command line, and a weak one is refused
  import plan|sites|deputies|groups|officers FILE [--year YYYY] [--dry-run]
             import the year's implementation plan, sites (.xlsx, .csv or GeoJSON), deputies'
             roster or groups' units, all or nothing, and print a line per new or changed row
             (or per problem); --dry-run stores nothing; the year defaults to this year; exits
             0 only when the whole file was taken (JIANDU_SECRET keeps the roster's mobiles)
  simulate-devices mqtt|http URL [DEVICES [READINGS [CONCURRENCY]]]
             register DEVICES simulated devices (default 100) at the active sites, send
             READINGS readings each (default 10; one in a hundred sent twice) to the broker at
             URL (mqtt://host:1883) or the server at URL (http://host:3000), CONCURRENCY
             connections or requests at once (default 8 for MQTT, 64 for HTTP), wait until all
             are stored by the server, and print the rate and latencies
  cut-words  read lines from standard input and print each as the words hot topics count in
             it (jieba, as the server cuts them; one thread), then the time taken on standard
             error: to see what a stop word or synonym can match
  photos-export DIR
             copy every file of the photo store (JIANDU_MEDIA_DIR or JIANDU_MEDIA_URL) into DIR
             under its own key; files already there with the same size are kept
  photos-import DIR
             put every file under DIR back into the photo store, checking that each original
             hashes to its name (scripts/backup and scripts/restore add the database)";

/// `import KIND FILE [--year YYYY] [--dry-run]`, parsed.
struct ImportArgs {
    file: app::domain::registry::RegistryFile,
    path: std::path::PathBuf,
    year: Option<i32>,
    dry_run: bool,
}

fn import_args(args: &[String]) -> Option<ImportArgs> {
    let file = app::domain::registry::RegistryFile::parse(args.get(1)?)?;
    let path = std::path::PathBuf::from(args.get(2)?);
    let (mut year, mut dry_run) = (None, false);
    let mut rest = args[3..].iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--dry-run" => dry_run = true,
            "--year" => year = Some(rest.next()?.parse().ok()?),
            _ => return None,
        }
    }
    Some(ImportArgs {
        file,
        path,
        year,
        dry_run,
    })
}

/// The photo store the configuration names: an S3 bucket, or the local folder.
fn media_store(config: &Config) -> anyhow::Result<MediaStore> {
    match &config.media_url {
        Some(url) => MediaStore::s3(url).map_err(|e| anyhow::anyhow!("JIANDU_MEDIA_URL: {e}")),
        None => MediaStore::local(&config.media_dir).with_context(|| {
            format!(
                "cannot use {} for photos (JIANDU_MEDIA_DIR)",
                config.media_dir.display()
            )
        }),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::observe::init_logging()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().cloned().unwrap_or_else(|| "serve".into());
    let mut import = None;
    let admin_name = match (
        command.as_str(),
        args.get(1).map(String::as_str),
        args.get(2),
    ) {
        ("admin", Some("create"), Some(name)) if args.len() <= 4 => Some(name.clone()),
        ("serve" | "migrate" | "demo-data" | "purge" | "precompress" | "cut-words", None, None) => {
            None
        }
        ("photos-export" | "photos-import", Some(_), None) => None,
        ("simulate-devices", Some("mqtt" | "http"), Some(_)) if args.len() <= 6 => None,
        ("import", _, _) if import_args(&args).is_some() => {
            import = import_args(&args);
            None
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };

    if command == "cut-words" {
        use std::io::{BufRead, Write};
        let started = std::time::Instant::now();
        let (mut texts, mut words) = (0usize, 0usize);
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        for line in std::io::stdin().lock().lines() {
            let cut = app::topics::index::words(&line?);
            texts += 1;
            words += cut.len();
            writeln!(out, "{}", cut.join(" "))?;
        }
        out.flush()?;
        eprintln!(
            "{texts} texts, {words} words, {:.2} s (dictionary load included)",
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }

    if command == "precompress" {
        let options = get_configuration(None)?.leptos_options;
        let pkg =
            std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
        let started = std::time::Instant::now();
        let n = server::precompress::precompress_dir(&pkg)
            .with_context(|| format!("cannot compress the files in {}", pkg.display()))?;
        println!(
            "compressed {n} files in {} (brotli 11 and gzip 9) in {:.1} s",
            pkg.display(),
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }

    let config = Config::from_env()?;
    // The photo store alone: a restore puts the photos back before or after the database, and
    // neither half needs the other's server.
    if let Some(dir) = args.get(1).filter(|_| command.starts_with("photos-")) {
        let media = media_store(&config)?;
        let dir = std::path::Path::new(dir);
        let started = std::time::Instant::now();
        let copied = if command == "photos-export" {
            server::backup::export(&media, dir).await?
        } else {
            server::backup::import(&media, dir).await?
        };
        println!(
            "{}: {} files, {} bytes, in {:.1} s",
            if command == "photos-export" {
                "exported"
            } else {
                "imported"
            },
            copied.files,
            copied.bytes,
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let pool = connect(&config.database_url)
        .await
        .with_context(|| "cannot connect to the database named by DATABASE_URL")?;
    migrate(&pool).await.context("migrations failed")?;
    let db = Db::new(pool);
    if command == "migrate" {
        return Ok(());
    }
    if let Some(username) = admin_name {
        let password = match std::env::var("JIANDU_ADMIN_PASSWORD") {
            Ok(p) => p,
            Err(_) => {
                if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                    eprintln!("password for {username} (typed, then Enter):");
                }
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .context("cannot read the password from standard input")?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            }
        };
        let display = args.get(3).cloned().unwrap_or_else(|| "系统管理员".into());
        match server::create_admin(&db, &username, &display, &password).await {
            Ok(id) => {
                tracing::info!(%id, user = %username, "administrator created");
                println!(
                    "created administrator {username}: sign in at {}/login",
                    config.public_url
                );
                return Ok(());
            }
            Err(e) => {
                eprintln!("not created: {e}");
                std::process::exit(1);
            }
        }
    }
    if let Some(a) = import {
        let bytes =
            std::fs::read(&a.path).with_context(|| format!("cannot read {}", a.path.display()))?;
        let secret = match config.secret.as_deref() {
            Some(s) => Some(app::public::secret::Secret::from_hex(s)?),
            None => None,
        };
        let year = a
            .year
            .unwrap_or_else(|| chrono::Datelike::year(&app::ssr::today()));
        let name = a
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let outcome = server::registry::import_file(
            &db,
            secret.as_ref(),
            a.file,
            &name,
            bytes,
            year,
            a.dry_run,
            None,
        )
        .await;
        match outcome {
            Ok(o) => {
                for line in server::registry::report_lines(&o) {
                    println!("{line}");
                }
                if matches!(o, app::domain::registry::RegistryOutcome::Refused { .. }) {
                    std::process::exit(1);
                }
                return Ok(());
            }
            Err(e) => {
                eprintln!("not imported: {}", e.message);
                std::process::exit(1);
            }
        }
    }
    if command == "simulate-devices" {
        return simulate_devices(&db, &config, &args).await;
    }
    if command == "purge" {
        match server::purge(&db, config.retention)
            .await
            .map_err(|e| anyhow::anyhow!("purge: {}", e.message))?
        {
            Some((phones, clients)) => println!(
                "cleared {phones} phone numbers and {clients} client hashes past their retention"
            ),
            None => println!("a server is clearing them right now; nothing done here"),
        }
        return Ok(());
    }
    let media = media_store(&config)?;
    let copies_due = std::sync::Arc::new(tokio::sync::Notify::new());
    if command == "demo-data" || config.load_demo {
        load_demo(&db)
            .await
            .map_err(|e| anyhow::anyhow!("demo data: {e}"))?;
        tracing::info!("demo data loaded");
        if config.demo_activity {
            let started = std::time::Instant::now();
            match server::demo_year::load(&db, &media, &copies_due)
                .await
                .map_err(|e| anyhow::anyhow!("demo year: {}", e.message))?
            {
                Some(y) => tracing::info!(
                    observations = y.observations,
                    photos = y.photos,
                    items = y.items,
                    steps = y.steps,
                    comments = y.comments,
                    findings = y.findings,
                    seconds = started.elapsed().as_secs_f64(),
                    "demo year loaded"
                ),
                None => tracing::info!("demo year already loaded"),
            }
        }
        if command == "demo-data" {
            return Ok(());
        }
    }

    let mut options = get_configuration(None)?.leptos_options;
    if options.output_name.is_empty() {
        options.output_name = "jiandu".into();
    }
    let addr = options.site_addr;
    if options.env == leptos::config::Env::PROD {
        // A release build served without `jiandu precompress` first: the files are compressed
        // per request until their copies are written.
        let pkg =
            std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
        tokio::task::spawn_blocking(move || match server::precompress::precompress_dir(&pkg) {
            Ok(0) => {}
            Ok(n) => tracing::info!(files = n, "built files compressed"),
            Err(e) => {
                tracing::warn!(error = %e, dir = %pkg.display(), "built files not compressed; compressed per request instead")
            }
        });
    }
    let secret = config
        .secret
        .as_deref()
        .ok_or_else(|| {
            anyhow::anyhow!("JIANDU_SECRET is not set: 64 hex digits, e.g. `openssl rand -hex 32`")
        })
        .and_then(|s| Ok(app::public::secret::Secret::from_hex(s)?))?;
    let settings = web::Settings {
        cookie_secure: config.cookie_secure,
        metrics_token: config.metrics_token.clone(),
        public: app::ssr::PublicSettings {
            base_url: config.public_url.clone(),
            secret,
        },
        comment_limits: server::public::CommentLimits {
            burst: config.comment_burst,
            interval: std::time::Duration::from_secs(config.comment_interval_secs),
            trusted_proxies: config.trusted_proxies.clone(),
            read_burst: config.read_burst,
            read_interval: std::time::Duration::from_millis(config.read_interval_ms),
            device_burst: config.device_burst,
            device_interval: std::time::Duration::from_millis(config.device_interval_ms),
            ..Default::default()
        },
    };
    // The same purge daily, so retention holds without a cron job.
    let housekeeping = db.clone();
    let retention = config.retention;
    tokio::spawn(async move {
        let mut day = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
        loop {
            day.tick().await;
            if let Err(e) = server::purge(&housekeeping, retention).await {
                tracing::warn!(error = %e.message, "purge of personal data failed; tried again tomorrow");
            }
        }
    });
    // Texts written since are cut into words for hot topics every few minutes, so a topics page
    // finds little left to do (it catches up itself too).
    let words = db.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            every.tick().await;
            if let Err(e) = app::topics::index::catch_up(&words).await {
                tracing::warn!(error = %e.message, "hot-topic words not cut; tried again later");
            }
        }
    });
    if let Some(url) = &config.mqtt_url {
        server::mqtt::start(db.clone(), url)?;
    }
    // Only the server reads from the replica; the commands above work on the primary.
    let db = match &config.replica_url {
        Some(url) => {
            let replica = server::connect_replica(url)
                .context("DATABASE_REPLICA_URL is not a PostgreSQL address")?;
            tracing::info!(
                max_lag_secs = config.replica_max_lag.as_secs_f64(),
                "the dashboard, exports and public pages read from the replica while it is within its bound"
            );
            Db::with_replica(db.pool.clone(), replica, config.replica_max_lag)
        }
        None => db,
    };
    let app = web::router(db, media, options, settings)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!("Jiandu listening on http://{addr}");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

async fn simulate_devices(db: &Db, config: &Config, args: &[String]) -> anyhow::Result<()> {
    use server::simulate::{Plan, Via};
    let number = |i: usize, default: usize| -> anyhow::Result<usize> {
        args.get(i).map_or(Ok(default), |s| {
            s.parse()
                .map_err(|_| anyhow::anyhow!("{s:?} is not a number\n{USAGE}"))
        })
    };
    let url = args[2].trim_end_matches('/').to_owned();
    let mqtt = args[1] == "mqtt";
    let via = if mqtt { Via::Mqtt(url) } else { Via::Http(url) };
    let plan = Plan {
        devices: number(3, 100)?,
        readings_per_device: number(4, 10)?,
        resend_permille: 10,
        concurrency: number(5, if mqtt { 8 } else { 64 })?,
        seed: 7,
    };
    let secret = config
        .secret
        .as_deref()
        .ok_or_else(|| {
            anyhow::anyhow!("JIANDU_SECRET is not set: the server's, to make the devices' tokens")
        })
        .and_then(|s| Ok(app::public::secret::Secret::from_hex(s)?))?;
    let devices = server::simulate::register(db, &secret, plan.devices).await?;
    let r = server::simulate::run(db, &devices, &plan, &via).await?;
    println!(
        "{} readings ({} distinct) from {} devices over {}: sent in {:.2} s, all stored in {:.2} s: {:.0} readings/s; stored {:.0} ms after sending at p50, {:.0} ms at p99{}",
        r.sent,
        r.distinct,
        plan.devices,
        if mqtt { "MQTT" } else { "HTTP" },
        r.send_seconds,
        r.stored_seconds,
        r.per_second,
        r.stored_p50_ms,
        r.stored_p99_ms,
        match (r.request_p50_ms, r.request_p99_ms) {
            (Some(a), Some(b)) => format!("; requests {a:.1} ms p50, {b:.1} ms p99"),
            _ => String::new(),
        }
    );
    Ok(())
}
