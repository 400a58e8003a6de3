"""The first schema: talks, people, versioned proposals and preferences, ballots, marks, audit chain.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    _talks_and_people()
    _versions()
    _ballots_and_marks()
    _audit()


def _talks_and_people() -> None:
    op.create_table(
        "talks",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("frame", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("talks_id", sa.String(80), sa.ForeignKey("talks.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("party", sa.String(80), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )


def _versions() -> None:
    """Every version of a proposal and of a party's preferences is a row of its own: nothing is overwritten."""
    op.create_table(
        "proposal_version",
        sa.Column("talks_id", sa.String(80), sa.ForeignKey("talks.id"), primary_key=True),
        sa.Column("proposal_id", sa.String(80), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "preference_version",
        sa.Column("talks_id", sa.String(80), sa.ForeignKey("talks.id"), primary_key=True),
        sa.Column("party", sa.String(80), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )


def _ballots_and_marks() -> None:
    op.create_table(
        "ballot",
        sa.Column("talks_id", sa.String(80), sa.ForeignKey("talks.id"), primary_key=True),
        sa.Column("number", sa.Integer(), primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("packages", sa.Text(), nullable=False),
        sa.Column("parties", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "mark",
        sa.Column("talks_id", sa.String(80), primary_key=True),
        sa.Column("number", sa.Integer(), primary_key=True),
        sa.Column("party", sa.String(80), primary_key=True),
        sa.Column("accepted", sa.Text(), nullable=False),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )


def _audit() -> None:
    op.create_table(
        "audit",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("talks_id", sa.String(80), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_talks", "audit", ["talks_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_talks", "audit")
    for table in ("audit", "mark", "ballot", "preference_version", "proposal_version", "person", "talks"):
        op.drop_table(table)
