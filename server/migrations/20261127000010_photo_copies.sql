-- An uploaded photo is acknowledged once its original is checked and durable; the display copy
-- and thumbnail are made afterwards by a background worker, which sweeps what is still pending
-- when the server starts. Photos stored before this (and the public's, stored with their copies)
-- are ready.
alter table photos add column copies text not null default 'ready'
    check (copies in ('pending', 'ready', 'unreadable'));
create index photos_copies_pending on photos (created_at) where copies = 'pending';
