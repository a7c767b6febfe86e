"""Events of the evaluation service: enterprises, the expert library, and the evaluation of a pool patent.

Enterprise events are keyed by the enterprise's credit code (``patentflow.evaluation.enterprises``), expert events by
the expert id (``patentflow.evaluation.experts``), and everything about one patent by its application number
(``patentflow.evaluation.evaluations``): so one patent's evaluations, grade and flags stay in order.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from patentflow.contracts import topics
from patentflow.contracts.envelope import TYPE_PREFIX, DomainEvent
from patentflow.contracts.events.common import ValueObject
from patentflow.contracts.events.evaluation_enums import (
    BaseRating,
    CooperationIntent,
    EnterpriseFlag,
    EvaluationScenario,
    EvidenceKind,
    HighValueCategory,
    NotInterestedReason,
    Prospect,
)
from patentflow.contracts.identifiers import ApplicationNumber, CreditCode, ProvinceCode

# --- enterprises -------------------------------------------------------------------------------------------------


class EnterpriseProfile(ValueObject):
    """What the registry knows of an enterprise; matching and transactions keep replicas of it."""

    name: str = Field(min_length=1, max_length=200, description="Registered name")
    province: ProvinceCode = Field(description="Province where it is registered (GB/T 2260)")
    flags: tuple[EnterpriseFlag, ...] = Field((), description="Kinds: IP advantage / demonstration, SME, SOE …")
    industry_codes: tuple[str, ...] = Field((), description="GB/T 4754 national-economy industry codes")
    products: tuple[str, ...] = Field((), description="Main products")
    ipc_fields: tuple[str, ...] = Field((), description="Technical fields as IPC subclasses or symbols")
    contact_name: str | None = Field(None, max_length=100, description="Contact person")
    contact_phone: str | None = Field(None, max_length=50, description="Contact details")


class EnterpriseEvent(DomainEvent):
    """Base of the events of one enterprise, keyed by its credit code."""

    topic: ClassVar[topics.Topic] = topics.ENTERPRISES
    subject_field: ClassVar[str] = "credit_code"

    credit_code: CreditCode


class EnterpriseRegistered(EnterpriseEvent):
    """An enterprise registered (itself, or organised by its provincial office: 001 §二(二)1)."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.EnterpriseRegistered.v1"

    profile: EnterpriseProfile = Field(description="Its profile")
    registered_by: str = Field(description="Subject of the account that registered it")


class EnterpriseProfileUpdated(EnterpriseEvent):
    """An enterprise's profile changed; it carries the whole new profile (the province does not change)."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.EnterpriseProfileUpdated.v1"

    profile: EnterpriseProfile = Field(description="The whole profile after the change")
    updated_by: str = Field(description="Subject of the account that changed it")


# --- the expert library --------------------------------------------------------------------------------------------


class ExpertEvent(DomainEvent):
    """Base of the events of one expert, keyed by the expert id."""

    topic: ClassVar[topics.Topic] = topics.EXPERTS
    subject_field: ClassVar[str] = "expert_id"

    expert_id: str = Field(min_length=1, max_length=50, description="Id of the expert's account")


class ExpertRegistered(ExpertEvent):
    """An expert joined the library (recommended by a province, shared nationally: 001 §二(二)1)."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.ExpertRegistered.v1"

    name: str = Field(min_length=1, max_length=100, description="Name")
    affiliation: str = Field(min_length=1, max_length=200, description="Employer or affiliation")
    province: ProvinceCode = Field(description="Province that recommended the expert")
    ipc_fields: tuple[str, ...] = Field(min_length=1, description="Fields of expertise as IPC subclasses")
    sei_codes: tuple[str, ...] = Field((), description="Strategic emerging industries of expertise")
    conflicts: tuple[CreditCode, ...] = Field(
        (), description="Credit codes of the institutions the expert works for or with (declared conflicts)"
    )
    available: bool = Field(True, description="Takes assignments")
    registered_by: str = Field(description="Subject of the account that registered the expert")


