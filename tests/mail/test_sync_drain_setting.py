"""MAIL_SYNC_DRAIN from the environment: unset (send after commit when SMTP is set), 0 or 1."""

from __future__ import annotations

import pytest

from storefront.config import from_env


@pytest.mark.parametrize(("raw", "expected"), [(None, None), ("", None), ("0", False),
                                                ("false", False), ("1", True), ("yes", True)])
def test_mail_sync_drain_is_read_from_the_environment(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("MAIL_SYNC_DRAIN", raising=False)
    else:
        monkeypatch.setenv("MAIL_SYNC_DRAIN", raw)
    assert from_env()["MAIL_SYNC_DRAIN"] is expected
