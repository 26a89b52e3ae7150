-- Where each site is in its life (the issue's "sites finished"): planned, under construction,
-- in service, closed. The unit sets it as the work goes on; every change is kept with who made
-- it and when, and a progress report keeps how many of the sub-item's sites were finished when it
-- was filed, so a report reads the same later.

alter table sites add column state text not null default 'planned'
    check (state in ('planned', 'under_construction', 'in_service', 'closed'));

create table site_state_changes (
    id bigserial primary key,
    site_id uuid not null references sites (id) on delete cascade,
    state text not null check (state in ('planned', 'under_construction', 'in_service', 'closed')),
    actor uuid not null references users (id),
    at timestamptz not null default now()
);
create index site_state_changes_site on site_state_changes (site_id, id);

-- A log: never rewritten. A site's removal (registry editing) takes its history with it.
create trigger site_state_changes_append_only before update on site_state_changes
    for each row execute function refuse_log_rewrite();

alter table progress_reports add column sites_finished integer check (sites_finished >= 0);
alter table progress_reports add column sites_total integer check (sites_total >= 0);
