"""The default prioritisation criteria, following common JSNA practice (size, severity, inequalities, trend,
strategic fit, gaps, evidence of effective action, and public and stakeholder concern).

Each criterion has a question and a descriptor for each score level from 1 (lowest priority) to 5 (highest).
The weights start equal: the steering group changes them through the criteria pages, which makes a new version.
"""

from __future__ import annotations

from typing import TypedDict


class CriterionDefaults(TypedDict):
    """A criterion as plain values."""

    name: str
    question: str
    descriptors: tuple[str, str, str, str, str]
    weight: float


DEFAULT_CRITERIA: tuple[CriterionDefaults, ...] = (
    {
        "name": "Size of the problem",
        "question": "How many people in Wolverhampton does this affect?",
        "descriptors": (
            "Very few people are affected (a small, specific group)",
            "A small number of people are affected",
            "A moderate number of people are affected, in line with similar areas",
            "A large number of people are affected, more than in similar areas",
            "A very large share of the population is affected",
        ),
        "weight": 1.0,
    },
    {
        "name": "Severity and impact on health",
        "question": "How serious is the effect on people's health and wellbeing?",
        "descriptors": (
            "A minor, short-term effect on health or wellbeing",
            "Some effect on quality of life, rarely serious",
            "A moderate effect on health, quality of life or independence",
            "A serious effect: long-term illness, disability or avoidable hospital admissions",
            "A very serious effect: early death or severe, lasting harm",
        ),
        "weight": 1.0,
    },
    {
        "name": "Inequalities",
        "question": "Does this affect some groups or places much more than others?",
        "descriptors": (
            "No evidence of differences between groups or places",
            "Small differences between groups or places",
            "Clear differences between some groups or places",
            "Large differences, affecting deprived areas or groups with protected characteristics",
            "Very large or widening gaps, concentrated in the most disadvantaged groups or wards",
        ),
        "weight": 1.0,
    },
    {
        "name": "Trend and future need",
        "question": "Is the need getting worse, or expected to grow?",
        "descriptors": (
            "Improving quickly, and expected to keep improving",
            "Improving slowly",
            "Stable, with no clear change expected",
            "Getting worse, or expected to grow (for example with an ageing population)",
            "Getting worse quickly, or expected to grow sharply",
        ),
        "weight": 1.0,
    },
    {
        "name": "Fit with the health and wellbeing strategy",
        "question": "How closely does this match the priorities of the Joint Local Health and Wellbeing Strategy?",
        "descriptors": (
            "No link to the strategy's priorities",
            "An indirect link to one priority",
            "Supports one priority directly",
            "Supports several priorities directly",
            "Central to the strategy, or to a statutory duty of the board",
        ),
        "weight": 1.0,
    },
    {
        "name": "Gap in knowledge or services",
        "question": "How much do we not know, or how far do current services fall short of the need?",
        "descriptors": (
            "Well understood, and services meet the need",
            "Mostly understood, with small gaps in services",
            "Some gaps in what we know or in services",
            "Important gaps in what we know or in services",
            "Little is known locally, or there are no services for this need",
        ),
        "weight": 1.0,
    },
    {
        "name": "Evidence that action works",
        "question": "Is there good evidence that local action would make a difference?",
        "descriptors": (
            "No evidence that action makes a difference",
            "Weak or mixed evidence",
            "Some evidence, for example from similar areas",
            "Good evidence, for example NICE guidance or evaluated programmes",
            "Strong evidence of effective, good-value action that could be taken locally",
        ),
        "weight": 1.0,
    },
    {
        "name": "Public and stakeholder concern",
        "question": "How much concern have residents, communities and partners shown?",
        "descriptors": (
            "No concern raised",
            "Concern raised by a few people or one partner",
            "Concern raised by several people or partners",
            "Widespread concern, for example many supporters of the proposal or survey responses",
            "Very high concern across communities and partners",
        ),
        "weight": 1.0,
    },
)
