"""The claim-rule catalogue: loading, validating and compiling ``rules.toml`` files.

The packaged ``rules.toml`` is always loaded; ``STOREFRONT_COMPLIANCE_RULES`` may name
more files (``os.pathsep``-separated) that add rules, change a rule by id (only the keys
they give), add patterns, extend vocabulary terms or disable a rule. The format is
documented at the top of the packaged file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from storefront.compliance.literals import Clauses, Plan, build_plan, derive_gates

KINDS = ("belt", "handheld", "panel", "laser")
REGULATORY_STATUSES = ("wellness", "otc_cleared", "rx_only")
SEVERITIES = ("block", "warn")
ENV_VAR = "STOREFRONT_COMPLIANCE_RULES"

EXEMPTIONS = ("negated", "precaution", "precaution-clause")
ALLOW_IF = ("clearance", "k-number-matches", "indications")
SCOPES = ("sentence", "paragraph", "text")
CHECKS = ("claim", "required")

# Terms the checker itself needs; a rules file may redefine but not remove them.
CONTEXT_TERMS = ("negation", "negation_void", "negation_again", "precaution", "precaution_if",
                 "modifier")

_RULE_KEYS = {"id", "severity", "why", "suggestion", "kinds", "regulatory", "patterns",
              "add_patterns", "exempt", "unless", "unless_scope", "requires", "escalate",
              "check", "enabled", "description"}
_PATTERN_KEYS = {"re", "severity", "kinds", "regulatory", "requires", "unless", "allow_if", "exempt",
                 "why", "suggestion", "rewrite", "rewrite_if"}
_ESCALATE_KEYS = {"severity", "when", "why"}
_FLAGS = re.IGNORECASE
_TERM_REF = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}")


class RulesError(ValueError):
    """A rules file is malformed; the message names the file, rule and field."""


class LazyRegex:
    """A regex compiled on first use; behaves like the ``re.Pattern`` it stands for.

    Expanded rule regexes run to kilobytes and compiling all of them dominated loading;
    a process now compiles only the patterns its copy ever reaches. Hot loops take
    ``.compiled`` once instead of going through the delegation.
    """

    __slots__ = ("pattern", "flags", "_rx")
    compile_seconds = 0.0  # CPU time spent compiling on demand in this process (benchmarks)

    def __init__(self, source: str, flags: int) -> None:
        self.pattern = source
        self.flags = flags
        self._rx: re.Pattern | None = None

    @property
    def compiled(self) -> re.Pattern:
        """The compiled regex (compiled now if this is the first use)."""
        rx = self._rx
        if rx is None:
            t0 = time.process_time()
            rx = self._rx = re.compile(self.pattern, self.flags)
            LazyRegex.compile_seconds += time.process_time() - t0
        return rx

    def __getattr__(self, name: str):
        return getattr(self.compiled, name)

    def __repr__(self) -> str:
        state = "compiled" if self._rx is not None else "not compiled yet"
        return f"<LazyRegex {self.pattern[:40]!r}… {state}>"


# Gates (required / starting word prefixes, see literals.py) of the packaged rules'
# regexes, keyed by a hash of the expanded source, and the sources known to compile.
# Regenerate with `python -m storefront.compliance.rules --write-gates` after editing
# rules.toml or a vocabulary term; a test fails while the file is stale. Sources not in
# the table (extra rules files) are parsed and compiled at load time, which validates them.
GATES_PATH = Path(__file__).with_name("gates.json")


def _key(source: str, flags: int) -> str:
    return hashlib.sha1(f"{flags}:{source}".encode()).hexdigest()[:20]


_TABLE_IGNORED: list[bool] = []


@contextmanager
def table_ignored():
    """Load rules as if gates.json did not exist (to regenerate or verify it)."""
    _TABLE_IGNORED.append(True)
    try:
        yield
    finally:
        _TABLE_IGNORED.pop()


def _gate_table() -> dict[str, tuple[Clauses, frozenset[str] | None]]:
    return {} if _TABLE_IGNORED else _read_gate_table()


@lru_cache(maxsize=1)
def _read_gate_table() -> dict[str, tuple[Clauses, frozenset[str] | None]]:
    try:
        raw = json.loads(GATES_PATH.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: (tuple(frozenset(c) for c in v[0]), None if v[1] is None else frozenset(v[1]))
            for k, v in raw.get("gates", {}).items() if v is not None} | {
            k: ((), None) for k, v in raw.get("gates", {}).items() if v is None}


def _gates(source: str, where: str) -> tuple[Clauses, frozenset[str] | None]:
    got = _gate_table().get(_key(source, _FLAGS))
    if got is not None:
        return got
    try:
        return derive_gates(source, _FLAGS)
    except re.error as e:
        raise RulesError(f"{where}: bad regex ({e}): {source[:80]!r}") from None


@dataclass(frozen=True, slots=True)
class Pattern:
    """One regex of a rule, with the conditions under which its match counts."""

    source: str  # the expanded regex text
    regex: LazyRegex
    severity: str | None = None
    kinds: frozenset[str] | None = None
    regulatory: frozenset[str] | None = None
    requires: LazyRegex | None = None
    unless: LazyRegex | None = None
    allow_if: tuple[str, ...] = ()
    why: str | None = None
    suggestion: str | None = None
    prefixes: Clauses = ()  # word prefixes every match needs (see literals.py)
    starts: frozenset[str] | None = None  # word prefixes every match begins with
    rewrite: str | None = None  # drop-in replacement for the match ({k_number} filled in)
    rewrite_if: str | None = None  # "clearance": only on a cleared product with a K-number
    exempt: tuple[str, ...] | None = None  # overrides the rule's exemptions for this pattern

    def applies(self, kind: str | None, regulatory: str | None) -> bool:
        """True when this applies to the product kind and status."""
        return (self.kinds is None or kind in self.kinds) and (
            self.regulatory is None or regulatory in self.regulatory)


@dataclass(frozen=True, slots=True)
class Escalation:
    """Raise a rule's severity when its sentence also matches ``when``."""

    severity: str
    when: LazyRegex
    why: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule: what it catches, how bad it is, why, and the compliant direction."""

    id: str
    severity: str
    why: str
    suggestion: str
    patterns: tuple[Pattern, ...]
    kinds: frozenset[str] | None = None
    regulatory: frozenset[str] | None = None
    exempt: tuple[str, ...] = ()
    unless: LazyRegex | None = None
    unless_scope: str = "sentence"
    requires: LazyRegex | None = None
    escalate: Escalation | None = None
    check: str = "claim"

    def applies(self, kind: str | None, regulatory: str | None) -> bool:
        """True when this applies to the product kind and status."""
        return (self.kinds is None or kind in self.kinds) and (
            self.regulatory is None or regulatory in self.regulatory)


@dataclass
class RuleSet:
    """Loaded, validated rules plus compiled scan plans cached per (kind, status)."""

    rules: tuple[Rule, ...]
    terms: dict[str, str]
    sources: tuple[str, ...]
    _plans: dict[tuple, Plan] = field(default_factory=dict, repr=False)

    def by_id(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError when absent)."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def term(self, name: str) -> re.Pattern:
        """A vocabulary term compiled on its own (used by the checker's context tests)."""
        return _compile(f"{{{{{name}}}}}", self.terms, f"term {name!r}")[1].compiled

    @cached_property
    def context(self) -> dict[str, re.Pattern]:
        """Compiled context terms: negation, precaution, modifiers (see rules.toml)."""
        ctx = {name: self.term(name) for name in CONTEXT_TERMS}
        # Modifiers ending right before a condition word ("chronic lower back" + "pain").
        ctx["modifier_tail"] = _compile(
            r"(?:\b(?:{{modifier}})(?:\s*[,/&+]\s*|\s+(?:and|or)\s+|[\s-]+))+$",
            self.terms, "term 'modifier'")[1].compiled
        return ctx

    def plan(self, kind: str | None, regulatory: str | None) -> Plan:
        """Claim patterns that apply to a product kind and status, ready to scan."""
        key = (kind, regulatory)
        got = self._plans.get(key)
        if got is None:
            got = self._plans[key] = build_plan(self.rules, kind, regulatory)
        return got


def _expand(text: str, terms: dict[str, str], where: str, _seen: tuple = ()) -> str:
    text = re.sub(r"\n[ \t]*", "", text)  # long regexes may be wrapped over lines

    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name not in terms:
            raise RulesError(f"{where}: unknown term {{{{{name}}}}}")
        if name in _seen:
            raise RulesError(f"{where}: term {name!r} refers to itself")
        return "(?:" + _expand(terms[name], terms, where, _seen + (name,)) + ")"

    return _TERM_REF.sub(sub, text)


def _compile(text: str, terms: dict[str, str], where: str) -> tuple[str, LazyRegex]:
    src = _expand(text, terms, where)
    rx = LazyRegex(src, _FLAGS)
    if _key(src, _FLAGS) not in _gate_table():
        try:  # not a packaged regex known to compile: validate it now
            rx.compiled  # noqa: B018
        except re.error as e:
            raise RulesError(f"{where}: bad regex ({e}): {text[:80]!r}") from None
    return src, rx


def _regex_list(value: Any, terms, where) -> LazyRegex | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items) or not items:
        raise RulesError(f"{where}: must be a regex or a non-empty list of regexes")
    return _compile("|".join(f"(?:{i})" for i in items), terms, where)[1]


