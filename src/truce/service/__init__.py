"""The truce service: an HTTP API (described by its OpenAPI document) and server-rendered pages.

Build it with :func:`truce.service.app.create_app`; ``truce serve`` runs it with uvicorn.
"""
