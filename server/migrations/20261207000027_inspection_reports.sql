-- The joint report of an inspection (联合视察报告): what the figures cannot say — the staff's
-- summary and conclusions — kept beside the inspection; everything else in the report (sites
-- visited, deputies present, findings by unit, photos) is read from the rows each time, so the
-- report can never disagree with them. One row per inspection, written over by each save, with
-- who saved it last and when.

create table inspection_reports (
    inspection_id uuid primary key references inspections (id),
    summary text not null default '' check (char_length(summary) <= 20000),
    conclusions text not null default '' check (char_length(conclusions) <= 20000),
    updated_by uuid not null references users (id),
    updated_at timestamptz not null default now()
);
