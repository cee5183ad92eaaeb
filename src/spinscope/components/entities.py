"""People, organisations, places and groups, merged per article under one canonical name.

spaCy's small English model finds most names but labels many of them wrongly and never
links "Zelensky" to "Volodymyr Zelensky". This module cleans each mention (titles,
possessives, brackets), clusters mentions that name the same thing (surname to full name,
acronym to long form, spelling variants of places), votes a label per cluster, and
overrides the vote where the article itself shows the truth: a quoted speaker referred to
as "he"/"she" or by a person's role is a person; a recognised news outlet is an
organisation. :class:`NameIndex` is shared with the quote finder so both agree on names.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from spinscope.components.nlp import SPACY_LANGUAGES, spacy_doc
from spinscope.document import Document, Span

#: spaCy entity labels we keep, mapped to ours; dates, numbers, works of art are dropped.
LABEL_MAP = {
    "PERSON": "PERSON",
    "ORG": "ORG",
    "GPE": "GPE",
    "LOC": "LOC",
    "FAC": "LOC",
    "NORP": "NORP",
}

#: Words that precede a person's name as a title or role ("Filmmaker Igor Lopatonok",
#: "Economy Minister Pieter Bakker"); stripped from the canonical name, kept as role words.
# fmt: off
TITLE_WORDS = frozenset(
    [
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord",
        "lady", "rev", "reverend", "fr", "father", "sister", "president", "vice", "prime",
        "minister", "secretary", "chancellor", "premier", "governor", "mayor", "senator",
        "sen", "rep", "representative", "congressman", "congresswoman", "deputy", "speaker",
        "chairman", "chairwoman", "chair", "chief", "executive", "ceo", "cfo", "coo", "cto",
        "director", "general", "gen", "lt", "col", "colonel", "major", "maj", "captain",
        "capt", "commander", "admiral", "sergeant", "sgt", "officer", "lieutenant", "marshal",
        "judge", "justice", "attorney", "prosecutor", "ambassador", "envoy", "spokesman",
        "spokeswoman", "spokesperson", "king", "queen", "prince", "princess", "emperor",
        "pope", "cardinal", "bishop", "archbishop", "imam", "rabbi", "sheikh", "ayatollah",
        "filmmaker", "director", "producer", "actor", "actress", "singer", "rapper", "author",
        "writer", "novelist", "poet", "journalist", "reporter", "editor", "columnist",
        "historian", "economist", "analyst", "professor", "lecturer", "researcher",
        "scientist", "doctor", "surgeon", "nurse", "coach", "manager", "striker", "midfielder",
        "defender", "goalkeeper", "player", "captain", "founder", "owner", "investor",
        "entrepreneur", "banker", "lawyer", "barrister", "solicitor", "activist", "campaigner",
        "commentator", "blogger", "presenter", "host", "anchor", "diplomat", "negotiator",
        "adviser", "advisor", "aide", "official", "commissioner", "inspector",
        "superintendent", "constable", "detective", "sheriff", "trooper", "minister-president",
        "commander-in-chief", "head", "leader", "co-founder", "chairperson", "councillor",
        "councilor", "alderman", "mp", "mep", "substitute", "winger", "forward", "skipper",
        "veteran", "rookie", "candidate", "nominee", "cllr", "pastor", "chef", "designer",
        "architect", "artist", "photographer", "musician", "composer", "comedian",
    ]
)
# fmt: on

#: Nouns naming an institution rather than a person ("the ministry said", "streaming
#: service Lumen").
# fmt: off
ORG_NOUNS = frozenset(
    [
        "alliance", "ministry", "government", "company", "firm", "agency", "organisation",
        "organization", "bloc", "union", "party", "group", "council", "committee", "court",
        "bank", "department", "office", "administration", "embassy", "commission", "army",
        "military", "police", "authority", "authorities", "board", "club", "team",
        "university", "institute", "association", "federation", "league", "network", "service",
        "channel", "newspaper", "paper", "broadcaster", "regulator", "watchdog", "charity",
        "foundation", "coalition", "movement", "parliament", "senate", "congress", "cabinet",
        "state", "city", "county", "municipality", "chipmaker", "carmaker", "airline",
        "retailer", "insurer", "lender", "startup", "manufacturer", "operator", "supplier",
        "platform", "website", "outlet", "studio", "publisher", "body", "unit", "force",
        "forces", "navy", "guard", "prosecutor's", "ministry's", "secretariat", "consortium",
        "conglomerate", "group's", "operators", "employers",
    ]
)
# fmt: on
#: Lowercase connectors that may sit inside a name ("Henk de Vries", "Bank of England").
# fmt: off
NAME_PARTICLES = frozenset([
    "de", "da", "di", "del", "della", "der", "den", "van", "von", "du", "la", "le", "bin",
    "al", "of", "the", "and", "y",
])
# fmt: on

#: Spelling variants of place names; the value is the canonical spelling.
PLACE_VARIANTS = {
    "kiev": "Kyiv",
    "kyiv": "Kyiv",
    "kharkov": "Kharkiv",
    "kharkiv": "Kharkiv",
    "odessa": "Odesa",
    "odesa": "Odesa",
    "lvov": "Lviv",
    "lviv": "Lviv",
    "nikolaev": "Mykolaiv",
    "mykolaiv": "Mykolaiv",
    "zaporozhye": "Zaporizhzhia",
    "zaporizhzhia": "Zaporizhzhia",
    "lugansk": "Luhansk",
    "luhansk": "Luhansk",
    "chernobyl": "Chornobyl",
    "chornobyl": "Chornobyl",
    "peking": "Beijing",
    "beijing": "Beijing",
    "bombay": "Mumbai",
    "mumbai": "Mumbai",
    "calcutta": "Kolkata",
    "kolkata": "Kolkata",
    "madras": "Chennai",
    "chennai": "Chennai",
    "burma": "Myanmar",
    "myanmar": "Myanmar",
    "rangoon": "Yangon",
    "yangon": "Yangon",
    "ivory coast": "Côte d'Ivoire",
    "cote d'ivoire": "Côte d'Ivoire",
    "côte d'ivoire": "Côte d'Ivoire",
    "turkey": "Türkiye",
    "turkiye": "Türkiye",
    "türkiye": "Türkiye",
    "swaziland": "Eswatini",
    "eswatini": "Eswatini",
    "czech republic": "Czechia",
    "czechia": "Czechia",
    "holland": "Netherlands",
    "netherlands": "Netherlands",
    "the netherlands": "Netherlands",
    "us": "United States",
    "usa": "United States",
    "u.s.": "United States",
    "u.s.a.": "United States",
    "united states": "United States",
    "united states of america": "United States",
    "america": "United States",
    "uk": "United Kingdom",
    "u.k.": "United Kingdom",
    "britain": "United Kingdom",
    "great britain": "United Kingdom",
    "united kingdom": "United Kingdom",
    "russian federation": "Russia",
    "russia": "Russia",
    "uae": "United Arab Emirates",
    "united arab emirates": "United Arab Emirates",
}

_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_BRACKETS = re.compile(r"[\[\]()]")
_SPACES = re.compile(r"\s+")
_LEADING_THE = re.compile(r"^(?:the)\s+", re.IGNORECASE)


def clean_name(text: str, label: str | None = None) -> str:
    """The bare name in a mention: no brackets, possessive, leading "the" or (for people
    and unknowns) leading titles; empty if nothing name-like is left."""
    name = _SPACES.sub(" ", _BRACKETS.sub(" ", text)).strip(" ,;:-–—\"“”‘’'")
    name = _POSSESSIVE.sub("", name).strip()
    name = _LEADING_THE.sub("", name)
    if label in (None, "PERSON"):
        name = strip_titles(name)
    return name if any(c.isupper() for c in name[:1]) or name[:1].isdigit() else ""


def strip_titles(name: str) -> str:
    """Drop everything up to the last title or role word before the name proper
    ("Ukrainian President Volodymyr Zelensky" -> "Volodymyr Zelensky")."""
    words = name.split()
    cut = max((i + 1 for i, w in enumerate(words[:-1]) if is_title_word(w)), default=0)
    return " ".join(words[cut:])


#: Endings of occupation nouns no list can hold ("climatologist", "statistician").
_ROLE_ENDINGS = ("ologist", "ist", "ician", "maker", "grapher", "eer")


def is_title_word(word: str) -> bool:
    """A title or role word such as "President", "Dr.", "filmmaker" or "climatologist"."""
    folded = word.casefold().rstrip(".")
    return folded in TITLE_WORDS or (len(folded) >= 7 and folded.endswith(_ROLE_ENDINGS))


def name_key(name: str) -> str:
    """Case-, dot- and apostrophe-insensitive key; spelling variants of places collapse."""
    folded = _SPACES.sub(" ", name.casefold().replace("’", "'")).strip()
    if folded in PLACE_VARIANTS:
        return PLACE_VARIANTS[folded].casefold()
    return folded.replace(".", "").replace("'", "")


def initials(name: str) -> str:
    """Initials of the capitalised words ("North Atlantic Treaty Organization" -> "NATO")."""
    return "".join(w[0] for w in name.split() if w[:1].isupper())


def is_acronym(name: str) -> bool:
    bare = name.replace(".", "")
    return 2 <= len(bare) <= 8 and bare.isupper() and bare.isalpha()


@dataclass
class Mention:
    """One occurrence of a name: offsets into the text, cleaned name and model label."""

    start: int
    end: int
    name: str
    label: str
    #: Lowercase role words around the mention ("filmmaker", "union", "spokesman").
    roles: frozenset[str] = frozenset()
    #: The subset bound tightly to the name (modifier, apposition).
    close: frozenset[str] = frozenset()
    subject: bool = False
    #: What the words right before the name say it is: "PERSON" ("filmmaker X"),
    #: "ORG" ("streaming service X") or None.
    evidence: str | None = None


@dataclass
class Cluster:
    """All mentions of one person, organisation, place or group in an article."""

    id: str
    label: str
    canonical: str
    mentions: list[Mention] = field(default_factory=list)

    @property
    def aliases(self) -> list[str]:
        return sorted({m.name for m in self.mentions} - {self.canonical})

    @property
    def roles(self) -> set[str]:
        return set().union(*(m.roles for m in self.mentions)) if self.mentions else set()

    @property
    def close_roles(self) -> set[str]:
        return set().union(*(m.close for m in self.mentions)) if self.mentions else set()


# --------------------------------------------------------------------------- mentions


def ner_mentions(parsed) -> list[Mention]:
    """Name mentions from spaCy's NER, trimmed to the name itself and cleaned."""
    mentions = []
    for ent in parsed.ents:
        label = LABEL_MAP.get(ent.label_)
        if label is None:
            continue
        mention = _mention_from_tokens(parsed, ent.start, ent.end, label)
        if mention is not None:
            mentions.append(mention)
    return mentions


