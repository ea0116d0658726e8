"""All models, re-exported so Alembic sees every table."""

from portal.models.audit import AuditEvent
from portal.models.users import ROLE_LABELS, SECTOR_LABELS, STAFF_ROLES, Organisation, Role, Sector, User, UserRole

__all__ = [
    "ROLE_LABELS",
    "SECTOR_LABELS",
    "STAFF_ROLES",
    "AuditEvent",
    "Organisation",
    "Role",
    "Sector",
    "User",
    "UserRole",
]
