-- Photo evidence: what each photo of an observation says of when and where it was taken, read
-- from its EXIF on the phone (the re-encode that follows drops it), whether it came from the
-- camera or the gallery, and the server's judgement of both against the site and the project.
-- Rows from phones before this record nothing: origin is null and both verdicts 'unknown'.
alter table observation_photos
    add column origin text check (origin in ('camera', 'gallery')),
    add column chosen_at timestamptz,
    add column taken_at timestamptz,
    add column lat double precision,
    add column lon double precision,
    add column place_verdict text not null default 'unknown'
        check (place_verdict in ('on_site', 'near', 'off_site', 'unknown')),
    add column distance_m double precision,
    add column time_verdict text not null default 'unknown'
        check (time_verdict in ('recent', 'old', 'before_project', 'after', 'unknown')),
    add check ((lat is null) = (lon is null));


-- The same for the evidence an officer answers with from the phone (answers from the plain
-- form carry no facts: their photos are 'unknown').
alter table list_item_photos
    add column origin text check (origin in ('camera', 'gallery')),
    add column chosen_at timestamptz,
    add column taken_at timestamptz,
    add column lat double precision,
    add column lon double precision,
    add column place_verdict text not null default 'unknown'
        check (place_verdict in ('on_site', 'near', 'off_site', 'unknown')),
    add column distance_m double precision,
    add column time_verdict text not null default 'unknown'
        check (time_verdict in ('recent', 'old', 'before_project', 'after', 'unknown')),
    add check ((lat is null) = (lon is null));

-- The queue's "photos not taken on site" filter: without it the planner hashes a scan of every
-- observation photo (80 ms at a million observations, scripts/bench-closed-loop); with it, the
-- doubtful ones alone (11 ms).
create index observation_photos_doubtful on observation_photos (observation_id)
    where place_verdict in ('near', 'off_site');