def _choice_set(value: Any, allowed: tuple[str, ...], where: str) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesError(f"{where}: must be a list of strings")
    bad = [v for v in value if v not in allowed]
    if bad:
        raise RulesError(f"{where}: unknown value(s) {bad}; expected some of {list(allowed)}")
    return frozenset(value) or None


def _severity(value: Any, where: str) -> str:
    if value not in SEVERITIES:
        raise RulesError(f"{where}: unknown severity {value!r}; expected 'block' or 'warn'")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"{where}: must be a non-empty string")
    return value.strip()


def _exemptions(value: Any, where: str) -> tuple[str, ...]:
    """A rule's or a pattern's ``exempt`` list, checked."""
    if not isinstance(value, list) or any(e not in EXEMPTIONS for e in value):
        raise RulesError(f"{where}: exempt must list some of {list(EXEMPTIONS)}")
    return tuple(value)


def _pattern(spec: Any, terms, where: str) -> Pattern:
    if isinstance(spec, str):
        src, rx = _compile(spec, terms, where)
        prefixes, starts = _gates(src, where)
        return Pattern(src, rx, prefixes=prefixes, starts=starts)
    if not isinstance(spec, dict) or "re" not in spec:
        raise RulesError(f"{where}: a pattern is a regex string or a table with 're'")
    unknown = set(spec) - _PATTERN_KEYS
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {sorted(unknown)}")
    src, rx = _compile(_text(spec["re"], where), terms, where)
    allow = spec.get("allow_if", [])
    if not isinstance(allow, list) or any(a not in ALLOW_IF for a in allow):
        raise RulesError(f"{where}: allow_if must list some of {list(ALLOW_IF)}")
    if "indications" in allow and "(?P<what>" not in src:
        raise RulesError(f"{where}: allow_if 'indications' needs a (?P<what>...) group")
    if spec.get("rewrite_if") not in (None, "clearance"):
        raise RulesError(f"{where}: rewrite_if must be 'clearance'")
    exempt = _exemptions(spec["exempt"], where) if "exempt" in spec else None
    prefixes, starts = _gates(src, where)
    return Pattern(
        src, rx,
        exempt=exempt,
        severity=_severity(spec["severity"], where) if "severity" in spec else None,
        kinds=_choice_set(spec.get("kinds"), KINDS, f"{where}.kinds"),
        regulatory=_choice_set(spec.get("regulatory"), REGULATORY_STATUSES, f"{where}.regulatory"),
        requires=_regex_list(spec.get("requires"), terms, f"{where}.requires"),
        unless=_regex_list(spec.get("unless"), terms, f"{where}.unless"),
        allow_if=tuple(allow),
        why=_text(spec["why"], where) if "why" in spec else None,
        suggestion=_text(spec["suggestion"], where) if "suggestion" in spec else None,
        prefixes=prefixes,
        starts=starts,
        rewrite=_text(spec["rewrite"], where) if "rewrite" in spec else None,
        rewrite_if=spec.get("rewrite_if"),
    )


