#!/usr/bin/env python3
"""A registry that misbehaves on purpose, for hoist's hostile-registry test.
Every request needs Basic credentials ci:pw. Repository team/app has tags:
  good      a one-layer image whose blob GETs are redirected (307) to a
            second host, 127.0.0.2:STORAGE_PORT, which records whether it was
            sent an Authorization header ("AUTH path" / "NOAUTH path" in LOG)
  html      a 502 with an nginx HTML page, as a proxy in front answers
  portal    a 200 text/html sign-in page instead of a manifest
  huge      a manifest of 64 MiB, streamed; LOG gets "huge sent N" with the
            bytes written before the client hung up (or all of them)
  dupkeys   a manifest with the key "config" twice
  longblob  a manifest whose layer descriptor says 100 bytes for a longer blob
The front also logs "FRONT AUTH|NOAUTH path" for each request. Loopback only.

Usage: hostile_registry.py FRONT_PORT STORAGE_PORT LOG
"""
import gzip, hashlib, http.server, io, json, os, platform, sys, tarfile, threading

front, storage, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
BASIC = "Basic Y2k6cHc="  # ci:pw
lock = threading.Lock()


def record(line):
    with lock, open(log, "a") as f:
        f.write(line + "\n")


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(media_type, data, size=None):
    return {"mediaType": media_type, "digest": digest(data), "size": len(data) if size is None else size}


blobs = {}
manifests = {}  # tag or digest -> bytes


def add_blob(data):
    blobs[digest(data)] = data
    return data


tar = io.BytesIO()
with tarfile.open(fileobj=tar, mode="w") as t:
    payload = os.urandom(4096)  # incompressible: the gzipped layer is well over 100 bytes
    info = tarfile.TarInfo("hello.bin")
    info.size, info.mtime = len(payload), 1700000000
    t.addfile(info, io.BytesIO(payload))
layer = add_blob(gzip.compress(tar.getvalue(), mtime=0))
arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
config = add_blob(json.dumps({"architecture": arch, "os": "linux", "config": {},
                              "rootfs": {"type": "layers", "diff_ids": [digest(tar.getvalue())]}}).encode())
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
cfg = descriptor("application/vnd.oci.image.config.v1+json", config)
lay = descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layer)


def manifest(layer_desc):
    return {"schemaVersion": 2, "mediaType": MANIFEST, "config": cfg, "layers": [layer_desc]}


manifests["good"] = json.dumps(manifest(lay)).encode()
manifests["longblob"] = json.dumps(manifest(dict(lay, size=100))).encode()
good = json.dumps(manifest(lay))
manifests["dupkeys"] = good.replace('"config":', '"config": {"mediaType": "x", "digest": "%s", "size": 1}, "config":'
                                    % cfg["digest"], 1).encode()
for m in list(manifests.values()):
    manifests[digest(m)] = m

NGINX_502 = b"""<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx/1.25.3</center>
</body>
</html>
"""
PORTAL = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body><form>Sign in to continue</form></body></html>"
HUGE = 64 << 20


class Front(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", content_type="application/json", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        authorized = self.headers.get("Authorization") == BASIC
        record(("FRONT AUTH " if authorized else "FRONT NOAUTH ") + self.path)
        if not authorized:
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                              extra=[("WWW-Authenticate", 'Basic realm="hostile"')])
        if self.path == "/v2/":
            return self.reply(200, b"{}")
        prefix = "/v2/team/app/"
        if self.path.startswith(prefix + "blobs/"):
            return self.reply(307, extra=[("Location", f"http://127.0.0.2:{storage}{self.path}")])
        if not self.path.startswith(prefix + "manifests/"):
            return self.reply(404)
        ref = self.path[len(prefix + "manifests/"):]
        if ref == "html":
            return self.reply(502, NGINX_502, "text/html")
        if ref == "portal":
            return self.reply(200, PORTAL, "text/html; charset=utf-8")
        if ref == "huge":
            return self.huge()
        if ref in manifests:
            return self.reply(200, manifests[ref], MANIFEST)
        self.reply(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')

    do_HEAD = do_GET

    def huge(self):
        self.send_response(200)
        self.send_header("Content-Type", MANIFEST)
        self.send_header("Content-Length", str(HUGE))
        self.end_headers()
        sent = 0
        chunk = b'{"schemaVersion":2,"pad":"' + b"x" * ((64 << 10) - 26)
        try:
            while sent < HUGE:
                self.wfile.write(chunk)
                sent += len(chunk)
                chunk = b"x" * (64 << 10)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        record(f"huge sent {sent}")


class Storage(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        record(("AUTH " if self.headers.get("Authorization") else "NOAUTH ") + self.path)
        data = blobs.get(self.path.rsplit("/", 1)[-1])
        self.send_response(200 if data is not None else 404)
        self.send_header("Content-Length", str(len(data or b"")))
        self.end_headers()
        self.wfile.write(data or b"")


threading.Thread(target=http.server.ThreadingHTTPServer(("127.0.0.2", storage), Storage).serve_forever,
                 daemon=True).start()
http.server.ThreadingHTTPServer(("127.0.0.1", front), Front).serve_forever()
