"""Recovery-oriented language: find stigmatising words in a note and suggest kinder ones.

Pure: text in, findings out. The caller shows each finding beside the note with its
suggestion; nothing here can stop a note from being saved (SPEC, "Co-authored notes").

The list lives in `language.toml` beside this module, so it can be edited without touching
code. How a term matches (each rule is pinned by tests/unit/test_language.py):

- Case is ignored, and a term matches whole words only, never letters inside another word:
  "addict" does not match "addiction", "psycho" does not match "psychology".
- A word joined on by a hyphen makes a different, compound word, so "non-manipulative" and
  "psycho-education" are not flagged. (Cost: "attention-seeking-type" is missed too.)
  En and em dashes are punctuation, not hyphens: "manipulative–she said" is flagged.
- Between the words of a phrase, any whitespace (line breaks included) or a hyphen will do:
  "attention seeking" matches "attention-seeking" and "attention⏎seeking".
- A hyphen written inside a term may also be a space or left out: "non-compliant" matches
  "noncompliant" and "non compliant".
- An apostrophe in a term matches ', ’, ‘, ʼ or no apostrophe at all.
- "_" counts as punctuation, so markdown emphasis (_manipulative_) is still checked.
- `not_before` words keep ordinary uses out ("histrionic personality disorder" names a
  diagnosis); `not_after` words do the same from the other side ("was refused treatment"
  happens *to* a person). A `not_after` word must be followed by exactly one whitespace
  character: "was  refused" with two spaces is flagged.
- Where matches overlap, the longest wins (equal lengths: the earlier one). Findings come in
  text order.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

# Hyphen-minus, Unicode hyphen, non-breaking hyphen. Not en/em dashes: those separate words.
_HYPHENS = "-\u2010\u2011"
_APOSTROPHES = "'\u2019\u2018\u02bc"
_HYPHEN_CLASS = r"[\-\u2010\u2011]"
_APOSTROPHE_CLASS = r"['\u2019\u2018\u02bc]"
# Letters and digits. "_" is left out on purpose: it is markdown emphasis, not part of a word.
_WORD_CHAR = r"[^\W_]"
_BETWEEN_WORDS = r"[\s\-\u2010\u2011]+"
_INSIDE_WORD_HYPHEN = r"[\s\-\u2010\u2011]*"
# Not inside a word, and not the second half of a hyphenated compound ("non-manipulative").
_START = rf"(?<!{_WORD_CHAR})(?<!{_WORD_CHAR}{_HYPHEN_CLASS})"
_END = rf"(?!{_WORD_CHAR})(?!{_HYPHEN_CLASS}{_WORD_CHAR})"

# What a term or variant may look like: words of letters and digits, joined by single spaces,
# hyphens or apostrophes. Anything else would be a regex or punctuation question we'd rather
# not answer silently.
_VALID_FORM = re.compile(r"[^\W_]+(?:(?: |[\-\u2010\u2011'\u2019\u2018\u02bc])[^\W_]+)*")
# A `not_after` word goes into a fixed-width look-behind, so it must be a single word.
_VALID_NOT_AFTER = re.compile(r"[^\W\d_]+(?:[\-\u2010\u2011'\u2019\u2018\u02bc][^\W\d_]+)*")

_FIELDS = ("term", "suggestion", "variants", "why", "not_before", "not_after")
_CONTEXT_WORDS = 6
# How far to look for context words; a "word" longer than this is cut at a space anyway.
_CONTEXT_REACH = 40 * _CONTEXT_WORDS
_TOKEN = re.compile(r"\S+")
_SPACES = re.compile(r"\s+")
_NON_SPACE = re.compile(r"\S")


class TermListError(ValueError):
    """The list of terms is not usable; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Term:
    """One entry of the list: a stigmatising term, its other forms and a kinder suggestion."""

    term: str
    suggestion: str
    variants: tuple[str, ...] = ()
    why: str = ""
    not_before: tuple[str, ...] = ()
    not_after: tuple[str, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.term, *self.variants)


@dataclass(frozen=True, slots=True)
class Snippet:
    """A few words either side of a match, whitespace collapsed for display.

    `text[start:end]` is the match. The match is marked by offsets, not HTML, so a template
    can escape each part and wrap the middle in <mark>.
    """

    text: str
    start: int
    end: int
    clipped_start: bool
    clipped_end: bool

    @property
    def before(self) -> str:
        return self.text[: self.start]

    @property
    def marked(self) -> str:
        return self.text[self.start : self.end]

    @property
    def after(self) -> str:
        return self.text[self.end :]


@dataclass(frozen=True, slots=True)
class Finding:
    """One match in a note. `text[start:end] == matched`, exactly as the writer wrote it."""

    matched: str
    start: int
    end: int
    term: str
    suggestion: str
    why: str
    context: Snippet


# Loading and validating the list ----------------------------------------------------------


def default_source() -> Traversable:
    return files("peernotes.notes").joinpath("language.toml")