def _rule(spec: dict[str, Any], terms: dict[str, str], where: str) -> Rule:
    rid = spec["id"]
    where = f"{where}: rule {rid!r}"
    unknown = set(spec) - _RULE_KEYS
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {sorted(unknown)}")
    for key in ("severity", "why", "suggestion", "patterns"):
        if key not in spec:
            raise RulesError(f"{where}: missing {key!r}")
    pats = list(spec["patterns"]) + list(spec.get("add_patterns", []))
    if not pats:
        raise RulesError(f"{where}: 'patterns' must not be empty")
    check = spec.get("check", "claim")
    if check not in CHECKS:
        raise RulesError(f"{where}: check must be one of {list(CHECKS)}")
    exempt = _exemptions(spec.get("exempt", []), where)
    scope = spec.get("unless_scope", "sentence")
    if scope not in SCOPES:
        raise RulesError(f"{where}: unless_scope must be one of {list(SCOPES)}")
    esc = spec.get("escalate")
    escalation = None
    if esc is not None:
        if not isinstance(esc, dict) or "when" not in esc or set(esc) - _ESCALATE_KEYS:
            raise RulesError(f"{where}: escalate needs 'when' (and optional severity, why)")
        escalation = Escalation(_severity(esc.get("severity", "block"), f"{where}.escalate"),
                                _regex_list(esc["when"], terms, f"{where}.escalate.when"),
                                esc.get("why"))
    return Rule(
        id=rid,
        severity=_severity(spec["severity"], where),
        why=_text(spec["why"], f"{where}.why"),
        suggestion=_text(spec["suggestion"], f"{where}.suggestion"),
        patterns=tuple(_pattern(p, terms, f"{where}: pattern {i + 1}") for i, p in enumerate(pats)),
        kinds=_choice_set(spec.get("kinds"), KINDS, f"{where}.kinds"),
        regulatory=_choice_set(spec.get("regulatory"), REGULATORY_STATUSES, f"{where}.regulatory"),
        exempt=exempt,
        unless=_regex_list(spec.get("unless"), terms, f"{where}.unless"),
        unless_scope=scope,
        requires=_regex_list(spec.get("requires"), terms, f"{where}.requires"),
        escalate=escalation,
        check=check,
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise RulesError(f"{path}: rules file not found") from None
    except tomllib.TOMLDecodeError as e:
        raise RulesError(f"{path}: not valid TOML ({e})") from None
    unknown = set(data) - {"terms", "terms_extend", "rules"}
    if unknown:
        raise RulesError(f"{path}: unknown top-level key(s) {sorted(unknown)}")
    return data


def _merge(files: list[tuple[str, dict[str, Any]]]) -> tuple[dict[str, str], dict[str, tuple]]:
    """Merge raw files in order; later files override terms and rule keys by id."""
    terms: dict[str, str] = {}
    rules: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, data in files:
        for k, v in data.get("terms", {}).items():
            if not isinstance(v, str):
                raise RulesError(f"{name}: term {k!r} must be a string")
            terms[k] = v
        for k, v in data.get("terms_extend", {}).items():
            if k not in terms or not isinstance(v, str):
                raise RulesError(f"{name}: terms_extend.{k}: no such term, or not a string")
            terms[k] = f"{terms[k]}|{v}"
        seen: set[str] = set()
        for i, spec in enumerate(data.get("rules", [])):
            rid = spec.get("id") if isinstance(spec, dict) else None
            if not isinstance(rid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", rid):
                raise RulesError(f"{name}: rules[{i}]: 'id' must be a lowercase-hyphen name")
            if rid in seen:
                raise RulesError(f"{name}: rule {rid!r} defined twice in the same file")
            seen.add(rid)
            if rid in rules:
                base = dict(rules[rid][1])
                if "add_patterns" in spec:
                    base["patterns"] = list(base.get("patterns", [])) + list(spec["add_patterns"])
                base.update({k: v for k, v in spec.items() if k != "add_patterns"})
                rules[rid] = (name, base)
            else:
                rules[rid] = (name, dict(spec))
    return terms, rules


def _paths_from_env() -> tuple[str, ...]:
    raw = os.environ.get(ENV_VAR, "")
    return tuple(p for p in raw.split(os.pathsep) if p.strip())


def load_rules(extra_paths: list[str | os.PathLike] | tuple | None = None) -> RuleSet:
    """Load the packaged rules plus ``extra_paths`` (default: from the environment)."""
    if extra_paths is None:
        extra_paths = _paths_from_env()
    packaged = resources.files("storefront.compliance").joinpath("rules.toml")
    files = [("rules.toml (packaged)", tomllib.loads(packaged.read_text("utf-8")))]
    files += [(str(p), _read(Path(p))) for p in extra_paths]
    terms, raw = _merge(files)
    missing = [t for t in CONTEXT_TERMS if t not in terms]
    if missing:
        raise RulesError(f"rules: context term(s) {missing} are not defined")
    rules = []
    for name, spec in raw.values():
        if spec.get("enabled", True) is False:
            continue
        rules.append(_rule(spec, terms, name))
    ruleset = RuleSet(tuple(rules), terms, tuple(n for n, _ in files))
    _ = ruleset.context  # compile now so a bad context term fails at load time
    return ruleset


def _stamp(paths: tuple[str, ...]) -> tuple:
    out = []
    for p in paths:
        try:
            out.append((p, os.stat(p).st_mtime_ns))
        except OSError:
            out.append((p, None))
    return tuple(out)


@lru_cache(maxsize=8)
def _cached(stamp: tuple) -> RuleSet:
    return load_rules([p for p, _ in stamp])


def active_rules() -> RuleSet:
    """The rule set in force: cached, reloaded when the env var or a file's mtime changes."""
    return _cached(_stamp(_paths_from_env()))