def all_mentions(parsed) -> list[Mention]:
    """NER mentions plus role-typed proper nouns NER missed; computed once per parse (the
    quote finder and the entity linker both ask) and kept in the spaCy Doc's user data."""
    cached = parsed.user_data.get("spinscope_mentions")
    if cached is None:
        mentions = ner_mentions(parsed)
        cached = parsed.user_data["spinscope_mentions"] = tuple(
            mentions + role_named_mentions(parsed, mentions)
        )
    return list(cached)


def _mention_from_tokens(parsed, start: int, end: int, label: str) -> Mention | None:
    """Trim leading determiners/titles and trailing possessives off a token range, after
    taking in first names the model left out ("Ana [Lucía Ferreira]")."""
    while start > 0 and _first_name_before(parsed[start - 1], start, end):
        start -= 1
    if label == "PERSON":
        start = max(
            [start] + [i + 1 for i in range(start, end - 1) if is_title_word(parsed[i].text)]
        )
    while start < end and parsed[start].lower_ == "the":
        start += 1
    while end > start and (parsed[end - 1].tag_ == "POS" or parsed[end - 1].is_punct):
        end -= 1
    if start >= end:
        return None
    span = parsed[start:end]
    dateline = _is_dateline(parsed, start, end)
    name = clean_name(span.text.title() if dateline else span.text, label)
    if not name or (label == "PERSON" and any(c.isdigit() for c in name)):
        return None
    if label != "NORP" and name.casefold() in {"n't", "n’t"}:
        return None
    head = span.root
    return Mention(
        span.start_char,
        span.end_char,
        name,
        label,
        roles=frozenset(role_words(parsed, start, end)),
        close=frozenset(close_roles(parsed, start, end)),
        subject=head.dep_ in ("nsubj", "nsubjpass") and head.head.pos_ in ("VERB", "AUX"),
        evidence="GPE" if dateline else kind_evidence(parsed, start, end),
    )


