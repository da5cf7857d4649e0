"""Required word prefixes of a regex, so a pattern only runs on sentences that could match.

Python's ``re`` tries a long alternation at every character, which is too slow for
~170 patterns over a thousand product pages. From each pattern's parse tree we derive a
conjunction of clauses; each clause is a set of word prefixes, one of which must start
some word in any text the pattern matches ("cure" for ``\\bcur(?:e|es)``, any condition
word for a claim about a condition). The checker then scans only sentences where every
clause is satisfied, and a pattern whose matches must begin with known words is tried
only at those words. Extraction is conservative: anything it cannot reason about adds
no clause, so gating can only skip places where the regex could never match (a test
compares gated matching with a full scan).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

try:  # Python >= 3.11
    from re import _constants as C
    from re import _parser as P
except ImportError:  # pragma: no cover
    import sre_constants as C
    import sre_parse as P

if TYPE_CHECKING:  # pragma: no cover
    from storefront.compliance.rules import Pattern as RulePattern
    from storefront.compliance.rules import Rule

MIN_LEN = 1
MAX_LEN = 12  # prefixes longer than this are truncated (still required)

Clauses = tuple[frozenset[str], ...]


def _is_separator_set(items) -> bool:
    """True for a class of non-word characters only, e.g. ``\\s`` or ``[\\s,/-]``."""
    if len(items) == 1 and items[0][0] is C.IN:
        items = items[0][1]
    for op, av in items:
        if op is C.CATEGORY:
            if av not in (C.CATEGORY_SPACE, C.CATEGORY_NOT_WORD):
                return False
        elif op is C.LITERAL:
            if chr(av).isalnum() or chr(av) == "_":
                return False
        else:
            return False
    return True


def _selectivity(clause: frozenset[str]) -> tuple[int, int]:
    return (-min(len(s) for s in clause), len(clause))


def _seq(items, anchored: bool, seed: str = "") -> tuple[list[frozenset[str]], bool]:
    """Clauses a sequence requires, and whether it ends where a new word may start.

    ``anchored``: the sequence starts at a word start. ``seed`` is a literal run that
    immediately precedes it (the parser factors common prefixes out of alternations:
    ``g(?:olfer|out)``), so words stay whole.
    """
    out: list[frozenset[str]] = []
    run: list[str] = list(seed)
    run_anchored = anchored
    at_word_start = anchored and not seed

    def flush() -> None:
        if run and run_anchored and len(run) >= MIN_LEN:
            out.append(frozenset(["".join(run[:MAX_LEN])]))
        run.clear()

    for op, av in items:
        if op is C.LITERAL:
            ch = chr(av).lower()
            if ch.isalnum():
                if not run:
                    run_anchored = at_word_start
                run.append(ch)
                at_word_start = False
            else:
                flush()
                at_word_start = True  # a word begins right after punctuation
            continue
        if op in (C.SUBPATTERN, C.BRANCH) and run and run_anchored:
            seed_run, anchored_here = "".join(run), True
            run.clear()
        else:
            flush()
            seed_run, anchored_here = "", at_word_start
        if op is C.AT:
            at_word_start = av in (C.AT_BOUNDARY, C.AT_BEGINNING, C.AT_BEGINNING_STRING)
        elif op is C.IN:
            at_word_start = _is_separator_set(av)
        elif op is C.SUBPATTERN or op is getattr(C, "ATOMIC_GROUP", None):
            inner, at_word_start = _seq(av[-1] if op is C.SUBPATTERN else av, anchored_here,
                                        seed_run)
            out += inner
        elif op is C.BRANCH:
            clause, at_word_start = _branch(av[1], anchored_here, seed_run)
            if clause:
                out.append(clause)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) or op is getattr(C, "POSSESSIVE_REPEAT", None):
            lo, _hi, sub = av
            inner, first_end = _seq(sub, at_word_start)
            # Later iterations (or none at all) start from other states: be conservative.
            end = first_end and _seq(sub, False)[1]
            if lo >= 1:
                out += inner
                at_word_start = end
            else:
                at_word_start = at_word_start and end
        elif op in (C.ASSERT, C.ASSERT_NOT):
            pass  # zero-width: requires nothing, moves nothing
        else:
            at_word_start = False
    flush()
    return out, at_word_start


def _branch(alternatives, anchored: bool, seed: str = "") -> tuple[frozenset[str] | None, bool]:
    union: set[str] = set()
    ends = True
    for alt in alternatives:
        clauses, end = _seq(alt, anchored, seed)
        ends = ends and end
        if not clauses:
            union = None  # this alternative can match without any known word
        elif union is not None:
            union |= min(clauses, key=_selectivity)
    return (frozenset(union) if union else None), ends


def _starts(items, anchored: bool, seed: str = "", depth: int = 0) -> frozenset[str] | None:
    """Word prefixes one of which begins every match of ``items`` (None: unknown).

    Only known when every match starts at a word start (after ``\\b``), so the checker
    may try the regex at just those words instead of at every character. ``seed`` is
    the start of the word read so far.
    """
    if depth > 40:
        return None
    items = list(items)
    for i, (op, av) in enumerate(items):
        rest = items[i + 1:]
        if op is C.LITERAL:
            ch = chr(av).lower()
            if not ch.isalnum():
                return frozenset([seed]) if seed else None
            if not seed and not anchored:
                return None
            seed += ch
            if len(seed) >= MAX_LEN:
                return frozenset([seed[:MAX_LEN]])
        elif seed and op not in (C.SUBPATTERN, C.BRANCH, C.MAX_REPEAT, C.MIN_REPEAT):
            return frozenset([seed])
        elif op is C.AT:
            if av not in (C.AT_BOUNDARY, C.AT_BEGINNING, C.AT_BEGINNING_STRING):
                return None
            anchored = True
        elif op in (C.ASSERT, C.ASSERT_NOT):
            continue
        elif op is C.SUBPATTERN:
            return _starts(list(av[-1]) + rest, anchored, seed, depth + 1)
        elif op is C.BRANCH:
            union: set[str] = set()
            for alt in av[1]:
                got = _starts(list(alt) + rest, anchored, seed, depth + 1)
                if got is None:
                    return None
                union |= got
            return frozenset(union)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            lo, _hi, sub = av
            first = _starts(list(sub) + rest, anchored, seed, depth + 1)
            if first is None or lo >= 1:
                return first
            skip = _starts(rest, anchored, seed, depth + 1)
            return None if skip is None else first | skip
        else:
            return None
    return frozenset([seed]) if seed else None


def start_prefixes(regex_source: str, flags: int = 0) -> frozenset[str] | None:
    """Word prefixes that begin every match, or None when that is not known."""
    try:
        return _starts(P.parse(regex_source, flags), anchored=False)
    except Exception:  # noqa: BLE001
        return None


@lru_cache(maxsize=4096)
def derive_gates(regex_source: str, flags: int = 0) -> tuple[Clauses, frozenset[str] | None]:
    """Required and starting word prefixes of a regex (one parse, cached).

    Raises ``re.error`` on a regex that does not parse. Rule regexes run to kilobytes once
    vocabulary terms are expanded; the packaged rules' gates are precomputed (gates.json)
    so loading need not parse them at all.
    """
    tree = P.parse(regex_source, flags)
    starts = None
    try:
        starts = _starts(tree, anchored=False)
    except Exception:  # noqa: BLE001
        pass
    return _prefixes(tree), starts


def required_prefixes(regex_source: str, flags: int = 0) -> Clauses:
    """Clauses of word prefixes (lowercase) that every match of the regex must contain."""
    try:
        return _prefixes(P.parse(regex_source, flags))
    except Exception:  # noqa: BLE001 - gating is an optimisation; never fail on it
        return ()


def _prefixes(tree) -> Clauses:
    try:
        clauses, _ = _seq(list(tree), anchored=False)
    except Exception:  # noqa: BLE001
        return ()
    seen: list[frozenset[str]] = []
    for c in clauses:
        if c not in seen:
            seen.append(c)
    return tuple(seen)


# --- per (kind, status): the patterns to scan and their interned clauses ---------------

@dataclass
class Plan:
    """The claim patterns that apply to one (kind, status), with interned prefix clauses."""

    # (rule, pattern, clause ids each match needs, clause id of its start words or -1)
    scans: list[tuple[Rule, RulePattern, tuple[int, ...], int]]
    clause_of_prefix: dict[str, tuple[int, ...]]  # word prefix -> clauses it satisfies
    n_clauses: int
    start_clauses: frozenset[int] = frozenset()
    token_clauses: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = field(
        default_factory=dict)  # memo: word -> (clauses it satisfies, of which start clauses)
    sentence_matches: dict[str, tuple] = field(
        default_factory=dict)  # memo: sentence -> its raw pattern matches (see checker)


# Words so common that a clause containing one selects almost every sentence: such a
# clause only costs time, so gating ignores it (never unsound: it just gates less).
_COMMON = frozenset(
    "a an and or of to in on for with your you it is are be this that no not at by as from "
    "can will my our their its all any more most the".split())


def _selective(clause: frozenset[str]) -> bool:
    return not (clause & _COMMON)


def build_plan(rules: tuple[Rule, ...], kind: str | None, regulatory: str | None) -> Plan:
    """Gather the claim patterns for one (kind, status), interning their prefix clauses."""
    ids: dict[frozenset[str], int] = {}
    by_prefix: dict[str, list[int]] = {}

    def intern(clause: frozenset[str]) -> int:
        if clause not in ids:
            ids[clause] = len(ids)
            for pre in clause:
                by_prefix.setdefault(pre, []).append(ids[clause])
        return ids[clause]

    scans = []
    starts: set[int] = set()
    for rule in rules:
        if rule.check != "claim" or not rule.applies(kind, regulatory):
            continue
        for p in rule.patterns:
            if not p.applies(kind, regulatory):
                continue
            cids = tuple(intern(c) for c in p.prefixes if _selective(c))
            # Start words may be common ("for"): trying a match there is cheap.
            start = intern(p.starts) if p.starts and min(map(len, p.starts)) >= 2 else -1
            if start >= 0:
                starts.add(start)
            scans.append((rule, p, cids, start))
    return Plan(scans, {k: tuple(v) for k, v in by_prefix.items()}, len(ids),
                frozenset(starts))


# --- per document: which patterns to try, in which sentences, at which words -----------

_TOKEN = re.compile(r"[^\W_]+")


def _token_clauses(plan: Plan, tok: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Clause ids a word satisfies (any of its prefixes), and which are start clauses."""
    lookup = plan.clause_of_prefix
    out: list[int] = []
    for n in range(1, min(len(tok), MAX_LEN) + 1):
        out.extend(lookup.get(tok[:n], ()))
    memo = plan.token_clauses
    if len(memo) > 100_000:  # bounded: product copy has a finite vocabulary, spam does not
        memo.clear()
    starts = plan.start_clauses
    memo[tok] = got = (tuple(out), tuple(c for c in out if c in starts))
    return got


