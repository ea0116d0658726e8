"""The face other features use to reach proposals; the work is done in the modules named below.

Chapters and prioritisation move a proposal along its lifecycle (``change_status``) and show its status; their tests
store proposals through ``submit_proposal``. Inside this package, import from the module that owns a name:
``vocabulary`` (statuses, labels, errors), ``finding``, ``submission``, ``lifecycle``, ``personal_data``,
``supports``, ``search``, ``drafts``, ``choices``, ``related``, ``notifications`` and ``examples``.
"""

from __future__ import annotations

from portal.proposals.finding import get_by_idempotency_key, get_by_reference, is_publicly_visible, timeline
from portal.proposals.lifecycle import change_status
from portal.proposals.submission import SubmitResult, submit_proposal
from portal.proposals.vocabulary import InvalidTransition, ProposalError, status_label

__all__ = [
    "InvalidTransition",
    "ProposalError",
    "SubmitResult",
    "change_status",
    "get_by_idempotency_key",
    "get_by_reference",
    "is_publicly_visible",
    "status_label",
    "submit_proposal",
    "timeline",
]
