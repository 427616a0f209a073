"""Serving a WSGI app for the tests: on a free loopback port, printed on the
first line of standard output, until standard input closes -- that is, until
the test process that started the server ends, however it ends."""
import os
import sys
import threading

from werkzeug.serving import make_server


def serve(app) -> None:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)

    def stop_when_parent_ends() -> None:
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=stop_when_parent_ends, daemon=True).start()
    server.serve_forever()
