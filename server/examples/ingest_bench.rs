//! Server photo ingest speed: `media::ingest` (decode, EXIF, orient, 1600 px display copy and
//! 320 px thumbnail, re-encoded without metadata) over every JPEG in a folder, one at a time,
//! on one thread, and `media::check` alone (what an upload's answer waits for). Prints photos/s,
//! p50 and p99. See docs/benchmarks.md for the command and the
//! ImageMagick baseline run beside it.

use std::time::Instant;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: ingest_bench <folder of JPEGs>");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    files.sort();
    let photos: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(f).expect("read"))
        .collect();
    type Step = fn(&[u8]) -> bool;
    let steps: [(&str, Step); 2] = [
        ("jiandu ingest (check + copies)", |p| {
            server::media::ingest(p, server::media::DecodeLimits::ACCOUNT).is_ok()
        }),
        // What an upload waits for since the copies are made in the background.
        ("jiandu check (the upload's answer waits for this)", |p| {
            server::media::check(p).is_ok()
        }),
    ];
    for (name, step) in steps {
        // One warm-up pass so that page faults and allocator growth do not count.
        step(&photos[0]);
        let mut times = Vec::with_capacity(photos.len());
        let start = Instant::now();
        for p in &photos {
            let t = Instant::now();
            assert!(step(p), "{name} refused a bench photo");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let total = start.elapsed().as_secs_f64();
        times.sort_by(f64::total_cmp);
        let pct = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
        println!(
            "{name}: {} photos in {:.2} s = {:.1} photos/s, p50 {:.0} ms, p99 {:.0} ms",
            photos.len(),
            total,
            photos.len() as f64 / total,
            pct(0.5),
            pct(0.99)
        );
    }
}
