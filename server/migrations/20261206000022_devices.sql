-- Usage from devices at the sites (the report's 效益指标): smart greenway seats, chargers and
-- lift controllers report uses, energy and faults. Each device has a token, kept only as its
-- hash. A reading is kept once per device and message id, whichever way it came and however
-- often; the day's totals per site are kept beside them, added to by the same statement that
-- keeps new readings, so a reading sent twice is counted once.

create table devices (
    id uuid primary key,
    site_id uuid not null references sites (id) on delete cascade,
    kind text not null check (kind in ('seat', 'charger', 'lift_controller')),
    label text not null default '' check (length(label) <= 100),
    token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
    active boolean not null default true,
    created_by uuid references users (id),
    created_at timestamptz not null default now()
);
create index devices_site on devices (site_id);

create table device_readings (
    device_id uuid not null references devices (id) on delete cascade,
    message_id text not null check (length(message_id) between 1 and 64),
    at timestamptz not null,
    uses integer not null check (uses >= 0),
    energy_wh bigint not null check (energy_wh >= 0),
    faults integer not null check (faults >= 0),
    via text not null check (via in ('mqtt', 'http')),
    received_at timestamptz not null default now(),
    primary key (device_id, message_id)
);
create index device_readings_at on device_readings (device_id, at);

-- The day is China's (UTC+8), as every other day the product shows.
create table site_usage_daily (
    site_id uuid not null references sites (id) on delete cascade,
    day date not null,
    uses bigint not null default 0,
    energy_wh bigint not null default 0,
    faults bigint not null default 0,
    readings bigint not null default 0,
    primary key (site_id, day)
);

create table usage_settings (
    only_row boolean primary key default true check (only_row),
    quiet_days integer not null default 3 check (quiet_days between 1 and 90)
);
insert into usage_settings default values;
