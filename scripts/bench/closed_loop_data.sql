-- Grows the demo data set (`jiandu demo-data`) to the closed-loop benchmark's size: 100 000 sites,
-- 1 000 000 observations, 50 000 list items with their observation links and event log.
-- Used by scripts/bench-closed-loop; run once on a fresh database after demo-data:
--
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f scripts/bench/closed_loop_data.sql
--
-- Sizes can be changed with -v sites=… -v observations=… -v items=… -v submitted=…
-- -v dismissed=… -v deputies=… -v inspections=… (none by default: the duty record's benchmark
-- asks for them).
--
-- Set-based (generate_series, insert … select); every "random" choice is a hash of a row number
-- (no random()), so every run makes the same counts, shares and spreads; which site gets which
-- rows follows the generated ids and differs between runs. Every check constraint and foreign
-- key stays on, so the rows are ones the application could have made:
--  * new sites copy a demo site (sub-item, district, kind, shape) moved by up to ~3 km, with the
--    geometry moved with the anchor and a unique 7-character public code in the poster alphabet;
--  * each deputy on the roster gets a deputy account (users.deputy_id is unique), and the roster
--    grows to :deputies, spread over the supervision groups; each unit gets an officer account;
--  * an observation is sent by a deputy of the group that follows the site's lead unit;
--  * triaged observations are linked to the item made from them, merged ones to the item they
--    were attached to, both at the item's site; submitted and dismissed ones to none;
--  * an item is a draft without unit and deadline, or forwarded with both; its log holds create,
--    attach, forward, acknowledge, answer, verify and rate in the order and by the actors the
--    domain allows; the deadline is 30 days after forwarding, so items still forwarded or
--    acknowledged a month later are overdue;
--  * items lean towards project 3 (Secure housing: estates and lifts draw the most complaints),
--    about 20 % of them, so that one project's formal list is about 10 000 items.

\set ON_ERROR_STOP on
\if :{?sites}
\else
  \set sites 100000
\endif
\if :{?observations}
\else
  \set observations 1000000
\endif
\if :{?items}
\else
  \set items 50000
\endif
\if :{?submitted}
\else
  \set submitted 30000
\endif
\if :{?dismissed}
\else
  \set dismissed 40000
\endif
\if :{?deputies}
\else
  \set deputies 1000
\endif
\if :{?inspections}
\else
  \set inspections 0
\endif

set synchronous_commit = off;
set work_mem = '128MB';
set maintenance_work_mem = '512MB';
set timezone = 'Asia/Shanghai';
\timing on

-- A number in [0, 1) from a row number and a salt: the same on every run.
create function pg_temp.h(n bigint, salt bigint) returns float8
    language sql immutable parallel safe
    as $$ select (hashint8extended(n, salt) & 2147483647)::float8 / 2147483648.0 $$;

-- A UUIDv7 for a timestamp (what the application and the phone make), its random bits a hash.
create function pg_temp.uuid7(at timestamptz, n bigint, salt bigint) returns uuid
    language sql immutable parallel safe
    as $$ select (lpad(to_hex((extract(epoch from at) * 1000)::bigint), 12, '0') || '7'
                  || substr(md5(n::text || '/' || salt), 1, 3) || '8'
                  || substr(md5(n::text || '/' || salt), 4, 15))::uuid $$;

-- A step time: `want` if that is in the past, else somewhere between `start` and a minute ago
-- (so the steps of recent items stay in order without piling up at the present).
create function pg_temp.by_now(start timestamptz, want timestamptz, r float8) returns timestamptz
    language sql stable parallel safe
    as $$ select case when want < now() - interval '1 minute' then want
                      else start + (now() - interval '1 minute' - start) * r end $$;

-- Element i (1-based, wrapping) of an array.
create function pg_temp.pick(a text[], i bigint) returns text
    language sql immutable parallel safe
    as $$ select a[1 + (i % cardinality(a))::int] $$;

