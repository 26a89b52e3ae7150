-- Rate limits shared by every app server on the database (issue 18): one row per limited key,
-- holding the theoretical arrival time of the generic cell rate algorithm (GCRA). A key's row
-- is worth nothing once that time has passed (the bucket is full again), so the table is
-- unlogged (a crash empties it, which only forgives recent posts) and swept every minute.
create unlogged table rate_limits (
    key text primary key,
    tat timestamptz not null
);
