//! SQL for the staff map: points in a box counted into Web Mercator grid cells.

use super::Db;
use crate::error::AppError;
use crate::items::ReviewFilter;
use crate::map::points::PointCluster;

/// The review queue's site filters ($8–$12), as `review_queue` writes them.
const SITE_FILTERS: &str = "
    and ($8::uuid is null or s.project_id = $8)
    and ($9::uuid is null or s.id = $9)
    and ($10::uuid is null or s.lead_unit_id = $10)
    and ($11::uuid is null or s.lead_unit_id in (select unit_id from group_units where group_id = $11))
    and ($12::uuid is null or t.district_id = $12)";

impl Db {
    /// Cells are `cell_px` wide at `zoom` (the same arithmetic as `domain::mapping::grid_cell`);
    /// each cell and status is one cluster at the mean position of its points. `status` absent
    /// is every status. Observations take the review queue's `filter` (its status aside).
    pub async fn map_clusters(
        &self,
        layer: &str,
        (west, south, east, north): (f64, f64, f64, f64),
        zoom: f64,
        cell_px: f64,
        status: Option<&str>,
        filter: Option<&ReviewFilter>,
    ) -> Result<Vec<PointCluster>, AppError> {
        let per_observation = filter.is_some_and(|f| {
            f.kind.is_some()
                || f.verdict.is_some()
                || f.since.is_some()
                || f.until.is_some()
                || f.photo_not_on_site
                || f.photo_older_days.is_some()
        });
        // (lon, lat, status, n): items one by one at their site; observations from the counters
        // per site and status (migration 000006) while the filter is about sites only, else
        // counted from the observations themselves.
        let points = match (layer, filter) {
            ("items", _) | (_, None) => "
                select t.anchor[0] as lon, t.anchor[1] as lat, i.status, 1::bigint as n
                  from list_items i join sites t on t.id = i.site_id
                 where ($6::text is null or i.status = $6)
                   and t.anchor <@ box(point($1, $2), point($3, $4))"
                .to_owned(),
            _ if per_observation => format!(
                "select t.anchor[0] as lon, t.anchor[1] as lat, o.status, count(*) as n
                   from observations o
                   join sites t on t.id = o.site_id
                   join sub_items s on s.id = t.sub_item_id
                  where ($6::text is null or o.status = $6)
                    and t.anchor <@ box(point($1, $2), point($3, $4)) {SITE_FILTERS}
                    and ($13::text is null or o.kind = $13)
                    and ($14::text is null or o.verdict = $14)
                    and ($15::date is null or o.received_at >= ($15::date::timestamp at time zone 'Asia/Shanghai'))
                    and ($16::date is null or o.received_at < (($16::date + 1)::timestamp at time zone 'Asia/Shanghai'))
                    {PHOTO_FILTERS}
                  group by t.id, o.status",
                PHOTO_FILTERS = super::items::photo_filters(17, 18)
            ),
            _ => format!(
                "select t.anchor[0] as lon, t.anchor[1] as lat, c.status, c.n
                   from observation_site_status c
                   join sites t on t.id = c.site_id
                   join sub_items s on s.id = t.sub_item_id
                  where c.n > 0 and ($6::text is null or c.status = $6)
                    and t.anchor <@ box(point($1, $2), point($3, $4)) {SITE_FILTERS}"
            ),
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
        let mut query = sqlx::query_as(&q)
            .bind(west)
            .bind(south)
            .bind(east)
            .bind(north)
            .bind(256.0 * 2f64.powf(zoom))
            .bind(status)
            .bind(cell_px);
        if let (false, Some(f)) = (layer == "items", filter) {
            query = query
                .bind(f.project)
                .bind(f.sub_item)
                .bind(f.unit)
                .bind(f.group)
                .bind(f.district);
            if per_observation {
                query = query
                    .bind(f.kind.clone())
                    .bind(f.verdict.clone())
                    .bind(f.since)
                    .bind(f.until)
                    .bind(f.photo_not_on_site)
                    .bind(f.photo_older_days);
            }
        }
        Ok(query.fetch_all(&self.pool).await?)
    }
}