create temp table phrases (kind text primary key, a text[]);
insert into phrases values
 ('problem', array[
   '人行道铺装破损，雨天积水明显', '夜间照明不足，部分路灯不亮', '施工围挡缺失，存在安全隐患',
   '无障碍坡道过陡，轮椅通行困难', '充电桩故障两周未修复', '助餐点高峰排队时间较长',
   '新装电梯运行噪音较大，居民反映强烈', '河道水面有漂浮垃圾', '驿站开放时间与户外劳动者作息不符',
   '指示标识不清，群众找不到入口', '绿化养护不到位，部分苗木枯死', 'AED设备柜缺少使用说明',
   '改造后排水不畅，地下室进水', '楼道内电动自行车违规充电', '食堂菜品价格公示不全',
   '健身器材螺丝松动', '公厕无障碍设施损坏', '工程进度明显滞后于计划']),
 ('suggestion', array[
   '建议增设休息座椅和遮阳设施', '建议延长开放时间至晚上九点', '建议在主要路口增加指示牌',
   '建议定期公布维修进度', '建议增设电动自行车集中充电点', '建议与社区卫生服务站联动',
   '建议增加老年人助餐配送服务', '建议施工期间安排专人疏导交通', '建议听取周边居民意见后再定方案',
   '建议在学校周边增设护学岗']),
 ('place', array[
   '入口处', '东侧', '西北角', '二号楼附近', '停车场旁', '主干道沿线', '南门外', '广场中央',
   '三单元门口', '桥下']),
 ('answer', array[
   '已组织施工单位现场整改，问题已解决。', '已列入下月维修计划，届时完成整改。',
   '已会同属地街道现场核实，并落实专人负责日常管理。', '已更换损坏设施，并加强日常巡查。',
   '经研究，已调整开放时间并对外公示。', '已协调相关部门联合处置，整改到位。']),
 ('dismiss', array[
   '与已列入清单的问题重复', '不属于民生实事项目范围', '现场核实问题已解决', '照片与点位不符']),
 ('surname', array[
   '王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '胡', '朱', '高', '林',
   '何', '郭', '马', '罗', '梁', '宋', '郑', '谢']),
 ('given', array[
   '建国', '丽', '伟', '芳', '敏', '静', '强', '磊', '洋', '艳', '军', '杰', '娟', '涛', '明',
   '超', '霞', '平', '刚', '桂英', '晓峰', '海燕', '志强', '秀兰', '文博', '佳怡', '子涵', '浩然']);

-- ---------------------------------------------------------------------------------------------
-- Sites: copies of the demo sites, moved by up to ±0.03° of longitude and ±0.025° of latitude.
-- Public codes: row number × 1 000 000 007 modulo 30^7, written in the 30-letter alphabet — a
-- bijection (the multiplier is prime to 30), so the new codes never collide with one another; a
-- clash with one of the demo's random codes (odds about 1 in 500) just skips that row.
create temp table demo_sites as
select row_number() over (order by id) as rn, s.* from sites s;

insert into sites (id, sub_item_id, district_id, name_zh, name_en, address_zh, kind, geometry,
                   anchor, public_code, created_at)
select gen_random_uuid(), d.sub_item_id, d.district_id,
       d.name_zh || '·' || n, d.name_en || ' #' || n, d.address_zh, d.kind,
       case d.geometry ->> 'type'
         when 'Point' then jsonb_build_object('type', 'Point', 'coordinates', jsonb_build_array(
              round((d.anchor[0] + dx)::numeric, 7), round((d.anchor[1] + dy)::numeric, 7)))
         when 'LineString' then jsonb_build_object('type', 'LineString', 'coordinates',
              (select jsonb_agg(jsonb_build_array(round(((p ->> 0)::float8 + dx)::numeric, 7),
                                                  round(((p ->> 1)::float8 + dy)::numeric, 7)) order by i)
                 from jsonb_array_elements(d.geometry -> 'coordinates') with ordinality e(p, i)))
         else jsonb_build_object('type', 'Polygon', 'coordinates', jsonb_build_array(
              (select jsonb_agg(jsonb_build_array(round(((p ->> 0)::float8 + dx)::numeric, 7),
                                                  round(((p ->> 1)::float8 + dy)::numeric, 7)) order by i)
                 from jsonb_array_elements(d.geometry -> 'coordinates' -> 0) with ordinality e(p, i))))
       end,
       point(d.anchor[0] + dx, d.anchor[1] + dy),
       (select string_agg(substr('23456789ABCDEFGHJKMNPQRSTVWXYZ',
                                 1 + ((n * 1000000007 + 12345) % 21870000000 / (30::bigint ^ j)::bigint % 30)::int, 1),
                          '' order by j)
          from generate_series(0, 6) j),
       now() - interval '1 day' * 200 * pg_temp.h(n, 3)
  from generate_series(1, greatest(:sites - (select count(*) from sites), 0)) n
  join demo_sites d on d.rn = 1 + (n - 1) % (select count(*) from demo_sites)
  cross join lateral (select (pg_temp.h(n, 1) - 0.5) * 0.06 as dx, (pg_temp.h(n, 2) - 0.5) * 0.05 as dy) o
