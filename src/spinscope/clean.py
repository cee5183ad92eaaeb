"""Page furniture vs article body in a naive plain-text scrape of a news page.

A naive scrape keeps every visible text block of a page, one per line: navigation, captions,
photo credits, related-story teasers, login and cookie text arrive interleaved with the article.
Each non-empty line gets exactly one role from ``ROLES``.

The approach is position-aware and language-agnostic, because scrapes come from any site in any
language:

1. Cues that hold wherever a line sits: credit markers, copyright lines, boilerplate phrases
   (several languages), another script than the article's, a site-name suffix that the page
   repeats, link density when the caller knows it.
2. The main run of body prose: each line scores by how prose-like it is (long, with sentence
   punctuation) minus a cost for short or furniture lines, and the best-scoring contiguous run
   wins (a maximum-sum segment). Comment sections are cut off the end.
3. Around and inside that run: the headline is the title-like line closest before it (preferring
   one that repeats the page title); captions, teasers and section labels are recognised from
   their neighbours; short lines inside the run (one-line paragraphs, quotes, datelines,
   subheadings) stay body.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

ROLES = (
    "body",
    "headline",
    "photo_caption",
    "photo_credit",
    "related_link",
    "section_label",
    "site_chrome",
)

#: Characters that may close a sentence, and the quote/bracket marks that may follow them.
_CLOSERS = re.escape("\"'”’»«“)]")
_SENT_END = re.compile(rf"[.!?…。！？][{_CLOSERS}]*$")
_SENT_BREAK = re.compile(rf"[.!?…。！？][{_CLOSERS}]*\s+\S")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")

# --- lexicons: short, multilingual, matched on whole words in lower case -----------------------

_CHROME_WORDS = (
    # English
    "log in|login|log out|sign in|sign up|sign out|register|subscribe|subscription|subscriber"
    "|newsletter|newsletters|cookie|cookies|privacy|privacy policy|terms of use|terms of service"
    "|terms and conditions|all rights reserved|share|share this|shares|tweet|follow us|comments"
    "|comment|reply|replies|skip to content|skip to main content|menu|search|advertisement"
    "|sponsored|load more|show more|back to top|contact us|about us|copyright|sitemap|imprint"
    "|accept|javascript|your browser|download the app|print|email|e-mail|whatsapp|facebook|twitter"
    "|linkedin|pinterest|instagram|youtube|telegram|rss|my account|create account|password"
    "|forgot password|home|homepage|read more|continue reading|next article|previous article"
    "|most read|most popular|trending|sign up now|free trial|premium|paywall|ad|ads|toggle"
    # German
    "|anmelden|einloggen|abmelden|registrieren|abonnieren|abo|abonnement|datenschutz"
    "|datenschutzerklärung|impressum|alle rechte vorbehalten|teilen|kommentare|kommentar"
    "|kommentieren|antworten|zum inhalt springen|suche|suchen|werbung|anzeige|weiterlesen"
    "|mehr lesen|nach oben|kontakt|startseite|akzeptieren|einstellungen|drucken|merken"
    "|jetzt teilen|artikel teilen|mehr zum thema|das könnte sie auch interessieren|zurück"
    "|weiter|mehr|schließen|nutzungsbedingungen|agb|barrierefreiheit|mediadaten"
    # French
    "|connexion|se connecter|s'inscrire|s'abonner|abonnez-vous|mentions légales"
    "|tous droits réservés|partager|commentaires|répondre|publicité|lire la suite|accueil"
    "|politique de confidentialité|rechercher|fermer|lire aussi|à lire aussi"
    # Spanish / Portuguese / Italian / Dutch
    "|iniciar sesión|registrarse|suscríbete|suscribirse|boletín|todos los derechos reservados"
    "|compartir|comentarios|responder|publicidad|leer más|inicio|política de privacidad"
    "|aviso legal|buscar|cerrar|entrar|cadastre-se|assine|compartilhar|comentários"
    "|todos os direitos reservados|accedi|registrati|abbonati|iscriviti|condividi|commenti"
    "|rispondi|pubblicità|leggi anche|tutti i diritti riservati|cerca|inloggen|registreren"
    "|abonneren|delen|reacties|alle rechten voorbehouden|zoeken"
    # Russian / Polish / Turkish
    "|войти|регистрация|подписаться|комментарии|поделиться|все права защищены|поиск"
    "|zaloguj|zarejestruj|komentarze|udostępnij|wszelkie prawa zastrzeżone|giriş|paylaş|yorumlar"
)
_CHROME_RE = re.compile(rf"(?<!\w)(?:{_CHROME_WORDS})(?!\w)", re.IGNORECASE)

#: Phrases that mark furniture even in a long line (cookie banners, sign-up pitches, legal).
_STRONG_CHROME_RE = re.compile(
    r"(?<!\w)(?:cookies?|all rights reserved|alle rechte vorbehalten|tous droits réservés"
    r"|todos los derechos reservados|tutti i diritti riservati|privacy policy|datenschutzerklärung"
    r"|enable javascript|javascript aktivieren|your browser|ihr browser|newsletter"
    r"|e-mail-adresse|email address|sign up|subscribe|abonnieren|melden sie sich"
    r"|registrieren sie sich|log in|einloggen)(?!\w)",
    re.IGNORECASE,
)

#: A line that opens a comment section: the article is over.
_COMMENTS_RE = re.compile(
    r"^(?:\d+\s+)?(?:comments?|kommentare?|leserkommentare|commentaires?|comentarios?|commenti"
    r"|comentários|reacties|reaktionen|diskussion|discussion|responses?|replies"
    r"|leave a (?:reply|comment)|add a comment|post a comment|join the discussion"
    r"|to participate in the discussion|schreibe einen kommentar|kommentar (?:verfassen|schreiben"
    r"|hinterlassen)|laisser un commentaire|deja un comentario|lascia un commento"
    r"|deixe um comentário|\d+ (?:thoughts?|responses?) (?:on|to))\b",
    re.IGNORECASE,
)

#: A label that introduces related-story teasers.
_RELATED_LABEL_RE = re.compile(
    r"^(?:read (?:more|also|next)|related(?: articles?| stories| coverage| posts?| content)?"
    r"|see also|more on this|more from|more stories|you (?:may|might) also like|recommended"
    r"|also read|also on|latest news|top stories|lesen sie (?:auch|mehr)|mehr zum thema"
    r"|auch interessant|weitere artikel|ähnliche (?:beiträge|artikel)|das könnte sie auch"
    r" interessieren|empfehlungen|lire aussi|à lire aussi|sur le même sujet|leer más"
    r"|lea también|te puede interesar|noticias relacionadas|leggi anche|potrebbe interessarti"
    r"|leia também|veja também|lees ook|meer over|читайте также|по теме)\b",
    re.IGNORECASE,
)

#: Credit markers: a line that names who took or owns a picture.
_CREDIT_AGENCIES = (
    r"AP|AFP|Reuters|Getty(?: Images)?|dpa|EPA|EFE|ANSA|ANP|PA(?: Images| Wire)?|Keystone"
    r"|picture[- ]alliance|imago(?: images)?|Shutterstock|iStock(?:photo)?|Alamy|Xinhua|TASS"
    r"|Sputnik|RIA Novosti|Bloomberg|Depositphotos|Unsplash|Pixabay|Wikimedia(?: Commons)?"
)
_CREDIT_START_RE = re.compile(
    r"^(?:©|\(c\)|photo(?:graph)?s?\s*:|photo credit|image(?:s)?\s*:|credits?\s*:|fotos?\s*:"
    r"|bild(?:er)?\s*:|quelle\s*:|source\s*:|crédits?\s*:|foto(?:grafía)?\s*:|imagen\s*:"
    r"|фото\s*:|illustration\s*:|grafik\s*:)",
    re.IGNORECASE,
)
_CREDIT_PAREN_RE = re.compile(
    r"\((?:[^()]*?(?:photo|foto|bild|image|credit|©)[^()]*|"
    + _CREDIT_AGENCIES
    + r")(?:\s*(?:/|photo|images?)[^()]*)?\)\s*$",
    re.IGNORECASE,
)
_CREDIT_TAIL_RE = re.compile(
    r"(?:^|[\s|/·,])(?:" + _CREDIT_AGENCIES + r")(?:\s*(?:photo|images?|/\s*[\w .'-]+))?\s*$"
)
_COPYRIGHT_NOTICE_RE = re.compile(r"(?:©|\(c\)|copyright)\s*(?:\d{4}|[^\n]*\d{4}\s*[-–]\s*\d{4})",
                                  re.IGNORECASE)

#: A dateline that opens wire copy: "WASHINGTON (Reuters) -", "BERLIN, 5. März (dpa) -".
_DATELINE_RE = re.compile(
    r"^[A-ZÄÖÜÉÈ][A-ZÄÖÜÉÈ .'’-]{2,40}(?:,[^()\n]{0,30})?(?:\s*\([\w .&/-]{1,30}\))?\s*[-–—:]"
)

#: Bylines and time stamps: chrome around the headline.
_BYLINE_RE = re.compile(
    r"^(?:by|von|par|por|di|door|de|av|af|written by|geschrieben von|ein (?:beitrag|artikel) von"
    r"|autor(?:in)?\s*:|author\s*:|text\s*:|published|updated|posted|veröffentlicht|aktualisiert"
    r"|stand\s*:|erstellt|publié|mis à jour|publicado|actualizado|pubblicato)\b",
    re.IGNORECASE,
)

_MONTHS = {
    m: i + 1
    for names in (
        "january february march april may june july august september october november december",
        "jan feb mar apr may jun jul aug sep oct nov dec",
        "januar februar märz april mai juni juli august september oktober november dezember",
        "jänner feber marz apr mai jun jul aug sept okt nov dez",
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
        "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre"
        " dicembre",
        "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    )
    for i, m in enumerate(names.split())
}
_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_PATTERNS = (
    # 30.11.2023, 30/11/2023, 30-11-2023 (day first, as most of the world writes it)
    (re.compile(r"(?<!\d)(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?!\d)"), ("d", "m", "y")),
    # 2023-11-30
    (re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"), ("y", "m", "d")),
    # 30 November 2023, 30. November 2023, 30 de noviembre de 2023
    (
        re.compile(rf"(?<!\d)(\d{{1,2}})\.?\s+(?:de\s+)?({_MONTH_ALT})\.?,?\s+(?:de\s+)?(\d{{4}})",
                   re.IGNORECASE),
        ("d", "M", "y"),
    ),
    # November 30, 2023, Nov. 30 2023
    (re.compile(rf"\b({_MONTH_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", re.IGNORECASE),
     ("M", "d", "y")),
)

#: Separators between a page or caption text and the site name that a site appends.
_SUFFIX_SPLIT = re.compile(r"\s+[-–—|·:»]{1,2}\s+|^[-–—|]\s*")
#: Trailing numbers and dates after a site name ("Sputnik International, 1920, 30.11.2023").
_TITLE_SPLIT = re.compile(r"\s+[-–—|·:»/]{1,2}\s+")
_SUFFIX_TAIL = re.compile(r"(?:,\s*[\d./:-]+)+\s*$")


@dataclass
class Block:
    """One scraped line and its role. ``text[start:end]`` is the stripped line."""

    start: int
    end: int
    role: str
    reason: str


@dataclass
class _Line:
    """A non-empty line with the surface features the rules read."""

    idx: int
    start: int
    end: int
    text: str
    words: int
    script: str | None
    sentence_end: bool
    sentences: int
    link_density: float | None

    @property
    def length(self) -> int:
        return len(self.text)

    @property
    def prose(self) -> bool:
        """Reads like running text: several words and sentence punctuation."""
        if self.words >= 8 and (self.sentence_end or self.sentences >= 1):
            return True
        return self.words >= 25

    @property
    def title_like(self) -> bool:
        """A heading: a few words, no closing full stop."""
        return 2 <= self.words <= 30 and self.length <= 220 and not self.text.endswith(".")


# --- line features --------------------------------------------------------------------------


def _split_lines(text: str) -> list[tuple[int, int, str]]:
    """(start, end, stripped text) of every non-empty line, offsets into ``text``."""
    out = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        stripped = body.strip()
        if stripped:
            lead = len(body) - len(body.lstrip())
            out.append((pos + lead, pos + lead + len(stripped), stripped))
        pos += len(raw)
    return out


@lru_cache(maxsize=4096)
def _char_script(ch: str) -> str | None:
    """The Unicode script family of a letter (first word of its name), or None."""
    if not ch.isalpha():
        return None
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return None
    head = name.split(" ", 1)[0]
    if head in ("CJK", "HIRAGANA", "KATAKANA"):
        return "CJK"
    return head


def _dominant_script(text: str) -> str | None:
    counts = Counter(s for s in map(_char_script, text) if s)
    return counts.most_common(1)[0][0] if counts else None


def _word_count(text: str, script: str | None) -> int:
    if script in ("CJK", "THAI"):  # no spaces between words: count characters instead
        return sum(1 for ch in text if ch.isalpha()) // 2
    return len(_WORD.findall(text))


def _make_line(idx: int, start: int, end: int, text: str, density: float | None) -> _Line:
    script = _dominant_script(text)
    return _Line(
        idx=idx,
        start=start,
        end=end,
        text=text,
        words=_word_count(text, script),
        script=script,
        sentence_end=bool(_SENT_END.search(text)),
        sentences=len(_SENT_BREAK.findall(text)),
        link_density=density,
    )


# --- page-level context ---------------------------------------------------------------------


def _site_suffix(text: str) -> tuple[str, str] | None:
    """Split ``text`` into (prefix, site name) at its last separator, or None."""
    parts = _SUFFIX_SPLIT.split(text)
    if len(parts) < 2:
        return None
    name = _SUFFIX_TAIL.sub("", parts[-1]).strip(" ,")
    if not name or len(name) > 60 or not any(ch.isalpha() for ch in name):
        return None
    if _SENT_END.search(name) and name.endswith("."):
        return None
    prefix = text[: len(text) - len(parts[-1])].rstrip(" -–—|·:»")
    return prefix.strip(), name


@dataclass
class _Page:
    lines: list[_Line]
    script: str | None
    site_names: set[str]

    @classmethod
    def build(cls, text: str, density: Sequence[float] | None) -> _Page:
        spans = _split_lines(text)
        if density is not None and len(density) != len(spans):
            raise ValueError(
                f"link_density has {len(density)} values for {len(spans)} non-empty lines"
            )
        lines = [
            _make_line(i, s, e, t, None if density is None else float(density[i]))
            for i, (s, e, t) in enumerate(spans)
        ]
        return cls(lines, _article_script(lines), _site_names(lines))


def _article_script(lines: list[_Line]) -> str | None:
    """The script of the article: the one that carries most of the long lines' letters."""
    counts: Counter[str] = Counter()
    for line in lines:
        if line.script and line.length >= 40:
            counts[line.script] += line.length
    if not counts:
        counts.update(ln.script for ln in lines if ln.script)
    return counts.most_common(1)[0][0] if counts else None


