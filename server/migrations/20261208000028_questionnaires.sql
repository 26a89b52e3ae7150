-- Questionnaires (民意调查): staff write one, show it at projects, sub-items or sites of the
-- plan (or only at its own link, printed at a deputy liaison station), and the public answers
-- without an account. The questions are one JSON array checked by the application's domain
-- rules (`domain::questionnaire`); an answer is one JSON array in the same order, which is why
-- the application refuses to change questions once an answer exists.

create table questionnaires (
    id uuid primary key,
    title text not null check (char_length(title) between 1 and 100),
    intro text not null default '' check (char_length(intro) <= 2000),
    opens_on date not null,
    closes_on date not null check (closes_on >= opens_on),
    questions jsonb not null default '[]' check (jsonb_typeof(questions) = 'array'),
    created_by uuid not null references users (id),
    created_at timestamptz not null default now()
);
create index questionnaires_created on questionnaires (created_at desc, id);

-- Where it is shown: exactly one of a project, a sub-item or a site per row.
create table questionnaire_targets (
    questionnaire_id uuid not null references questionnaires (id) on delete cascade,
    project_id uuid references projects (id),
    sub_item_id uuid references sub_items (id),
    site_id uuid references sites (id),
    check (num_nonnulls(project_id, sub_item_id, site_id) = 1)
);
create index questionnaire_targets_of on questionnaire_targets (questionnaire_id);
create index questionnaire_targets_project on questionnaire_targets (project_id) where project_id is not null;
create index questionnaire_targets_sub_item on questionnaire_targets (sub_item_id) where sub_item_id is not null;
create index questionnaire_targets_site on questionnaire_targets (site_id) where site_id is not null;

-- One row per respondent. `client_hash` is a keyed hash of the browser's questionnaire cookie
-- (or of its network address when it keeps no cookie): one answer per client per questionnaire.
-- Paper answers typed in by staff have none, and name who typed them. `form_token` makes a
-- resent form store nothing new.
create table questionnaire_answers (
    id uuid primary key,
    questionnaire_id uuid not null references questionnaires (id),
    channel text not null check (channel in ('site', 'link', 'paper')),
    site_id uuid references sites (id),
    client_hash bytea,
    entered_by uuid references users (id),
    form_token uuid not null unique,
    answers jsonb not null check (jsonb_typeof(answers) = 'array'),
    created_at timestamptz not null default now(),
    check ((channel = 'paper') = (entered_by is not null)),
    check ((channel = 'site') = (site_id is not null) or channel = 'paper'),
    check (channel = 'paper' or client_hash is not null),
    unique (questionnaire_id, client_hash)
);
create index questionnaire_answers_of on questionnaire_answers (questionnaire_id, created_at desc);
