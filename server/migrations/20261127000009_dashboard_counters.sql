-- The dashboard's observation figures per lead unit, group, project and district need sums and
-- distinct deputies. Counted per sub-item × district × deputy (41,811 rows on the benchmark's
-- million observations), the distinct counts sorted that table four ways on every view. Two
-- narrower counters hold the same facts: sub-item × deputy (units, groups and projects derive
-- from the sub-item; 3,801 rows there) and district × deputy (12,300); a row per (key,
-- deputy) makes "deputies" a plain count(*).
create table observation_sub_deputies (
    sub_item_id uuid not null references sub_items (id),
    deputy_user_id uuid not null references users (id),
    n bigint not null check (n > 0),
    primary key (sub_item_id, deputy_user_id)
);
create table observation_district_deputies (
    district_id uuid not null references districts (id),
    deputy_user_id uuid not null references users (id),
    n bigint not null check (n > 0),
    primary key (district_id, deputy_user_id)
);

create or replace function count_observations() returns trigger language plpgsql as $$
begin
    insert into observation_sub_deputies (sub_item_id, deputy_user_id, n)
    select t.sub_item_id, r.deputy_user_id, count(*)
      from new_rows r join sites t on t.id = r.site_id
     group by 1, 2
    on conflict (sub_item_id, deputy_user_id)
    do update set n = observation_sub_deputies.n + excluded.n;
    insert into observation_district_deputies (district_id, deputy_user_id, n)
    select t.district_id, r.deputy_user_id, count(*)
      from new_rows r join sites t on t.id = r.site_id
     group by 1, 2
    on conflict (district_id, deputy_user_id)
    do update set n = observation_district_deputies.n + excluded.n;
    insert into observation_weeks (week, n)
    select date_trunc('week', received_at at time zone 'Asia/Shanghai')::date, count(*)
      from new_rows group by 1
    on conflict (week) do update set n = observation_weeks.n + excluded.n;
    return null;
end $$;

insert into observation_sub_deputies (sub_item_id, deputy_user_id, n)
select sub_item_id, deputy_user_id, sum(n) from observation_counts group by 1, 2;
insert into observation_district_deputies (district_id, deputy_user_id, n)
select district_id, deputy_user_id, sum(n) from observation_counts group by 1, 2;
drop table observation_counts;

-- The weekly trend counts items answered and closed per week since twelve weeks ago.
create index list_items_answered on list_items (answered_at) where answered_at is not null;
create index list_items_closed on list_items (closed_at) where closed_at is not null;