def _first_name_before(tok, start: int, end: int) -> bool:
    return (
        tok.tag_ == "NNP"
        and tok.dep_ == "compound"
        and start <= tok.head.i < end
        and not _is_role_noun(tok)
        and tok.text[:1].isupper()
    )


def _is_dateline(parsed, start: int, end: int) -> bool:
    """``ROTTERDAM, March 4 -`` / ``GENEVA —``: a capitalised place opening a paragraph."""
    text = parsed[start:end].text
    opens = start == 0 or "\n" in parsed[start - 1].whitespace_ + parsed[start - 1].text
    follows = parsed[end].text if end < len(parsed) else ""
    return opens and text.isupper() and len(text) > 2 and follows in (",", "—", "–", "-", "(")


def kind_evidence(parsed, start: int, end: int) -> str | None:
    """ "PERSON" or "ORG" when a role noun stands right before the name as its modifier
    ("filmmaker Igor Lopatonok", "consumer group FairPlay"), else None."""
    for tok in reversed(_modifiers(parsed, start, end)):
        if tok.lower_ in ORG_NOUNS:
            return "ORG"
        if is_title_word(tok.text):
            return "PERSON"
    return None


def _modifiers(parsed, start: int, end: int) -> list:
    """Compound nouns right before (or at the start of) a name that modify it."""
    found = []
    for tok in parsed[max(0, start - 3) : end - 1]:
        if tok.dep_ == "compound" and start - 3 <= tok.head.i < end and tok.head.i > tok.i:
            found.append(tok)
    return found