def _site_names(lines: list[_Line]) -> set[str]:
    """Site names: short suffixes the page appends to lines with different texts."""
    prefixes: dict[str, set[str]] = {}
    for line in lines:
        split = _site_suffix(line.text)
        if split and len(split[1].split()) <= 5:
            prefixes.setdefault(split[1], set()).add(split[0])
    return {name for name, seen in prefixes.items() if len(seen) >= 2}


def _suffix_site(page: _Page, line: _Line) -> tuple[str, str] | None:
    split = _site_suffix(line.text)
    if split and split[1] in page.site_names:
        return split
    return None


# --- position-free cues ---------------------------------------------------------------------

Label = tuple[str, str]


def _is_credit_only(text: str) -> bool:
    """A line that is nothing but a picture credit ("(Foto: dpa)", "© Getty Images")."""
    if len(text) > 90:
        return False
    inner = text.strip("()[] ")
    if _CREDIT_START_RE.match(inner):
        return not _COPYRIGHT_NOTICE_RE.search(inner) or len(inner.split()) <= 4
    return bool(_CREDIT_TAIL_RE.search(text)) and len(_WORD.findall(text)) <= 4


def _caption_credit(text: str) -> bool:
    """Caption text with a credit attached at its start or end."""
    return bool(_CREDIT_PAREN_RE.search(text) or _CREDIT_START_RE.match(text)
                or (_CREDIT_TAIL_RE.search(text) and not _SENT_END.search(text)))


