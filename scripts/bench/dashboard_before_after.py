"""The dashboard's SQL of an earlier commit beside the working tree's, on one kept data set.

usage: python3 scripts/bench/dashboard_before_after.py DATABASE_URL TODAY [OLD_COMMIT]

Run from the repository root on a database kept by `JIANDU_BENCH_KEEP_DB=1
scripts/bench-closed-loop`. Before 5fb83a1's SQL can run there, recreate the counter table it
read (migration 000009 dropped it):

  create table observation_counts as
  select t.sub_item_id, t.district_id, o.deputy_user_id, count(*) as n
    from observations o join sites t on t.id = o.site_id group by 1, 2, 3;
  alter table observation_counts add primary key (sub_item_id, district_id, deputy_user_id);
  analyze observation_counts;

Each version's two statements are prepared in psql and executed 100 times after 10 warm-ups,
timed by \\timing; two rounds, alternating. Prints p50/p95 per statement.
"""
import math
import re
import subprocess
import sys

DB, TODAY = sys.argv[1], sys.argv[2]
OLD = sys.argv[3] if len(sys.argv) > 3 else '5fb83a1'


def sql_of(src, name):
    m = re.search(r'\bfn ' + name + r'\b', src)
    body = src[m.end():]
    q = re.search(r'query_as\(\s*"', body)
    return ' '.join(body[q.end():body.index('"', q.end())].split())


def pct(xs, q):
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def measure(src, label, n=100, warm=10):
    rows, trend = sql_of(src, 'dashboard_rows'), sql_of(src, 'dashboard_trend')
    calls = [f"execute d('{TODAY}');", f"execute t('{TODAY}', 12);"]
    script = ['\\set ON_ERROR_STOP on', '\\o /dev/null', f'prepare d as {rows};',
              f'prepare t as {trend};'] + calls * warm + ['\\timing on'] + calls * n
    out = subprocess.run(['psql', DB, '-X', '-q'], input='\n'.join(script) + '\n',
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr)
    ts = [float(x) for x in re.findall(r'^Time: ([0-9.]+) ms', out.stdout, re.M)]
    r, t = ts[0::2], ts[1::2]
    print(f'| {label} | dashboard_rows {pct(r, .5):.1f} / {pct(r, .95):.1f} | '
          f'dashboard_trend {pct(t, .5):.1f} / {pct(t, .95):.1f} |')


old = subprocess.run(['git', 'show', f'{OLD}:app/src/store/items.rs'], capture_output=True,
                     text=True, check=True).stdout
new = open('app/src/store/items.rs', encoding='utf-8').read()
for _ in range(2):
    measure(old, f'before ({OLD})')
    measure(new, 'after')
