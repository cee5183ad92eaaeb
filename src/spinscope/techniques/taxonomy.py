"""The 14 PTC technique classes (SemEval-2020 Task 11), with readable names, one-line
definitions, and their counterparts in the 23-technique taxonomy of SemEval-2023 Task 3."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Technique:
    label: str  # as spelled in PTC labels.tsv
    name: str
    definition: str
    semeval2023: tuple[str, ...]


TAXONOMY: tuple[Technique, ...] = (
    Technique(
        "Loaded_Language",
        "Loaded language",
        "Words or phrases with strong emotional implications used to sway the reader.",
        ("Loaded_Language",),
    ),
    Technique(
        "Name_Calling,Labeling",
        "Name calling / labelling",
        "Labelling the object of the message as something the audience fears, hates or loves.",
        ("Name_Calling-Labeling",),
    ),
    Technique(
        "Repetition",
        "Repetition",
        "Repeating the same message over and over so that the audience accepts it.",
        ("Repetition",),
    ),
    Technique(
        "Doubt",
        "Doubt",
        "Questioning the credibility of someone or something.",
        ("Doubt",),
    ),
    Technique(
        "Exaggeration,Minimisation",
        "Exaggeration / minimisation",
        "Representing something as much better or worse, or much more or less important, "
        "than it really is.",
        ("Exaggeration-Minimisation",),
    ),
    Technique(
        "Appeal_to_fear-prejudice",
        "Appeal to fear / prejudice",
        "Building support for an idea by instilling anxiety or panic, or by exploiting "
        "prejudices, about an alternative.",
        ("Appeal_to_Fear-Prejudice",),
    ),
    Technique(
        "Flag-Waving",
        "Flag-waving",
        "Playing on strong national or group feeling to justify or promote an action or idea.",
        ("Flag_Waving",),
    ),
    Technique(
        "Causal_Oversimplification",
        "Causal oversimplification",
        "Assuming a single cause or reason when there are actually many behind an issue.",
        ("Causal_Oversimplification",),
    ),
    Technique(
        "Slogans",
        "Slogans",
        "A brief and striking phrase, often acting as an emotional appeal.",
        ("Slogans",),
    ),
    Technique(
        "Appeal_to_Authority",
        "Appeal to authority",
        "Stating that a claim is true simply because an authority or expert supports it.",
        ("Appeal_to_Authority",),
    ),
    Technique(
        "Whataboutism,Straw_Men,Red_Herring",
        "Whataboutism / straw man / red herring",
        "Deflecting criticism by charging hypocrisy, refuting a distorted version of an "
        "argument, or introducing irrelevant material.",
        ("Whataboutism", "Straw_Man", "Red_Herring"),
    ),
    Technique(
        "Black-and-White_Fallacy",
        "Black-and-white fallacy",
        "Presenting two alternatives as the only possibilities when more exist.",
        ("False_Dilemma-No_Choice",),
    ),
    Technique(
        "Thought-terminating_Cliches",
        "Thought-terminating cliché",
        "Short, generic phrases that discourage critical thought and end a discussion.",
        ("Conversation_Killer",),
    ),
    Technique(
        "Bandwagon,Reductio_ad_hitlerum",
        "Bandwagon / reductio ad Hitlerum",
        "Urging to join an action because 'everyone else' does, or rejecting an idea because "
        "a hated group holds it.",
        ("Appeal_to_Popularity", "Guilt_by_Association"),
    ),
)

LABELS: tuple[str, ...] = tuple(t.label for t in TAXONOMY)
BY_LABEL: dict[str, Technique] = {t.label: t for t in TAXONOMY}

#: All 23 SemEval-2023 Task 3 techniques, for reference and for checking the mapping.
SEMEVAL2023_TECHNIQUES: tuple[str, ...] = (
    "Appeal_to_Authority", "Appeal_to_Popularity", "Appeal_to_Values",
    "Appeal_to_Fear-Prejudice", "Flag_Waving", "Causal_Oversimplification",
    "False_Dilemma-No_Choice", "Consequential_Oversimplification", "Straw_Man",
    "Red_Herring", "Whataboutism", "Slogans", "Appeal_to_Time", "Conversation_Killer",
    "Loaded_Language", "Repetition", "Exaggeration-Minimisation",
    "Obfuscation-Vagueness-Confusion", "Name_Calling-Labeling", "Doubt",
    "Guilt_by_Association", "Appeal_to_Hypocrisy", "Questioning_the_Reputation",
)  # fmt: skip
