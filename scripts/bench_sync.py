"""Sync benchmark: 200 observations with 2 photos each, sent the way the phone sends them
(PUT photo, PUT photo, PUT observation, one after another), beside a raw PUT of the same photo
bytes to a sink that only reads them. Both over loopback with curl, so the difference is what the
server does (ingest, database) rather than the network."""
import glob, http.server, json, os, subprocess, sys, tempfile, threading, time, uuid, hashlib

base = sys.argv[1]
photos = sorted(glob.glob('target/bench-photos/*.jpg'))
jar = tempfile.mktemp()
subprocess.run(['curl', '-s', '-c', jar, '-H', 'content-type: application/json', '-d',
                json.dumps({'username': 'demo-deputy', 'password': 'jiandu-demo'}), f'{base}/api/v1/session'],
               check=True, stdout=subprocess.DEVNULL)
sites = json.loads(subprocess.run(['curl', '-s', '-b', jar, '-H', 'accept: application/json', '-X', 'POST',
                                   f'{base}/api/catalogue/my-sites'], capture_output=True, check=True).stdout)
site = sites['sites'][0]['id']

# 400 distinct photos: the 40 bench photos with a varying trailer byte after the image, so each
# has its own hash and is really ingested (a JPEG decoder ignores what follows its end marker).
tmp = tempfile.mkdtemp()
bodies = []
for i in range(400):
    data = open(photos[i % len(photos)], 'rb').read() + i.to_bytes(2, 'big')
    path = os.path.join(tmp, f'{i}.jpg')
    open(path, 'wb').write(data)
    bodies.append((path, hashlib.sha256(data).hexdigest(), len(data)))

def curl(*args):
    # No 'Expect: 100-continue': the sink would make curl wait a second for it on every upload.
    r = subprocess.run(['curl', '-s', '-H', 'Expect:', '-o', '/dev/null', '-w', '%{http_code}', *args], capture_output=True, check=True)
    return r.stdout.decode()

t0 = time.perf_counter()
for n in range(200):
    a, b = bodies[2 * n], bodies[2 * n + 1]
    for path, sha, _ in (a, b):
        code = curl('-b', jar, '-T', path, f'{base}/api/v1/photos/{sha}')
        assert code in ('200', '201'), code
    obs = {'site_id': site, 'kind': 'problem', 'note': f'bench {n}', 'captured_at': '2025-10-01T02:03:04Z',
           'photos': [a[1], b[1]]}
    oid = str(uuid.UUID(int=(int(time.time() * 1000) << 80) | (7 << 76) | (2 << 62) | n))
    code = curl('-b', jar, '-X', 'PUT', '-H', 'content-type: application/json', '-d', json.dumps(obs),
                f'{base}/api/v1/observations/{oid}')
    assert code in ('200', '201'), code
sync = time.perf_counter() - t0

class Sink(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        self.rfile.read(int(self.headers['content-length']))
        self.send_response(201); self.send_header('content-length', '0'); self.end_headers()
    def log_message(self, *a): pass
srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Sink)
threading.Thread(target=srv.serve_forever, daemon=True).start()
t0 = time.perf_counter()
for path, sha, _ in bodies:
    curl('-T', path, f'http://127.0.0.1:{srv.server_port}/{sha}')
raw = time.perf_counter() - t0
mb = sum(s for _, _, s in bodies) / 1e6
print(f'| Jiandu sync: 200 observations + 400 photos ({mb:.1f} MB) | {sync:.1f} s |')
print(f'| baseline: raw curl PUT of the same 400 photos to a sink | {raw:.1f} s |')
print(f'| ratio | {sync / raw:.2f}× |')
