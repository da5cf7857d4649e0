"""Render checked copy with its findings marked, escaping everything else."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from markupsafe import Markup, escape


def highlight(text: str, findings: Iterable[Any]) -> Markup:
    """Escape ``text`` and wrap each finding's span in a <mark> (overlaps are clipped)."""
    text = text or ""
    out: list[str] = []
    pos = 0
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        start, end = max(f.start, pos), min(f.end, len(text))
        if end <= start:
            continue  # fully inside an earlier mark; it is still listed under the field
        out.append(str(escape(text[pos:start])))
        out.append(
            f'<mark class="finding finding-{escape(f.severity)}" data-rule="{escape(f.rule)}"'
            f' title="{escape(f.rule)}: {escape(f.message)}">{escape(text[start:end])}</mark>'
        )
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def quoted(text: str, finding: Any) -> str:
    """The text a finding points at."""
    return (text or "")[finding.start:finding.end]
