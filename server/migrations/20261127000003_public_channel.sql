-- The public channel: comments and ratings left through a site's QR code, and their moderation.

-- A photo from the public has no uploader account; it is stored without any metadata, original
-- included, so nothing it carried (GPS, device) is kept.
alter table photos alter column uploaded_by drop not null;
alter table photos add column source text not null default 'deputy'
    check (source in ('deputy', 'public'));
alter table photos add check ((source = 'deputy') = (uploaded_by is not null));

create table public_comments (
    id uuid primary key,
    site_id uuid not null references sites (id),
    satisfaction text not null check (satisfaction in ('satisfied', 'basic', 'dissatisfied')),
    support text not null check (support in ('yes', 'no', 'not_sure')),
    body text check (length(body) between 1 and 500),
    photo_sha256 text references photos (sha256),
    -- Keyed hash (HMAC-SHA256 with the server secret): finds repeat callers without the number.
    phone_hash bytea,
    -- The number encrypted for staff who call back (XChaCha20-Poly1305, nonce in front).
    phone_cipher bytea,
    phone_masked text check (phone_masked ~ '^1[0-9]{2}\*{4}[0-9]{4}$'),
    status text not null default 'pending'
        check (status in ('pending', 'published', 'hidden', 'problem')),
    hide_reason text check (length(hide_reason) <= 200),
    moderated_by uuid references users (id),
    moderated_at timestamptz,
    -- Normalised text digest: the same words posted again are refused.
    fingerprint text,
    -- Keyed hash of the client's address, so repeats from one client are found without keeping
    -- the address itself.
    client_hash bytea not null,
    -- One per rendered form: a double tap or a resend after a timeout stores one comment.
    form_token uuid not null unique,
    created_at timestamptz not null default now(),
    check ((phone_hash is null) = (phone_cipher is null)
       and (phone_hash is null) = (phone_masked is null)),
    check ((status = 'hidden') = (hide_reason is not null))
);
create index public_comments_site on public_comments (site_id, status, created_at desc, id);
create index public_comments_status on public_comments (status, created_at, id);
create index public_comments_fingerprint on public_comments (fingerprint, created_at)
    where fingerprint is not null;

-- Who did what to a comment, append-only (a hidden comment may be restored; both stay on record).
create table public_comment_events (
    id bigserial primary key,
    comment_id uuid not null references public_comments (id),
    action text not null check (action in ('publish', 'hide', 'mark_problem', 'reveal_phone')),
    reason text,
    actor uuid not null references users (id),
    at timestamptz not null default now()
);
create index public_comment_events_comment on public_comment_events (comment_id, id);