on conflict (public_code) do nothing;

-- ---------------------------------------------------------------------------------------------
-- Deputies and accounts.
create temp table gnum as
select row_number() over (order by number) - 1 as gi, id from supervision_groups;

insert into deputies (id, name_zh, delegation_zh, group_id)
select gen_random_uuid(),
       pg_temp.pick((select a from phrases where kind = 'surname'), n)
         || pg_temp.pick((select a from phrases where kind = 'given'), n * 5 + n / 24),
       (select name_zh from districts order by code offset n % (select count(*) from districts) limit 1) || '代表团',
       (select id from gnum where gi = n % (select count(*) from gnum))
  from generate_series(1, greatest(:deputies - (select count(*) from deputies), 0)) n;

insert into users (id, username, display_name, password_hash, role, deputy_id, created_at)
select gen_random_uuid(), 'deputy-' || lpad(n::text, 4, '0'), d.name_zh,
       (select password_hash from users where username = 'demo-deputy'), 'deputy', d.id,
       now() - interval '400 days'
  from (select d.*, row_number() over (order by d.id) as n
          from deputies d where not exists (select 1 from users u where u.deputy_id = d.id)) d;

insert into users (id, username, display_name, password_hash, role, unit_id, created_at)
select gen_random_uuid(), 'officer-' || left(u.code, 24), u.name_zh || '联络员',
       (select password_hash from users where username = 'demo-deputy'), 'unit_officer', u.id,
       now() - interval '400 days'
  from lead_units u where not exists (select 1 from users x where x.unit_id = u.id);

-- Deputy accounts numbered within their group: an observation picks one of the group that
-- follows the site's lead unit.
create temp table group_deputy as
select d.group_id, u.id as user_id,
       row_number() over (partition by d.group_id order by u.id) - 1 as gi,
       count(*) over (partition by d.group_id) as n
  from users u join deputies d on d.id = u.deputy_id where u.role = 'deputy';
create index on group_deputy (group_id, gi);

create temp table officer as
select distinct on (unit_id) unit_id, id as user_id from users
 where role = 'unit_officer' order by unit_id, created_at;

-- Every site with what observations need, numbered twice: over all sites, and within two pools
-- (project 3 and the rest) for the items' lean.
create temp table site_n as
select t.id, t.anchor, s.lead_unit_id, gu.group_id, (p.number = 3) as pool_a,
       row_number() over (order by md5(t.id::text)) - 1 as rn,
       row_number() over (partition by (p.number = 3) order by md5(t.id::text)) - 1 as pn
  from sites t join sub_items s on s.id = t.sub_item_id join projects p on p.id = s.project_id
  join group_units gu on gu.unit_id = s.lead_unit_id;
create unique index on site_n (rn);
create unique index on site_n (pool_a, pn);
analyze site_n;
select count(*) as n_all, count(*) filter (where pool_a) as n_a from site_n \gset

-- ---------------------------------------------------------------------------------------------
-- Items: created uniformly over the last year; status by age (a day's drafts are mostly still
-- drafts, a quarter-old item mostly closed, a few left with the unit past their deadline).
create temp table item_plan as
with base as (
  select k, now() - interval '10 minutes' - interval '365 days' * pg_temp.h(k, 10) as created_at,
         pg_temp.h(k, 11) as r_status, pg_temp.h(k, 12) as r_site
    from generate_series(1, :items::bigint) k),
