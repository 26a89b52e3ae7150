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
        // (lon, lat, status, n): items one by one at their site; observations from the counters
        // per site and status (migration 000006).
        let points = match layer {
            "items" => {
                "select t.anchor[0] as lon, t.anchor[1] as lat, i.status, 1::bigint as n
                   from list_items i join sites t on t.id = i.site_id
                  where ($6::text is null or i.status = $6)
                    and t.anchor <@ box(point($1, $2), point($3, $4))"
            }
            _ => {
                "select t.anchor[0] as lon, t.anchor[1] as lat, c.status, c.n
                   from observation_site_status c join sites t on t.id = c.site_id
                  where c.n > 0 and ($6::text is null or c.status = $6)
                    and t.anchor <@ box(point($1, $2), point($3, $4))"
            }
        };
        let q = format!(
            "with p as ({points}),
                  g as (select lon, lat, status, n,
                               floor((lon + 180) / 360 * $5 / $7) as cx,
                               floor((1 - ln(tan(radians(lat)) + 1 / cos(radians(lat))) / pi())
                                     / 2 * $5 / $7) as cy
                          from p)
             select sum(lon * n) / sum(n) as lon, sum(lat * n) / sum(n) as lat,
                    sum(n)::bigint as n, status
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
