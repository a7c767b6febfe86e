"""Wire models of the inventory API: what a client may send, and what it may see."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator, model_validator

from patentflow.contracts.events.common import CoOwner, PatentType, RecordSource, StateFunding
from patentflow.contracts.events.inventory_enums import (
    ConversionIntent,
    ImplementationStatus,
    InstitutionKind,
    LegalStatus,
)
from patentflow.contracts.identifiers import ApplicationNumber, CreditCode, IpcSymbol, ProvinceCode, patent_type_of
from patentflow.inventory.commands import (
    AddInventor,
    AddSchool,
    ChangeLegalStatus,
    CorrectPatent,
    InventoryRecord,
    RecordPatent,
    RegisterInstitution,
)

Name = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
AccountId = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^[\w@.-]+$")]
_INTENT_ORDER = {intent: i for i, intent in enumerate(ConversionIntent)}
TYPE_LABELS = {
    PatentType.INVENTION: "发明",
    PatentType.UTILITY_MODEL: "实用新型",
    PatentType.DESIGN: "外观设计",
}  # intents are kept in declaration order


class PatentCreate(BaseModel):
    """A stock patent's master record as an institution records it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    application_number: ApplicationNumber
    patent_type: PatentType | None = Field(
        None, validate_default=True, description="Defaults to the type digit of the application number"
    )
    title: str = Field(min_length=1, max_length=300)
    abstract: str | None = Field(None, max_length=5000)
    ipc_main: IpcSymbol
    ipc_secondary: list[IpcSymbol] = Field(default_factory=list, max_length=50)
    filing_date: date
    grant_date: date | None = None
    owner_credit_code: CreditCode = Field(description="The recording institution; it must be registered")
    co_owners: list[CoOwner] = Field(default_factory=list, max_length=20)
    inventors: list[Name] = Field(default_factory=list, max_length=100)
    inventor_ids: list[AccountId] = Field(default_factory=list, max_length=100, description="Inventor accounts")
    school_id: str | None = Field(None, max_length=50, description="School that reviews it first")
    state_funded: bool = False
    state_funding: StateFunding | None = Field(None, validate_default=True)
    source: RecordSource = RecordSource.MANUAL

    # Checks across fields are field validators on the later field, so that an error names its field (and the
    # import report its column). Dates after the service's day are the domain's (domain.check_dates, its clock).

    @field_validator("patent_type")
    @classmethod
    def _type_of_the_number(cls, given: PatentType | None, info: ValidationInfo) -> PatentType | None:
        number = info.data.get("application_number")
        if number is None:
            return given  # the number itself is wrong, and says so
        encoded = PatentType(patent_type_of(number))
        if given is not None and given is not encoded:
            raise ValueError(
                f"专利类型与申请号不符（申请号表示{TYPE_LABELS[encoded]}）/ "
                f"patent_type {given.value} contradicts the application number ({encoded.value})"
            )
        return encoded

    @field_validator("grant_date")
    @classmethod
    def _granted_after_filing(cls, granted: date | None, info: ValidationInfo) -> date | None:
        filed = info.data.get("filing_date")
        if granted is not None and filed is not None and granted < filed:
            raise ValueError("授权日早于申请日 / grant_date is before filing_date")
        return granted

    @field_validator("state_funding")
    @classmethod
    def _declared_when_funded(cls, funding: StateFunding | None, info: ValidationInfo) -> StateFunding | None:
        funded = info.data.get("state_funded")
        if funded and funding is None:
            raise ValueError(
                "是否财政资助为“是”时必须填写项目信息 / state_funding (project declaration) is required when "
                "state_funded is true"
            )
        if funded is False and funding is not None:
            raise ValueError("填写了项目信息但是否财政资助为“否” / state_funding given but state_funded is false")
        return funding

    def command(self) -> RecordPatent:
        """The domain's command."""
        # Field by field rather than through model_dump: a batch import builds one per row.
        return RecordPatent(
            application_number=self.application_number,
            patent_type=self.patent_type or PatentType(patent_type_of(self.application_number)),
            title=self.title,
            ipc_main=self.ipc_main,
            filing_date=self.filing_date,
            owner_credit_code=self.owner_credit_code,
            abstract=self.abstract,
            ipc_secondary=tuple(self.ipc_secondary),
            grant_date=self.grant_date,
            co_owners=tuple(self.co_owners),
            inventors=tuple(self.inventors),
            inventor_ids=tuple(self.inventor_ids),
            school_id=self.school_id,
            state_funded=self.state_funded,
            state_funding=self.state_funding,
            source=self.source,
        )


class PatentUpdate(BaseModel):
    """A correction of descriptive fields; only the fields sent change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(None, min_length=1, max_length=300)
    abstract: str | None = Field(None, max_length=5000)
    ipc_main: IpcSymbol | None = None
    ipc_secondary: list[IpcSymbol] | None = Field(None, max_length=50)
    inventors: list[Name] | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def _something(self) -> PatentUpdate:
        if not self.model_fields_set:
            raise ValueError("send at least one field to correct")
        if "title" in self.model_fields_set and self.title is None:
            raise ValueError("title cannot be removed")
        if "ipc_main" in self.model_fields_set and self.ipc_main is None:
            raise ValueError("ipc_main cannot be removed")
        return self

    def command(self) -> CorrectPatent:
        """The domain's command: the fields sent."""
        return CorrectPatent({name: getattr(self, name) for name in self.model_fields_set})


