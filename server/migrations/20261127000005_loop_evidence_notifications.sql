-- The closed loop, second part: evidence photos with answers, public comments taken into the
-- list, imported findings, in-app notifications, and the counters the dashboard reads.

-- Photos an officer sent with an answer, kept per answer (a reopened item answered again keeps
-- both answers' evidence on record).
create table list_item_photos (
    event_id bigint not null references list_item_events (id),
    item_id uuid not null references list_items (id),
    position smallint not null check (position between 0 and 8),
    sha256 text not null references photos (sha256),
    primary key (event_id, position),
    unique (event_id, sha256)
);
create index list_item_photos_item on list_item_photos (item_id);
create index list_item_photos_sha on list_item_photos (sha256);

-- A public comment marked as a problem goes into at most one item.
create table list_item_comments (
    item_id uuid not null references list_items (id),
    comment_id uuid not null unique references public_comments (id),
    primary key (item_id, comment_id)
);

-- One uploaded file of self-inspection or audit findings; every item it made points to it.
create table item_imports (
    id uuid primary key,
    file_name text not null check (length(file_name) between 1 and 255),
    channel text not null check (channel in ('self_inspection', 'special_audit')),
    rows integer not null check (rows > 0),
    imported_by uuid not null references users (id),
    at timestamptz not null default now()
);
alter table list_items add column import_id uuid references item_imports (id);
alter table list_items add column import_row integer check (import_row > 0);
alter table list_items add check ((import_id is null) = (import_row is null));
alter table list_items add check (import_id is null or channel in ('self_inspection', 'special_audit'));
-- The unit a finding names (an audit says who must fix it): where the item goes unless staff
-- choose otherwise when forwarding.
alter table list_items add column proposed_unit_id uuid references lead_units (id);

-- When the current answer came and when the item was closed: the dashboard's on-time rate and
-- weekly trend read these instead of searching the log. A reopen clears both.
alter table list_items add column answered_at timestamptz;
alter table list_items add column closed_at timestamptz;
update list_items i set answered_at = (select max(at) from list_item_events e
                                        where e.item_id = i.id and e.action = 'answer')
 where status in ('answered', 'closed');
update list_items i set closed_at = (select max(at) from list_item_events e
                                      where e.item_id = i.id and e.action = 'verify')
 where status = 'closed';
alter table list_items add check ((status in ('answered', 'closed')) = (answered_at is not null));
alter table list_items add check ((status = 'closed') = (closed_at is not null));
create index list_items_created on list_items (created_at);

-- Notifications in the app: one row per person per step they should hear about.
create table notifications (
    id bigserial primary key,
    user_id uuid not null references users (id),
    item_id uuid not null references list_items (id),
    event_id bigint not null references list_item_events (id),
    read_at timestamptz,
    unique (user_id, event_id)
);
create index notifications_user on notifications (user_id, id desc);
create index notifications_unread on notifications (user_id) where read_at is null;

-- The review queue reads newest first within one status.
create index observations_queue on observations (status, received_at desc, id desc);
create index observations_received on observations (received_at);

-- Observation counters for the dashboard, kept by a trigger: observations are never deleted
-- and never move site, so counting on insert stays exact, and the dashboard sums a few
-- thousand rows instead of a million observations on every view.
create table observation_counts (
    sub_item_id uuid not null references sub_items (id),
    district_id uuid not null references districts (id),
    deputy_user_id uuid not null references users (id),
    n bigint not null check (n > 0),
    primary key (sub_item_id, district_id, deputy_user_id)
);
create table observation_weeks (
    -- Monday of the week, China time.
    week date primary key,
    n bigint not null check (n > 0)
);

-- Per statement, so a bulk load counts in one pass.
create function count_observations() returns trigger language plpgsql as $$
begin
    insert into observation_counts (sub_item_id, district_id, deputy_user_id, n)
    select t.sub_item_id, t.district_id, r.deputy_user_id, count(*)
      from new_rows r join sites t on t.id = r.site_id
     group by 1, 2, 3
    on conflict (sub_item_id, district_id, deputy_user_id)
    do update set n = observation_counts.n + excluded.n;
    insert into observation_weeks (week, n)
    select date_trunc('week', received_at at time zone 'Asia/Shanghai')::date, count(*)
      from new_rows group by 1
    on conflict (week) do update set n = observation_weeks.n + excluded.n;
    return null;
end $$;
create trigger observations_count after insert on observations
    referencing new table as new_rows
    for each statement execute function count_observations();

insert into observation_counts (sub_item_id, district_id, deputy_user_id, n)
select t.sub_item_id, t.district_id, o.deputy_user_id, count(*)
  from observations o join sites t on t.id = o.site_id
 group by 1, 2, 3;
insert into observation_weeks (week, n)
select date_trunc('week', received_at at time zone 'Asia/Shanghai')::date, count(*)
  from observations group by 1;
