"""The rule catalogue as data: loading, validation, overrides and prefix gating."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from storefront.compliance import RulesError, check_copy, load_rules
from storefront.compliance.evaluate import load_rows
from storefront.compliance.literals import candidates, matches, required_prefixes, start_prefixes
from storefront.compliance.rules import ENV_VAR, active_rules
from storefront.compliance.text import SentenceIndex

SECTION_2_RULES = {
    "disease-claim", "root-cause", "absolute-safety", "fda-approval", "serious-condition",
    "drug-or-surgery-comparison", "guaranteed-result", "vulnerable-groups",
    "wellness-medical-mix", "laser-no-heat", "mechanism-as-fact", "proof-claim", "superlative",
    "non-addictive-comparison", "painless", "social-proof",
}


def write(tmp_path: Path, text: str, name: str = "extra.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, "utf-8")
    return p


def test_packaged_rules_cover_section_2():
    rules = load_rules([])
    ids = {r.id for r in rules.rules}
    assert SECTION_2_RULES <= ids
    assert "rx-only-statement" in ids
    by = {r.id: r for r in rules.rules}
    assert by["mechanism-as-fact"].severity == "warn" and by["mechanism-as-fact"].escalate
    assert by["laser-no-heat"].kinds == frozenset({"laser"})
    assert by["wellness-medical-mix"].regulatory == frozenset({"wellness"})
    for r in rules.rules:
        assert r.why and r.suggestion and r.patterns


def test_env_var_adds_and_overrides_rules(tmp_path, monkeypatch):
    extra = write(tmp_path, """
[[rules]]
id = "superlative"
severity = "block"

[[rules]]
id = "painless"
enabled = false

[[rules]]
id = "disease-claim"
add_patterns = ['\\bzaps\\s+gout\\b']

