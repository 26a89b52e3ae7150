//! The staff map's points: observations or list items in view, counted into grid clusters on
//! the server so that a million observations cost the browser a few dozen circles. Every point
//! in view is in exactly one cluster, so cluster counts add up to the list's count for the same
//! filter.

// A server function's arguments are its form fields; the map takes the review queue's filters.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{MapItem, MapView, Shape, Viewport};
use crate::domain::LonLat;
use crate::error::AppError;

/// Cluster cells are this many pixels wide on screen.
pub const CELL_PX: f64 = 64.0;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PointCluster {
    pub lon: f64,
    pub lat: f64,
    pub n: i64,
    pub status: String,
}

/// `layer`: observations or items, each drawn at its site; the box is WGS-84 degrees. The
/// filter is the review queue's, parsed by the same code, except that no `status` means every
/// status; items follow only `status`.
#[server(endpoint = "map/points")]
pub async fn map_points(
    layer: String,
    west: f64,
    south: f64,
    east: f64,
    north: f64,
    zoom: f64,
    status: Option<String>,
    project: Option<String>,
    sub_item: Option<String>,
    unit: Option<String>,
    group: Option<String>,
    district: Option<String>,
    kind: Option<String>,
    verdict: Option<String>,
    since: Option<String>,
    until: Option<String>,
    photo_place: Option<String>,
    photo_older_days: Option<String>,
) -> Result<Vec<PointCluster>, AppError> {
    crate::ssr::run(async move {
        crate::auth::ssr::require(|u| u.role.is_staff()).await?;
        let finite = [west, south, east, north, zoom]
            .iter()
            .all(|v| v.is_finite());
        if !finite || west >= east || south >= north || !(0.0..=22.0).contains(&zoom) {
            return Err(AppError::invalid(
                "west",
                "give a box west < east, south < north and a zoom 0–22",
            ));
        }
        let layer = match layer.as_str() {
            "observations" | "items" => layer,
            _ => return Err(AppError::invalid("layer", "observations or items")),
        };
        let status = status.filter(|s| !s.is_empty());
        let filter = if layer == "observations" {
            Some(
                crate::items::QueueFilter {
                    status: status.clone(),
                    project,
                    sub_item,
                    unit,
                    group,
                    district,
                    kind,
                    verdict,
                    since,
                    until,
                    photo_place,
                    photo_older_days,
                }
                .parse()?,
            )
        } else {
            None
        };
        crate::ssr::db()?
            .map_clusters(
                &layer,
                (west, south, east, north),
                zoom,
                CELL_PX,
                status.as_deref(),
                filter.as_ref(),
            )
            .await
    })
    .await
}

/// A map of one layer, reloaded for each view the staff member settles on. The filter is the
/// page's (a plain GET form changes it with a new page).
#[cfg_attr(feature = "desk-islands", island)]
#[cfg_attr(not(feature = "desk-islands"), component)]
pub fn PointsMap(
    locale: crate::i18n::Locale,
    layer: String,
    id: String,
    filter: crate::items::QueueFilter,
    provider: Option<super::TileProvider>,
) -> impl IntoView {
    crate::ui::island::enter(locale, crate::ui::island::DESK);
    let clusters = RwSignal::new(Vec::<PointCluster>::new());
    // Views settle faster than answers come back: only the newest asked-for view is drawn.
    let asked = StoredValue::new(0u64);
    let on_view = Callback::new(move |vp: Viewport| {
        asked.update_value(|n| *n += 1);
        let this = asked.get_value();
        let (layer, f) = (layer.clone(), filter.clone());
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            // Clusters are computed in WGS-84; a GCJ-02 basemap only moves where they are drawn.
            let (sw, ne) = vp.bounds(crate::domain::mapping::Datum::Wgs84);
            let answer = map_points(
                layer,
                sw.lon,
                sw.lat,
                ne.lon,
                ne.lat,
                vp.zoom,
                f.status,
                f.project,
                f.sub_item,
                f.unit,
                f.group,
                f.district,
                f.kind,
                f.verdict,
                f.since,
                f.until,
                f.photo_place,
                f.photo_older_days,
            )
            .await;
            if let (Ok(c), true) = (answer, asked.get_value() == this) {
                clusters.set(c);
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (vp, this, layer, f);
    });
    let items = Signal::derive(move || {
        clusters
            .get()
            .into_iter()
            .map(|c| MapItem {
                shape: Shape::Cluster {
                    at: LonLat {
                        lon: c.lon,
                        lat: c.lat,
                    },
                    n: c.n as u64,
                },
                class: format!("cluster status-{}", c.status),
                href: None,
                title: format!("{} · {}", c.status, c.n),
            })
            .collect::<Vec<_>>()
    });
    view! { <MapView items=items provider=provider id=id on_view=on_view fixed=true /> }
}
