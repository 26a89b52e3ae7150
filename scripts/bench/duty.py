"""Duty-record benchmark, measuring side (run by scripts/bench-duty).

Against a running server on the generated data set (a roster of 5 000 deputies with accounts and
a year of observations): the staff's table `/staff/duty` (first page, a page deep in the roster,
"not yet taken part"), one deputy's record `/duty?deputy=`, and the XLSX of the whole roster, each
beside a baseline from the same run:

* the same SQL, sent by psql on one connection as a prepared statement (PREPARE/EXECUTE, like
  sqlx), timed by psql's \\timing; the SQL is read from app/src/store/duty.rs, so it is the
  application's own text;
* for the export, psql \\copy of the same query's rows (every deputy) to a CSV file.

HTTP requests go over one keep-alive connection, one at a time, after a warm-up; requests and
their baseline alternate in chunks so that anything else on the machine weighs on both alike.
Prints markdown for docs/benchmarks.md.

usage: duty.py BASE_URL DATABASE_URL
"""
import datetime
import http.client
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

BASE, DB = sys.argv[1], sys.argv[2]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N = int(os.environ.get('BENCH_REQUESTS', '100'))
WARM = 10
CHUNKS = 5
EXPORT_RUNS = int(os.environ.get('BENCH_EXPORT_RUNS', '5'))
STORE = open(os.path.join(ROOT, 'app/src/store/duty.rs'), encoding='utf-8').read()


def die(msg):
    print(f'error: {msg}', file=sys.stderr)
    sys.exit(1)


def const(name):
    m = re.search(r'const ' + name + r': &str = "(.*?)";', STORE, re.S)
    if not m:
        die(f'const {name} not found in app/src/store/duty.rs: update scripts/bench/duty.py')
    return m.group(1)


def scoped(fn):
    """ROSTER as fn `fn` (`whole_roster` or `one_deputy`) fills in its scope placeholders."""
    m = re.search(r'\bfn ' + fn + r'\(\) -> String \{(.*?)\n\}', STORE, re.S)
    if not m:
        die(f'fn {fn} not found in app/src/store/duty.rs: update scripts/bench/duty.py')
    sql = const('ROSTER')
    for k, v in re.findall(r'\.replace\(\s*"\{([A-Z_]+)\}",\s*"((?:[^"\\]|\\.)*)",?\s*\)', m.group(1)):
        sql = sql.replace('{' + k + '}', v)
    if '{' in sql:
        die(f'ROSTER keeps a placeholder after fn {fn}: update scripts/bench/duty.py')
    return sql


def fn_sql(name, roster):
    """The first format! literal of fn `name`, with `{roster}`, the positional `{}` and the
    {CONST} parts filled in."""
    m = re.search(r'\bfn ' + name + r'\b', STORE)
    if not m:
        die(f'fn {name} not found in app/src/store/duty.rs: update scripts/bench/duty.py')
    lm = re.search(r'format!\(\s*"', STORE[m.end():])
    start = m.end() + lm.end()
    sql = STORE[start:STORE.index('"', start)]
    sql = sql.replace('{roster}', roster).replace('{}', roster)
    for c in re.findall(r'\{([A-Z_]+)\}', sql):
        sql = sql.replace('{' + c + '}', const(c))
    # One line for psql: a `--` comment in the SQL would swallow the rest of it.
    sql = re.sub(r'--[^\n]*', '', sql)
    return ' '.join(sql.split())