def _fixed_label(page: _Page, line: _Line) -> Label | None:
    """A role that the line's own text decides, wherever it sits."""
    text = line.text
    if page.script and line.script and line.script != page.script and line.script != "LATIN":
        return "site_chrome", f"written in {line.script.lower()} script, not the article's"
    if page.script and line.script and line.script != page.script and line.words <= 12:
        return "site_chrome", f"short line in {line.script.lower()} script, not the article's"
    if _DATELINE_RE.match(text) and line.words >= 1 and not _is_credit_only(text):
        return None
    if _COPYRIGHT_NOTICE_RE.search(text) and line.words <= 40:
        return "site_chrome", "copyright notice"
    if _is_credit_only(text):
        return "photo_credit", "credit marker on a short line"
    suffix = _suffix_site(page, line)
    if suffix is not None:
        prefix = suffix[0]
        if len(_WORD.findall(prefix)) < 4:
            return "site_chrome", "site name alone"
        if line.idx == 0:
            return "site_chrome", "page title with site-name suffix"
        return "photo_caption", "caption: repeats site-name suffix"
    if _CREDIT_START_RE.match(text) and line.words >= 6:
        return "photo_caption", "caption: opens with a credit marker"
    if _CREDIT_PAREN_RE.search(text):
        return "photo_caption", "caption: ends with a credit in brackets"
    if line.link_density is not None and line.link_density >= 0.6 and not line.prose:
        return "site_chrome", "mostly link text"
    if _is_boilerplate(line):
        return "site_chrome", "boilerplate phrase"
    return None