def load_terms(source: Traversable | None = None) -> tuple[Term, ...]:
    """Read and validate a term list (the packaged one unless `source` is given)."""
    source = source if source is not None else default_source()
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise TermListError(f"{source.name}: not valid TOML: {error}") from error
    terms = _parse(data, source.name)
    validate_terms(terms, source.name)
    return terms


def _parse(data: Mapping[str, object], where: str) -> tuple[Term, ...]:
    extra = sorted(set(data) - {"term"})
    if extra:
        raise TermListError(f"{where}: only [[term]] entries belong here; found {extra[0]!r}")
    entries = data.get("term")
    if not isinstance(entries, list) or not entries:
        raise TermListError(f"{where}: no [[term]] entries")
    return tuple(_parse_entry(entry, f"{where}: entry {n}") for n, entry in enumerate(entries, 1))


def _parse_entry(entry: object, where: str) -> Term:
    if not isinstance(entry, dict):
        raise TermListError(f"{where}: expected a [[term]] table")
    term = entry.get("term")
    if not isinstance(term, str) or not term.strip():
        raise TermListError(f"{where}: 'term' is missing or is not text")
    where = f"{where} ({term!r})"
    unknown = sorted(set(entry) - set(_FIELDS))
    if unknown:
        raise TermListError(f"{where}: unknown field {unknown[0]!r} (known: {', '.join(_FIELDS)})")
    suggestion = entry.get("suggestion")
    if not isinstance(suggestion, str) or not suggestion.strip():
        raise TermListError(f"{where}: 'suggestion' is missing or is not text")
    why = entry.get("why", "")
    if not isinstance(why, str):
        raise TermListError(f"{where}: 'why' must be text")
    return Term(
        term=_tidy(term),
        suggestion=suggestion.strip(),
        variants=_text_list(entry, "variants", where),
        why=why.strip(),
        not_before=_text_list(entry, "not_before", where),
        not_after=_text_list(entry, "not_after", where),
    )


