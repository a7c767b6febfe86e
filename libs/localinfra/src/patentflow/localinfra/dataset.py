"""A national dataset at any size, loaded through the services' own paths: the registry API, standard-format
imports per institution, and the review and legal-status commands for a share of the patents.

Deterministic for a seed: a second load of the same size changes nothing (registrations replay by idempotency key,
a file imported before returns its finished import). Institutions per province follow rough real weights (Beijing,
Jiangsu, Guangdong … have many); names, credit codes (with their check character) and application numbers (with
their check digit) look real; titles and abstracts are Chinese, from the words of the IPC main groups in ``vocabulary``.
"""

from __future__ import annotations

import csv
import io
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from patentflow.contracts.identifiers import application_check_digit, credit_code_check_char
from patentflow.contracts.standard_format import HEADER_OF
from patentflow.localinfra.vocabulary import groups, patent_text

_GROUPS = groups()

# (GB/T 2260 code, short name, weight ≈ share of the country's universities and institutes)
PROVINCES: tuple[tuple[str, str, int], ...] = (
    ("110000", "北京", 9), ("120000", "天津", 3), ("130000", "河北", 4), ("140000", "山西", 3), ("150000", "内蒙古", 2),
    ("210000", "辽宁", 4), ("220000", "吉林", 3), ("230000", "黑龙江", 3), ("310000", "上海", 6), ("320000", "江苏", 8),
    ("330000", "浙江", 5), ("340000", "安徽", 4), ("350000", "福建", 3), ("360000", "江西", 3), ("370000", "山东", 6),
    ("410000", "河南", 5), ("420000", "湖北", 6), ("430000", "湖南", 5), ("440000", "广东", 7), ("450000", "广西", 3),
    ("460000", "海南", 1), ("500000", "重庆", 3), ("510000", "四川", 5), ("520000", "贵州", 2), ("530000", "云南", 2),
    ("540000", "西藏", 1), ("610000", "陕西", 5), ("620000", "甘肃", 2), ("630000", "青海", 1), ("640000", "宁夏", 1),
    ("650000", "新疆", 2),
)  # fmt: skip
_UNIVERSITY = ("理工", "师范", "农业", "医科", "工业", "科技", "交通", "财经", "石油", "林业", "中医药", "电子科技")
_INSTITUTE = ("农业科学", "工业技术", "材料", "能源", "信息技术", "生物医药", "环境科学", "化工")
_SCHOOLS = ("机械工程学院", "信息科学与工程学院", "材料科学与工程学院", "生命科学学院", "化学化工学院", "医学院")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆"
_INTENTS = ("转让", "普通许可", "独占许可", "开放许可", "作价入股", "合作实施", "转让；普通许可")
_STATUSES = ("未实施", "未实施", "未实施", "已许可", "已实施-自行实施", "已产业化")
_FUNDERS = ("科技部", "国家自然科学基金委员会", "工业和信息化部", "省科技厅")


@dataclass(frozen=True, slots=True)
class Institution:
    """A registered institution and its schools and inventor accounts."""

    credit_code: str
    name: str
    kind: str
    province: str
    ministry: str | None
    pilot: bool  # a national IP pilot institution (试点) …
    demonstration: bool  # … or a demonstration one (示范): both 100 % inventoried by 2024-06-30
    schools: tuple[str, ...]
    inventors: tuple[tuple[str, str, str], ...]  # (id, name, school)
    patents: int


class LoadError(RuntimeError):
    """A service refused part of the dataset."""


@dataclass
class Dataset:
    """What a load will record."""

    seed: int
    base: int = 0  # shifts credit codes and application numbers: datasets of different bases never collide
    institutions: list[Institution] = field(default_factory=list)

    @property
    def patents(self) -> int:
        """How many patents in all."""
        return sum(i.patents for i in self.institutions)


def credit_code(province: str, serial: int) -> str:
    """A public institution's unified social credit code (12 = 机构编制, 事业单位) with its check character."""
    body = f"12{province}{serial:09d}"
    return body + credit_code_check_char(body)


