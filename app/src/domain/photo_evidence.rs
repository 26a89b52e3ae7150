//! What a photo says as evidence: when and where it was taken (its EXIF, read on the phone before
//! the re-encode drops it), whether it came from the camera or the gallery, and the judgement of
//! both against the site and the project. The phone shows the judgement before saving; the
//! server makes it again from the same facts and stores it. None of it is ever published.

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::geometry::SiteGeometry;
use super::record::{FieldError, PhotoHash, PositionInput, PositionSource};
use super::verdict::{judge, Verdict};

/// A phone's GPS fix written into EXIF rarely says how good it was; this is what a phone
/// outdoors usually manages, so a photo within the site's own slack counts as taken there.
pub const EXIF_ACCURACY_M: f64 = 20.0;
/// A photo taken this long before it was chosen was not taken on this visit.
pub const OLD_AFTER_DAYS: i64 = 7;
/// Camera clocks drift and time zones are guessed (EXIF carries none): a photo "taken" up to
/// this long after it was chosen is still taken before it.
pub const CLOCK_SLACK_MIN: i64 = 10;
/// Photos taken within this before saving set the observation's time (when the deputy saw it).
pub const SAME_VISIT_HOURS: i64 = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoOrigin {
    /// Taken through the form's camera input.
    Camera,
    /// Chosen from the phone's gallery or files.
    Gallery,
}

impl PhotoOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoOrigin::Camera => "camera",
            PhotoOrigin::Gallery => "gallery",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [PhotoOrigin::Camera, PhotoOrigin::Gallery]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// The wire form of one photo's facts, in the order of the record's `photos`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PhotoFactsInput {
    /// The photo's SHA-256, the same as its place in `photos`.
    pub sha256: String,
    #[cfg_attr(feature = "ssr", schema(value_type = String, example = "camera"))]
    pub origin: PhotoOrigin,
    /// When the deputy added it to the record (the phone's clock).
    pub chosen_at: DateTime<Utc>,
    /// The EXIF capture time, if the photo carried one.
    #[serde(default)]
    pub taken_at: Option<DateTime<Utc>>,
    /// The EXIF GPS position, if the photo carried one.
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
}

/// One photo's facts that passed every rule.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoFacts {
    pub sha256: PhotoHash,
    pub origin: PhotoOrigin,
    pub chosen_at: DateTime<Utc>,
    pub taken_at: Option<DateTime<Utc>>,
    /// (lat, lon)
    pub position: Option<(f64, f64)>,
}

fn refuse(errors: &mut Vec<FieldError>, message: &str) {
    errors.push(FieldError {
        field: "photo_facts".into(),
        message: message.into(),
    });
}

/// Years a time may fall in: EXIF from a camera whose clock was never set says 2000 or 1970,
/// which is worth showing; years past 9999 are not times (and not storable).
fn plausible(t: DateTime<Utc>) -> bool {
    (1900..=9999).contains(&chrono::Datelike::year(&t))
}

/// Checks the facts against the record's photos: none at all (a phone from before this was
/// recorded), or one per photo in the same order. Refusals go into `errors`.
pub fn parse_photo_facts(
    raw: &[PhotoFactsInput],
    photos: &[PhotoHash],
    now: DateTime<Utc>,
    errors: &mut Vec<FieldError>,
) -> Vec<PhotoFacts> {
    if raw.is_empty() {
        return Vec::new();
    }
    if raw.len() != photos.len() || raw.iter().zip(photos).any(|(f, h)| f.sha256 != h.as_str()) {
        refuse(
            errors,
            "the photo facts must list the record's photos, one each, in the same order",
        );
        return Vec::new();
    }
    let mut out = Vec::with_capacity(raw.len());
    for (f, h) in raw.iter().zip(photos) {
        let position = match (f.lat, f.lon) {
            (None, None) => None,
            (Some(lat), Some(lon))
                if lat.is_finite()
                    && lon.is_finite()
                    && (-90.0..=90.0).contains(&lat)
                    && (-180.0..=180.0).contains(&lon) =>
            {
                Some((lat, lon))
            }
            _ => {
                refuse(
                    errors,
                    "a photo's position needs a latitude and a longitude in range",
                );
                None
            }
        };
        if f.chosen_at > now + Duration::minutes(CLOCK_SLACK_MIN) || !plausible(f.chosen_at) {
            refuse(errors, "a photo was chosen at an impossible time");
        }
        if f.taken_at.is_some_and(|t| !plausible(t)) {
            refuse(errors, "a photo's capture time is not a date");
        }
        out.push(PhotoFacts {
            sha256: h.clone(),
            origin: f.origin,
            chosen_at: f.chosen_at,
            taken_at: f.taken_at,
            position,
        });
    }
    out
}

