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
   wins (a maximum-sum segment). A line that repeats the page title marks where the article
   starts. Comment sections and trailing teaser lists are cut off the end.
3. Around and inside that run: the headline is the title line, else the title-like line closest
   before the run; captions, teasers and section labels are recognised from their neighbours;
   short lines inside the run (one-line paragraphs, quotes, datelines, subheadings) stay body.

Every constant was set on the development part of ``shared/data/extraction-eval`` (see
``benchmarks/extraction_eval.py``), never on single pages.
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

Label = tuple[str, str]
_PICTURE_ROLES = ("photo_caption", "photo_credit")

# --- surface patterns -----------------------------------------------------------------------

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
    "|sponsored|load more|show more|back to top|contact|contact us|about|about us|copyright"
    "|sitemap|imprint|accept|javascript|your browser|download the app|get the app|app|print"
    "|email|e-mail|whatsapp|facebook|twitter|linkedin|pinterest|instagram|youtube|telegram|rss"
    "|my account|create account|password|forgot password|home|homepage|read more|click here"
    "|continue reading|next article|previous article|most read|most popular|trending|free trial"
    "|premium|paywall|ad|ads|toggle|opens new tab|new window|new tab"
    # German
    "|anmelden|einloggen|abmelden|registrieren|abonnieren|abo|abonnement|datenschutz"
    "|datenschutzerklärung|impressum|alle rechte vorbehalten|teilen|kommentare|kommentar"
    "|kommentieren|antworten|zum inhalt springen|suche|suchen|werbung|anzeige|weiterlesen"
    "|mehr lesen|nach oben|kontakt|startseite|akzeptieren|einstellungen|drucken|merken"
    "|jetzt teilen|artikel teilen|zurück|schließen|nutzungsbedingungen|agb|barrierefreiheit"
    "|mediadaten|neuen fenster"
    # French
    "|connexion|se connecter|s'inscrire|s'abonner|abonnez-vous|mentions légales"
    "|tous droits réservés|partager|commentaires|répondre|publicité|lire la suite|accueil"
    "|politique de confidentialité|rechercher|fermer|nouvel onglet"
    # Spanish / Portuguese / Italian / Dutch
    "|iniciar sesión|registrarse|suscríbete|suscribirse|boletín|todos los derechos reservados"
    "|compartir|comentarios|responder|publicidad|leer más|inicio|política de privacidad"
    "|aviso legal|buscar|cerrar|entrar|cadastre-se|assine|compartilhar|comentários"
    "|todos os direitos reservados|accedi|registrati|abbonati|iscriviti|condividi|commenti"
    "|rispondi|pubblicità|tutti i diritti riservati|cerca|inloggen|registreren"
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
    r"|registrieren sie sich|log in|einloggen|opens? (?:in )?(?:a )?new (?:tab|window)"
    r"|öffnet (?:sich )?in (?:einem )?neuen (?:fenster|tab)|nouvel onglet)(?!\w)",
    re.IGNORECASE,
)

#: A line that opens a comment section: the article is over.
_COMMENTS_RE = re.compile(
    r"^(?:\d+\s+)?(?:comments?|kommentare?|leserkommentare|commentaires?|comentarios?|commenti"
    r"|comentários|reacties|reaktionen|diskussion|discussion|responses?|replies|antworten"
    r"|vos réactions|leave a (?:reply|comment)|add a comment|post a comment|your comment"
    r"|join the discussion|to participate in the discussion|hinterlasse (?:einen|eine)"
    r" (?:kommentar|antwort)|schreiben? sie einen kommentar|schreibe einen kommentar"
    r"|(?:ihr|dein) kommentar|kommentar (?:verfassen|schreiben|hinterlassen|abgeben)"
    r"|laisser un commentaire|laissez un commentaire|deja (?:un|tu) comentario"
    r"|lascia un commento|deixe um comentário|\d+ (?:thoughts?|repl(?:y|ies)|responses?)"
    r" (?:on|to))\b",
    re.IGNORECASE,
)

#: A label over the tags or categories of a post.
_TAGS_RE = re.compile(
    r"^(?:tags?|schlagwörter|schlagworte|stichwörter|kategorien?|categories|category|themen"
    r"|etiquetas|étiquettes|mots-clés|argomenti|getaggt mit|filed under|posted in"
    r"|abgelegt unter)\b",
    re.IGNORECASE,
)

