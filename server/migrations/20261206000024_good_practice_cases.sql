-- Good-practice cases (典型案例): staff promote a deputy's "good practice" observation to a case
-- with a title, a text and a level (city, district, township: the report asks to sum up and
-- spread good cases at the three levels). A published case shows on the public site and plan
-- pages with the observation's photos. Promoting is a review outcome like dismissing: the
-- observation leaves the queue, its log says who and when, and the deputy is told.

alter table observations drop constraint observations_status_check;
alter table observations add constraint observations_status_check
    check (status in ('submitted', 'triaged', 'merged', 'dismissed', 'promoted'));

alter table observation_events drop constraint observation_events_action_check;
alter table observation_events add constraint observation_events_action_check
    check (action in ('dismiss', 'promote'));

create table good_practice_cases (
    id uuid primary key,
    observation_id uuid not null unique references observations (id),
    site_id uuid not null references sites (id),
    title text not null check (char_length(title) between 1 and 60),
    body text not null check (char_length(body) between 1 and 2000),
    level text not null check (level in ('city', 'district', 'township')),
    published boolean not null default true,
    created_by uuid not null references users (id),
    created_at timestamptz not null default now(),
    -- The last publish or withdraw: who and when.
    changed_by uuid references users (id),
    changed_at timestamptz
);
create index good_practice_cases_site on good_practice_cases (site_id) where published;
create index good_practice_cases_created on good_practice_cases (created_at desc, id desc);
