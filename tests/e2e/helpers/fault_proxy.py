#!/usr/bin/env python3
"""A proxy in front of a registry that injects the faults a client must
survive, and logs every request it sees. Loopback only.

Usage: fault_proxy.py PORT REGISTRY_PORT LOG [RULE...]

A RULE is one argument, "KIND METHOD PATTERN COUNT [ARG [ARG2]]": the first
COUNT requests (or "all") with METHOD whose path matches the regular
expression PATTERN get the fault; each request takes the first rule that
still applies, others are passed on as they are.
  status METHOD PATTERN COUNT CODE [RETRY_AFTER]  answer CODE (a registry error body)
  reset  METHOD PATTERN COUNT BYTES               read BYTES of the body, then reset the connection
  cut    METHOD PATTERN COUNT BYTES               pass on, but reset after BYTES of the answer's body
  corrupt METHOD PATTERN COUNT OFFSET             pass on, with the answer's byte at OFFSET flipped
  stall  METHOD PATTERN COUNT BYTES SECONDS       pass on, but send nothing after BYTES of the answer's
                                                  body for SECONDS (a connection gone quiet), then reset

LOG gets one line a request: METHOD PATH STATUS BODY_BYTES CONTENT_RANGE
(STATUS is "reset", "cut" or "stall" for those faults, BODY_BYTES what reached the registry).
The Host header is passed on, so the Locations the registry builds point back here.
"""
import http.client, http.server, json, re, socket, struct, sys, threading, time

port, upstream, log_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()


class Rule:
    def __init__(self, text):
        parts = text.split()
        self.kind, self.method, self.pattern = parts[0], parts[1], re.compile(parts[2])
        self.left = None if parts[3] == "all" else int(parts[3])
        self.args = parts[4:]
        if self.kind not in ("status", "reset", "cut", "stall", "corrupt"):
            sys.exit(f"unknown fault kind in rule {text!r}")

    def take(self, method, path):
        if method != self.method or not self.pattern.search(path) or self.left == 0:
            return False
        if self.left is not None:
            self.left -= 1
        return True


rules = [Rule(r) for r in sys.argv[4:]]
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


def log(handler, status, sent):
    with lock, open(log_path, "a") as f:
        f.write(f"{handler.command} {handler.path} {status} {sent} {handler.headers.get('Content-Range', '-')}\n")


def reset(handler):
    # SO_LINGER 0: close() sends a TCP reset, as a dropped connection looks to the client.
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        with lock:
            rule = next((r for r in rules if r.take(self.command, self.path)), None)
        length = int(self.headers.get("Content-Length") or 0)
        if rule and rule.kind == "reset":
            self.rfile.read(min(length, int(rule.args[0])))
            log(self, "reset", 0)
            reset(self)
            return
        body = self.rfile.read(length) if length else b""
        if rule and rule.kind == "status":
            code = int(rule.args[0])
            data = json.dumps({"errors": [{"code": "UNAVAILABLE", "message": "injected by fault_proxy"}]}).encode()
            self.send_response(code)
            if len(rule.args) > 1:
                self.send_header("Retry-After", rule.args[1])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            log(self, code, 0)
            return
        conn = http.client.HTTPConnection("127.0.0.1", upstream)
        # Header by header: a client may repeat one (skopeo sends several Accept lines).
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for k, v in self.headers.items():
            conn.putheader(k, v)
        conn.endheaders(body if length else None)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in HOP_BY_HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", resp.getheader("Content-Length", "0") if self.command == "HEAD" else str(len(data)))
        self.end_headers()
        if rule and rule.kind in ("cut", "stall"):
            self.wfile.write(data[: int(rule.args[0])])
            self.wfile.flush()
            log(self, rule.kind, len(body))
            if rule.kind == "stall":
                time.sleep(float(rule.args[1]))
            reset(self)
            return
        if rule and rule.kind == "corrupt" and self.command != "HEAD":
            at = int(rule.args[0])
            data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
            log(self, "corrupt", len(body))
            self.wfile.write(data)
            return
        if self.command != "HEAD":
            self.wfile.write(data)
        log(self, resp.status, len(body))

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy).serve_forever()
