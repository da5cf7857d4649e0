"""The statistical second opinion: a linear model that reads a sentence like a reviewer.

Where the claim rules are silent, the model scores the sentence (pass / warn / block
probabilities). Above a review threshold it raises a ``warn`` ("reads like a health
claim; review"); it blocks on its own only above a threshold where its blocks were at
least 98 % precise on held-out labelled sentences (the thresholds are stored with the
model). Besides the one threshold for every sentence, a *stratum* of sentences (see
:func:`stratum`) may carry its own, lower one where the held-out blocks of that stratum
alone were just as precise over enough of them: a sentence on a wellness product that
names a condition and that the rules left alone is a claim far more often than a sentence
at large, so the same score says more there.

The model is plain multinomial logistic regression over hashed-free sparse features
computed here in pure Python (words and word pairs, character n-grams inside words,
words crossed with the product's regulatory status, and claim-structure cues), so the
runtime needs no numerical library. ``storefront/compliance/model.json`` is built by
``python -m storefront.compliance.train`` (scikit-learn, the ``train`` extra) from the
train split; the same :func:`features` function serves training and checking.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

MODEL_PATH = Path(__file__).with_name("model.json")
# Vocabulary categories (vocab/conditions.toml) that name a condition, a body function
# or a complaint about a part of the body: "my knuckles", "swelling", "blood flow".
CONDITION_CATS = frozenset({"minor", "moderate", "serious", "body_function", "complaint",
                            "complaint_adj", "owned_part", "condition_generic"})
CLASSES = ("pass", "warn", "block")
FEATURE_VERSION = 7

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[#%$]")
_VOWELS = "aeiou"
_SUFFIXES = ("ations", "ation", "ings", "ing", "ness", "edly", "ed", "es", "ly", "s")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: 'causes' / 'caused' / 'cause' -> 'caus', 'injuries' -> 'injury'."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 5 and word.endswith(("ies", "ied")):
        return word[:-3] + "y"
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            if suf == "s" and word.endswith(("ss", "us", "is", "ys")):
                break
            if suf == "es" and word[-3] not in "sxzh":
                suf = "s"  # "takes" -> "take", like "take"; "boxes" -> "box"
            word = word[: -len(suf)]
            if suf in ("ed", "es", "ing") and len(word) == 3 and word[1] in _VOWELS and (
                    word[2] not in _VOWELS + "wxy"):
                word += "e"  # "taking", "noted" -> "take", "note" (never "not")
            elif suf in ("ed", "ing") and len(word) >= 4 and word[-1] == word[-2] and (
                    word[-1] not in _VOWELS + "lsz"):
                word = word[:-1]  # "stopped", "rubbing" -> "stop", "rub" (not "swell", "press")
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def _status_group(regulatory: str | None) -> str:
    return "well" if regulatory in (None, "wellness") else "clr"


@dataclass(frozen=True, slots=True)
class Cues:
    """Claim-structure cues of a sentence, found by the rule vocabulary (see checker)."""

    names: tuple[str, ...] = ()


@lru_cache(maxsize=65536)
def _char_grams(word: str) -> tuple[str, ...]:
    w = f" {word} "
    out = []
    for n in (3, 4, 5):
        if len(w) < n:
            continue
        out.extend(w[i:i + n] for i in range(len(w) - n + 1))
    return tuple(out)


def _groups(text: str, kind: str | None, regulatory: str | None, cues: tuple[str, ...]
            ) -> tuple[list[str], dict[str, list[str]]]:
    toks = _TOKEN.findall(text.lower())
    stems = [stem(t) for t in toks]
    grp = _status_group(regulatory)
    words = sorted(set(stems))
    return toks, {
        "w": [f"w:{s}" for s in words],
        "b": sorted({f"b:{a}_{b}" for a, b in zip(stems, stems[1:], strict=False)}),
        "x": [f"x{grp}:{s}" for s in words],
        "q": sorted({f"q:{c}" for c in cues} | {f"q{grp}:{c}" for c in cues}
                    | {f"k:{kind or '-'}", f"s:{grp}"}),
    }


def features(text: str, kind: str | None, regulatory: str | None,
             cues: tuple[str, ...] = ()) -> dict[str, float]:
    """Sparse features of one sentence (for training; :meth:`Model.score` is the fast twin).

    Word, word-pair, status-crossed word and cue groups are sets scaled by
    1/sqrt(size); character n-grams inside each word are counted over the words and
    scaled by 1/sqrt(total count), so a word's n-gram weights can be cached.
    """
    toks, groups = _groups(text, kind, regulatory, cues)
    out: dict[str, float] = {}
    for names in groups.values():
        if names:
            v = 1.0 / math.sqrt(len(names))
            for name in names:
                out[name] = v
    grams = [g for t in toks for g in _char_grams(t)]
    if grams:
        v = 1.0 / math.sqrt(len(grams))
        for g in grams:
            key = f"c:{g}"
            out[key] = out.get(key, 0.0) + v
    return out


@dataclass(frozen=True)
class Model:
    """Weights per feature for (pass, warn, block), intercepts and decision thresholds."""

    weights: dict[str, tuple[float, float, float]]
    intercept: tuple[float, float, float]
    block_threshold: float
    review_threshold: float
    meta: dict
    # stratum -> a lower block threshold that held 98 % precision in that stratum alone
    block_thresholds: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def proba(self, feats: dict[str, float]) -> tuple[float, float, float]:
        """Class probabilities (pass, warn, block) of a feature dict."""
        z = list(self.intercept)
        w = self.weights
        for name, v in feats.items():
            ws = w.get(name)
            if ws is not None:
                z[0] += ws[0] * v
                z[1] += ws[1] * v
                z[2] += ws[2] * v
        return _softmax(z)

    def score(self, text: str, kind: str | None, regulatory: str | None,
              cues: tuple[str, ...] = ()) -> tuple[float, float, float]:
        """Class probabilities of a sentence: the same as proba(features(...)), faster.

        Each group's weights are summed in the order :func:`_groups` lists its names, so
        the sums are the same floats; the word and status-crossed word weights are looked
        up by stem, and the cue group's sums are cached (cue sets repeat).
        """
        toks = _TOKEN.findall(text.lower())
        stems = [stem(t) for t in toks]
        grp = _status_group(regulatory)
        words = sorted(set(stems))
        z = list(self.intercept)
        w = self.weights
        byword = self._word_weights(words, grp)
        bigrams = sorted({f"b:{a}_{b}" for a, b in zip(stems, stems[1:], strict=False)})
        groups = ((len(words), byword[0]), _sums(w, bigrams), (len(words), byword[1]),
                  self._cue_sums(cues, kind, grp))
        for n, (a, b, c) in groups:
            if not n:
                continue
            v = 1.0 / math.sqrt(n)
            z[0] += a * v
            z[1] += b * v
            z[2] += c * v
        total = 0
        a = b = c = 0.0
        for t in toks:
            n, wa, wb, wc = self._word_grams(t)
            total += n
            a += wa
            b += wb
            c += wc
        if total:
            v = 1.0 / math.sqrt(total)
            z[0] += a * v
            z[1] += b * v
            z[2] += c * v
        return _softmax(z)

    def _word_weights(self, words: list[str], grp: str) -> tuple[tuple[float, float, float], ...]:
        """Sums of the "w:" and the "x<grp>:" weights of ``words``, in their order."""
        cache = self._cache
        a = b = c = xa = xb = xc = 0.0
        for s in words:
            key = (grp, s)
            got = cache.get(key)
            if got is None:
                got = (self.weights.get(f"w:{s}"), self.weights.get(f"x{grp}:{s}"))
                if len(cache) < 200_000:
                    cache[key] = got
            ws, xs = got
            if ws is not None:
                a += ws[0]
                b += ws[1]
                c += ws[2]
            if xs is not None:
                xa += xs[0]
                xb += xs[1]
                xc += xs[2]
        return (a, b, c), (xa, xb, xc)

    def _cue_sums(self, cues: tuple[str, ...], kind: str | None, grp: str
                  ) -> tuple[int, tuple[float, float, float]]:
        key = (cues, kind, grp)
        got = self._cache.get(key)
        if got is None:
            names = sorted({f"q:{c}" for c in cues} | {f"q{grp}:{c}" for c in cues}
                           | {f"k:{kind or '-'}", f"s:{grp}"})
            got = _sums(self.weights, names)
            if len(self._cache) < 200_000:
                self._cache[key] = got
        return got

    def _word_grams(self, word: str) -> tuple[int, float, float, float]:
        got = self._cache.get(word)
        if got is None:
            grams = _char_grams(word)
            a = b = c = 0.0
            for g in grams:
                ws = self.weights.get(f"c:{g}")
                if ws is not None:
                    a += ws[0]
                    b += ws[1]
                    c += ws[2]
            got = (len(grams), a, b, c)
            if len(self._cache) < 200_000:
                self._cache[word] = got
        return got

    def threshold_for(self, stratum: str | None) -> float:
        """The block threshold of a sentence in ``stratum`` (never above the general one)."""
        own = self.block_thresholds.get(stratum) if stratum else None
        return self.block_threshold if own is None else min(own, self.block_threshold)

    def decide(self, probs: tuple[float, float, float], stratum: str | None = None
               ) -> tuple[str | None, float]:
        """('block' | 'warn' | None, score) from class probabilities."""
        _, p_warn, p_block = probs
        if p_block >= self.threshold_for(stratum):
            return "block", p_block
        if p_warn + p_block >= self.review_threshold:
            return "warn", p_warn + p_block
        return None, p_warn + p_block

    def judge(self, feats: dict[str, float]) -> tuple[str | None, float]:
        """('block' | 'warn' | None, score) for one feature dict."""
        return self.decide(self.proba(feats))


def _sums(weights: dict, names: list[str]) -> tuple[int, tuple[float, float, float]]:
    """How many names, and the sums of their weights for each class, in the names' order."""
    a = b = c = 0.0
    for name in names:
        ws = weights.get(name)
        if ws is not None:
            a += ws[0]
            b += ws[1]
            c += ws[2]
    return len(names), (a, b, c)


