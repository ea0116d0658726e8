"""Emails about chapters: when a chapter is published, the people at each addressed organisation hear once about
the recommendations for it: its commissioners (and the named person) are asked to respond for it, and its other
stakeholders may acknowledge.

Emails go after the commit that published the chapter; a failed email leaves its organisation's links without
``notified_at``, so the analysts' "send the emails again" button retries only those.
"""

from __future__ import annotations

from collections import defaultdict

from portal.chapters.common import get_chapter, response_days, response_due
from portal.chapters.recommendations import members
from portal.extensions import db
from portal.mail import external_url, send_email_logged
from portal.models import Chapter, RecommendationOrganisation, Role, User
from portal.models.base import utcnow


def _recipients(links: list[RecommendationOrganisation]) -> tuple[list[User], list[User]]:
    """Who to email at one organisation: (those asked to respond, those who may acknowledge), each once."""
    organisation_id = links[0].organisation_id
    responders = {user.id: user for user in members(organisation_id, Role.COMMISSIONER)}
    for link in links:
        person = link.person
        if person is not None and person.active and person.organisation_id == organisation_id:
            responders.setdefault(person.id, person)
    others = [user for user in members(organisation_id, Role.STAKEHOLDER) if user.id not in responders]
    return list(responders.values()), others


def notify_addressees(chapter_id: int) -> tuple[int, int]:
    """Email the people at every addressed organisation not yet emailed; one email per person.

    Returns (sent, failed); an organisation whose emails did not all go stays pending, so running this again (the
    analysts' "send the emails again" button) retries it.
    """
    chapter = get_chapter(chapter_id)
    if not chapter.is_published:
        return 0, 0
    chapter_url = external_url("chapters.detail", slug=chapter.slug)
    mine_url = external_url("chapters.my_recommendations")
    sent = failed = 0

    by_organisation: dict[int, list[RecommendationOrganisation]] = defaultdict(list)
    for recommendation in chapter.recommendations:
        for link in recommendation.organisation_links:
            if link.notified_at is None:
                by_organisation[link.organisation_id].append(link)

    for links in by_organisation.values():
        organisation = links[0].organisation
        recommendations = [link.recommendation for link in links]
        named = {link.person_id for link in links if link.person_id is not None}
        responders, others = _recipients(links)
        all_ok = True
        for person in responders:
            ok = send_email_logged(
                person.email,
                f"JSNA chapter published: {chapter.title} – recommendations for {organisation.name} to respond to",
                "chapter_published_commissioner.txt",
                person=person,
                organisation=organisation,
                named=person.id in named,
                chapter=chapter,
                recommendations=recommendations,
                chapter_url=chapter_url,
                mine_url=mine_url,
                response_days=response_days(),
                due=response_due(chapter),
            )
            sent, failed = (sent + 1, failed) if ok else (sent, failed + 1)
            all_ok = all_ok and ok
        for person in others:
            ok = send_email_logged(
                person.email,
                f"JSNA chapter published: {chapter.title} – recommendations for your organisation",
                "chapter_published_provider.txt",
                person=person,
                organisation=organisation,
                chapter=chapter,
                recommendations=recommendations,
                chapter_url=chapter_url,
                mine_url=mine_url,
            )
            sent, failed = (sent + 1, failed) if ok else (sent, failed + 1)
            all_ok = all_ok and ok
        if all_ok:
            for link in links:
                link.notified_at = utcnow()
            db.session.commit()
    return sent, failed


def pending_notifications(chapter: Chapter) -> int:
    """Addressed organisations of a published chapter not yet emailed (after a mail failure), per recommendation."""
    if not chapter.is_published:
        return 0
    return sum(
        1 for recommendation in chapter.recommendations for link in recommendation.organisation_links
        if link.notified_at is None
    )  # fmt: skip
