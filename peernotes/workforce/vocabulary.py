"""The words a peer worker describes themselves with, and a consumer asks for.

Fixed lists where a must-have has to be checkable (age band, lived experience, format); free
words where people describe themselves in their own terms (gender, culture, languages), which
match case- and space-insensitively.
"""

from __future__ import annotations

from enum import StrEnum


class Attribute(StrEnum):
    GENDER = "gender"
    AGE_BAND = "age_band"
    LANGUAGE = "language"
    CULTURE = "culture"
    LIVED_EXPERIENCE = "lived_experience"
    FORMAT = "format"
    # What the study's participants named (issue 17).
    #: A carer asks for "someone who has lived it": a consumer peer worker.
    LIVED_IT = "lived_it"
    RECOVERY_STAGE = "recovery_stage"
    #: "Further along in recovery" (consumer peer workers say so themselves).
    FURTHER_ALONG = "further_along"
    SEXUAL_ORIENTATION = "sexual_orientation"
    #: "In a carer role for quite some time" (carer peer workers): at least so many years.
    CARER_YEARS = "carer_years"

    @property
    def label(self) -> str:
        return ATTRIBUTE_LABELS[self]


ATTRIBUTE_LABELS: dict[Attribute, str] = {
    Attribute.GENDER: "Gender",
    Attribute.AGE_BAND: "Age",
    Attribute.LANGUAGE: "Language",
    Attribute.CULTURE: "Cultural background",
    Attribute.LIVED_EXPERIENCE: "Lived experience",
    Attribute.FORMAT: "Way of meeting",
    Attribute.LIVED_IT: "Someone who has lived it",
    Attribute.RECOVERY_STAGE: "Recovery stage",
    Attribute.FURTHER_ALONG: "Further along in recovery",
    Attribute.SEXUAL_ORIENTATION: "Sexual orientation",
    Attribute.CARER_YEARS: "Years in a carer role",
}

#: Profile fields a worker can show or hide (the attributes, plus availability).
PROFILE_FIELDS: dict[str, str] = {
    "gender": "Gender",
    "age_band": "Age band",
    "languages": "Languages",
    "culture": "Cultural background",
    "lived_experience": "Lived experience",
    "formats": "Ways of meeting",
    "availability": "Availability",
    "about": "About me",
    "recovery_stage": "Recovery stage",
    "further_along": "Further along in recovery (consumer peer workers)",
    "sexual_orientation": "Sexual orientation",
    "carer_years": "Years in a carer role (carer peer workers)",
}
#: Which profile field answers which attribute.
FIELD_OF: dict[Attribute, str] = {
    Attribute.GENDER: "gender",
    Attribute.AGE_BAND: "age_band",
    Attribute.LANGUAGE: "languages",
    Attribute.CULTURE: "culture",
    Attribute.LIVED_EXPERIENCE: "lived_experience",
    Attribute.FORMAT: "formats",
    Attribute.RECOVERY_STAGE: "recovery_stage",
    Attribute.FURTHER_ALONG: "further_along",
    Attribute.SEXUAL_ORIENTATION: "sexual_orientation",
    Attribute.CARER_YEARS: "carer_years",
}

#: Where someone is in their recovery, in words peer workers use of themselves.
RECOVERY_STAGES: dict[str, str] = {
    "early": "early in my recovery",
    "finding_my_way": "finding my way",
    "steady": "steady in my recovery",
    "well_along": "well along in my recovery",
}

#: Yes-only choices: the wish is the attribute itself ("further along in recovery").
YES: dict[str, str] = {"yes": "yes"}
#: What "someone who has lived it" means in a match's reasons.
LIVED_IT_REASON = "has lived it: a consumer peer worker who can share what helped them"

#: "At least so many years" in a carer role: what a carer peer worker says of themselves and
#: what a carer asks for; a worker meets a wish when their years are at least the wish's.
CARER_YEARS: dict[str, str] = {
    "1": "at least 1 year",
    "3": "at least 3 years",
    "5": "at least 5 years",
    "10": "at least 10 years",
}

AGE_BANDS: dict[str, str] = {
    "18-25": "18 to 25",
    "26-35": "26 to 35",
    "36-50": "36 to 50",
    "51-65": "51 to 65",
    "65+": "over 65",
}

LIVED_EXPERIENCE: dict[str, str] = {
    "bpd": "lived experience of BPD",
    "carer_bpd": "carer of someone with BPD",
    "recovery_story": "recovery story I share",
    "self_harm": "lived experience of self-harm",
    "lgbtiq": "LGBTIQ+ lived experience",
    "parent": "parenting with mental ill health",
}

FORMATS: dict[str, str] = {
    "individual": "individual",
    "group": "group",
    "phone": "phone",
    "in_person": "in person",
}
#: How a format reads in a match's reasons ("offers group").
FORMAT_REASON: dict[str, str] = {
    "individual": "offers one-to-one",
    "group": "offers group",
    "phone": "offers phone",
    "in_person": "meets in person",
}

FREQUENCIES: dict[str, str] = {
    "weekly": "weekly",
    "fortnightly": "fortnightly",
    "monthly": "monthly",
    "as_needed": "when I need it",
}


class Importance(StrEnum):
    MUST = "must"
    NICE = "nice"


def fold(word: str) -> str:
    """Compare free words the way people mean them: case and spacing do not matter."""
    return " ".join(word.casefold().split())
