"""Claim structure: the parts of a claim found by vocabulary, and claim families.

A sentence is split into words (stemmed, so "causes", "caused" and "cause" are one
word) and clauses. Every vocabulary term (``vocab/*.toml``: conditions graded minor /
moderate / serious, body functions, medicines, procedures, groups, and the cue words of
``vocab/cues.toml``) that occurs is tagged with its category. A *family*
(``families.toml``) is a claim shape in those categories — "a denial, then a risk"
(absolute safety), "less, then a medicine" (medicine comparison), "FDA and approval in
either order" — so it covers wordings no phrase list has seen. Context is computed per
clause: a negation before the claim, a precaution cue, research hedging or a correction
("myth", "is not") make it pass where the family says so.

Pure: text in, spans out; no database, no Flask.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from storefront.compliance.model import stem
from storefront.compliance.text import clause_bounds

HERE = Path(__file__).parent
VOCAB_DIR = HERE / "vocab"
FAMILIES_PATH = HERE / "families.toml"
MAX_TERM = 5  # longest vocabulary term, in words

# Abbreviations whose full stops end no clause ("the U.S. Food and Drug Administration").
_ABBREV = re.compile(r"\b(?:[A-Za-z]\.){2,}|\b(?:e\.g|i\.e|vs|Dr|Mr|Mrs|Ms|St|approx|etc)\.")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|#", re.IGNORECASE)
# Irregular plurals the stemmer cannot reach.
_IRREGULAR = {"children": "child", "feet": "foot", "teeth": "tooth", "women": "woman",
              "men": "man", "people": "person", "mice": "mouse", "geese": "goose",
              "kids": "kid", "knives": "knife", "lives": "life", "wives": "wife"}


@lru_cache(maxsize=65536)
def word_stem(word: str) -> str:
    """The stem used for vocabulary lookups (irregular plurals folded first)."""
    w = word.lower().replace("\u2019", "'")
    w = _IRREGULAR.get(w, w)
    if w.endswith("n't"):
        return w
    return stem(w)


@dataclass(frozen=True)
class Lexicon:
    """Stemmed term sequences -> categories."""

    terms: dict[tuple[str, ...], frozenset[str]]
    categories: frozenset[str]
    longest: dict[str, int]  # first word -> longest term starting with it

    def tag(self, stems: list[str]) -> list[tuple[str, int, int]]:
        """(category, first word, end word) of every term occurrence."""
        out = []
        n = len(stems)
        terms = self.terms
        longest = self.longest
        for i in range(n):
            k_max = longest.get(stems[i])
            if k_max is None:
                continue
            for k in range(min(k_max, n - i), 0, -1):
                cats = terms.get(tuple(stems[i:i + k]))
                if cats:
                    out.extend((c, i, i + k) for c in cats)
        return out


def _norm_term(term: str) -> tuple[str, ...]:
    words = _WORD.findall(term.replace("-", " ").replace("\u2019", "'"))
    return tuple(word_stem(w) for w in words)


@lru_cache(maxsize=4)
def load_lexicon(vocab_dir: Path = VOCAB_DIR) -> Lexicon:
    """Read every ``vocab/*.toml`` (sections of ``terms``) into one lexicon."""
    found: dict[tuple[str, ...], set[str]] = {}
    cats: set[str] = set()
    for path in sorted(vocab_dir.glob("*.toml")):
        data = tomllib.loads(path.read_text("utf-8"))
        for section, body in data.items():
            if not isinstance(body, dict) or "terms" not in body:
                continue
            cats.add(section)
            for term in body["terms"]:
                key = _norm_term(term)
                if key:
                    found.setdefault(key, set()).add(section)
    longest: dict[str, int] = {}
    for key in found:
        longest[key[0]] = max(longest.get(key[0], 0), len(key))
    return Lexicon({k: frozenset(v) for k, v in found.items()}, frozenset(cats), longest)


@dataclass(frozen=True, slots=True)
class Sentence:
    """A tagged sentence: words with offsets, stems, clause of each word, tags."""

    text: str
    spans: tuple[tuple[int, int], ...]
    stems: tuple[str, ...]
    clause: tuple[int, ...]
    tags: tuple[tuple[str, int, int], ...]
    categories: frozenset[str] = frozenset()

    def cats(self) -> frozenset[str]:
        """Every category present."""
        return self.categories

    def words(self, a: int, b: int) -> str:
        """The sentence text from word a up to word b (exclusive)."""
        if a >= b:
            return ""
        return self.text[self.spans[a][0]:self.spans[b - 1][1]]


_CAMEL = re.compile(r"[A-Z][a-z]+|[A-Z]+(?![a-z])|[a-z]+|[0-9]+")


def _word_spans(text: str):
    """Word offsets; a camel-case hashtag is read as its words ("#BackPainGone")."""
    for m in _WORD.finditer(text):
        a, b = m.span()
        if a and text[a - 1] == "#" and any(c.isupper() for c in text[a + 1:b]):
            for part in _CAMEL.finditer(text, a, b):
                yield part.span()
        else:
            yield a, b


def analyse(text: str, lexicon: Lexicon | None = None) -> Sentence:
    """Tag one sentence."""
    lexicon = lexicon or load_lexicon()
    plain = text.replace("\u2019", "'")
    spans = tuple(_word_spans(plain))
    stems = [word_stem(plain[a:b]) for a, b in spans]
    bounds = clause_bounds(_ABBREV.sub(lambda m: m.group(0).replace(".", " "), text))
    clause = []
    ci = 0
    for s, _ in spans:
        while ci + 1 < len(bounds) and bounds[ci + 1] <= s:
            ci += 1
        clause.append(ci)
    # Hyphenated and split words ("side-effect", "risk-free") are joined by _norm_term on
    # the vocabulary side, so the text side needs no special case.
    tags = _derived_tags(lexicon.tag(stems), tuple(stems))
    if (label := _LABEL.match(plain)) is not None:
        # "Warning: the pad clears chronic inflammation …": a label warns of nothing by
        # itself; what follows it decides
        n = sum(1 for a, _ in spans if a < label.end())
        tags = tuple(t for t in tags if not (t[0] in _LABEL_CUES and t[2] <= n))
    return Sentence(text, spans, tuple(stems), tuple(clause), tags,
                    frozenset(t[0] for t in tags))


_LABEL = re.compile(r"^\W*(?:warning|caution|important|note|disclaimer|notice|attention"
                    r"|heads[\s-]up|please\s+note|safety\s+(?:note|notice|warning))\s*[:!\u2014\u2013-]",
                    re.IGNORECASE)
_LABEL_CUES = frozenset({"precaution", "correction", "debunk"})
_EFFECT_CUES = frozenset({"effect_soft", "effect_strong", "effect_boost", "less_need", "masking",
                          "effect_on_it"})


# cues a longer neutral phrase drops: "gets used to the warmth" tells of no recovery
_SHIELDABLE = _EFFECT_CUES | {"regained", "function_claim", "root"}
_SHIELDED = frozenset({"correction", "absence", "debunk", "safe", "painless", "care", "classes", "instant",
                       "deny_need", "precaution", "procedures", "minor", "moderate", "everyone",
                       "serious", "training_need"})
_DETERMINERS = frozenset({"a", "an", "the", "my", "his", "her", "your", "their", "our"})


def _derived_tags(tags: list[tuple[str, int, int]], stems: tuple[str, ...]
                  ) -> tuple[tuple[str, int, int], ...]:
    """Tags that follow from the lexicon's own: an effect cue inside a longer body-part or
    neutral phrase is dropped ("lower" in "the lower back", "close" in "close out the day"),
    and so is a precaution or research cue inside a sales opening ("if you're trying to …",
    "find out whether …");
    a body part with a complaint word is a condition ("tendon problems", "dodgy shoulder");
    a body part after a possessive is one someone owns ("my knees", "her stiff hips").
    """
    shields = [(a, b) for c, a, b in tags
               if (c == "body_part" and b - a > 1) or c == "neutral"]
    if shields:
        tags = [t for t in tags if not (t[0] in _SHIELDABLE and any(
            a <= t[1] and t[2] <= b and (b - a) > (t[2] - t[1]) for a, b in shields))]
        # "not even exaggerating", "no exaggeration": an intensifier, not a correction
        neutral = [(a, b) for c, a, b in tags if c == "neutral"]
        tags = [t for t in tags if not (t[0] in _SHIELDED and any(
            a <= t[1] and t[2] <= b for a, b in neutral))]
    verbs = {a for c, a, _ in tags if c == "proof_verb"}
    if verbs and any((c == "effect_strong" and stems[a] != "beat") or (
            c in _PROVEN_EFFECTS and any((p == "product" and stems[q] in _DEVICE_STEMS and q < a)
                                         or p == "serious" for p, q, _ in tags))
                     for c, a, _ in tags):
        # "studies confirm that red light eliminates arthritis" claims proof of a cure; it
        # hedges nothing
        tags = [t for t in tags if not (t[0] == "hedge_research" and t[2] - t[1] == 1 and (
            t[2] in verbs or (t[2] + 1 in verbs and stems[t[2]] in ("have", "all", "now", "are", "is"))
            or _verb_after_topic(stems, t[2], verbs))
            and stems[t[1]] in _PROOF_NOUNS and not any(
                stems[k] in _NEG or stems[k].endswith("n't") for k in range(t[2], min(t[2] + 4, len(stems)))))]
    tags = _care_and_symptoms(tags, stems)
    selling = [(a, b) for c, a, b in tags if c == "not_precaution"]
    if selling:  # "if you're trying to put off surgery" opens a pitch, not a precaution
        tags = [t for t in tags if not (
            t[0] in ("precaution", "condition_holder", "hedge_research", "correction", "debunk") and any(
                a <= t[1] and t[2] <= b for a, b in selling))]
    parts = [(a, b) for c, a, b in tags if c == "body_part"]
    if not parts:
        return tuple(tags)
    after = {a: b for c, a, b in tags if c == "complaint"}
    before = {b: a for c, a, b in tags if c == "complaint_adj"}
    adj_at = {a: b for c, a, b in tags if c == "complaint_adj"}
    extra = []
    for a, b in parts:
        if b in after:
            extra.append(("moderate", a, after[b]))
        if a in before:
            extra.append(("moderate", before[a], b))
        elif (a - 1) in before and stems[a - 1] in _DETERMINERS:
            extra.append(("moderate", before[a - 1], b))  # "tweaked a hamstring"
        elif b in adj_at:
            extra.append(("moderate", a, adj_at[b]))  # "my lower back grumbles"
    owners = {b: a for c, a, b in tags if c == "possessive"}
    for a, b in parts:
        # "my knees", "her stiff hips": a body part someone owns (one word may sit between)
        if a in owners or (a - 1) in owners:
            extra.append(("owned_part", owners.get(a, owners.get(a - 1)), b))
    return tuple(tags + extra)


_EFFECTS = frozenset({"effect_soft", "effect_strong", "effect_boost"})
_SYMPTOM_ADJ = frozenset({"numb"})  # effect verbs that, before a body part, name a symptom
# … or after a verb of becoming: "if your hands go numb at night"
_BECOME = frozenset(word_stem(w) for w in "go goes went gone going turn turns turned turning "
                    "get gets got getting become becomes became feel feels felt stay stays "
                    "stayed remain remains remained".split())
_CLINICIAN_REACH = 4  # words after a clinician in which an effect verb is theirs
_SIDE_EFFECT_REACH = 8  # words after a side effect in which "gone", "faded" tell of it
_CONDITION_TAGS = frozenset({"minor", "moderate", "serious", "condition_generic", "body_function"})


def _care_and_symptoms(tags: list[tuple[str, int, int]], stems: tuple[str, ...]
                       ) -> list[tuple[str, int, int]]:
    """Effect cues that claim nothing for the device: a symptom adjective before a body
    part ("numb skin can't warn you"), and an effect verb a clinician governs ("your hand
    specialist should keep managing the condition", "your vet treats the infection") with
    no product word between them."""
    parts = {a for c, a, _ in tags if c == "body_part"}
    # "our team physios clear up …" is the seller's own service speaking
    clinicians = [b for c, a, b in tags if c == "clinician" and "our" not in stems[max(0, a - 2):a]]
    products = {a for c, a, _ in tags if c == "product"}
    drop = set()
    for t in tags:
        c, a, b = t
        if c not in _EFFECTS:
            continue
        if b - a == 1 and stems[a] in _SYMPTOM_ADJ and (b in parts or (
                a and stems[a - 1] in _BECOME)):
            drop.add(t)
        elif any(end <= a <= end + _CLINICIAN_REACH and not any(end <= p < a for p in products)
                 for end in clinicians):
            drop.add(t)
    # A side effect that went away: "mild redness on my cheeks, gone within the hour". Only
    # where the sentence names no condition the device could be said to help.
    if not any(c in _CONDITION_TAGS for c, _, _ in tags):
        side = [b for c, _, b in tags if c == "risk_condition"]
        for t in tags:
            c, a, b = t
            if c in _EFFECTS and any(end <= a <= end + _SIDE_EFFECT_REACH for end in side):
                drop.add(t)
    return [t for t in tags if t not in drop] if drop else tags


# --- families --------------------------------------------------------------------------

@dataclass(frozen=True)
class Family:
    """A claim shape over vocabulary categories (see families.toml)."""

    id: str
    rule: str
    severity: str
    parts: tuple[frozenset[str], ...]
    window: int
    any_order: bool
    negatable: bool
    unless: frozenset[str]
    unless_sentence: frozenset[str]
    unless_before: frozenset[str]
    kinds: frozenset[str] | None
    regulatory: frozenset[str] | None
    allow_if_indications: bool
    serious_rule: str | None
    wellness_rule: str | None
    blockers: frozenset[str]
    ignore: frozenset[tuple[str, ...]]
    ignore_cats: frozenset[str]
    ignore_followed_by: frozenset[str]
    ignore_cue_followed_by: frozenset[str]
    ignore_cues: frozenset[tuple[str, ...]]
    unless_after: frozenset[str]
    ignore_pairs: frozenset[tuple[tuple[str, ...], tuple[str, ...]]]
    unless_preceded_by: frozenset[str]
    cross_clause: bool
    nearest: bool
    beyond: int
    unless_term: str | None
    unless_scope: str
    question_needs_yes: bool
    why: str
    suggestion: str

    def applies(self, kind: str | None, regulatory: str) -> bool:
        """Whether the family runs for this product."""
        if self.kinds is not None and kind not in self.kinds:
            return False
        return self.regulatory is None or regulatory in self.regulatory


def _expand(names: list[str], groups: dict[str, list[str]]) -> frozenset[str]:
    out: set[str] = set()
    for n in names:
        out |= set(groups.get(n, [n]))
    return frozenset(out)


@lru_cache(maxsize=4)
def load_families(path: Path = FAMILIES_PATH) -> tuple[Family, ...]:
    """Read families.toml."""
    data = tomllib.loads(path.read_text("utf-8"))
    groups = data.get("groups", {})
    fams = []
    for spec in data.get("families", []):
        opt = spec.get
        fams.append(Family(
            id=spec["id"], rule=spec["rule"], severity=spec.get("severity", "block"),
            parts=tuple(_expand(p if isinstance(p, list) else [p], groups)
                        for p in spec["parts"]),
            window=int(opt("window", 6)), any_order=bool(opt("any_order", False)),
            negatable=bool(opt("negatable", True)),
            unless=_expand(opt("unless", []), groups),
            unless_sentence=_expand(opt("unless_sentence", []), groups),
            unless_before=_expand(opt("unless_before", []), groups),
            kinds=frozenset(spec["kinds"]) if "kinds" in spec else None,
            regulatory=frozenset(spec["regulatory"]) if "regulatory" in spec else None,
            allow_if_indications=opt("allow_if") == "indications",
            serious_rule=opt("serious_rule"), wellness_rule=opt("wellness_rule"),
            blockers=_expand(opt("blockers", []), groups),
            ignore=frozenset(_norm_term(t) for t in opt("ignore", [])),
            ignore_cats=_expand(opt("ignore_cats", []), groups),
            ignore_followed_by=frozenset(word_stem(w) for w in opt("ignore_followed_by", [])),
            ignore_cue_followed_by=frozenset(
                word_stem(w) for w in opt("ignore_cue_followed_by", [])),
            ignore_cues=frozenset(_norm_term(t) for t in opt("ignore_cues", [])),
            unless_after=_expand(opt("unless_after", []), groups),
            unless_preceded_by=frozenset(word_stem(w) for w in opt("unless_preceded_by", [])),
            cross_clause=bool(opt("cross_clause", False)),
            nearest=bool(opt("nearest", False)), beyond=int(opt("beyond", -1)),
            ignore_pairs=frozenset((_norm_term(a), _norm_term(b))
                                   for a, b in opt("ignore_pairs", [])),
            unless_term=opt("unless_term"), unless_scope=opt("unless_scope", "sentence"),
            question_needs_yes=bool(opt("question_needs_yes", False)),
            why=spec["why"], suggestion=spec.get("suggestion", ""),
        ))
    return tuple(fams)


@dataclass(frozen=True, slots=True)
class Hit:
    """A family match: character span in the sentence and the words claimed about."""

    family: Family
    rule: str
    start: int
    end: int
    target: str
    serious: bool
    strong: bool


def _occurrences(s: Sentence, cats: frozenset[str]) -> list[tuple[int, int]]:
    """Spans of the categories, the longest term at each start ("arthritis pain")."""
    longest: dict[int, int] = {}
    for c, a, b in s.tags:
        if c in cats and b > longest.get(a, -1):
            longest[a] = b
    return sorted(longest.items())


def _clause_has(s: Sentence, cats: frozenset[str], clause: int | None,
                before: int | None = None) -> bool:
    """A category in the clause (None: anywhere in the sentence), optionally before a word."""
    for c, a, _ in s.tags:
        if c in cats and (clause is None or s.clause[a] == clause) and (
                before is None or a < before):
            return True
    return False


def _gives_reason(s: Sentence, clause: int) -> bool:
    """The clause gives the reason for the one before it ("…, because with neuropathy I
    wouldn't feel a burn"): a warning there speaks for it too."""
    first = s.clause.index(clause) if clause in s.clause else None
    if first is None:
        return False
    if not s.text[:s.spans[first][0]].rstrip(" ,").lower().endswith(("because", "since")):
        return False
    # only a reason that names the harm warned of ("I wouldn't feel a burn"), not a benefit
    # ("…, with goggles, because the light speeds up recovery")
    return any(c == "risk" and s.clause[a] == clause for c, a, _ in s.tags)


# ", and …" / ", plus …" after a claim starts a statement of its own: "Safe for every pet,
# and everyone wears goggles" (the goggles say nothing about the pets' safety)
_AND_CLAUSE = re.compile(r"(?:,|\u2014|\u2013)\s*(?:and|plus)\b", re.IGNORECASE)


def _excused_across(s: Sentence, cats: frozenset[str], end: int, first: int) -> bool:
    """For a claim that may span clauses: an excusing category anywhere, except a
    precaution after the claim with a new coordinated clause between them (or a question
    frame before it, see ``_framed_elsewhere``)."""
    for c, a, b in s.tags:
        if c in cats and (a < end or c != "precaution" or not _AND_CLAUSE.search(
                s.text, s.spans[end - 1][1], s.spans[a][0])) and not _framed_elsewhere(
                s, c, a, b, first):
            return True
    return False


# "Many patients ask whether it is worth trying, and for people with sciatica we suggest six
# visits": the question frames its own clause, not the coordinated one after it.
QUESTION_FRAME = re.compile(r"(?:\w+\s+)?ask(?:s|ed)?\s+(?:us\s+|me\s+)?(?:whether|if)\b", re.IGNORECASE)
# ", and …", ", plus …" or "; …": the next statement of a sentence (checker.py uses it too)
NEXT_STATEMENT = re.compile(r"(?:,|\u2014|\u2013)\s*(?:and|plus)\b|;\s", re.IGNORECASE)


def _framed_elsewhere(s: Sentence, cat: str, a: int, b: int, first: int) -> bool:
    """A hedge or correction cue (tag a..b) inside a question frame ("ask whether …") before
    the claim's first word, with a new statement between them."""
    if cat not in ("hedge_research", "correction") or b > first:
        return False
    at = s.spans[a][0]
    return any(m.start() <= at < m.end() for m in QUESTION_FRAME.finditer(s.text)) and (
        NEXT_STATEMENT.search(s.text, s.spans[b - 1][1], s.spans[first][0]) is not None)


def _clause_excuses(s: Sentence, cats: frozenset[str], clause: int, first: int) -> bool:
    """An excusing category in the claim's clause (question frames only up to a new
    statement)."""
    return any(c in cats and s.clause[a] == clause and not _framed_elsewhere(s, c, a, b, first)
               for c, a, b in s.tags)


def match_families(s: Sentence, kind: str | None, regulatory: str,
                   families: tuple[Family, ...] | None = None) -> Iterator[Hit]:
    """Every family match in one tagged sentence (clause context applied)."""
    families = load_families() if families is None else families
    present = s.cats()
    for fam in families:
        if not fam.applies(kind, regulatory):
            continue
        if not (fam.parts[0] & present) or (len(fam.parts) > 1 and not fam.parts[1] & present):
            continue
        for a0, a1, b0, b1 in _pairs(s, fam):
            if fam.ignore and tuple(s.stems[b0:b1]) in fam.ignore:
                continue
            if fam.ignore_cues and tuple(s.stems[a0:a1]) in fam.ignore_cues:
                continue
            if fam.ignore_pairs and (tuple(s.stems[a0:a1]), tuple(s.stems[b0:b1])) in (
                    fam.ignore_pairs):
                continue
            if fam.ignore_cats and _overlaps(s, fam.ignore_cats, b0, b1):
                continue
            if fam.unless_preceded_by and b0 > 0 and s.stems[b0 - 1] in fam.unless_preceded_by:
                continue
            if fam.ignore_followed_by and b1 < len(s.stems) and (
                    s.stems[b1] in fam.ignore_followed_by):
                continue
            if fam.ignore_cue_followed_by and a1 < len(s.stems) and (
                    s.stems[a1] in fam.ignore_cue_followed_by):
                continue
            if fam.unless_after and _between(s, fam.unless_after, max(a1, b1),
                                             max(a1, b1) + 3):
                continue
            clause = None if fam.cross_clause else s.clause[a0]
            first = min(a0, b0)
            if fam.unless and (_clause_excuses(s, fam.unless, clause, first) if clause is not None
                               else _excused_across(s, fam.unless, max(a1, b1), first)):
                continue
            if fam.unless and clause and _gives_reason(s, clause) and _clause_has(
                    s, fam.unless, clause - 1):
                continue  # "told me not to put it on my feet, because with neuropathy I …"
            if fam.unless_sentence and any(
                    c in fam.unless_sentence and x >= max(a1, b1) for c, x, _ in s.tags):
                continue  # disowned after the claim: "… cures acne; the evidence doesn't
                # support that" (a cue before it, "won't cure X, but relieves Y", is no excuse)
            if fam.unless_before and _clause_has(s, fam.unless_before, clause, before=first):
                continue
            if fam.blockers and _between(s, fam.blockers, min(a1, b1), max(a0, b0)):
                continue
            if fam.negatable and (_negated(s, s.clause[first], first)
                                  or (a0 > b0 and _negated_cue(s, a0))
                                  or _negated_target(s, a1 if b0 >= a1 else -1, b0, b1)
                                  # the condition is the first part, after the effect: "… a calm
                                  # routine, not a treatment for depression"
                                  or (a0 >= b1 and fam.parts[0] & _TARGETS
                                      and _negated_target(s, b1, a0, a1))):
                continue
            is_serious = _has_at(s, "serious", b0, b1)
            strong = _has_at(s, "effect_strong", a0, a1)
            rule = fam.rule
            if is_serious and fam.serious_rule:
                rule = fam.serious_rule
            elif regulatory == "wellness" and fam.wellness_rule:
                rule = fam.wellness_rule
            last = max(a1, b1) - 1
            # Qualifiers before the condition belong to the claim ("eases chronic
            # lower back pain"); the verb does not.
            t0 = b0
            lo = a1 if b0 >= a1 else 0
            while t0 > lo and (s.stems[t0 - 1] in QUALIFIERS
                               or _has_at(s, "body_part", t0 - 1, t0)):
                t0 -= 1
            target = s.words(t0, b1)
            yield Hit(fam, rule, s.spans[first][0], s.spans[last][1], target, is_serious,
                      strong)
            break


def _has_at(s: Sentence, cat: str, a: int, b: int) -> bool:
    return any(c == cat and a <= x < b for c, x, _ in s.tags)


def _overlaps(s: Sentence, cats: frozenset[str], a: int, b: int) -> bool:
    return any(c in cats and x < b and y > a for c, x, y in s.tags)


def _between(s: Sentence, cats: frozenset[str], a: int, b: int) -> bool:
    return any(c in cats and a <= x < b for c, x, _ in s.tags)


def _pairs(s: Sentence, fam: Family) -> Iterator[tuple[int, int, int, int]]:
    firsts = _occurrences(s, fam.parts[0])
    if len(fam.parts) == 1:
        for a0, a1 in firsts:
            yield a0, a1, a0, a1
        return
    seconds = _occurrences(s, fam.parts[1])
    if fam.nearest:  # the closest pairing first: "cures X and heals <serious>" pairs "heals"
        for a0, a1 in firsts:
            ordered = sorted(seconds, key=lambda b: min(abs(b[0] - a1), abs(a0 - b[1])))
            yield from _pairs_of(s, fam, [(a0, a1)], ordered)
        return
    yield from _pairs_of(s, fam, firsts, seconds)


def _pairs_of(s: Sentence, fam: Family, firsts, seconds) -> Iterator[tuple[int, int, int, int]]:
    for a0, a1 in firsts:
        for b0, b1 in seconds:
            if s.clause[a0] != s.clause[b0] and not fam.cross_clause:
                continue
            if fam.beyond >= 0 and s.clause[a0] == s.clause[b0] and (
                    max(b0 - a1, a0 - b1) <= fam.beyond):
                continue  # close pairs in one clause belong to another family
            if b0 >= a1 and b0 - a1 <= fam.window:
                yield a0, a1, b0, b1
            elif a0 <= b0 and b1 <= a1 and (a0, a1) != (b0, b1):
                # the second part inside the first: "takes the swelling out"
                yield a0, a1, b0, b1
            elif fam.any_order and a0 >= b1 and a0 - b1 <= fam.window:
                yield a0, a1, b0, b1


QUALIFIERS = frozenset(word_stem(w) for w in (
    "chronic acute severe minor mild moderate temporary temporarily occasional persistent "
    "nagging debilitating stubborn deep sharp dull lingering everyday daily local localized "
    "sore achy aching stiff tight tired swollen inflamed painful damaged injured old bad low "
    "lower upper and or of in your the my their from all any every post workout "
    "exercise induced long term arthritic").split())
_NEG = frozenset({"not", "no", "never", "n't", "without", "cannot", "nor", "neither"})
# "studies show this panel eases back pain": a milder effect said to be proven counts too
# once the thing sold is named before it
_PROVEN_EFFECTS = frozenset({"effect_soft", "effect_boost", "function_claim", "safe"})


def _verb_after_topic(stems, i: int, verbs) -> bool:
    """'A new study on diabetic neuropathy shows …': the proof verb after the study's topic
    (of / on / in and up to four words), with no negation before it."""
    if i >= len(stems) or stems[i] not in ("of", "on", "in", "into"):
        return False
    for k in range(i + 1, min(i + 6, len(stems))):
        if stems[k] in _NEG or stems[k].endswith("n't"):
            return False
        if k in verbs:
            return True
    return False


_PROOF_NOUNS = frozenset({"study", "research", "trial", "review", "paper", "scienc", "evidenc", "data"})
_DEVICE_STEMS = frozenset({"this", "our", "panel", "belt", "wrap", "pad", "mask", "handheld", "wand",
                           "lamp", "devic", "unit", "bed", "cap", "helmet"})
_VOID = frozenset({"only", "just", "merely", "simply", "let", "settl", "suffer", "wait"})
# "not going to lie", "not gonna lie", "not to brag", "not kidding": an aside, no negation
# "Not a bit, the whole session is painless" / "Not at all: …": a standalone answer, which
# negates nothing after it
_VOID_AFTER = re.compile(r"\W+(?:going\s+to\s+lie|gonna\s+lie|to\s+brag|kidding|exaggerating"
                         r"|joking|(?:(?:a|one)\s+(?:little\s+)?bit|at\s+all|really|in\s+the\s+least)\s*[,;:!\u2014\u2013])",
                         re.IGNORECASE)


def _negated(s: Sentence, clause: int, before: int) -> bool:
    """A negation earlier in the clause ("does not treat …", "did nothing for …"), not
    "not only"."""
    if any(c == "negation" and b <= before and s.clause[a] == clause for c, a, b in s.tags):
        return True
    for i in range(before - 1, -1, -1):
        if s.clause[i] != clause:
            break
        w = s.stems[i]
        if w in _NEG or w.endswith("n't"):
            nxt = s.stems[i + 1] if i + 1 < len(s.stems) else ""
            if nxt in _VOID or _VOID_AFTER.match(s.text, s.spans[i][1]):
                return False
            return True
    return False


def _negated_cue(s: Sentence, a0: int) -> bool:
    """A negation right before a cue that follows its object: "a rehab plan and never a
    substitute for …", "the pills, not a replacement"."""
    i = a0 - 1
    while i >= 0 and s.stems[i] in ("a", "an", "the") and s.clause[i] == s.clause[a0]:
        i -= 1
    return i >= 0 and s.clause[i] == s.clause[a0] and (
        s.stems[i] in _NEG or s.stems[i].endswith("n't"))


_FILLER = frozenset({"a", "an", "the", "any", "actual", "real", "your", "some"})
_TARGETS = frozenset({"minor", "moderate", "serious", "condition_generic", "body_function"})
_FILLER_AS = _FILLER | {"as"}
_REMEDY = frozenset({"treatment", "cure", "remedy", "therapy", "fix", "solution", "answer"})
_NOTHING = word_stem("nothing")


def _negated_target(s: Sentence, a1: int, b0: int, b1: int) -> bool:
    """A contrast that negates the object, not the verb: "designed for relaxation, not pain
    relief", "for evening routines rather than pain relief of any kind"."""
    if any(c == "negation" and a1 < a < b1 and b > b0 for c, a, b in s.tags):
        return True
    # from the start of the longest target holding this one ("dysplasia" in "hip dysplasia")
    b0 = min([a for c, a, b in s.tags if c in _TARGETS and a1 <= a <= b0 < b], default=b0)
    i = b0 - 1
    while i > a1 and s.stems[i] in _FILLER:
        i -= 1
    # "— not for sciatica or a herniated disc": back over the list to its first item
    while i > a1:
        if s.stems[i] in ("or", "and", "nor"):
            ends = [a for c, a, b in s.tags if c in _TARGETS and b == i and a > a1]
        else:  # "wounds, neuropathy or …": the item before a comma
            ends = [a for c, a, b in s.tags if c in _TARGETS and b == i + 1 and a > a1
                    and "," in s.text[s.spans[i][1]:s.spans[i + 1][0]]]
        if not ends:
            break
        i = min(ends) - 1
        while i > a1 and s.stems[i] in _FILLER:
            i -= 1
    if i > a1 + 1 and s.stems[i] == "as" and s.stems[i - 1] in ("not", "never"):
        i -= 1  # "…, not as a surgical recovery aid"
    # "…; it does not cover wounds, neuropathy or post-surgical care"
    if any(c == "negation" and a1 < a and b == i + 1 for c, a, b in s.tags):
        return True
    # "…, not as a treatment for depression": the remedy word and its "for" are denied too
    if i > a1 + 1 and s.stems[i] == "for" and s.stems[i - 1] in _REMEDY:
        i -= 2
        while i > a1 and s.stems[i] in _FILLER_AS:
            i -= 1
    elif i > a1 + 1 and (s.stems[i], s.stems[i - 1]) in (
            ("for", "not"), ("for", "never"), ("about", _NOTHING), ("of", "no")):
        i -= 1  # "cleared for minor low back pain — not for sciatica", "— nothing about sciatica"
    if i <= max(a1, 0) or s.stems[i] not in ("not", "never", _NOTHING, "no") or (
            s.clause[i] != s.clause[b0]):
        return False
    gap = s.text[s.spans[i - 1][1]:s.spans[i][0]]
    return any(p in gap for p in (",", ";", "\u2014", "\u2013", " - "))


def sentence_cues(text: str | Sentence) -> tuple[str, ...]:
    """Category names present in a sentence, plus clause-level pairs (model features)."""
    s = analyse(text) if isinstance(text, str) else text
    cats = sorted(s.cats())
    by_clause: dict[int, set[str]] = {}
    for c, a, _ in s.tags:
        by_clause.setdefault(s.clause[a], set()).add(c)
    pairs = set()
    for group in by_clause.values():
        g = sorted(group)
        pairs.update(f"{x}+{y}" for i, x in enumerate(g) for y in g[i + 1:])
    return tuple(cats) + tuple(sorted(pairs))