def _is_boilerplate(line: _Line) -> bool:
    """UI text: a short line mostly made of chrome words, or one dense with strong cues."""
    hits = _CHROME_RE.findall(line.text)
    if hits and line.words <= 12:
        letters = sum(ch.isalnum() for ch in line.text)
        covered = sum(sum(ch.isalnum() for ch in hit) for hit in hits)
        if covered >= 0.5 * letters or (line.words <= 2 and not line.sentence_end):
            return True
    strong = len(_STRONG_CHROME_RE.findall(line.text))
    return strong >= 1 and line.words <= 60 and (strong + len(hits)) >= 2


# --- the main body run ----------------------------------------------------------------------

_SHORT_COST = 35.0
_FURNITURE_COST = 60.0
_MAX_GAIN = 700.0
_WRAPPED_SHARE = 0.8
_HEADING_SHARE = 0.3
_MIN_SEGMENT = 100.0
_ANCHOR_BONUS = 500.0
_ANCHOR_REACH = 40


def _line_gain(line: _Line, label: Label | None) -> float:
    """Evidence that a line is article prose (positive) or furniture (negative).

    Sentence punctuation earns full credit for a line's length; a line that continues a
    sentence (hard-wrapped text) most of it; a heading-like line little, so a run of teasers
    or menu items costs more than it brings.
    """
    if label is not None:
        return -_FURNITURE_COST
    if line.prose:
        share = 1.0
    elif line.words >= 6 and (line.text[0].islower() or line.text[-1] in ",;-–(" ):
        share = _WRAPPED_SHARE
    else:
        share = _HEADING_SHARE
    return share * min(float(line.length), _MAX_GAIN) - _SHORT_COST


