"""The inventory's commands as the domain takes them: plain values, whatever transport they arrived by; no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from patentflow.contracts.events.common import CoOwner, PatentType, RecordSource, StateFunding
from patentflow.contracts.events.inventory_enums import (
    ConversionIntent,
    ImplementationStatus,
    InstitutionKind,
    LegalStatus,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordPatent:
    """Record a stock patent's master record for its (registered) institution."""

    application_number: str
    patent_type: PatentType
    title: str
    ipc_main: str
    filing_date: date
    owner_credit_code: str
    abstract: str | None = None
    ipc_secondary: tuple[str, ...] = ()
    grant_date: date | None = None
    co_owners: tuple[CoOwner, ...] = ()
    inventors: tuple[str, ...] = ()
    inventor_ids: tuple[str, ...] = ()
    school_id: str | None = None
    state_funded: bool = False
    state_funding: StateFunding | None = None
    source: RecordSource = RecordSource.MANUAL

    def fields(self) -> dict[str, Any]:
        """The master record's fields, as ``PatentRecorded`` names them (the owner aside)."""
        return {name: getattr(self, name) for name in self.__slots__ if name != "owner_credit_code"}


@dataclass(frozen=True, slots=True)
class CorrectPatent:
    """Correct descriptive fields; only those named in ``changes`` change."""

    changes: Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class InventoryRecord:
    """The inventory record (盘点建档) an inventor or administrator fills in."""

    conversion_intents: tuple[ConversionIntent, ...]
    implementation_status: ImplementationStatus
    trl: int
    self_grade: int
    trl_evidence: str | None = None
    application_scenario: str | None = None
    industry_codes: tuple[str, ...] = ()
    product: str | None = None
    advantages: str | None = None
    intended_price: Decimal | None = None
    contact_name: str | None = None
    contact_phone: str | None = None

    def fields(self) -> dict[str, Any]:
        """The record's fields, as ``InventoryRecordFilled`` names them."""
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeLegalStatus:
    """A legal status from the register, effective from a day (not after the service's today)."""

    status: LegalStatus
    effective_date: date
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterInstitution:
    """An institution joins the programme."""

    credit_code: str
    name: str
    kind: InstitutionKind
    province: str
    ministry: str | None = None
    pilot: bool = False
    demonstration: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AddSchool:
    """A school or department of an institution."""

    school_id: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AddInventor:
    """An inventor account of an institution."""

    inventor_id: str
    name: str
    school_id: str | None = None
