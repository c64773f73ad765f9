#!/usr/bin/env python3
"""A small HTTP/1.1 file server on loopback for test-download-installer.

It serves one file, with the parts of RFC 9110 a resumable download meets:
byte ranges ("Range: bytes=N-" -> 206 with Content-Range), If-Range with a
strong ETag (a changed file -> 200 with the whole of it), 416 past the end.
Paths choose a behaviour the test needs:
  /file         the file
  /drop-once*   the first response to each such path stops half-way (the
                connection closes), later ones are served as /file
  /slow         the file, 64 KiB every 50 ms
  /drop-always  every response stops half-way
  /changed      the ETag (and contents' version) changes on every request
  /redirect     302 to /file
  /missing      404
  CONNECT       (as a proxy) refused with 403, after logging where to
Writes its port to argv[2] when listening; logs "METHOD PATH Range If-Range"
per request to argv[3].
"""
import http.server
import os
import re
import sys
import time

DATA = open(sys.argv[1], "rb").read()
PORT_FILE, LOG = sys.argv[2], sys.argv[3]
state = {"dropped": set(), "version": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        rng = self.headers.get("Range", "")
        if_range = self.headers.get("If-Range", "")
        with open(LOG, "a") as f:
            f.write(f"GET {self.path} range={rng or '-'} if-range={if_range or '-'}\n")
        path = self.path
        if path == "/missing":
            return self.reply(404, b"not here\n")
        if path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/file")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        etag = '"v1"'
        data = DATA
        if path == "/changed":
            state["version"] += 1
            etag = '"v%d"' % state["version"]
            data = bytes(reversed(DATA)) if state["version"] % 2 == 0 else DATA
        start = 0
        m = re.fullmatch(r"bytes=(\d+)-", rng)
        # If-Range: the range only when the validator still matches (13.1.5).
        if m and (not if_range or if_range == etag):
            start = int(m.group(1))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        drop = path == "/drop-always" or (
            path.startswith("/drop-once") and path not in state["dropped"])
        if drop:
            state["dropped"].add(path)
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if path == "/slow":
            for i in range(0, len(body), 65536):
                self.wfile.write(body[i:i + 65536])
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.wfile.write(body)

    def do_CONNECT(self):
        with open(LOG, "a") as f:
            f.write(f"CONNECT {self.path}\n")
        self.reply(403, b"no tunnels here\n")

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that hangs up (Ctrl-C, a cut) is what the test does


server = Server(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
