-- An answer sent from an officer's phone carries an id made on the phone: a resend after a lost
-- acknowledgement finds its step already taken (same fingerprint: 200), and an id reused for
-- other content is refused (409). Steps taken in a page have neither.
alter table list_item_events
    add column client_id uuid unique,
    add column fingerprint text,
    add check ((client_id is null) = (fingerprint is null));

-- Who has uploaded a photo's bytes: everyone who did, not only the first. An officer whose
-- evidence photo is byte-identical to one uploaded earlier (the same file, prepared the same way
-- on the phone) has shown they hold it, so it is theirs to cite and to see.
create table photo_holders (
    sha256 text not null references photos (sha256),
    user_id uuid not null references users (id),
    primary key (sha256, user_id)
);
create index photo_holders_user on photo_holders (user_id);
insert into photo_holders (sha256, user_id)
select sha256, uploaded_by from photos where uploaded_by is not null;