[[rules]]
id = "house-style"
severity = "warn"
why = "House style: we do not say 'miracle light'."
suggestion = "Say 'red light'."
patterns = ['\\bmiracle\\s+light\\b']
kinds = ["panel"]
""")
    monkeypatch.setenv(ENV_VAR, str(extra))
    found = {(f.rule, f.severity) for f in check_copy(
        "The most powerful miracle light. Painless. Zaps gout.", "panel", "wellness")}
    assert ("superlative", "block") in found
    assert ("house-style", "warn") in found
    assert not any(r == "painless" for r, _ in found)
    assert ("disease-claim", "block") in found
    # the extra rule is kind-specific
    assert not any(f.rule == "house-style" for f in check_copy("miracle light", "belt", "wellness"))
    monkeypatch.delenv(ENV_VAR)
    found = {(f.rule, f.severity) for f in check_copy("The most powerful panel.", "panel",
                                                      "wellness")}
    assert found == {("superlative", "warn")}


def test_env_var_takes_several_files_and_extends_terms(tmp_path, monkeypatch):
    a = write(tmp_path, "[terms_extend]\nserious = 'frobnitis'\n", "a.toml")
    b = write(tmp_path, "[[rules]]\nid = \"proof-claim\"\nseverity = \"block\"\n", "b.toml")
    monkeypatch.setenv(ENV_VAR, f"{a}{__import__('os').pathsep}{b}")
    assert any(f.rule == "serious-condition" for f in check_copy("Eases frobnitis."))
    assert any(f.rule == "proof-claim" and f.severity == "block"
               for f in check_copy("Clinically proven."))


def test_rules_file_changes_are_picked_up(tmp_path, monkeypatch):
    p = write(tmp_path, "[[rules]]\nid = \"superlative\"\nseverity = \"warn\"\n")
    monkeypatch.setenv(ENV_VAR, str(p))
    assert active_rules().by_id("superlative").severity == "warn"
    p.write_text("[[rules]]\nid = \"superlative\"\nseverity = \"block\"\n", "utf-8")
    import os
    st = os.stat(p)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert active_rules().by_id("superlative").severity == "block"


@pytest.mark.parametrize("body,message", [
    ("[[rules]]\nid = \"x\"\nseverity = \"fatal\"\nwhy = \"w\"\nsuggestion = \"s\"\npatterns = ['a']",
     "unknown severity 'fatal'"),
    ("[[rules]]\nid = \"x\"\nseverity = \"warn\"\nwhy = \"w\"\nsuggestion = \"s\"\npatterns = ['(unclosed']",
     "bad regex"),
    ("[[rules]]\nid = \"x\"\nseverity = \"warn\"\nwhy = \"w\"\nsuggestion = \"s\"\npatterns = []",
     "must not be empty"),
    ("[[rules]]\nid = \"x\"\nseverity = \"warn\"\nwhy = \"w\"\npatterns = ['a']",
     "missing 'suggestion'"),
    ("[[rules]]\nid = \"x\"\nseverity = \"warn\"\nwhy = \"w\"\nsuggestion = \"s\"\npatterns = ['a']\n"
     "kinds = [\"toaster\"]", "unknown value(s) ['toaster']"),
    ("[[rules]]\nid = \"x\"\nseverity = \"warn\"\nwhy = \"w\"\nsuggestion = \"s\"\npatterns = ['a']\n"
     "sevrity = \"warn\"", "unknown key(s) ['sevrity']"),
    ("[[rules]]\nid = \"x\"\nseverity = \"warn\"\nwhy = \"w\"\nsuggestion = \"s\"\n"
     "patterns = ['{{nope}}']", "unknown term {{nope}}"),
    ("[[rules]]\nid = \"Bad Id\"\n", "lowercase-hyphen"),
    ("[[rules]]\nid = \"x\"\nseverity = \"warn\"\nwhy = \"w\"\nsuggestion = \"s\"\npatterns = ['a']\n"
     "[[rules]]\nid = \"x\"\n", "defined twice"),
    ("[[rules]]\nid = \"x\"\nseverity = \"warn\"\nwhy = \"w\"\nsuggestion = \"s\"\n"
     "patterns = [{ re = 'a', allow_if = ['indications'] }]", "(?P<what>"),
    ("[[rules]]\nid = \"x\"\nseverity = \"warn\"\nwhy = \"w\"\nsuggestion = \"s\"\npatterns = ['a']\n"
     "exempt = [\"sometimes\"]", "exempt must list"),
    ("[[rules]]\nid = \"x\"\nseverity = \"warn\"\nwhy = \"w\"\nsuggestion = \"s\"\n"
     "patterns = [{ re = 'a', exempt = ['sometimes'] }]", "exempt must list"),
    ("this is = not toml [", "not valid TOML"),
    ("[terms]\nnegation = '(broken'\n", "bad regex"),
])
def test_invalid_rules_files_fail_with_a_clear_message(tmp_path, body, message):
    p = write(tmp_path, body)
    with pytest.raises(RulesError) as err:
        load_rules([p])
    assert message in str(err.value)
    assert str(p) in str(err.value) or "term" in str(err.value)


def test_missing_rules_file_is_reported(tmp_path):
    with pytest.raises(RulesError, match="not found"):
        load_rules([tmp_path / "nope.toml"])


# --- prefix gating -----------------------------------------------------------------------

def test_required_prefixes_examples():
    assert required_prefixes(r"\bcur(?:e|es|ed)\b", re.I) == (frozenset({"cure", "cures", "cured"}),)
    assert required_prefixes(r"\b(?:no|zero)\s+side\s+effects", re.I) == (
        frozenset({"no", "zero"}), frozenset({"side"}), frozenset({"effects"}))
    # optional parts and mid-word literals require nothing
    assert required_prefixes(r"(?:very\s+)?x?ing", re.I) == ()
    assert required_prefixes(r"\b(?:foo|\w+bar)", re.I) == ()


def test_start_prefixes_examples():
    assert start_prefixes(r"\bache(?:s)?\b", re.I) == frozenset({"ache", "aches"})
    assert start_prefixes(r"\b(?:(?:temporary\s+)?relief|reliev(?:e|es))", re.I) == frozenset(
        {"temporary", "relief", "relieve", "relieves"})
    # a match that may start mid-word or with punctuation has no start words
    assert start_prefixes(r"(?:very\s+)?x", re.I) is None
    assert start_prefixes(r"#\s?1\b", re.I) is None


def _texts() -> list[str]:
    root = Path(__file__).resolve().parents[2]
    rows = load_rows()
    texts = [r["text"] for r in rows[::8]]  # a fixed eighth of the corpus keeps this quick
    seed = root / "seed" / "products.json"
    if seed.exists():
        data = json.loads(seed.read_text("utf-8"))
        for rec in data["products"] if isinstance(data, dict) else data:
            texts += [rec["copy"]["headline"], rec["copy"]["summary"], rec["copy"]["body"]]
    rnd = random.Random(7)
    words = " ".join(texts).split()
    texts += [" ".join(rnd.choice(words) for _ in range(30)) for _ in range(40)]
    return texts


# A correctness check, not a timing one: the full scan of every pattern over ~170 texts and
# three products took 100-130 s on a busy 2-core CI machine, around the 120 s default.
@pytest.mark.timeout(600)
def test_gated_matching_finds_exactly_what_a_full_scan_finds():
    rules = load_rules([])
    for kind, status in (("belt", "wellness"), ("laser", "rx_only"), ("panel", "otc_cleared")):
        plan = rules.plan(kind, status)
        for text in _texts():
            index = SentenceIndex(text)
            spans = index.spans
            gated = {(p.source, m.span())
                     for _, p, mask, offsets in candidates(plan, text, spans)
                     for m, _, _ in matches(p.regex, text, spans, index, mask, offsets)}
            full = {(p.source, m.span())
                    for _, p, _, _ in plan.scans for s, e in spans
                    for m in p.regex.finditer(text, s, e) if m.end() > m.start()}
            assert gated == full, (kind, text[:80], [(s[:50], sp) for s, sp in full ^ gated])


def test_heavy_patterns_keep_their_start_words():
    # Long patterns (expanded vocabulary) are only fast when tried at their start words;
    # a one-letter alternative in a term (e.g. "c-section") silently loses that.
    for rule in load_rules([]).rules:
        for p in rule.patterns:
            if len(p.source) > 2000:
                assert p.starts and min(map(len, p.starts)) >= 2, (rule.id, p.source[:80])


def test_gate_table_is_current_and_matches_derived_gates():
    """gates.json (precomputed gates of the packaged rules) equals a fresh derivation."""
    from storefront.compliance.gates import fresh_table
    from storefront.compliance.rules import GATES_PATH

    assert GATES_PATH.read_text("utf-8") == fresh_table(), (
        "gates.json is stale: run `python -m storefront.compliance.gates`")


def test_rules_load_without_compiling_packaged_regexes():
    """Packaged claim regexes compile on first use; an extra file's bad regex still fails
    at load time (it is not in the table of sources known to compile)."""
    from storefront.compliance.rules import LazyRegex

    rs = load_rules([])
    pats = [p.regex for r in rs.rules for p in r.patterns]
    assert all(isinstance(p, LazyRegex) for p in pats)
    assert sum(p._rx is not None for p in pats) == 0
    found = check_copy("It cures arthritis.", "belt", "wellness", rules=rs)
    assert any(f.severity == "block" for f in found)
    assert 0 < sum(p._rx is not None for p in pats) < len(pats)


def test_bad_regex_in_an_extra_file_fails_at_load(tmp_path):
    extra = tmp_path / "extra.toml"
    extra.write_text('[[rules]]\nid = "x"\nseverity = "warn"\nwhy = "w"\nsuggestion = "s"\n'
                     'patterns = ["(unclosed"]\n')
    with pytest.raises(RulesError, match="bad regex"):
        load_rules([extra])


def test_a_pattern_may_override_its_rules_exemptions(tmp_path):
    """A name is flagged even inside a precaution; the rule's other patterns still pass there."""
    p = write(tmp_path, '''[[rules]]
id = "x"
severity = "warn"
why = "w"
suggestion = "s"
exempt = ["negated", "precaution"]
patterns = [{ re = 'zapper', exempt = ["negated"] }, 'wonderlamp']
''')
    rules = load_rules([p])

    def rule_ids(text):
        return {f.rule for f in check_copy(text, "panel", "wellness", rules=rules, model=False,
                                           whole_copy=False)}
    assert "x" in rule_ids("Ask your doctor whether the zapper suits you.")
    assert "x" in rule_ids("The wonderlamp suits you.")
    assert "x" not in rule_ids("Ask your doctor whether the wonderlamp suits you.")
    assert "x" not in rule_ids("It is not a zapper.")


def test_cold_laser_is_reviewed_even_in_advice_but_not_where_the_name_is_corrected():
    def rules(text):
        return {(f.rule, f.severity) for f in check_copy(
            text, "laser", "rx_only", k_number="K123456", indications="Topical heating.",
            model=False, whole_copy=False)}
    assert ("laser-no-heat", "warn") in rules(
        "Ask your vet whether cold laser sessions would suit your horse.")
    assert not rules("'Cold laser' is a marketing term; therapy lasers do warm the tissue.")
