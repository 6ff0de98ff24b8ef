"""What generated people are called and what their notes say: small phrase banks, combined by
a seeded random generator, so that the same seed always writes the same words."""

from __future__ import annotations

import random

FIRST_NAMES = (
    "Alex", "Jordan", "Maya", "Linh", "Robert", "Sam", "Tui", "Helen", "Priya", "Graham",
    "Mei", "Fiona", "Aroha", "Ben", "Chloe", "Daniel", "Ella", "Farid", "Grace", "Hamish",
    "Isla", "Jack", "Kiri", "Leo", "Mia", "Noah", "Olivia", "Pita", "Quinn", "Ruby",
    "Sione", "Tama", "Uma", "Vik", "Wiremu", "Xin", "Yusuf", "Zoe", "Ana", "Hemi",
)  # fmt: skip
LAST_NAMES = (
    "Nguyen", "Thompson", "Rivera", "Henare", "Costa", "Raman", "Okafor", "Chen", "Walsh",
    "Lee", "Smith", "Patel", "Williams", "Brown", "Taylor", "Wilson", "Ngata", "Singh",
    "Martin", "Anderson", "Kaur", "Tupou", "Clarke", "Walker", "Young", "King", "Wright",
    "Scott", "Green", "Baker", "Adams", "Campbell", "Mitchell", "Roberts", "Turner", "Parker",
)  # fmt: skip
RELATIONSHIPS = ("mum", "dad", "partner", "sister", "brother", "friend", "aunt", "grandmother")

TALKED = (
    "We talked about {what} and what worried {name} about it.",
    "A hard week: {what}. {name} got through it.",
    "{name} wanted to talk about {what}.",
    "Mostly about {what}, and how the last fortnight went.",
    "We caught up on {what}; {name} was tired but clear about what they want.",
)
TOPICS = (
    "going back to study part time", "an argument at home", "sleep", "money worries",
    "the new flat", "a job interview", "seeing family at the weekend", "the DBT skills group",
    "getting to appointments", "friends from the group", "a difficult anniversary",
    "coming off a medication", "the volunteer role at the library", "loneliness",
)  # fmt: skip
HELPING = (
    "Texting before things get worse.",
    "Walking to the session instead of the bus.",
    "The breathing app {name} found.",
    "Writing things down at night.",
    "The Tuesday group, and a friend from it.",
    "Cooking with their sister on Sundays.",
    "",
)
NEXT = (
    "Meet again in two weeks at the library café.",
    "{name} will phone the enrolment office.",
    "Try the first step of the crisis plan next time.",
    "Bring questions for the GP next visit.",
    "Look at the carers' group dates together.",
    "Phone call on Thursday instead of a visit.",
)
FOR_TEAM = (
    "{name} would like the team to know this plan is their idea.",
    "{name} is happy for the team to see the plan for the GP visit.",
    "",
    "",
)
COMMENTS = (
    "Please say the library café, not the library.",
    "I don't want this written down.",
    "Can you take out the part about my brother?",
    "That's not quite how I said it.",
)
OWN_WORDS = (
    "I want to do this slowly. Please don't push me.",
    "This was a good session for me.",
    "I felt listened to.",
)
CORRECTIONS = ("I said some nights, not every night.", "It was my aunt, not my mum.")
REPLIES = ("Changed, thank you.", "I've left it as it was and added your words beside it.")
RECORD_TITLES = (
    "Care plan review", "Medication review", "Appointment", "Phone review", "Letter to GP",
    "Risk review", "Discharge planning",
)  # fmt: skip
RECORD_BODIES = (
    "No changes. {name} reports sleeping better. Review again in three months.",
    "{name} came with family. Talked about what has helped before and what has not.",
    "Crisis plan agreed and copied to {name}.",
    "Weekly skills group; fortnightly sessions with the peer worker.",
    "{name} would like a phone call before any visit.",
)
PURPOSES = (
    "so my peer worker can help me keep track of things",
    "so the team knows what I am working on",
    "for my care plan",
    "so my family can support me",
)
PLACES = ("library café", "community hub", "their home", "the park", "the clinic", "")


def name_of(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def fill(rng: random.Random, options: tuple[str, ...], first: str) -> str:
    return rng.choice(options).format(name=first, what=rng.choice(TOPICS))


def note_bodies(rng: random.Random, first: str) -> tuple[str, str, str, str]:
    """The four default sections' words (never all empty: the first always says something)."""
    return (
        fill(rng, TALKED, first),
        fill(rng, HELPING, first),
        fill(rng, NEXT, first),
        fill(rng, FOR_TEAM, first),
    )
