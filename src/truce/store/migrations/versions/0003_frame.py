"""Versions of the talks' public frame (rounds, events and sources recorded in the pages), and when each
person's access was last used.

Revision ID: 0003_frame
Revises: 0002_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_frame"
down_revision = "0002_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "frame_version",
        sa.Column("talks_id", sa.String(80), sa.ForeignKey("talks.id"), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "person_seen",
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), primary_key=True),
        sa.Column("last_used", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("person_seen")
    op.drop_table("frame_version")
