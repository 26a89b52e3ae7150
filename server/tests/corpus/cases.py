"""The bad-input corpus: hostile and broken requests, each with the statuses it may be answered.

Every case is refused: run.py checks each answer, then that no table gained or lost a row, that
no answer is a 5xx or echoes markup, and that the server still answers. Cases are data, not
code paths: a payload is bytes (built here, deterministically), sent as the named caller.

A case is a dict:
  name     what is being tried (unique)
  who      anon | deputy | officer | staff | admin (demo accounts)
  method   HTTP method
  path     may hold {site_code} {site_id} {other_site_id} {item} {sub_item} {v7} {sha} {photo_sha}
  body     bytes, or None
  ctype    the Content-Type sent, or None
  expect   the statuses a correct server may answer
"""

import json
import struct
import zlib

# ---------------------------------------------------------------------------------------------
# Payloads


def png(width, height, idat=b"", color_type=2):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def png_bomb():
    # 20000 x 20000 RGB of zeros: 1.2 GB decoded from a few hundred KB.
    row = b"\x00" + b"\x00" * (20000 * 3)
    c = zlib.compressobj(9)
    out = [c.compress(row) for _ in range(2000)]
    out.append(c.flush())
    return png(20000, 20000, b"".join(out))


def jpeg_header(width, height):
    """A JPEG whose frame header claims width x height, with no image data after it."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + bytes(
        [1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]
    )
    return b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + sof + b"\xff\xd9"


GIF_JS = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;alert(document.domain)//;\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x00\x3b"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
ZIP_EMPTY = b"PK\x05\x06" + b"\x00" * 18
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 57
JPEG_HTML = jpeg_header(64, 64)[:-2] + HTML + b"\xff\xd9"
TRUNCATED_JPEG = jpeg_header(640, 480)[:30]
INVALID_UTF8 = b"\xff\xfe\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc"

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "<svg/onload=alert(1)>",
    "{{constructor.constructor('alert(1)')()}}",
]
SQL = [
    "' or '1'='1",
    "1; drop table users; --",
    "' union select username, password_hash from users --",
    "\\'; select pg_sleep(5); --",
]
TRAVERSAL = ["..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2f", "....//....//etc/passwd"]


def deep_json(depth):
    return b"[" * depth + b"]" * depth


def js(v):
    return json.dumps(v, ensure_ascii=False).encode()


def observation(**over):
    base = {
        "site_id": "{site_id}",
        "kind": "problem",
        "note": "语料：井盖缺失",
        "tags": [],
        "captured_at": "2026-10-01T02:03:04Z",
        "position": {"lat": 30.25, "lon": 120.17, "accuracy_m": 8.0, "source": "gps"},
        "photos": [],
    }
    base.update(over)
    return base


def multipart(fields, files=()):
    """fields: [(name, bytes|str)], files: [(name, filename, ctype, bytes)] -> (body, ctype)."""
    b = b"----jianducorpus7MA4YWxkTrZu0gW"
    out = []
    for name, value in fields:
        if isinstance(value, str):
            value = value.encode()
        out.append(b"--" + b + b"\r\nContent-Disposition: form-data; name=\"" + name.encode() + b"\"\r\n\r\n" + value + b"\r\n")
    for name, filename, ctype, data in files:
        out.append(
            b"--" + b + b"\r\nContent-Disposition: form-data; name=\"" + name.encode() + b"\"; filename=\""
            + filename.encode() + b"\"\r\nContent-Type: " + ctype.encode() + b"\r\n\r\n" + data + b"\r\n"
        )
    out.append(b"--" + b + b"--\r\n")
    return b"".join(out), "multipart/form-data; boundary=" + b.decode()


# ---------------------------------------------------------------------------------------------
# Cases

CASES = []


def case(name, who, method, path, body=None, ctype=None, expect=(422,)):
    CASES.append(
        {"name": name, "who": who, "method": method, "path": path, "body": body, "ctype": ctype, "expect": tuple(expect)}
    )


# Photos (PUT /api/v1/photos/{sha}): the path's hash is the body's, so a name is never trusted.
PHOTOS = {
    "zero-byte": b"",
    "truncated JPEG": TRUNCATED_JPEG,
    "JPEG header only, 64x64": jpeg_header(64, 64),
    "JPEG claiming 65535x65535": jpeg_header(65535, 65535),
    "JPEG claiming 0x0": jpeg_header(0, 0),
    "PNG bomb 20000x20000": png_bomb(),
    "PNG claiming 2^31 wide": png(2**31 - 1, 1, zlib.compress(b"\x00" * 4)),
    "PNG with no IDAT data": png(10, 10),
    "GIF/JS polyglot": GIF_JS,
    "HTML": HTML,
    "SVG with script": SVG,
    "PDF": PDF,
    "empty ZIP": ZIP_EMPTY,
    "ELF": ELF,
    "JPEG/HTML polyglot": JPEG_HTML,
    "invalid UTF-8 text": INVALID_UTF8,
    "1 MB of zeros": b"\x00" * (1 << 20),
}
for label, data in PHOTOS.items():
    for ctype in ("image/jpeg", "application/octet-stream"):
        case(f"photo: {label} as {ctype}", "deputy", "PUT", "/api/v1/photos/{sha}", data, ctype, (400, 413, 415, 422))
case("photo: 13 MB, over the limit", "deputy", "PUT", "/api/v1/photos/{sha}", b"\xff\xd8" + b"\x00" * (13 << 20), "image/jpeg", (413,))
case("photo: body not matching the path's hash", "deputy", "PUT", "/api/v1/photos/" + "0" * 64, jpeg_header(64, 64), "image/jpeg", (400, 422))
for bad in ["abc", "z" * 64, "0" * 63, "0" * 65, "../../etc/passwd", "%00" + "0" * 61] + SQL[:2]:
    case(f"photo: malformed hash {bad[:20]!r} ({len(bad)} characters)", "deputy", "PUT", "/api/v1/photos/" + bad.replace(" ", "%20"), jpeg_header(64, 64), "image/jpeg", (400, 404, 422))

# Observations (PUT /api/v1/observations/{id}).
OBS = "/api/v1/observations/{v7}"
bad_observations = {
    "not JSON": b"this is not json",
    "invalid UTF-8": b'{"note": "' + INVALID_UTF8 + b'"}',
    "empty body": b"",
    "JSON null": b"null",
    "JSON array": b"[]",
    "JSON string": b'"observation"',
    "deep JSON, 10000 levels": deep_json(10000),
    "deep JSON object, 5000 levels": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "NaN latitude": js(observation())[:-1].replace(b'"lat": 30.25', b'"lat": NaN') + b"}",
    "Infinity longitude": js(observation()).replace(b'"lon": 120.17', b'"lon": Infinity'),
    "latitude 91": js(observation(position={"lat": 91, "lon": 120.17, "accuracy_m": 8.0, "source": "gps"})),
    "latitude -90.0001": js(observation(position={"lat": -90.0001, "lon": 120.17, "accuracy_m": 8.0, "source": "gps"})),
    "longitude 181": js(observation(position={"lat": 30.25, "lon": 181, "accuracy_m": 8.0, "source": "gps"})),
    "latitude 1e308": js(observation(position={"lat": 1e308, "lon": 120.17, "accuracy_m": 8.0, "source": "gps"})),
    "latitude as string": js(observation(position={"lat": "30.25", "lon": 120.17, "accuracy_m": 8.0, "source": "gps"})),
    "negative accuracy": js(observation(position={"lat": 30.25, "lon": 120.17, "accuracy_m": -1, "source": "gps"})),
    "unknown position source": js(observation(position={"lat": 30.25, "lon": 120.17, "accuracy_m": 8, "source": "<script>"})),
    "1 MB note": js(observation(note="井" * 350_000)),
    "note with NUL": js(observation(note="a\u0000b")),
    "note with control characters": js(observation(note="a\u0007\u001bb")),
    "unknown kind": js(observation(kind="<script>alert(1)</script>")),
    "kind as number": js(observation(kind=7)),
    "forged site id": js(observation(site_id="00000000-0000-7000-8000-000000000000")),
    "site id not a UUID": js(observation(site_id="' or 1=1 --")),
    "site of another group": js(observation(site_id="{other_site_id}")),
    "captured_at garbage": js(observation(captured_at="yesterday")),
    "captured_at year 9999": js(observation(captured_at="9999-12-31T23:59:59Z")),
    "captured_at year 1900": js(observation(captured_at="1900-01-01T00:00:00Z")),
    "10000 different tags": js(observation(tags=[f"标签{i}" for i in range(10000)])),
    "tag of 10000 characters": js(observation(tags=["长" * 10000])),
    "photo never uploaded": js(observation(photos=["a" * 64])),
    "photo hash malformed": js(observation(photos=["<img src=x>"])),
    "1000 photos": js(observation(photos=["b" * 64] * 1000)),
    "photos not a list": js(observation(photos="a" * 64)),
    "missing site": js({k: v for k, v in observation().items() if k != "site_id"}),
    "missing kind": js({k: v for k, v in observation().items() if k != "kind"}),
    "huge number": js(observation())[:-1] + b', "extra": ' + b"9" * 100000 + b"}",
}
for x in XSS + SQL:
    bad_observations[f"tag {x[:24]!r} with empty kind"] = js(observation(kind="", tags=[x]))
for label, body in bad_observations.items():
    case(f"observation: {label}", "deputy", "PUT", OBS, body, "application/json", (400, 403, 404, 413, 415, 422))
case("observation: JSON sent as text/plain", "deputy", "PUT", OBS, js(observation()), "text/plain", (415,))
case("observation: no content type", "deputy", "PUT", OBS, js(observation()), None, (415,))
case("observation: JSON sent as form", "deputy", "PUT", OBS, b"site_id=1&kind=problem", "application/x-www-form-urlencoded", (415,))
case("answer: JSON sent as text/plain", "officer", "PUT", "/api/v1/items/{item}/answers/{v7}", js({"text": "已整改"}), "text/plain", (415,))
case("progress: JSON sent as text/plain", "officer", "PUT", "/api/v1/sub-items/{sub_item}/progress/{v7}", js({"quantity_done": 1}), "text/plain", (415,))
for bad in ["not-a-uuid", "00000000-0000-4000-8000-000000000000", "' or 1=1 --", "%00", "0" * 200]:
    case(f"observation: id {bad[:20]!r}", "deputy", "PUT", "/api/v1/observations/" + bad.replace(" ", "%20").replace("'", "%27"), js(observation()), "application/json", (400, 404, 422))
case("observation changes: forged cursor", "deputy", "GET", "/api/v1/observations?after=' or 1=1 --".replace(" ", "%20").replace("'", "%27"), expect=(400, 422))
case("observation changes: limit -1e9", "deputy", "GET", "/api/v1/observations?limit=-1000000000000", expect=(200, 400, 422))

# Inspection check-ins (PUT /api/v1/inspections/{inspection}/check-ins/{id}): the body is
# judged before the inspection is looked up, so a made-up inspection still meets every rule.
CHK = "/api/v1/inspections/{v7}/check-ins/{v7}"


def check_in(**over):
    base = {
        "site_id": "{site_id}",
        "checked_at": "2026-10-01T02:03:04Z",
        "position": {"lat": 30.25, "lon": 120.17, "accuracy_m": 8.0, "source": "gps"},
    }
    base.update(over)
    return base


for label, body in {
    "not JSON": b"{",
    "empty body": b"",
    "JSON array": b"[]",
    "deep JSON, 10000 levels": deep_json(10000),
    "invalid UTF-8": b'{"site_id": "' + INVALID_UTF8 + b'"}',
    "NaN latitude": js(check_in()).replace(b'"lat": 30.25', b'"lat": NaN'),
    "latitude 91": js(check_in(position={"lat": 91, "lon": 120.17, "accuracy_m": 8.0, "source": "gps"})),
    "the site's own position": js(check_in(position={"lat": 30.25, "lon": 120.17, "accuracy_m": 8.0, "source": "site_location"})),
    "accuracy 0": js(check_in(position={"lat": 30.25, "lon": 120.17, "accuracy_m": 0, "source": "gps"})),
    "no position": js({k: v for k, v in check_in().items() if k != "position"}),
    "checked_at garbage": js(check_in(checked_at="<script>")),
    "checked_at year 9999": js(check_in(checked_at="9999-12-31T23:59:59Z")),
    "site id not a UUID": js(check_in(site_id="' or 1=1 --")),
    "8 KB body, over the limit": js(check_in(note="井" * 3000)),
}.items():
    case(f"check-in: {label}", "deputy", "PUT", CHK, body, "application/json", (400, 404, 413, 415, 422))
case("check-in: JSON sent as text/plain", "deputy", "PUT", CHK, js(check_in()), "text/plain", (415,))
case("check-in: by an officer", "officer", "PUT", CHK, js(check_in()), "application/json", (403,))
case("check-in: anonymous", "anon", "PUT", CHK, js(check_in()), "application/json", (401,))
for bad in ["not-a-uuid", "' or 1=1 --", "0" * 200]:
    case(f"check-in: inspection id {bad[:20]!r}", "deputy", "PUT", "/api/v1/inspections/" + bad.replace(" ", "%20").replace("'", "%27") + "/check-ins/{v7}", js(check_in()), "application/json", (400, 404, 422))

# Officers' answers and progress reports, as the unit's own officer.
ANS = "/api/v1/items/{item}/answers/{v7}"
PRG = "/api/v1/sub-items/{sub_item}/progress/{v7}"
for label, body in {
    "not JSON": b"{",
    "invalid UTF-8": b'{"text": "' + INVALID_UTF8 + b'"}',
    "deep JSON": deep_json(10000),
    "empty text": js({"text": ""}),
    "whitespace text": js({"text": " \t\n "}),
    "1 MB text": js({"text": "改" * 350_000}),
    "text with NUL": js({"text": "整改\u0000完成"}),
    "photo never uploaded": js({"text": "已整改", "photos": ["c" * 64]}),
    "text as number": js({"text": 12345}),
    "photos of HTML": js({"text": "已整改", "photos": ["<script>"]}),
}.items():
    case(f"answer: {label}", "officer", "PUT", ANS, body, "application/json", (400, 409, 413, 422))
for label, body in {
    "not JSON": b"nope",
    "negative quantity": js({"quantity_done": -1}),
    "quantity 2^63": b'{"quantity_done": 9223372036854775808}',
    "quantity as float NaN": b'{"quantity_done": NaN}',
    "quantity as text": js({"quantity_done": "九成"}),
    "negative payment": js({"quantity_done": 1, "paid_government_yuan": -5}),
    "payment 1e20": b'{"quantity_done": 1, "paid_government_yuan": 100000000000000000000}',
    "note 1 MB": js({"quantity_done": 1, "note": "进" * 350_000}),
    "note with control characters": js({"quantity_done": 1, "note": "a\u0008b"}),
    "photo never uploaded": js({"quantity_done": 1, "photos": ["d" * 64]}),
    "deep JSON": b'{"quantity_done":' * 3000 + b"1" + b"}" * 3000,
    "invalid UTF-8": b'{"quantity_done": 1, "note": "' + INVALID_UTF8 + b'"}',
}.items():
    case(f"progress: {label}", "officer", "PUT", PRG, body, "application/json", (400, 409, 413, 422))
case("answer: forged item id", "officer", "PUT", "/api/v1/items/00000000-0000-7000-8000-000000000000/answers/{v7}", js({"text": "x"}), "application/json", (403, 404))
case("progress: forged sub-item id", "officer", "PUT", "/api/v1/sub-items/00000000-0000-7000-8000-000000000000/progress/{v7}", js({"quantity_done": 1}), "application/json", (403, 404))

# The public comment form (POST /s/{code}/comment), anonymous, multipart as browsers send it.
CMT = "/s/{site_code}/comment"


def comment(fields=None, files=(), drop=()):
    base = {"form_token": "{v7}", "satisfaction": "dissatisfied", "support": "yes", "body": "语料：路灯不亮", "consent": "1"}
    base.update(fields or {})
    return multipart([(k, v) for k, v in base.items() if k not in drop], files)


comment_cases = {
    "no token": comment(drop=("form_token",)),
    "token not a UUID": comment({"form_token": "' or 1=1 --"}),
    "no satisfaction": comment(drop=("satisfaction",)),
    "satisfaction unknown": comment({"satisfaction": "<script>alert(1)</script>"}),
    "support unknown": comment({"support": "maybe"}),
    # Words left empty make a rating alone, which is valid: without a rating it is nothing.
    "no rating and no words": comment({"body": ""}, drop=("satisfaction", "support")),
    "no rating and words of spaces": comment({"body": "      "}, drop=("satisfaction", "support")),
    "one character": comment({"body": "灯"}),
    "body 1 MB": comment({"body": "灯" * 350_000}),
    "body invalid UTF-8 only": comment({"body": INVALID_UTF8}),
    "no rating and words of NULs": comment({"body": "\u0000\u0000\u0000"}, drop=("satisfaction",)),
    "phone not a number": comment({"phone": "call me maybe"}),
    "phone 200 digits": comment({"phone": "1" * 200}),
    "phone with script": comment({"phone": "<script>alert(1)</script>"}),
    "one-byte photo": comment(files=[("photo", "a.jpg", "image/jpeg", b"\xff")]),
    "truncated JPEG photo": comment(files=[("photo", "a.jpg", "image/jpeg", TRUNCATED_JPEG)]),
    "PNG bomb photo": comment(files=[("photo", "a.png", "image/png", png_bomb())]),
    "JPEG claiming 65535x65535": comment(files=[("photo", "a.jpg", "image/jpeg", jpeg_header(65535, 65535))]),
    "GIF/JS polyglot photo": comment(files=[("photo", "a.gif", "image/gif", GIF_JS)]),
    "HTML named .jpg": comment(files=[("photo", "a.jpg", "image/jpeg", HTML)]),
    "SVG photo": comment(files=[("photo", "a.svg", "image/svg+xml", SVG)]),
    "JPEG/HTML polyglot photo": comment(files=[("photo", "a.jpg", "image/jpeg", JPEG_HTML)]),
    "ELF photo": comment(files=[("photo", "a.jpg", "image/jpeg", ELF)]),
    "field 100 KB name": multipart([("x" * 100_000, "y")]),
}
for label, (body, ctype) in comment_cases.items():
    case(f"comment: {label}", "anon", "POST", CMT, body, ctype, (400, 413, 415, 422))
# Refused with the words shown back in their field: words that would close it stay words.
case("comment: refused, words that close their field", "anon", "POST", CMT, *comment({"satisfaction": "bogus", "body": "</textarea>" + XSS[1]}), expect=(422,))
# A bot that fills the field people never see is thanked (303) and nothing is kept.
case("comment: honeypot filled", "anon", "POST", CMT, *comment({"website": "http://spam.example"}), expect=(303,))
case("comment: unterminated multipart", "anon", "POST", CMT, comment()[0][:-40], comment()[1], (400, 422))
case("comment: JSON instead of a form", "anon", "POST", CMT, js({"body": "x"}), "application/json", (400, 415, 422))
case("comment: form without boundary", "anon", "POST", CMT, b"body=x", "multipart/form-data", (400, 415, 422))
case("comment: 13 MB photo", "anon", "POST", CMT, *comment(files=[("photo", "a.jpg", "image/jpeg", b"\xff\xd8" + b"\x00" * (13 << 20))]), expect=(413,))
for bad in XSS[:3] + SQL[:3] + TRAVERSAL:
    enc = bad.replace("%", "%25") if not bad.startswith("..%2f") else bad
    enc = "".join(ch if ch.isalnum() or ch in "%-._" else "%{:02X}".format(ord(ch)) for ch in enc)
    case(f"comment: site code {bad[:24]!r}", "anon", "POST", "/s/" + enc + "/comment", *comment(), expect=(400, 404, 422))
    case(f"public page: site code {bad[:24]!r}", "anon", "GET", "/s/" + enc, expect=(400, 404))
    case(f"receipt: code {bad[:24]!r}", "anon", "GET", "/r/" + enc, expect=(400, 404))
    case(f"receipt lookup: {bad[:24]!r}", "anon", "GET", "/r?code=" + enc, expect=(400, 404, 422))
    case(f"public photo: hash {bad[:24]!r}", "anon", "GET", "/s/{site_code}/photos/" + enc + "/thumb", expect=(400, 404))
    case(f"QR: site code {bad[:24]!r}", "anon", "GET", "/s/" + enc + "/qr.svg", expect=(400, 404))
case("public photo: unknown variant", "anon", "GET", "/s/{site_code}/photos/" + "a" * 64 + "/original", expect=(400, 404))
case("media: original asked for", "staff", "GET", "/media/original/" + "a" * 64 + ".jpg", expect=(400, 404))
case("media: traversal", "staff", "GET", "/media/thumb/..%2f..%2fsecret.jpg", expect=(400, 404))
case("rate: unknown verdict", "anon", "POST", "/r/AAAAAAAAAAAAAAAA/rate", b"rating=<script>", "application/x-www-form-urlencoded", (400, 404, 422))

# Imports: staff's findings sheet, the administrator's registry files.
SHEETS = {
    "zero-byte .xlsx": ("a.xlsx", b""),
    "random bytes .xlsx": ("a.xlsx", bytes(range(256)) * 40),
    "empty ZIP .xlsx": ("a.xlsx", ZIP_EMPTY),
    "HTML .xlsx": ("a.xlsx", HTML),
    "PDF .xlsx": ("a.xlsx", PDF),
    "CSV invalid UTF-8": ("a.csv", b"kind,description\n" + INVALID_UTF8 + b"," + INVALID_UTF8 + b"\n"),
    "CSV with NUL": ("a.csv", b"kind,description\nproblem,\x00\x00\n"),
    "CSV unbalanced quotes": ("a.csv", b'kind,description\n"problem,"unterminated\n'),
    "CSV header only": ("a.csv", b"kind,description\n"),
    "CSV formula injection only": ("a.csv", b"=cmd|' /C calc'!A0,=HYPERLINK(\"http://x\")\n"),
    "zero-byte .csv": ("a.csv", b""),
    "executable .exe": ("a.exe", ELF),
    "no extension": ("findings", b"kind,description\nproblem,x\n"),
    "5 MB and one byte": ("a.csv", b"a" * (5 * 1024 * 1024 + 1)),
}
for label, (fname, data) in SHEETS.items():
    body, ctype = multipart([("channel", "self_inspection"), ("year", "2026")], [("file", fname, "application/octet-stream", data)])
    case(f"findings import: {label}", "staff", "POST", "/items/import", body, ctype, (400, 413, 422))
for label, fields in {
    "no file": [("channel", "self_inspection")],
    "unknown channel": [("channel", "<script>")],
    "year 99999": [("channel", "self_inspection"), ("year", "99999")],
}.items():
    body, ctype = multipart(fields, [("file", "a.csv", "text/csv", b"kind,description\nproblem,x\n")] if label != "no file" else [])
    case(f"findings import: {label}", "staff", "POST", "/items/import", body, ctype, (400, 422))

# The 12345 export: the same hostile files, a file one byte over 20 MB, rows a person gets wrong.
for label, (fname, data) in SHEETS.items():
    body, ctype = multipart([], [("file", fname, "application/octet-stream", data)])
    case(f"12345 import: {label}", "staff", "POST", "/topics/hotline", body, ctype, (400, 413, 422))
for label, data in {
    "20 MB and one byte": b"a" * (20 * 1024 * 1024 + 1),
    "bad date and unknown district": "日期,区县,类别,内容\n明天,不存在区,交通,停车\n2026-12-07,<script>,交通,停车\n".encode(),
    "text of 2001 characters": ("日期,区县,类别,内容\n2026-12-07,,交通," + "长" * 2001 + "\n").encode(),
    "formula injection": "日期,区县,类别,内容\n=1+1,=cmd|' /C calc'!A0,@SUM(A1),+x\n".encode(),
    "no text column": "日期,区县,类别\n2026-12-07,,交通\n".encode(),
}.items():
    body, ctype = multipart([], [("file", "12345.csv", "text/csv", data)])
    case(f"12345 import: {label}", "staff", "POST", "/topics/hotline", body, ctype, (400, 413, 422))
body, ctype = multipart([], [("file", "12345.csv", "text/csv", "日期,区县,类别,内容\n2026-12-07,,交通,停车\n".encode())])
case("12345 import: a deputy", "deputy", "POST", "/topics/hotline", body, ctype, (403,))
case("12345 import: anonymous", "anon", "POST", "/topics/hotline", body, ctype, (401,))
for fn, form in [
    ("topics/week", b"week=%3Cscript%3E"),
    ("topics/week", b"district=%27%20or%201%3D1%20--"),
    ("topics/week", b"week=99999-01-01"),
    ("topics/texts", b"term=%27%20or%201%3D1%20--"),
    ("topics/texts", b"term=x&page=4294967295"),
    ("topics/save-words", b"stop_words=&synonyms=" + "长".encode() * 17),
    ("topics/save-words", b"stop_words=" + b"a%20" * 100001 + b"&synonyms="),
    ("topics/draft-item", b"term=x&week=2026-12-07&site=%27%20or%201%3D1&kind=problem&description=x"),
    ("topics/draft-item", b"term=x&week=2026-12-07&site=ZZZZZZZ&kind=problem&description=" + b"a" * 2001),
]:
    case(f"server fn {fn}: {form[:40]!r}", "staff", "POST", f"/api/{fn}", form, "application/x-www-form-urlencoded", (400, 404, 413, 422))

GEO = {
    "not JSON": b"{{{",
    "JSON but not GeoJSON": js({"hello": "world"}),
    "FeatureCollection of nothing": js({"type": "FeatureCollection", "features": []}),
    "feature with NaN coordinates": b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"x"},"geometry":{"type":"Point","coordinates":[NaN,30]}}]}',
    "point outside the world": js({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "x"}, "geometry": {"type": "Point", "coordinates": [500, 95]}}]}),
    "polygon not closed": js({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "x"}, "geometry": {"type": "Polygon", "coordinates": [[[120, 30], [120.1, 30], [120.1, 30.1]]]}}]}),
    "geometry type unknown": js({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Hypercube", "coordinates": []}}]}),
    "deep coordinates": b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":' + deep_json(5000) + b"}}]}",
    "200000 points": js({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "x"}, "geometry": {"type": "LineString", "coordinates": [[120 + i * 1e-6, 30] for i in range(200_000)]}}]}),
    "invalid UTF-8": b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"' + INVALID_UTF8 + b'"},"geometry":null}]}',
}
for label, data in GEO.items():
    body, ctype = multipart([("file_kind", "sites"), ("year", "2026")], [("file", "sites.geojson", "application/geo+json", data)])
    case(f"registry import: sites {label}", "admin", "POST", "/admin/registry/import", body, ctype, (400, 413, 422))
for kind in ("plan", "deputies", "groups"):
    for label, (fname, data) in list(SHEETS.items())[:8]:
        body, ctype = multipart([("file_kind", kind), ("year", "2026")], [("file", fname, "application/octet-stream", data)])
        case(f"registry import: {kind} {label}", "admin", "POST", "/admin/registry/import", body, ctype, (400, 413, 422))
body, ctype = multipart([("file_kind", "<script>"), ("year", "2026")], [("file", "a.csv", "text/csv", b"x\n")])
case("registry import: unknown file kind", "admin", "POST", "/admin/registry/import", body, ctype, (400, 422))

# Exports and lists with hostile query strings.
for q in ["year=abc", "year=99999", "from=2026-13-45", "to=yesterday", "unit=' or 1=1 --", "group=<script>", "project=" + "f" * 500]:
    qq = q.replace(" ", "%20").replace("'", "%27").replace("<", "%3C").replace(">", "%3E")
    for export in ("/items/export.xlsx", "/items/export.csv", "/items/export.geojson"):
        case(f"export {export} {q[:20]!r}", "staff", "GET", f"{export}?{qq}", expect=(400, 422))
case("readings CSV: from after to", "staff", "GET", "/sites/{site_id}/readings.csv?from=2026-12-01&to=2026-01-01", expect=(400, 422))
case("readings CSV: 20 years", "staff", "GET", "/sites/{site_id}/readings.csv?from=2006-01-01&to=2026-01-01", expect=(400, 422))
case("readings CSV: id not a UUID", "staff", "GET", "/sites/' or 1=1/readings.csv".replace(" ", "%20").replace("'", "%27"), expect=(400, 404))

# Devices' readings: a token is needed before anything is read.
case("readings: no token", "anon", "POST", "/api/v1/sites/{site_code}/readings", js({"readings": []}), "application/json", (401,))
case("readings: hostile body, no token", "anon", "POST", "/api/v1/sites/{site_code}/readings", js({"readings": [{"at": "x"}]}), "application/json", (401,))

# Signing in with hostile JSON.
for label, body in {
    "not JSON": b"username=admin",
    "SQL in username": js({"username": "admin' --", "password": "x"}),
    "1 MB username": js({"username": "a" * (1 << 20), "password": "x"}),
    "password as list": js({"username": "demo-admin", "password": ["jiandu-demo"]}),
    "invalid UTF-8": b'{"username": "' + INVALID_UTF8 + b'", "password": "x"}',
    "deep JSON": deep_json(10000),
}.items():
    case(f"sign-in: {label}", "anon", "POST", "/api/v1/session", body, "application/json", (400, 401, 413, 415, 422))

# Server functions with hostile fields.
for fn, field in [("catalogue/site", "id"), ("catalogue/project", "id"), ("catalogue/sub-item", "id"), ("items/get", "id")]:
    for bad in ["' or 1=1 --", "<script>alert(1)</script>", "0" * 1000, ""]:
        case(f"server fn {fn}: {field}={bad[:16]!r}", "staff", "POST", f"/api/{fn}", f"{field}={bad}".encode(), "application/x-www-form-urlencoded", (400, 404, 422))
case("server fn: invalid UTF-8 form", "staff", "POST", "/api/catalogue/site", b"id=" + INVALID_UTF8, "application/x-www-form-urlencoded", (400, 404, 422))
case("server fn: 3 MB form", "staff", "POST", "/api/catalogue/site", b"id=" + b"a" * (3 << 20), "application/x-www-form-urlencoded", (400, 404, 413, 422))

# Questionnaires' answer forms (POST /s/{code}/q/{id}, /q/{id}), anonymous, urlencoded as browsers
# send them. The fixture is a questionnaire shown at {site_code}: 1 single choice of three
# (required), 2 text. Every case leaves the required question unanswered or breaks the form, so
# nothing may be stored.
Q_SITE = "/s/{site_code}/q/{questionnaire}"
Q_LINK = "/q/{questionnaire}"
FORM = "application/x-www-form-urlencoded"


def answer(pairs, rev=True):
    """An urlencoded answer form, carrying the version of the questions it was drawn with."""
    from urllib.parse import urlencode

    # The placeholders stay as they are, for run.py to fill in.
    return urlencode(pairs + ([("questions_rev", "{questions_rev}")] if rev else []), safe="{}").encode()


for label, body, expect in [
    ("no token", answer([("q1", "1")]), (400,)),
    ("token not a UUID", answer([("form_token", "' or 1=1 --"), ("q1", "1")]), (400,)),
    ("required left out", answer([("form_token", "{v7}"), ("q2", "好")]), (422,)),
    ("option 0", answer([("form_token", "{v7}"), ("q1", "0")]), (422,)),
    ("option past the end", answer([("form_token", "{v7}"), ("q1", "4")]), (422,)),
    ("option negative", answer([("form_token", "{v7}"), ("q1", "-1")]), (422,)),
    ("option 2^64", answer([("form_token", "{v7}"), ("q1", "18446744073709551616")]), (422,)),
    ("two options for a single choice", answer([("form_token", "{v7}"), ("q1", "1"), ("q1", "2")]), (422,)),
    ("SQL as the option", answer([("form_token", "{v7}"), ("q1", "1' or '1'='1")]), (422,)),
    ("XSS in the text, required left out", answer([("form_token", "{v7}"), ("q2", XSS[1])]), (422,)),
    ("text of 501 characters", answer([("form_token", "{v7}"), ("q1", "1"), ("q2", "井" * 501)]), (422,)),
    ("a control character in the text", answer([("form_token", "{v7}"), ("q1", "1"), ("q2", "a\x00b")]), (422,)),
    ("invalid UTF-8", b"form_token={v7}&questions_rev={questions_rev}&q1=1&q2=" + INVALID_UTF8, (400,)),
    ("percent-encoded invalid UTF-8", b"form_token={v7}&questions_rev={questions_rev}&q1=1&q2=%FF%FEab", (400,)),
    # Drawn from other questions (or sent without saying which): refused, the form drawn again.
    ("no questions version", answer([("form_token", "{v7}"), ("q1", "1")], rev=False), (409,)),
    ("another questions version", answer([("form_token", "{v7}"), ("q1", "1"), ("questions_rev", "0123456789abcdef")], rev=False), (409,)),
    ("1,200 fields", answer([("form_token", "{v7}")] + [("x", "1")] * 1200), (400,)),
    ("600 KB body", answer([("form_token", "{v7}"), ("q2", "a" * (600 << 10))]), (413,)),
    ("JSON body", js({"form_token": "x", "q1": 1}), (400,)),
    # A bot that fills the field people never see is thanked and forgotten.
    ("honeypot filled", answer([("form_token", "{v7}"), ("q1", "1"), ("website", "http://spam")]), (303,)),
]:
    case(f"questionnaire at a site: {label}", "anon", "POST", Q_SITE, body, FORM, expect)
    case(f"questionnaire by link: {label}", "anon", "POST", Q_LINK, body, FORM, expect)
case("questionnaire at a site it is not shown at", "anon", "POST", "/s/{other_site_code}/q/{questionnaire}", answer([("form_token", "{v7}"), ("q1", "1")]), FORM, (404,))
case("questionnaire unknown", "anon", "POST", "/q/{v7}", answer([("form_token", "{v7}"), ("q1", "1")]), FORM, (404,))
case("questionnaire id not a UUID", "anon", "POST", "/q/%27%20or%201=1%20--", answer([("form_token", "{v7}"), ("q1", "1")]), FORM, (404,))
case("questionnaire paper form, anonymous", "anon", "POST", "/staff/questionnaires/{questionnaire}/paper", answer([("form_token", "{v7}"), ("q1", "1")]), FORM, (401,))
case("questionnaire paper form, a deputy", "deputy", "POST", "/staff/questionnaires/{questionnaire}/paper", answer([("form_token", "{v7}"), ("q1", "1")]), FORM, (403,))
case("questionnaire answers XLSX, a deputy", "deputy", "GET", "/staff/questionnaires/{questionnaire}/answers.xlsx", None, None, (403,))
