-- Every administrative act (accounts created, passwords reset, accounts deactivated and
-- reactivated, imports, registry edits), with who and when. Append-only: rows are never changed
-- or deleted, which the trigger enforces for everyone but a superuser who drops it.
create table admin_log (
    id bigserial primary key,
    -- Null when done at the server's command line (`jiandu admin create`).
    actor uuid references users (id),
    action text not null check (action in
        ('create_account', 'reset_password', 'deactivate', 'reactivate', 'import', 'edit')),
    -- What it was done to, as a person reads it (a username, a file name).
    subject text not null check (length(subject) between 1 and 300),
    detail jsonb,
    at timestamptz not null default now()
);
create index admin_log_at on admin_log (at desc, id desc);

create function admin_log_is_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'admin_log is append-only';
end $$;
create trigger admin_log_append_only before update or delete on admin_log
    for each row execute function admin_log_is_append_only();

-- Sessions carry a digest of this with the password hash: deactivating an account bumps it, so
-- its sessions stay ended when it is reactivated (a stolen phone's session does not come back).
alter table users add column session_epoch integer not null default 0;
