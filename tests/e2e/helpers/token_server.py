#!/usr/bin/env python3
"""A Docker registry token server for the tests (docs: distribution's token
auth spec): RS256 JWTs signed with the test's key, whose certificate is the
registry's rootcertbundle. Anonymous callers get pull rights only; the user
named on the command line gets pull and push. Listens on 127.0.0.1 only.

Usage: token_server.py PORT KEY CERT USER PASSWORD [LOG]
With LOG, each token request's scopes are appended to it, one request a line.
"""
import base64, http.server, json, subprocess, sys, time, urllib.parse, uuid

port, key, cert, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
log = sys.argv[6] if len(sys.argv) > 6 else None
der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], check=True, capture_output=True).stdout


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims):
    header = {"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(der).decode()]}
    payload = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=payload.encode(),
                         check=True, capture_output=True).stdout
    return payload + "." + b64url(sig)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        who = None
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            given = base64.b64decode(auth[6:]).decode()
            if given != f"{user}:{password}":
                self.send_response(401)
                self.end_headers()
                return
            who = user
        access = []
        if log:
            with open(log, "a") as f:
                f.write(" ".join(query.get("scope", [])) + "\n")
        for scope in query.get("scope", []):
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            wanted = actions.split(",")
            allowed = [a for a in wanted if a == "pull" or (who and a == "push")]
            access.append({"type": kind, "name": name, "actions": allowed})
        now = int(time.time())
        token = sign({"iss": "test-issuer", "sub": who or "", "aud": query.get("service", [""])[0],
                      "exp": now + 300, "nbf": now - 10, "iat": now, "jti": str(uuid.uuid4()), "access": access})
        body = json.dumps({"token": token, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