aged as (
  select b.*, extract(epoch from now() - created_at) / 86400 as age from base b),
st as (
  select a.*,
         case
           when age < 7 then case when r_status < 0.7 then 'draft' else 'forwarded' end
           when age < 30 then case when r_status < 0.1 then 'draft' when r_status < 0.35 then 'forwarded'
                                   when r_status < 0.7 then 'acknowledged' else 'answered' end
           when age < 90 then case when r_status < 0.05 then 'forwarded' when r_status < 0.15 then 'acknowledged'
                                   when r_status < 0.5 then 'answered' else 'closed' end
           else case when r_status < 0.01 then 'forwarded' when r_status < 0.03 then 'acknowledged'
                     when r_status < 0.15 then 'answered' else 'closed' end
         end as status
    from aged a)
select st.k, st.created_at, st.status, t.id as site_id, t.lead_unit_id,
       t.group_id,
       case when pg_temp.h(k, 13) < 0.65 then 'problem' else 'suggestion' end as kind,
       -- Staff sometimes forward to another unit than the site's lead unit.
       case when st.status = 'draft' then null
            when pg_temp.h(k, 14) < 0.04 then
                 (select id from lead_units order by code
                   offset (hashint8extended(k, 15) & 1023) % (select count(*) from lead_units) limit 1)
            else t.lead_unit_id end as unit_id,
       pg_temp.by_now(st.created_at, st.created_at + interval '1 day' * (0.2 + 2.8 * pg_temp.h(k, 16)), pg_temp.h(k, 16)) as forwarded_at,
       pg_temp.h(k, 17) as r_ack, pg_temp.h(k, 18) as r_answer, pg_temp.h(k, 19) as r_close
  from st
  join site_n t on (t.pool_a, t.pn) =
       (st.r_site < 0.204,
        (hashint8extended(st.k, 20) & 2147483647)
          % case when st.r_site < 0.204 then :n_a else :n_all - :n_a end);

-- Step times, each after the one before and none in the future; the answer within the 30 days
-- mostly (85 %), late otherwise.
create temp table item_steps as
select a.*,
       case when a.status in ('answered', 'closed')
            then pg_temp.by_now(coalesce(a.acknowledged_at, a.forwarded_at),
                                a.forwarded_at + interval '1 day' * case when r_answer < 0.85 then 3 + 25 * r_answer / 0.85
                                                                         else 31 + 20 * r_answer end,
                                r_answer) end as answered_at
  from (select p.*,
               (p.forwarded_at at time zone 'Asia/Shanghai')::date + 30 as deadline,
               case when p.status in ('acknowledged', 'answered', 'closed') and (p.status = 'acknowledged' or r_ack < 0.8)
                    then pg_temp.by_now(p.forwarded_at, p.forwarded_at + interval '1 hour' * (2 + 70 * r_ack), r_ack)
               end as acknowledged_at
          from item_plan p) a;

create temp table item_all as
select s.*,
       case when s.status = 'closed'
            then pg_temp.by_now(s.answered_at, s.answered_at + interval '1 day' * (1 + 10 * r_close), r_close) end as closed_at,
       case when s.status in ('answered', 'closed') and r_close < 0.6
            then (array['satisfied', 'satisfied', 'satisfied', 'basic', 'dissatisfied'])[1 + (s.k % 5)::int] end as rating,
       extract(year from s.created_at at time zone 'Asia/Shanghai')::int as year,
       pg_temp.uuid7(s.created_at, s.k, 30) as id
  from item_steps s;

-- ---------------------------------------------------------------------------------------------
-- Observations. Rows 1..items create the items (triaged, received before the item was made);
-- up to the linked total, others of the same site: 30 % chosen with the first when the item was
-- made (triaged), 70 % attached later (merged); then the submitted queue (the last 45 days,
-- mostly recent), then the dismissed ones (over the year).
create temp table obs_plan as
with n as (
  select j,
         case when j <= :observations - :submitted - :dismissed then 'linked'
              when j <= :observations - :dismissed then 'submitted' else 'dismissed' end as role
    from generate_series(1, :observations::bigint) j),
