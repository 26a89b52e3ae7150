"""Closed-loop benchmark, measuring side (run by scripts/bench-closed-loop).

Against a running server on the generated data set: the review queue (first page, a project
filter, a page about 10 000 rows deep), the dashboard and the XLSX export of one project's list
(about 10 000 items), each beside a baseline from the same run; then a check that the staff map's
cluster totals equal the rows the review queue lists for the same filters (it stops with an error
if they differ):

* the same SQL, sent by psql on one connection as prepared statements (PREPARE/EXECUTE, like
  sqlx, so PostgreSQL's custom-or-generic plan choice is the same), timed by psql's \\timing;
  the SQL is read from app/src/store/items.rs, so it is the application's own text;
* GET /healthz (HTTP, the pool and one `select 1`) on the same kind of connection;
* for the export, psql \\copy of the same query's rows to a CSV file.

HTTP requests go over one keep-alive http.client connection, one at a time, after a warm-up.
Prints markdown for docs/benchmarks.md.

usage: closed_loop.py BASE_URL DATABASE_URL [PLANS_FILE]
"""
import datetime
import http.client
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

BASE, DB = sys.argv[1], sys.argv[2]
PLANS = sys.argv[3] if len(sys.argv) > 3 else None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N = int(os.environ.get('BENCH_REQUESTS', '300'))
WARM = 30
CHUNKS = 5
EXPORT_RUNS = int(os.environ.get('BENCH_EXPORT_RUNS', '5'))


def die(msg):
    print(f'error: {msg}', file=sys.stderr)
    sys.exit(1)


# --- the application's SQL, read from its source ---------------------------------------------

# The list's SQL, and the public's (the dashboard's tally is counted as the public pages count).
ITEMS_RS = '\n'.join(open(os.path.join(ROOT, 'app/src/store', f), encoding='utf-8').read()
                     for f in ('items.rs', 'public.rs'))
DASH_RS = open(os.path.join(ROOT, 'app/src/items/dashboard.rs'), encoding='utf-8').read()


def fn_body(src, name):
    m = re.search(r'\bfn ' + re.escape(name) + r'\b', src)
    if not m:
        die(f'fn {name} not found in app/src/store/items.rs or public.rs: update scripts/bench/closed_loop.py')
    end = len(src)
    for stop in ('\n    pub async fn ', '\n    pub fn ', '\n    async fn ', '\nfn ', '\npub fn ', '\nconst ', '\nimpl '):
        j = src.find(stop, m.end())
        if j != -1:
            end = min(end, j)
    return src[m.start():end]


def helper_sql(name, args):
    """The SQL literal a helper fn of items.rs formats, with the given Rust literal arguments."""
    m = re.search(r'\bfn ' + re.escape(name) + r'\(([^)]*)\)', ITEMS_RS)
    if not m:
        die(f'fn {name} not found in app/src/store/items.rs or public.rs: update scripts/bench/closed_loop.py')
    params = [p.split(':')[0].strip() for p in m.group(1).split(',') if p.strip()]
    values = [a.strip().strip('"') for a in re.findall(r'"[^"]*"|[^,]+', args)]
    if len(params) != len(values):
        die(f'fn {name} takes {params}, called with {values}')
    body = fn_body(ITEMS_RS, name)
    lm = re.search(r'format!\(\s*"', body)
    sql = body[lm.end():body.index('"', lm.end())]
    for p_, v in zip(params, values):
        sql = sql.replace('{' + p_ + '}', v)
    return sql


