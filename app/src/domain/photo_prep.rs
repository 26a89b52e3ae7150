//! How the phone prepares a photo before queueing it: at most 2048 px on the long edge, JPEG,
//! quality stepped down until it fits the size budget.

pub const MAX_EDGE: u32 = 2048;
pub const TARGET_BYTES: u32 = 400 * 1024;
pub const START_QUALITY: f64 = 0.8;
pub const MIN_QUALITY: f64 = 0.45;

/// The size to draw a `w`×`h` photo at: unchanged when it fits, else scaled to `MAX_EDGE`.
pub fn scaled_size(w: u32, h: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= MAX_EDGE || long == 0 {
        return (w, h);
    }
    let f = f64::from(MAX_EDGE) / f64::from(long);
    (
        ((f64::from(w) * f).round() as u32).max(1),
        ((f64::from(h) * f).round() as u32).max(1),
    )
}

/// The next quality to try after an encode of `bytes` at `quality`, or None to keep it.
pub fn next_quality(quality: f64, bytes: u32) -> Option<f64> {
    (bytes > TARGET_BYTES && quality - 0.1 >= MIN_QUALITY - 1e-9).then_some(quality - 0.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_the_long_edge_only_when_needed() {
        assert_eq!(scaled_size(4000, 3000), (2048, 1536));
        assert_eq!(scaled_size(3000, 4000), (1536, 2048));
        assert_eq!(scaled_size(1200, 900), (1200, 900));
        assert_eq!(scaled_size(0, 0), (0, 0));
    }

    #[test]
    fn steps_quality_down_to_a_floor() {
        assert_eq!(next_quality(0.8, 300_000), None);
        let q = next_quality(0.8, 600_000).unwrap();
        assert!((q - 0.7).abs() < 1e-9);
        assert_eq!(next_quality(0.45, 900_000), None);
    }
}
