-- A receipt for each public comment: the person follows what became of it and, once the unit
-- answered, says whether it is fixed. Only a keyed hash of the code is kept (the code itself is
-- derived from the server secret and the form's token), so a database dump reveals no receipt.
alter table public_comments add column receipt_hash bytea unique;
alter table public_comments add column receipt_rating text
    check (receipt_rating in ('satisfied', 'basic', 'dissatisfied'));
alter table public_comments add column receipt_rated_at timestamptz;
alter table public_comments add check ((receipt_rating is null) = (receipt_rated_at is null));
alter table public_comments add check (receipt_rating is null or receipt_hash is not null);

-- What the writer of a hidden comment is told (the staff's own reason stays with staff).
alter table public_comments add column hide_category text
    check (hide_category in ('spam', 'abuse', 'private', 'off_topic', 'other'));
update public_comments set hide_category = 'other' where status = 'hidden';
alter table public_comments add check ((status = 'hidden') = (hide_category is not null));

-- The dashboard counts the public's verdicts on answers beside the deputies'.
create index public_comments_receipt_rated on public_comments (receipt_rating)
    where receipt_rating is not null;
