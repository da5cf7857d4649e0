"""API tests share the page tests' small catalogue."""

from tests.web.conftest import shop  # noqa: F401  (fixture)