class ExpertUpdated(ExpertEvent):
    """An expert's declared conflicts or availability changed; it carries both, whole."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.ExpertUpdated.v1"

    conflicts: tuple[CreditCode, ...] = Field(description="Every declared conflict after the change")
    available: bool = Field(description="Takes assignments")
    updated_by: str = Field(description="Subject of the account that changed it")


# --- one patent's evaluation -------------------------------------------------------------------------------------


class EvaluationEvent(DomainEvent):
    """Base of the events about one pool patent's evaluation, keyed by its application number."""

    topic: ClassVar[topics.Topic] = topics.EVALUATIONS
    subject_field: ClassVar[str] = "application_number"
    patents_field: ClassVar[str | None] = "application_number"

    application_number: ApplicationNumber


class EvaluationAssigned(EvaluationEvent):
    """A pool patent was put to a registered enterprise for evaluation (by its provincial office, or a push)."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.EvaluationAssigned.v1"

    enterprise: CreditCode = Field(description="The enterprise asked to evaluate it")
    province: ProvinceCode = Field(description="The enterprise's province")
    assigned_by: str = Field(description="Subject of the account that assigned it")


class EnterpriseEvaluationSubmitted(EvaluationEvent):
    """An enterprise's evaluation of a pool patent (企业评估: 产业化前景, 技术改进需求, 产学研合作意愿).

    One per enterprise and patent; a later one amends it (``revision`` counts them) and the earlier ones stay on
    record. Views count enterprises by their latest answer and never show one enterprise's answer to another.
    """

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.EnterpriseEvaluationSubmitted.v1"

    enterprise: CreditCode = Field(description="The evaluating enterprise")
    revision: int = Field(ge=1, description="1 for the first evaluation, then 2, 3 … for amendments")
    prospect: Prospect = Field(description="Industrialisation prospect, 5 (very good) to 1 (none)")
    improvement_needs: str | None = Field(None, max_length=2000, description="Technical improvements it would need")
    cooperation_intent: CooperationIntent = Field(description="How it would take the patent up, or 'none'")
    willingness_to_pay: Decimal | None = Field(None, ge=0, description="What it would pay, in yuan")
    not_interested_reason: NotInterestedReason | None = Field(None, description="Why not, when the intent is 'none'")
    evaluated_by: str = Field(description="Subject of the enterprise's account")


class ExpertAssigned(EvaluationEvent):
    """An expert of the library was assigned to review the patent; the expert may read the patent from now on."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.ExpertAssigned.v1"
    encumbrance: ClassVar[tuple[str, bool] | None] = ("expert_review", True)
    holder_field: ClassVar[str | None] = "expert_id"

    expert_id: str = Field(description="The assigned expert")
    assigned_by: str = Field(description="Subject of the account that assigned the expert")


class IndicatorScore(ValueObject):
    """One indicator's score, 0 to 100, and where it came from."""

    indicator: str = Field(description="Indicator id in the value tree, e.g. 'technical.advancement'")
    score: float = Field(ge=0, le=100, description="Score on the indicator's rubric")
    evidence: EvidenceKind = Field(description="Computed from facts, from experts or from enterprises")
    source: str = Field(description="What it was computed from: an event type, a fact, the experts' reviews")


