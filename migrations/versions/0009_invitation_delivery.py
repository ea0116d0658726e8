"""survey invitations: email delivery status, as invitation emails are now sent in the background.

Revision ID: 0009_invitation_delivery
Revises: 0008_briefing_search_index
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_invitation_delivery"
down_revision = "0008_briefing_search_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("survey_invitations") as batch:
        # Every existing invitation was emailed within the request that made it.
        batch.add_column(sa.Column("email_status", sa.String(length=16), server_default="sent", nullable=False))
        batch.add_column(sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("survey_invitations") as batch:
        batch.drop_column("emailed_at")
        batch.drop_column("email_status")
