"""Server-side sign-in sessions, revoked and rotated tokens, and the demo mark.

A database made before this revision with the public demo tokens is marked as a demo database here, so that
it is refused on a non-loopback address like one made after it.

Revision ID: 0002_sessions
Revises: 0002 (the exchange agreement's tables, made before this revision was numbered)
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0002_sessions"
down_revision = "0002"
branch_labels = None
depends_on = None

DEMO_TOKENS = ("demo-mediator", "demo-observer")  # the two every demo database has, whatever its sides


def upgrade() -> None:
    op.create_table(
        "credential_change",
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), primary_key=True),
        sa.Column("number", sa.Integer(), primary_key=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "login_session",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("last_used", sa.String(40), nullable=False),
    )
    op.create_index("ix_login_session_person", "login_session", ["person_id"])
    setting = op.create_table(
        "setting",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    person = sa.table("person", sa.column("token_hash", sa.String))
    digests = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in DEMO_TOKENS]
    found = op.get_bind().execute(sa.select(sa.func.count()).where(person.c.token_hash.in_(digests))).scalar()
    if found:
        op.bulk_insert(setting, [{"name": "demo", "value": "1"}])


def downgrade() -> None:
    op.drop_table("setting")
    op.drop_index("ix_login_session_person", "login_session")
    op.drop_table("login_session")
    op.drop_table("credential_change")
