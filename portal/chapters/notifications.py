"""Emails about chapters: when a chapter is published, each addressed commissioner and each addressed
organisation's stakeholders hear once about the recommendations for them.

Emails go after the commit that published the chapter; a failed email stays pending (its link has no
``notified_at``), so the analysts' "send the emails again" button retries only those.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from portal.chapters.common import get_chapter, response_days, response_due
from portal.extensions import db
from portal.mail import external_url, send_email_logged
from portal.models import Chapter, RecommendationCommissioner, RecommendationOrganisation, Role, User, UserRole
from portal.models.base import utcnow


def notify_addressees(chapter_id: int) -> tuple[int, int]:
    """Email every addressed commissioner (and each addressed organisation's stakeholders) not yet emailed.

    One email per person, listing the recommendations addressed to them. Returns (sent, failed); a failed email
    stays pending, so running this again (the analysts' "send the emails again" button) retries only those.
    """
    chapter = get_chapter(chapter_id)
    if not chapter.is_published:
        return 0, 0
    chapter_url = external_url("chapters.detail", slug=chapter.slug)
    mine_url = external_url("chapters.my_recommendations")
    sent = failed = 0

    by_commissioner: dict[int, list[RecommendationCommissioner]] = defaultdict(list)
    by_organisation: dict[int, list[RecommendationOrganisation]] = defaultdict(list)
    for recommendation in chapter.recommendations:
        for c_link in recommendation.commissioner_links:
            if c_link.notified_at is None:
                by_commissioner[c_link.user_id].append(c_link)
        for o_link in recommendation.organisation_links:
            if o_link.notified_at is None:
                by_organisation[o_link.organisation_id].append(o_link)

    for c_links in by_commissioner.values():
        person = c_links[0].commissioner
        if not person.active:
            continue
        ok = send_email_logged(
            person.email,
            f"JSNA chapter published: {chapter.title} – recommendations for you to respond to",
            "chapter_published_commissioner.txt",
            person=person,
            chapter=chapter,
            recommendations=[link.recommendation for link in c_links],
            chapter_url=chapter_url,
            mine_url=mine_url,
            response_days=response_days(),
            due=response_due(chapter),
        )
        sent, failed = (sent + 1, failed) if ok else (sent, failed + 1)
        if ok:
            for c_link in c_links:
                c_link.notified_at = utcnow()
            db.session.commit()

    for organisation_id, o_links in by_organisation.items():
        members = list(
            db.session.scalars(
                select(User)
                .join(UserRole, UserRole.user_id == User.id)
                .where(
                    User.organisation_id == organisation_id,
                    User.active.is_(True),
                    UserRole.role == Role.STAKEHOLDER.value,
                )
            ).unique()
        )
        all_ok = True
        for member in members:
            ok = send_email_logged(
                member.email,
                f"JSNA chapter published: {chapter.title} – recommendations for your organisation",
                "chapter_published_provider.txt",
                person=member,
                organisation=o_links[0].organisation,
                chapter=chapter,
                recommendations=[link.recommendation for link in o_links],
                chapter_url=chapter_url,
                mine_url=mine_url,
            )
            sent, failed = (sent + 1, failed) if ok else (sent, failed + 1)
            all_ok = all_ok and ok
        if all_ok:
            for o_link in o_links:
                o_link.notified_at = utcnow()
            db.session.commit()
    return sent, failed


def pending_notifications(chapter: Chapter) -> int:
    """Addressees of a published chapter not yet emailed (after a mail failure)."""
    if not chapter.is_published:
        return 0
    pending = 0
    for recommendation in chapter.recommendations:
        pending += sum(1 for c_link in recommendation.commissioner_links if c_link.notified_at is None)
        pending += sum(1 for o_link in recommendation.organisation_links if o_link.notified_at is None)
    return pending