#: A label that introduces related-story teasers.
_RELATED_LABEL_RE = re.compile(
    r"(?:^|\W)(?:read (?:more|also|next)|related(?: articles?| stories| coverage| posts?"
    r"| content| topics)?|see also|more on this(?: story)?|more from|more stories|more news"
    r"|explore more|you (?:may|might) also like|recommended|also read|also on|trending"
    r"|latest (?:news|posts|articles|stories)|recent posts|popular posts|most (?:read|popular"
    r"|viewed)|top stories|lesen sie (?:auch|mehr)|mehr zum thema|auch interessant"
    r"|weitere (?:artikel|beiträge|nachrichten|themen|meldungen)|neueste (?:artikel|beiträge"
    r"|nachrichten)|neue beiträge|letzte beiträge|ähnliche (?:beiträge|artikel)"
    r"|könnte[n]? (?:sie|dich|euch) (?:auch )?interessieren|meistgelesen|beliebteste"
    r"|empfehlungen|lire aussi|à lire aussi|sur le même sujet|les plus lus|leer más"
    r"|le[eé] también|lea también|te puede interesar|otras noticias|más noticias"
    r"|noticias relacionadas|relacionad[oa]s|leggi anche|potrebbe interessarti|più letti"
    r"|leia também|veja também|lees ook|meer over|читайте также|по теме)(?:\W|$)",
    re.IGNORECASE,
)

#: Agencies and picture libraries as credits name them ("REUTERS/Jane Doe", "Getty Images").
_AGENCIES = (
    r"(?-i:AP|PA)(?: Images| Wire| Photo)?|AFP|Reuters|Getty(?: Images)?|dpa|EPA|EFE|ANSA|ANP"
    r"|Keystone|picture[- ]alliance|imago(?: images)?|Shutterstock|iStock(?:photo)?|Alamy"
    r"|Xinhua|TASS|Sputnik|RIA Novosti|Bloomberg|Depositphotos|Unsplash|Pixabay"
    r"|Wikimedia(?: Commons)?"
)
_CREDIT_WORDS = (
    r"photo(?:graph)?s?|photo credit|images?|credits?|fotos?|bild(?:er)?|crédits?"
    r"|fotografía|imagen|фото|illustration|grafik|image source"
)
_CREDIT_START_RE = re.compile(rf"^(?:©|\(c\)|(?:{_CREDIT_WORDS})\s*[:,])", re.IGNORECASE)
#: A credit closing a caption: "(AP Photo/Jane Doe)", "[File: X/AP Photo]", "Photograph: X/Y".
_CREDIT_END_RE = re.compile(
    rf"(?:[(\[][^()\[\]]*\b(?:{_CREDIT_WORDS}|{_AGENCIES})\b[^()\[\]]*[)\]]"
    rf"|[(\[]\s*©[^()\[\]]*[)\]]|\b(?:{_CREDIT_WORDS})\s*:\s*[\w .'/&-]{{2,60}})\s*$",
    re.IGNORECASE,
)
_CREDIT_TAIL_RE = re.compile(
    rf"(?:^|[\s|/·,])(?:{_AGENCIES})(?:\s*(?:photo|images?|/\s*[\w .'-]+))?\s*$", re.IGNORECASE
)
_RIGHTS_RE = re.compile(
    r"all rights reserved|alle rechte vorbehalten|tous droits réservés|todos los derechos"
    r"|tutti i diritti|todos os direitos|alle rechten|все права|wszelkie prawa",
    re.IGNORECASE,
)
_COPYRIGHT_RE = re.compile(
    r"(?:©|\(c\)|copyright)\s*(?:\d{4}|[^\n]*\d{4}\s*[-–]\s*\d{4})", re.IGNORECASE
)
#: A caption that says so ("Image caption, …", "Bildunterschrift: …").
_CAPTION_MARK_RE = re.compile(
    r"^(?:image caption|media caption|caption|bildunterschrift|légende|pie de foto|didascalia)"
    r"\s*[:,]",
    re.IGNORECASE,
)
#: "Source: X and agencies" under an article names where it came from: furniture, not text.
_SOURCE_RE = re.compile(r"^(?:source|sources|quelle|quellen|fuente|fonte)\s*:", re.IGNORECASE)

#: A dateline that opens wire copy: "WASHINGTON (Reuters) -", "BERLIN, 5. März (dpa) -".
_DATELINE_RE = re.compile(
    r"^[A-ZÄÖÜÉÈ][A-ZÄÖÜÉÈ .'’-]{2,40}(?:,[^()\n]{0,30})?(?:\s*\([\w .&/-]{1,30}\))?\s*[-–—:]"
)
#: The credit line that closes wire copy: part of the story as the agency sends it.
_WIRE_CREDIT_RE = re.compile(
    r"^(?:additional )?(?:reporting|writing|editing|compiled|translated) by\b", re.IGNORECASE
)

