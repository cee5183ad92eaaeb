"""Quotations, direct and reported, with who said them and how the article introduces them.

Direct quotes come from pairing quote marks per paragraph (every mark style, nesting,
apostrophes, quotes that run over several paragraphs, unbalanced marks); titles of works
and scare quotes are set aside. Reported speech comes from speech verbs with a content
clause ("X said that ...", "..., officials said", "according to X"). Each quote gets a cue
(the speech verb and, when adjacent, its subject) found in the same sentence, else it
continues the previous speaker. Speakers are resolved across the article: pronouns to the
last person in subject position, role nouns ("the judge") to the person the article gave
that role, surnames to full names (via :class:`~spinscope.components.entities.NameIndex`).

The rules are lexical and syntactic only: nothing here knows any outlet, topic or person.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from spinscope.components.entities import (
    LABEL_MAP,
    ORG_NOUNS,
    Mention,
    NameIndex,
    all_mentions,
    clean_name,
    is_title_word,
    kind_evidence,
    looks_like_org,
    noun_phrase_head,
    role_words,
)
from spinscope.components.nlp import SPACY_LANGUAGES, spacy_doc
from spinscope.document import Document, Span
from spinscope.textspans import line_spans

# --------------------------------------------------------------------------- lexicon

# fmt: off
_REPORTING = [
    "say", "tell", "add", "note", "claim", "warn", "state", "explain", "argue", "insist",
    "stress", "emphasise", "emphasize", "assert", "acknowledge", "admit", "announce",
    "declare", "write", "reply", "respond", "conclude", "maintain", "allege", "observe",
    "remark", "comment", "recall", "predict", "vow", "pledge", "promise", "reiterate",
    "confirm", "deny", "concede", "tweet", "post", "quip", "counter", "caution", "complain",
    "boast", "lament", "contend", "testify", "reveal", "disclose", "mention", "proclaim",
    "charge", "agree", "estimate", "ask", "urge",
]
# fmt: on
#: Verbs that introduce direct words but never a reported clause of their own.
_DIRECT_ONLY = ["call", "describe", "continue", "accuse", "dub", "brand", "label"]
#: Verbs whose passive subject is the listener ("he was told"), not the speaker.
_LISTENER = frozenset(["tell", "ask", "urge", "warn"])
_IRREGULAR = {
    "say": ("says", "said", "saying"),
    "tell": ("tells", "told", "telling"),
    "write": ("writes", "wrote", "writing", "written"),
    "admit": ("admits", "admitted", "admitting"),
    "quip": ("quips", "quipped", "quipping"),
    "dub": ("dubs", "dubbed", "dubbing"),
    "label": ("labels", "labelled", "labeled", "labelling", "labeling"),
}


def _forms(base: str) -> tuple[str, ...]:
    """Inflected forms of a regular English verb (enough for the lexicon above)."""
    if base in _IRREGULAR:
        return (base, *_IRREGULAR[base])
    if base.endswith("y") and base[-2] not in "aeiou":
        return base, base[:-1] + "ies", base[:-1] + "ied", base + "ing"
    third = base + ("es" if base.endswith(("s", "sh", "ch", "x", "z", "o")) else "s")
    past = base + ("d" if base.endswith("e") else "ed")
    gerund = (base[:-1] if base.endswith("e") and not base.endswith("ee") else base) + "ing"
    return base, third, past, gerund


_FORM_TO_BASE = {f: b for b in _REPORTING + _DIRECT_ONLY for f in _forms(b)}
_INDIRECT_BASES = frozenset(_REPORTING)

_PRONOUN_GENDER = {"he": "m", "him": "m", "she": "f", "her": "f"}
_GROUP_PRONOUNS = frozenset({"they", "them"})
#: Outside quotation marks these are the writer talking ("I asked the ministry whether").
_WRITER_PRONOUNS = frozenset({"i", "we", "you"})
# fmt: off
_DETERMINERS = frozenset([
    "a", "an", "the", "this", "that", "these", "those", "some", "another", "one", "any",
    "each", "his", "her", "its", "their", "our", "my", "your",
])
# fmt: on
_DEFINITE = frozenset(["the", "this", "that", "these", "those", "his", "her", "its", "their"])

#: Words before a quoted title that make it a name of a work, not someone's words.
# fmt: off
_WORK_NOUNS = [
    "film", "films", "movie", "movies", "documentary", "documentaries", "book", "books",
    "novel", "novels", "memoir", "album", "albums", "song", "songs", "single", "series",
    "show", "shows", "play", "plays", "opera", "poem", "poems", "essay", "article", "report",
    "paper", "study", "podcast", "programme", "program", "episode", "exhibition", "painting",
    "titled", "entitled", "headlined", "named", "called", "dubbed", "hashtag", "slogan",
]
# fmt: on
_WORK_BEFORE = re.compile(
    r"\b(?:" + "|".join(_WORK_NOUNS) + r")\b(?:\s+(?:in|of|from)\s+\d{4})?[,:]?\s*$", re.IGNORECASE
)
# fmt: off
_NAMING_BEFORE = re.compile(r"\b(?:titled|entitled|headlined)[,:]?\s*$", re.IGNORECASE)
_FUNCTION_WORDS = frozenset(
    [
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "but", "nor", "by",
        "with", "from", "as", "is", "are", "was", "be", "into", "over", "under", "vs", "via",
        "de", "la", "le", "du", "des", "der", "die", "das", "von", "van",
    ]
)
# fmt: on
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|Gen|Sen|Rep|Gov|Lt|Col|Capt|Sgt|No|vs|etc|Inc|Ltd|"
    r"Co|Corp|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z]|\b(?:[A-Za-z]\.)+[A-Za-z])$"
)

#: A transcript speaker label at the start of a paragraph: "Q:", "A:", "Solberg:",
#: "INGRID SOLBERG:" (one to four capitalised words).
_SPEAKER_LABEL = re.compile(r"(Q|A|[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*){0,3})\s*:\s+(?=\S)")
_INTERVIEWER_LABELS = frozenset(["Q", "Question", "Interviewer", "QUESTION", "INTERVIEWER"])

# --------------------------------------------------------------------------- quote marks

_FAMILY = {
    **dict.fromkeys('“”„"‟', "double"),
    **dict.fromkeys("«»", "guillemet"),
    **dict.fromkeys("‘’‚'‛", "single"),
    **dict.fromkeys("‹›", "single-guillemet"),
}
_MARKS = frozenset(_FAMILY)
_LEFT_BOUND = frozenset("([{—–-/…") | _MARKS
_RIGHT_BOUND = frozenset(".,;:!?)]}—–-/…") | _MARKS
_CURLY_CLOSERS = frozenset("”“»«›‹")


@dataclass
class _Mark:
    pos: int
    char: str
    family: str
    opens: bool
    closes: bool


@dataclass
class _Quote:
    """A quotation being built: content ranges, marks, cue and speaker."""

    parts: list[list[int]]
    paragraph: int
    kind: str = "direct"
    open_at: int | None = None
    close_at: int | None = None
    family: str = ""
    unbalanced: bool = False
    cue: Any = None  # spaCy Token of the speech verb (or "according")
    subject: Any = None  # spaCy Token of the speaker's head word
    continued: bool = False
    colon: bool = False
    #: Offsets of a transcript speaker label ("Solberg:", "A:") that introduces the answer.
    label: tuple[int, int] | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def start(self) -> int:
        return self.parts[0][0]

    @property
    def end(self) -> int:
        return self.parts[-1][1]

    @property
    def outer(self) -> tuple[int, int]:
        """From the opening mark to just after the closing mark (or the content)."""
        lo = self.open_at if self.open_at is not None else self.start
        hi = self.close_at + 1 if self.close_at is not None else self.end
        return lo, hi


def paragraph_bounds(text: str) -> list[tuple[int, int]]:
    """Non-blank lines: scraped and cleaned articles keep one paragraph per line."""
    return line_spans(text)


def _scan_marks(text: str, lo: int, hi: int) -> list[_Mark]:
    """Quote marks in ``text[lo:hi]`` with what their neighbours allow them to do;
    apostrophes inside words are skipped."""
    marks = []
    for pos in range(lo, hi):
        ch = text[pos]
        if ch not in _MARKS:
            continue
        prev = text[pos - 1] if pos > lo else " "
        nxt = text[pos + 1] if pos + 1 < hi else " "
        family = _FAMILY[ch]
        if family == "single" and prev.isalnum() and (nxt.isalpha() or nxt.isdigit()):
            continue
        left = prev.isspace() or prev in _LEFT_BOUND
        right = nxt.isspace() or nxt in _RIGHT_BOUND
        opens, closes = (left and not right, right and not left)
        if opens == closes:  # both or neither side free: let pairing decide
            opens = closes = True
        marks.append(_Mark(pos, ch, family, opens, closes))
    return marks


def _label_key(label: str) -> str:
    """Labels of one speaker share a key: "MARIA KESSLER" and "Kessler" -> "kessler"."""
    return label.split()[-1].casefold()


def _is_possessive_apostrophe(text: str, mark: _Mark, later: list[_Mark]) -> bool:
    """``players’ union``: a single closer after "s" and before a lowercase word, when
    another single closer follows in the paragraph."""
    after = text[mark.pos + 1 : mark.pos + 3]
    return (
        text[mark.pos - 1 : mark.pos] == "s"
        and after[:1] == " "
        and after[1:2].islower()
        and any(m.family == mark.family and m.closes for m in later)
    )


class _Pairer:
    """Pairs quote marks paragraph by paragraph; only top-level pairs become quotes."""

    def __init__(self, text: str, paragraphs: list[tuple[int, int]]):
        self.text = text
        self.paragraphs = paragraphs
        self.quotes: list[_Quote] = []
        self.carry: _Quote | None = None

    def run(self) -> list[_Quote]:
        for index, (lo, hi) in enumerate(self.paragraphs):
            self._paragraph(index, lo, hi)
        return self.quotes

    def _paragraph(self, index: int, lo: int, hi: int) -> None:
        marks = _scan_marks(self.text, lo, hi)
        stack: list[tuple[_Mark, _Quote | None]] = []
        if self.carry is not None:
            marks = self._resume(marks, lo, stack)
        for i, mark in enumerate(marks):
            self._mark(mark, marks[i + 1 :], stack, index, lo)
        self._end_paragraph(stack, index, hi)

    def _resume(self, marks: list[_Mark], lo: int, stack: list) -> list[_Mark]:
        """A quote carried over from the previous paragraph reopens with this one's mark."""
        quote, self.carry = self.carry, None
        if marks and marks[0].pos == lo and marks[0].family == quote.family and marks[0].opens:
            quote.parts.append([lo + 1, lo + 1])
            stack.append((marks[0], quote))
            return marks[1:]
        quote.unbalanced = True
        return marks

    def _mark(self, mark: _Mark, later: list[_Mark], stack: list, index: int, lo: int) -> None:
        depth = next(
            (d for d in range(len(stack) - 1, -1, -1) if stack[d][0].family == mark.family), None
        )
        if depth is not None and mark.closes:
            if mark.family == "single" and _is_possessive_apostrophe(self.text, mark, later):
                return
            self._close(stack, depth, mark)
        elif mark.opens:
            if mark.family in ("single", "single-guillemet") and not any(
                m.family == mark.family and m.closes for m in later
            ):
                return
            self._open(stack, mark, index)
        elif not stack and mark.char in _CURLY_CLOSERS and not self._quoted_before(index):
            self._orphan_close(mark, index, lo)

    def _open(self, stack: list, mark: _Mark, index: int) -> None:
        quote = None
        if not stack:
            quote = _Quote(
                [[mark.pos + 1, mark.pos + 1]], index, open_at=mark.pos, family=mark.family
            )
            self.quotes.append(quote)
        stack.append((mark, quote))

    def _close(self, stack: list, depth: int, mark: _Mark) -> None:
        _, quote = stack[depth]
        del stack[depth:]
        if quote is not None:
            quote.parts[-1][1] = mark.pos
            quote.close_at = mark.pos

    def _orphan_close(self, mark: _Mark, index: int, lo: int) -> None:
        """A closing mark with no opener: the quote ran from the paragraph's start."""
        quote = _Quote(
            [[lo, mark.pos]], index, close_at=mark.pos, family=mark.family, unbalanced=True
        )
        self.quotes.append(quote)

    def _quoted_before(self, index: int) -> bool:
        return any(q.paragraph == index for q in self.quotes)

    def _end_paragraph(self, stack: list, index: int, hi: int) -> None:
        if not stack or stack[0][1] is None:
            return
        quote = stack[0][1]
        quote.parts[-1][1] = hi
        nxt = self.paragraphs[index + 1][0] if index + 1 < len(self.paragraphs) else None
        if nxt is not None and self.text[nxt] in _MARKS and _FAMILY[self.text[nxt]] == quote.family:
            self.carry = quote
        else:
            quote.unbalanced = True


