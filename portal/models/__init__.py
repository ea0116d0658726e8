"""All models, re-exported so Alembic sees every table."""

from portal.models.audit import AuditEvent
from portal.models.indicators import (
    AREA_TYPES,
    Area,
    ComparatorGroup,
    ComparatorGroupMember,
    DataImport,
    Indicator,
    IndicatorValue,
)
from portal.models.proposals import (
    Proposal,
    ProposalIndicator,
    ProposalStatus,
    ProposalStatusEvent,
    ProposalSupport,
    ProposalWard,
)
from portal.models.users import ROLE_LABELS, SECTOR_LABELS, STAFF_ROLES, Organisation, Role, Sector, User, UserRole

__all__ = [
    "AREA_TYPES",
    "ROLE_LABELS",
    "SECTOR_LABELS",
    "STAFF_ROLES",
    "Area",
    "AuditEvent",
    "ComparatorGroup",
    "ComparatorGroupMember",
    "DataImport",
    "Indicator",
    "IndicatorValue",
    "Organisation",
    "Proposal",
    "ProposalIndicator",
    "ProposalStatus",
    "ProposalStatusEvent",
    "ProposalSupport",
    "ProposalWard",
    "Role",
    "Sector",
    "User",
    "UserRole",
]