def _best_run(gains: list[float]) -> tuple[int, int]:
    """[lo, hi) of the contiguous run with the largest sum (empty run -> (0, 0))."""
    best, best_lo, best_hi = 0.0, 0, 0
    total, lo = 0.0, 0
    for i, gain in enumerate(gains):
        if total <= 0:
            total, lo = 0.0, i
        total += gain
        if total > best:
            best, best_lo, best_hi = total, lo, i + 1
    return best_lo, best_hi


def _segments(gains: list[float], lo: int, hi: int, floor: float) -> list[tuple[int, int, float]]:
    """Disjoint high-scoring runs in [lo, hi): the best one, then recursively on each side."""
    if hi - lo <= 0:
        return []
    a, b = _best_run(gains[lo:hi])
    total = sum(gains[lo + a : lo + b])
    if b == a or total < floor:
        return []
    left = _segments(gains, lo, lo + a, floor)
    right = _segments(gains, lo + b, hi, floor)
    return [*left, (lo + a, lo + b, total), *right]


def _title_anchors(page: _Page) -> list[int]:
    """Lines that repeat the page title (the first line): where the article's headline sits."""
    if len(page.lines) < 3:
        return []
    title = _page_title(page)
    if not title:
        return []
    anchors = []
    for line in page.lines[1:]:
        tokens = _tokens(line.text)
        if not tokens or line.words > 30:
            continue
        shared = len(tokens & title)
        if shared >= 0.7 * len(tokens) and shared >= 0.5 * len(title):
            anchors.append(line.idx)
    return anchors