def _trim_parts(text: str, quote: _Quote) -> None:
    """Content without surrounding spaces or a trailing comma; empty parts dropped."""
    parts = []
    for start, end in quote.parts:
        while start < end and text[start].isspace():
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in ",;"):
            end -= 1
        if end > start:
            parts.append([start, end])
    quote.parts = parts


# --------------------------------------------------------------------------- titles, scare quotes


def _words(content: str) -> list[str]:
    return [w for w in re.split(r"\s+", content.strip()) if any(c.isalnum() for c in w)]


def _is_title_case(content: str) -> bool:
    words = _words(content)
    if len(words) < 2 or content.rstrip()[-1:] in ".,;":
        return False
    caps = [w for w in words if w.casefold() not in _FUNCTION_WORDS or w is words[0]]
    return all(w.lstrip("(‘'\"")[:1].isupper() or w[:1].isdigit() for w in caps)


def _is_work_title(text: str, quote: _Quote) -> bool:
    """Titles of films, books, reports (and other names in quote marks) are not speech."""
    content = text[quote.start : quote.end]
    if _is_title_case(content) and len(_words(content)) <= 10:
        return True
    before = text[max(0, (quote.open_at or quote.start) - 60) : quote.open_at or quote.start]
    if not (_WORK_BEFORE.search(before) and content[:1].isupper() and len(_words(content)) <= 15):
        return False
    if _NAMING_BEFORE.search(before):  # "a paper titled “Endurance flight of ...”"
        return True
    return not _speech_word_in(before.split()[-6:])  # but "told the paper “We ...”" is speech


