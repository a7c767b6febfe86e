"""Events of the inventory service about stock patents (topic ``patentflow.inventory.patents``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from patentflow.contracts import topics
from patentflow.contracts.envelope import TYPE_PREFIX, DomainEvent
from patentflow.contracts.events.common import CoOwner, Owner, PatentType, RecordSource, StateFunding
from patentflow.contracts.events.inventory_enums import ConversionIntent, ImplementationStatus, LegalStatus, ReviewState
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
    inventor_ids: tuple[str, ...] = Field((), description="Accounts of the inventors who may fill its inventory record")
    school_id: str | None = Field(None, description="School or department (部门) that reviews it first")
    state_funded: bool = Field(description="Formed in a state-funded research project")
    state_funding: StateFunding | None = Field(None, description="The project declaration, when state-funded")
    source: RecordSource = Field(description="How the record arrived")
    recorded_by: str = Field(description="Subject of the account that recorded it")
    legal_status: LegalStatus = Field(
        LegalStatus.VALID,
        description="Legal status on the day it was recorded: a patent past its term is recorded expired. Consumers "
        "take it from here rather than derive it (events recorded before this field existed read as valid)",
    )
    expiry_date: date | None = Field(
        None, description="Last day of protection by the statutory term from the filing date (term compensation aside)"
    )
    recorded_on: date | None = Field(
        None,
        description="The inventory's day when it was recorded: the legal status above, and the five-year rule, were "
        "decided as of it (events recorded before this field existed have none)",
    )


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


class PatentEvent(DomainEvent):
    """Base of the later events of one patent, keyed by its application number."""

    topic: ClassVar[topics.Topic] = topics.PATENTS
    subject_field: ClassVar[str] = "application_number"

    application_number: ApplicationNumber


class InventoryRecordFilled(PatentEvent):
    """The inventory record (盘点建档) was filled in or changed; it carries the whole record."""

    event_type: ClassVar[str] = TYPE_PREFIX + "inventory.InventoryRecordFilled.v1"

    conversion_intents: tuple[ConversionIntent, ...] = Field(min_length=1, description="转化意愿; 'none' stands alone")
    implementation_status: ImplementationStatus = Field(description="专利实施状态 (含产业化)")
    trl: int = Field(ge=1, le=9, description="Technology readiness level 1-9 (技术成熟度)")
    trl_evidence: str | None = Field(None, max_length=2000, description="What shows that level (tests, prototypes …)")
    self_grade: int = Field(ge=1, le=5, description="Self-assessed grade, 1 to 5 stars (专利价值分级自评)")
    application_scenario: str | None = Field(None, max_length=2000, description="应用场景 / 产业化前景")
    industry_codes: tuple[str, ...] = Field((), description="GB/T 4754 national-economy industry codes")
    product: str | None = Field(None, max_length=500, description="Corresponding product (对应产品)")
    advantages: str | None = Field(None, max_length=2000, description="Technical advantages and performance (技术优势)")
    intended_price: Decimal | None = Field(None, ge=0, description="Intended price in yuan (意向价格)")
    contact_name: str | None = Field(None, max_length=100, description="Contact person (联系人)")
    contact_phone: str | None = Field(None, max_length=50, description="Contact details (联系方式)")
    filled_by: str = Field(description="Subject of the account that filled it")


class InventorySubmitted(PatentEvent):
    """The record was submitted for review by its school."""

    event_type: ClassVar[str] = TYPE_PREFIX + "inventory.InventorySubmitted.v1"

    submitted_by: str = Field(description="Subject of the submitting account")


class InventoryApprovedBySchool(PatentEvent):
    """The school approved the record; the institution reviews it next."""

    event_type: ClassVar[str] = TYPE_PREFIX + "inventory.InventoryApprovedBySchool.v1"

    approved_by: str = Field(description="Subject of the reviewing account")


class EnteredConversionPool(PatentEvent):
    """The institution approved the record: the patent is in the conversion resource pool (专利转化资源库)."""

    event_type: ClassVar[str] = TYPE_PREFIX + "inventory.EnteredConversionPool.v1"

    approved_by: str = Field(description="Subject of the reviewing account")


class InventoryReturned(PatentEvent):
    """A reviewer returned the record for revision, with a reason."""

    event_type: ClassVar[str] = TYPE_PREFIX + "inventory.InventoryReturned.v1"

    stage: ReviewState = Field(description="The review stage that returned it (submitted or school_approved)")
    reason: str = Field(min_length=1, max_length=1000, description="Why it was returned")
    returned_by: str = Field(description="Subject of the reviewing account")


class WithdrawnFromPool(PatentEvent):
    """The institution took the patent out of the conversion pool."""

    event_type: ClassVar[str] = TYPE_PREFIX + "inventory.WithdrawnFromPool.v1"

    reason: str = Field(min_length=1, max_length=1000, description="Why it was withdrawn")
    withdrawn_by: str = Field(description="Subject of the withdrawing account")


class LegalStatusChanged(PatentEvent):
    """The register's legal status changed; other services' guards (licences, pledges, transfers) rely on it."""

    event_type: ClassVar[str] = TYPE_PREFIX + "inventory.LegalStatusChanged.v1"
    effective_field: ClassVar[str | None] = "effective_date"

    status: LegalStatus = Field(description="The new legal status")
    previous: LegalStatus = Field(description="The status before")
    effective_date: date = Field(description="From when the new status holds")
    reason: str | None = Field(None, max_length=1000, description="Why, as the register or the institution says")
    changed_by: str = Field(description="Subject of the account (or job) that recorded it")


class NonUseJustificationRecorded(PatentEvent):
    """A justifiable reason (正当理由) why a state-funded patent is not implemented was recorded."""

    event_type: ClassVar[str] = TYPE_PREFIX + "inventory.NonUseJustificationRecorded.v1"

    justification: str = Field(min_length=1, max_length=2000, description="The reason")
    recorded_by: str = Field(description="Subject of the recording account")


class StateFundedNonUseFlagged(PatentEvent):
    """A state-funded patent granted more than five years ago is not implemented and has no justification: the
    state may implement it free of charge (Science and Technology Progress Law Art. 32; the 2023-2025 programme)."""

    event_type: ClassVar[str] = TYPE_PREFIX + "inventory.StateFundedNonUseFlagged.v1"
    effective_field: ClassVar[str | None] = "flagged_on"

    grant_date: date = Field(description="Grant date the five years run from")
    deadline: date = Field(description="Grant date plus five years")
    flagged_on: date = Field(description="Day the rule was evaluated")


class StateFundedNonUseCleared(PatentEvent):
    """The five-year flag no longer applies."""

    event_type: ClassVar[str] = TYPE_PREFIX + "inventory.StateFundedNonUseCleared.v1"
    effective_field: ClassVar[str | None] = "cleared_on"

    reason: str = Field(description="implemented, justified or not_in_force")
    cleared_on: date = Field(description="Day the rule was evaluated")
