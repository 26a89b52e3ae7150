"""Sync benchmark: 200 observations with 2 photos each, sent the way the phone sends them (PUT
photo, PUT photo, PUT observation, one after another, each request waiting for its answer),
beside a raw PUT of the same request bodies to a sink that only reads them.

Both run twice: over loopback, where the transfer costs nearly nothing and the difference is the
server's work, and through a link that carries the client's bytes at a phone's uplink rate (a
proxy in this script; the same proxy for Jiandu and for the sink), which is what a deputy's sync
waits on. The photos are phone-sized: the bench photos re-encoded the way the phone does (JPEG,
quality stepped down until the file fits 400 KB).

Usage: bench_sync.py BASE_URL [UPLINK_MBIT ...]"""
import asyncio, glob, hashlib, http.server, json, os, subprocess, sys, tempfile, threading, time, uuid

base = sys.argv[1]
uplinks = [float(x) for x in sys.argv[2:]] or [20.0]
PHONE_LIMIT = 400 * 1000


def phone_sized(src, dst):
    # The phone steps JPEG quality down from 0.8 until the photo fits; ImageMagick does the same
    # here (the bench photos are already 2048 px on the long edge).
    for q in range(80, 20, -5):
        subprocess.run(['convert', src, '-quality', str(q), dst], check=True)
        if os.path.getsize(dst) <= PHONE_LIMIT:
            return
    raise SystemExit(f'{src} does not fit {PHONE_LIMIT} bytes')


tmp = tempfile.mkdtemp()
sources = sorted(glob.glob('target/bench-photos/*.jpg'))
phone = []
for i, src in enumerate(sources):
    dst = os.path.join(tmp, f'src{i}.jpg')
    phone_sized(src, dst)
    phone.append(open(dst, 'rb').read())

# 400 distinct photos a run: the 40 phone-sized photos with a trailer after the image's end
# marker (run and number), so each has its own hash and is really checked and copied anew.
def photo_set(run):
    out = []
    for i in range(400):
        data = phone[i % len(phone)] + bytes([run]) + i.to_bytes(2, 'big')
        path = os.path.join(tmp, f'{run}-{i}.jpg')
        open(path, 'wb').write(data)
        out.append((path, hashlib.sha256(data).hexdigest(), len(data)))
    return out


def curl(*args):
    # No 'Expect: 100-continue': the sink would make curl wait a second for it on every upload.
    r = subprocess.run(['curl', '-s', '-H', 'Expect:', '-o', '/dev/null', '-w', '%{http_code}', *args],
                       capture_output=True, check=True)
    return r.stdout.decode()


class Link:
    """A TCP proxy whose client-to-server direction carries at most `mbit` megabits a second,
    shared by all connections like one radio link (the answers come back unthrottled)."""

    def __init__(self, target_port, mbit):
        self.target_port, self.rate = target_port, mbit * 1e6 / 8
        self.ready = threading.Event()
        threading.Thread(target=lambda: asyncio.run(self.main()), daemon=True).start()
        self.ready.wait()

    async def main(self):
        self.free_at = 0.0
        server = await asyncio.start_server(self.handle, '127.0.0.1', 0)
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        await server.serve_forever()

    async def pipe(self, reader, writer, throttle):
        loop = asyncio.get_running_loop()
        try:
            while data := await reader.read(16384):
                if throttle:
                    start = max(loop.time(), self.free_at)
                    self.free_at = start + len(data) / self.rate
                    await asyncio.sleep(self.free_at - loop.time())
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def handle(self, client_r, client_w):
        server_r, server_w = await asyncio.open_connection('127.0.0.1', self.target_port)
        await asyncio.gather(self.pipe(client_r, server_w, True), self.pipe(server_r, client_w, False))


def sign_in(url):
    jar = tempfile.mktemp()
    subprocess.run(['curl', '-s', '-c', jar, '-H', 'content-type: application/json', '-d',
                    json.dumps({'username': 'demo-deputy', 'password': 'jiandu-demo'}), f'{url}/api/v1/session'],
                   check=True, stdout=subprocess.DEVNULL)
    return jar


jar = sign_in(base)
sites = json.loads(subprocess.run(['curl', '-s', '-b', jar, '-H', 'accept: application/json', '-X', 'POST',
                                   f'{base}/api/catalogue/my-sites'], capture_output=True, check=True).stdout)
site = sites['sites'][0]['id']


def observations(run, photos):
    out = []
    for n in range(200):
        body = json.dumps({'site_id': site, 'kind': 'problem', 'note': f'bench {run} {n}',
                           'captured_at': '2025-10-01T02:03:04Z',
                           'photos': [photos[2 * n][1], photos[2 * n + 1][1]]})
        path = os.path.join(tmp, f'obs-{run}-{n}.json')
        open(path, 'w').write(body)
        # A UUIDv7, as the phone makes them (the server refuses other versions).
        oid = uuid.UUID(int=(int(time.time() * 1000) << 80) | (7 << 76) | (2 << 62) | (run << 16) | n)
        out.append((path, str(oid), len(body)))
    return out


def sync(url, jar, photos, obs):
    t0 = time.perf_counter()
    for n, (body, oid, _) in enumerate(obs):
        for path, sha, _ in (photos[2 * n], photos[2 * n + 1]):
            code = curl('-b', jar, '-T', path, f'{url}/api/v1/photos/{sha}')
            assert code == '201', f'photo {sha}: {code}'
        code = curl('-b', jar, '-X', 'PUT', '-H', 'content-type: application/json', '--data-binary', f'@{body}',
                    f'{url}/api/v1/observations/{oid}')
        assert code == '201', f'observation {oid}: {code}'
    return time.perf_counter() - t0


def raw(url, photos, obs):
    t0 = time.perf_counter()
    for n, (body, oid, _) in enumerate(obs):
        for path, sha, _ in (photos[2 * n], photos[2 * n + 1]):
            curl('-T', path, f'{url}/{sha}')
        curl('-X', 'PUT', '-H', 'content-type: application/json', '--data-binary', f'@{body}', f'{url}/{oid}')
    return time.perf_counter() - t0


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_PUT(self):
        self.rfile.read(int(self.headers['content-length']))
        self.send_response(201)
        self.send_header('content-length', '0')
        self.end_headers()

    def log_message(self, *a):
        pass


sink = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Sink)
threading.Thread(target=sink.serve_forever, daemon=True).start()
sink_url = f'http://127.0.0.1:{sink.server_port}'
jiandu_port = int(base.rsplit(':', 1)[1].split('/')[0])


runs = [('loopback', None)] + [(f'{m:g} Mbit/s uplink', m) for m in uplinks]
sizes = [s for *_, s in photo_set(0)]
print(f'400 photos a run, {sum(sizes) / 1e6:.1f} MB ({min(sizes) // 1000}–{max(sizes) // 1000} KB each), '
      f'200 observations; curl, one request at a time\n')
print('| link | Jiandu sync | raw PUT of the same bodies to a sink | ratio |')
print('| --- | ---: | ---: | ---: |')
for run, (label, mbit) in enumerate(runs, start=1):
    photos = photo_set(run)
    obs = observations(run, photos)
    if mbit is None:
        url, surl = base, sink_url
    else:
        url = f'http://127.0.0.1:{Link(jiandu_port, mbit).port}'
        surl = f'http://127.0.0.1:{Link(sink.server_port, mbit).port}'
    t_sync = sync(url, sign_in(url), photos, obs)
    t_raw = raw(surl, photos, obs)
    print(f'| {label} | {t_sync:.1f} s | {t_raw:.1f} s | {t_sync / t_raw:.2f}× |', flush=True)
