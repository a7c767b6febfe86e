"""Stable reason codes for refused commands (HTTP 409), each with its legal source where one applies."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReasonCode(StrEnum):
    """Machine-readable reason a command was refused; stable across releases."""

    PATENT_ALREADY_RECORDED = "PATENT_ALREADY_RECORDED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    CONCURRENT_MODIFICATION = "CONCURRENT_MODIFICATION"
    UNKNOWN_INSTITUTION = "UNKNOWN_INSTITUTION"
    INSTITUTION_ALREADY_REGISTERED = "INSTITUTION_ALREADY_REGISTERED"
    SCHOOL_ALREADY_EXISTS = "SCHOOL_ALREADY_EXISTS"
    UNKNOWN_SCHOOL = "UNKNOWN_SCHOOL"
    INVENTOR_ALREADY_EXISTS = "INVENTOR_ALREADY_EXISTS"
    UNKNOWN_INVENTOR = "UNKNOWN_INVENTOR"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    INVENTORY_INCOMPLETE = "INVENTORY_INCOMPLETE"
    RECORD_UNDER_REVIEW = "RECORD_UNDER_REVIEW"
    PATENT_NOT_IN_FORCE = "PATENT_NOT_IN_FORCE"
    LEGAL_STATUS_FINAL = "LEGAL_STATUS_FINAL"
    NOT_STATE_FUNDED = "NOT_STATE_FUNDED"
    ENTERPRISE_ALREADY_REGISTERED = "ENTERPRISE_ALREADY_REGISTERED"
    UNKNOWN_ENTERPRISE = "UNKNOWN_ENTERPRISE"
    ENTERPRISE_OF_ANOTHER_PROVINCE = "ENTERPRISE_OF_ANOTHER_PROVINCE"
    NOT_IN_POOL = "NOT_IN_POOL"
    NOT_ASSIGNED = "NOT_ASSIGNED"
    ALREADY_ASSIGNED = "ALREADY_ASSIGNED"
    EXPERT_ALREADY_REGISTERED = "EXPERT_ALREADY_REGISTERED"
    UNKNOWN_EXPERT = "UNKNOWN_EXPERT"
    EXPERT_CONFLICTED = "EXPERT_CONFLICTED"
    EXPERT_UNAVAILABLE = "EXPERT_UNAVAILABLE"
    INDUSTRY_HAS_A_BASE = "INDUSTRY_HAS_A_BASE"
    BASE_DELISTED = "BASE_DELISTED"
    REPORT_ALREADY_SUBMITTED = "REPORT_ALREADY_SUBMITTED"
    ALREADY_RATED = "ALREADY_RATED"
    NOT_RECTIFYING = "NOT_RECTIFYING"
    RECTIFICATION_OVERDUE = "RECTIFICATION_OVERDUE"
    DEMAND_ENDED = "DEMAND_ENDED"
    NOT_PUSHED = "NOT_PUSHED"
    NO_NEGOTIATION = "NO_NEGOTIATION"


@dataclass(frozen=True, slots=True)
class Reason:
    """A reason code with its human text and, where the rule comes from law or policy, the source."""

    code: ReasonCode
    message: str
    legal_source: str | None = None


REASONS: dict[ReasonCode, Reason] = {
    r.code: r
    for r in (
        Reason(ReasonCode.PATENT_ALREADY_RECORDED, "this application number is already recorded"),
        Reason(ReasonCode.IDEMPOTENCY_KEY_REUSED, "this Idempotency-Key was used before with a different request"),
        Reason(ReasonCode.CONCURRENT_MODIFICATION, "the record changed while the command ran; retry it"),
        Reason(
            ReasonCode.UNKNOWN_INSTITUTION,
            "the institution is not registered on the platform",
            "国知发运字〔2024〕5号 二(一)1: accounts are issued per institution",
        ),
        Reason(ReasonCode.INSTITUTION_ALREADY_REGISTERED, "this credit code is already registered"),
        Reason(ReasonCode.SCHOOL_ALREADY_EXISTS, "the institution already has a school with this id"),
        Reason(ReasonCode.UNKNOWN_SCHOOL, "the institution has no school with this id"),
        Reason(ReasonCode.INVENTOR_ALREADY_EXISTS, "the institution already has an inventor with this id"),
        Reason(
            ReasonCode.UNKNOWN_INVENTOR,
            "the institution has no inventor account with this id; add it first",
            "国知发运字〔2024〕5号 二(一)1: inventors fill their records under accounts their institution created",
        ),
        Reason(
            ReasonCode.INVALID_TRANSITION,
            "the record is not in a state that allows this step",
            "review chain inventor → school → institution → pool (docs/domain.md §3)",
        ),
        Reason(
            ReasonCode.INVENTORY_INCOMPLETE,
            "fill in the inventory record before submitting it",
            "国知发运字〔2024〕5号 二(一)1: conversion intent and implementation are marked when pooling",
        ),
        Reason(
            ReasonCode.RECORD_UNDER_REVIEW, "the record is under review or in the pool; return or withdraw it first"
        ),
        Reason(
            ReasonCode.PATENT_NOT_IN_FORCE,
            "the patent is terminated, invalidated or expired",
            "Patent Law Arts. 42-45: only valid patents are stock patents to convert",
        ),
        Reason(
            ReasonCode.LEGAL_STATUS_FINAL,
            "an expired or invalidated patent's status does not change again",
            "Patent Law Arts. 42, 47",
        ),
        Reason(ReasonCode.ENTERPRISE_ALREADY_REGISTERED, "this credit code is already registered as an enterprise"),
        Reason(
            ReasonCode.UNKNOWN_ENTERPRISE,
            "the enterprise is not registered; register it first",
            "国知发运字〔2024〕5号 二(二)1: provincial offices organise registered enterprises to evaluate",
        ),
        Reason(
            ReasonCode.ENTERPRISE_OF_ANOTHER_PROVINCE,
            "a provincial office assigns evaluations to enterprises of its own province",
            "国知发运字〔2024〕5号 二(二)1: 各省级知识产权管理部门组织本地区企业",
        ),
        Reason(
            ReasonCode.NOT_IN_POOL,
            "only patents in the conversion resource pool are evaluated",
            "国知发运字〔2024〕5号 二(二): 对入库专利开展市场评价",
        ),
        Reason(ReasonCode.NOT_ASSIGNED, "this patent was not assigned or pushed to you for evaluation"),
        Reason(ReasonCode.ALREADY_ASSIGNED, "this evaluation is already assigned"),
        Reason(ReasonCode.EXPERT_ALREADY_REGISTERED, "this expert id is already in the library"),
        Reason(ReasonCode.UNKNOWN_EXPERT, "no such expert in the library"),
        Reason(
            ReasonCode.EXPERT_CONFLICTED,
            "the expert declared a conflict with the patent's institution",
            "platform rule (unconfirmed): an expert does not review patents of an institution it works for or with",
        ),
        Reason(ReasonCode.EXPERT_UNAVAILABLE, "the expert takes no assignments at present"),
        Reason(
            ReasonCode.INDUSTRY_HAS_A_BASE,
            "the province already has a navigation base for this industry",
            "内蒙古专利导航服务基地建设工作实施方案 二: 实行一产业一基地",
        ),
        Reason(
            ReasonCode.BASE_DELISTED,
            "the base was delisted and takes no further steps",
            "内蒙古专利导航服务基地建设工作实施方案 五(三): 未按时整改到位的摘牌退出",
        ),
        Reason(ReasonCode.REPORT_ALREADY_SUBMITTED, "the self-evaluation of this year is already submitted"),
        Reason(ReasonCode.ALREADY_RATED, "this year is already rated"),
        Reason(ReasonCode.NOT_RECTIFYING, "the base has no rectification to accept"),
        Reason(
            ReasonCode.RECTIFICATION_OVERDUE,
            "the rectification deadline has passed: the base is delisted",
            "内蒙古专利导航服务基地建设工作实施方案 五(三): 限期整改, 未按时整改到位的摘牌退出",
        ),
        Reason(ReasonCode.DEMAND_ENDED, "the demand has closed, expired or been withdrawn"),
        Reason(ReasonCode.NOT_PUSHED, "the patent was neither pushed nor matched to this enterprise"),
        Reason(ReasonCode.NO_NEGOTIATION, "there is no open negotiation of this enterprise on the patent"),
        Reason(
            ReasonCode.NOT_STATE_FUNDED,
            "the five-year rule concerns state-funded patents only",
            "Science and Technology Progress Law (2021) Art. 32",
        ),
    )
}