def _main_run(page: _Page, gains: list[float]) -> tuple[int, int, int | None]:
    """[lo, hi) of the article body, and the title anchor it follows (if any).

    A line repeating the page title marks where the article starts, so the first prose line
    after it gets a bonus; the best-scoring run then wins. The run stretches past image blocks
    and short furniture only where the prose beyond outweighs them.
    """
    anchors = _title_anchors(page)
    boosted = list(gains)
    for a in anchors:
        first = next((i for i in range(a + 1, min(a + _ANCHOR_REACH, len(gains))) if gains[i] > 0),
                     None)
        if first is not None:
            boosted[first] = max(boosted[first], gains[first] + _ANCHOR_BONUS)
    lo, hi = _best_run(boosted)
    if hi <= lo:
        return 0, 0, None
    near = [a for a in anchors if lo - _ANCHOR_REACH <= a < lo]
    return lo, hi, (near[-1] if near else None)


def _cut_comments(lines: list[_Line], lo: int, hi: int) -> tuple[int, int]:
    """End the run where a comment section opens (or start after it, if it opens first)."""
    prose_chars = 0
    for i in range(lo, hi):
        line = lines[i]
        if line.words <= 8 and _COMMENTS_RE.match(line.text):
            if prose_chars >= 300:
                return lo, i
            return _best_run_within(lines, i + 1, hi)
        if line.prose:
            prose_chars += line.length
    return lo, hi


def _best_run_within(lines: list[_Line], lo: int, hi: int) -> tuple[int, int]:
    gains = [_line_gain(ln, None) for ln in lines[lo:hi]]
    a, b = _best_run(gains)
    return lo + a, lo + b


# --- headline -------------------------------------------------------------------------------


def _tokens(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 2}


def _title_overlap(line: _Line, title: set[str]) -> float:
    tokens = _tokens(line.text)
    if not tokens or not title:
        return 0.0
    return len(tokens & title) / len(tokens)


def _page_title(page: _Page) -> set[str]:
    """Words of the page title (the first line), less a site name at either end of it."""
    parts = [p for p in _TITLE_SPLIT.split(page.lines[0].text) if p.strip()]
    tokens = _tokens(page.lines[0].text)
    if len(parts) >= 2:
        ends = sorted((parts[0], parts[-1]), key=lambda p: len(_WORD.findall(p)))
        if len(_WORD.findall(ends[0])) <= 5:
            tokens -= _tokens(ends[0])
    return tokens


def _headline_candidate(line: _Line, label: Label | None) -> bool:
    if label is not None or not line.title_like or line.words < 3:
        return False
    if _BYLINE_RE.match(line.text) or _find_dates(line.text) and line.words <= 8:
        return False
    return not (_RELATED_LABEL_RE.match(line.text) or _COMMENTS_RE.match(line.text))


