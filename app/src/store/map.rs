//! SQL for the staff map: points in a box counted into Web Mercator grid cells.

use super::Db;
use crate::error::AppError;
use crate::map::points::PointCluster;

impl Db {
    /// Cells are `cell_px` wide at `zoom` (the same arithmetic as `domain::mapping::grid_cell`);
    /// each cell and status is one cluster at the mean position of its points.
    pub async fn map_clusters(
        &self,
        layer: &str,
        (west, south, east, north): (f64, f64, f64, f64),
        zoom: f64,
        cell_px: f64,
        status: Option<&str>,
    ) -> Result<Vec<PointCluster>, AppError> {
        let points = match layer {
            "items" => {
                "select t.anchor[0] as lon, t.anchor[1] as lat, i.status
                   from list_items i join sites t on t.id = i.site_id
                  where ($6::text is null or i.status = $6)
                    and t.anchor <@ box(point($1, $2), point($3, $4))"
            }
            _ => {
                "select coalesce(o.lon, t.anchor[0]) as lon, coalesce(o.lat, t.anchor[1]) as lat,
                        o.status
                   from observations o join sites t on t.id = o.site_id
                  where ($6::text is null or o.status = $6)
                    and coalesce(o.lon, t.anchor[0]) between $1 and $3
                    and coalesce(o.lat, t.anchor[1]) between $2 and $4"
            }
        };
        let q = format!(
            "with p as ({points}),
                  g as (select lon, lat, status,
                               floor((lon + 180) / 360 * $5 / $7) as cx,
                               floor((1 - ln(tan(radians(lat)) + 1 / cos(radians(lat))) / pi())
                                     / 2 * $5 / $7) as cy
                          from p)
             select avg(lon) as lon, avg(lat) as lat, count(*) as n, status
               from g group by cx, cy, status
              order by n desc"
        );
        Ok(sqlx::query_as(&q)
            .bind(west)
            .bind(south)
            .bind(east)
            .bind(north)
            .bind(256.0 * 2f64.powf(zoom))
            .bind(status)
            .bind(cell_px)
            .fetch_all(&self.pool)
            .await?)
    }
}