def close_roles(parsed, start: int, end: int) -> set[str]:
    """Role nouns bound tightly to a name: its modifiers and appositions ("union
    Havenbond", "Marieke Jansen, the group's director"), not deeper phrases."""
    words = {
        t.lower_ for t in _modifiers(parsed, start, end) if _is_role_noun(t) or t.pos_ == "NOUN"
    }
    head = parsed[start:end].root
    apposed = [c for c in head.children if c.dep_ == "appos"]
    if head.dep_ == "appos":
        apposed.append(head.head)
    for tok in apposed:
        if tok.pos_ == "NOUN" or _is_role_noun(tok):
            words.add(tok.lower_)
    return words


def role_named_mentions(parsed, taken: list[Mention]) -> list[Mention]:
    """Proper nouns NER missed but the article types with a role noun before them
    ("the dockers' union Havenbond", "coach Karen Doyle")."""
    covered = [(m.start, m.end) for m in taken]
    found = []
    for tok in parsed:
        if tok.tag_ not in ("NNP", "NNPS") or tok.dep_ == "compound" or tok.ent_type_:
            continue
        lo = tok.i
        while (
            lo > 0 and parsed[lo - 1].tag_ in ("NNP", "NNPS") and parsed[lo - 1].dep_ == "compound"
        ):
            if _is_role_noun(parsed[lo - 1]):
                break
            lo -= 1
        if lo == 0 or any(s < tok.idx + len(tok) and parsed[lo].idx < e for s, e in covered):
            continue
        before = parsed[lo - 1]
        if before.dep_ != "compound" or before.head.i != tok.i:
            continue
        label = (
            "ORG"
            if before.lower_ in ORG_NOUNS
            else "PERSON"
            if is_title_word(before.text)
            else None
        )
        mention = _mention_from_tokens(parsed, lo, tok.i + 1, label) if label else None
        if mention is not None:
            found.append(mention)
    return found


def role_words(parsed, start: int, end: int) -> set[str]:
    """Role nouns the article attaches to a name: titles, and the common nouns of its
    noun phrase outside relative clauses ("Marieke Jansen, the group's director",
    "Dr. Amara Nwosu, an epidemiologist ... and the study's lead author")."""
    head = noun_phrase_head(parsed[start:end].root)
    sent = head.sent  # once: ``Token.sent`` scans for the sentence start on every call
    words = set()
    for tok in head.subtree:
        if not sent.start <= tok.i < sent.end or _below_clause(tok, head):
            continue
        if tok.pos_ == "NOUN" or _is_role_noun(tok):
            words.add(tok.lower_)
    return {w for w in words if w.isalpha() or "-" in w}


def _is_role_noun(tok) -> bool:
    return tok.lower_ in ORG_NOUNS or is_title_word(tok.text)


