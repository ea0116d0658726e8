"""Evidence services: ranked search on either database, drafts kept out, links, stale list, slugs, seed."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.clock import london_today
from portal.evidence import attaching, examples, inputs, reading, search, writing
from portal.evidence.attachments import AttachmentError
from portal.extensions import db
from portal.models import AuditEvent, EvidenceAttachment, EvidenceBriefing, Indicator, Proposal
from tests.evidence.conftest import PDF_BYTES, briefing_input, stored_files

# --- search -----------------------------------------------------------------------------------------------------


def test_a_title_match_outranks_a_body_only_match(make_briefing: Callable[..., EvidenceBriefing]) -> None:
    # Created first, and mentioning the word twice, so neither id order nor frequency can explain the result.
    body_only = make_briefing(
        title="Food hygiene inspections",
        summary="Inspections of food businesses.",
        body="Outbreaks of campylobacter are linked to poultry. Campylobacter is common.",
    )
    in_title = make_briefing(
        title="Campylobacter infection in Wolverhampton", summary="Local cases.", body="Nothing else here."
    )
    unrelated = make_briefing(title="Air quality", summary="Pollution.", body="Particulates.")

    result = search.search_briefings("campylobacter")

    assert [b.id for b in result.briefings] == [in_title.id, body_only.id]
    assert unrelated.id not in [b.id for b in result.briefings]
    assert result.ranked and result.total == 2


def test_search_stems_words_and_matches_word_beginnings(make_briefing: Callable[..., EvidenceBriefing]) -> None:
    briefing = make_briefing(title="Campylobacter infection", summary="Cases reported.", body="Text.")
    assert [b.id for b in search.search_briefings("infections").briefings] == [briefing.id]
    assert [b.id for b in search.search_briefings("campylo").briefings] == [briefing.id]
    assert search.search_briefings("measles").total == 0


def test_every_word_must_match(make_briefing: Callable[..., EvidenceBriefing]) -> None:
    both = make_briefing(title="Smoking in pregnancy", summary="Support to stop.", body="Text.")
    make_briefing(title="Smoking in older adults", summary="Support.", body="Text.")
    assert [b.id for b in search.search_briefings("smoking pregnancy").briefings] == [both.id]


def test_tags_are_searched(make_briefing: Callable[..., EvidenceBriefing]) -> None:
    briefing = make_briefing(title="A briefing", summary="A summary.", body="Text.", tags=["vaping"])
    assert [b.id for b in search.search_briefings("vaping").briefings] == [briefing.id]


@pytest.mark.parametrize(
    "query",
    ['"', "AND OR NOT", "title:*", "a* OR (b", "NEAR(x y)", "'; DROP TABLE evidence_briefings; --", "ñandú", "-", "*"],
)
def test_any_typed_query_is_safe(make_briefing: Callable[..., EvidenceBriefing], query: str) -> None:
    make_briefing()
    result = search.search_briefings(query)  # must not raise, whatever the engine's query syntax
    assert result.total >= 0
    assert db.session.scalar(select(func.count()).select_from(EvidenceBriefing)) == 1


def test_filters_by_topic_type_and_grade(make_briefing: Callable[..., EvidenceBriefing]) -> None:
    mental = make_briefing(
        title="Mental health A", topics=["mental_health"], evidence_type="nice_guidance", grade="high"
    )
    children = make_briefing(
        title="Children B", topics=["children_young_people", "mental_health"], evidence_type="local_audit", grade="low"
    )
    make_briefing(title="Housing C", topics=["wider_determinants"], evidence_type="local_audit", grade="high")

    def ids(**filters: str) -> set[int]:
        return {b.id for b in search.search_briefings("", **filters).briefings}

    assert ids(topic="mental_health") == {mental.id, children.id}
    assert ids(topic="mental_health", evidence_type="local_audit") == {children.id}
    assert ids(topic="mental_health", grade="high") == {mental.id}
    assert {b.id for b in search.search_briefings("children", topic="mental_health").briefings} == {children.id}


def test_drafts_are_left_out_of_search_unless_asked_for(make_briefing: Callable[..., EvidenceBriefing]) -> None:
    draft = make_briefing(published=False, title="Draft about measles")
    published = make_briefing(title="Published about measles")
    assert [b.id for b in search.search_briefings("measles").briefings] == [published.id]
    assert [b.id for b in search.search_briefings("").briefings] == [published.id]
    assert {b.id for b in search.search_briefings("measles", include_drafts=True).briefings} == {
        draft.id,
        published.id,
    }


def test_search_is_paged(make_briefing: Callable[..., EvidenceBriefing], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "PAGE_SIZE", 2)
    for number in range(5):
        make_briefing(title=f"Measles briefing {number}")
    first, last = search.search_briefings("measles", page=1), search.search_briefings("measles", page=99)
    assert (first.total, first.pages, len(first.briefings)) == (5, 3, 2)
    assert (last.page, len(last.briefings)) == (3, 1)


def test_search_index_follows_edits(make_briefing: Callable[..., EvidenceBriefing]) -> None:
    briefing = make_briefing(title="Old words only")
    writing.update_briefing(briefing.id, briefing_input(title="Brand new title"), None)
    assert search.search_briefings("old").total == 0
    assert [b.id for b in search.search_briefings("brand").briefings] == [briefing.id]


# --- drafts, links and the functions other features call -------------------------------------------------------


def test_get_published_never_returns_a_draft(make_briefing: Callable[..., EvidenceBriefing]) -> None:
    draft = make_briefing(published=False)
    assert reading.get_published(draft.slug) is None
    writing.set_published(draft.id, True, None)
    assert reading.get_published(draft.slug).id == draft.id
    writing.set_published(draft.id, False, None)
    assert reading.get_published(draft.slug) is None


def test_briefings_for_a_proposal_and_an_indicator_are_published_ones_only(
    make_briefing: Callable[..., EvidenceBriefing],
    make_indicator: Callable[..., Indicator],
    make_proposal: Callable[..., Proposal],
) -> None:
    make_indicator("93356", "Campylobacter incidence")
    proposal = make_proposal()
    links = {"indicator_ids": ["93356"], "proposal_references": [proposal.reference]}
    published = make_briefing(title="Published one", **links)
    make_briefing(published=False, title="Draft one", **links)
    make_briefing(title="Unlinked one")

    assert [b.id for b in reading.published_briefings_for_proposal(proposal.id)] == [published.id]
    assert [b.id for b in reading.published_briefings_for_indicator("93356")] == [published.id]
    assert reading.published_briefings_for_indicator("41001") == []


def test_links_to_unknown_indicators_or_proposals_are_refused(app: Flask) -> None:
    with pytest.raises(inputs.BriefingError) as caught:
        writing.create_briefing(briefing_input(indicator_ids=["99999"]), None)
    assert (caught.value.field, caught.value.message) == ("indicator_ids", "No indicator has the ID 99999")
    with pytest.raises(inputs.BriefingError) as caught:
        writing.create_briefing(briefing_input(proposal_references=["JSNA-2026-9999"]), None)
    assert caught.value.field == "proposal_references"
    assert db.session.scalar(select(func.count()).select_from(EvidenceBriefing)) == 0


def test_the_public_sees_only_links_to_public_proposals(
    make_briefing: Callable[..., EvidenceBriefing], make_proposal: Callable[..., Proposal]
) -> None:
    public = make_proposal(status="shortlisted", title="Public one")
    unmoderated = make_proposal(status="submitted", title="Unmoderated one")
    refused = make_proposal(status="not_published", title="Refused one")
    briefing = make_briefing(proposal_references=[public.reference, unmoderated.reference, refused.reference])
    assert reading.linked_proposals(briefing, include_hidden=False) == [public]
    assert len(reading.linked_proposals(briefing, include_hidden=True)) == 3


def test_editing_keeps_links_that_stay_and_changes_the_rest(
    make_briefing: Callable[..., EvidenceBriefing], make_indicator: Callable[..., Indicator]
) -> None:
    make_indicator("41001", "Suicide rate")
    make_indicator("90813", "Self-harm admissions")
    briefing = make_briefing(topics=["mental_health", "children_young_people"], indicator_ids=["41001"])
    writing.update_briefing(
        briefing.id,
        briefing_input(topics=["mental_health", "health_inequalities"], indicator_ids=["41001", "90813"]),
        None,
    )
    db.session.expire_all()
    briefing = db.session.get(EvidenceBriefing, briefing.id)
    assert briefing.topics == ["health_inequalities", "mental_health"]
    assert sorted(link.indicator_id for link in briefing.indicator_links) == ["41001", "90813"]
    assert briefing.slug == "smoking-in-pregnancy-what-works"  # the address does not change with the title


def test_source_links_must_be_http_or_https(app: Flask) -> None:
    for url in ["javascript:alert(1)", "data:text/html,x", "ftp://example.org/x", "https://", "www.nice.org.uk"]:
        with pytest.raises(inputs.BriefingError) as caught:
            writing.create_briefing(briefing_input(sources=[("Bad", url)]), None)
        assert caught.value.field == "sources"
    assert db.session.scalar(select(func.count()).select_from(EvidenceBriefing)) == 0


def test_parse_sources_reads_lines_and_names_the_line_with_the_problem() -> None:
    text = (
        "NICE NG105 | https://www.nice.org.uk/guidance/ng105\n\n  OHID | Fingertips | https://fingertips.phe.org.uk  "
    )
    assert inputs.parse_sources(text) == [
        ("NICE NG105", "https://www.nice.org.uk/guidance/ng105"),
        ("OHID | Fingertips", "https://fingertips.phe.org.uk"),  # the last bar separates the address
    ]
    with pytest.raises(inputs.BriefingError, match="Source on line 2: enter a web address starting with http"):
        inputs.parse_sources("NICE | https://www.nice.org.uk\nBad | javascript:alert(1)")
    with pytest.raises(inputs.BriefingError, match="Source on line 1: write the title, then a vertical bar"):
        inputs.parse_sources("https://www.nice.org.uk")


def test_slugs_are_unique_and_never_clash_with_pages(make_briefing: Callable[..., EvidenceBriefing]) -> None:
    first = make_briefing(title="Obesity: what works?")
    second = make_briefing(title="Obesity — what works")
    manage = make_briefing(title="Manage")
    assert (first.slug, second.slug) == ("obesity-what-works", "obesity-what-works-2")
    assert manage.slug == "manage-briefing"


# --- stale ------------------------------------------------------------------------------------------------------


def test_stale_list_holds_published_briefings_past_their_review_by_date(
    make_briefing: Callable[..., EvidenceBriefing],
) -> None:
    today = london_today()
    overdue = make_briefing(
        title="Overdue", published_on=today - timedelta(days=800), review_by=today - timedelta(days=1)
    )
    make_briefing(title="Due today", published_on=today - timedelta(days=10), review_by=today)
    make_briefing(title="Fresh")
    make_briefing(
        published=False,
        title="Overdue draft",
        published_on=today - timedelta(days=800),
        review_by=today - timedelta(days=5),
    )
    assert [b.id for b in reading.stale_briefings()] == [overdue.id]
    assert overdue.is_stale(today) and not overdue.is_stale(today - timedelta(days=1))


# --- attachments (service level) --------------------------------------------------------------------------------


def test_attachments_are_stored_under_random_names(
    make_briefing: Callable[..., EvidenceBriefing], upload_dir: Path
) -> None:
    briefing = make_briefing()
    attachment = attaching.add_attachment(briefing.id, "Report.pdf", io.BytesIO(PDF_BYTES), None)
    files = stored_files(upload_dir)
    assert [path.name for path in files] == [attachment.stored_name]
    assert "Report" not in attachment.stored_name and len(attachment.stored_name) == 32
    assert files[0].read_bytes() == PDF_BYTES
    attaching.delete_attachment(briefing.id, attachment.id, None)
    assert stored_files(upload_dir) == []


def test_a_refused_file_leaves_nothing_behind(make_briefing: Callable[..., EvidenceBriefing], upload_dir: Path) -> None:
    briefing = make_briefing()
    with pytest.raises(AttachmentError):
        attaching.add_attachment(briefing.id, "page.pdf", io.BytesIO(b"<html><body>hi</body></html>"), None)
    assert stored_files(upload_dir) == []
    assert db.session.scalar(select(func.count()).select_from(EvidenceAttachment)) == 0


def test_an_attachment_cannot_be_removed_through_another_briefing(
    make_briefing: Callable[..., EvidenceBriefing],
) -> None:
    owner, other = make_briefing(title="Owner"), make_briefing(title="Other")
    attachment = attaching.add_attachment(owner.id, "a.pdf", io.BytesIO(PDF_BYTES), None)
    with pytest.raises(LookupError):
        attaching.delete_attachment(other.id, attachment.id, None)
    assert attaching.attachment_for_download(other.slug, attachment.id, include_drafts=False) is None
    assert attaching.attachment_for_download(owner.slug, attachment.id, include_drafts=False) is not None


# --- audit and seed ---------------------------------------------------------------------------------------------


def test_changes_are_audited(make_briefing: Callable[..., EvidenceBriefing]) -> None:
    briefing = make_briefing()
    writing.set_published(briefing.id, False, None)
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["briefing_created", "briefing_published", "briefing_unpublished"]


def test_seed_is_idempotent_marks_examples_and_links_what_exists(
    app: Flask, make_indicator: Callable[..., Indicator], make_proposal: Callable[..., Proposal]
) -> None:
    make_indicator("41001", "Suicide rate")
    suicide_proposal = make_proposal(title="Suicide prevention for men", is_example=True)
    make_proposal(title="Suicide prevention, not an example")

    first = examples.seed()
    count = db.session.scalar(select(func.count()).select_from(EvidenceBriefing))
    second = examples.seed()

    assert first.startswith("4 example evidence briefings created")
    assert second.startswith("0 example evidence briefings created, 0 links")
    assert db.session.scalar(select(func.count()).select_from(EvidenceBriefing)) == count == 4
    briefings = list(db.session.scalars(select(EvidenceBriefing)))
    assert all(b.is_example and "example" in b.tag_list for b in briefings)
    assert {b.status for b in briefings} == {"published", "draft"}
    suicide = db.session.scalar(select(EvidenceBriefing).where(EvidenceBriefing.slug.like("%suicide%")))
    assert [link.indicator_id for link in suicide.indicator_links] == ["41001"]  # 91404 is not loaded: not linked
    assert [link.proposal_id for link in suicide.proposal_links] == [suicide_proposal.id]

    make_indicator("91404", "Years of life lost due to suicide")
    assert "1 links" in examples.seed()  # indicators loaded later are linked on the next run
