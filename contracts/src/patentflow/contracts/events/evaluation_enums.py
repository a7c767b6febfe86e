"""Enumerations of market evaluation (市场评价): enterprise kinds, answers, scenarios, grades and high-value categories."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class EnterpriseFlag(StrEnum):
    """Kinds of enterprise the provincial offices organise first (seed 001 §二(二)1), not exclusive."""

    IP_ADVANTAGE = "ip_advantage"  # 国家知识产权优势企业
    IP_DEMONSTRATION = "ip_demonstration"  # 国家知识产权示范企业
    SPECIALISED_NEW_SME = "specialised_new_sme"  # 专精特新中小企业
    HIGH_TECH = "high_tech"  # 高新技术企业
    CENTRAL_SOE = "central_soe"  # 中央企业
    LOCAL_SOE = "local_soe"  # 地方国有企业


class Prospect(IntEnum):
    """产业化前景, an ordered scale: 5 is the best. Its value is its rank, so answers can be averaged."""

    VERY_GOOD = 5
    GOOD = 4
    FAIR = 3
    POOR = 2
    NONE = 1


class CooperationIntent(StrEnum):
    """产学研合作意愿: how the enterprise would take the patent up, or not at all."""

    LICENCE = "licence"
    TRANSFER = "transfer"
    JOINT_DEVELOPMENT = "joint_development"
    COMMISSIONED_RND = "commissioned_rnd"
    EQUITY = "equity"
    NONE = "none"


class NotInterestedReason(StrEnum):
    """Why an enterprise does not take a patent up (also the reasons of a declined push in matching)."""

    TOO_EARLY = "too_early"  # 技术成熟度低
    BENEFIT_UNCLEAR = "benefit_unclear"  # 效益不明确
    COMMERCIAL_ROUTE_UNCLEAR = "commercial_route_unclear"  # 商业化路径不清
    DESCRIPTION_UNCLEAR = "description_unclear"  # 专利信息描述不清
    NOT_OUR_FIELD = "not_our_field"  # 与主营业务不符
    PRICE = "price"  # 价格


class EvaluationScenario(StrEnum):
    """The evaluation scenarios of GB/T 42748-2023; the weights of the indicators depend on the scenario."""

    LICENSE_TRANSFER = "license_transfer"  # 许可转让类
    FINANCE = "finance"  # 金融类
    FIN_REPORTING = "fin_reporting"  # 财务报告类
    INFRINGEMENT_REMEDY = "infringement_remedy"  # 侵权救济类
    MANAGEMENT = "management"  # 管理类
    OTHER = "other"  # 其他


class HighValueCategory(StrEnum):
    """The categories of a high-value invention patent (高价值发明专利); any one of them makes it high-value."""

    SEI = "sei"  # 战略性新兴产业的发明专利
    OVERSEAS_FAMILY = "overseas_family"  # 在海外有同族专利权的发明专利
    MAINTAINED_10Y = "maintained_10y"  # 维持年限超过10年的发明专利
    HIGH_PLEDGE = "high_pledge"  # 实现较高质押融资金额的发明专利
    AWARD = "award"  # 获得国家科学技术奖或中国专利奖的发明专利


class EvidenceKind(StrEnum):
    """Where an indicator's score came from."""

    COMPUTED = "computed"  # from facts the platform holds (an event, the replica)
    EXPERT = "expert"  # the mean of the assigned experts' scores
    ENTERPRISE = "enterprise"  # from the enterprises' evaluations


class BaseRating(StrEnum):
    """A navigation base's yearly performance rating (seed 002 五(三): 优秀 / 合格 / 不合格)."""

    EXCELLENT = "excellent"  # 优秀
    QUALIFIED = "qualified"  # 合格
    UNQUALIFIED = "unqualified"  # 不合格


class BaseStatus(StrEnum):
    """Where a navigation base stands."""

    FILED = "filed"  # 备案, in the programme
    RECTIFYING = "rectifying"  # 限期整改
    DELISTED = "delisted"  # 摘牌退出
