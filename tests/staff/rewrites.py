"""A stand-in for checker rules with drop-in rewrites, for tests of "Apply suggestion".

``wrap_review(review)`` returns a ``storefront.staff.products.review`` that adds, to the real
findings, one ``test-rewrite`` finding (rewrite=True) per "miracle glow" and one ``test-advice``
finding (rewrite=False) per "secret formula" in each copy field, so the editor can be tested
whatever the checker's own rules produce.
"""

from __future__ import annotations

import re

from storefront.compliance.checker import Finding

REWRITE = ("miracle glow", "gentle glow")
ADVICE = ("secret formula", "Say what it is made of.")


def _spans(text: str, phrase: str):
    return [(m.start(), m.end()) for m in re.finditer(re.escape(phrase), text)]


def wrap_review(review):
    def review_with_rewrites(product, proposed=None):
        from storefront.staff.products import copy_of

        verdict = review(product, proposed)
        copy = proposed if proposed is not None else copy_of(product)
        for fld, items in verdict.findings.items():
            text = copy.get(fld) or ""
            items += [Finding("test-rewrite", "warn", s, e, "A phrase with a drop-in rewrite.",
                              REWRITE[1], rewrite=True) for s, e in _spans(text, REWRITE[0])]
            items += [Finding("test-advice", "warn", s, e, "A phrase with advice only.",
                              ADVICE[1], rewrite=False) for s, e in _spans(text, ADVICE[0])]
            items.sort(key=lambda f: (f.start, f.end))
        return verdict
    return review_with_rewrites
