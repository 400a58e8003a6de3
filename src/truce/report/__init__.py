"""Rendering results as self-contained HTML pages and PNG charts; no analysis of its own."""
