"""Events of the inventory service about institutions, schools and inventors (``patentflow.inventory.institutions``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from patentflow.contracts import topics
from patentflow.contracts.envelope import TYPE_PREFIX, DomainEvent
from patentflow.contracts.events.inventory_enums import InstitutionKind
from patentflow.contracts.identifiers import CreditCode, ProvinceCode


class InstitutionEvent(DomainEvent):
    """Base of the events of one institution, keyed by its credit code."""

    topic: ClassVar[topics.Topic] = topics.INSTITUTIONS
    subject_field: ClassVar[str] = "credit_code"

    credit_code: CreditCode


class InstitutionRegistered(InstitutionEvent):
    """An institution joined the programme and got its accounts (分配专用账号)."""

    event_type: ClassVar[str] = TYPE_PREFIX + "inventory.InstitutionRegistered.v1"

    name: str = Field(min_length=1, max_length=200, description="Registered name")
    kind: InstitutionKind = Field(description="University, research institute, hospital or other")
    province: ProvinceCode = Field(description="Province where it is registered")
    ministry: str | None = Field(
        None, max_length=50, description="Supervising ministry (MoE, MoST, CAS …); none for local ones"
    )
    pilot: bool = Field(
        False,
        description="National IP pilot institution (知识产权试点): 100 % by 2024-06-30, as the demonstration ones",
    )
    demonstration: bool = Field(
        False,
        description="National IP demonstration institution (知识产权示范): 100 % by 2024-06-30, first results by 2024-03-31",
    )
    registered_by: str = Field(description="Subject of the account that registered it")


class SchoolAdded(InstitutionEvent):
    """A school or department (二级学院/院系) that reviews its inventors' records."""

    event_type: ClassVar[str] = TYPE_PREFIX + "inventory.SchoolAdded.v1"

    school_id: str = Field(min_length=1, max_length=50, description="Id of the school within the institution")
    name: str = Field(min_length=1, max_length=200, description="Name of the school")
    added_by: str = Field(description="Subject of the account that added it")


class InventorAdded(InstitutionEvent):
    """An inventor with an account of the institution."""

    event_type: ClassVar[str] = TYPE_PREFIX + "inventory.InventorAdded.v1"

    inventor_id: str = Field(min_length=1, max_length=50, description="Id of the inventor's account")
    name: str = Field(min_length=1, max_length=100, description="Name as on patents")
    school_id: str | None = Field(None, description="School the inventor belongs to")
    added_by: str = Field(description="Subject of the account that added the inventor")
