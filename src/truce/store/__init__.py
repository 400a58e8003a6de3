"""Storage: SQLAlchemy 2 tables, repository functions and Alembic migrations (SQLite by default, PostgreSQL by URL).

Everything that changes is kept as numbered versions (proposals, preferences), and every write appends an
entry to a hash-chained audit log in the same transaction (:mod:`truce.store.audit`).
"""
