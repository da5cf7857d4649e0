"""Required word prefixes of a regex, so a pattern only runs on sentences that could match.

Python's ``re`` tries a long alternation at every character, which is too slow for
~170 patterns over a thousand product pages. From each pattern's parse tree we derive a
conjunction of clauses; each clause is a set of word prefixes, one of which must start
some word in any text the pattern matches ("cure" for ``\\bcur(?:e|es)``, any condition
word for a claim about a condition). The checker then scans only sentences where every
clause is satisfied. Extraction is conservative: anything it cannot reason about adds no
clause, so gating can only skip sentences the regex could never match.
"""

from __future__ import annotations

import re
from functools import lru_cache

try:  # Python >= 3.11
    from re import _compiler as K
    from re import _constants as C
    from re import _parser as P
except ImportError:  # pragma: no cover
    import sre_compile as K
    import sre_constants as C
    import sre_parse as P

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
def compile_gated(regex_source: str, flags: int = 0
                  ) -> tuple[re.Pattern, Clauses, frozenset[str] | None]:
    """Compile a regex; derive its required and its starting prefixes (one parse, cached).

    Rule regexes run to kilobytes once vocabulary terms are expanded, and parsing them
    dominates loading; the cache makes reloads with a changed extra file cheap.
    """
    tree = P.parse(regex_source, flags)  # raises re.error on a bad regex
    try:
        regex = K.compile(tree, flags)
    except Exception:  # noqa: BLE001 - fall back to the public path for odd inputs
        regex = re.compile(regex_source, flags)
    starts = None
    try:
        starts = _starts(tree, anchored=False)
    except Exception:  # noqa: BLE001
        pass
    return regex, _prefixes(tree), starts


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
