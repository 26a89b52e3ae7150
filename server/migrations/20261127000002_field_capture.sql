-- Field capture: photos (content-addressed by SHA-256) and deputies' observations.

create table photos (
    sha256 text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
    byte_size integer not null check (byte_size > 0),
    width integer not null check (width > 0),
    height integer not null check (height > 0),
    -- Read from the original's EXIF before it was stripped from the copies we serve.
    exif_lat double precision check (exif_lat between -90 and 90),
    exif_lon double precision check (exif_lon between -180 and 180),
    exif_taken_at timestamptz,
    uploaded_by uuid not null references users (id),
    created_at timestamptz not null default now()
);

create table observations (
    -- Made on the phone (UUIDv7): a resend carries the same id, which is how a replay is known.
    id uuid primary key,
    deputy_user_id uuid not null references users (id),
    site_id uuid not null references sites (id),
    kind text not null check (kind in ('problem', 'suggestion', 'good_practice')),
    note text not null check (length(note) <= 2000),
    tags text[] not null default '{}' check (cardinality(tags) <= 8),
    captured_at timestamptz not null,
    lat double precision check (lat between -90 and 90),
    lon double precision check (lon between -180 and 180),
    accuracy_m double precision check (accuracy_m > 0),
    position_source text check (position_source in ('gps', 'manual_pin', 'site_location')),
    distance_m double precision check (distance_m >= 0),
    verdict text not null check (verdict in ('on_site', 'near', 'off_site', 'unknown')),
    status text not null default 'submitted'
        check (status in ('submitted', 'triaged', 'merged', 'dismissed')),
    fingerprint text not null,
    received_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check ((lat is null) = (lon is null) and (lat is null) = (position_source is null))
);
create index observations_deputy_updated on observations (deputy_user_id, updated_at, id);
create index observations_site on observations (site_id);

create table observation_photos (
    observation_id uuid not null references observations (id),
    position smallint not null check (position between 0 and 8),
    sha256 text not null references photos (sha256),
    primary key (observation_id, position),
    unique (observation_id, sha256)
);