linked as (
  select n.j, n.role,
         case when n.j <= :items then n.j else 1 + (hashint8extended(n.j, 40) & 2147483647) % :items end as k
    from n)
select l.j, l.k,
       case l.role when 'linked' then case when l.j <= :items or pg_temp.h(l.j, 41) < 0.3 then 'triaged' else 'merged' end
                   else l.role end as status
  from linked l;

create temp table obs_rows as
select o.j, o.status, i.id as item_id,
       coalesce(i.site_id, t.id) as site_id,
       coalesce(i.group_id, t.group_id) as group_id,
       case o.status
         when 'triaged' then i.created_at - interval '1 hour' * (1 + 70 * pg_temp.h(o.j, 42))
         when 'merged' then i.created_at + (least(now(), i.created_at + interval '30 days') - i.created_at) * pg_temp.h(o.j, 42)
         when 'submitted' then now() - interval '45 days' * power(pg_temp.h(o.j, 42), 2)
         else now() - interval '365 days' * pg_temp.h(o.j, 42)
       end as received_at,
       i.created_at as item_created_at
  from obs_plan o
  left join item_all i on i.k = o.k and o.status in ('triaged', 'merged')
  left join site_n t on o.status not in ('triaged', 'merged')
                    and t.rn = (hashint8extended(o.j, 43) & 2147483647) % :n_all;

create temp table obs_final as
select x.*, pg_temp.uuid7(x.captured_at, x.j, 48) as id,
       case x.status when 'triaged' then x.item_created_at
                     when 'merged' then least(x.received_at + interval '1 hour' * 20 * pg_temp.h(x.j, 50), now())
                     when 'dismissed' then least(x.received_at + interval '1 hour' * 48 * pg_temp.h(x.j, 50), now())
                     else x.received_at end as updated_at
  from (
    select r.*,
           r.received_at - interval '1 minute' * (1 + 600 * power(pg_temp.h(r.j, 44), 3)) as captured_at,
           case when pg_temp.h(r.j, 45) < 0.6 then 'problem' when pg_temp.h(r.j, 45) < 0.9 then 'suggestion'
                else 'good_practice' end as kind,
           pg_temp.h(r.j, 46) as r_pos,
           (select user_id from group_deputy g
             where g.group_id = r.group_id
               and g.gi = (hashint8extended(r.j, 47) & 2147483647) % g.n) as deputy_user_id,
           s.anchor
      from obs_rows r join site_n s on s.id = r.site_id) x;

insert into observations (id, deputy_user_id, site_id, kind, note, tags, captured_at, lat, lon,
                          accuracy_m, position_source, distance_m, verdict, status, fingerprint,
                          received_at, updated_at, dismiss_reason)
select o.id, o.deputy_user_id, o.site_id, o.kind,
       pg_temp.pick((select a from phrases where kind = 'place'), o.j / 7) || '：'
         || pg_temp.pick((select a from phrases where kind = case when o.kind = 'suggestion' then 'suggestion' else 'problem' end), o.j)
         || case when o.j % 3 = 0 then '。现场看到' || pg_temp.pick((select a from phrases where kind = 'problem'), o.j / 3) else '' end
         || '。',
       case when o.j % 5 = 0 then array['安全', '民生'] else '{}' end,
       o.captured_at,
       case when r_pos < 0.85 then o.anchor[1] + (r_pos - 0.42) * 0.002 when r_pos < 0.95 then o.anchor[1] end,
       case when r_pos < 0.85 then o.anchor[0] + (0.5 - r_pos) * 0.002 when r_pos < 0.95 then o.anchor[0] end,
       case when r_pos < 0.85 then 5 + 40 * pg_temp.h(o.j, 49) end,
       case when r_pos < 0.85 then 'gps' when r_pos < 0.95 then 'site_location' end,
       case when r_pos < 0.85 then abs(r_pos - 0.42) * 300 when r_pos < 0.95 then 0 end,
       case when r_pos < 0.85 then case when abs(r_pos - 0.42) * 300 <= 50 then 'on_site'
                                        when abs(r_pos - 0.42) * 300 <= 200 then 'near' else 'off_site' end
            when r_pos < 0.95 then 'on_site' else 'unknown' end,
       o.status,
       md5(o.j::text || 'fp') || md5(o.j::text || 'fp2'),
       o.received_at,
       o.updated_at,
       case when o.status = 'dismissed' then pg_temp.pick((select a from phrases where kind = 'dismiss'), o.j) end
  from obs_final o
 order by o.id;

