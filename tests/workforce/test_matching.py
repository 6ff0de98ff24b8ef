"""Matching, pure: filters, ranking, reasons, the parsing of wishes; and a property test that a
must-have is never violated."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peernotes.auth.roles import Role
from peernotes.workforce.choosing.matching import (
    Candidate,
    Criterion,
    PreferenceError,
    parse_criteria,
    rank,
    satisfies,
)
from peernotes.workforce.vocabulary import (
    AGE_BANDS,
    FORMATS,
    LIVED_EXPERIENCE,
    Attribute,
    Importance,
)

MUST, NICE = Importance.MUST, Importance.NICE
CPW, CAPW = Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER


def worker(worker_id: int, name: str, **kw: object) -> Candidate:
    return Candidate(worker_id, name, kw.pop("role", CPW), **kw)  # type: ignore[arg-type]


LAN = worker(
    1,
    "Lan",
    gender="woman",
    languages=("English", "Vietnamese"),
    lived_experience=frozenset({"bpd"}),
    formats=frozenset({"group", "individual"}),
    culture="Vietnamese Australian",
    age_band="26-35",
)
SAM = worker(2, "Sam", gender="man", languages=("English",), formats=frozenset({"individual"}))
TUI = worker(
    3,
    "Tui",
    gender="woman",
    languages=("English", "Te reo Māori"),
    lived_experience=frozenset({"bpd"}),
)


def names(matches: list) -> list[str]:  # type: ignore[type-arg]
    return [m.candidate.name for m in matches]


# Filters -------------------------------------------------------------------------------------


def test_only_workers_of_the_right_kind() -> None:
    helen = worker(4, "Helen", role=CAPW)
    assert names(rank(Role.CONSUMER, (), [LAN, helen])) == ["Lan"]
    assert names(rank(Role.CARER, (), [LAN, helen])) == ["Helen"]


def test_other_roles_are_not_matched() -> None:
    with pytest.raises(ValueError):
        rank(Role.CLINICIAN, (), [LAN])


def test_paused_and_full_workers_are_left_out() -> None:
    paused = worker(5, "Paused", paused=True)
    full = worker(6, "Full", caseload=6, capacity=6)
    room = worker(7, "Room", caseload=5, capacity=6)
    assert names(rank(Role.CONSUMER, (), [paused, full, room])) == ["Room"]


def test_excluded_worker_is_left_out() -> None:
    assert names(rank(Role.CONSUMER, (), [LAN, SAM], exclude={1})) == ["Sam"]


def test_must_have_is_a_hard_filter() -> None:
    vietnamese = Criterion(Attribute.LANGUAGE, "Vietnamese", MUST)
    assert names(rank(Role.CONSUMER, [vietnamese], [LAN, SAM, TUI])) == ["Lan"]


def test_hidden_attribute_does_not_meet_a_must_have() -> None:
    hidden = worker(8, "Hidden")  # shows nothing
    woman = Criterion(Attribute.GENDER, "woman", MUST)
    assert names(rank(Role.CONSUMER, [woman], [hidden, TUI])) == ["Tui"]


def test_nobody_fits() -> None:
    assert rank(Role.CONSUMER, [Criterion(Attribute.LANGUAGE, "Greek", MUST)], [LAN, SAM]) == []


# Matching words ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criterion", "expected"),
    [
        (Criterion(Attribute.LANGUAGE, "vietnamese", MUST), True),
        (Criterion(Attribute.LANGUAGE, "  VIETNAMESE ", MUST), True),
        (Criterion(Attribute.LANGUAGE, "Viet", MUST), False),
        (Criterion(Attribute.GENDER, "Woman", MUST), True),
        (Criterion(Attribute.GENDER, "man", MUST), False),
        (Criterion(Attribute.CULTURE, "vietnamese", MUST), True),
        (Criterion(Attribute.CULTURE, "australian", MUST), True),
        (Criterion(Attribute.CULTURE, "viet", MUST), False),
        (Criterion(Attribute.AGE_BAND, "26-35", MUST), True),
        (Criterion(Attribute.AGE_BAND, "36-50", MUST), False),
        (Criterion(Attribute.LIVED_EXPERIENCE, "bpd", MUST), True),
        (Criterion(Attribute.LIVED_EXPERIENCE, "carer_bpd", MUST), False),
        (Criterion(Attribute.FORMAT, "group", MUST), True),
        (Criterion(Attribute.FORMAT, "phone", MUST), False),
    ],
)
def test_satisfies(criterion: Criterion, expected: bool) -> None:
    assert satisfies(LAN, criterion) is expected


# Ranking and reasons -----------------------------------------------------------------------------


def test_more_nice_to_haves_ranks_higher() -> None:
    wishes = [
        Criterion(Attribute.GENDER, "woman", NICE),
        Criterion(Attribute.LIVED_EXPERIENCE, "bpd", NICE),
        Criterion(Attribute.FORMAT, "group", NICE),
    ]
    matches = rank(Role.CONSUMER, wishes, [SAM, TUI, LAN])
    assert names(matches) == ["Lan", "Tui", "Sam"]
    assert [m.score for m in matches] == [3, 2, 0]


def test_ties_go_to_the_most_room_then_name_then_id() -> None:
    busy = worker(10, "Aaron", caseload=4)
    free = worker(11, "Zed", caseload=0)
    same_a = worker(13, "Bea", caseload=2)
    same_b = worker(12, "Bea", caseload=2)
    assert [
        m.candidate.worker_id for m in rank(Role.CONSUMER, (), [busy, same_a, free, same_b])
    ] == [
        11,
        12,
        13,
        10,
    ]


def test_ranking_is_deterministic_whatever_the_input_order() -> None:
    wishes = [Criterion(Attribute.LIVED_EXPERIENCE, "bpd", NICE)]
    pool = [LAN, SAM, TUI, worker(9, "Ari", lived_experience=frozenset({"bpd"}))]
    first = names(rank(Role.CONSUMER, wishes, pool))
    assert names(rank(Role.CONSUMER, wishes, list(reversed(pool)))) == first
    assert first == ["Ari", "Lan", "Tui", "Sam"]


def test_reasons_say_why_in_plain_words() -> None:
    wishes = [
        Criterion(Attribute.LANGUAGE, "vietnamese", MUST),
        Criterion(Attribute.LIVED_EXPERIENCE, "bpd", NICE),
        Criterion(Attribute.FORMAT, "group", NICE),
        Criterion(Attribute.FORMAT, "phone", NICE),
    ]
    (match,) = rank(Role.CONSUMER, wishes, [LAN])
    assert match.because == "speaks Vietnamese · lived experience of BPD · offers group"
    assert match.unmet == ("way of meeting: phone",)


def test_no_wishes_still_gives_a_reason() -> None:
    (match,) = rank(Role.CONSUMER, (), [SAM])
    assert match.reasons == ("has room for new people",)


# Parsing wishes -------------------------------------------------------------------------------


def test_parse_skips_empty_rows_and_repeats() -> None:
    parsed = parse_criteria(
        [
            ("language", "Vietnamese", "must"),
            ("language", "", ""),
            ("gender", "  woman  ", "nice"),
            ("language", "Vietnamese", "must"),
        ]
    )
    assert parsed == (
        Criterion(Attribute.LANGUAGE, "Vietnamese", MUST),
        Criterion(Attribute.GENDER, "woman", NICE),
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("star_sign", "Leo", "must"), "“star_sign” is not something we can match on"),
        (("language", "Greek", "essential"), "must-have or a nice-to-have"),
        (("language", "", "must"), "Say what you would like for language"),
        (("age_band", "40", "nice"), "“40” is not one of the choices for age"),
        (("lived_experience", "anything", "must"), "not one of the choices for lived experience"),
        (("format", "carrier pigeon", "nice"), "not one of the choices for way of meeting"),
        (("culture", "x" * 61, "nice"), "under 60 characters"),
    ],
)
def test_parse_refuses_with_a_specific_message(row: tuple[str, str, str], message: str) -> None:
    with pytest.raises(PreferenceError, match=message):
        parse_criteria([row])


def test_parse_refuses_too_many() -> None:
    rows = [("language", f"Language {i}", "nice") for i in range(21)]
    with pytest.raises(PreferenceError, match="at most 20"):
        parse_criteria(rows)


# Property: a must-have is never violated ------------------------------------------------------

GENDERS = ["woman", "man", "non-binary", "Woman"]
LANGUAGES = ["English", "Vietnamese", "Arabic", "vietnamese"]
CULTURES = ["Vietnamese Australian", "Māori", "Lebanese", "Irish Australian"]

candidates = st.builds(
    Candidate,
    worker_id=st.integers(1, 10_000),
    name=st.sampled_from(["Ana", "Ben", "Cai", "Dee"]),
    role=st.sampled_from([CPW, CAPW]),
    gender=st.none() | st.sampled_from(GENDERS),
    age_band=st.none() | st.sampled_from(list(AGE_BANDS)),
    languages=st.lists(st.sampled_from(LANGUAGES), max_size=3).map(tuple),
    culture=st.none() | st.sampled_from(CULTURES),
    lived_experience=st.frozensets(st.sampled_from(list(LIVED_EXPERIENCE))),
    formats=st.frozensets(st.sampled_from(list(FORMATS))),
    paused=st.booleans(),
    caseload=st.integers(0, 8),
    capacity=st.integers(1, 8),
)
criteria = st.one_of(
    st.builds(
        Criterion, st.just(Attribute.GENDER), st.sampled_from(GENDERS), st.sampled_from(Importance)
    ),
    st.builds(
        Criterion,
        st.just(Attribute.AGE_BAND),
        st.sampled_from(list(AGE_BANDS)),
        st.sampled_from(Importance),
    ),
    st.builds(
        Criterion,
        st.just(Attribute.LANGUAGE),
        st.sampled_from(LANGUAGES),
        st.sampled_from(Importance),
    ),
    st.builds(
        Criterion,
        st.just(Attribute.CULTURE),
        st.sampled_from(["Vietnamese", "Australian", "Māori"]),
        st.sampled_from(Importance),
    ),
    st.builds(
        Criterion,
        st.just(Attribute.LIVED_EXPERIENCE),
        st.sampled_from(list(LIVED_EXPERIENCE)),
        st.sampled_from(Importance),
    ),
    st.builds(
        Criterion,
        st.just(Attribute.FORMAT),
        st.sampled_from(list(FORMATS)),
        st.sampled_from(Importance),
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    pool=st.lists(candidates, max_size=12, unique_by=lambda c: c.worker_id),
    wishes=st.lists(criteria, max_size=6),
    role=st.sampled_from([Role.CONSUMER, Role.CARER]),
)
def test_a_must_have_is_never_violated(
    pool: list[Candidate], wishes: list[Criterion], role: Role
) -> None:
    matches = rank(role, wishes, pool)
    kind = CPW if role is Role.CONSUMER else CAPW
    for match in matches:
        c = match.candidate
        assert c.role is kind and not c.paused and c.caseload < c.capacity
        for wish in wishes:
            if wish.importance is MUST:
                assert satisfies(c, wish), (c, wish)
                # And, written out independently of `satisfies`, for the free-word attributes:
                if wish.attribute is Attribute.LANGUAGE:
                    assert wish.value.lower() in [x.lower() for x in c.languages]
                if wish.attribute is Attribute.GENDER:
                    assert c.gender is not None and c.gender.lower() == wish.value.lower()
                if wish.attribute is Attribute.CULTURE:
                    assert c.culture is not None and wish.value.lower() in c.culture.lower().split()
    # And nobody who qualifies is left out.
    qualifying = {
        c.worker_id
        for c in pool
        if c.role is kind
        and not c.paused
        and c.caseload < c.capacity
        and all(satisfies(c, w) for w in wishes if w.importance is MUST)
    }
    assert {m.candidate.worker_id for m in matches} == qualifying
    # Scores never go up down the list.
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
