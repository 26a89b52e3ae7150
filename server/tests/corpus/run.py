"""Runs the bad-input corpus (cases.py) against a running server holding the demo data.

    python3 server/tests/corpus/run.py http://127.0.0.1:3100      (DATABASE_URL: its database)

Each case must be answered with one of its statuses, never a 5xx, and never with its own markup
echoed back in an HTML page. Afterwards no table may have gained or lost a row (sessions and
the sign-in log aside: the runner signs in), and the server must still serve its pages.
Standard library only: it runs wherever Python 3.11 does.
"""

import hashlib
import http.client
import json
import re
import os
import secrets
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import cases  # noqa: E402

# Tables a refused request may still touch, and why.
MAY_CHANGE = {
    # The runner signs in as four demo accounts.
    "tower_sessions",
    # Refused and accepted posts alike count against the client's shared rate limits.
    "rate_limits",
    # A refused sign-in is a counted failure, on every server's shared count.
    "sign_in_failures",
}

COUNTS_SQL = """
select table_name || '|' || (xpath('/row/n/text()',
         query_to_xml(format('select count(*) as n from %I.%I', table_schema, table_name),
                      false, true, '')))[1]::text
  from information_schema.tables
 where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE'
 order by table_name;
"""


def psql(sql):
    out = subprocess.run(
        ["psql", os.environ["DATABASE_URL"], "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True, capture_output=True, text=True,
    ).stdout
    return [line for line in out.splitlines() if line]


def counts():
    return dict(line.split("|", 1) for line in psql(COUNTS_SQL))


def uuid7():
    ms = int(time.time() * 1000)
    b = bytearray(ms.to_bytes(6, "big") + secrets.token_bytes(10))
    b[6] = (b[6] & 0x0F) | 0x70
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Server:
    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port or 80

    def send(self, method, path, body=None, headers=None, timeout=60):
        """(status, headers, body) or (None, None, error) when the connection failed."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders()
            if body:
                # A server may answer (413) and close before the body is all sent.
                try:
                    for i in range(0, len(body), 1 << 16):
                        conn.send(body[i : i + (1 << 16)])
                except (BrokenPipeError, ConnectionResetError):
                    pass
            res = conn.getresponse()
            return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
        except (OSError, http.client.HTTPException) as e:
            return None, None, str(e).encode()
        finally:
            conn.close()

    def sign_in(self, username):
        status, headers, body = self.send(
            "POST", "/api/v1/session", json.dumps({"username": username, "password": "jiandu-demo"}).encode(),
            {"Content-Type": "application/json"},
        )
        if status != 200:
            sys.exit(f"could not sign in as {username}: {status} {body[:200]!r}")
        return headers["set-cookie"].split(";", 1)[0]


def call(server, cookie, fn, fields):
    """A server function, as the browser calls it: (status, JSON)."""
    body = urllib.parse.urlencode(fields).encode()
    status, _, rb = server.send(
        "POST", f"/api/{fn}", body,
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json", "Cookie": cookie},
    )
    try:
        return status, json.loads(rb)
    except ValueError:
        return status, rb


def forwarded_item(server, cookies, site_id):
    lon, lat = psql(f"select anchor[0] || ' ' || anchor[1] from sites where id = '{site_id}'")[0].split()
    obs = uuid7()
    body = json.dumps({
        "site_id": site_id, "kind": "problem", "note": "语料：为答复而建的问题", "tags": [],
        "captured_at": "2026-10-01T02:03:04Z",
        "position": {"lat": float(lat), "lon": float(lon), "accuracy_m": 8.0, "source": "gps"}, "photos": [],
    }).encode()
    status, _, rb = server.send("PUT", f"/api/v1/observations/{obs}", body,
                                {"Content-Type": "application/json", "Cookie": cookies["deputy"]})
    if status != 201:
        sys.exit(f"setup: the observation was refused: {status} {rb[:300]!r}")
    status, item = call(server, cookies["staff"], "review/create-item",
                        {"observations": obs, "kind": "problem", "description": "语料：井盖缺失"})
    if status != 200:
        sys.exit(f"setup: no item: {status} {item!r}")
    status, r = call(server, cookies["staff"], "items/act", {"id": item, "action": "forward", "deadline": "2099-12-31"})
    if status != 200:
        sys.exit(f"setup: not forwarded: {status} {r!r}")
    unit = psql(f"select unit_id from list_items where id = '{item}'")[0]
    username = f"corpus-officer-{int(time.time())}"
    status, r = call(server, cookies["admin"], "admin/create-account", {
        "username": username, "display_name": "语料联络员", "password": "a-long-password",
        "role": "unit_officer", "unit_id": unit,
    })
    if status != 200:
        sys.exit(f"setup: no officer: {status} {r!r}")
    status, headers, rb = server.send(
        "POST", "/api/v1/session", json.dumps({"username": username, "password": "a-long-password"}).encode(),
        {"Content-Type": "application/json"},
    )
    if status != 200:
        sys.exit(f"setup: the officer could not sign in: {status} {rb[:200]!r}")
    return item, unit, headers["set-cookie"].split(";", 1)[0]


def questionnaire(server, staff, code):
    """A questionnaire shown at the site `code`, made through the staff's server functions: a
    required single choice of three, then a text question."""
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    later = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600 + 30 * 86400))
    status, qid = call(server, staff, "questionnaires/create", {
        "title": "语料问卷", "intro": "", "opens_on": today, "closes_on": later, "targets": code,
    })
    if status != 200:
        sys.exit(f"setup: no questionnaire: {status} {qid!r}")
    for fields in [
        {"prompt": "多久去一次？", "kind": "single", "options": "每天\n每周\n很少", "required": "1", "show_if": ""},
        {"prompt": "建议", "kind": "text", "options": "", "show_if": ""},
    ]:
        status, r = call(server, staff, "questionnaires/add_question", dict(fields, id=qid))
        if status != 200:
            sys.exit(f"setup: the question was refused: {status} {r!r}")
    return qid


# Markup from the payloads, as it would appear unescaped.
ECHOES = [b"<script>alert", b"<img src=x onerror", b"<svg/onload", b'<svg xmlns="http://www.w3.org/2000/svg" onload']


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:3100"
    server = Server(base)
    one = lambda sql: (psql(sql) or [""])[0]  # noqa: E731
    fixtures = {
        "site_code": one("select public_code from sites where active order by public_code limit 1"),
        "site_id": one(
            """select t.id from sites t join sub_items s on s.id = t.sub_item_id
                 join group_units gu on gu.unit_id = s.lead_unit_id
                 join deputies d on d.group_id = gu.group_id
                 join users u on u.deputy_id = d.id
                where u.username = 'demo-deputy' and t.active limit 1"""
        ),
        "other_site_id": one(
            """select t.id from sites t join sub_items s on s.id = t.sub_item_id
                where not exists (select 1 from group_units gu join deputies d on d.group_id = gu.group_id
                                    join users u on u.deputy_id = d.id
                                   where gu.unit_id = s.lead_unit_id and u.username = 'demo-deputy')
                limit 1"""
        ),
    }
    missing = [k for k, v in fixtures.items() if not v]
    if missing:
        sys.exit(f"the demo data lacks {missing}: load it with `jiandu demo-data`")
    cookies = {"anon": None}
    for who, user in [("deputy", "demo-deputy"), ("staff", "demo-staff"), ("admin", "demo-admin")]:
        cookies[who] = server.sign_in(user)
    # An item forwarded to a unit and an officer of that unit, made through the product as on
    # any installation: the answer and progress cases must get past who may send them.
    item, unit, officer = forwarded_item(server, cookies, fixtures["site_id"])
    cookies["officer"] = officer
    fixtures["item"] = item
    fixtures["sub_item"] = one(f"select id from sub_items where lead_unit_id = '{unit}' limit 1")
    fixtures["other_site_code"] = one(
        f"select public_code from sites where active and public_code <> '{fixtures['site_code']}' limit 1"
    )
    fixtures["questionnaire"] = questionnaire(server, cookies["staff"], fixtures["site_code"])
    # The version of its questions, as the form a passer-by opens carries it.
    _, _, form = server.send("GET", f"/q/{fixtures['questionnaire']}", None, {"Accept": "text/html"})
    found = re.search(rb'name="questions_rev" value="([0-9a-f]{16})"', form)
    if not found:
        sys.exit("setup: the questionnaire's form carries no version of its questions")
    fixtures["questions_rev"] = found.group(1).decode()
    # Every text stored so far cut into words for hot topics (a topics page does it first), so
    # the corpus's own calls to the topics functions find nothing left to store.
    status, _ = call(server, cookies["staff"], "topics/week", {})
    if status != 200:
        sys.exit(f"setup: topics/week answered {status}")

    before = counts()
    failures = []
    started = time.monotonic()
    for c in cases.CASES:
        body = c["body"]
        subs = dict(fixtures, v7=uuid7(), sha=hashlib.sha256(body or b"").hexdigest())
        path = c["path"]
        for k, v in subs.items():
            path = path.replace("{" + k + "}", v)
        if body is not None and b"{" in body:
            for k in ("site_id", "other_site_id", "v7", "questions_rev"):
                body = body.replace(("{" + k + "}").encode(), subs[k].encode())
        # Server functions answer a browser's form post with a redirect back: ask as a script.
        accept = "application/json" if path.startswith("/api/") else "text/html, application/json;q=0.9"
        headers = {"Accept": accept}
        if c["ctype"]:
            headers["Content-Type"] = c["ctype"]
        if cookies[c["who"]]:
            headers["Cookie"] = cookies[c["who"]]
        status, rh, rb = server.send(c["method"], path, body, headers)
        why = None
        if status is None:
            why = f"no answer: {rb.decode(errors='replace')}"
        elif status not in c["expect"]:
            why = f"{status}, expected {'/'.join(map(str, c['expect']))}"
        elif "text/html" in rh.get("content-type", "") and any(e in rb for e in ECHOES):
            why = f"{status} with the payload's markup echoed in HTML"
        if why:
            failures.append(f"{c['name']}: {why}\n      {c['method']} {path[:120]} -> {rb[:200].decode(errors='replace')}")
    took = time.monotonic() - started

    # Still serving, and nothing half-stored.
    for path in ["/healthz", "/", f"/s/{fixtures['site_code']}", "/plan"]:
        status, _, rb = server.send("GET", path, None, {"Accept": "text/html"})
        if status != 200:
            failures.append(f"after the corpus, GET {path}: {status} {rb[:200]!r}")
    after = counts()
    for table in sorted(set(before) | set(after)):
        if table in MAY_CHANGE:
            continue
        if before.get(table) != after.get(table):
            failures.append(f"table {table}: {before.get(table)} rows before the corpus, {after.get(table)} after")

    print(f"bad-input corpus: {len(cases.CASES)} cases in {took:.1f} s against {base}")
    for f in failures:
        print("  FAILED " + f)
    print(f"{len(cases.CASES) + 4 + len(before) - len(failures)} checks passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