impl PhotoFacts {
    /// The canonical form the replay fingerprint hashes.
    /// The same facts with the phone's times moved by `d` (its clock's correction): the time it
    /// was chosen and the EXIF time, which the same phone's clock wrote.
    pub fn shifted(&self, d: chrono::Duration) -> PhotoFacts {
        PhotoFacts {
            chosen_at: self.chosen_at + d,
            taken_at: self.taken_at.map(|t| t + d),
            ..self.clone()
        }
    }

    pub fn canonical(&self) -> serde_json::Value {
        serde_json::json!([
            self.sha256.as_str(),
            self.origin.as_str(),
            self.chosen_at.timestamp_millis(),
            self.taken_at.map(|t| t.timestamp_millis()),
            self.position
                .map(|(lat, lon)| (format!("{lat:.7}"), format!("{lon:.7}"))),
        ])
    }

    pub fn input(&self) -> PhotoFactsInput {
        PhotoFactsInput {
            sha256: self.sha256.as_str().to_owned(),
            origin: self.origin,
            chosen_at: self.chosen_at,
            taken_at: self.taken_at,
            lat: self.position.map(|p| p.0),
            lon: self.position.map(|p| p.1),
        }
    }
}

/// When a photo was taken, against the visit and the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoTime {
    /// Within [`OLD_AFTER_DAYS`] before it was chosen: this visit.
    Recent,
    /// Longer before it was chosen than that.
    Old,
    /// Before the project's year began: it cannot show the project's work.
    BeforeProject,
    /// After it was chosen (beyond clock slack): the camera's clock or the file is wrong.
    After,
    /// No capture time in the photo.
    Unknown,
}

impl PhotoTime {
    pub const ALL: [PhotoTime; 5] = [
        PhotoTime::Recent,
        PhotoTime::Old,
        PhotoTime::BeforeProject,
        PhotoTime::After,
        PhotoTime::Unknown,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoTime::Recent => "recent",
            PhotoTime::Old => "old",
            PhotoTime::BeforeProject => "before_project",
            PhotoTime::After => "after",
            PhotoTime::Unknown => "unknown",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl TryFrom<String> for PhotoTime {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or(s)
    }
}

/// The judgement of one photo.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PhotoJudgement {
    pub place: Verdict,
    /// Metres from the photo's position to the site.
    pub distance_m: Option<f64>,
    pub time: PhotoTime,
    /// Whole days between taking and choosing it (negative if "taken" later).
    pub age_days: Option<i64>,
}

impl PhotoJudgement {
    /// Whether the deputy and staff should look twice: taken elsewhere, long ago, before the
    /// project, or with an impossible time.
    pub fn doubtful(&self) -> bool {
        self.doubtful_place() || self.doubtful_time()
    }

    /// Taken near or away from the site.
    pub fn doubtful_place(&self) -> bool {
        matches!(self.place, Verdict::Near | Verdict::OffSite)
    }

    /// Taken long ago, before the project, or with an impossible time.
    pub fn doubtful_time(&self) -> bool {
        matches!(
            self.time,
            PhotoTime::Old | PhotoTime::BeforeProject | PhotoTime::After
        )
    }
}

