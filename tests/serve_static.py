"""Serve DIR on a free port of 127.0.0.1, quietly, until killed; the port
goes into PORTFILE once listening. Used to load the Speedscope app
(tests/convert_common.sh, bench/convert-screenshot.sh).

    serve_static.py DIR PORTFILE
"""
import functools
import http.server
import sys


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


handler = functools.partial(Quiet, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
with open(sys.argv[2], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
