"""httpbin on a free loopback port, for the declarative-connector tests.

Prints the port on its first line, serves until its standard input closes --
that is, until the test process that started it ends, however it ends.
"""
import logging
import os
import sys
import threading

from werkzeug.serving import make_server

logging.disable(logging.WARNING)
from httpbin import app  # noqa: E402  (after silencing its import-time warning)


def main() -> None:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)

    def stop_when_parent_ends() -> None:
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=stop_when_parent_ends, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
