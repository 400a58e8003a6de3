"""The audit page in words (mediators only): each entry says what it recorded, what that changed against
the version before it (a diff), links to the record's own page, and gives its time as people read it.
A blind-acceptance mark says who answered, never what."""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable
from typing import Any

from truce.model.scenario import Scenario
from truce.service.cache import LRU
from truce.service.words import when
from truce.store.repo import Store

Describe = Callable[[list[Any]], dict[str, Any]]


def _line_diff(before: str, after: str) -> list[dict[str, str]]:
    """Lines removed and added between two texts (a release log grows by rows: most diffs only add)."""
    old, new = before.splitlines(), after.splitlines()
    removed = [line for line in old if line not in set(new)]
    added = [line for line in new if line not in set(old)]
    return [{"kind": "removed", "text": line} for line in removed] + [{"kind": "added", "text": line} for line in added]


class AuditReader:
    """Reads each recorded row's versions once per page, to say what every entry changed."""

    def __init__(self, store: Store, talks_id: str, scenario: Scenario) -> None:
        self.store, self.talks_id, self.scenario = store, talks_id, scenario
        self.names = {p.id: p.name for p in scenario.parties}
        self.people = {p.id: p for p in store.people(talks_id)}
        self._versions: dict[tuple[str, str], dict[int, Any]] = {}
        self.base = f"/talks/{talks_id}"

    def _history(self, kind: str, key: str) -> dict[int, Any]:
        if (kind, key) not in self._versions:
            if kind == "proposal":
                found = self.store.proposal_history(self.talks_id, key)
            else:
                found = self.store.preference_history(self.talks_id, key)
            self._versions[kind, key] = {v.version: v.data for v in found}
        return self._versions[kind, key]

    def _changes(self, kind: str, key: str, version: int) -> list[dict[str, str]]:
        from truce.service.api import version_changes

        versions = self._history(kind, key)
        if version <= 1 or version not in versions:
            return []
        found = version_changes(self.scenario, versions.get(version - 1, {}), versions[version])
        return [{"kind": "changed", "text": c["text"]} for c in found]

    def proposal(self, key: list[Any]) -> dict[str, Any]:
        _, pid, version = key
        try:
            title = self.scenario.proposal(pid).title
        except KeyError:
            title = pid
        return {
            "what": f"{title}: version {version}" + (" (first tabled)" if version == 1 else ""),
            "link": f"{self.base}/proposals/{pid}",
            "diff": self._changes("proposal", pid, version),
        }

    def preferences(self, key: list[Any]) -> dict[str, Any]:
        _, party, version = key
        return {
            "what": f"Preferences of {self.names.get(party, party)}: version {version}",
            "link": f"{self.base}/preferences/{party}",
            "diff": self._changes("preferences", party, version),
        }

    def person(self, key: list[Any]) -> dict[str, Any]:
        p = self.people.get(key[0])
        if p is None:
            return {"what": f"A person (number {key[0]}) given access", "link": None, "diff": []}
        side = f" for {self.names.get(p.party, p.party)}" if p.party else ""
        return {"what": f"{p.name} given access as {p.role}{side}", "link": None, "diff": []}

    def credentials(self, key: list[Any], action: str) -> dict[str, Any]:
        p = self.people.get(key[0])
        who = p.name if p is not None else f"person number {key[0]}"
        verb = "revoked the access of" if action == "revoke" else "gave a new token to"
        return {"what": f"{verb.capitalize()} {who}", "link": None, "diff": []}

    def ballot(self, key: list[Any]) -> dict[str, Any]:
        return {"what": f"Published ballot {key[1]}", "link": f"{self.base}/ballots/{key[1]}", "diff": []}

    def mark(self, key: list[Any]) -> dict[str, Any]:
        _, number, party = key
        who = self.names.get(party, party)
        return {"what": f"{who} answered ballot {number} (what it marked stays secret)", "link": None, "diff": []}


def exchange_diffs(store: Store, talks_id: str) -> dict[int, list[dict[str, str]]]:
    """Per version of the exchange agreement: what it changed in the release log and the agreement."""
    out: dict[int, list[dict[str, str]]] = {}
    before: tuple[dict[str, Any], str] = ({}, "")
    for version, agreement, log, _author, _at in store.exchange_history(talks_id):
        diff = _line_diff(before[1], log) if version > 1 else []
        if version > 1 and agreement != before[0]:
            changed = sorted(k for k in set(agreement) | set(before[0]) if agreement.get(k) != before[0].get(k))
            diff.insert(0, {"kind": "changed", "text": f"the agreement's {', '.join(changed)}"})
        out[version] = diff
        before = (agreement, log)
    return out


_pages: weakref.WeakKeyDictionary[Store, LRU[tuple[str, int], list[dict[str, Any]]]] = weakref.WeakKeyDictionary()
_pages_lock = threading.Lock()


def audit_page_entries(store: Store, talks_id: str, version: int, scenario: Scenario) -> list[dict[str, Any]]:
    """:func:`audit_entries` made once per version of the talks (the position of their newest entry, so a
    new entry is a new version); callers must not change them."""
    with _pages_lock:
        found = _pages.get(store)
        if found is None:
            found = _pages[store] = LRU(4)
    return found.get((talks_id, version), lambda: audit_entries(store, talks_id, scenario))


def audit_entries(store: Store, talks_id: str, scenario: Scenario) -> list[dict[str, Any]]:
    """Every audit entry of the talks, newest first, in words (see the module's docstring)."""
    reader = AuditReader(store, talks_id, scenario)
    exchanges: dict[int, list[dict[str, str]]] | None = None
    out = []
    for e in store.audit_entries(talks_id):
        subject = json.loads(e.subject)
        table, key = subject.get("table"), subject.get("key", [])
        if table == "exchange_version":
            exchanges = exchange_diffs(store, talks_id) if exchanges is None else exchanges
            said = {
                "what": f"Exchange agreement and release log: version {key[1]}",
                "link": f"{reader.base}/exchange",
                "diff": exchanges.get(key[1], []),
            }
        else:
            said = _describe(reader, table, key, e.action)
        out.append({"seq": e.seq, "at": e.at, "when": when(e.at), "actor": e.actor, "action": e.action,
                    "hash": e.hash, "table": table, "key": key, "note": subject.get("note"), **said})  # fmt: skip
    return list(reversed(out))


def _describe(reader: AuditReader, table: str | None, key: list[Any], action: str) -> dict[str, Any]:
    simple: dict[str, Describe] = {
        "proposal_version": reader.proposal,
        "preference_version": reader.preferences,
        "person": reader.person,
        "ballot": reader.ballot,
        "mark": reader.mark,
    }
    if table == "talks":
        return {"what": "Talks opened from a scenario file", "link": reader.base, "diff": []}
    if table == "credential_change":
        return reader.credentials(key, action)
    if table in simple:
        return simple[table](key)
    return {"what": f"{table} {' / '.join(str(k) for k in key)}", "link": None, "diff": []}