def _text_list(entry: Mapping[str, object], field: str, where: str) -> tuple[str, ...]:
    value = entry.get(field, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TermListError(f"{where}: {field!r} must be a list of text")
    return tuple(_tidy(item) for item in value)


def _tidy(text: str) -> str:
    return " ".join(text.split())


def validate_terms(terms: Sequence[Term], where: str = "terms") -> None:
    """Check every form's shape and that no form is listed twice, naming the bad entry."""
    if not terms:
        raise TermListError(f"{where}: no terms")
    seen: dict[str, tuple[int, Term]] = {}
    for n, term in enumerate(terms, 1):
        entry = f"{where}: entry {n} ({term.term!r})"
        if not term.suggestion.strip():
            raise TermListError(f"{entry}: 'suggestion' is empty")
        _check_shapes(term, entry)
        for form in term.forms:
            key = _duplicate_key(form)
            if key in seen:
                first_n, first = seen[key]
                raise TermListError(
                    f"{entry}: {form!r} is already listed in entry {first_n} ({first.term!r})"
                )
            seen[key] = (n, term)


def _check_shapes(term: Term, entry: str) -> None:
    for form in (*term.forms, *term.not_before):
        if not _VALID_FORM.fullmatch(form):
            raise TermListError(
                f"{entry}: {form!r} must be words of letters or digits joined by single "
                "spaces, hyphens or apostrophes"
            )
    for word in term.not_after:
        if not _VALID_NOT_AFTER.fullmatch(word):
            raise TermListError(f"{entry}: not_after {word!r} must be a single word")


def _duplicate_key(form: str) -> str:
    # Forms that differ only in case, hyphens, spaces or apostrophes match the same text.
    return "".join(ch for ch in form.casefold() if ch.isalnum())


def form_key(form: str) -> str:
    """What two forms share when they would match the same text (a duplicate check for terms
    added outside the packaged list, `peernotes.language.service`)."""
    return _duplicate_key(form)


def valid_form(form: str) -> bool:
    """Whether `form` has the shape a term may have (words joined by single spaces, hyphens
    or apostrophes)."""
    return _VALID_FORM.fullmatch(form) is not None


# Matching -------------------------------------------------------------------------------


def _word_pattern(word: str) -> str:
    parts = []
    for ch in word:
        if ch in _HYPHENS:
            parts.append(_INSIDE_WORD_HYPHEN)
        elif ch in _APOSTROPHES:
            parts.append(f"{_APOSTROPHE_CLASS}?")
        else:
            parts.append(re.escape(ch))
    return "".join(parts)


def _phrase_pattern(phrase: str) -> str:
    return _BETWEEN_WORDS.join(_word_pattern(word) for word in phrase.split(" "))


def _not_after_pattern(word: str) -> str:
    # Fixed width, as Python's look-behind requires: each hyphen/apostrophe is exactly one char.
    literal = "".join(
        _HYPHEN_CLASS
        if ch in _HYPHENS
        else _APOSTROPHE_CLASS
        if ch in _APOSTROPHES
        else re.escape(ch)
        for ch in word
    )
    return rf"(?<!\b{literal}\s)"


def _form_pattern(form: str, term: Term) -> str:
    before = "".join(_not_after_pattern(word) for word in term.not_after)
    after = ""
    if term.not_before:
        words = "|".join(_phrase_pattern(phrase) for phrase in term.not_before)
        after = rf"(?!{_BETWEEN_WORDS}(?:{words}){_END})"
    return f"{before}{_phrase_pattern(form)}{_END}{after}"


class Checker:
    """A compiled term list. Build one per list; `check` is pure and thread-safe."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self.terms = tuple(terms)
        validate_terms(self.terms)
        forms = [(form, term) for term in self.terms for form in term.forms]
        # Longer forms first, so where several start at one place the longest is reported.
        forms.sort(key=lambda pair: -len(pair[0]))
        self._owner = {f"f{i}": term for i, (_, term) in enumerate(forms)}
        # Forms that can start at the same place share a first letter, so grouping by it
        # keeps the longest-first order that matters, and lets the engine skip a whole group
        # on one character: about 20 times faster on a long note than one flat alternation.
        by_letter: dict[str, list[str]] = {}
        for i, (form, term) in enumerate(forms):
            group = by_letter.setdefault(form[0].lower(), [])
            group.append(f"(?P<f{i}>{_form_pattern(form, term)})")
        alternatives = "|".join(
            f"(?={re.escape(letter)})(?:{'|'.join(group)})" for letter, group in by_letter.items()
        )
        # One regex for the whole list. The look-ahead makes it report a candidate at every
        # place a term starts, even inside another match, so overlaps are settled below
        # (longest wins) rather than by whichever match the regex engine met first.
        self._pattern = re.compile(rf"{_START}(?=(?:{alternatives}))", re.IGNORECASE)

    def check(self, text: str) -> list[Finding]:
        """Every stigmatising term in `text`, in text order, with context and a suggestion."""
        chosen = _longest_first(self._candidates(text))
        bounds = _text_bounds(text)
        return [_finding(text, start, end, term, bounds) for start, end, term in chosen]

    def _candidates(self, text: str) -> Iterator[tuple[int, int, Term]]:
        for match in self._pattern.finditer(text):
            name = match.lastgroup
            assert name is not None  # every alternative is a named group
            start, end = match.span(name)
            yield start, end, self._owner[name]


def _longest_first(
    candidates: Iterable[tuple[int, int, Term]],
) -> list[tuple[int, int, Term]]:
    ranked = sorted(candidates, key=lambda c: (c[0] - c[1], c[0]))
    starts: list[int] = []
    kept: list[tuple[int, int, Term]] = []
    for candidate in ranked:
        start, end, _ = candidate
        # `kept` never overlaps itself, so only the neighbours in text order can clash.
        i = bisect.bisect_left(starts, start)
        if i > 0 and kept[i - 1][1] > start:
            continue
        if i < len(kept) and kept[i][0] < end:
            continue
        starts.insert(i, start)
        kept.insert(i, candidate)
    return kept


# Context --------------------------------------------------------------------------------


def _text_bounds(text: str) -> tuple[int, int]:
    """Where the first word starts and the last word ends, to tell if a snippet is clipped."""
    first = _NON_SPACE.search(text)
    if first is None:
        return 0, 0
    return first.start(), len(text.rstrip())


def _finding(text: str, start: int, end: int, term: Term, bounds: tuple[int, int]) -> Finding:
    return Finding(
        matched=text[start:end],
        start=start,
        end=end,
        term=term.term,
        suggestion=term.suggestion,
        why=term.why,
        context=_snippet(text, start, end, bounds),
    )


def _snippet(text: str, start: int, end: int, bounds: tuple[int, int]) -> Snippet:
    lo = _context_start(text, start)
    hi = _context_end(text, end)
    # Line breaks and runs of spaces read as one space in a one-line snippet.
    before, marked, after = (
        _SPACES.sub(" ", part) for part in (text[lo:start], text[start:end], text[end:hi])
    )
    return Snippet(
        text=before + marked + after,
        start=len(before),
        end=len(before) + len(marked),
        clipped_start=lo > bounds[0],
        clipped_end=hi < bounds[1],
    )


def _context_start(text: str, start: int) -> int:
    reach = max(0, start - _CONTEXT_REACH)
    starts = [token.start() for token in _TOKEN.finditer(text, reach, start)]
    # A token at the edge of the reach may be half a word: leave it out.
    if starts and starts[0] == reach and reach > 0 and not text[reach - 1].isspace():
        starts.pop(0)
    if not starts:
        return start
    return starts[max(0, len(starts) - _CONTEXT_WORDS)]


def _context_end(text: str, end: int) -> int:
    reach = min(len(text), end + _CONTEXT_REACH)
    ends = [token.end() for token in _TOKEN.finditer(text, end, reach)]
    if ends and ends[-1] == reach and reach < len(text) and not text[reach].isspace():
        ends.pop()
    if not ends:
        return end
    return ends[min(len(ends), _CONTEXT_WORDS) - 1]


# The packaged list ------------------------------------------------------------------------


@cache
def default_checker() -> Checker:
    """The packaged list, read and compiled once per process."""
    return Checker(load_terms())


def check(text: str) -> list[Finding]:
    """Check a note against the packaged list. Advisory only: never a reason not to save."""
    return default_checker().check(text)
