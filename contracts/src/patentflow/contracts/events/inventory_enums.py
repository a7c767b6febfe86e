"""Enumerations of the inventory record and the review lifecycle (docs/domain.md §3-§5).

The official batch template's value lists were not available; these codes carry the Chinese labels the
institutions' published notices use, so an import can map either form.
"""

from __future__ import annotations

from enum import StrEnum


class InstitutionKind(StrEnum):
    """Kind of institution in the programme (高校和科研机构; hospitals are research institutions here)."""

    UNIVERSITY = "university"
    RESEARCH_INSTITUTE = "research_institute"
    HOSPITAL = "hospital"
    OTHER = "other"


class ConversionIntent(StrEnum):
    """转化意愿: accepted ways to put the patent to use; ``none`` excludes the others."""

    TRANSFER = "transfer"
    LICENCE_EXCLUSIVE = "licence_exclusive"
    LICENCE_SOLE = "licence_sole"
    LICENCE_ORDINARY = "licence_ordinary"
    OPEN_LICENCE = "open_licence"
    EQUITY = "equity"
    JOINT_IMPLEMENTATION = "joint_implementation"
    SELF_USE = "self_use"
    NONE = "none"


CONVERSION_INTENT_LABELS: dict[ConversionIntent, str] = {
    ConversionIntent.TRANSFER: "转让",
    ConversionIntent.LICENCE_EXCLUSIVE: "独占许可",
    ConversionIntent.LICENCE_SOLE: "排他许可",
    ConversionIntent.LICENCE_ORDINARY: "普通许可",
    ConversionIntent.OPEN_LICENCE: "开放许可",
    ConversionIntent.EQUITY: "作价入股",
    ConversionIntent.JOINT_IMPLEMENTATION: "合作实施",
    ConversionIntent.SELF_USE: "自行应用或产业化",
    ConversionIntent.NONE: "暂无意愿",
}


class ImplementationStatus(StrEnum):
    """专利实施状态 (含产业化)."""

    NOT_IMPLEMENTED = "not_implemented"
    SELF_IMPLEMENTED = "self_implemented"
    LICENSED = "licensed"
    TRANSFERRED = "transferred"
    EQUITY = "equity"
    INDUSTRIALISED = "industrialised"


IMPLEMENTATION_STATUS_LABELS: dict[ImplementationStatus, str] = {
    ImplementationStatus.NOT_IMPLEMENTED: "未实施",
    ImplementationStatus.SELF_IMPLEMENTED: "已实施-自行实施",
    ImplementationStatus.LICENSED: "已许可",
    ImplementationStatus.TRANSFERRED: "已转让",
    ImplementationStatus.EQUITY: "作价入股",
    ImplementationStatus.INDUSTRIALISED: "已产业化",
}


class ReviewState(StrEnum):
    """Where an inventory record stands: inventor → school review → institution review → conversion pool."""

    DRAFT = "draft"  # 建档中
    SUBMITTED = "submitted"  # 待学院审核
    SCHOOL_APPROVED = "school_approved"  # 待学校审核
    POOLED = "pooled"  # 已入库 (专利转化资源库)
    RETURNED = "returned"  # 已退回
    WITHDRAWN = "withdrawn"  # 已出库


class LegalStatus(StrEnum):
    """Legal status from the register (专利登记簿, Implementing Rules 106; Patent Law 42-45)."""

    VALID = "valid"  # 有效, annual fee paid
    GRACE_PERIOD = "grace_period"  # fee unpaid, within the 6-month grace period
    INVALIDATION_PENDING = "invalidation_pending"  # 无效宣告请求审查中
    SUSPENDED = "suspended"  # 中止: ownership dispute or preservation (Rules 103-105)
    TERMINATED = "terminated"  # 终止: fees unpaid after grace, or abandoned
    INVALIDATED = "invalidated"  # 宣告无效
    EXPIRED = "expired"  # 期限届满


IN_FORCE: frozenset[LegalStatus] = frozenset(
    {LegalStatus.VALID, LegalStatus.GRACE_PERIOD, LegalStatus.INVALIDATION_PENDING, LegalStatus.SUSPENDED}
)