class ExpertReviewSubmitted(EvaluationEvent):
    """An assigned expert's review: scores of the tree's scored indicators, and an opinion."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.ExpertReviewSubmitted.v1"

    expert_id: str = Field(description="The reviewing expert")
    revision: int = Field(ge=1, description="1 for the first review, then 2, 3 … for amendments")
    tree_version: str = Field(description="Version of the value tree the scores are on")
    scores: dict[str, float] = Field(description="Score 0-100 per scored indicator id")
    opinion: str = Field(min_length=1, max_length=5000, description="The expert's opinion")
    reviewed_by: str = Field(description="Subject of the expert's account")


class EvaluationFeedbackIssued(EvaluationEvent):
    """Feedback to the patent's institution after an evaluation (001 §二(四) 将企业的评估信息及时反馈至高校)."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.EvaluationFeedbackIssued.v1"

    institution: CreditCode = Field(description="The institution that owns the patent and receives the feedback")
    from_kind: str = Field(description="'enterprise' or 'expert'")
    from_id: str = Field(description="The enterprise's credit code or the expert's id")
    prospect: Prospect | None = Field(None, description="The enterprise's industrialisation prospect")
    cooperation_intent: CooperationIntent | None = Field(None, description="The enterprise's cooperation intent")
    not_interested_reason: NotInterestedReason | None = Field(None, description="Why it is not interested")
    improvement_needs: str | None = Field(None, max_length=5000, description="Technical improvements asked for")
    opinion: str | None = Field(None, max_length=5000, description="The expert's opinion")


class ValueAssessed(EvaluationEvent):
    """A value assessment after GB/T 42748 for one scenario: every indicator's score with its evidence."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.ValueAssessed.v1"

    scenario: EvaluationScenario = Field(description="The scenario whose weights were used")
    tree_version: str = Field(description="Version of the indicator tree and weight profiles")
    scores: tuple[IndicatorScore, ...] = Field(description="Every indicator scored, with its evidence")
    legal: float | None = Field(None, ge=0, le=100, description="Composite of the legal dimension")
    technical: float | None = Field(None, ge=0, le=100, description="Composite of the technical dimension")
    economic: float | None = Field(None, ge=0, le=100, description="Composite of the economic dimension")
    composite: float = Field(ge=0, le=100, description="The weighted composite over the indicators scored")
    assessed_by: str = Field(description="Subject of the account, or the service when evidence changed")


class GradeChanged(EvaluationEvent):
    """The patent's grade (分级, tier 1 best to 5) changed; never published when the grade stays the same."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.GradeChanged.v1"

    old_grade: int | None = Field(None, ge=1, le=5, description="The grade before; none for the first")
    new_grade: int = Field(ge=1, le=5, description="The grade now")
    composite: float = Field(ge=0, le=100, description="The composite it was graded from")
    tree_version: str = Field(description="Version of the indicator tree")
    reason: str = Field(description="What changed: the event type or command that brought new evidence")


class HighValueFlagsChanged(EvaluationEvent):
    """The high-value flags of a patent changed; it carries every flag of the plan period's categories."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.HighValueFlagsChanged.v1"

    plan_period: str = Field(description="The plan period whose category set applies, e.g. '14th-fyp'")
    flags: dict[HighValueCategory, bool] = Field(description="Every category of the period and whether it holds")
    high_value: bool = Field(description="Any flag holds (a valid invention patent only)")
    as_of: date = Field(description="The day the flags were evaluated on")
    reason: str = Field(description="What changed")


class OverseasFamilyRecorded(EvaluationEvent):
    """Whether the patent has granted overseas family members (an input: family data is not on the platform)."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.OverseasFamilyRecorded.v1"

    has_overseas_family: bool = Field(description="At least one granted foreign family member")
    family_members: tuple[str, ...] = Field((), description="Publication numbers of the granted members")
    recorded_by: str = Field(description="Subject of the account that recorded it")


# --- patent navigation service bases (专利导航服务基地) ---------------------------------------------------------------


class BaseEvent(DomainEvent):
    """Base of the events of one navigation service base, keyed by its id."""

    topic: ClassVar[topics.Topic] = topics.BASES
    subject_field: ClassVar[str] = "base_id"

    base_id: str = Field(min_length=1, max_length=50, description="Id of the base")


