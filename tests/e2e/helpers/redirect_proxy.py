#!/usr/bin/env python3
"""A front for a registry that answers blob GETs with 307 to a second port
(as registries do to object storage) and records whether that second host
was sent an Authorization header. Everything else is proxied as is.
Loopback only.

Usage: redirect_proxy.py FRONT_PORT STORAGE_PORT REGISTRY_PORT LOG STORAGE_AUTH
STORAGE_AUTH is the Authorization the storage side itself uses towards the
registry (standing in for a presigned URL).
"""
import http.client, http.server, sys, threading

front, storage, registry, log, storage_auth = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]


def forward(handler, method, path, auth=None):
    conn = http.client.HTTPConnection("127.0.0.1", registry)
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else None
    headers = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
    if auth:
        headers["Authorization"] = auth
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    handler.send_response(resp.status)
    for k, v in resp.getheaders():
        if k.lower() not in ("transfer-encoding", "connection", "content-length"):
            handler.send_header(k, v)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    if method != "HEAD":
        handler.wfile.write(data)


class Front(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if "/blobs/sha256:" in self.path:
            self.send_response(307)
            self.send_header("Location", f"http://127.0.0.1:{storage}{self.path}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            forward(self, "GET", self.path)

    def do_HEAD(self):
        forward(self, "HEAD", self.path)

    def do_POST(self):
        forward(self, "POST", self.path)

    def do_PUT(self):
        forward(self, "PUT", self.path)

    def do_PATCH(self):
        forward(self, "PATCH", self.path)


class Storage(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        with open(log, "a") as f:
            f.write(("AUTH " if self.headers.get("Authorization") else "NOAUTH ") + self.path + "\n")
        forward(self, "GET", self.path, storage_auth)


threading.Thread(target=http.server.ThreadingHTTPServer(("127.0.0.1", storage), Storage).serve_forever,
                 daemon=True).start()
http.server.ThreadingHTTPServer(("127.0.0.1", front), Front).serve_forever()