def noun_phrase_head(tok):
    """Climb from a name to the noun phrase it heads or is apposed to ("the group's
    director, Marieke Jansen"); not into phrases it merely modifies ("NATO members")."""
    while tok.head.i != tok.i and (
        (tok.dep_ == "appos" and tok.head.pos_ in ("NOUN", "PROPN"))
        or (tok.dep_ in ("compound", "flat") and tok.head.pos_ == "PROPN")
    ):
        tok = tok.head
    return tok


def _below_clause(tok, top) -> bool:
    while tok.i != top.i and tok.head.i != tok.i:
        if tok.dep_ in ("relcl", "acl", "advcl", "ccomp", "xcomp"):
            return True
        tok = tok.head
    return False


# --------------------------------------------------------------------------- clustering


class NameIndex:
    """Clusters of name mentions for one article, and canonical names looked up in them."""

    def __init__(self, mentions: list[Mention], person_hints: dict[str, str] | None = None):
        self.clusters = cluster_mentions(mentions, person_hints or {})
        self._by_key: dict[str, Cluster] = {}
        for cluster in self.clusters:
            for mention in cluster.mentions:
                self._by_key.setdefault(name_key(mention.name), cluster)

    @classmethod
    def from_parsed(cls, parsed, person_hints: dict[str, str] | None = None) -> NameIndex:
        return cls(all_mentions(parsed), person_hints)

    def find(self, name: str) -> Cluster | None:
        """The cluster a (cleaned) name belongs to, by key, surname or acronym."""
        key = name_key(name)
        if key in self._by_key:
            return self._by_key[key]
        return _match_cluster(name, self.clusters)

    def canonical(self, name: str) -> str:
        cluster = self.find(name)
        return cluster.canonical if cluster else name

    def label(self, name: str) -> str | None:
        cluster = self.find(name)
        return cluster.label if cluster else None


def cluster_mentions(mentions: list[Mention], hints: dict[str, str]) -> list[Cluster]:
    """Group mentions by key, then fold surnames and acronyms into their full forms."""
    groups: dict[str, list[Mention]] = {}
    for mention in sorted(mentions, key=lambda m: m.start):
        groups.setdefault(name_key(mention.name), []).append(mention)
    clusters = [_new_cluster(ms, hints) for ms in groups.values()]
    clusters = _fold_short_names(clusters, hints)
    for i, cluster in enumerate(sorted(clusters, key=lambda c: c.mentions[0].start), start=1):
        cluster.id = f"E{i}"
    return sorted(clusters, key=lambda c: c.mentions[0].start)


def _new_cluster(mentions: list[Mention], hints: dict[str, str]) -> Cluster:
    cluster = Cluster("", "", "", list(mentions))
    _settle(cluster, hints)
    return cluster


def _settle(cluster: Cluster, hints: dict[str, str]) -> None:
    """Vote the label and choose the canonical name of a cluster."""
    cluster.label = _vote_label(cluster.mentions, hints)
    cluster.canonical = _choose_canonical(cluster.mentions, cluster.label)


def _vote_label(mentions: list[Mention], hints: dict[str, str]) -> str:
    """Article evidence first (hints), then known places, then the majority label."""
    for mention in mentions:
        hint = hints.get(name_key(mention.name))
        if hint:
            return hint
    evidence = {m.evidence for m in mentions} - {None}
    if len(evidence) == 1:
        return evidence.pop()
    if any(m.name.casefold() in PLACE_VARIANTS for m in mentions):
        return "GPE"
    if any(m.label == "PERSON" and len(m.name.split()) > 1 for m in mentions):
        return "PERSON"
    votes = Counter(m.label for m in mentions)
    return max(votes, key=lambda label: (votes[label], label == "PERSON"))


def _choose_canonical(mentions: list[Mention], label: str) -> str:
    """People: the fullest name. Places: the modern spelling. Others: the usual form."""
    names = [m.name for m in mentions]
    if label == "PERSON":
        return max(names, key=lambda n: (len(n.split()), len(n), -names.index(n)))
    variant = PLACE_VARIANTS.get(names[0].casefold())
    if variant:
        return variant
    counts = Counter(names)
    return max(counts, key=lambda n: (counts[n], len(n), -names.index(n)))


def _fold_short_names(clusters: list[Cluster], hints: dict[str, str]) -> list[Cluster]:
    """Merge one-word clusters into a longer one they abbreviate (surname, acronym)."""
    kept: list[Cluster] = []
    for cluster in sorted(clusters, key=lambda c: -max(len(m.name.split()) for m in c.mentions)):
        target = None
        if cluster.label != "NORP" or len(cluster.mentions[0].name.split()) == 1:
            target = _match_cluster(cluster.mentions[0].name, kept)
        if target is None:
            kept.append(cluster)
            continue
        target.mentions.extend(cluster.mentions)
        target.mentions.sort(key=lambda m: m.start)
        _settle(target, hints)
    return kept


