-- A trail with no gaps: a dismissal says who and when as well as why and is told to the deputy,
-- and the logs refuse to be rewritten in the database itself, not only by convention.

-- What staff did to an observation outside any item (making or merging it into one is in the
-- item's log).
create table observation_events (
    id bigserial primary key,
    observation_id uuid not null references observations (id),
    action text not null check (action in ('dismiss')),
    reason text not null check (length(reason) between 1 and 500),
    actor uuid not null references users (id),
    at timestamptz not null default now()
);
create index observation_events_observation on observation_events (observation_id, id);

-- Dismissals made before this log: their reason was kept, who and when were not. They stay
-- without an event rather than get an invented one.

-- A notification is of an item's step, or of a dismissed observation.
alter table notifications alter column item_id drop not null;
alter table notifications alter column event_id drop not null;
alter table notifications add column observation_event_id bigint references observation_events (id);
alter table notifications add check ((event_id is null) <> (observation_event_id is null));
alter table notifications add check ((event_id is null) = (item_id is null));
create unique index notifications_observation_event on notifications (user_id, observation_event_id)
    where observation_event_id is not null;

-- Every deputy whose observation is in an item rates its answer: a rating is the log's 'rate'
-- event, one per deputy per answer (`store::items::RATED_CURRENT_ANSWER`); the item's own
-- `answer_rating` keeps the first, as the list and its export show it.

-- Append-only logs. Only the demo loader, which moves a generated year's times back to their
-- days, may rewrite them, and says so for its own transaction (`set_config(…, true)`).
create function refuse_log_rewrite() returns trigger language plpgsql as $$
begin
    if current_setting('jiandu.rewrite_log', true) = 'demo clock' and tg_op = 'UPDATE' then
        return new;
    end if;
    raise exception '% is append-only: its rows are never changed or deleted', tg_table_name
        using errcode = 'P0001';
end $$;
create trigger list_item_events_append_only before update or delete on list_item_events
    for each row execute function refuse_log_rewrite();
create trigger public_comment_events_append_only before update or delete on public_comment_events
    for each row execute function refuse_log_rewrite();
create trigger observation_events_append_only before update or delete on observation_events
    for each row execute function refuse_log_rewrite();
