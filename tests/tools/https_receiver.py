#!/usr/bin/env python3
"""An https webhook receiver for tests: answers every POST with 200 {} and appends its body,
one line each, to OUT.

    https_receiver.py PORT CERT KEY OUT
"""
import http.server
import ssl
import sys

PORT, CERT, KEY, OUT = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', '0')))
        with open(OUT, 'ab') as out:
            out.write(body.replace(b'\n', b' ') + b'\n')
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'{}')

    def log_message(self, format, *args):
        sys.stderr.write('https_receiver: ' + format % args + '\n')


server = http.server.HTTPServer(('127.0.0.1', PORT), Receiver)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(CERT, KEY)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