def _speech_word_in(words: list[str]) -> bool:
    return any(w.strip(",.:;").casefold() in _FORM_TO_BASE for w in words)


def _is_fragment(text: str, quote: _Quote, paragraph_start: int) -> bool:
    """A few words quoted inside a sentence (rather than whole sentences)."""
    content = text[quote.start : quote.end]
    opens_sentence = (quote.open_at or quote.start) == paragraph_start or bool(
        re.search(r"[.!?:]\s*$", text[max(0, (quote.open_at or quote.start) - 3) : quote.open_at])
    )
    return not opens_sentence and content[:1].islower() and content[-1:] not in ".!?"


# --------------------------------------------------------------------------- tokens and cues


def _base(tok) -> str | None:
    return _FORM_TO_BASE.get(tok.lower_)


def _is_cue_verb(tok) -> bool:
    """A speech verb used as an actual report: not a noun, not "to tell", not "would
    not say", not a passive listener ("asked whether", "was told")."""
    if tok.lower_ == "according":
        return tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].lower_ == "to"
    base = _base(tok)
    if base is None or not (tok.tag_.startswith("VB") or base in ("say", "tell")):
        return False
    if tok.dep_ in _NOT_A_REPORT:
        return False
    if any(c.dep_ == "neg" for c in tok.children) or _is_hypothetical(tok):
        return False
    return not _is_listener(tok, base)


def _is_listener(tok, base: str) -> bool:
    """``asked whether``, ``was told``: the subject heard the words, it did not say them."""
    passive = tok.tag_ == "VBN" or any(c.dep_ == "nsubjpass" for c in tok.children)
    return base in _LISTENER and passive


#: Positions where a speech verb is a noun-like gerund ("adding Ukraine to NATO was").
_NOT_A_REPORT = frozenset(
    {"csubj", "csubjpass", "amod", "compound", "pobj", "dobj", "nsubj", "nsubjpass"}
)


def _is_hypothetical(tok) -> bool:
    """Infinitives and modal constructions report no actual speech ("to tell", "would say")."""
    if tok.tag_ != "VB":
        return False
    aux = [c for c in tok.children if c.dep_ == "aux"]
    return any(a.lower_ == "to" or a.tag_ == "MD" for a in aux)


