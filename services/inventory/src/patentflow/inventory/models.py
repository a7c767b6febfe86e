"""Wire models of the inventory API: what a client may send, and what it may see."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from patentflow.contracts.events.common import CoOwner, Owner, PatentType, RecordSource, StateFunding
from patentflow.contracts.identifiers import ApplicationNumber, IpcSymbol, patent_type_of


class PatentCreate(BaseModel):
    """A stock patent's master record as an institution records it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    application_number: ApplicationNumber
    patent_type: PatentType | None = Field(None, description="Defaults to the type digit of the application number")
    title: str = Field(min_length=1, max_length=300)
    abstract: str | None = Field(None, max_length=5000)
    ipc_main: IpcSymbol
    ipc_secondary: list[IpcSymbol] = Field(default_factory=list, max_length=50)
    filing_date: date
    grant_date: date | None = None
    owner: Owner
    co_owners: list[CoOwner] = Field(default_factory=list, max_length=20)
    inventors: list[str] = Field(default_factory=list, max_length=100)
    state_funded: bool = False
    state_funding: StateFunding | None = None
    source: RecordSource = RecordSource.MANUAL

    @model_validator(mode="after")
    def _consistent(self) -> PatentCreate:
        today = date.today()
        if self.filing_date > today:
            raise ValueError("filing_date lies in the future")
        if self.grant_date is not None and self.grant_date < self.filing_date:
            raise ValueError("grant_date is before filing_date")
        if self.grant_date is not None and self.grant_date > today:
            raise ValueError("grant_date lies in the future")
        encoded = PatentType(patent_type_of(self.application_number))
        if self.patent_type is None:
            self.patent_type = encoded
        elif self.patent_type is not encoded:
            raise ValueError(
                f"patent_type {self.patent_type.value} contradicts the application number ({encoded.value})"
            )
        if self.state_funded and self.state_funding is None:
            raise ValueError("state_funding (project declaration) is required when state_funded is true")
        if not self.state_funded and self.state_funding is not None:
            raise ValueError("state_funding given but state_funded is false")
        return self


class PatentUpdate(BaseModel):
    """A correction of descriptive fields; only the fields sent change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(None, min_length=1, max_length=300)
    abstract: str | None = Field(None, max_length=5000)
    ipc_main: IpcSymbol | None = None
    ipc_secondary: list[IpcSymbol] | None = Field(None, max_length=50)
    inventors: list[str] | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def _something(self) -> PatentUpdate:
        if not self.model_fields_set:
            raise ValueError("send at least one field to correct")
        if "title" in self.model_fields_set and self.title is None:
            raise ValueError("title cannot be removed")
        if "ipc_main" in self.model_fields_set and self.ipc_main is None:
            raise ValueError("ipc_main cannot be removed")
        return self


class PatentPublic(BaseModel):
    """A recorded patent as its institution sees it."""

    application_number: str
    version: int
    record: dict[str, Any]