def app_sql(name, binds, nth=0):
    """The `nth` SQL literal of fn `name` (the first by default), with its `{CONST}` parts filled
    in; checks that the function binds what this script passes (every statement's binds, in
    order)."""
    body = fn_body(ITEMS_RS, name)
    starts = list(re.finditer(r'(?:query_as|query_scalar|query|format!)\(\s*"', body))
    if len(starts) <= nth:
        die(f'no SQL literal {nth} in fn {name}: update scripts/bench/closed_loop.py')
    m = starts[nth]
    sql = body[m.end():body.index('"', m.end())]
    # Parts built by a helper (`name = photo_filters(14, 15)` among the format! arguments): the
    # helper's own literal with its parameters put in.
    for part, helper, args in re.findall(r'\b([a-z_]+) = ([a-z_]+)\(([^()]*)\)', body):
        if '{' + part + '}' in sql:
            sql = sql.replace('{' + part + '}', helper_sql(helper, args))
    for const in re.findall(r'\{([A-Z_]+)\}', sql):
        cm = re.search(r'const ' + const + r': &str = "(.*?)";', body, re.S) \
            or re.search(r'const ' + const + r': &str = "(.*?)";', ITEMS_RS, re.S)
        if not cm:
            die(f'const {const} not found in items.rs')
        sql = sql.replace('{' + const + '}', cm.group(1))
    bind_src = body
    if 'bind_export(' in body:
        bind_src = fn_body(ITEMS_RS, 'bind_export')
    found = re.findall(r'\.bind\(((?:[^()]|\([^()]*\))*)\)', bind_src)
    found = [b.strip() for b in found]
    if found != binds:
        die(f'fn {name} binds {found}, this script passes {binds}: update scripts/bench/closed_loop.py')
    return ' '.join(sql.split())


def lit(v):
    if v is None:
        return 'null'
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


# --- psql ------------------------------------------------------------------------------------

