-- The problem and suggestion list and its closed loop: items made from observations, forwarded
-- to a lead unit with a deadline, answered, verified; every step in an append-only log.

create table list_items (
    id uuid primary key,
    -- The list's running number within a year, as printed on the formal list.
    year integer not null,
    number integer not null,
    kind text not null check (kind in ('problem', 'suggestion')),
    channel text not null default 'deputy_inspection'
        check (channel in ('deputy_inspection', 'public_survey', 'self_inspection', 'special_audit')),
    site_id uuid not null references sites (id),
    description text not null check (length(description) between 1 and 2000),
    status text not null default 'draft'
        check (status in ('draft', 'forwarded', 'acknowledged', 'answered', 'closed')),
    unit_id uuid references lead_units (id),
    deadline date,
    answer text check (length(answer) <= 2000),
    answer_rating text check (answer_rating in ('satisfied', 'basic', 'dissatisfied')),
    created_by uuid not null references users (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (year, number),
    check ((status = 'draft') = (unit_id is null)),
    check ((status = 'draft') = (deadline is null))
);
create index list_items_unit on list_items (unit_id, status, deadline);
create index list_items_site on list_items (site_id, status);

-- An observation goes into at most one item (merging attaches it to an existing one).
create table list_item_observations (
    item_id uuid not null references list_items (id),
    observation_id uuid not null unique references observations (id),
    primary key (item_id, observation_id)
);

create table list_item_events (
    id bigserial primary key,
    item_id uuid not null references list_items (id),
    action text not null check (action in (
        'create', 'attach', 'forward', 'acknowledge', 'answer', 'verify', 'reopen', 'reassign', 'rate')),
    from_status text,
    to_status text not null,
    unit_id uuid references lead_units (id),
    deadline date,
    comment text,
    actor uuid not null references users (id),
    at timestamptz not null default now()
);
create index list_item_events_item on list_item_events (item_id, id);

alter table observations add column dismiss_reason text check (length(dismiss_reason) <= 500);