-- Photos: none, one or two per observation, sent by its deputy.
insert into photos (sha256, byte_size, width, height, exif_lat, exif_lon, exif_taken_at,
                    uploaded_by, source, created_at)
select encode(sha256(convert_to(o.j || '/' || p, 'UTF8')), 'hex'), 250000 + (o.j * 7919 + p) % 150000,
       2048, 1536, null, null, o.captured_at, o.deputy_user_id, 'deputy', o.received_at
  from obs_final o cross join generate_series(0, 1) p
 where p < o.j % 3;
-- Their uploaders hold them (migration 000008, when the binary has it).
select to_regclass('photo_holders') is not null as has_holders \gset
\if :has_holders
insert into photo_holders (sha256, user_id)
select sha256, uploaded_by from photos where uploaded_by is not null on conflict do nothing;
\endif

insert into observation_photos (observation_id, position, sha256)
select o.id, p, encode(sha256(convert_to(o.j || '/' || p, 'UTF8')), 'hex')
  from obs_final o cross join generate_series(0, 1) p
 where p < o.j % 3;

-- Photo evidence (migration 000016, when the binary has it): one photo in 25 came from the
-- gallery, taken 200 days earlier and 5 km away; the rest with the camera on site, minutes before.
select exists (select 1 from information_schema.columns
                where table_name = 'observation_photos' and column_name = 'place_verdict') as has_photo_checks \gset
\if :has_photo_checks
update observation_photos op
   set origin = case when g then 'gallery' else 'camera' end,
       chosen_at = o.received_at - interval '1 hour',
       taken_at = o.received_at - case when g then interval '200 days' else interval '61 minutes' end,
       lat = o.lat + case when g then 0.045 else 0 end, lon = o.lon,
       place_verdict = case when o.lat is null then 'unknown' when g then 'off_site' else 'on_site' end,
       distance_m = case when o.lat is null then null when g then 5000 else 5 end,
       time_verdict = case when g then 'old' else 'recent' end
  from (select x.id, x.received_at, x.lat, x.lon, y.sha256,
               get_byte(decode(y.sha256, 'hex'), 0) % 25 = 0 as g
          from observations x join observation_photos y on y.observation_id = x.id) o
 where op.observation_id = o.id and op.sha256 = o.sha256;
\endif

-- ---------------------------------------------------------------------------------------------
-- Items, numbered per year in order of creation, and their links. Migration 000005 adds the
-- time of the current answer and of closing to the item (when the binary has it).
select exists (select 1 from information_schema.columns
                where table_name = 'list_items' and column_name = 'answered_at') as has_step_times \gset
\if :has_step_times
  \set step_cols ', answered_at, closed_at'
  \set step_vals ', i.answered_at, i.closed_at'
\else
  \set step_cols ''
  \set step_vals ''
\endif
insert into list_items (id, year, number, kind, channel, site_id, description, status, unit_id,
                        deadline, answer, answer_rating, created_by, created_at, updated_at :step_cols)
select i.id, i.year, row_number() over (partition by i.year order by i.created_at, i.k),
       i.kind, 'deputy_inspection', i.site_id,
       pg_temp.pick((select a from phrases where kind = 'place'), i.k) || '：'
         || pg_temp.pick((select a from phrases where kind = i.kind), i.k / 3)
         || '。经代表多次反映，群众关注度较高，请责任单位核实后限期' || case when i.kind = 'problem' then '整改。' else '研究。' end,
       i.status,
       i.unit_id,
       case when i.status <> 'draft' then i.deadline end,
       case when i.status in ('answered', 'closed') then pg_temp.pick((select a from phrases where kind = 'answer'), i.k) end,
       i.rating,
       (select id from users where username = 'demo-staff'),
       i.created_at,
       coalesce(i.closed_at, i.answered_at, i.acknowledged_at,
                case when i.status <> 'draft' then i.forwarded_at end, i.created_at)
       :step_vals
  from item_all i
 order by i.id;