/// The first moment of a project's year, China time: the projects are a year's promises.
pub fn project_start(year: i32) -> Option<DateTime<Utc>> {
    FixedOffset::east_opt(8 * 3600)?
        .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// Judges a photo's place by the same rules as the deputy's own position, and its time against
/// when it was chosen and when the project began.
pub fn judge_photo(
    site: &SiteGeometry,
    project_year: i32,
    taken_at: Option<DateTime<Utc>>,
    position: Option<(f64, f64)>,
    chosen_at: DateTime<Utc>,
) -> PhotoJudgement {
    let (place, distance_m) = match position {
        Some((lat, lon)) => judge(
            site,
            Some(&PositionInput {
                lat,
                lon,
                accuracy_m: EXIF_ACCURACY_M,
                source: PositionSource::Gps,
            }),
        ),
        None => (Verdict::Unknown, None),
    };
    let (time, age_days) = match taken_at {
        None => (PhotoTime::Unknown, None),
        Some(t) => {
            let age = chosen_at - t;
            let time = if t > chosen_at + Duration::minutes(CLOCK_SLACK_MIN) {
                PhotoTime::After
            } else if project_start(project_year).is_some_and(|s| t < s) {
                PhotoTime::BeforeProject
            } else if age > Duration::days(OLD_AFTER_DAYS) {
                PhotoTime::Old
            } else {
                PhotoTime::Recent
            };
            (time, Some(age.num_days()))
        }
    };
    PhotoJudgement {
        place,
        distance_m,
        time,
        age_days,
    }
}

impl PhotoFacts {
    pub fn judge(&self, site: &SiteGeometry, project_year: i32) -> PhotoJudgement {
        judge_photo(
            site,
            project_year,
            self.taken_at,
            self.position,
            self.chosen_at,
        )
    }
}

/// When the deputy saw what they record: the earliest photo taken within
/// [`SAME_VISIT_HOURS`] before saving, else the moment of saving. An old gallery photo does not
/// make the observation old.
pub fn observation_time(
    taken: impl IntoIterator<Item = Option<DateTime<Utc>>>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    taken
        .into_iter()
        .flatten()
        .filter(|t| *t <= now && now - *t <= Duration::hours(SAME_VISIT_HOURS))
        .min()
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn hash(n: u8) -> PhotoHash {
        PhotoHash::of(&[n])
    }

    fn facts(n: u8) -> PhotoFactsInput {
        PhotoFactsInput {
            sha256: hash(n).as_str().into(),
            origin: PhotoOrigin::Camera,
            chosen_at: t("2026-05-01T02:00:00Z"),
            taken_at: Some(t("2026-05-01T01:59:00Z")),
            lat: Some(30.27),
            lon: Some(120.16),
        }
    }

    const NOW: &str = "2026-05-01T03:00:00Z";

    #[test]
    fn facts_follow_the_photos_one_each_in_order() {
        let photos = [hash(1), hash(2)];
        let mut errors = Vec::new();
        let ok = parse_photo_facts(&[facts(1), facts(2)], &photos, t(NOW), &mut errors);
        assert_eq!(errors, vec![]);
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[1].position, Some((30.27, 120.16)));
        // None at all is an older phone's record.
        assert!(parse_photo_facts(&[], &photos, t(NOW), &mut errors).is_empty());
        assert!(errors.is_empty());
        for bad in [
            vec![facts(2), facts(1)],
            vec![facts(1)],
            vec![facts(1), facts(3)],
        ] {
            let mut errors = Vec::new();
            parse_photo_facts(&bad, &photos, t(NOW), &mut errors);
            assert_eq!(errors.len(), 1, "{bad:?}");
            assert_eq!(errors[0].field, "photo_facts");
        }
    }

    #[test]
    fn half_a_position_out_of_range_values_and_impossible_times_are_refused() {
        let photos = [hash(1)];
        let cases: Vec<fn(&mut PhotoFactsInput)> = vec![
            |f| f.lon = None,
            |f| f.lat = Some(f64::NAN),
            |f| f.lat = Some(91.0),
            |f| f.lon = Some(-181.0),
            |f| f.chosen_at = t("2026-05-02T00:00:00Z"),
            |f| f.chosen_at = t("1800-01-01T00:00:00Z"),
            |f| f.taken_at = Some(t("1850-01-01T00:00:00Z")),
        ];
        for (i, change) in cases.into_iter().enumerate() {
            let mut f = facts(1);
            change(&mut f);
            let mut errors = Vec::new();
            parse_photo_facts(&[f], &photos, t(NOW), &mut errors);
            assert!(!errors.is_empty(), "case {i}");
        }
        // A camera whose clock was never set is worth recording, not refusing.
        let mut f = facts(1);
        f.taken_at = Some(t("2000-01-01T00:00:00Z"));
        f.lat = None;
        f.lon = None;
        let mut errors = Vec::new();
        assert_eq!(
            parse_photo_facts(&[f], &photos, t(NOW), &mut errors).len(),
            1
        );
        assert!(errors.is_empty());
    }

    /// A point 120.16, 30.27; a line along a street; a square estate.
    fn sites() -> [SiteGeometry; 3] {
        [
            SiteGeometry::Point([120.16, 30.27]),
            SiteGeometry::LineString(vec![[120.15, 30.27], [120.17, 30.27]]),
            SiteGeometry::Polygon(vec![vec![
                [120.155, 30.265],
                [120.165, 30.265],
                [120.165, 30.275],
                [120.155, 30.275],
                [120.155, 30.265],
            ]]),
        ]
    }

    #[test]
    fn a_photo_is_placed_by_the_sites_own_rules_for_points_lines_and_polygons() {
        let chosen = t("2026-05-01T02:00:00Z");
        for site in sites() {
            let at =
                |lat: f64, lon: f64| judge_photo(&site, 2026, None, Some((lat, lon)), chosen).place;
            assert_eq!(at(30.27, 120.16), Verdict::OnSite, "{site:?}");
            // About 5 km north: off site for all three.
            assert_eq!(at(30.315, 120.16), Verdict::OffSite, "{site:?}");
            // About 200 m north of the site's edge (the polygon's edge is 30.275).
            let edge = if matches!(site, SiteGeometry::Polygon(_)) {
                30.275
            } else {
                30.27
            };
            assert_eq!(at(edge + 0.0018, 120.16), Verdict::Near, "{site:?}");
            assert_eq!(
                judge_photo(&site, 2026, None, None, chosen).place,
                Verdict::Unknown
            );
        }
        // Along the line, far from its middle, is still on the line.
        let [_, line, _] = sites();
        assert_eq!(
            judge_photo(&line, 2026, None, Some((30.27, 120.151)), chosen).place,
            Verdict::OnSite
        );
    }

    #[test]
    fn a_photos_time_is_judged_against_its_choosing_and_the_projects_year() {
        let [site, ..] = sites();
        let chosen = t("2026-05-01T02:00:00Z");
        let time = |taken: &str| judge_photo(&site, 2026, Some(t(taken)), None, chosen);
        assert_eq!(time("2026-05-01T01:00:00Z").time, PhotoTime::Recent);
        assert_eq!(time("2026-04-25T01:00:00Z").time, PhotoTime::Recent);
        let old = time("2026-03-01T01:00:00Z");
        assert_eq!((old.time, old.age_days), (PhotoTime::Old, Some(61)));
        assert!(old.doubtful());
        // 2026 begins at 2025-12-31T16:00Z in China.
        assert_eq!(time("2025-12-31T16:00:00Z").time, PhotoTime::Old);
        assert_eq!(time("2025-12-31T15:59:59Z").time, PhotoTime::BeforeProject);
        assert_eq!(time("2026-05-01T02:09:00Z").time, PhotoTime::Recent);
        assert_eq!(time("2026-05-01T02:11:00Z").time, PhotoTime::After);
        let none = judge_photo(&site, 2026, None, None, chosen);
        assert_eq!((none.time, none.age_days), (PhotoTime::Unknown, None));
        assert!(!none.doubtful());
        assert!(!time("2026-05-01T01:00:00Z").doubtful());
    }

    #[test]
    fn an_old_gallery_photo_does_not_make_the_observation_old() {
        let now = t(NOW);
        assert_eq!(
            observation_time([Some(t("2025-05-01T00:00:00Z")), None], now),
            now
        );
        assert_eq!(
            observation_time(
                [
                    Some(t("2025-05-01T00:00:00Z")),
                    Some(t("2026-05-01T01:00:00Z")),
                    Some(t("2026-05-01T02:00:00Z")),
                    // A clock ahead of now says nothing.
                    Some(t("2026-05-01T04:00:00Z")),
                ],
                now
            ),
            t("2026-05-01T01:00:00Z")
        );
    }

    #[test]
    fn the_canonical_form_changes_with_every_fact() {
        let photos = [hash(1)];
        let base = parse_photo_facts(&[facts(1)], &photos, t(NOW), &mut Vec::new());
        let changes: Vec<fn(&mut PhotoFactsInput)> = vec![
            |f| f.origin = PhotoOrigin::Gallery,
            |f| f.chosen_at = t("2026-05-01T02:00:01Z"),
            |f| f.taken_at = None,
            |f| f.lat = Some(30.2700001),
        ];
        for change in changes {
            let mut f = facts(1);
            change(&mut f);
            let other = parse_photo_facts(&[f], &photos, t(NOW), &mut Vec::new());
            assert_ne!(base[0].canonical(), other[0].canonical());
        }
        assert_eq!(base[0].input(), facts(1));
    }
}
