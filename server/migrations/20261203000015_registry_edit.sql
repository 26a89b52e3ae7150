-- Editing the registry between imports.
--
-- A site with a history of supervision (observations, public comments, items) is never deleted:
-- it is deactivated. It then leaves deputies' "my sites" and the poster sheets, and its public
-- page says it is no longer supervised and takes no comment; what it already holds stays.
alter table sites add column active boolean not null default true;

-- A site entered by mistake may be deleted while it has no history; its public code may already
-- be on a printed poster, so it is never given to another site.
create table retired_public_codes (
    code text primary key check (code ~ '^[2-9A-HJKMNP-TV-Z]{7}$'),
    retired_at timestamptz not null default now()
);

