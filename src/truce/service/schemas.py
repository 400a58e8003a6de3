"""Request and response bodies of the API (pydantic), as the OpenAPI document describes them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Json = dict[str, Any]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    message: str
    path: list[str | int]


class BadInput(BaseModel):
    detail: list[Problem]


class Message(BaseModel):
    detail: str


class ConflictBody(BaseModel):
    detail: str
    current_version: int


class Health(BaseModel):
    status: str


class Me(BaseModel):
    name: str
    role: str
    party: str | None
    talks: str


class TalksItem(BaseModel):
    id: str
    title: str


class Talks(BaseModel):
    frame: Json
    proposals: list[Json]


class ProposalEdit(Strict):
    version: int = Field(ge=0, le=1_000_000, description="the version this edit was made from (0: a new proposal)")
    proposal: Json


class PreferencesEdit(Strict):
    version: int = Field(ge=0, le=1_000_000, description="the version this edit was made from (0: the first)")
    preferences: Json


class Written(BaseModel):
    version: int


class VersionItem(BaseModel):
    version: int
    author: str
    created_at: str
    data: Json
    changes: list[Json] = Field(description="what this version changed against the one before it")


class History(BaseModel):
    id: str
    versions: list[VersionItem]


class PersonNew(Strict):
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(pattern="^(mediator|party|observer)$")
    party: str | None = Field(default=None, max_length=80)


class PersonItem(BaseModel):
    id: int
    name: str
    role: str
    party: str | None


class PersonCreated(PersonItem):
    token: str = Field(description="shown once; only its hash is kept")


class Imported(BaseModel):
    id: str
    mediator_token: str = Field(description="a mediator's token for the new talks, shown once")


class BallotNew(Strict):
    title: str = Field(min_length=1, max_length=500)
    packages: list[dict[str, str | int | float]] | None = Field(
        default=None, max_length=20, description="packages as terms; or leave out and give from_proposal"
    )
    from_proposal: str | None = Field(default=None, max_length=80, description="publish the bridging suggestions")
    criterion: str = Field(
        default="nash",
        pattern="^(nash|ks|egalitarian|utilitarian)$",
        description="how the bridges are found, and how the one package a reveal names is chosen",
    )
    k: int = Field(default=3, ge=1, le=10)


class BallotCreated(BaseModel):
    number: int


class Package(BaseModel):
    index: int
    terms: dict[str, str | int | float]
    text: dict[str, str]


class BallotView(BaseModel):
    number: int
    title: str
    created_at: str
    packages: list[Package]
    status: str = Field(description="'waiting' until every party has answered, then 'revealed'")
    answered: bool | None = Field(description="whether you have answered (parties only)")
    answered_by: list[str] | None = Field(description="the parties that have answered (mediators only)")
    my_marks: list[int] | None = Field(description="your own marks (parties only; nobody else ever sees them)")
    chosen: int | None = Field(
        description="once revealed: the one package every party marked that ranks best by the ballot's "
        "criterion, or null when no package was marked by every party (null while waiting)"
    )


class MarkBody(Strict):
    accepted: list[int] = Field(max_length=100, description="indices of the packages you could accept")


class AuditItem(BaseModel):
    seq: int
    at: str
    actor: str
    action: str
    subject: Json
    hash: str


class ExchangeEdit(Strict):
    version: int = Field(ge=0, le=1_000_000, description="the version this edit was made from (0: the first)")
    agreement: Json = Field(description="an agreement, as an agreement file holds it")
    release_log: str = Field(default="", max_length=2_000_000, description="the release log, CSV")


class ExchangeBody(BaseModel):
    version: int
    agreement: Json
    release_log: str
    plan: Json
    ledger: Json | None
