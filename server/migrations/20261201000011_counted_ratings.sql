-- Which ratings count in the public figures. A client's first rating of a site on a (Beijing)
-- day counts; later ones that day are kept with their words but not counted, so one phone cannot
-- steer a site's 满意率 by posting again and again. Counting also waits for moderation (the
-- figures read published and problem comments only), which needs no column.
alter table public_comments add column rating_counts boolean not null default true;
create index public_comments_client_day on public_comments (site_id, client_hash, created_at)
    where rating_counts;

-- Personal data is kept only as long as it is needed (`jiandu purge`, run daily by the server):
-- the client hash goes after its retention period, so the column may be empty.
alter table public_comments alter column client_hash drop not null;
