-- The year's registry loaded through the product (plan, sites, roster, groups' units).
--
-- Sites keep the code their file gives them, per plan year, so that importing the file again
-- updates them instead of adding them twice (demo sites have none).
alter table sites add column code text check (length(code) between 1 and 64);
alter table sites add column code_year integer check (code_year between 2000 and 2100);
alter table sites add check ((code is null) = (code_year is null));
alter table sites add constraint sites_code_per_year unique (code_year, code);

-- A district is named by the files before anyone looks up its administrative code.
alter table districts alter column code drop not null;
create unique index districts_name on districts (name_zh);

-- Funding by source, where the plan gives it (yuan; the budget stays the total).
alter table sub_items add column funds_government_yuan bigint check (funds_government_yuan >= 0);
alter table sub_items add column funds_residents_yuan bigint check (funds_residents_yuan >= 0);
alter table sub_items add column funds_social_yuan bigint check (funds_social_yuan >= 0);

-- A deputy's mobile, for staff to call back: kept as the public's phones are (a keyed hash to
-- match, a ciphertext bound to the deputy, a mask to show), never in the clear.
alter table deputies add column mobile_hash bytea;
alter table deputies add column mobile_cipher bytea;
alter table deputies add column mobile_masked text check (length(mobile_masked) <= 16);
alter table deputies add check ((mobile_hash is null) = (mobile_cipher is null));
-- A roster has no codes: a deputy is known by name and delegation.
create index deputies_name on deputies (name_zh, delegation_zh);

-- Groups named in a roster are made with their name; the name finds them again.
create unique index supervision_groups_name on supervision_groups (name_zh);
