"""The chapters feature's public face: the names other features, the seed and the tests use.

The work is done by one module per job:
- ``common``: the service error, loading and locking a chapter, the response period;
- ``writing``: the analysts' lists, writing sections and details, versions, review and publication;
- ``forecasts``: projections under "Future need" and their cache on the chapter;
- ``recommendations``: addressing recommendations, commissioners' responses and progress, acknowledgements;
- ``notifications``: the emails sent when a chapter is published;
- ``tracker``: overdue responses, "My recommendations", the tracker's counts and the overview report;
- ``examples``: the example chapter ``flask seed`` loads.
"""

from __future__ import annotations

from portal.chapters.common import ChapterError, get_chapter, progress_stale_days, response_days, response_due
from portal.chapters.examples import seed
from portal.chapters.forecasts import population_for, projection_for, projections_for, refresh_projections
from portal.chapters.notifications import notify_addressees, pending_notifications
from portal.chapters.recommendations import (
    RecommendationInput,
    ResponseInput,
    acknowledge,
    add_progress,
    add_recommendation,
    addressee_names,
    commissioner_label,
    commissioners,
    delete_recommendation,
    get_recommendation,
    members,
    organisation_label,
    organisations,
    recommendation_for_commissioner,
    recommendation_for_provider,
    respond,
    update_recommendation,
)
from portal.chapters.tracker import (
    MyChapter,
    MyRecommendation,
    Overdue,
    OverdueItem,
    ReportTopic,
    my_recommendations,
    overdue_items,
    overdue_state,
    report_topics,
    tracker_summary,
)
from portal.chapters.writing import (
    SECTION_KEYS,
    PublishResult,
    all_chapters,
    create_chapter,
    get_for_viewer,
    get_version,
    missing_sections,
    prioritisation_decision,
    prioritised_proposals_without_chapter,
    publication_problems,
    publish,
    published_chapters,
    return_to_draft,
    save_details,
    save_section,
    submit_for_review,
    versions,
)

__all__ = [
    "SECTION_KEYS",
    "ChapterError",
    "MyChapter",
    "MyRecommendation",
    "Overdue",
    "OverdueItem",
    "PublishResult",
    "RecommendationInput",
    "ReportTopic",
    "ResponseInput",
    "acknowledge",
    "add_progress",
    "add_recommendation",
    "addressee_names",
    "all_chapters",
    "commissioner_label",
    "commissioners",
    "create_chapter",
    "delete_recommendation",
    "get_chapter",
    "get_for_viewer",
    "get_recommendation",
    "get_version",
    "members",
    "missing_sections",
    "my_recommendations",
    "notify_addressees",
    "organisation_label",
    "organisations",
    "overdue_items",
    "overdue_state",
    "pending_notifications",
    "population_for",
    "prioritisation_decision",
    "prioritised_proposals_without_chapter",
    "progress_stale_days",
    "projection_for",
    "projections_for",
    "publication_problems",
    "publish",
    "published_chapters",
    "recommendation_for_commissioner",
    "recommendation_for_provider",
    "refresh_projections",
    "report_topics",
    "respond",
    "response_days",
    "response_due",
    "return_to_draft",
    "save_details",
    "save_section",
    "seed",
    "submit_for_review",
    "tracker_summary",
    "update_recommendation",
    "versions",
]
