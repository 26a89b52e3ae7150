-- The staff map draws observations at their site: a counter per site and status, kept by
-- statement-level triggers, lets a city-wide map read a hundred thousand sites instead of a
-- million observations. Every observation is counted once, at one site, in its current status,
-- so a map cluster's count is exactly the number of observations it stands for.

create table observation_site_status (
    site_id uuid not null references sites (id),
    status text not null,
    n bigint not null check (n >= 0),
    primary key (site_id, status)
);

create function count_observation_status() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE' then
        update observation_site_status c set n = c.n - d.n
          from (select site_id, status, count(*) as n from old_rows group by 1, 2) d
         where c.site_id = d.site_id and c.status = d.status;
    end if;
    insert into observation_site_status (site_id, status, n)
    select site_id, status, count(*) from new_rows group by 1, 2
    on conflict (site_id, status) do update set n = observation_site_status.n + excluded.n;
    return null;
end $$;

create trigger observations_site_status_insert after insert on observations
    referencing new table as new_rows
    for each statement execute function count_observation_status();
create trigger observations_site_status_update after update on observations
    referencing old table as old_rows new table as new_rows
    for each statement execute function count_observation_status();

insert into observation_site_status (site_id, status, n)
select site_id, status, count(*) from observations group by 1, 2;
