-- A progress report may come from the phone's outbox: its id is made on the phone, and what it
-- said is kept as a fingerprint, so that a resend after a lost acknowledgement is answered with
-- the report already filed and another report under a used id is refused. Reports from the
-- plain form have none.
alter table progress_reports add column fingerprint text
    check (fingerprint is null or fingerprint ~ '^[0-9a-f]{64}$');
