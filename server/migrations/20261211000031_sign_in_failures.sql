-- Failed sign-ins shared by every app server on the database (issue 18): one row per key (an
-- account from one address, an account, an address; names hashed with the secret), its
-- failures and when the last was counted. Unlogged like rate_limits: a crash empties it, which
-- only forgives a guesser's recent failures; rows older than a day are swept every minute.
create unlogged table sign_in_failures (
    key text primary key,
    failures integer not null check (failures >= 0),
    last_at timestamptz not null
);
