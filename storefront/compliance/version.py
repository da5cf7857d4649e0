"""A fingerprint of the compliance engine in force: code, rules, vocabularies and model.

Anything that keeps a verdict of the gate (the staff dashboard's per-product cache) stores
this beside it; a changed rule, vocabulary term, retrained model, new checker code or an
edited extra rules file (``STOREFRONT_COMPLIANCE_RULES``) gives a new fingerprint, so old
verdicts are checked again instead of being trusted.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from storefront.compliance.rules import ENV_VAR

HERE = Path(__file__).resolve().parent
_PACKAGED = ("*.py", "*.toml", "*.json", "vocab/*.toml")


@lru_cache(maxsize=1)
def _packaged_digest() -> str:
    h = hashlib.sha1()
    for pattern in _PACKAGED:
        for path in sorted(HERE.glob(pattern)):
            h.update(path.relative_to(HERE).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def fingerprint() -> str:
    """16 hex digits naming the engine in force (packaged files plus extra rules files)."""
    h = hashlib.sha1(_packaged_digest().encode())
    for raw in os.environ.get(ENV_VAR, "").split(os.pathsep):
        if raw.strip():
            try:
                h.update(Path(raw).read_bytes())
            except OSError:
                h.update(f"missing:{raw}".encode())
    return h.hexdigest()[:16]
