#!/usr/bin/env python3
"""Test-only stand-in for one sqlcluster node (not a real cluster).

It takes octopus's command line (-l SOCKET -d DIR [--join=...] [--state=PATH]), serves POST /sql over HTTP/1.1
on SOCKET, and relays each body to the shared state server at PATH (a Unix socket run by the test), which numbers
the queries and answers them from one database. Freezing or killing this process only affects its own clients,
so the harness's monkeys can act on it freely.
"""
import argparse
import http.server
import os
import socket
import socketserver
import struct
import sys


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("-l", dest="listen", required=True)
    parser.add_argument("-d", dest="directory", required=True)
    parser.add_argument("--join", default=None)
    parser.add_argument("--state", required=True)
    return parser.parse_known_args()[0]


ARGS = parse_args()


def relay(body: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(ARGS.state)
        s.sendall(struct.pack(">I", len(body)) + body)
        header = b""
        while len(header) < 4:
            chunk = s.recv(4 - len(header))
            if not chunk:
                raise ConnectionError("state server closed")
            header += chunk
        (length,) = struct.unpack(">I", header)
        data = b""
        while len(data) < length:
            chunk = s.recv(length - len(data))
            if not chunk:
                raise ConnectionError("state server closed")
            data += chunk
        return data


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        try:
            answer, status = relay(body), 200
        except OSError as e:
            answer, status = str(e).encode(), 503
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def address_string(self):
        return "unix"

    def log_message(self, format, *args):
        pass


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if os.path.exists(ARGS.listen):
    os.unlink(ARGS.listen)
with Server(ARGS.listen, Handler) as server:
    print(f"stand-in node listening on {ARGS.listen} in {os.getcwd()}", file=sys.stderr, flush=True)
    server.serve_forever()
