-- Foundation: the structure of a year's livelihood projects, who supervises whom, and accounts.
-- Keys are UUIDv7 made by the application (time-ordered, so B-tree inserts stay local).
-- Later issues add observations, photos, public comments and list items in their own migrations.

create table dataset_info (
    key text primary key,
    value text not null
);

create table districts (
    id uuid primary key,
    code text not null unique check (code ~ '^[0-9]{6}$'),
    name_zh text not null check (length(name_zh) between 1 and 32),
    name_en text not null check (length(name_en) between 1 and 64)
);

create table lead_units (
    id uuid primary key,
    code text not null unique check (code ~ '^[a-z][a-z0-9-]{1,31}$'),
    name_zh text not null check (length(name_zh) between 1 and 64),
    name_en text not null check (length(name_en) between 1 and 128)
);

create table projects (
    id uuid primary key,
    year integer not null check (year between 2000 and 2100),
    number integer not null check (number between 1 and 99),
    title_zh text not null check (length(title_zh) between 1 and 128),
    title_en text not null check (length(title_en) between 1 and 256),
    summary_zh text not null default '',
    summary_en text not null default '',
    unique (year, number)
);

create table sub_items (
    id uuid primary key,
    project_id uuid not null references projects (id),
    number integer not null check (number between 1 and 99),
    title_zh text not null check (length(title_zh) between 1 and 128),
    title_en text not null check (length(title_en) between 1 and 256),
    lead_unit_id uuid not null references lead_units (id),
    target_quantity integer not null check (target_quantity > 0),
    target_unit_zh text not null check (length(target_unit_zh) between 1 and 16),
    target_unit_en text not null check (length(target_unit_en) between 1 and 32),
    deadline date not null,
    -- Yuan, whole: budgets are published in 万元 with at most two decimals, which fits.
    budget_yuan bigint not null check (budget_yuan >= 0),
    unique (project_id, number)
);
create index sub_items_lead_unit on sub_items (lead_unit_id);

create table sites (
    id uuid primary key,
    sub_item_id uuid not null references sub_items (id),
    district_id uuid not null references districts (id),
    name_zh text not null check (length(name_zh) between 1 and 128),
    name_en text not null check (length(name_en) between 1 and 256),
    address_zh text not null default '',
    kind text not null check (kind in (
        'greenway', 'lift_retrofit', 'estate_renovation', 'rental_housing', 'elderly_dining',
        'ev_charging', 'first_aid', 'school', 'rest_station', 'skills_training', 'waterway', 'park')),
    -- GeoJSON geometry in WGS-84 (Point, LineString or one-ring Polygon), checked by the
    -- application's domain rules before it gets here.
    geometry jsonb not null check (geometry ->> 'type' in ('Point', 'LineString', 'Polygon')),
    -- A point on the site (x = lon, y = lat) for index-backed nearest-site queries; exact
    -- distances to lines and polygons are computed in the application on the nearest few.
    anchor point not null,
    -- Printed on QR posters: never changes, never reused (no delete cascades into sites).
    public_code text not null unique check (public_code ~ '^[2-9A-HJKMNP-TV-Z]{7}$'),
    created_at timestamptz not null default now()
);
create index sites_anchor on sites using gist (anchor);
create index sites_sub_item on sites (sub_item_id);
create index sites_district on sites (district_id);

create table supervision_groups (
    id uuid primary key,
    number integer not null unique check (number between 1 and 99),
    name_zh text not null,
    name_en text not null
);

-- Supervision is organised by unit, not by project: a unit is followed by exactly one group.
create table group_units (
    group_id uuid not null references supervision_groups (id),
    unit_id uuid not null unique references lead_units (id),
    primary key (group_id, unit_id)
);

create table deputies (
    id uuid primary key,
    name_zh text not null check (length(name_zh) between 1 and 32),
    delegation_zh text not null default '',
    group_id uuid not null references supervision_groups (id)
);
create index deputies_group on deputies (group_id);

create table users (
    id uuid primary key,
    username text not null unique check (username ~ '^[a-z][a-z0-9._-]{2,31}$'),
    display_name text not null check (length(display_name) between 1 and 64),
    password_hash text not null,
    role text not null check (role in ('deputy', 'staff', 'unit_officer', 'admin')),
    unit_id uuid references lead_units (id),
    deputy_id uuid unique references deputies (id),
    is_active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check ((role = 'unit_officer') = (unit_id is not null)),
    check ((role = 'deputy') = (deputy_id is not null))
);
