//! Server photo ingest speed: `media::ingest` (decode, EXIF, orient, 1600 px display copy and
//! 320 px thumbnail, re-encoded without metadata) over every JPEG in a folder, one at a time,
//! on one thread. Prints photos/s, p50 and p99. See docs/benchmarks.md for the command and the
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
    // One warm-up pass so that page faults and allocator growth do not count.
    let _ = server::media::ingest(&photos[0]);
    let mut times = Vec::with_capacity(photos.len());
    let start = Instant::now();
    for p in &photos {
        let t = Instant::now();
        server::media::ingest(p).expect("ingest");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let total = start.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    let pct = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "jiandu ingest: {} photos in {:.2} s = {:.1} photos/s, p50 {:.0} ms, p99 {:.0} ms",
        photos.len(),
        total,
        photos.len() as f64 / total,
        pct(0.5),
        pct(0.99)
    );
}