class PatentPublic(BaseModel):
    """A recorded patent as its institution sees it."""

    application_number: str
    version: int
    record: dict[str, Any] = Field(description="The master record")
    inventory: dict[str, Any] | None = Field(description="The inventory record, once filled")
    review_state: str
    return_reason: str | None
    legal_status: str
    legal_status_since: str
    expiry_date: str
    non_use_flagged: bool = Field(description="State-funded, five years past grant, not implemented, no justification")
    non_use_justification: str | None


class InventoryRecordInput(BaseModel):
    """The inventory record (盘点建档) an inventor or administrator fills in."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    conversion_intents: list[ConversionIntent] = Field(min_length=1, description="转化意愿")
    implementation_status: ImplementationStatus
    trl: int = Field(ge=1, le=9, description="Technology readiness level")
    trl_evidence: str | None = Field(None, max_length=2000)
    self_grade: int = Field(ge=1, le=5, description="1 to 5 stars")
    application_scenario: str | None = Field(None, max_length=2000)
    industry_codes: list[str] = Field(default_factory=list, max_length=20)
    product: str | None = Field(None, max_length=500)
    advantages: str | None = Field(None, max_length=2000)
    intended_price: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2, description="Yuan")
    contact_name: str | None = Field(None, max_length=100)
    contact_phone: str | None = Field(None, max_length=50)

    @field_validator("conversion_intents")
    @classmethod
    def _none_alone(cls, intents: list[ConversionIntent]) -> list[ConversionIntent]:
        if ConversionIntent.NONE in intents and len(set(intents)) > 1:
            raise ValueError(
                "“暂无意愿”不能与其他转化意愿同时选择 / 'none' cannot be combined with other conversion intents"
            )
        return sorted(set(intents), key=_INTENT_ORDER.__getitem__)

    @field_validator("industry_codes")
    @classmethod
    def _industry_codes(cls, codes: list[str]) -> list[str]:
        for code in codes:
            section, digits = code[:1], code[1:]
            if not ("A" <= section <= "T" and len(digits) in (0, 2, 3, 4) and (digits == "" or digits.isdigit())):
                raise ValueError(
                    f"“{code}”不是国民经济行业代码（门类字母加 2-4 位数字）/ {code!r} is not a GB/T 4754 code (a section letter, then 2-4 digits)"
                )
        return codes

    def command(self) -> InventoryRecord:
        """The domain's command."""
        return InventoryRecord(
            conversion_intents=tuple(self.conversion_intents),
            implementation_status=self.implementation_status,
            trl=self.trl,
            self_grade=self.self_grade,
            trl_evidence=self.trl_evidence,
            application_scenario=self.application_scenario,
            industry_codes=tuple(self.industry_codes),
            product=self.product,
            advantages=self.advantages,
            intended_price=self.intended_price,
            contact_name=self.contact_name,
            contact_phone=self.contact_phone,
        )


class Reason(BaseModel):
    """Why a reviewer returns a record or an institution withdraws it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=1000)


class Justification(BaseModel):
    """A justifiable reason why a state-funded patent is not implemented."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    justification: str = Field(min_length=1, max_length=2000)


class LegalStatusInput(BaseModel):
    """A legal status from the register."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: LegalStatus
    effective_date: date
    reason: str | None = Field(None, max_length=1000)

    def command(self) -> ChangeLegalStatus:
        """The domain's command; a day after the service's today is refused there."""
        return ChangeLegalStatus(status=self.status, effective_date=self.effective_date, reason=self.reason)


class InstitutionCreate(BaseModel):
    """An institution joining the programme."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    credit_code: CreditCode
    name: str = Field(min_length=1, max_length=200)
    kind: InstitutionKind
    province: ProvinceCode
    ministry: str | None = Field(None, max_length=50)
    pilot: bool = Field(False, description="A national IP pilot institution (知识产权试点)")
    demonstration: bool = Field(False, description="A national IP demonstration institution (知识产权示范)")

    def command(self) -> RegisterInstitution:
        """The domain's command."""
        return RegisterInstitution(**self.model_dump())


class SchoolCreate(BaseModel):
    """A school or department of an institution."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    school_id: str = Field(min_length=1, max_length=50, pattern=r"^[\w-]+$")
    name: str = Field(min_length=1, max_length=200)

    def command(self) -> AddSchool:
        """The domain's command."""
        return AddSchool(**self.model_dump())


class InventorCreate(BaseModel):
    """An inventor account of an institution."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    inventor_id: str = Field(min_length=1, max_length=50, pattern=r"^[\w@.-]+$")
    name: str = Field(min_length=1, max_length=100)
    school_id: str | None = Field(None, max_length=50)

    def command(self) -> AddInventor:
        """The domain's command."""
        return AddInventor(**self.model_dump())