def psql(sql, *args):
    r = subprocess.run(['psql', DB, '-X', '-q', '-v', 'ON_ERROR_STOP=1', *args, '-c', sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        die(f'psql: {r.stderr.strip()}')
    return r.stdout


def scalar(sql):
    return psql(sql, '-At').strip()


def psql_times(prepare, execute, n, warm):
    script = ['\\set ON_ERROR_STOP on', '\\o /dev/null', prepare]
    script += [execute] * warm
    script.append('\\timing on')
    script += [execute] * n
    out = subprocess.run(['psql', DB, '-X', '-q'], input='\n'.join(script) + '\n',
                         capture_output=True, text=True)
    if out.returncode != 0:
        die(f'psql: {out.stderr.strip()}')
    times = [float(t) for t in re.findall(r'^Time: ([0-9.]+) ms', out.stdout, re.M)]
    if len(times) != n:
        die(f'psql printed {len(times)} timings, expected {n}')
    return times


url = urllib.parse.urlsplit(BASE)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=300)
cookie = None


def request(method, path, body=None, headers=None):
    h = {'Sec-Fetch-Site': 'same-origin', 'Accept': 'text/html'}
    if cookie:
        h['Cookie'] = cookie
    h.update(headers or {})
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    return r, r.read()


r, data = request('POST', '/api/v1/session',
                  json.dumps({'username': 'demo-staff', 'password': 'jiandu-demo'}),
                  {'Content-Type': 'application/json'})
if r.status >= 300:
    die(f'sign-in: {r.status} {data[:200]!r}')
cookies = [v.split(';', 1)[0] for k, v in r.getheaders() if k.lower() == 'set-cookie']
cookie = '; '.join(c for c in cookies if 'jiandu' in c.split('=', 1)[0])
if not cookie:
    die('sign-in set no session cookie')


def timed(path, check=None):
    t = time.perf_counter()
    r, data = request('GET', path)
    ms = (time.perf_counter() - t) * 1000
    if r.status != 200:
        die(f'GET {path}: {r.status} {data[:300]!r}')
    if check:
        check(data)
    return ms, data


def pct(xs, q):
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def row(label, xs):
    return f'| {label} | {len(xs)} | {pct(xs, 0.5):.1f} | {pct(xs, 0.95):.1f} | {max(xs):.1f} |'


def lit(v):
    return 'null' if v is None else "'" + str(v).replace("'", "''") + "'"


# A year: the 365 days up to today in China, the span the generator spreads observations over.
today = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date()
first = today - datetime.timedelta(days=364)
period = f'from={first}&to={today}'
start = f"'{first}'::date::timestamp at time zone 'Asia/Shanghai'"
end = f"('{today}'::date + 1)::timestamp at time zone 'Asia/Shanghai'"
counts = scalar(f"""select (select count(*) from deputies), (select count(*) from users where role = 'deputy'),
    (select count(*) from observations where captured_at >= {start} and captured_at < {end}),
    (select count(*) from list_item_events where action = 'rate'),
    (select count(*) from inspections), (select count(*) from inspection_check_ins),
    (select count(*) from observations where inspection_id is not null)""").split('|')
n_deputies, n_accounts, n_obs, n_rates, n_insp, n_check_ins, n_insp_obs = (int(c) for c in counts)
busy = scalar(f"""select u.deputy_id from observations o join users u on u.id = o.deputy_user_id
    where o.captured_at >= {start} group by u.deputy_id order by count(*) desc limit 1""")
per_page = int(re.search(r'DUTY_PAGE: u32 = (\d+)', open(os.path.join(ROOT, 'app/src/domain/duty.rs'),
                                                             encoding='utf-8').read()).group(1))
deep = (n_deputies // per_page) // 2

table_sql = fn_sql('duty_table', scoped('whole_roster'))
record_sql = fn_sql('duty_of', scoped('one_deputy'))
PREP_TABLE = f'prepare t(timestamptz, timestamptz, uuid, text, text, bigint, bigint) as {table_sql};'
PREP_RECORD = f'prepare r(timestamptz, timestamptz, uuid) as {record_sql};'


def exec_table(who, page):
    return f"execute t({start}, {end}, null, {lit(who)}, null, {per_page}, {page * per_page});"


cases = [
    ('`/staff/duty` first page (50 of the roster)', f'/staff/duty?{period}', PREP_TABLE, exec_table('all', 0)),
    (f'`/staff/duty` page {deep + 1} (deep in the roster)', f'/staff/duty?{period}&page={deep}', PREP_TABLE,
     exec_table('all', deep)),
    ('`/staff/duty?who=not_yet`', f'/staff/duty?{period}&who=not_yet', PREP_TABLE, exec_table('not_yet', 0)),
    ('`/duty?deputy=` (the busiest deputy)', f'/duty?deputy={busy}&{period}', PREP_RECORD,
     f'execute r({start}, {end}, {lit(busy)});'),
]

print(f'Data: {n_deputies:,} deputies on the roster ({n_accounts:,} with accounts), {n_obs:,} observations '
      f'in the period {first} to {today}, {n_rates:,} ratings, {n_insp:,} inspections with {n_check_ins:,} '
      f'check-ins and {n_insp_obs:,} observations made on them. One connection, one request at a time '
      f'({N} each after {WARM} warm-up, in {CHUNKS} chunks alternating with the baseline).')
print()
print('| What | n | p50 ms | p95 ms | max ms |')
print('|---|---|---|---|---|')


def must_hold(marker):
    def check(data):
        if marker not in data:
            die(f'the page lacks {marker!r}')
    return check


for label, path, prep, execute in cases:
    http_ms, sql_ms = [], []
    for c in range(CHUNKS):
        warm = WARM if c == 0 else 2
        check = must_hold(b'id="duty-')
        for _ in range(warm):
            timed(path, check)
        http_ms += [timed(path)[0] for _ in range(N // CHUNKS)]
        sql_ms += psql_times(prep, execute, N // CHUNKS, warm)
    print(row(f'{label}, HTTP', http_ms))
    print(row('  baseline: its SQL in psql', sql_ms))

# The export: every deputy of the roster.
export = f'/duty/export.xlsx?{period}'
xs, size = [], 0
for _ in range(EXPORT_RUNS):
    ms, data = timed(export)
    xs.append(ms)
    size = len(data)
with tempfile.TemporaryDirectory() as d:
    csv = os.path.join(d, 'roster.csv')
    query = (table_sql.replace('$1', start).replace('$2', end).replace('$3::uuid', 'null::uuid').replace('$3', 'null')
             .replace('$4::text', "'all'::text").replace('$4', "'all'")
             .replace('$5::text', 'null::text').replace('$5', 'null').replace('$6', 'all').replace('$7', '0'))
    base = []
    for _ in range(EXPORT_RUNS):
        t = time.perf_counter()
        psql(f"\\copy ({query}) to '{csv}' csv")
        base.append((time.perf_counter() - t) * 1000)
    lines = sum(1 for _ in open(csv, encoding='utf-8'))
if lines != n_deputies:
    die(f'the baseline copied {lines} rows for {n_deputies} deputies')
print(row(f'`/duty/export.xlsx`, every deputy ({size:,} bytes)', xs))
print(row(f'  baseline: psql \\copy of the same {lines:,} rows to CSV (process start included)', base))