def psql(sql, *args):
    r = subprocess.run(['psql', DB, '-X', '-q', '-v', 'ON_ERROR_STOP=1', *args, '-c', sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        die(f'psql: {r.stderr.strip()}')
    return r.stdout


def scalar(sql):
    return psql(sql, '-At').strip()


def psql_times(prepares, statements, n, warm):
    """Runs the statements `warm` times, then `n` times timed, on one new connection; returns the
    time of each round (the sum of its statements' times), in ms."""
    script = ['\\set ON_ERROR_STOP on', '\\o /dev/null']
    script += prepares
    per_round = len(statements)
    rounds = [statements] * n
    for r in rounds[:warm]:
        script += r
    script.append('\\timing on')
    for r in rounds:
        script += r
    out = subprocess.run(['psql', DB, '-X', '-q'], input='\n'.join(script) + '\n',
                         capture_output=True, text=True)
    if out.returncode != 0:
        die(f'psql: {out.stderr.strip()}')
    times = [float(t) for t in re.findall(r'^Time: ([0-9.]+) ms', out.stdout, re.M)]
    if len(times) != per_round * len(rounds):
        die(f'psql printed {len(times)} timings, expected {per_round * len(rounds)}')
    return [sum(times[i:i + per_round]) for i in range(0, len(times), per_round)]


# --- HTTP ------------------------------------------------------------------------------------

url = urllib.parse.urlsplit(BASE)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)


def request(method, path, body=None, headers=None):
    h = {'Sec-Fetch-Site': 'same-origin'}
    if cookie:
        h['Cookie'] = cookie
    h.update(headers or {})
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    return r, data


cookie = None
r, data = request('POST', '/api/v1/session',
                  json.dumps({'username': 'demo-staff', 'password': 'jiandu-demo'}),
                  {'Content-Type': 'application/json'})
if r.status >= 300:
    die(f'sign-in: {r.status} {data[:200]!r}')
# The session cookie is Secure (__Host-jiandu), which a browser sends to http://127.0.0.1 too;
# here it is taken from Set-Cookie and sent by hand.
cookies = [v.split(';', 1)[0] for k, v in r.getheaders() if k.lower() == 'set-cookie']
cookie = '; '.join(c for c in cookies if 'jiandu' in c.split('=', 1)[0])
if not cookie:
    die('sign-in set no session cookie')


def timed(method, path, body=None, headers=None, check=None):
    t = time.perf_counter()
    r, data = request(method, path, body, headers)
    ms = (time.perf_counter() - t) * 1000
    if r.status != 200:
        die(f'{method} {path} {body or ""}: {r.status} {data[:300]!r}')
    if check:
        check(data)
    return ms


def series(method, path, body, check, n, warm):
    form = {'Content-Type': 'application/x-www-form-urlencoded', 'Accept': 'application/json'}
    hdr = form if method == 'POST' else None
    for _ in range(warm):
        timed(method, path, body, hdr, check)
    return [timed(method, path, body, hdr) for _ in range(n)]


def paired(method, path, body=None, check=None, statements=None):
    """The requests and their SQL baseline in alternating chunks, so that anything else running
    on the machine weighs on both alike. Returns (HTTP times, SQL times) in ms."""
    http_ms, sql_ms = [], []
    for c in range(CHUNKS):
        warm = WARM if c == 0 else 5
        http_ms += series(method, path, body, check, N // CHUNKS, warm)
        if statements:
            sql_ms += psql_times(PREP, statements, N // CHUNKS, warm)
    return http_ms, sql_ms


def pct(xs, q):
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def row(label, xs, goal=''):
    return (f'| {label} | {pct(xs, 0.5):.1f} | {pct(xs, 0.95):.1f} | {max(xs):.1f} | {goal} |')


# --- what to ask for ---------------------------------------------------------------------------

today = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date().isoformat()
m = re.search(r'TREND_WEEKS: i32 = (\d+)', DASH_RS)
weeks = int(m.group(1)) if m else 12
counts = psql("""select (select count(*) from sites), (select count(*) from observations),
                        (select count(*) from observations where status = 'submitted'),
                        (select count(*) from list_items),
                        (select count(*) from list_items where status <> 'draft'),
                        (select count(*) from list_item_events),
                        (select count(*) from users where role = 'deputy')""", '-At').strip().split('|')
n_sites, n_obs, n_sub, n_items, n_listed, n_events, n_deputies = (int(c) for c in counts)
# The queue's project filter: project 1 (about a tenth of the sites).
proj_q, proj_q_no = scalar("select id || '|' || number from projects order by year, number limit 1").split('|')
# A cursor about 10 000 rows into the queue: the page after it is what "next" 333 times gives.
deep_at, deep_id = scalar("""set timezone = 'UTC';
    select to_json(received_at) #>> '{}', id from observations where status = 'submitted'
     order by received_at desc, id desc offset 9999 limit 1""").split('|')
# The export: the project whose formal list (items past draft) is nearest 10 000 items.
proj_x, proj_x_no, proj_x_n = scalar("""
    select p.id || '|' || p.number || '|' || count(*) from list_items i
      join sites t on t.id = i.site_id join sub_items s on s.id = t.sub_item_id
      join projects p on p.id = s.project_id
     where i.status <> 'draft' group by p.id, p.number order by abs(count(*) - 10000) limit 1""").split('|')

RQ_BINDS = ['&f.status', 'f.project', 'f.unit', '&f.kind', 'at', 'id', 'REVIEW_PAGE as i64',
            'f.sub_item', 'f.group', 'f.district', '&f.verdict', 'f.since', 'f.until',
            'f.photo_not_on_site', 'f.photo_older_days']
rq_sql = app_sql('review_queue', RQ_BINDS)
# review_comments: how many are waiting (rcn), then the newest of them (rc).
RC_BINDS = ['f.project', 'f.unit', 'f.sub_item', 'f.group', 'f.district']
RC_ALL = RC_BINDS + RC_BINDS + ['i64::from(REVIEW_COMMENTS)']
rcn_sql = app_sql('review_comments', RC_ALL, 0)
rc_sql = app_sql('review_comments', RC_ALL, 1)
REVIEW_COMMENTS = int(re.search(r'REVIEW_COMMENTS: u32 = (\d+)',
                                open(os.path.join(ROOT, 'app/src/items/mod.rs'), encoding='utf-8').read()).group(1))
dash_sql = app_sql('dashboard_rows', ['today'])
trend_sql = app_sql('dashboard_trend', ['today', 'weeks'])
tally_sql = app_sql('public_tally', [])
export_sql = app_sql('export_items', ['f.unit', 'f.group', 'f.project', 'f.from', 'f.to', 'f.year'])
n_rq = max(int(x) for x in re.findall(r'\$(\d+)', rq_sql))


def rq_args(project=None, at=None, id_=None, not_on_site=False, older_days=None):
    a = ['submitted', project, None, None, at, id_, 30] + [None] * (n_rq - 7)
    a[13], a[14] = not_on_site, older_days
    return ', '.join(lit(v) for v in a)


def rc_args(project=None):
    return ', '.join(lit(v) for v in [project, None, None, None, None])


def rc_execs(project=None):
    """Both statements of review_comments, as the server runs them."""
    return [f'execute rcn({rc_args(project)});',
            f'execute rc({rc_args(project)}, {REVIEW_COMMENTS});']


PREP = [f'prepare rq as {rq_sql};', f'prepare rcn as {rcn_sql};', f'prepare rc as {rc_sql};', f'prepare dash as {dash_sql};',
        f'prepare trend as {trend_sql};', f'prepare tally as {tally_sql};']
NAMES = {'rq': 'review_queue', 'rcn': 'review_comments (count)', 'rc': 'review_comments (rows)'}


def rows_check(want):
    def check(data):
        got = len(json.loads(data)['rows'])
        if got != want:
            die(f'the review queue answered {got} rows, expected {want}')
    return check


cases = [
    ('review queue, first page (30 rows, no filter)', '',
     [f'execute rq({rq_args()});', *rc_execs()], '≤ 30 ms'),
    (f'review queue, project {proj_q_no} filter', urllib.parse.urlencode({'project': proj_q}),
     [f'execute rq({rq_args(proj_q)});', *rc_execs(proj_q)], '≤ 30 ms'),
    ('review queue, page 10 000 rows deep (keyset)',
     urllib.parse.urlencode({'before_at': deep_at, 'before_id': deep_id}),
     [f'execute rq({rq_args(None, deep_at, deep_id)});'], '≤ 30 ms'),
    ('review queue, photos not taken on site',
     urllib.parse.urlencode({'photo_place': 'not_on_site'}),
     [f'execute rq({rq_args(not_on_site=True)});', *rc_execs()], '≤ 30 ms'),
    ('review queue, photos older than 30 days',
     urllib.parse.urlencode({'photo_older_days': '30'}),
     [f'execute rq({rq_args(older_days=30)});', *rc_execs()], '≤ 30 ms'),
]

print(f'Data set: {n_sites:,} sites, {n_obs:,} observations ({n_sub:,} waiting for review), '
      f'{n_items:,} list items ({n_listed:,} past draft), {n_events:,} item log entries, '
      f'{n_deputies:,} deputy accounts.')
print()
print(f'### Review queue and dashboard ({N // CHUNKS * CHUNKS} requests each after {WARM} warm-up, one at a '
      f'time, one keep-alive connection; baselines timed in alternating chunks of {N // CHUNKS})')
print()
print('| request | p50 ms | p95 ms | max ms | goal |')
print('| --- | ---: | ---: | ---: | --- |')
health, _ = paired('GET', '/healthz')
for label, body, execs, goal in cases:
    http_ms, sql_ms = paired('POST', '/api/review/queue', body, rows_check(30), execs)
    print(row(f'`POST /api/review/queue` — {label}', http_ms, goal))
    names = ' + '.join(NAMES[e.split('(')[0].split()[1]] for e in execs)
    print(row(f'  baseline: its SQL in psql, prepared ({names})', sql_ms))
dash_http, dash_sql_ms = paired('POST', '/api/items/dashboard', '', None, [
    f"execute dash({lit(today)});", f"execute trend({lit(today)}, {weeks});", 'execute tally;'])
print(row('`POST /api/items/dashboard` — 4 breakdowns, 12-week trend, public tally', dash_http, '≤ 150 ms'))
print(row('  baseline: its 3 SQL statements in psql, one after another (the server runs them at once)', dash_sql_ms))
print(row('baseline: `GET /healthz` (HTTP + pool + `select 1`)', health))
print()

# --- export ------------------------------------------------------------------------------------

xs, size = [], 0
for _ in range(EXPORT_RUNS):
    t = time.perf_counter()
    r, data = request('GET', f'/items/export.xlsx?project={proj_x}')
    xs.append(time.perf_counter() - t)
    if r.status != 200 or not data.startswith(b'PK'):
        die(f'export: {r.status} {data[:200]!r}')
    size = len(data)
copy_sql = export_sql
for i, v in enumerate([None, None, proj_x, None, None, None], start=1):
    copy_sql = re.sub(r'\$' + str(i) + r'(?!\d)', lit(v), copy_sql)
cs, csv_size, csv_rows = [], 0, 0
with tempfile.TemporaryDirectory() as d:
    out = os.path.join(d, 'list.csv')
    for _ in range(EXPORT_RUNS):
        t = time.perf_counter()
        psql(f"\\copy ({copy_sql}) to '{out}' with (format csv, header)")
        cs.append(time.perf_counter() - t)
        csv_size = os.path.getsize(out)
        csv_rows = sum(1 for _ in open(out, encoding='utf-8')) - 1
print(f'### XLSX export of one project\'s list ({EXPORT_RUNS} runs each)')
print()
print('| export | items | bytes | median s | max s | goal |')
print('| --- | ---: | ---: | ---: | ---: | --- |')
print(f'| `GET /items/export.xlsx?project=…` (project {proj_x_no}) | {int(proj_x_n):,} | {size:,} | '
      f'{statistics.median(xs):.2f} | {max(xs):.2f} | ≤ 5 s |')
print(f'| baseline: `psql \\copy` of the same query to CSV | {csv_rows:,} | {csv_size:,} | '
      f'{statistics.median(cs):.2f} | {max(cs):.2f} | |')

# --- the map's clusters against the list --------------------------------------------------------

FORM = {'Content-Type': 'application/x-www-form-urlencoded', 'Accept': 'application/json'}


def list_total(filt):
    """Every row the review queue lists for the filter, following "next page" to the end."""
    total, nxt = 0, None
    while True:
        f = dict(filt)
        if nxt:
            f['before_at'], f['before_id'] = nxt
        r, data = request('POST', '/api/review/queue', urllib.parse.urlencode(f), FORM)
        if r.status != 200:
            die(f'review queue {f}: {r.status} {data[:200]!r}')
        page = json.loads(data)
        total += len(page['rows'])
        if not page['next']:
            return total
        nxt = page['next']


def map_total(filt, zoom):
    f = dict(filt, layer='observations', west=73, south=3, east=136, north=54, zoom=zoom)
    r, data = request('POST', '/api/map/points', urllib.parse.urlencode(f), FORM)
    if r.status != 200:
        die(f'map points {f}: {r.status} {data[:200]!r}')
    return sum(c['n'] for c in json.loads(data))


district = scalar("select district_id from sites group by 1 order by count(*) desc limit 1")
week_ago = (datetime.date.fromisoformat(today) - datetime.timedelta(days=7)).isoformat()
month_ago = (datetime.date.fromisoformat(today) - datetime.timedelta(days=30)).isoformat()
checks = [
    (f'project {proj_q_no}', {'status': 'submitted', 'project': proj_q}),
    (f'project {proj_q_no}, problems', {'status': 'submitted', 'project': proj_q, 'kind': 'problem'}),
    ('the largest district, on site, received in the month before last week',
     {'status': 'submitted', 'district': district, 'verdict': 'on_site', 'since': month_ago, 'until': week_ago}),
    (f'project {proj_q_no}, photos not taken on site',
     {'status': 'submitted', 'project': proj_q, 'photo_place': 'not_on_site'}),
    (f'project {proj_q_no}, photos older than 30 days',
     {'status': 'submitted', 'project': proj_q, 'photo_older_days': '30'}),
]
print()
print('### The staff map\'s clusters against the review queue\'s list (all of China in view)')
print()
print('| filter | rows the list pages through | cluster total, zoom 5 | cluster total, zoom 12 |')
print('| --- | ---: | ---: | ---: |')
for label, filt in checks:
    listed = list_total(filt)
    coarse, fine = map_total(filt, 5), map_total(filt, 12)
    if not listed or coarse != listed or fine != listed:
        die(f'{label}: the list has {listed} rows, the map {coarse} (zoom 5) and {fine} (zoom 12)')
    print(f'| {label} | {listed:,} | {coarse:,} | {fine:,} |')

# --- the dashboard against counts from the raw tables ----------------------------------------
# The dashboard reads trigger-kept counters and grouped pre-aggregates; here every figure is
# counted again the plain way (joins over every item and observation, count(distinct) for
# deputies) and must be equal.

r, data = request('POST', '/api/items/dashboard', '', FORM)
if r.status != 200:
    die(f'dashboard: {r.status} {data[:200]!r}')
dash = json.loads(data)
FIELDS = ['problems', 'suggestions', 'forwarded', 'answered', 'closed', 'overdue', 'on_time',
          'observations', 'deputies']
compared = 0
for table, col in [('by_unit', 'unit'), ('by_group', 'grp'), ('by_project', 'project'),
                   ('by_district', 'district')]:
    truth = {}
    for line in psql(f"""
        with it as (
            select coalesce(i.unit_id, s.lead_unit_id) as unit, gu.group_id as grp,
                   s.project_id as project, t.district_id as district, i.*
              from list_items i join sites t on t.id = i.site_id
              join sub_items s on s.id = t.sub_item_id
              left join group_units gu on gu.unit_id = coalesce(i.unit_id, s.lead_unit_id))
        select {col}, count(*) filter (where kind = 'problem'),
               count(*) filter (where kind = 'suggestion'), count(*) filter (where status <> 'draft'),
               count(*) filter (where status in ('answered', 'closed')),
               count(*) filter (where status = 'closed'),
               count(*) filter (where status in ('forwarded', 'acknowledged') and deadline < {lit(dash['today'])}::date),
               count(*) filter (where status in ('answered', 'closed')
                                  and (answered_at at time zone 'Asia/Shanghai')::date <= deadline)
          from it where {col} is not null group by 1""", '-At').split():
        k, *v = line.split('|')
        truth[k] = [int(x) for x in v] + [0, 0]
    for line in psql(f"""
        with ob as (
            select s.lead_unit_id as unit, gu.group_id as grp, s.project_id as project,
                   t.district_id as district, o.deputy_user_id
              from observations o join sites t on t.id = o.site_id
              join sub_items s on s.id = t.sub_item_id
              left join group_units gu on gu.unit_id = s.lead_unit_id)
        select {col}, count(*), count(distinct deputy_user_id) from ob where {col} is not null
         group by 1""", '-At').split():
        k, n, d = line.split('|')
        truth.setdefault(k, [0] * 9)[7:] = [int(n), int(d)]
    shown = {r['id']: [r[f] for f in FIELDS] for r in dash[table] if any(r[f] for f in FIELDS)}
    if shown != truth:
        bad = sorted(k for k in set(shown) | set(truth) if shown.get(k) != truth.get(k))[:3]
        die(f'dashboard {table} differs from the raw tables, e.g. '
            + '; '.join(f'{k}: {shown.get(k)} vs {truth.get(k)}' for k in bad))
    compared += len(truth)
weeks_ok = 0
for w in dash['trend']:
    want = [int(x) for x in scalar(f"""
        select (select count(*) from observations
                 where date_trunc('week', received_at at time zone 'Asia/Shanghai')::date = {lit(w['week'])}::date)
               || '|' || (select count(*) from list_items
                 where date_trunc('week', created_at at time zone 'Asia/Shanghai')::date = {lit(w['week'])}::date)
               || '|' || (select count(*) from list_items
                 where date_trunc('week', answered_at at time zone 'Asia/Shanghai')::date = {lit(w['week'])}::date)
               || '|' || (select count(*) from list_items
                 where date_trunc('week', closed_at at time zone 'Asia/Shanghai')::date = {lit(w['week'])}::date)""").split('|')]
    got = [w['observations'], w['created'], w['answered'], w['closed']]
    if got != want:
        die(f"dashboard trend, week of {w['week']}: {got} against {want} from the raw tables")
    weeks_ok += 1
print()
print(f'Dashboard against the raw tables: {compared} rows × {len(FIELDS)} figures (unit, group, '
      f'project, district) and {weeks_ok} weeks of the trend, all equal.')

# --- plans, for a figure that misses its goal -------------------------------------------------

if PLANS:
    with open(PLANS, 'w', encoding='utf-8') as f:
        script = '\n'.join(PREP + [
            f'explain (analyze, buffers) execute rq({rq_args()});',
            f'explain (analyze, buffers) execute rq({rq_args(proj_q)});',
            f'explain (analyze, buffers) execute rq({rq_args(None, deep_at, deep_id)});',
            f'explain (analyze, buffers) execute dash({lit(today)});',
            f'explain (analyze, buffers) execute trend({lit(today)}, {weeks});',
            f'explain (analyze, buffers) {copy_sql};']) + '\n'
        r = subprocess.run(['psql', DB, '-X', '-e'], input=script, capture_output=True, text=True)
        f.write(r.stdout + r.stderr)