#: Bylines, time stamps and reading times: metadata lines around the headline.
_BYLINE_RE = re.compile(
    r"^(?:by|von|par|por|di|door|av|af|written by|geschrieben von|ein (?:beitrag|artikel) von"
    r"|autor(?:in)?\s*:|author\s*:|text\s*:|published|updated|posted|veröffentlicht|aktualisiert"
    r"|stand\s*:|erstellt|publié|mis à jour|publicado|actualizado|pubblicato|article rédigé par"
    r"|rédigé par|lesezeit|reading time|temps de lecture|tiempo de lectura)\b",
    re.IGNORECASE,
)
_READ_TIME_RE = re.compile(
    r"^\d+\s*(?:min|minutes?|minuten|mins)\.?\s*(?:read|lesezeit|lecture)?$", re.IGNORECASE
)
_TIME_RE = re.compile(r"\b\d{1,2}[:.h]\d{2}\b")

_MONTHS = {
    m: i + 1
    for names in (
        "january february march april may june july august september october november december",
        "jan feb mar apr may jun jul aug sep oct nov dec",
        "januar februar märz april mai juni juli august september oktober november dezember",
        "jan feb mär apr mai jun jul aug sep okt nov dez",
        "jänner feber marz apr mai jun jul aug sept okt nov dez",
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
        "janv févr mars avr mai juin juil août sept oct nov déc",
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
        "ene feb mar abr may jun jul ago sep oct nov dic",
        "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre"
        " dicembre",
        "gen feb mar apr mag giu lug ago set ott nov dic",
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
    # 30 November 2023, 30. November 2023, 30 de noviembre de 2023, 22 abr 2024
    (
        re.compile(
            rf"(?<!\d)(\d{{1,2}})\.?\s+(?:de\s+)?({_MONTH_ALT})\.?,?\s+(?:de\s+)?(\d{{4}})(?!\d)",
            re.IGNORECASE,
        ),
        ("d", "M", "y"),
    ),
    # November 30, 2023, Nov. 30 2023
    (
        re.compile(
            rf"\b({_MONTH_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)", re.IGNORECASE
        ),
        ("M", "d", "y"),
    ),
)

#: Separators between a page or caption text and the site name that a site appends.
_SUFFIX_SPLIT = re.compile(r"\s+[-–—|·:»]{1,2}\s+|^[-–—|]\s*")
_TITLE_SPLIT = re.compile(r"\s+[-–—|·:»/]{1,2}\s+")
#: Trailing numbers and dates after a site name ("Sputnik International, 1920, 30.11.2023").
_SUFFIX_TAIL = re.compile(r"(?:,\s*[\d./:-]+)+\s*$")

# --- scoring constants (set on the development pages) ----------------------------------------

_SHORT_COST = 35.0  # a line that is not prose: menus, labels, headings
_FURNITURE_COST = 60.0  # a line a fixed cue marks as chrome
_PICTURE_COST = 10.0  # captions and credits sit inside articles: they barely break a run
_MAX_GAIN = 700.0  # one very long line must not outweigh everything else
_WRAPPED_SHARE = 0.8  # hard-wrapped text: a line that continues a sentence
_ANCHOR_BONUS = 500.0  # the first prose after a line repeating the page title
_ANCHOR_REACH = 40  # lines between that title line and the article text
_TAIL_SHARE = 0.6  # a closing marker ends the run once this share of its prose is behind it
_MIN_LEAD_WORDS = 5  # a standfirst line under the headline
_MAX_LIST_ITEMS = 40  # list items a run's closing "…:" line may announce
_HEAD_IN_RUN = 4  # how far into the run a headline may sit when none precedes it
_LINKED = 0.6  # link density above which a short line is a link, not text


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


def nonblank_lines(text: str) -> list[tuple[int, int, str]]:
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


@lru_cache(maxsize=8192)
def _char_script(ch: str) -> str | None:
    """The Unicode script family of a letter (first word of its name), or None."""
    if not ch.isalpha():
        return None
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return None
    head = name.split(" ", 1)[0]
    return "CJK" if head in ("CJK", "HIRAGANA", "KATAKANA") else head


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


def _tokens(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 2}


# --- page-level context ---------------------------------------------------------------------


def _site_suffix(text: str) -> tuple[str, str] | None:
    """Split ``text`` into (prefix, site name) at its last separator, or None."""
    parts = _SUFFIX_SPLIT.split(text)
    if len(parts) < 2:
        return None
    name = _SUFFIX_TAIL.sub("", parts[-1]).strip(" ,")
    if not name or len(name) > 60 or not any(ch.isalpha() for ch in name):
        return None
    if name.endswith("."):
        return None
    prefix = text[: len(text) - len(parts[-1])].rstrip(" -–—|·:»")
    return prefix.strip(), name


@dataclass
class _Page:
    lines: list[_Line]
    script: str | None
    site_names: set[str]
    title_site: str | None

    @classmethod
    def build(cls, text: str, density: Sequence[float] | None) -> _Page:
        spans = nonblank_lines(text)
        if density is not None and len(density) != len(spans):
            raise ValueError(
                f"link_density has {len(density)} values for {len(spans)} non-empty lines"
            )
        lines = [
            _make_line(i, s, e, t, None if density is None else float(density[i]))
            for i, (s, e, t) in enumerate(spans)
        ]
        title_site = _title_site(lines)
        names = _site_names(lines) | ({title_site} if title_site else set())
        return cls(lines, _article_script(lines), names, title_site)


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


def _title_site(lines: list[_Line]) -> str | None:
    """The site name a page title carries ("Headline | Site"), when the first line is one."""
    if len(lines) < 3:
        return None
    split = _site_suffix(lines[0].text)
    if split and len(split[0].split()) >= 3 and len(split[1].split()) <= 5:
        return split[1]
    return None


def _suffix_site(page: _Page, line: _Line) -> tuple[str, str] | None:
    split = _site_suffix(line.text)
    if split and split[1] in page.site_names:
        return split
    return None


def _page_title(page: _Page) -> set[str]:
    """Words of the page title (the first line), less a site name at either end of it."""
    parts = [p for p in _TITLE_SPLIT.split(page.lines[0].text) if p.strip()]
    tokens = _tokens(page.lines[0].text)
    if len(parts) >= 2:
        ends = sorted((parts[0], parts[-1]), key=lambda p: len(_WORD.findall(p)))
        if len(_WORD.findall(ends[0])) <= 5:
            tokens -= _tokens(ends[0])
    return tokens


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


# --- position-free cues ---------------------------------------------------------------------


def _is_credit_only(text: str) -> bool:
    """A line that is nothing but a picture credit ("(Foto: dpa)", "© Getty Images")."""
    if len(text) > 90 or _RIGHTS_RE.search(text):
        return False
    inner = text.strip("()[] ")
    if _CREDIT_START_RE.match(inner):
        return not _COPYRIGHT_RE.search(inner) or len(inner.split()) <= 4
    return bool(_CREDIT_TAIL_RE.search(text)) and len(_WORD.findall(text)) <= 4


def _script_label(page: _Page, line: _Line) -> Label | None:
    """UI strings in another script than the article's (a language menu, a foreign label)."""
    if not (page.script and line.script and line.script != page.script):
        return None
    if line.words <= 12 and not line.sentence_end:
        return "site_chrome", f"written in {line.script.lower()} script, not the article's"
    return None


def _picture_label(page: _Page, line: _Line) -> Label | None:
    """Credits and captions that carry their own marker."""
    text = line.text
    if _is_credit_only(text):
        return "photo_credit", "credit marker on a short line"
    suffix = _suffix_site(page, line)
    if suffix is not None:
        if len(_WORD.findall(suffix[0])) < 4:
            return "site_chrome", "site name alone"
        if line.idx == 0:
            return "site_chrome", "page title with site-name suffix"
        return "photo_caption", "caption: repeats site-name suffix"
    if _CAPTION_MARK_RE.match(text):
        return "photo_caption", "caption: marked as one"
    if _CREDIT_START_RE.match(text) and line.words >= 6:
        return "photo_caption", "caption: opens with a credit marker"
    short = line.length <= 300 and line.sentences <= 2
    if short and (
        _CREDIT_END_RE.search(text) or _CREDIT_TAIL_RE.search(text) and not line.sentence_end
    ):
        return "photo_caption", "caption: ends with a photo credit"
    if page.title_site and text.endswith(f"({page.title_site})"):
        return "photo_caption", "caption: credited to the site itself"
    return None


def _chrome_label(line: _Line) -> Label | None:
    """Copyright, source lines, boilerplate phrases, mostly-linked lines."""
    text = line.text
    if (
        _COPYRIGHT_RE.search(text) or text.startswith("©") and _RIGHTS_RE.search(text)
    ) and line.words <= 40:
        return "site_chrome", "copyright notice"
    if _SOURCE_RE.match(text) and line.words <= 12:
        return "site_chrome", "source line"
    if _TAGS_RE.match(text) and line.words <= 15 and not line.sentence_end:
        return "site_chrome", "tags or categories line"
    if _is_boilerplate(line):
        return "site_chrome", "boilerplate phrase"
    if line.link_density is not None and line.link_density >= _LINKED and not line.prose:
        if line.title_like and line.words >= 4:
            return "related_link", "linked headline (teaser)"
        return "site_chrome", "mostly link text"
    return None


def _fixed_label(page: _Page, line: _Line) -> Label | None:
    """A role that the line's own text decides, wherever it sits."""
    found = _script_label(page, line)
    if found:
        return found
    if _DATELINE_RE.match(line.text) and not _is_credit_only(line.text):
        return None
    if line.words <= 8 and _RELATED_LABEL_RE.search(line.text) and _related_rest(line) < 4:
        return "section_label", "label over related stories"
    return _chrome_label(line) or _picture_label(page, line)


def _is_boilerplate(line: _Line) -> bool:
    """UI text: a short line mostly made of chrome words, or one dense with strong cues."""
    hits = _CHROME_RE.findall(line.text)
    strong = len(_STRONG_CHROME_RE.findall(line.text))
    if line.words <= 12 and (strong or _READ_TIME_RE.match(line.text)):
        return True
    if hits and line.words <= 12:
        letters = sum(ch.isalnum() for ch in line.text)
        covered = sum(sum(ch.isalnum() for ch in hit) for hit in hits)
        if covered >= 0.5 * letters or (line.words <= 2 and not line.sentence_end):
            return True
    return strong >= 1 and line.words <= 60 and (strong + len(hits)) >= 2


def _related_rest(line: _Line) -> int:
    """Words after a 'read more'-style label on the same line ("Read more: <title>")."""
    return len(_WORD.findall(_RELATED_LABEL_RE.sub(" ", line.text, count=1)))


# --- the main body run ----------------------------------------------------------------------


def _line_gain(line: _Line, label: Label | None) -> float:
    """Evidence that a line is article prose (positive) or furniture (negative).

    Sentence punctuation earns full credit for a line's length; a line that continues a
    sentence (hard-wrapped text) most of it; a heading-like line nothing, so a run of teasers
    or menu items costs more than it brings.
    """
    if label is not None:
        return -_PICTURE_COST if label[0] in _PICTURE_ROLES else -_FURNITURE_COST
    if line.prose:
        share = 1.0
    elif line.words >= 6 and (line.text[0].islower() or line.text[-1] in ",;-–("):
        share = _WRAPPED_SHARE
    else:
        return -_SHORT_COST
    return share * min(float(line.length), _MAX_GAIN) - _SHORT_COST


def _best_run(gains: Sequence[float]) -> tuple[int, int]:
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


def _main_run(page: _Page, gains: list[float]) -> tuple[int, int, int | None]:
    """[lo, hi) of the article body, and the title anchor it follows (if any).

    A line repeating the page title marks where the article starts, so the first prose line
    after it gets a bonus; the best-scoring run then wins. The run stretches past image blocks
    and short furniture only where the prose beyond outweighs them.
    """
    anchors = _title_anchors(page)
    boosted = list(gains)
    for a in anchors:
        end = min(a + _ANCHOR_REACH, len(gains))
        first = next((i for i in range(a + 1, end) if gains[i] > 0), None)
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
            gains = [_line_gain(ln, None) for ln in lines[i + 1 : hi]]
            a, b = _best_run(gains)
            return i + 1 + a, i + 1 + b
        if line.prose:
            prose_chars += line.length
    return lo, hi


def _is_closing_marker(line: _Line, label: Label | None) -> bool:
    if label is not None and label[0] in ("site_chrome", "section_label"):
        return True
    return line.words <= 8 and bool(_TAGS_RE.match(line.text))


def _resumes_article(lines: list[_Line], labels: list[Label | None], i: int, hi: int) -> bool:
    """After a teaser box inside an article, the article's own paragraphs follow.

    Skips the marker and the teaser lines under it; what remains must be nearly all prose and
    free of chrome, unlike a teaser list (titles alternating with blurbs) or a footer.
    """
    j = i + 1
    while j < hi and not lines[j].prose and labels[j] is None and lines[j].words <= 20:
        j += 1
    rest = range(j, hi)
    if not rest:
        return False
    prose = sum(lines[k].prose for k in rest)
    chrome = sum(labels[k] is not None and labels[k][0] == "site_chrome" for k in rest)
    return chrome == 0 and prose >= 0.7 * len(rest)


def _cut_tail(lines: list[_Line], labels: list[Label | None], lo: int, hi: int) -> int:
    """End the run at a closing marker (chrome, tags, related label) once most prose is behind.

    Such markers close an article; what follows them is usually teasers or a sidebar that the
    run swallowed because it holds some prose too.
    """
    prose = [ln.length if ln.prose else 0 for ln in lines[lo:hi]]
    total = sum(prose)
    seen = 0
    for i in range(lo, hi):
        if (
            total
            and seen >= _TAIL_SHARE * total
            and _is_closing_marker(lines[i], labels[i])
            and not _resumes_article(lines, labels, i, hi)
        ):
            return i
        seen += prose[i - lo]
    return hi


def _extend_tail(lines: list[_Line], labels: list[Label | None], hi: int) -> int:
    """Take in short closing lines the scoring leaves out: a last one-line paragraph, a wire
    credit ("Reporting by …"), a quoted one-liner."""
    if 0 < hi < len(lines) and lines[hi - 1].text.endswith(":"):
        hi = _extend_list(lines, labels, hi)
    while hi < len(lines) and labels[hi] is None:
        line = lines[hi]
        sentence = line.sentence_end and line.words >= 3 and not _is_chrome_short(line)
        if not (sentence or _WIRE_CREDIT_RE.match(line.text)):
            break
        hi += 1
    return hi


def _extend_list(lines: list[_Line], labels: list[Label | None], hi: int) -> int:
    """The items of a list that the run's last line announces ("… are affected:")."""
    end = min(hi + _MAX_LIST_ITEMS, len(lines))
    while hi < end and labels[hi] is None and lines[hi].words <= 30:
        line = lines[hi]
        if _is_chrome_short(line) or _COMMENTS_RE.match(line.text) or _TAGS_RE.match(line.text):
            break
        hi += 1
    return hi


def _extend_over_teasers(lines: list[_Line], labels: list[Label | None], hi: int) -> int:
    """Reach past a teaser box that interrupts the article when its paragraphs resume.

    A 'Read more' label (or an inline 'Read more: title' line) with a few teaser titles under
    it, followed by prose: the prose is still the article, though too short to pay for the box.
    """
    j = hi
    while j < len(lines) and labels[j] is not None and labels[j][0] in _PICTURE_ROLES:
        j += 1
    if j >= len(lines) or not _opens_teaser_box(lines[j], labels[j]):
        return hi
    j += 1
    while (
        j < min(hi + 6, len(lines))
        and labels[j] is None
        and not lines[j].prose
        and lines[j].title_like
    ):
        j += 1
    k = j
    while k < len(lines) and labels[k] is None and (lines[k].prose or lines[k].sentence_end):
        k += 1
    if k > j and any(lines[m].prose for m in range(j, k)):
        return k
    return hi


def _opens_teaser_box(line: _Line, label: Label | None) -> bool:
    if label is not None:
        return label[0] == "section_label"
    return bool(_RELATED_LABEL_RE.match(line.text)) and not line.sentence_end


# --- headline -------------------------------------------------------------------------------


def _headline_candidate(line: _Line, label: Label | None) -> bool:
    if label is not None or not line.title_like or line.words < 3:
        return False
    if _is_chrome_short(line):
        return False
    return not (_RELATED_LABEL_RE.search(line.text) or _COMMENTS_RE.match(line.text))


def _find_headline(page: _Page, labels: list[Label | None], lo: int, hi: int) -> int | None:
    """The title-like line closest before the body; failing that, one among the first lines
    of the run (a promo sentence above the headline can pull the run's start up)."""
    lines = page.lines
    for i in range(min(lo, len(lines)) - 1, max(lo - 30, 0) - 1, -1):
        if _headline_candidate(lines[i], labels[i]):
            return i
    for i in range(lo, min(lo + _HEAD_IN_RUN, hi - 1)):
        if _headline_candidate(lines[i], labels[i]) and not lines[i].prose:
            return i
    return None


# --- labelling ------------------------------------------------------------------------------


def _is_chrome_short(line: _Line) -> bool:
    """Bylines, dates and time stamps: short metadata lines, not article text."""
    if (_BYLINE_RE.match(line.text) or _READ_TIME_RE.match(line.text)) and line.words <= 14:
        return True
    return bool(_find_dates(line.text) or _TIME_RE.search(line.text)) and line.words <= 8


def _is_name_line(lines: list[_Line], i: int) -> bool:
    """A bare author name over a date line: "Jane Doe" / "Wed 2 Oct 2024 07.00 BST"."""
    line = lines[i]
    if not (2 <= line.words <= 4) or line.sentence_end or any(ch.isdigit() for ch in line.text):
        return False
    words = _WORD.findall(line.text)
    if not all(w[0].isupper() for w in words):
        return False
    return i + 1 < len(lines) and _is_chrome_short(lines[i + 1])


def _label_run(page: _Page, labels: list[Label | None], lo: int, hi: int) -> None:
    """Roles for the lines inside the body run that no fixed cue decided."""
    lines = page.lines
    for i in range(lo, hi):
        if labels[i] is None:
            labels[i] = _run_line_label(lines, labels, i)
        if labels[i] is not None and labels[i][0] == "section_label":
            _label_teasers(lines, labels, i + 1, hi)
    _label_caption_neighbours(lines, labels, lo, hi)
    for i in range(lo, hi):
        if labels[i] is None:
            kind = "prose" if lines[i].prose else "short line"
            labels[i] = "body", f"{kind} inside the main text run"


def _run_line_label(lines: list[_Line], labels: list[Label | None], i: int) -> Label | None:
    line = lines[i]
    if _RELATED_LABEL_RE.match(line.text) and line.words <= 30 and not line.sentence_end:
        return "related_link", "teaser after a 'read more' label"
    if _is_chrome_short(line) and not line.prose:
        return "site_chrome", "byline or time stamp"
    if _is_name_line(lines, i):
        return "site_chrome", "author name over a date"
    if line.words <= 12 and _COMMENTS_RE.match(line.text):
        return "site_chrome", "comment-count line"
    return None


def _label_teasers(lines: list[_Line], labels: list[Label | None], j: int, hi: int) -> None:
    """Teaser titles under a 'Related'/'Read more' label; one- or two-word tags are chrome."""
    while j < hi and labels[j] is None and not lines[j].prose and lines[j].title_like:
        if _COMMENTS_RE.match(lines[j].text) or _is_chrome_short(lines[j]):
            break
        if lines[j].words >= 3:
            labels[j] = "related_link", "teaser under a 'read more' label"
        else:
            labels[j] = "site_chrome", "topic tag under a label"
        j += 1


def _label_caption_neighbours(
    lines: list[_Line], labels: list[Label | None], lo: int, hi: int
) -> None:
    """Captions next to credits, and teaser titles (with kicker labels) right after captions."""
    for i in range(lo, hi):
        if labels[i] is not None or lines[i].length > 300:
            continue
        prev = labels[i - 1] if i > 0 else None
        nxt = labels[i + 1] if i + 1 < len(lines) else None
        if nxt and nxt[0] == "photo_credit" and lines[i].sentences <= 2:
            labels[i] = "photo_caption", "caption: right above a photo credit"
        elif (
            prev
            and prev[0] == "photo_credit"
            and lines[i].length <= 120
            and not lines[i].sentence_end
        ):
            labels[i] = "photo_caption", "caption: right under a photo credit"
    for i in range(lo, hi):
        if labels[i] is None or labels[i][0] != "photo_caption":
            continue
        group = []
        j = i + 1
        while (
            j < hi
            and labels[j] is None
            and lines[j].title_like
            and not lines[j].prose
            and not _DATELINE_RE.match(lines[j].text)
            and not _is_chrome_short(lines[j])
            and not _is_name_line(lines, j)
        ):
            group.append(j)
            j += 1
        if not group or len(group) > 3 or (j < hi and labels[j] is None and not lines[j].prose):
            continue
        for k in group[:-1]:
            labels[k] = "section_label", "kicker over a teaser after a caption"
        labels[group[-1]] = "related_link", "teaser title after a caption"


def _label_head(page: _Page, labels: list[Label | None], head: int, lo: int) -> None:
    """The headline, a kicker right above it, and the standfirst and byline under it."""
    lines = page.lines
    labels[head] = "headline", "title line closest before the main text"
    above = lines[head - 1] if head > 0 else None
    if (
        above is not None
        and labels[head - 1] is None
        and above.words <= 4
        and not above.sentence_end
    ):
        labels[head - 1] = "section_label", "kicker right above the headline"
    _label_caption_neighbours(lines, labels, head + 1, lo)
    for i in range(head + 1, lo):
        if labels[i] is not None:
            continue
        line = lines[i]
        if i == lo - 1 and _DATELINE_RE.match(line.text):
            labels[i] = "body", "dateline opening the text"
        elif _is_chrome_short(line) or _is_name_line(lines, i):
            labels[i] = "site_chrome", "byline or time stamp under the headline"
        elif line.prose:
            labels[i] = "body", "lead paragraph between headline and main text"
        elif (
            line.words >= 8
            or line.words >= _MIN_LEAD_WORDS
            and all(labels[k] is not None and labels[k][0] == "body" for k in range(head + 1, i))
        ):
            labels[i] = "body", "standfirst under the headline"


def _label_after(page: _Page, labels: list[Label | None], hi: int) -> None:
    """After the run: related-story labels keep their teasers; the rest is furniture."""
    lines = page.lines
    for i in range(hi, len(lines)):
        if labels[i] is not None and labels[i][0] == "section_label":
            _label_teasers(lines, labels, i + 1, len(lines))


def _label_outside(
    page: _Page, labels: list[Label | None], lo: int, hi: int, head: int | None
) -> None:
    """Lines before and after the run: the headline, a lead under it, otherwise furniture."""
    if head is not None:
        _label_head(page, labels, head, lo)
    _label_after(page, labels, hi)
    for i in range(len(page.lines)):
        if labels[i] is None:
            where = "before" if i < lo else "after"
            labels[i] = "site_chrome", f"outside the main text run ({where} it)"


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
    hi = _cut_tail(page.lines, labels, lo, hi)
    hi = _extend_tail(page.lines, labels, hi)
    while (grown := _extend_over_teasers(page.lines, labels, hi)) > hi:
        hi = _extend_tail(page.lines, labels, grown)
    head = anchor if anchor is not None else _find_headline(page, labels, lo, hi)
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


def furniture_labels(paragraphs: Sequence[str]) -> list[Label | None]:
    """Furniture roles for paragraphs that an extractor already picked as the main text.

    Extractors keep the odd credit line, share prompt or a trailing 'related' or comments
    block; the position-free cues catch those, and a comments or related-stories label near the
    end closes the article. ``None`` means no cue: keep the paragraph as body.
    """
    cleaned = [" ".join(p.split()) for p in paragraphs]
    if not any(cleaned):
        return [None] * len(cleaned)
    page = _Page.build("\n".join(p or "-" for p in cleaned), None)
    labels: list[Label | None] = [
        None if _trusts_extractor(line, label) else label
        for line, label in ((ln, _fixed_label(page, ln)) for ln in page.lines)
    ]
    total = sum(ln.length for ln in page.lines)
    seen = 0
    for line in page.lines:
        closing = line.words <= 8 and (
            _COMMENTS_RE.match(line.text) or _RELATED_LABEL_RE.search(line.text)
        )
        if closing and seen >= _TAIL_SHARE * total:
            for rest in page.lines[line.idx :]:
                labels[rest.idx] = "site_chrome", "after the closing comments/related label"
            break
        seen += line.length
    return labels


def _trusts_extractor(line: _Line, label: Label | None) -> bool:
    """A long paragraph that an extractor kept outweighs a chrome word or two in it."""
    return label is not None and label[1] == "boilerplate phrase" and line.words > 12


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
    counts = Counter(
        split[1] for ln in page.lines if (split := _suffix_site(page, ln)) and split[0]
    )
    repeated = [name for name, n in counts.most_common() if n >= 2]
    if repeated:
        return repeated[0]
    return page.title_site


def _published(page: _Page, blocks: list[Block], text: str) -> str | None:
    for line in page.lines:  # a date carried in a site-name suffix
        split = _suffix_site(page, line)
        if split:
            dates = _find_dates(line.text[len(split[0]) :])
            if dates:
                return dates[0][1]
    body_at = next((i for i, b in enumerate(blocks) if b.role == "body"), len(blocks))
    head_at = next((i for i, b in enumerate(blocks) if b.role == "headline"), 0)
    order = [*range(head_at, body_at), *range(head_at - 1, -1, -1), *range(body_at, len(blocks))]
    for i in order:
        block = blocks[i]
        if block.role in ("site_chrome", "section_label", "headline"):
            dates = _find_dates(text[block.start : block.end])
            if dates:
                return dates[0][1]
    return None