def plan(patents: int, seed: int = 2024, per_institution: int = 300, base: int = 0) -> Dataset:
    """Institutions across the provinces, with ``patents`` patents between them (``base``: see Dataset)."""
    if not 0 <= base < 8:
        raise ValueError("base is 0 to 7")
    rng = random.Random(seed + base * 7919)
    count = max(len(PROVINCES), patents // per_institution)
    total_weight = sum(w for _, _, w in PROVINCES)
    dataset = Dataset(seed, base)
    names: set[str] = set()
    # Every province has at least one institution; the rest go by weight, the heaviest first.
    per_province = {code: max(1, count * weight // total_weight) for code, _, weight in PROVINCES}
    heaviest = sorted(PROVINCES, key=lambda p: -p[2])
    n = 0
    while sum(per_province.values()) < count:
        per_province[heaviest[n % len(heaviest)][0]] += 1
        n += 1
    count = sum(per_province.values())
    i = 0
    for code, short, _ in PROVINCES:
        for _ in range(per_province[code]):
            kind = rng.choices(("university", "research_institute", "hospital"), (70, 25, 5))[0]
            name = _name(rng, short, kind, names)
            pilot = rng.random() < (0.2 if kind == "university" else 0.08)
            demonstration = pilot and len(dataset.institutions) % 3 == 0  # a third of them (no draw: same dataset)
            ministry = (
                rng.choices(("MoE", "CAS", "MIIT", None), (25, 0, 5, 70))[0]
                if kind == "university"
                else rng.choices(("CAS", "MoA", None), (30, 10, 60))[0]
            )
            schools = tuple(f"s{n + 1}" for n in range(rng.randint(2, 4)))
            inventors = tuple(
                (f"inv-{n + 1}", _person(rng), schools[n % len(schools)]) for n in range(rng.randint(2, 5))
            )
            dataset.institutions.append(
                Institution(
                    credit_code(code, 100_000 * (base + 1) + i),
                    name,
                    kind,
                    code,
                    ministry,
                    pilot and not demonstration,
                    demonstration,
                    schools,
                    inventors,
                    0,
                )
            )
            i += 1
    shares = [rng.lognormvariate(0, 0.8) for _ in range(count)]
    scale = patents / sum(shares)
    sizes = [max(1, int(s * scale)) for s in shares]
    sizes[sizes.index(max(sizes))] += patents - sum(sizes)  # the rounding remainder to the largest: an exact total
    dataset.institutions = [
        Institution(**{**_fields(inst), "patents": size})
        for inst, size in zip(dataset.institutions, sizes, strict=True)
    ]
    return dataset


def _fields(inst: Institution) -> dict[str, Any]:
    return {name: getattr(inst, name) for name in inst.__slots__}


def _name(rng: random.Random, short: str, kind: str, taken: set[str]) -> str:
    for attempt in range(100):
        if kind == "university":
            name = f"{short}{rng.choice(_UNIVERSITY)}{rng.choice(('大学', '学院'))}"
        elif kind == "research_institute":
            name = f"{short}{rng.choice(_INSTITUTE)}研究院"
        else:
            name = f"{short}{rng.choice(('省人民医院', '医科大学附属医院', '省中医院', '肿瘤医院'))}"
        if attempt:
            name = name.replace("大学", f"第{attempt + 1}大学", 1) if "大学" in name else f"{name}第{attempt + 1}分院"
        if name not in taken:
            taken.add(name)
            return name
    raise ValueError("ran out of institution names")


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


COLUMNS = (
    "application_number", "title", "patent_type", "abstract", "ipc_main", "filing_date", "grant_date", "inventors",
    "inventor_ids", "school_id", "state_funded", "project_number", "funder", "conversion_intents",
    "implementation_status", "trl", "self_grade", "application_scenario", "contact_name",
)  # fmt: skip


def rows(dataset: Dataset, institution: Institution, index: int) -> Iterator[dict[str, str]]:
    """The patents of one institution as standard-format rows; numbers are unique across the dataset."""
    rng = random.Random(dataset.seed * 1_000_003 + index)
    first = sum(i.patents for i in dataset.institutions[:index])
    inventoried = 0.95 if institution.pilot or institution.demonstration else 0.55
    for n in range(institution.patents):
        serial = first + n
        year = 2010 + serial % 13
        kind = 1 if rng.random() < 0.72 else 2
        # Above the serials of demo.py and the tests; 1 000 000 apart per base (a million patents use 77 000 a year).
        number = _number(year, kind, 2_000_000 + dataset.base * 1_000_000 + serial // 13)
        _field, group = rng.choice(_GROUPS)
        title, abstract = patent_text(group, rng)
        filed = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        granted = filed + timedelta(days=rng.randint(400, 1300) if kind == 1 else rng.randint(150, 400))
        is_granted = rng.random() < (0.82 if kind == 1 else 0.97)
        inventor = rng.choice(institution.inventors) if institution.inventors and rng.random() < 0.5 else None
        funded = rng.random() < 0.3
        row = {
            "application_number": number,
            "title": title,
            "patent_type": "发明" if kind == 1 else "实用新型",
            "abstract": abstract,
            "ipc_main": rng.choice(group.symbols),
            "filing_date": filed.isoformat(),
            "grant_date": granted.isoformat() if is_granted else "",
            "inventors": "；".join([inventor[1]] if inventor else [_person(rng) for _ in range(rng.randint(1, 3))]),
            "inventor_ids": inventor[0] if inventor else "",
            "school_id": inventor[2] if inventor else rng.choice(institution.schools),
            "state_funded": "是" if funded else "否",
            "project_number": f"{year - 1}YF{chr(65 + serial % 6)}{serial % 10_000:04d}" if funded else "",
            "funder": rng.choice(_FUNDERS) if funded else "",
        }
        if rng.random() < inventoried:
            row.update(
                conversion_intents=rng.choice(_INTENTS),
                implementation_status=rng.choice(_STATUSES),
                trl=str(rng.choices(range(1, 10), (2, 4, 8, 12, 14, 12, 8, 4, 2))[0]),
                self_grade=str(rng.choices(range(1, 6), (5, 15, 40, 28, 12))[0]),
                application_scenario=rng.choice(("工业生产", "医疗健康", "农业生产", "城市治理", "能源电力")),
                contact_name=_person(rng),
            )
        yield row


def _number(year: int, kind: int, serial: int) -> str:
    body = f"{year}{kind}{serial:07d}"
    return f"{body}.{application_check_digit(body)}"


def csv_of(dataset: Dataset, institution: Institution, index: int) -> bytes:
    """One institution's import file."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([HEADER_OF[c] for c in COLUMNS])
    for row in rows(dataset, institution, index):
        writer.writerow([row.get(c, "") for c in COLUMNS])
    return out.getvalue().encode("utf-8")


Token = Callable[..., str]


def load(
    dataset: Dataset,
    inventory_url: str,
    token: Token,
    *,
    review_share: float = 0.05,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Record the dataset through the inventory API; returns what it did. ``token(role, **scope)`` signs tokens."""
    started = time.perf_counter()
    national = {"Authorization": f"Bearer {token('national_admin')}"}
    with httpx.Client(base_url=inventory_url, timeout=120) as http:
        for inst in dataset.institutions:
            _register(http, national, inst)
        say(f"  {len(dataset.institutions)} institutions with their schools and inventors registered")
        pending: list[tuple[str, dict[str, str]]] = []
        for index, inst in enumerate(dataset.institutions):
            admin = {"Authorization": f"Bearer {token('institution_admin', institution=inst.credit_code)}"}
            upload = http.post(
                "/imports",
                files={"file": (f"{inst.credit_code}.csv", csv_of(dataset, inst, index), "text/csv")},
                headers=admin,
            )
            if upload.status_code not in (200, 202):
                raise LoadError(f"import of {inst.name} refused: {upload.status_code} {upload.text[:500]}")
            pending.append((upload.json()["status_url"], admin))
            if len(pending) >= 4:  # a few imports at once: the service imports in the background
                _wait(http, pending.pop(0))
        for job in pending:
            _wait(http, job)
        imported = time.perf_counter() - started
        say(f"  {dataset.patents} patents imported in {imported:.0f} s")
        reviewed, lapsed = _review(http, dataset, token, review_share)
    return {
        "institutions": len(dataset.institutions),
        "patents": dataset.patents,
        "pooled": len(reviewed),
        "pooled_patents": reviewed,
        "lapsed": lapsed,
        "import_seconds": round(imported, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _register(http: httpx.Client, national: dict[str, str], inst: Institution) -> None:
    body = {"credit_code": inst.credit_code, "name": inst.name, "kind": inst.kind, "province": inst.province,
            "ministry": inst.ministry, "pilot": inst.pilot, "demonstration": inst.demonstration}  # fmt: skip
    _post(http, "/institutions", body, national, f"dataset-{inst.credit_code}")
    for school in inst.schools:
        body = {"school_id": school, "name": _SCHOOLS[int(school[1:]) % len(_SCHOOLS)]}
        _post(http, f"/institutions/{inst.credit_code}/schools", body, national, f"dataset-{inst.credit_code}-{school}")
    for inventor, name, school in inst.inventors:
        body = {"inventor_id": inventor, "name": name, "school_id": school}
        _post(http, f"/institutions/{inst.credit_code}/inventors", body, national, f"dataset-{inst.credit_code}-{inventor}")  # fmt: skip


def _post(http: httpx.Client, path: str, body: dict[str, Any], headers: dict[str, str], key: str) -> httpx.Response:
    answer = http.post(path, json=body, headers={**headers, "Idempotency-Key": key})
    if answer.status_code not in (200, 201, 409):
        raise LoadError(f"POST {path} refused: {answer.status_code} {answer.text[:500]}")
    return answer


def _wait(http: httpx.Client, job: tuple[str, dict[str, str]]) -> None:
    url, headers = job
    while True:
        state = http.get(url, headers=headers).json()
        if state.get("status") in ("done", "failed"):
            if state["status"] == "failed":
                raise LoadError(f"import failed: {state}")
            return
        time.sleep(0.1)


REVIEWERS = 8  # review commands in flight at once: institutions' staff work side by side, not one after the other


def _review(http: httpx.Client, dataset: Dataset, token: Token, share: float) -> tuple[list[tuple[str, str, str]], int]:
    """Take a share of the inventoried patents through the review into the pool; record some lapses. Returns the
    pooled patents as (application number, institution, province) and how many lapsed.

    Which patents is decided first, in order (the same seed gives the same choice); the commands then go
    ``REVIEWERS`` patents at a time, each patent's steps in order. One at a time, a load of 1 000 000 patents spent
    a third of its time waiting on the answers of 15 000 commands, and measured its client instead of the platform.
    """
    work: list[tuple[str, dict[str, str], Institution, dict[str, Any] | None]] = []  # (number, auth, inst, lapse)
    for index, inst in enumerate(dataset.institutions):
        admin = {"Authorization": f"Bearer {token('institution_admin', institution=inst.credit_code)}"}
        rng = random.Random(dataset.seed + index)
        for row in rows(dataset, inst, index):
            number = row["application_number"]
            if row.get("trl") and row["grant_date"] and rng.random() < share:
                work.append((number, admin, inst, None))
            elif row["grant_date"] and rng.random() < share / 4:
                work.append((number, admin, inst, {"status": "terminated", "effective_date": _lapse_day(row), "reason": "未缴年费"}))  # fmt: skip

    def run(number: str, admin: dict[str, str], inst: Institution, lapse: dict[str, Any] | None) -> bool:
        if lapse is not None:
            _post(http, f"/patents/{number}/legal-status", lapse, admin, f"dataset-{number}-lapse")
            return True
        steps = ("submission", "school-approval", "institution-approval")
        answers = [_post(http, f"/patents/{number}/{s}", {}, admin, f"dataset-{number}-{s}") for s in steps]
        return all(a.status_code in (200, 201) for a in answers)  # not one refused (a patent past its term)

    with ThreadPoolExecutor(REVIEWERS) as pool:  # httpx.Client is safe to share between threads
        done = list(pool.map(lambda job: run(*job), work))
    pooled = [
        (n, i.credit_code, i.province) for (n, _, i, lapse), ok in zip(work, done, strict=True) if lapse is None and ok
    ]
    return pooled, sum(lapse is not None for _, _, _, lapse in work)


def _lapse_day(row: dict[str, str]) -> str:
    # Fees unpaid some years after grant; never after today (the service refuses a day it has not reached).
    granted = date.fromisoformat(row["grant_date"])
    return min(max(granted + timedelta(days=800), date(2023, 1, 1)), date.today() - timedelta(days=30)).isoformat()