def _subject_of(verb):
    """The speaker token of a speech verb: its subject, the subject inherited from the
    clause it hangs on ("said, adding ..."), the antecedent of "who", a name in apposition."""
    if verb.lower_ == "according":
        return _according_source(verb)
    tok = verb
    for _ in range(4):
        subjects = [c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subjects:  # the nearest one: a dateline ("GENEVA — ...") can also be a subject
            subj = min(subjects, key=lambda c: abs(c.i - tok.i))
            return _through_relative(subj, tok)
        if tok.i == verb.i and _misparsed_finite(tok):
            return tok.head
        if tok.dep_ in ("advcl", "xcomp", "conj", "acl", "pcomp", "relcl") and tok.head.i != tok.i:
            tok = tok.head
            if tok.pos_ in ("NOUN", "PROPN") and tok.head.i != tok.i:
                tok = tok.head
            continue
        break
    return _adjacent_subject(verb)


#: Subjects that cannot be a source ("That said, ...", "Some say ...", "This suggests").
_NOT_SPEAKERS = frozenset(["DT", "WDT", "EX", "PDT", "WP"])


def _speaker_token(verb, quote: tuple[int, int] | None = None):
    """The speech verb's subject if it can be a source: not a bare determiner ("That
    said"), and not a word of the quotation itself."""
    subj = _subject_of(verb)
    if subj is None or (subj.tag_ in _NOT_SPEAKERS and subj.lower_ not in ("who",)):
        return None
    if quote is not None and quote[0] <= subj.idx < quote[1]:
        return None
    return subj


def _misparsed_finite(verb) -> bool:
    """``Mick Harlow, ..., tweeted``: a finite verb the parser hung on the name before it."""
    head = verb.head
    return (
        verb.dep_ == "acl"
        and verb.tag_ in ("VBD", "VBN")
        and head.tag_ in ("NNP", "NNPS")
        and (head.i < verb.i)
    )


def _through_relative(subj, verb):
    if subj.lower_ in ("who", "which", "that") and verb.dep_ == "relcl":
        return verb.head
    return subj


#: Verbs that take their subject after them in attributions (", said Smith").
_INVERTING = frozenset(["say", "add", "write", "ask", "tell", "continue", "reply"])


def _adjacent_subject(verb):
    """Parser fallback: a subject a few words to the left in the same clause, a pronoun
    or name just before the verb, or a name just after an inverting verb (", said X")."""
    doc = verb.doc
    for i in range(verb.i - 1, max(verb.i - 7, verb.sent.start - 1), -1):
        if doc[i].is_punct and doc[i].tag_ != "POS":
            break
        if doc[i].dep_ in ("nsubj", "nsubjpass") or (
            i == verb.i - 1 and doc[i].tag_ in ("PRP", "NNP", "NNPS")
        ):
            return doc[i] if doc[i].lower_ != "it" or i == verb.i - 1 else None
    nxt = doc[verb.i + 1] if verb.i + 1 < len(doc) else None
    if nxt is not None and _base(verb) in _INVERTING and nxt.tag_ in ("NNP", "NNPS", "PRP"):
        return nxt
    return None


def _according_source(tok):
    """``according to X``: X, or the source behind a statement ("a statement from X")."""
    to = tok.doc[tok.i + 1]
    obj = next((c for c in to.children if c.dep_ == "pobj"), None)
    if obj is None:
        return None
    for prep in obj.children:
        if prep.dep_ == "prep" and prep.lower_ in ("from", "by", "of"):
            inner = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if inner is not None and obj.lower_ in _CARRIERS:
                return inner
    return obj


#: Things that carry someone else's words or numbers ("figures from the hospital").
# fmt: off
_CARRIERS = frozenset(
    [
        "statement", "statements", "figures", "data", "numbers", "estimates", "records",
        "report", "spokesman", "spokeswoman", "spokesperson", "calculations", "analysis",
        "survey", "poll", "documents", "details",
    ]
)
# fmt: on


def _name_token(subj):
    """A common-noun subject with a name in apposition speaks under that name ("its
    director of policy, Nadia Brooks"); relative clauses are not searched."""
    if subj.pos_ in ("PROPN", "PRON") or subj.tag_ in ("NNP", "NNPS", "PRP"):
        return subj
    for tok in subj.subtree:
        if tok.dep_ == "appos" and tok.tag_ in ("NNP", "NNPS") and not _in_clause(tok, subj):
            return tok
    return subj


def _in_clause(tok, top) -> bool:
    """Whether ``tok`` sits in a clause (relative, adverbial) below ``top``."""
    while tok.i != top.i and tok.head.i != tok.i:
        if tok.dep_ in ("relcl", "acl", "advcl", "ccomp"):
            return True
        tok = tok.head
    return False


# --------------------------------------------------------------------------- sentences


def _has_break(segment: str) -> bool:
    """Whether a sentence ends inside ``segment`` (abbreviations like "Mr." aside)."""
    for match in re.finditer(r"[.!?…][\"”’»)]*\s+", segment):
        head = segment[: match.start()]
        if segment[match.start()] == "." and _ABBREVIATIONS.search(head):
            continue
        return True
    return False


def _sentence_bounds(tok, paragraph: tuple[int, int]) -> tuple[int, int]:
    sent = tok.sent
    return max(sent.start_char, paragraph[0]), min(sent.end_char, paragraph[1])


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Strip spaces and clause punctuation from both ends of a range."""
    while start < end and (text[start].isspace() or text[start] in ",;:—–-"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ".,;:—–-"):
        end -= 1
    return start, end


def _word_count(text: str) -> int:
    return len(_words(text))


# --------------------------------------------------------------------------- finding quotes


class _Finder:
    """Finds one article's quotations: direct ones from quote marks, reported ones from
    speech verbs; records each one's cue and speaker token for the resolver."""

    def __init__(self, text: str, parsed):
        self.text = text
        self.parsed = parsed
        self.paragraphs = paragraph_bounds(text)
        self.direct: list[_Quote] = []
        self.indirect: list[_Quote] = []
        self.consumed: set[int] = set()

    # -- direct quotes -------------------------------------------------------------
    def find_direct(self) -> None:
        quotes = _Pairer(self.text, self.paragraphs).run()
        for quote in quotes:
            _trim_parts(self.text, quote)
        self.direct = [q for q in quotes if q.parts and not _is_work_title(self.text, q)]
        for quote in self.direct:
            self._attribute(quote)
        self.direct = [q for q in self.direct if self._keep(q)]

    def _keep(self, quote: _Quote) -> bool:
        """Scare quotes and one-word terms are kept only with a speech cue of their own."""
        if quote.cue is not None or quote.colon:
            return True
        if re.search(r"so-called\s*$", self.text[max(0, quote.outer[0] - 12) : quote.outer[0]]):
            return False
        para_start = self.paragraphs[quote.paragraph][0]
        one_word = _word_count(self.text[quote.start : quote.end]) < 2
        return not one_word and not _is_fragment(self.text, quote, para_start)

    def _gap(self, quote: _Quote) -> tuple[int, int]:
        """Text between the neighbouring quotes of the same paragraph (or its edges)."""
        lo, hi = self.paragraphs[quote.paragraph][0], self.paragraphs[quote.paragraph][1]
        for other in self.direct:
            if other is quote:
                continue
            o_lo, o_hi = other.outer
            if o_hi <= quote.outer[0]:
                lo = max(lo, o_hi)
            elif o_lo >= quote.outer[1]:
                hi = min(hi, o_lo)
        if quote.end > self.paragraphs[quote.paragraph][1]:  # runs over paragraphs
            last = self._paragraph_of(quote.end)
            hi = self.paragraphs[last][1] if hi < quote.outer[1] else hi
        return lo, hi

    def _paragraph_of(self, pos: int) -> int:
        return next(i for i, (lo, hi) in enumerate(self.paragraphs) if lo <= pos <= hi)

    def _tokens(self, lo: int, hi: int) -> list:
        """Tokens lying wholly inside ``text[lo:hi]``."""
        span = self.parsed.char_span(lo, hi, alignment_mode="contract") if hi > lo else None
        return list(span) if span is not None else []

    def _attribute(self, quote: _Quote) -> None:
        """Pick the cue of a direct quote: right after it (",” he said"), right before it
        ("he said: “"), else any speech verb in its sentence, else a colon's clause."""
        lo, hi = self._gap(quote)
        q_lo, q_hi = quote.outer
        before = [
            t
            for t in self._tokens(lo, q_lo)
            if _is_cue_verb(t) and not _has_break(self.text[t.idx : q_lo])
        ]
        after = [
            t
            for t in self._tokens(q_hi, hi)
            if _is_cue_verb(t) and not _has_break(self.text[q_hi : t.idx])
        ]
        last = quote.close_at - 1 if quote.close_at is not None else quote.end - 1
        trailing = self.text[last] in ",.!?…—–-" or re.match(r"\s*[,—–]", self.text[q_hi:hi])
        near_after = [t for t in after if len(self._tokens(q_hi, t.idx)) <= 12]
        for candidates in (near_after, before[::-1], after) if trailing else (before[::-1], after):
            cue = next((t for t in candidates if _speaker_token(t, quote.outer) is not None), None)
            if cue is not None:
                quote.cue, quote.subject = cue, _speaker_token(cue, quote.outer)
                self.consumed.add(cue.i)
                return
        self._colon_cue(quote, lo)

    def _colon_cue(self, quote: _Quote, lo: int) -> None:
        """``As the urbanist put it: “…”``: the clause before a colon introduces the quote."""
        q_lo = quote.outer[0]
        head = self.text[lo:q_lo].rstrip()
        if not head.endswith(":"):
            return
        toks = self._tokens(lo, q_lo - 1)
        verb = next((t for t in reversed(toks) if t.pos_ in ("VERB", "AUX")), None)
        if verb is not None and not _has_break(self.text[verb.idx : q_lo]):
            subj = _speaker_token(verb, quote.outer)
            if subj is not None:
                quote.cue, quote.subject, quote.colon = verb, subj, True

    # -- interview transcripts -------------------------------------------------------
    def find_transcript(self) -> None:
        """``Solberg: We listened first.`` / ``A: ...``: in an interview transcript each
        answer paragraph is a direct quote of the labelled speaker. A label counts only
        when the article uses it at least twice (or pairs Q: with A:); questions are the
        interviewer's and are not quotes."""
        labelled = self._labelled_paragraphs()
        counts = Counter(_label_key(label) for _, label, _ in labelled)
        qa = {"q", "a"} <= counts.keys()
        for index, label, content_start in labelled:
            lo, hi = self.paragraphs[index]
            once = counts[_label_key(label)] < 2
            if label in _INTERVIEWER_LABELS or (once and not (qa and label == "A")):
                continue
            quote = _Quote([[content_start, hi]], index, label=(lo, lo + len(label)))
            self.direct = [q for q in self.direct if not lo <= q.outer[0] < hi] + [quote]

    def _labelled_paragraphs(self) -> list[tuple[int, str, int]]:
        found = []
        for index, (lo, hi) in enumerate(self.paragraphs):
            match = _SPEAKER_LABEL.match(self.text, lo, hi)
            if match:
                found.append((index, match.group(1), match.end()))
        return found

    # -- reported speech -----------------------------------------------------------
    def find_indirect(self) -> None:
        found = []
        for tok in self.parsed:
            if not self._reports(tok) or self._inside_direct(tok.idx):
                continue
            quote = self._reported(tok)
            if quote is not None:
                found.append(quote)
        self.indirect = [q for q in found if not self._nested(q, found)]

    def _reports(self, tok) -> bool:
        if not _is_cue_verb(tok):
            return False
        return tok.lower_ == "according" or _base(tok) in _INDIRECT_BASES

    def _inside_direct(self, pos: int) -> bool:
        return any(q.outer[0] <= pos < q.outer[1] for q in self.direct)

    def _overlaps_direct(self, start: int, end: int) -> bool:
        return any(q.outer[0] < end and start < q.outer[1] for q in self.direct)

    def _nested(self, quote: _Quote, others: list[_Quote]) -> bool:
        return any(o is not quote and o.start <= quote.cue.idx < o.end for o in others)

    def _reported(self, tok) -> _Quote | None:
        """The reported clause of one speech verb, as a quote, or None."""
        paragraph = self._paragraph_of(tok.idx)
        if self._headline_like(paragraph):
            return None
        subj = _speaker_token(tok)
        if subj is None or subj.lower_ in _WRITER_PRONOUNS:
            return None
        bounds = self.paragraphs[paragraph]
        span = self._according(tok, bounds) if tok.lower_ == "according" else None
        if tok.lower_ != "according":
            span = self._content_after(tok, bounds)
            if span is None and not self._has_complement(tok) and tok.i not in self.consumed:
                span = self._parenthetical(tok, subj, bounds) or self._content_before(
                    tok, subj, bounds
                )
        if span is None or not self._is_clause(*span) or self._overlaps_direct(*span):
            return None
        return _Quote([list(span)], paragraph, kind="indirect", cue=tok, subject=subj)

    def _headline_like(self, paragraph: int) -> bool:
        """Title-case lines (headlines, section names) carry no reported speech."""
        lo, hi = self.paragraphs[paragraph]
        words = [w for w in _words(self.text[lo:hi]) if w.casefold() not in _FUNCTION_WORDS]
        return len(words) >= 4 and sum(w[:1].isupper() for w in words) >= 0.8 * len(words)

    def _is_clause(self, start: int, end: int) -> bool:
        toks = self._tokens(start, end)
        return _word_count(self.text[start:end]) >= 3 and any(
            t.pos_ in ("VERB", "AUX") for t in toks
        )

    @staticmethod
    def _has_complement(tok) -> bool:
        return any(c.dep_ in ("ccomp", "xcomp") and c.i > tok.i for c in tok.children)

    def _content_after(self, tok, bounds: tuple[int, int]) -> tuple[int, int] | None:
        """``said (that) CONTENT.``: from the complement clause to the sentence's end."""
        comp = next((c for c in tok.children if c.dep_ == "ccomp" and c.i > tok.i), None)
        if comp is None:
            return self._that_clause(tok, bounds)
        first = comp.left_edge
        if first.i <= tok.i:
            first = tok.doc[tok.i + 1]
        if first.lower_ == "that" and first.dep_ == "mark":
            first = tok.doc[first.i + 1] if first.i + 1 < len(tok.doc) else first
        _, end = _sentence_bounds(tok, bounds)
        stop = self._stop_at_quote(first.idx, end)
        if stop is not None:
            return _trim(self.text, first.idx, stop)
        return self._later_conjunct(comp, end)

    def _that_clause(self, tok, bounds: tuple[int, int]) -> tuple[int, int] | None:
        """``warned in a statement that ...`` parsed without a complement: the clause
        after the first "that" within a few words of the verb."""
        doc = tok.doc
        for i in range(tok.i + 1, min(tok.i + 8, tok.sent.end - 1)):
            if doc[i].is_punct or doc[i].pos_ in ("VERB", "AUX"):
                return None
            if doc[i].lower_ == "that":
                _, end = _sentence_bounds(tok, bounds)
                stop = self._stop_at_quote(doc[i + 1].idx, end)
                return None if stop is None else _trim(self.text, doc[i + 1].idx, stop)
        return None

    def _later_conjunct(self, comp, end: int) -> tuple[int, int] | None:
        """``said X was “…” and that Y``: the second reported clause stands on its own."""
        for conj in comp.children:
            mark = next((c for c in conj.children if c.dep_ == "mark" and c.lower_ == "that"), None)
            if conj.dep_ != "conj" or mark is None or self._inside_direct(mark.idx):
                continue
            start = mark.idx + len(mark)
            stop = self._stop_at_quote(start, end)
            if stop is not None and not self._overlaps_direct(start, stop):
                return _trim(self.text, start, stop)
        return None

    def _stop_at_quote(self, start: int, end: int) -> int | None:
        """End the content where a direct quote begins; None if the sentence runs on into
        it (the direct words are then the quotation)."""
        for quote in self.direct:
            q_lo = quote.outer[0]
            if start <= q_lo < end:
                return q_lo if _has_break(self.text[start : q_lo + 1] + " ") else None
        return end

    def _content_before(self, tok, subj, bounds: tuple[int, int]) -> tuple[int, int] | None:
        """``CONTENT, officials said.``: from the sentence's start to the comma before
        the speaker (or before the verb when it comes first: ", said X")."""
        first = min(subj.left_edge.i, tok.i)
        if first == 0 or tok.doc[first - 1].text != ",":
            return None
        start, _ = _sentence_bounds(tok, bounds)
        start = max([start] + [q.outer[1] for q in self.direct if start <= q.outer[1] <= tok.idx])
        end = tok.doc[first - 1].idx
        return _trim(self.text, start, end) if end > start else None

    def _parenthetical(self, tok, subj, bounds: tuple[int, int]) -> tuple[int, int] | None:
        """``Some doctors, Dahl recalls, saw it as a waste``: the cue sits between commas
        inside the reported sentence, which is the content (cue included)."""
        doc = tok.doc
        first, last = min(subj.left_edge.i, tok.i), max(subj.i, tok.i)
        if (
            first == 0
            or last + 1 >= len(doc)
            or doc[first - 1].text != ","
            or doc[last + 1].text != ","
        ):
            return None
        s_lo, s_hi = _sentence_bounds(tok, bounds)
        right = self._tokens(doc[last + 1].idx, s_hi)
        if not any(t.pos_ in ("VERB", "AUX") for t in right) or doc[first - 1].idx <= s_lo:
            return None
        return _trim(self.text, s_lo, s_hi)

    def _according(self, tok, bounds: tuple[int, int]) -> tuple[int, int] | None:
        """``According to X, CONTENT.`` or ``CONTENT, according to X.``"""
        s_lo, s_hi = _sentence_bounds(tok, bounds)
        phrase_end = tok.doc[tok.i + 1].right_edge.idx + len(tok.doc[tok.i + 1].right_edge)
        if not self.text[s_lo : tok.idx].strip():
            return _trim(self.text, phrase_end, s_hi)
        after = self.text[phrase_end:s_hi].strip(" .!?")
        if self.text[s_lo : tok.idx].rstrip().endswith(",") and (
            not after or self._remark(phrase_end, s_hi)
        ):
            return _trim(self.text, s_lo, tok.idx)
        return None

    def _remark(self, start: int, end: int) -> bool:
        """``..., according to X, the lowest figure since ...``: an aside (a noun phrase or
        verbless words), not a new clause."""
        rest = self.text[start:end]
        if not rest.lstrip().startswith(","):
            return False
        if re.match(r"\s*,\s+(?:the|a|an|its|their|his|her|this|that)\s", rest, re.IGNORECASE):
            return True
        return not any(t.pos_ in ("VERB", "AUX") for t in self._tokens(start, end))

    # -- output --------------------------------------------------------------------
    def quotes(self) -> list[_Quote]:
        return sorted(self.direct + self.indirect, key=lambda q: q.start)


# --------------------------------------------------------------------------- speakers


@dataclass
class _Speaker:
    name: str | None
    anonymous: bool = False
    kind: str | None = None  # PERSON / ORG / None
    descriptor: str | None = None
    plural: bool = False


@dataclass
class _Event:
    """Someone in subject position or speaking, at a position in the text."""

    pos: int
    name: str
    kind: str | None  # PERSON / ORG / GROUP / None
    anonymous: bool = False


class _Resolver:
    """Resolves speaker tokens to canonical names, walking the article in order."""

    def __init__(self, text: str, parsed, quotes: list[_Quote]):
        self.text = text
        self.parsed = parsed
        self.quotes = quotes
        self.ranges = [q.outer for q in quotes if q.kind == "direct"]
        self.mentions = [m for m in all_mentions(parsed) if not self._quoted(m.start)]
        self.mentions += self._speaker_mentions()
        self.index = NameIndex(self.mentions)
        self.events = self._subject_events()
        self.genders: dict[str, str] = {}
        self.descriptors = self._introductions()

    def _quoted(self, pos: int) -> bool:
        return any(lo <= pos < hi for lo, hi in self.ranges)

    def _speaker_mentions(self) -> list[Mention]:
        """Names in speaker position NER missed, so surnames can still find full names."""
        extra: list[Mention] = []
        for quote in self.quotes:
            subj = _name_token(quote.subject) if quote.subject is not None else None
            if subj is None or not _is_name(subj):
                continue
            lo, hi = _name_range(subj)
            span = self.parsed[lo:hi]
            name = clean_name(span.text)
            taken = any(
                m.start < span.end_char and span.start_char < m.end for m in self.mentions + extra
            )
            if name and not taken:
                extra.append(_speaker_mention(self.parsed, lo, hi, name))
        return extra

    def _subject_events(self) -> list[_Event]:
        events = []
        for m in self.mentions:
            if m.subject and m.label in ("PERSON", "ORG", "NORP", "GPE"):
                kind = self.index.label(m.name)
                if kind in ("PERSON", "ORG"):
                    events.append(_Event(m.start, self.index.canonical(m.name), kind))
        return events

    def _introductions(self) -> dict[str, list[tuple[int, str]]]:
        """Noun phrases naming each person or organisation, in text order."""
        found: dict[str, list[tuple[int, str]]] = {}
        for m in sorted(self.mentions, key=lambda m: m.start):
            phrase = _noun_phrase(self.parsed, self.text, m.start, m.end)
            if phrase:
                found.setdefault(self.index.canonical(m.name), []).append((m.start, phrase))
        return found

    # -- resolution ------------------------------------------------------------------
    def resolve_all(self) -> None:
        for quote in self.quotes:
            speaker, pos = self._resolve(quote)
            self._record(quote, speaker, pos)
        self._share_descriptors()

    def _share_descriptors(self) -> None:
        """Every quote of a named speaker carries the article's introduction of them: the
        richest noun phrase naming them up to their first quote (else the first one, else
        how the cue named them). A continued quote keeps its predecessor's descriptor."""
        chosen: dict[str, str | None] = {}
        previous: dict[str, str | None] = {}
        for quote in self.quotes:
            name, anonymous = quote.attrs.get("speaker"), quote.attrs.get("anonymous")
            if name and not anonymous:
                if name not in chosen:
                    chosen[name] = self._introduction(name, quote.start) or quote.attrs.get(
                        "descriptor"
                    )
                quote.attrs["descriptor"] = chosen[name]
            elif name and quote.continued:
                quote.attrs["descriptor"] = previous.get(name)
            if name:
                previous[name] = quote.attrs.get("descriptor")

    def _introduction(self, name: str, before: int) -> str | None:
        phrases = self.descriptors.get(name, [])
        early = [p for pos, p in phrases if pos <= before] or [p for _, p in phrases[:1]]
        rich = [p for p in early if len(p) > len(name) + 2]
        return (rich or early or [None])[0]

    def _resolve(self, quote: _Quote) -> tuple[_Speaker, int]:
        if quote.label is not None:
            return self._labelled(quote), quote.label[0]
        if quote.subject is None:
            quote.continued = True
            return self._continuation(quote.start), quote.start
        subj = _name_token(quote.subject)
        apposed = _comma_name(subj)
        speaker = self._proper_range(*apposed) if apposed else self._from_token(subj)
        if speaker.descriptor is None and subj.tag_ not in ("PRP", "PRP$"):
            speaker.descriptor = _noun_phrase(
                self.parsed, self.text, subj.idx, subj.idx + len(subj)
            )
        return speaker, subj.idx

    def _record(self, quote: _Quote, speaker: _Speaker, pos: int) -> None:
        quote.attrs.update(
            speaker=speaker.name,
            anonymous=speaker.anonymous,
            speaker_type=speaker.kind,
            descriptor=speaker.descriptor,
        )
        if speaker.name:
            kind = speaker.kind
            if speaker.anonymous:  # "a bar worker ... she said" vs "officials ... they said"
                kind = "GROUP" if speaker.plural else "PERSON"
            self.events.append(_Event(pos, speaker.name, kind, speaker.anonymous))

    def _labelled(self, quote: _Quote) -> _Speaker:
        """A transcript label: a name ("Solberg" -> "Ingrid Solberg"), or "A" for the
        interviewee, taken to be the person the article names most."""
        label = self.text[quote.label[0] : quote.label[1]]
        if label != "A":
            return self._named(self.index.canonical(self._fullest_label(label)), "PERSON")
        people = [c for c in self.index.clusters if c.label == "PERSON"]
        if not people:
            return _Speaker(None)
        top = max(people, key=lambda c: (len(c.mentions), -c.mentions[0].start))
        return self._named(top.canonical, "PERSON")

    def _fullest_label(self, label: str) -> str:
        """The longest label the transcript gives the same speaker ("KESSLER" ->
        "Maria Kessler"), as a cleaned name."""
        labels = [self.text[q.label[0] : q.label[1]] for q in self.quotes if q.label is not None]
        same = [x for x in labels if _label_key(x) == _label_key(label)]
        longest = max(same, key=len)
        return clean_name(longest.title() if longest.isupper() else longest, "PERSON") or longest

    def _continuation(self, pos: int) -> _Speaker:
        """A quote with no cue continues the last speaker (or person in subject position)."""
        event = self._last_event(pos, None)
        if event is None:
            return _Speaker(None)
        return self._named(event.name, event.kind, anonymous=event.anonymous)

    def _last_event(self, pos: int, kinds: tuple[str, ...] | None, gender: str | None = None):
        for event in sorted(self.events, key=lambda e: e.pos, reverse=True):
            if event.pos >= pos or (kinds and event.kind not in kinds):
                continue
            if gender and self.genders.get(event.name, gender) != gender:
                continue
            return event
        return None

    def _from_token(self, tok) -> _Speaker:
        low = tok.lower_
        if tok.tag_ in ("PRP", "PRP$") or low in ("who",):
            return self._pronoun(low, tok.idx)
        if _is_name(tok):
            return self._proper(tok)
        return self._common(tok)

    def _pronoun(self, low: str, pos: int) -> _Speaker:
        gender = _PRONOUN_GENDER.get(low)
        if gender:
            event = self._last_event(pos, ("PERSON",), gender)
            if event is None:
                return _Speaker(None, kind="PERSON")
            self.genders.setdefault(event.name, gender)
            return self._named(event.name, "PERSON", anonymous=event.anonymous)
        if low in _GROUP_PRONOUNS or low == "it":
            kinds = ("ORG",) if low == "it" else ("GROUP", "ORG")
            event = self._last_event(pos, kinds)
            if event is not None:
                return self._named(event.name, event.kind, anonymous=event.anonymous)
        return _Speaker(None)

    def _proper(self, tok) -> _Speaker:
        return self._proper_range(*_name_range(tok))

    def _proper_range(self, lo: int, hi: int) -> _Speaker:
        span = self.parsed[lo:hi]
        tok = span[-1]
        label = LABEL_MAP.get(tok.ent_type_) if tok.ent_type_ else None
        name = clean_name(span.text, label if label != "GPE" else None) or span.text
        canonical = self.index.canonical(name)
        kind = self.index.label(name) or label
        if kind not in ("PERSON", "ORG"):
            kind = "PERSON" if len(canonical.split()) > 1 and label is None else None
        speaker = self._named(canonical, kind)
        if speaker.descriptor is None:
            speaker.descriptor = _noun_phrase(
                self.parsed, self.text, span.start_char, span.end_char
            )
        return speaker

    def _named(self, name: str, kind: str | None, anonymous: bool = False) -> _Speaker:
        kind = kind if kind in ("PERSON", "ORG") else None
        return _Speaker(name, anonymous, kind)

    def _common(self, tok) -> _Speaker:
        """Role nouns: "the judge" is the person the article called judge; "the company"
        the organisation last named; otherwise an unnamed source ("officials")."""
        head = tok.lower_
        owner = _carrier_owner(tok)
        if owner is not None:  # "according to Tradeweb data": Tradeweb
            return self._from_token(owner)
        words = _phrase_tokens(tok)
        definite = bool(words) and words[0].lower_ in _DEFINITE
        bare = definite and len(words) == 2
        if definite:
            match = self._by_role(head, tok.idx)
            if match is not None:
                return match
            named = self._by_name_word(head, tok.idx) if bare else None
            if named is not None:
                return named
            if bare and head in ORG_NOUNS:
                event = self._last_org(tok.idx)
                if event is not None:
                    return self._named(event, "ORG")
        phrase = self._bare_phrase(words, tok)
        is_org = head in ORG_NOUNS
        descriptor = _noun_phrase(self.parsed, self.text, tok.idx, tok.idx + len(tok))
        plural = tok.tag_ in ("NNS", "NNPS")
        kind = "ORG" if is_org else None
        return _Speaker(
            phrase, anonymous=not is_org, kind=kind, descriptor=descriptor, plural=plural
        )

    def _bare_phrase(self, words: list, head) -> str:
        """The phrase as written, without its leading determiners ("Some residents" ->
        "residents", "the Miami-Dade Police" -> "Miami-Dade Police")."""
        while len(words) > 1 and words[0].lower_ in _DETERMINERS:
            words = words[1:]
        return self.text[words[0].idx : head.idx + len(head)] if words else head.text

    def _by_role(self, head: str, pos: int) -> _Speaker | None:
        best = None
        wanted = ("ORG",) if head in ORG_NOUNS else ("PERSON", "NORP", "GPE")
        for cluster in self.index.clusters:
            roles = cluster.close_roles if head in ORG_NOUNS else cluster.roles
            if cluster.label not in wanted or (head not in roles and head.rstrip("s") not in roles):
                continue
            before = [m.start for m in cluster.mentions if m.start < pos]
            if before and (best is None or max(before) > best[0]):
                best = (max(before), cluster)
        if best is None:
            return None
        cluster = best[1]
        return self._named(
            cluster.canonical, cluster.label if cluster.label in ("PERSON", "ORG") else None
        )

    def _by_name_word(self, head: str, pos: int) -> _Speaker | None:
        """``the federation`` after "the European Banking Federation"."""
        for m in sorted(self.mentions, key=lambda m: -m.start):
            words = m.name.casefold().split()
            if m.start < pos and words[-1] == head and len(words) > 1 and "/" not in m.name:
                cluster = self.index.find(m.name)
                kind = cluster.label if cluster and cluster.label in ("PERSON", "ORG") else "ORG"
                return self._named(self.index.canonical(m.name), kind)
        return None

    def _last_org(self, pos: int) -> str | None:
        """The organisation the article has named most so far (latest on a tie)."""
        counts: dict[str, tuple[int, int]] = {}
        for m in self.mentions:
            if m.start < pos and self.index.label(m.name) == "ORG":
                name = self.index.canonical(m.name)
                counts[name] = (counts.get(name, (0, 0))[0] + 1, m.start)
        return max(counts, key=lambda n: counts[n]) if counts else None


def _carrier_owner(tok):
    """The source behind a carrier noun: "Tradeweb data", "details of the legislation"."""
    if tok.lower_ not in _CARRIERS:
        return None
    names = [c for c in tok.children if c.dep_ in ("compound", "poss") and _is_name(c)]
    if names:
        return names[-1]
    for prep in tok.children:
        if prep.dep_ == "prep" and prep.lower_ in ("of", "from", "by"):
            return next((c for c in prep.children if c.dep_ == "pobj"), None)
    return None


def _is_name(tok) -> bool:
    """A proper name, even where the tagger said common noun ("Reyes/NN said")."""
    if not tok.ent_type_ and (is_title_word(tok.text) or tok.lower_ in ORG_NOUNS):
        return False  # "the Minister said", "PAHO Director": a role, not a name
    if tok.tag_ in ("NNP", "NNPS"):
        return True
    if tok.pos_ not in ("NOUN", "PROPN") or not tok.text[:1].isupper():
        return False
    return tok.ent_type_ in LABEL_MAP or not tok.is_sent_start


def _comma_name(subj) -> tuple[int, int] | None:
    """``The hospital's director, Per Lund, said``: capitalised words set off by commas
    right after a common-noun subject, whatever the parser made of them."""
    doc = subj.doc
    if subj.pos_ != "NOUN" or subj.i + 2 >= len(doc) or doc[subj.i + 1].text != ",":
        return None
    lo = hi = subj.i + 2
    while hi < len(doc) and hi - lo < 4 and doc[hi].text[:1].isupper() and doc[hi].is_alpha:
        hi += 1
    if hi - lo < 2 or hi >= len(doc) or doc[hi].text != "," or is_title_word(doc[lo].text):
        return None
    return lo, hi


def _name_range(tok) -> tuple[int, int]:
    """Token range of the name around ``tok``: its entity, else its proper-noun chain."""
    doc = tok.doc
    if tok.ent_type_ and tok.ent_type_ in LABEL_MAP:
        lo, hi = tok.i, tok.i + 1
        while lo > 0 and doc[lo].ent_iob_ == "I":
            lo -= 1
        while hi < len(doc) and doc[hi].ent_iob_ == "I":
            hi += 1
        return lo, hi
    lo = tok.i
    while lo > 0 and (
        doc[lo - 1].tag_ in ("NNP", "NNPS")
        or (
            doc[lo - 1].is_lower
            and doc[lo - 1].lower_ in ("de", "van", "von", "da", "di", "del", "bin", "al")
        )
    ):
        lo -= 1
    return lo, tok.i + 1


def _speaker_mention(parsed, lo: int, hi: int, name: str) -> Mention:
    """A speaker's name as a mention; a person unless its words say organisation."""
    span = parsed[lo:hi]
    label = kind_evidence(parsed, lo, hi) or ("ORG" if looks_like_org(name) else "PERSON")
    roles = frozenset(role_words(parsed, lo, hi))
    return Mention(span.start_char, span.end_char, name, label, roles, subject=True)


def _phrase_tokens(tok) -> list:
    """The noun phrase up to its head word: determiner, numbers, adjectives, compounds."""
    doc = tok.doc
    return [t for t in doc[tok.left_edge.i : tok.i + 1] if not t.is_punct or t.tag_ == "POS"]


def _noun_phrase(parsed, text: str, start: int, end: int) -> str | None:
    """The whole noun phrase around a mention, titles, appositions and relative clauses
    included ("Filmmaker Igor Lopatonok, who directed …"), within its sentence."""
    span = parsed.char_span(start, end, alignment_mode="expand")
    if span is None:
        return None
    head = noun_phrase_head(span.root)
    sent = head.sent
    lo = max(head.left_edge.i, sent.start)
    hi = min(head.right_edge.i + 1, sent.end, lo + 40)
    for child in head.rights:  # "NATO and the Russian Federation": stop at the coordination
        if child.dep_ in ("cc", "conj"):
            hi = min(hi, child.i)
            break
    for tok in head.subtree:  # "Helen Marsh, who told ... that": the cue is no descriptor
        if tok.dep_ in ("relcl", "acl") and any(
            _base(t) and t.tag_.startswith("VB") for t in tok.subtree
        ):
            hi = min(hi, tok.left_edge.i)
    while hi > lo + 1 and (parsed[hi - 1].tag_ == "POS" or parsed[hi - 1].is_punct):
        hi -= 1
    phrase_start, phrase_end = _trim(text, parsed[lo].idx, parsed[hi - 1].idx + len(parsed[hi - 1]))
    phrase = text[phrase_start:phrase_end]
    return phrase or None


# --------------------------------------------------------------------------- spans


def _cue_dict(text: str, quote: _Quote) -> dict[str, Any] | None:
    """Offsets of the cue: the verb, with its subject when they stand together (or the
    transcript label)."""
    if quote.label is not None:
        start, end = quote.label
        return {"start": start, "end": end, "text": text[start:end]}
    if quote.cue is None:
        return None
    verb = quote.cue
    start, end = verb.idx, verb.idx + len(verb)
    if verb.lower_ == "according":
        end = verb.doc[verb.i + 1].idx + len(verb.doc[verb.i + 1])
        return {"start": start, "end": end, "text": text[start:end]}
    subj = quote.subject
    if subj is not None and abs(subj.i - verb.i) <= 3:
        lo, hi = _name_range(subj) if _is_name(subj) else (subj.left_edge.i, subj.i + 1)
        between = verb.doc[min(hi, verb.i + 1) : max(lo, verb.i)]
        if not any(t.is_punct for t in between):
            start = min(start, verb.doc[lo].idx)
            end = max(end, subj.idx + len(subj))
    return {"start": start, "end": end, "text": text[start:end]}


def _to_span(text: str, quote: _Quote) -> Span:
    attrs: dict[str, Any] = {
        "kind": quote.kind,
        "speaker": quote.attrs.get("speaker"),
        "anonymous": bool(quote.attrs.get("anonymous")),
        "speaker_type": quote.attrs.get("speaker_type"),
        "descriptor": quote.attrs.get("descriptor"),
        "cue": _cue_dict(text, quote),
        "paragraph": quote.paragraph,
    }
    if quote.continued:
        attrs["continued"] = True
    if quote.unbalanced:
        attrs["unbalanced"] = True
    if len(quote.parts) > 1:
        attrs["parts"] = [{"start": s, "end": e} for s, e in quote.parts]
    return Span(quote.start, quote.end, "quote", attrs)


def find_quotes(text: str, parsed) -> list[Span]:
    """Direct and reported quotations in ``text`` (``parsed`` is spaCy's Doc of it)."""
    finder = _Finder(text, parsed)
    finder.find_direct()
    finder.find_transcript()
    finder.find_indirect()
    quotes = finder.quotes()
    _Resolver(text, parsed, quotes).resolve_all()
    return [_to_span(text, q) for q in quotes]


class QuoteFinder:
    """Adds ``layers["quotes"]``: one span per quotation, indexing ``doc.text``."""

    name = "quotes"

    def __call__(self, doc: Document) -> None:
        if doc.metadata.get("language") not in SPACY_LANGUAGES:
            doc.layers["quotes"] = []
            doc.warn("quotes: no parser for this language; quotations were not looked for")
            return
        spans = find_quotes(doc.text, spacy_doc(doc))
        _align_paragraphs(spans, doc.layers.get("paragraphs"))
        doc.layers["quotes"] = spans


def _align_paragraphs(spans: list[Span], paragraphs: list[Span] | None) -> None:
    """Use the pipeline's paragraph numbering when the segmenter has run."""
    if not paragraphs:
        return
    for span in spans:
        span.attrs["paragraph"] = next(
            (i for i, p in enumerate(paragraphs) if p.start <= span.start < p.end),
            span.attrs["paragraph"],
        )
