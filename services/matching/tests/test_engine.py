"""The engine without a service: the tokeniser's domain dictionary, each kind of reason, incremental indexing."""

from __future__ import annotations

import pytest
import rjieba

from patentflow.matching.engine import DemandEntry, Engine, PatentEntry, Ranking, ipc_keys, shared_level
from patentflow.matching.text import Tokeniser

TOKENISER = Tokeniser()


def test_compound_technical_terms_stay_whole_with_the_domain_dictionary() -> None:
    text = "一种固态电解质及其在锂离子电池中的应用"
    assert "固态电解质" not in rjieba.cut(text)  # the general dictionary splits it
    terms = TOKENISER.terms(text)
    assert "固态电解质" in terms
    assert "锂离子电池" in terms
    assert "电解质" in terms  # its parts too, so a demand that says 电解质 meets it
    assert not {"一种", "及其", "的", "中"} & set(terms)  # stop words and single characters carry nothing


def test_industry_names_of_the_reference_table_are_terms() -> None:
    assert "新一代信息技术产" in TOKENISER.words or "新一代信息技术" in TOKENISER.words


@pytest.mark.parametrize(
    ("wanted", "held", "level", "key"),
    [
        (["H01M 4/525"], ["H01M 4/525"], "subgroup", "H01M4/525"),
        (["H01M 4/525"], ["H01M 4/62"], "main_group", "H01M4"),
        (["H01M 4"], ["H01M 4/62"], "main_group", "H01M4"),
        (["H01M"], ["H01M 10/42"], "subclass", "H01M"),
        (["H01M 4"], ["H01L 21/02"], "class", "H01"),
        (["G06F"], ["H01M 4/62"], None, None),
    ],
)
def test_the_deepest_ipc_level_shared(wanted: list[str], held: list[str], level: str | None, key: str | None) -> None:
    assert shared_level(wanted, held) == (level, key)


def test_ipc_symbols_are_read_with_or_without_the_space() -> None:
    assert ipc_keys("h01m4/525") == ipc_keys("H01M 4/525") == {
        "class": "H01", "subclass": "H01M", "main_group": "H01M4", "subgroup": "H01M4/525"
    }  # fmt: skip


def _engine() -> Engine:
    engine = Engine(TOKENISER, Ranking.load())
    for number, text, ipc, industry, trl, province in (
        ("P1", "一种高镍三元正极材料，提高能量密度", "H01M 4/525", "38", 6, "430000"),
        ("P2", "一种高镍三元正极材料的包覆方法，提高能量密度", "H01M 4/36", "38", 3, "110000"),
        ("P3", "一种高镍三元正极材料，提高能量密度", "H01M 4/525", "38", None, "430000"),
        ("P4", "一种图像目标检测方法", "G06V 10/82", "65", 5, "430000"),
    ):
        engine.put_patent(PatentEntry(number, text, "", (ipc,), (industry,), trl, province))
    engine.commit()
    return engine


def test_every_reason_is_given() -> None:
    engine = _engine()
    demand = DemandEntry("d" * 32, "寻求三元正极材料技术，提高能量密度", ("H01M 4",), ("3841",), 5, ("430000",))
    found = {m.number: m for m in engine.rank(demand, 10)}
    assert "P4" not in found
    assert found["P1"].reasons.maturity == "fits"
    assert found["P1"].reasons.region == "preferred"
    assert found["P2"].reasons.maturity == "below"
    assert found["P2"].reasons.region == "elsewhere"
    assert found["P3"].reasons.maturity == "unknown"
    assert found["P1"].reasons.industry == "3841"
    assert found["P1"].reasons.ipc_level == "main_group"
    assert "三元正极材料" in found["P1"].reasons.terms
    assert "能量密度" in found["P1"].reasons.terms
    assert found["P1"].score > found["P3"].score > found["P2"].score  # maturity and region decide among equals
    anything = DemandEntry("e" * 32, "寻求三元正极材料技术", (), (), None, ())
    plain = {m.number: m for m in engine.rank(anything, 10)}
    assert plain["P1"].reasons.maturity == "any"
    assert plain["P1"].reasons.region == "any"
    assert plain["P1"].reasons.ipc_level is None
    assert plain["P1"].reasons.industry is None


def test_a_dropped_patent_never_appears_again_and_an_added_one_at_once() -> None:
    engine = _engine()
    demand = DemandEntry("d" * 32, "寻求三元正极材料技术", ("H01M",), (), None, ())
    assert "P1" in {m.number for m in engine.rank(demand)}
    engine.drop_patent("P1")
    engine.commit()
    assert "P1" not in {m.number for m in engine.rank(demand)}
    engine.put_patent(PatentEntry("P5", "一种三元正极材料的掺杂方法", "", ("H01M 4/525",), ("38",), 5, "110000"))
    engine.commit()
    assert "P5" in {m.number for m in engine.rank(demand)}


def test_a_pooled_patent_finds_the_open_demands_it_matches_and_not_the_others() -> None:
    engine = _engine()
    engine.put_demand(DemandEntry("a" * 32, "寻求三元正极材料技术，提高能量密度", ("H01M 4",), ("38",), 5, ()))
    engine.put_demand(DemandEntry("b" * 32, "寻求图像目标检测技术", ("G06V",), ("65",), None, ()))
    engine.commit()
    assert [m.demand_id for m in engine.demands_for("P1")] == ["a" * 32]
    assert [m.demand_id for m in engine.demands_for("P4")] == ["b" * 32]
    engine.drop_demand("a" * 32)
    engine.commit()
    assert engine.demands_for("P1") == []


def test_the_ranking_weights_must_sum_to_one(tmp_path: object) -> None:
    from pathlib import Path

    from patentflow.matching.engine import RANKING

    bad = Path(str(tmp_path)) / "ranking.toml"
    bad.write_text(RANKING.read_text(encoding="utf-8").replace("text = 0.45", "text = 0.55"), encoding="utf-8")
    with pytest.raises(ValueError, match="sum to"):
        Ranking.load(bad)


def test_a_pool_patent_s_industries_are_the_inventory_record_s_and_its_ipc_subclass_s() -> None:
    from patentflow.matching.pool import entry

    doc = {"_id": "N", "title": "t", "ipc_main": "G06F 16/36", "ipc_secondary": ["H01M 4/525"],
           "industry_codes": ["I6511"], "trl": 5, "province": "110000"}  # fmt: skip
    assert entry(doc, {"G06F": "65", "H01M": "38"}).industries == ("38", "65")
