"""Model.score (the checker's fast path) agrees with proba(features(...)) (training's)."""

from __future__ import annotations

import pytest

from storefront.compliance.claims import analyse, sentence_cues
from storefront.compliance.evaluate import load_rows
from storefront.compliance.model import active_model, features


def test_score_is_proba_of_features_on_corpus_sentences():
    model = active_model()
    if model is None:
        pytest.skip("no model.json")
    rows = load_rows()[::97]
    assert len(rows) > 300
    for row in rows:
        cues = sentence_cues(analyse(row["text"]))
        for kind, status in ((row["kind"], row["regulatory"]), (None, "wellness"), ("laser", "rx_only")):
            fast = model.score(row["text"], kind, status, cues)
            slow = model.proba(features(row["text"], kind, status, cues))
            # The same weights summed in another order: equal to rounding.
            assert fast == pytest.approx(slow, rel=1e-9, abs=1e-12), row["text"]
            # Cached sums (cue groups, word weights) give the same floats the second time.
            assert model.score(row["text"], kind, status, cues) == fast
