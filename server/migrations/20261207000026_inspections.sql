-- Inspections (视察 / 督查): staff plan a visit for one or more supervision groups over a window
-- of days in China's calendar, with the sites in the order they are visited, the deputies
-- invited and the one who leads. Invited deputies check in at each site from their phones
-- (through the outbox, so a check-in made with no signal arrives once); an observation an
-- invited deputy makes at one of the sites on one of the days belongs to the inspection.

create table inspections (
    id uuid primary key,
    title text not null check (char_length(title) between 1 and 80),
    starts_on date not null,
    ends_on date not null,
    leader_deputy_id uuid not null references deputies (id),
    created_by uuid not null references users (id),
    created_at timestamptz not null default now(),
    check (ends_on >= starts_on and ends_on - starts_on < 31)
);
create index inspections_starts on inspections (starts_on desc, id desc);

create table inspection_groups (
    inspection_id uuid not null references inspections (id),
    group_id uuid not null references supervision_groups (id),
    primary key (inspection_id, group_id)
);

create table inspection_sites (
    inspection_id uuid not null references inspections (id),
    position smallint not null check (position between 0 and 59),
    -- A site deleted from the registry (only one nothing refers to) leaves the plans too.
    site_id uuid not null references sites (id) on delete cascade,
    primary key (inspection_id, position),
    unique (inspection_id, site_id)
);
create index inspection_sites_site on inspection_sites (site_id);

create table inspection_deputies (
    inspection_id uuid not null references inspections (id),
    deputy_id uuid not null references deputies (id),
    primary key (inspection_id, deputy_id)
);
create index inspection_deputies_deputy on inspection_deputies (deputy_id);

-- Where a deputy stood when they checked in at a site, judged like an observation's position.
-- The id is made on the phone: a resend is known by it.
create table inspection_check_ins (
    id uuid primary key,
    inspection_id uuid not null,
    site_id uuid not null,
    deputy_user_id uuid not null references users (id),
    checked_at timestamptz not null,
    lat double precision not null check (lat between -90 and 90),
    lon double precision not null check (lon between -180 and 180),
    accuracy_m double precision not null check (accuracy_m > 0),
    position_source text not null check (position_source in ('gps', 'manual_pin')),
    distance_m double precision check (distance_m >= 0),
    verdict text not null check (verdict in ('on_site', 'near', 'off_site', 'unknown')),
    fingerprint text not null,
    received_at timestamptz not null default now(),
    foreign key (inspection_id, site_id) references inspection_sites (inspection_id, site_id)
);
create index inspection_check_ins_inspection on inspection_check_ins (inspection_id, checked_at);
create index inspection_check_ins_deputy on inspection_check_ins (deputy_user_id, checked_at);
create trigger inspection_check_ins_append_only before update or delete on inspection_check_ins
    for each row execute function refuse_log_rewrite();

alter table observations add column inspection_id uuid references inspections (id);
create index observations_inspection on observations (inspection_id, received_at, id)
    where inspection_id is not null;