def _word_offsets(low: str, word: str) -> list[int]:
    """Offsets where ``word`` occurs as a whole token of the lowered text."""
    out = []
    n = len(word)
    i = low.find(word)
    while i >= 0:
        if (i == 0 or not low[i - 1].isalnum()) and (i + n == len(low) or not low[i + n].isalnum()):
            out.append(i)
        i = low.find(word, i + 1)
    return out


def candidates(plan: Plan, text: str, spans: list[tuple[int, int]],
               todo: list[int] | None = None):
    """Yield (rule, pattern, sentence bitmask, start offsets or None) worth trying.

    A pattern is tried only in sentences holding a word for each of its required
    clauses; a pattern whose matches begin with known words is tried only at them.
    ``todo`` limits the scan to those sentence indices (the others are known already).
    """
    clause_mask = [0] * plan.n_clauses
    token_mask: dict[str, int] = {}
    low = text.lower()
    if len(low) != len(text):  # a few characters change length when lowered
        low = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
    everything = 0
    for i in range(len(spans)) if todo is None else todo:
        s, e = spans[i]
        bit = 1 << i
        everything |= bit
        for tok in _TOKEN.findall(low, s, e):
            token_mask[tok] = token_mask.get(tok, 0) | bit
    memo = plan.token_clauses
    start_words: dict[int, list[str]] = {}
    for tok, bits in token_mask.items():
        got = memo.get(tok)
        if got is None:
            got = _token_clauses(plan, tok)
        for c in got[0]:
            clause_mask[c] |= bits
        for c in got[1]:
            start_words.setdefault(c, []).append(tok)
    where: dict[str, list[int]] = {}
    for rule, p, cids, start in plan.scans:
        mask = everything
        for c in cids:
            mask &= clause_mask[c]
            if not mask:
                break
        if not mask:
            continue
        if start < 0:
            yield rule, p, mask, None
        elif start in start_words:
            offsets = []
            for tok in start_words[start]:
                got = where.get(tok)
                if got is None:
                    got = where[tok] = _word_offsets(low, tok)
                offsets += got
            offsets.sort()
            yield rule, p, mask, offsets


def matches(regex: re.Pattern, text: str, spans, sent_index, mask: int, offsets):
    """Leftmost non-overlapping matches within the allowed sentences (like finditer)."""
    if offsets is None:
        while mask:
            bit = mask & -mask
            mask ^= bit
            ss, se = spans[bit.bit_length() - 1]
            for m in regex.finditer(text, ss, se):
                yield m, ss, se
        return
    last = -1
    for pos in offsets:
        if pos < last:
            continue
        i = sent_index.find(pos)
        if not mask >> i & 1:
            continue
        ss, se = spans[i]
        m = regex.match(text, pos, se)
        if m is not None and m.end() > m.start():
            last = m.end()
            yield m, ss, se