insert into list_item_observations (item_id, observation_id)
select item_id, id from obs_final where item_id is not null order by item_id, id;

-- The log, in time order within each item (ids are a bigserial, ordered by at).
insert into list_item_events (item_id, action, from_status, to_status, unit_id, deadline, comment, actor, at)
select item_id, action, from_status, to_status, unit_id, deadline, comment, actor, at
  from (
    select i.id as item_id, 'create' as action, null as from_status, 'draft' as to_status,
           null::uuid as unit_id, null::date as deadline, null as comment,
           (select id from users where username = 'demo-staff') as actor, i.created_at as at
      from item_all i
    union all
    select i.id, 'forward', 'draft', 'forwarded', i.unit_id, i.deadline, null,
           (select id from users where username = 'demo-staff'), i.forwarded_at
      from item_all i where i.status <> 'draft'
    union all
    select i.id, 'acknowledge', 'forwarded', 'acknowledged', i.unit_id, null, null,
           f.user_id, i.acknowledged_at
      from item_all i join officer f on f.unit_id = i.unit_id where i.acknowledged_at is not null
    union all
    select i.id, 'answer', case when i.acknowledged_at is null then 'forwarded' else 'acknowledged' end,
           'answered', i.unit_id, null, pg_temp.pick((select a from phrases where kind = 'answer'), i.k),
           f.user_id, i.answered_at
      from item_all i join officer f on f.unit_id = i.unit_id where i.answered_at is not null
    union all
    select i.id, 'verify', 'answered', 'closed', i.unit_id, null, null,
           (select id from users where username = 'demo-staff'), i.closed_at
      from item_all i where i.closed_at is not null
    union all
    -- Rated by the deputy who sent the observation the item was made from.
    select i.id, 'rate', s, s, i.unit_id, null, i.rating, o.deputy_user_id,
           coalesce(i.closed_at, i.answered_at) + interval '10 seconds'
      from item_all i join obs_final o on o.j = i.k
      cross join lateral (select case when i.closed_at is null then 'answered' else 'closed' end as s) x
     where i.rating is not null
    union all
    -- Attached later: the item's status at that moment.
    select o.item_id, 'attach', st, st, null, null, null,
           (select id from users where username = 'demo-staff'), o.updated_at
      from obs_final o join item_all i on i.id = o.item_id
      cross join lateral (
        select case
                 when i.status = 'draft' or o.updated_at < i.forwarded_at then 'draft'
                 when o.updated_at >= i.closed_at then 'closed'
                 when o.updated_at >= i.answered_at then 'answered'
                 when o.updated_at >= i.acknowledged_at then 'acknowledged'
                 else 'forwarded' end as st) x
     where o.status = 'merged'
  ) e
 order by at, item_id;

-- ---------------------------------------------------------------------------------------------
-- Inspections (-v inspections=N): each for one group, five days in China's calendar, spread over
-- the last year; ten of the group's sites as the route; 30 of its deputies invited (a different
-- slice each time), the first leading; each invited deputy checks in at each site with a chance
-- of 70 % (on site mostly, near or off site now and then); observations an invited deputy made at
-- a route site on its days belong to it, as the server files them.
create temp table insp as
select n, pg_temp.uuid7(now() - interval '360 days' + (n * 350 / greatest(:inspections, 1)) * interval '1 day', n, 71) as id,
       (select id from gnum where gi = n % (select count(*) from gnum)) as group_id,
       ((now() - interval '360 days') at time zone 'Asia/Shanghai')::date
         + (n * 350 / greatest(:inspections, 1))::int as starts_on
  from generate_series(1, :inspections) n;

create temp table insp_deputy as
select i.id as inspection_id, d.deputy_id, gd.user_id, r.k
  from insp i
  cross join generate_series(0, 29) r (k)
  join group_deputy gd on gd.group_id = i.group_id and gd.gi = (i.n * 30 + r.k) % gd.n
  join users d on d.id = gd.user_id;

