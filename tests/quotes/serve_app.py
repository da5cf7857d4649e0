"""An app factory for multi-process tests: ``gunicorn "tests.quotes.serve_app:build()"``.

The configuration comes as JSON in ``STOREFRONT_TEST_CONFIG`` so a test can start several
server processes that share one database and one Redis.
"""

import json
import os

from storefront import create_app


def build():
    """Create the app from the JSON configuration in the environment."""
    return create_app(json.loads(os.environ["STOREFRONT_TEST_CONFIG"]))
