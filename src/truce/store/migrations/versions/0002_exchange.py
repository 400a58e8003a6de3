"""The exchange agreement being monitored, and its release log, versioned.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_version",
        sa.Column("talks_id", sa.String(80), sa.ForeignKey("talks.id"), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("agreement", sa.Text(), nullable=False),
        sa.Column("release_log", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("exchange_version")