insert into inspections (id, title, starts_on, ends_on, leader_deputy_id, created_by, created_at)
select i.id, '第' || i.n || '次视察', i.starts_on, i.starts_on + 4,
       (select deputy_id from insp_deputy x where x.inspection_id = i.id and x.k = 0),
       (select id from users where username = 'demo-staff'), i.starts_on - 7
  from insp i where exists (select 1 from insp_deputy x where x.inspection_id = i.id and x.k = 0);

insert into inspection_groups (inspection_id, group_id)
select i.id, i.group_id from insp i join inspections s on s.id = i.id;

insert into inspection_sites (inspection_id, position, site_id)
select i.id, t.pos::smallint, t.id
  from insp i join inspections s on s.id = i.id
  cross join lateral (
    select t.id, row_number() over () - 1 as pos
      from (select t.id from site_n t where t.group_id = i.group_id
             order by md5(t.id::text || i.n) limit 10) t) t;

insert into inspection_deputies (inspection_id, deputy_id)
select distinct x.inspection_id, x.deputy_id
  from insp_deputy x join inspections s on s.id = x.inspection_id;

insert into inspection_check_ins (id, inspection_id, site_id, deputy_user_id, checked_at, lat, lon,
    accuracy_m, position_source, distance_m, verdict, fingerprint, received_at)
select pg_temp.uuid7(c.at, c.rn, 73), c.inspection_id, c.site_id, c.user_id, c.at,
       c.anchor[1] + case c.v when 'on_site' then 0.0001 when 'near' then 0.0008 else 0.02 end,
       c.anchor[0], 10, 'gps',
       case c.v when 'on_site' then 11 when 'near' then 89 else 2224 end, c.v, md5(c.rn::text),
       c.at + interval '5 seconds'
  from (
    select x.inspection_id, s.site_id, x.user_id, t.anchor,
           row_number() over () as rn,
           (s2.starts_on::timestamp + interval '9 hours' + (s.position::int * interval '40 minutes')
              + pg_temp.h(hashtext(x.user_id::text || s.site_id), 74) * interval '4 days')
             at time zone 'Asia/Shanghai' as at,
           case when pg_temp.h(hashtext(x.user_id::text || s.site_id), 75) < 0.85 then 'on_site'
                when pg_temp.h(hashtext(x.user_id::text || s.site_id), 75) < 0.95 then 'near'
                else 'off_site' end as v
      from (select distinct inspection_id, deputy_id, user_id from insp_deputy) x
      join inspections s2 on s2.id = x.inspection_id
      join inspection_sites s on s.inspection_id = x.inspection_id
      join sites t on t.id = s.site_id
     where pg_temp.h(hashtext(x.user_id::text || s.site_id), 76) < 0.7
  ) c
 where c.at < now();

update observations o set inspection_id = f.inspection_id
  from (select distinct on (o.id) o.id, x.inspection_id
          from observations o
          join inspection_sites s on s.site_id = o.site_id
          join inspections i on i.id = s.inspection_id
          join insp_deputy x on x.inspection_id = i.id and x.user_id = o.deputy_user_id
         where (o.captured_at at time zone 'Asia/Shanghai')::date between i.starts_on and i.ends_on
         order by o.id, i.starts_on, i.id) f
 where o.id = f.id;

\timing off
vacuum analyze inspections;
vacuum analyze inspection_check_ins;
vacuum analyze sites;
vacuum analyze users;
vacuum analyze deputies;
vacuum analyze observations;
vacuum analyze photos;
vacuum analyze observation_photos;
vacuum analyze list_items;
vacuum analyze list_item_observations;
vacuum analyze list_item_events;

select (select count(*) from sites) as sites,
       (select count(*) from observations) as observations,
       (select count(*) from observations where status = 'submitted') as submitted,
       (select count(*) from list_items) as list_items,
       (select count(*) from list_item_events) as events,
       (select count(*) from users where role = 'deputy') as deputy_accounts,
       (select count(*) from inspections) as inspections,
       (select count(*) from inspection_check_ins) as check_ins,
       (select count(*) from observations where inspection_id is not null) as inspection_observations;