class BaseFiled(BaseEvent):
    """A base was filed (备案) after the provincial assessment: one industry, one base (seed 002 一产业一基地)."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.BaseFiled.v1"
    effective_field: ClassVar[str | None] = "filed_on"

    name: str = Field(min_length=1, max_length=200, description="e.g. 内蒙古自治区新材料产业专利导航服务基地")
    province: ProvinceCode = Field(description="Province whose office filed it")
    industry: str = Field(description="The industry it serves: a GB/T 4754 code")
    sei_code: str | None = Field(None, description="The strategic emerging industry, when it is one")
    host_name: str = Field(
        min_length=1, max_length=200, description="The host (建设主体): park, alliance, institution …"
    )
    host_credit_code: CreditCode = Field(description="The host's credit code: its accounts act for the base")
    filed_on: date = Field(description="Day of filing")
    filed_by: str = Field(description="Subject of the account that filed it")


class SelfEvaluationSubmitted(BaseEvent):
    """The base's yearly self-evaluation report (due by the end of November: seed 002 五(二))."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.SelfEvaluationSubmitted.v1"
    effective_field: ClassVar[str | None] = "submitted_on"

    year: int = Field(ge=2020, le=2100, description="The year reported on")
    summary: str = Field(min_length=1, max_length=10000, description="The report's summary")
    submitted_on: date = Field(description="Day it was submitted")
    late: bool = Field(description="Submitted after the deadline of its year")
    submitted_by: str = Field(description="Subject of the submitting account")


class SelfEvaluationOverdue(BaseEvent):
    """No self-evaluation of the year arrived by its deadline (found by the daily check)."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.SelfEvaluationOverdue.v1"

    year: int = Field(description="The year whose report is missing")
    deadline: date = Field(description="The deadline that passed")


class BaseRated(BaseEvent):
    """The yearly performance rating, with the indicator scores it rests on (seed 002 五(三))."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.BaseRated.v1"

    year: int = Field(description="The year rated")
    rating: BaseRating = Field(description="优秀, 合格 or 不合格")
    scores: dict[str, float] = Field(description="Score 0-100 per performance indicator")
    rectify_by: date | None = Field(None, description="For 不合格: the day by which it must be rectified")
    rated_by: str = Field(description="Subject of the rating office's account")


class BaseRectified(BaseEvent):
    """The office accepted the base's rectification within the deadline."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.BaseRectified.v1"
    effective_field: ClassVar[str | None] = "rectified_on"

    rectified_on: date = Field(description="Day it was accepted")
    accepted_by: str = Field(description="Subject of the accepting account")


class BaseDelisted(BaseEvent):
    """The base left the programme (摘牌退出): not rectified by its deadline, found by the daily check."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.BaseDelisted.v1"
    effective_field: ClassVar[str | None] = "delisted_on"

    delisted_on: date = Field(description="Day of delisting")
    reason: str = Field(description="Why")


class NavigationResultPublished(BaseEvent):
    """A navigation report published to the enterprises of the base's industry (seed 002 三(四), 四(八))."""

    event_type: ClassVar[str] = TYPE_PREFIX + "evaluation.NavigationResultPublished.v1"
    effective_field: ClassVar[str | None] = "published_on"

    title: str = Field(min_length=1, max_length=300, description="Title of the report")
    summary: str = Field(min_length=1, max_length=10000, description="What it finds")
    industry: str = Field(description="The GB/T 4754 industry it is pushed to")
    recipients: tuple[CreditCode, ...] = Field(description="Registered enterprises of that industry, pushed to")
    published_on: date = Field(description="Day of publication")
    published_by: str = Field(description="Subject of the publishing account")


__all__ = [
    "BaseDelisted",
    "BaseFiled",
    "BaseRated",
    "BaseRectified",
    "EnterpriseEvaluationSubmitted",
    "EnterpriseProfile",
    "EnterpriseProfileUpdated",
    "EnterpriseRegistered",
    "EvaluationAssigned",
    "EvaluationFeedbackIssued",
    "ExpertAssigned",
    "ExpertRegistered",
    "ExpertReviewSubmitted",
    "ExpertUpdated",
    "GradeChanged",
    "HighValueFlagsChanged",
    "IndicatorScore",
    "NavigationResultPublished",
    "OverseasFamilyRecorded",
    "SelfEvaluationOverdue",
    "SelfEvaluationSubmitted",
    "ValueAssessed",
]
