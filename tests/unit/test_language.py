"""Recovery-oriented language check: what it flags, what it must not flag, and the list file."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest

from peernotes.notes.language import (
    Checker,
    Finding,
    Term,
    TermListError,
    check,
    default_checker,
    default_source,
    load_terms,
)

TERMS = load_terms()
FORMS = [(entry.term, form) for entry in TERMS for form in entry.forms]


def matches(text: str) -> list[str]:
    return [finding.matched for finding in check(text)]


def only(text: str) -> Finding:
    found = check(text)
    assert len(found) == 1, [f.matched for f in found]
    return found[0]


# The packaged list -------------------------------------------------------------------------


def test_the_packaged_list_has_at_least_30_entries_each_with_a_suggestion() -> None:
    assert len(TERMS) >= 30
    for entry in TERMS:
        assert entry.suggestion.strip(), entry.term
        # Suggestions are sentences a writer can act on, not a bare synonym of one word.
        assert len(entry.suggestion.split()) >= 3, entry.term


def test_the_list_names_the_terms_the_issue_asks_for() -> None:
    text = (
        "manipulative. attention seeking. frequent flyer. non-compliant. She is a borderline. "
        "committed suicide. treatment resistant."
    )
    assert {f.term for f in check(text)} == {
        "manipulative",
        "attention seeking",
        "frequent flyer",
        "non-compliant",
        "a borderline",
        "committed suicide",
        "treatment resistant",
    }


def test_the_list_is_package_data() -> None:
    assert default_source().is_file()
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    package_data = pyproject["tool"]["setuptools"]["package-data"]
    assert "*.toml" in package_data["peernotes.notes"]


def test_the_packaged_list_is_read_and_compiled_once() -> None:
    assert default_checker() is default_checker()


@pytest.mark.parametrize(("term", "form"), FORMS, ids=[form for _, form in FORMS])
def test_every_form_in_the_file_matches_itself_in_a_sentence(term: str, form: str) -> None:
    text = f"We talked it through: {form}. Then we had tea."
    finding = only(text)
    assert (finding.matched, finding.term) == (form, term)
    assert text[finding.start : finding.end] == form


@pytest.mark.parametrize(("term", "form"), FORMS, ids=[form for _, form in FORMS])
def test_every_form_matches_in_capitals(term: str, form: str) -> None:
    assert only(f"NOTE: {form.upper()}!").term == term


@pytest.mark.parametrize(
    ("term", "form"),
    [(t, f) for t, f in FORMS if " " in f],
    ids=[f for _, f in FORMS if " " in f],
)
def test_every_phrase_matches_across_a_line_break(term: str, form: str) -> None:
    broken = form.replace(" ", "\n", 1)
    finding = only(f"Later:\n{broken}\nand then home.")
    assert (finding.matched, finding.term) == (broken, term)


@pytest.mark.parametrize(
    ("term", "form"),
    [(t, f) for t, f in FORMS if "-" in f],
    ids=[f for _, f in FORMS if "-" in f],
)
def test_every_hyphen_may_be_a_space_or_left_out(term: str, form: str) -> None:
    assert only(f"It said {form.replace('-', ' ')} there.").term == term
    assert only(f"It said {form.replace('-', '')} there.").term == term


# Case, whitespace, hyphens, apostrophes ------------------------------------------------------


@pytest.mark.parametrize("written", ["Manipulative", "MANIPULATIVE", "mAnIpUlAtIvE"])
def test_case_is_ignored_and_the_match_keeps_the_writers_case(written: str) -> None:
    finding = only(f"Staff said she was {written}.")
    assert finding.matched == written
    assert finding.term == "manipulative"


@pytest.mark.parametrize(
    "written",
    [
        "attention seeking",
        "attention-seeking",
        "attention\u2010seeking",  # Unicode hyphen
        "attention\u2011seeking",  # non-breaking hyphen
        "attention\nseeking",
        "attention\r\n    seeking",
        "attention\u00a0seeking",  # no-break space
        "attention  seeking",
        "attention-\nseeking",  # hyphenated at a line end
    ],
)
def test_phrases_take_any_whitespace_or_a_hyphen_between_words(written: str) -> None:
    assert only(f"Described as {written} by the team.").matched == written


@pytest.mark.parametrize(
    "written", ["non-compliant", "noncompliant", "non compliant", "Non\u2011Compliant"]
)
def test_a_hyphen_inside_a_term_may_be_a_space_or_left_out(written: str) -> None:
    assert only(f"Noted as {written} with meds.").term == "non-compliant"


def test_a_space_inside_a_phrase_may_not_be_left_out() -> None:
    # "attention seeking" is written with a space, so it needs something between the words.
    assert matches("attentionseeking") == []


@pytest.mark.parametrize("apostrophe", ["'", "\u2019", "\u2018", "\u02bc", ""])
def test_apostrophes_may_be_curly_straight_or_missing(apostrophe: str) -> None:
    assert only(f"Staff said she{apostrophe}s a cutter.").term == "is a cutter"


def test_quotation_marks_and_markdown_emphasis_do_not_hide_a_term() -> None:
    assert matches("'manipulative' and ‘needy’ and _crazy_ and \"psycho\" and *nutter*") == [
        "manipulative",
        "needy",
        "crazy",
        "psycho",
        "nutter",
    ]


def test_a_possessive_still_matches_the_label() -> None:
    assert matches("the borderline's mum rang") == ["the borderline"]


def test_a_hyphen_joins_words_on_either_side_into_a_different_word() -> None:
    # No not_before/not_after here: the word-boundary rule alone is under test.
    checker = Checker([Term("psycho", "Say more."), Term("attention seeking", "Say more.")])
    found = checker.check("non-psycho, psycho-education, psycho‑social, psycho.")
    assert [(f.matched, f.start) for f in found] == [("psycho", 45)]
    # The documented cost: a longer hyphenated compound hides a term as well.
    assert checker.check("attention-seeking-type") == []


def test_an_en_dash_separates_words_unlike_a_hyphen() -> None:
    assert matches("manipulative\u2013she said so") == ["manipulative"]


# Things that must not be flagged ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # Letters inside other words.
        "She is nonmanipulative and kind.",
        "addiction services; addictive; she was addicted",
        "psychology, psychotic, psychosis, psychotherapy, psychiatrist",
        "psychoeducation and psychosocial support",
        "a hysterectomy last year; her history",
        "she needed help; her needs",
        "acting outside her role",
        "crazed",
        "uncommitted; she is committed to recovery",
        "junket",
        "the cutter's edge",
        "a cuttersmith",
        # Hyphenated compounds are different words.
        "non-manipulative",
        "psycho-education and psycho-social support",
        "a cookie-cutter plan",
        # Ordinary uses written with a space.
        "psycho education group, psycho social needs",
        # The diagnosis name.
        "Borderline personality disorder",
        "She has a borderline personality disorder diagnosis.",
        "She came to the borderline personality disorder group.",
        "a borderline PD diagnosis; the borderline BPD clinic",
        "Histrionic personality disorder was ruled out.",
        "a schizophrenic episode; schizophrenia",
        "BPD; EUPD; emotionally unstable personality disorder",
        # "borderline" as ordinary English.
        "borderline high blood pressure; a borderline result; a borderline case",
        "She is on the borderline for NDIS funding.",
        "the borderline between the two suburbs",
        # Words left out on purpose.
        "We were splitting the bill. A splitting headache. Splitting her time.",
        "drama therapy, the drama group, a dramatic improvement",
        "It was a challenging week. She is challenging the decision.",
        "help-seeking behaviours and coping behaviours; her behaviour was fine",
        "She refused to give up.",
        "She was refused a bed. She was refused treatment at the clinic.",
        "They were refused medication. She had been refused treatment twice.",
        "a kind gesture; she gestured to the door",
        "clean clothes, dirty dishes, she's been clean since May",
        "her insight was striking; she gained insight",
        "a difficult conversation; a resistant infection",
        "She handed out a flyer. Frequent flights to Perth.",
        "Alcoholics Anonymous meeting; an alcoholic drink",
        "ligature cutters, wire cutters, bolt cutters",
        "she was manipulated by her ex",
        "mental health; a mental health plan",
    ],
)
def test_ordinary_words_are_not_flagged(text: str) -> None:
    assert matches(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She is a borderline.", ["a borderline"]),
        ("the borderlines on the ward", ["borderlines"]),
        ("a typical borderline", ["typical borderline"]),
        ("another borderline patient", ["borderline patient"]),
        ("She is a borderline who self-harms.", ["a borderline"]),
        ("a borderline personality disorder diagnosis; a borderline.", ["a borderline"]),
    ],
)
def test_borderline_as_a_label_for_a_person_is_flagged(text: str, expected: list[str]) -> None:
    assert matches(text) == expected


def test_not_after_words_stop_only_the_single_space_form() -> None:
    # Documented limit: the look-behind is fixed width.
    assert matches("She refused treatment.") == ["refused treatment"]
    assert matches("She was refused treatment.") == []
    assert matches("She was\nrefused treatment.") == []
    assert matches("She was  refused treatment.") == ["refused treatment"]


def test_own_words_are_still_flagged_because_the_check_only_suggests() -> None:
    # The writer decides; the suggestion tells them quoting the person is fine.
    finding = only("She said “I feel crazy”.")
    assert "quot" in finding.suggestion


# Offsets, context, ordering, overlaps -------------------------------------------------------


MESSY = (
    "Met at the café. She said staff called her\n\nmanipulative and ATTENTION-\nseeking; "
    "“a frequent\u00a0flyer”. She’s a cutter, they said, and noncompliant — she isn't. "
    "We talked about psycho-education and her borderline personality disorder diagnosis."
)


def test_offsets_slice_back_to_the_match_as_written() -> None:
    found = check(MESSY)
    assert [f.matched for f in found] == [
        "manipulative",
        "ATTENTION-\nseeking",
        "frequent\u00a0flyer",
        "She’s a cutter",
        "noncompliant",
    ]
    for finding in found:
        assert MESSY[finding.start : finding.end] == finding.matched


def test_findings_come_in_text_order_not_list_order() -> None:
    text = "crazy, then needy, then manipulative, then attention seeking, then crazy"
    found = check(text)
    assert [f.term for f in found] == [
        "crazy",
        "needy",
        "manipulative",
        "attention seeking",
        "crazy",
    ]
    assert [f.start for f in found] == sorted(f.start for f in found)


def test_the_same_term_twice_is_two_findings() -> None:
    assert matches("crazy crazy") == ["crazy", "crazy"]


def test_the_longest_of_overlapping_matches_wins() -> None:
    # "the mentally ill" (16 letters) and "mentally ill person" (19) overlap.
    assert matches("She is not the mentally ill person they think.") == ["mentally ill person"]
    assert matches("stigma against the mentally ill") == ["the mentally ill"]


def test_overlaps_in_a_custom_list_longest_then_earliest() -> None:
    checker = Checker(
        [
            Term("alpha beta", "s1"),
            Term("beta gamma delta", "s2"),
            Term("delta epsilon", "s3"),
            Term("zeta eta", "s4"),
            Term("eta iota", "s5"),  # as long as "zeta eta": the earlier wins
        ]
    )
    found = checker.check("alpha beta gamma delta epsilon. zeta eta iota.")
    # The longest overlapping match wins; what it shadowed is dropped, not cut down.
    assert [f.matched for f in found] == ["beta gamma delta", "zeta eta"]


def test_a_finding_carries_its_suggestion_and_why() -> None:
    finding = only("She was manipulative.")
    entry = next(t for t in TERMS if t.term == "manipulative")
    assert finding.suggestion == entry.suggestion
    assert finding.why == entry.why and finding.why


def test_context_is_some_words_either_side_with_the_match_marked_by_offsets() -> None:
    text = "one two three four five six seven eight manipulative nine ten eleven twelve thirteen fourteen fifteen"
    snippet = only(text).context
    assert (
        snippet.text
        == "three four five six seven eight manipulative nine ten eleven twelve thirteen fourteen"
    )
    assert snippet.text[snippet.start : snippet.end] == "manipulative"
    assert (snippet.before, snippet.marked, snippet.after) == (
        "three four five six seven eight ",
        "manipulative",
        " nine ten eleven twelve thirteen fourteen",
    )
    assert snippet.clipped_start and snippet.clipped_end
    assert "<" not in snippet.text


def test_context_at_the_edges_of_the_note_is_not_clipped() -> None:
    snippet = only("  Needy\n").context
    assert (snippet.text, snippet.start, snippet.end) == ("Needy", 0, 5)
    assert not snippet.clipped_start and not snippet.clipped_end


def test_context_collapses_line_breaks_but_the_finding_keeps_them() -> None:
    finding = only("She came in.\n\nStaff said\nattention\nseeking\nagain.")
    assert finding.matched == "attention\nseeking"
    assert finding.context.text == "She came in. Staff said attention seeking again."
    assert finding.context.marked == "attention seeking"


def test_context_does_not_show_half_of_a_very_long_word() -> None:
    text = "x" * 1000 + " needy " + "y" * 1000
    snippet = only(text).context
    assert snippet.text == "needy"
    assert snippet.clipped_start and snippet.clipped_end


@pytest.mark.parametrize("text", ["", "   \n\t ", "🙂🙂🙂", "_" * 50, "-" * 50, "'" * 50])
def test_any_text_is_checked_without_error(text: str) -> None:
    assert check(text) == []


def test_a_20000_character_note_is_checked_quickly() -> None:
    sentence = (
        "She felt crazy and needy after staff called her manipulative and attention-seeking; "
        "we planned psycho-education and talked about her borderline personality disorder. "
    )
    text = (sentence * (20_000 // len(sentence) + 1))[:20_000]
    started = time.perf_counter()
    found = check(text)
    elapsed = time.perf_counter() - started
    assert len(found) > 400
    assert all(text[f.start : f.end] == f.matched for f in found)
    assert elapsed < 1.0, f"{elapsed:.2f}s"


# The list file: validation through the same loader ----------------------------------------


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "language.toml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """
[[term]]
term = "needy"
suggestion = "Describe the need."

