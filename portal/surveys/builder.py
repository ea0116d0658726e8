"""The survey builder as code outside these modules has used it: a thin face.

Outcomes import ``question_numbers`` from here, and invitation jobs queued before the split name
``portal.surveys.builder.deliver_invitations``. Inside this feature, import from the module that owns the name:
``lifecycle`` (creating, settings, opening, closing, deleting), ``structure`` (sections and questions),
``conditions`` (question numbers and display conditions), ``publishing`` (public results) and ``inviting``
(invitations and the response rate).
"""

from __future__ import annotations

from portal.surveys.conditions import condition_choices, decode_condition, encode_condition, question_numbers
from portal.surveys.inviting import (
    MAX_INVITATIONS_PER_BATCH,
    STALE_QUEUED_MINUTES,
    InvitationReport,
    ResponseRate,
    deliver_invitations,
    delivery_counts,
    invitations,
    opted_in_emails,
    parse_email_list,
    resend_invitations,
    resendable_count,
    response_rate,
    send_invitations,
    token_hash,
)
from portal.surveys.lifecycle import (
    BuilderError,
    all_surveys,
    close_survey,
    create_survey,
    delete_survey,
    has_started,
    open_survey,
    response_count,
    response_counts,
    structure_locked,
    update_settings,
)
from portal.surveys.publishing import (
    DEFAULT_MIN_RESPONSES_TO_PUBLISH,
    PublishRefused,
    min_responses_to_publish,
    publish_results,
)
from portal.surveys.structure import (
    QuestionSpec,
    add_section,
    delete_question,
    delete_section,
    move_question,
    move_section,
    save_question,
    update_section,
)

__all__ = [
    "DEFAULT_MIN_RESPONSES_TO_PUBLISH",
    "MAX_INVITATIONS_PER_BATCH",
    "STALE_QUEUED_MINUTES",
    "BuilderError",
    "InvitationReport",
    "PublishRefused",
    "QuestionSpec",
    "ResponseRate",
    "add_section",
    "all_surveys",
    "close_survey",
    "condition_choices",
    "create_survey",
    "decode_condition",
    "delete_question",
    "delete_section",
    "delete_survey",
    "deliver_invitations",
    "delivery_counts",
    "encode_condition",
    "has_started",
    "invitations",
    "min_responses_to_publish",
    "move_question",
    "move_section",
    "open_survey",
    "opted_in_emails",
    "parse_email_list",
    "publish_results",
    "question_numbers",
    "resend_invitations",
    "resendable_count",
    "response_count",
    "response_counts",
    "response_rate",
    "save_question",
    "send_invitations",
    "structure_locked",
    "token_hash",
    "update_section",
    "update_settings",
]