def _softmax(z: list[float]) -> tuple[float, float, float]:
    m = max(z)
    e = [math.exp(x - m) for x in z]
    t = sum(e)
    return e[0] / t, e[1] / t, e[2] / t


def load_model(path: Path = MODEL_PATH) -> Model | None:
    """Read the committed model; None when there is none (the rules then work alone)."""
    if not path.exists():
        return None
    data = json.loads(path.read_text("utf-8"))
    if data.get("feature_version") != FEATURE_VERSION:
        raise RuntimeError(f"{path} was built for features v{data.get('feature_version')}, "
                           f"code is v{FEATURE_VERSION}: rebuild it with "
                           "`python -m storefront.compliance.train`")
    weights = stored_weights(data)
    return Model(weights, tuple(data["intercept"]), data["block_threshold"],
                 data["review_threshold"], data.get("meta", {}),
                 dict(data.get("block_thresholds", {})))


def stored_weights(data: dict) -> dict[str, tuple[float, ...]]:
    """The weights of a model document as floats. The file stores them as whole numbers of
    ``weights_per_unit`` (1000: thousandths, the precision they are rounded to); n / 1000 is
    the same float as the decimal literal, so the scores are unchanged."""
    per_unit = data.get("weights_per_unit")
    if not per_unit:
        return {k: tuple(v) for k, v in data["weights"].items()}
    return {k: tuple(x / per_unit for x in v) for k, v in data["weights"].items()}


def stratum(cats: frozenset[str], regulatory: str | None, warned: bool) -> str:
    """The stratum of a sentence for the block threshold: the product's status (wellness or
    not), whether the sentence names a condition, and whether the rules warned about it."""
    return "/".join(("wellness" if regulatory == "wellness" else "cleared",
                     "condition" if cats & CONDITION_CATS else "other",
                     "warned" if warned else "silent"))


@lru_cache(maxsize=1)
def active_model() -> Model | None:
    """The process-wide model (loaded once)."""
    return load_model()
