"""The portal's one small-numbers policy: the threshold, the rule and the words users read.

* **Figures a publisher released stay as released.** A value loaded from a publisher's file is shown exactly as the
  publisher released it, on every page, chart, CSV download and API response, even when it rests on few events. A
  value the publisher suppressed stays suppressed, with the publisher's marker (never shown as 0).
* **Suppression applies to what the portal derives itself.** A figure the portal works out (a value derived from
  published figures, such as a ward from its small areas, survey results and their "You said" summaries) is not shown
  when it rests on 1 to ``THRESHOLD`` − 1 people or events; 0 is shown, as an empty group reveals nobody. Where a
  total is shown beside groups, complementary suppression (:func:`suppressed_groups`) hides further groups until no
  hidden group, and no sum of them, can be worked out.

Every feature asks this module (``disclosure``, ``marker``, ``suppressed_groups``) and shows its wording, so a hidden
figure is hidden, with the same marker, everywhere. Pure: no Flask, no models.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Final

THRESHOLD: Final = 5

# Where users can read the policy: the anchor of its section on the "About the data" page.
POLICY_ANCHOR: Final = "small-numbers"


class Disclosure(StrEnum):
    """Whether a figure is shown, and if not, who withheld it."""

    SHOWN = "shown"
    PUBLISHER = "publisher"  # suppressed by the publisher in the file it released
    PORTAL = "portal"  # derived by the portal from fewer than THRESHOLD people or events


# The marker a withheld figure shows in page tables, chart tables and CSV downloads (the API gives ``suppressed_by``).
PUBLISHER_MARKER: Final = "suppressed by the publisher"
PORTAL_MARKER: Final = f"suppressed (fewer than {THRESHOLD})"

POLICY_SUMMARY: Final = (
    "Figures a publisher released are shown as released, including values the publisher suppressed, which are marked "
    f"‘{PUBLISHER_MARKER}’. Figures the portal works out itself are not shown when they rest on fewer than "
    f"{THRESHOLD} people or events, and are marked ‘{PORTAL_MARKER}’; where a total is shown, further small groups "
    "are hidden so that a hidden figure cannot be worked out by subtraction."
)
POLICY_POINTS: Final = (
    "Figures a publisher released (for example OHID's Fingertips, ONS, DfE) are shown exactly as released on every "
    "page, chart, CSV download and API response, even when they rest on few events. The publisher has already "
    "applied its own disclosure rules.",
    f"A value the publisher suppressed stays suppressed, marked ‘{PUBLISHER_MARKER}’ with the publisher's note. It "
    "is never shown as 0.",
    f"Figures the portal works out itself (values it derives from published figures, survey results, and the "
    f"‘You said’ summaries drafted from them) are not shown when they rest on 1 to {THRESHOLD - 1} people or events. "
    f"They are marked ‘{PORTAL_MARKER}’. A count of 0 is shown: an empty group reveals nobody.",
    f"Where a total is shown beside groups (such as survey responses by sector), as many more of the smallest groups "
    f"are hidden as it takes for the hidden groups together to hold at least {THRESHOLD}, between at least 2 groups, "
    "so that no small group can be worked out by subtracting the others from the total.",
    "The same rule gives the same result everywhere: a figure hidden on a page is hidden in its chart, its CSV "
    "download and the open data API, which says who withheld it in its suppressed_by field.",
)
API_DESCRIPTION: Final = (
    "Small numbers: values are served as the publisher released them; a value the publisher suppressed has "
    "value null, suppressed true and suppressed_by 'publisher'. A value the portal derived itself from 1 to "
    f"{THRESHOLD - 1} events is withheld (value, confidence limits, count and denominator null), with suppressed true "
    "and suppressed_by 'portal'."
)


def too_small(count: float | None, threshold: int = THRESHOLD) -> bool:
    """True when a portal-derived figure resting on ``count`` people or events must not be shown (0 and None are
    not small: an empty group reveals nobody, and an unknown count is no count)."""
    return count is not None and 0 < count < threshold


def disclosure(*, publisher_suppressed: bool, derived: bool, count: float | None) -> Disclosure:
    """Whether a stored value is shown: the publisher's suppression stands; the portal suppresses only what it
    derived itself from too few people or events."""
    if publisher_suppressed:
        return Disclosure.PUBLISHER
    if derived and too_small(count):
        return Disclosure.PORTAL
    return Disclosure.SHOWN


def marker(status: Disclosure) -> str:
    """The text a withheld figure shows in place of its value ("" when it is shown)."""
    return {Disclosure.SHOWN: "", Disclosure.PUBLISHER: PUBLISHER_MARKER, Disclosure.PORTAL: PORTAL_MARKER}[status]


def withheld_sentence(count: int, singular: str, plural: str) -> str:
    """The sentence a chart's summary adds for its withheld items, e.g. "2 categories are not drawn: …"."""
    noun, verb = (singular, "is") if count == 1 else (plural, "are")
    return (
        f"{count} {noun} {verb} not drawn: values suppressed by the publisher, or derived by the portal from fewer "
        f"than {THRESHOLD} events, are listed with their marker (see how the portal handles small numbers)."
    )


