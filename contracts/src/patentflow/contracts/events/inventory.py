"""Events of the inventory service about stock patents (topic ``patentflow.inventory.patents``)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field

from patentflow.contracts import topics
from patentflow.contracts.envelope import TYPE_PREFIX, DomainEvent
from patentflow.contracts.events.common import CoOwner, Owner, PatentType, RecordSource, StateFunding
from patentflow.contracts.identifiers import ApplicationNumber, IpcSymbol


class PatentRecorded(DomainEvent):
    """A stock patent's master record was recorded for its owning institution (盘点建档: 专利基本信息)."""

    event_type: ClassVar[str] = TYPE_PREFIX + "inventory.PatentRecorded.v1"
    topic: ClassVar[topics.Topic] = topics.PATENTS
    subject_field: ClassVar[str] = "application_number"

    application_number: ApplicationNumber
    patent_type: PatentType = Field(description="Invention, utility model or design")
    title: str = Field(min_length=1, max_length=300, description="Title of the invention")
    abstract: str | None = Field(None, max_length=5000, description="Abstract")
    ipc_main: IpcSymbol = Field(description="Main IPC symbol")
    ipc_secondary: tuple[IpcSymbol, ...] = Field((), description="Further IPC symbols")
    filing_date: date = Field(description="Filing date (申请日); the term runs from it")
    grant_date: date | None = Field(None, description="Grant date (授权公告日), if granted")
    owner: Owner = Field(description="The recording institution, owner or co-owner")
    co_owners: tuple[CoOwner, ...] = Field(
        (), description="Other owners; any co-ownership needs their consent for deals"
    )
    inventors: tuple[str, ...] = Field((), description="Inventor names")
    state_funded: bool = Field(description="Formed in a state-funded research project")
    state_funding: StateFunding | None = Field(None, description="The project declaration, when state-funded")
    source: RecordSource = Field(description="How the record arrived")
    recorded_by: str = Field(description="Subject of the account that recorded it")


class PatentRecordCorrected(DomainEvent):
    """Descriptive fields of a recorded patent were corrected; only the fields named in ``corrected`` changed."""

    event_type: ClassVar[str] = TYPE_PREFIX + "inventory.PatentRecordCorrected.v1"
    topic: ClassVar[topics.Topic] = topics.PATENTS
    subject_field: ClassVar[str] = "application_number"

    application_number: ApplicationNumber
    corrected: tuple[str, ...] = Field(description="Names of the fields that changed", min_length=1)
    title: str | None = Field(None, min_length=1, max_length=300, description="New title")
    abstract: str | None = Field(None, max_length=5000, description="New abstract")
    ipc_main: IpcSymbol | None = Field(None, description="New main IPC symbol")
    ipc_secondary: tuple[IpcSymbol, ...] | None = Field(None, description="New further IPC symbols")
    inventors: tuple[str, ...] | None = Field(None, description="New inventor names")
    corrected_by: str = Field(description="Subject of the account that corrected it")