def _match_cluster(name: str, clusters: list[Cluster]) -> Cluster | None:
    """A multi-word cluster that ``name`` abbreviates: a person's surname (or the last
    words of the name) or an organisation's/place's acronym."""
    words = name.split()
    candidates = []
    for cluster in clusters:
        for full in {m.name for m in cluster.mentions}:
            full_words = full.split()
            if len(full_words) <= len(words):
                continue
            if (
                _person_like(cluster)
                and [w.casefold() for w in full_words[-len(words) :]]
                == [w.casefold() for w in words]
                or is_acronym(name)
                and initials(_without_particles(full)) == name.replace(".", "")
            ):
                candidates.append(cluster)
    if not candidates:
        return None
    counts = Counter(id(c) for c in candidates)
    return max(candidates, key=lambda c: (counts[id(c)], len(c.mentions)))


#: Words that mark a multi-word name as an organisation or place, not a person.
# fmt: off
_NON_PERSON_WORDS = frozenset(
    [
        "group", "bank", "ministry", "university", "college", "school", "company", "corp",
        "corporation", "inc", "ltd", "llc", "council", "party", "union", "agency",
        "association", "institute", "committee", "department", "office", "court", "news",
        "times", "post", "analysis", "capital", "partners", "holdings", "media", "foundation",
        "fund", "club", "united", "city", "fc", "republic", "state", "states", "kingdom",
        "federation", "organization", "organisation", "forces", "army", "navy", "house",
        "street", "road", "river", "sea", "ocean", "mountains", "island", "islands", "county",
        "region", "airlines", "airways", "motors", "energy", "semiconductors", "technologies",
        "systems", "service", "services", "network", "press", "international", "global",
        "world", "national",
    ]
)
# fmt: on


def looks_like_org(name: str) -> bool:
    """A name containing organisation words ("Department", "Group", "Bank")."""
    return any(
        w.casefold() in _NON_PERSON_WORDS or w.casefold() in ORG_NOUNS for w in name.split()[1:]
    )


def _person_like(cluster: Cluster) -> bool:
    """A person cluster, or one the model mislabelled whose longest name reads like a
    person's (2-4 capitalised words, no organisation words)."""
    if cluster.label == "PERSON":
        return True
    if cluster.label not in ("ORG", "NORP", "GPE"):
        return False
    name = max((m.name for m in cluster.mentions), key=len)
    words = name.split()
    return 2 <= len(words) <= 4 and all(
        (w[:1].isupper() or w.casefold() in NAME_PARTICLES)
        and w.casefold() not in _NON_PERSON_WORDS
        and not any(c.isdigit() for c in w)
        for w in words
    )


def _without_particles(name: str) -> str:
    return " ".join(w for w in name.split() if w.casefold() not in NAME_PARTICLES)


# --------------------------------------------------------------------------- component


def speaker_hints(quotes: list[Span]) -> dict[str, str]:
    """Labels the article proves through its quotations: who speaks is a person when the
    finder saw person evidence ("he said", "the filmmaker"), an organisation otherwise."""
    hints: dict[str, str] = {}
    for quote in quotes:
        speaker, kind = quote.attrs.get("speaker"), quote.attrs.get("speaker_type")
        if speaker and kind in ("PERSON", "ORG") and not quote.attrs.get("anonymous"):
            hints.setdefault(name_key(speaker), kind)
            if kind == "PERSON":
                hints.setdefault(name_key(speaker.split()[-1]), kind)
    return hints


def outlet_hints(text: str) -> dict[str, str]:
    """Names of known news outlets found in the text are organisations."""
    try:
        from spinscope.outlets import outlet_names
    except ImportError:  # pragma: no cover - outlets module is optional
        return {}
    return {name_key(n): "ORG" for n in outlet_names() if n in text}


