-- Progress against targets (the report's 产出指标): a unit reports per sub-item, as often as it
-- likes, the quantity done so far and the funds paid by source; staff may query a figure, which
-- goes back to the unit with a reason. Both are logs: never changed, never deleted.

create table progress_reports (
    id uuid primary key,
    sub_item_id uuid not null references sub_items (id),
    quantity_done integer not null check (quantity_done >= 0),
    paid_government_yuan bigint not null check (paid_government_yuan >= 0),
    paid_residents_yuan bigint not null check (paid_residents_yuan >= 0),
    paid_social_yuan bigint not null check (paid_social_yuan >= 0),
    note text not null default '' check (length(note) <= 2000),
    author uuid not null references users (id),
    at timestamptz not null default now()
);
create index progress_reports_sub_item on progress_reports (sub_item_id, at desc, id desc);

create table progress_report_photos (
    report_id uuid not null references progress_reports (id),
    sha256 text not null references photos (sha256),
    position smallint not null check (position between 0 and 5),
    primary key (report_id, sha256)
);
create index progress_report_photos_sha on progress_report_photos (sha256);

create table progress_queries (
    id bigserial primary key,
    report_id uuid not null references progress_reports (id),
    reason text not null check (length(reason) between 1 and 500),
    actor uuid not null references users (id),
    at timestamptz not null default now()
);
create index progress_queries_report on progress_queries (report_id, id);

create trigger progress_reports_append_only before update or delete on progress_reports
    for each row execute function refuse_log_rewrite();
create trigger progress_report_photos_append_only before update or delete on progress_report_photos
    for each row execute function refuse_log_rewrite();
create trigger progress_queries_append_only before update or delete on progress_queries
    for each row execute function refuse_log_rewrite();

-- The margin staff allow before a sub-item counts as behind: one row for the installation.
create table progress_settings (
    only_row boolean primary key default true check (only_row),
    behind_margin_pct integer not null default 10 check (behind_margin_pct between 0 and 50)
);
insert into progress_settings default values;

-- A notification is now of an item's step, a dismissed observation or a queried report.
alter table notifications drop constraint notifications_check;
alter table notifications add column progress_query_id bigint references progress_queries (id);
alter table notifications
    add check (num_nonnulls(event_id, observation_event_id, progress_query_id) = 1);
create unique index notifications_progress_query on notifications (user_id, progress_query_id)
    where progress_query_id is not null;