def _find_headline(page: _Page, labels: list[Label | None], lo: int) -> int | None:
    """The title-like line closest before the body (or opening it), preferring the page title."""
    title = _page_title(page) if len(page.lines) > 1 else set()
    window = range(lo, max(lo - 30, 0) - 1, -1)
    candidates = [
        i for i in window
        if 0 < i < len(page.lines) or (i == 0 and len(page.lines) > 0 and lo == 0)
    ]
    candidates = [i for i in candidates if i < len(page.lines)]
    candidates = [i for i in candidates if _headline_candidate(page.lines[i], labels[i])]
    if lo < len(page.lines) and lo + 1 < len(page.lines):
        pass
    if not candidates:
        return None
    matching = [i for i in candidates if _title_overlap(page.lines[i], title) >= 0.6]
    if matching:
        return matching[0]
    return candidates[0]


# --- labelling ------------------------------------------------------------------------------


def _is_chrome_short(line: _Line) -> bool:
    """Bylines, dates and time stamps: short metadata lines, not article text."""
    if _BYLINE_RE.match(line.text) and line.words <= 14:
        return True
    return bool(_find_dates(line.text)) and line.words <= 8


def _label_run(page: _Page, labels: list[Label | None], lo: int, hi: int) -> None:
    """Roles for the lines inside the body run that no fixed cue decided."""
    lines = page.lines
    for i in range(lo, hi):
        if labels[i] is not None:
            continue
        line = lines[i]
        if _RELATED_LABEL_RE.match(line.text) and line.words <= 8:
            labels[i] = _related_group(lines, labels, i, hi)
        elif _is_chrome_short(line) and not line.prose:
            labels[i] = "site_chrome", "byline or time stamp"
        elif line.words <= 12 and _COMMENTS_RE.match(line.text):
            labels[i] = "site_chrome", "comment-count line"
    _label_caption_neighbours(lines, labels, lo, hi)
    for i in range(lo, hi):
        if labels[i] is None:
            line = lines[i]
            reason = "prose inside the main text run" if line.prose else "short line inside the main text run"
            labels[i] = "body", reason


def _related_group(lines: list[_Line], labels: list[Label | None], i: int, hi: int) -> Label:
    """Label a 'Read more' line: inline ('Read more: Title') or a label over teaser lines."""
    line = lines[i]
    rest = _RELATED_LABEL_RE.sub("", line.text).strip(" :–—-|»>")
    if len(rest.split()) >= 3:
        return "related_link", "teaser after a 'read more' label"
    j = i + 1
    while j < hi and labels[j] is None and not lines[j].prose and lines[j].title_like:
        labels[j] = "related_link", "teaser under a 'read more' label"
        j += 1
    return "section_label", "label over related stories"


def _label_caption_neighbours(lines: list[_Line], labels: list[Label | None],
                              lo: int, hi: int) -> None:
    """Captions next to credits, and teaser titles (with kicker labels) right after captions."""
    for i in range(lo, hi):
        if labels[i] is not None or lines[i].prose and lines[i].length > 300:
            continue
        prev = labels[i - 1] if i > 0 else None
        nxt = labels[i + 1] if i + 1 < len(lines) else None
        if (nxt and nxt[0] == "photo_credit") or (prev and prev[0] == "photo_credit"):
            if lines[i].length <= 300 and lines[i].sentences <= 2:
                labels[i] = "photo_caption", "caption: next to a photo credit"
    for i in range(lo, hi):
        if labels[i] is None or labels[i][0] != "photo_caption":
            continue
        group = []
        j = i + 1
        while j < hi and labels[j] is None and lines[j].title_like and not lines[j].prose:
            group.append(j)
            j += 1
        if not group or len(group) > 3:
            continue
        for k in group[:-1]:
            labels[k] = "section_label", "kicker over a teaser after a caption"
        labels[group[-1]] = "related_link", "teaser title after a caption"


