-- Accounts made for a whole roster at once: each waits for its person with a one-time code
-- (a keyed hash to find it, the code encrypted so the sheet can be printed again until it is
-- used), and has no usable password until the person sets one.
alter table users add column activation_hash bytea unique;
alter table users add column activation_cipher bytea;
alter table users add column activation_expires timestamptz;
alter table users add check ((activation_hash is null) = (activation_cipher is null));
alter table users add check ((activation_hash is null) = (activation_expires is null));