[[term]]
term = "non-compliant"
variants = ["not compliant"]
suggestion = "Say what the person chose."
why = "It casts a choice as disobedience."
not_after = ["was"]
not_before = ["with nothing"]
"""


def test_a_good_file_loads_into_terms(tmp_path: Path) -> None:
    terms = load_terms(write(tmp_path, GOOD))
    assert terms == (
        Term("needy", "Describe the need."),
        Term(
            "non-compliant",
            "Say what the person chose.",
            variants=("not compliant",),
            why="It casts a choice as disobedience.",
            not_before=("with nothing",),
            not_after=("was",),
        ),
    )
    assert [f.matched for f in Checker(terms).check("needy, noncompliant, not compliant")] == [
        "needy",
        "noncompliant",
        "not compliant",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[[term]\nterm = 'x'", r"language\.toml: not valid TOML"),
        ("", r"language\.toml: no \[\[term\]\] entries"),
        ("title = 'words'\n", r"only \[\[term\]\] entries belong here; found 'title'"),
        ("term = ['needy']\n", r"entry 1: expected a \[\[term\]\] table"),
        ("[[term]]\nsuggestion = 'Say more.'\n", r"entry 1: 'term' is missing"),
        (
            "[[term]]\nterm = 3\nsuggestion = 'Say more.'\n",
            r"entry 1: 'term' is missing or is not text",
        ),
        ("[[term]]\nterm = 'needy'\n", r"entry 1 \('needy'\): 'suggestion' is missing"),
        (
            "[[term]]\nterm = 'needy'\nsuggestion = '  '\n",
            r"entry 1 \('needy'\): 'suggestion' is missing",
        ),
        (
            "[[term]]\nterm = 'needy'\nsuggestion = 'Say more.'\nsuggestions = 'x'\n",
            r"entry 1 \('needy'\): unknown field 'suggestions'",
        ),
        (
            "[[term]]\nterm = 'needy'\nsuggestion = 'Say more.'\nvariants = 'clingy'\n",
            r"entry 1 \('needy'\): 'variants' must be a list of text",
        ),
        (
            "[[term]]\nterm = 'needy'\nsuggestion = 'Say more.'\nvariants = [1]\n",
            r"'variants' must be a list of text",
        ),
        (
            "[[term]]\nterm = 'needy'\nsuggestion = 'Say more.'\nwhy = ['x']\n",
            r"entry 1 \('needy'\): 'why' must be text",
        ),
        (
            "[[term]]\nterm = 'man*ip'\nsuggestion = 'Say more.'\n",
            r"entry 1 \('man\*ip'\): 'man\*ip' must be words",
        ),
        ("[[term]]\nterm = '-needy'\nsuggestion = 'Say more.'\n", r"'-needy' must be words"),
        ("[[term]]\nterm = 'needy-'\nsuggestion = 'Say more.'\n", r"'needy-' must be words"),
        ("[[term]]\nterm = 'needy_x'\nsuggestion = 'Say more.'\n", r"'needy_x' must be words"),
        (
            "[[term]]\nterm = 'needy'\nsuggestion = 'Say more.'\nnot_before = ['(x']\n",
            r"'\(x' must be words",
        ),
        (
            "[[term]]\nterm = 'needy'\nsuggestion = 'Say more.'\nnot_after = ['has been']\n",
            r"entry 1 \('needy'\): not_after 'has been' must be a single word",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_bad_entry(
    tmp_path: Path, body: str, message: str
) -> None:
    with pytest.raises(TermListError, match=message):
        load_terms(write(tmp_path, body))


def test_an_error_names_the_right_entry_among_several(tmp_path: Path) -> None:
    body = GOOD + "\n[[term]]\nterm = 'crazy'\n"
    with pytest.raises(TermListError, match=r"entry 3 \('crazy'\): 'suggestion' is missing"):
        load_terms(write(tmp_path, body))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        # Same words, different case, hyphens or spaces: they would match the same text.
        (
            "term = 'Needy'",
            r"entry 3 \('Needy'\): 'Needy' is already listed in entry 1 \('needy'\)",
        ),
        (
            "term = 'non compliant'",
            r"entry 3 \('non compliant'\): 'non compliant' is already listed in entry 2",
        ),
        (
            "term = 'clingy'\nvariants = ['NOT-compliant']",
            r"entry 3 \('clingy'\): 'NOT-compliant' is already listed in entry 2 \('non-compliant'\)",
        ),
        (
            "term = 'clingy'\nvariants = ['clingy']",
            r"entry 3 \('clingy'\): 'clingy' is already listed in entry 3",
        ),
    ],
)
def test_a_term_listed_twice_is_refused(tmp_path: Path, extra: str, message: str) -> None:
    body = GOOD + f"\n[[term]]\n{extra}\nsuggestion = 'Say more.'\n"
    with pytest.raises(TermListError, match=message):
        load_terms(write(tmp_path, body))


def test_a_checker_built_in_code_is_validated_the_same_way() -> None:
    with pytest.raises(TermListError, match="no terms"):
        Checker([])
    with pytest.raises(TermListError, match=r"entry 2 \('NEEDY'\): 'NEEDY' is already listed"):
        Checker([Term("needy", "Say more."), Term("NEEDY", "Say more.")])
    with pytest.raises(TermListError, match="'suggestion' is empty"):
        Checker([Term("needy", " ")])