def find_entities(text: str, parsed, quotes: list[Span] | None = None) -> list[Cluster]:
    """Merged entities of an article, with every mention (including ones NER missed)."""
    hints = outlet_hints(text) | speaker_hints(quotes or [])
    mentions = all_mentions(parsed)
    index = NameIndex(mentions, hints)
    _adopt_speakers(index, quotes or [], text)
    taken = [(m.start, m.end) for c in index.clusters for m in c.mentions]
    for cluster in index.clusters:
        _add_missed_mentions(cluster, text, taken)
    return [c for c in index.clusters if c.mentions]


def _adopt_speakers(index: NameIndex, quotes: list[Span], text: str) -> None:
    """Quoted speakers keep the name the quote finder gave them; a named speaker NER
    missed altogether becomes an entity of its own."""
    for quote in quotes:
        speaker = quote.attrs.get("speaker")
        if not speaker or quote.attrs.get("anonymous"):
            continue
        cluster = index.find(speaker)
        if cluster is not None:
            if cluster.label == "PERSON" and len(speaker.split()) >= len(cluster.canonical.split()):
                cluster.canonical = speaker
            continue
        label = quote.attrs.get("speaker_type") or "PERSON"
        found = _search(text, speaker)
        if found:
            new = Cluster(f"E{len(index.clusters) + 1}", label, speaker)
            new.mentions = [Mention(s, e, speaker, label) for s, e in found]
            index.clusters.append(new)


def _add_missed_mentions(cluster: Cluster, text: str, taken: list[tuple[int, int]]) -> None:
    """Occurrences of a cluster's names that NER did not tag (same spelling, whole word).
    ``taken`` holds every mention's offsets so far; the ones added here join it."""
    if cluster.label == "NORP":
        return
    names = {m.name for m in cluster.mentions}
    if cluster.label == "PERSON" and len(cluster.canonical.split()) > 1:
        names.add(cluster.canonical.split()[-1])  # "Alves told reporters" after "Sergio Alves"
    for name in sorted(names, key=len, reverse=True):
        if len(name) < 3:
            continue
        for start, end in _search(text, name):
            if not any(s < end and start < e for s, e in taken):
                cluster.mentions.append(Mention(start, end, name, cluster.label))
                taken.append((start, end))
    cluster.mentions.sort(key=lambda m: m.start)


def _search(text: str, name: str) -> list[tuple[int, int]]:
    """Whole-word occurrences of ``name``, left to right, not overlapping: neither side may
    touch a letter, digit, ``_`` or ``-`` ("Alves" is not found in "Alves-Costa").

    A ``str.find`` loop rather than a regular expression: a pattern per name (dozens an
    article) overflowed ``re``'s cache, and one that opens with a look-behind is scanned
    character by character; the loop is the same search at a fraction of the cost.
    """
    found: list[tuple[int, int]] = []
    if not name:
        return found
    start = text.find(name)
    while start != -1:
        end = start + len(name)
        if not _joins_word(text, start - 1) and not _joins_word(text, end):
            found.append((start, end))
            start = text.find(name, end)
        else:
            start = text.find(name, start + 1)
    return found


def _joins_word(text: str, i: int) -> bool:
    """Whether ``text[i]`` would make a name found beside it part of a longer word."""
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] in "_-")


def entity_spans(clusters: list[Cluster]) -> list[Span]:
    spans = []
    for cluster in clusters:
        for m in cluster.mentions:
            attrs = {"canonical": cluster.canonical, "entity_id": cluster.id}
            spans.append(Span(m.start, m.end, cluster.label, attrs))
    return sorted(spans, key=lambda s: (s.start, s.end))


def entity_summary(clusters: list[Cluster]) -> list[dict[str, Any]]:
    rows = [
        {
            "id": c.id,
            "canonical": c.canonical,
            "label": c.label,
            "mentions": len(c.mentions),
            "aliases": c.aliases,
        }
        for c in clusters
    ]
    return sorted(rows, key=lambda r: (-r["mentions"], r["canonical"]))


class EntityLinker:
    """Adds ``layers["entities"]`` and ``summary["entities"]``; run after quotes."""

    name = "entities"

    def __call__(self, doc: Document) -> None:
        if doc.metadata.get("language") not in SPACY_LANGUAGES:
            doc.layers["entities"] = []
            doc.summary["entities"] = []
            doc.warn("entities: no named-entity model for this language; none found")
            return
        clusters = find_entities(doc.text, spacy_doc(doc), doc.layers.get("quotes"))
        doc.layers["entities"] = entity_spans(clusters)
        doc.summary["entities"] = entity_summary(clusters)
