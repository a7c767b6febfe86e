"""Demo data of market evaluation: enterprises and experts per province, assignments and evaluations of pool patents,
a navigation service base per province with its self-evaluation and a published result, sent through the evaluation
service's own API (idempotent: a second run changes nothing)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import httpx

from patentflow.contracts.identifiers import credit_code_check_char
from patentflow.localinfra.dataset import PROVINCES
from patentflow.localinfra.vocabulary import FIELDS, demand_text

Token = Callable[..., str]
_FIRMS = ("智能制造", "新能源", "生物医药", "新材料", "信息技术", "现代农业")
_FIELDS = {
    "智能制造": "B25J",
    "新能源": "H01M",
    "生物医药": "A61K",
    "新材料": "C22C",
    "信息技术": "G06F",
    "现代农业": "A01M",
}
_INDUSTRIES = {"智能制造": "34", "新能源": "38", "生物医药": "27", "新材料": "32", "信息技术": "65", "现代农业": "01"}
_NEEDS = ("需提高量产一致性", "希望降低成本", "需要中试验证", "需补充可靠性数据", None)
_REASONS = ("too_early", "benefit_unclear", "commercial_route_unclear", "not_our_field", "price")


class MarketError(RuntimeError):
    """The evaluation service refused demo data."""


def enterprise_code(province: str, serial: int) -> str:
    """A company credit code (91 + the province's region code) with its check character."""
    body = f"91{province}{serial:09d}"[:17]
    return body + credit_code_check_char(body)


def load(
    evaluation_url: str,
    pooled: Sequence[tuple[str, str, str]],
    token: Token,
    *,
    share: float = 0.6,
    per_province: int = 3,
    seed: int = 11,
    timeout: float = 180.0,
) -> dict[str, Any]:
    """Register ``per_province`` enterprises and one expert in every province with pool patents; put ``share`` of
    the pool patents to an enterprise of their province, which evaluates them, and have the expert review half."""
    rng = random.Random(seed)
    provinces = sorted({province for _, _, province in pooled})
    firms: dict[str, list[str]] = {}
    industries: dict[str, str] = {}  # the industry of the province's navigation base: its first enterprise's
    registered: list[tuple[str, str, str]] = []  # (credit code, province, GB/T 4754 division)
    evaluated = reviewed = 0
    with httpx.Client(base_url=evaluation_url, timeout=30) as http:
        for province in provinces:
            office = {"Authorization": f"Bearer {token('province_office', province=province)}"}
            firms[province] = []
            for i, kind in enumerate(rng.sample(_FIRMS, per_province)):
                code = enterprise_code(province, 700 + i)
                body = {"credit_code": code, "name": f"{kind}示范科技有限公司{province[:2]}{i}", "province": province,
                        "flags": ["specialised_new_sme", "high_tech"], "industry_codes": [_INDUSTRIES[kind]],
                        "products": [f"{kind}产品"], "ipc_fields": [_FIELDS[kind]]}  # fmt: skip
                _post(http, "/enterprises", body, office, f"demo-enterprise-{code}")
                firms[province].append(code)
                industries.setdefault(province, _INDUSTRIES[kind])
                registered.append((code, province, _INDUSTRIES[kind]))
            expert = {"expert_id": f"expert-{province}", "name": f"专家{province[:2]}", "affiliation": "省知识产权研究院",
                      "province": province, "ipc_fields": sorted(set(_FIELDS.values()))}  # fmt: skip
            _post(http, "/experts", expert, office, f"demo-expert-{province}")
        for number, _, province in pooled:
            if rng.random() >= share:
                continue
            office = {"Authorization": f"Bearer {token('province_office', province=province)}"}
            firm = rng.choice(firms[province])
            _until_in_pool(
                http, f"/patents/{number}/assignments", {"enterprise": firm}, office, f"demo-assign-{number}", timeout
            )
            intent = rng.choice(("licence", "transfer", "joint_development", "commissioned_rnd", "equity", "none"))
            answer = {"enterprise": firm, "prospect": rng.randint(1, 5), "cooperation_intent": intent,
                      "improvement_needs": rng.choice(_NEEDS),
                      "not_interested_reason": rng.choice(_REASONS) if intent == "none" else None}  # fmt: skip
            as_firm = {"Authorization": f"Bearer {token('enterprise', enterprise=firm)}"}
            _post(http, f"/patents/{number}/enterprise-evaluations", answer, as_firm, f"demo-evaluate-{number}")
            evaluated += 1
            if rng.random() < 0.5:
                expert_id = f"expert-{province}"
                _post(http, f"/patents/{number}/experts", {"expert_id": expert_id}, office, f"demo-expert-{number}")
                scores = {
                    k: rng.randint(30, 95) for k in ("legal.stability", "technical.advancement", "economic.market_size")
                }
                as_expert = {"Authorization": f"Bearer {token('expert', person=expert_id)}"}
                review = {"scores": scores, "opinion": "技术方案可行，建议开展中试"}
                _post(http, f"/patents/{number}/expert-reviews", review, as_expert, f"demo-review-{number}")
                reviewed += 1
        hosts = {province: institution for _, institution, province in pooled}
        bases = [_base(http, province, hosts[province], industries[province], token) for province in provinces]
    return {"enterprises": sum(len(f) for f in firms.values()), "experts": len(provinces), "evaluated": evaluated,
            "reviewed": reviewed, "bases": bases,
            "firms": registered}  # fmt: skip


def _base(http: httpx.Client, province: str, host: str, industry: str, token: Token) -> str:
    """The province's navigation service base for the industry of its first enterprise, hosted by one of its
    institutions: filed, its self-evaluation of this year in, a navigation result pushed to the industry's enterprises."""
    office = {"Authorization": f"Bearer {token('province_office', province=province)}"}
    as_host = {"Authorization": f"Bearer {token('institution_admin', institution=host)}"}
    name = next((short for code, short, _ in PROVINCES if code == province), province)
    body = {"name": f"{name}产业专利导航服务基地", "province": province, "industry": industry,
            "host_name": f"导航服务基地建设主体{province[:2]}", "host_credit_code": host}  # fmt: skip
    filed = _post(http, "/bases", body, office, f"demo-base-{province}-{industry}").json()
    base_id = filed.get("base_id") or f"{province}-{industry}"
    report = {"year": date.today().year, "summary": "年度自评：导航报告两份，专题数据库一个，服务企业十家"}
    _post(http, f"/bases/{base_id}/self-evaluations", report, as_host, f"demo-base-report-{base_id}")
    result = {"title": "产业专利导航分析报告", "summary": "关键技术专利布局、创新主体与技术路线分析"}
    _post(http, f"/bases/{base_id}/results", result, as_host, f"demo-base-result-{base_id}")
    return base_id


def demands(
    matching_url: str,
    firms: Sequence[tuple[str, str, str]],
    token: Token,
    *,
    per_firm: int = 2,
    seed: int = 13,
    timeout: float = 180.0,
) -> dict[str, Any]:
    """Each registered enterprise publishes ``per_firm`` demands in its field through the matching API, a third of
    them in everyday words only; returns how many and one demand to show, with its matches."""
    rng = random.Random(seed)
    by_industry = {field.industry: field for field in FIELDS}
    published, pushed, shown = 0, 0, None
    with httpx.Client(base_url=matching_url, timeout=30) as http:
        for code, _province, industry in firms:
            field = by_industry.get(industry, FIELDS[0])
            as_firm = {"Authorization": f"Bearer {token('enterprise', enterprise=code)}"}
            for n in range(per_firm):
                group = rng.choice(field.groups)
                hard = n % 3 == 2
                title, description = demand_text(group, rng, hard=hard)
                body = {"enterprise": code, "title": title, "description": description,
                        "ipc_fields": [group.subclass if hard else group.main_group], "industry_codes": [field.industry],
                        "products": [rng.choice(group.products)], "trl_min": rng.choice((None, 4, 5)),
                        "deadline": f"{date.today().year + 1}-06-30"}  # fmt: skip
                answer = _until_registered(http, body, as_firm, f"demo-demand-{code}-{n}", timeout)
                published += 1
                if shown is None or len(answer.get("matches", ())) > len(shown.get("matches", ())):
                    shown = {"demand_id": answer["demand_id"], "enterprise": code, "matches": answer["matches"]}
            pushed += _push_and_answer(http, code, as_firm, rng)
    return {"demands": published, "shown": shown, "pushed": pushed}


def _push_and_answer(http: httpx.Client, code: str, as_firm: dict[str, str], rng: random.Random) -> int:
    """Push the enterprise its matches; it views most, takes an interest in some, declines some with a reason, and
    signs one deal now and then: the funnel of the demo."""
    answer = _post(http, f"/enterprises/{code}/push", {}, as_firm, f"demo-push-{code}").json()
    for number in answer.get("pushed", ()):
        roll = rng.random()
        if roll < 0.2:
            continue  # not opened yet
        steps: list[dict[str, Any]] = [{"answer": "viewed"}]
        if roll < 0.45:
            steps.append({"answer": "declined", "declined_reason": rng.choice(_REASONS)})
        elif roll < 0.75:
            steps.append({"answer": "interested"})
        for n, step in enumerate(steps):
            _post(http, f"/patents/{number}/answers", {"enterprise": code, **step}, as_firm,
                  f"demo-answer-{code}-{number}-{n}")  # fmt: skip
        if steps[-1]["answer"] == "interested" and rng.random() < 0.4:
            _post(http, f"/patents/{number}/negotiations/{code}/end", {"outcome": "deal",
                  "deal_reference": f"DEMO-{number}"}, as_firm, f"demo-deal-{code}-{number}")  # fmt: skip
    return len(answer.get("pushed", ()))


def _until_registered(
    http: httpx.Client, body: dict[str, Any], headers: dict[str, str], key: str, timeout: float
) -> dict[str, Any]:
    """Post once the matching service's replica knows the enterprise (its registration is on the way)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = http.post("/demands", json=body, headers={**headers, "Idempotency-Key": key})
        if answer.status_code in (200, 201):
            return dict(answer.json())
        reason = answer.json().get("detail", {}).get("reason") if answer.status_code == 409 else None
        if reason != "UNKNOWN_ENTERPRISE" or time.monotonic() > deadline:
            raise MarketError(f"POST /demands refused: {answer.status_code} {answer.text[:500]}")
        time.sleep(0.5)


def _post(http: httpx.Client, path: str, body: dict[str, Any], headers: dict[str, str], key: str) -> httpx.Response:
    answer = http.post(path, json=body, headers={**headers, "Idempotency-Key": key})
    already = answer.status_code == 409 and answer.json().get("detail", {}).get("reason", "").startswith(
        ("ENTERPRISE_ALREADY", "EXPERT_ALREADY", "ALREADY_ASSIGNED", "INDUSTRY_HAS_A_BASE", "REPORT_ALREADY")
    )
    if (
        answer.status_code not in (200, 201)
        and not already
        and not (answer.status_code == 409 and answer.json().get("detail", {}).get("reason") == "NO_NEGOTIATION")
    ):  # a second run: the deal is already recorded
        raise MarketError(f"POST {path} refused: {answer.status_code} {answer.text[:500]}")
    return answer


def _until_in_pool(
    http: httpx.Client, path: str, body: dict[str, Any], headers: dict[str, str], key: str, timeout: float
) -> None:
    """Post once the evaluation service's replica has seen the patent enter the pool (its events are on the way)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = http.post(path, json=body, headers={**headers, "Idempotency-Key": key})
        reason = answer.json().get("detail", {}).get("reason") if answer.status_code == 409 else None
        if answer.status_code in (200, 201) or reason == "ALREADY_ASSIGNED":
            return
        if reason != "NOT_IN_POOL" or time.monotonic() > deadline:
            raise MarketError(f"POST {path} refused: {answer.status_code} {answer.text[:500]}")
        time.sleep(0.5)