def _label_outside(page: _Page, labels: list[Label | None], lo: int, hi: int,
                   head: int | None) -> None:
    """Lines before and after the run: the headline, a lead under it, otherwise furniture."""
    lines = page.lines
    if head is not None:
        labels[head] = "headline", "title-like line closest before the main text"
        if head > 0 and labels[head - 1] is None and lines[head - 1].words <= 4 \
                and not lines[head - 1].sentence_end:
            labels[head - 1] = "section_label", "kicker right above the headline"
        for i in range(head + 1, lo):
            if labels[i] is not None:
                continue
            line = lines[i]
            if line.prose and not _is_chrome_short(line):
                labels[i] = "body", "lead paragraph between headline and main text"
            elif _is_chrome_short(line):
                labels[i] = "site_chrome", "byline or time stamp under the headline"
    for i, line in enumerate(lines):
        if labels[i] is None:
            where = "before" if i < lo else "after"
            labels[i] = "site_chrome", f"outside the main text run ({where} it)"
            del line


# --- public API -----------------------------------------------------------------------------


def classify_blocks(text: str, link_density: Sequence[float] | None = None) -> list[Block]:
    """One Block per non-empty line, in order.

    ``link_density`` (optional, one float per non-empty line, 0..1) is the share of the block's
    characters inside ``<a>`` in the original page, when known.
    """
    page = _Page.build(text, link_density)
    if not page.lines:
        return []
    labels: list[Label | None] = [_fixed_label(page, line) for line in page.lines]
    gains = [_line_gain(line, label) for line, label in zip(page.lines, labels, strict=True)]
    lo, hi, anchor = _main_run(page, gains)
    lo, hi = _cut_comments(page.lines, lo, hi)
    head = anchor if anchor is not None else _find_headline(page, labels, lo)
    if head is not None and head >= lo:
        lo = head + 1
        hi = max(hi, lo)
    _label_run(page, labels, lo, hi)
    _label_outside(page, labels, lo, hi, head)
    return [
        Block(line.start, line.end, label[0], label[1])
        for line, label in zip(page.lines, labels, strict=True)
        if label is not None
    ]


def _find_dates(text: str) -> list[tuple[int, str]]:
    """(position, ISO date) of every plausible calendar date in ``text``."""
    found = []
    for pattern, order in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = dict(zip(order, match.groups(), strict=True))
            month = _MONTHS.get(parts["M"].lower().rstrip(".")) if "M" in parts else int(parts["m"])
            try:
                when = date(int(parts["y"]), int(month or 0), int(parts["d"]))
            except ValueError:
                continue
            if 1990 <= when.year <= 2100:
                found.append((match.start(), when.isoformat()))
    return sorted(found)


def scrape_metadata(text: str, blocks: list[Block]) -> dict:
    """Outlet, publication date and headline from the scrape's own cues.

    The outlet is a site name the page appends to several lines (or to its title); the date
    prefers one in such a suffix, then one in the furniture near the headline, because dates
    inside captions and body text usually describe events, not the article.
    """
    page = _Page.build(text, None)
    headline = next((text[b.start : b.end] for b in blocks if b.role == "headline"), None)
    return {
        "outlet": _outlet(page),
        "published": _published(page, blocks, text),
        "headline": headline,
    }


def _outlet(page: _Page) -> str | None:
    if page.site_names:
        counts = Counter(
            split[1] for ln in page.lines if (split := _site_suffix(ln.text))
            and split[1] in page.site_names
        )
        return counts.most_common(1)[0][0]
    if page.lines:
        split = _site_suffix(page.lines[0].text)
        if split and len(split[0].split()) >= 3 and len(split[1].split()) <= 5:
            return split[1]
    return None


def _published(page: _Page, blocks: list[Block], text: str) -> str | None:
    for line in page.lines:  # a date carried in the site-name suffix
        split = _suffix_site(page, line)
        if split:
            tail = line.text[len(split[0]):]
            dates = _find_dates(tail)
            if dates:
                return dates[0][1]
    body_at = next((i for i, b in enumerate(blocks) if b.role == "body"), len(blocks))
    head_at = next((i for i, b in enumerate(blocks) if b.role == "headline"), None)
    order = list(range(head_at or 0, body_at)) + list(range((head_at or 0) - 1, -1, -1))
    order += [i for i, b in enumerate(blocks) if i > body_at and b.role == "site_chrome"]
    for i in order:
        block = blocks[i]
        if block.role in ("site_chrome", "section_label", "headline"):
            dates = _find_dates(text[block.start : block.end])
            if dates:
                return dates[0][1]
    return None
