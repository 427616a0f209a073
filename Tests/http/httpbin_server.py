"""httpbin on a free loopback port, for the declarative-connector tests (see loopback.py)."""
import logging

logging.disable(logging.WARNING)
from httpbin import app  # noqa: E402  (after silencing its import-time warning)

from loopback import serve  # noqa: E402

if __name__ == "__main__":
    serve(app)