# ---------------------------------------------------------------------------------------------------------------
# Groups shown beside their total: small-group and complementary suppression


def is_suppressed(count: int, threshold: int = THRESHOLD) -> bool:
    """True when a group of ``count`` responses is too small to show (0 is an empty group, not a secret)."""
    return too_small(count, threshold)


def hidden_groups_safe(
    sizes: Mapping[str, int],
    hidden: Iterable[str],
    threshold: int = THRESHOLD,
    *,
    known_non_empty: bool = True,
) -> bool:
    """True when nothing small about the hidden groups can be worked out from the shown groups and the total.

    With the total and every shown group published, the only combination of hidden groups that can be worked out is
    all of them together (total − shown). So the hidden groups are safe when none are hidden, when together they hold
    nothing, or when at least 2 are hidden and together they hold at least ``threshold``. When each hidden group is
    known to be non-empty (it is listed), the total must also exceed one each, or every hidden size would be 1.
    """
    chosen = set(hidden)
    pooled = sum(sizes.get(group, 0) for group in chosen)
    if not chosen or pooled == 0:
        return True
    floor = len(chosen) if known_non_empty else 0
    return len(chosen) >= 2 and pooled >= threshold and pooled > floor


def suppressed_groups(
    sizes: Mapping[str, int],
    threshold: int = THRESHOLD,
    *,
    hidden: Iterable[str] = (),
    known_non_empty: bool = True,
) -> set[str]:
    """Complementary suppression: the groups to hide so no hidden group, and no sum of them, can be worked out.

    Groups of 1 to ``threshold`` − 1 are hidden, with any in ``hidden`` (hidden for another reason, such as a whole
    segment when ``sizes`` are one question's answer counts). While the hidden groups are not safe
    (``hidden_groups_safe``), the smallest shown non-empty group is hidden too (ties by name). If every group is
    hidden and they are still not safe (``total_hidden``: the total is under the threshold, or every group holds
    exactly 1, as with five groups of 1), the caller must not show the total either.
    ``known_non_empty`` says whether a hidden group is known to have someone in it (a listed segment) or may be
    empty (one question's answers within a segment).
    """
    chosen = {group for group, size in sizes.items() if is_suppressed(size, threshold)} | set(hidden)
    while not hidden_groups_safe(sizes, chosen, threshold, known_non_empty=known_non_empty):
        shown = sorted((size, group) for group, size in sizes.items() if size > 0 and group not in chosen)
        if not shown:
            break
        chosen.add(shown[0][1])
    return chosen


def total_hidden(sizes: Mapping[str, int], threshold: int = THRESHOLD, *, known_non_empty: bool = True) -> bool:
    """True when no choice of hidden groups protects them while the total is shown, so the total must be hidden too.

    That is when the total is 1 to ``threshold`` − 1, or (groups known to be non-empty) every non-empty group holds
    exactly 1: with them all hidden, total = number of groups listed pins each one at 1.
    """
    hidden = suppressed_groups(sizes, threshold, known_non_empty=known_non_empty)
    return not hidden_groups_safe(sizes, hidden, threshold, known_non_empty=known_non_empty)
