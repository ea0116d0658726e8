"""One way to write the audit trail: who did what to which object."""

from __future__ import annotations

from portal.extensions import db
from portal.models.audit import AuditEvent


def record_audit(actor_id: int | None, action: str, object_type: str, object_id: object, detail: str = "") -> None:
    """Add an audit event to the session; the caller's transaction commits it with the change it describes."""
    db.session.add(
        AuditEvent(actor_id=actor_id, action=action, object_type=object_type, object_id=str(object_id), detail=detail)
    )
