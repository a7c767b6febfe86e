"""The repository explains itself: code cites only documents that are in it, and the sections it names exist."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"DOMAIN(-RULES)?\.md|DOMAIN-RULES|ARCHITECTURE\.md|STYLE\.md|\.\./shared|shared/seeds")
SECTION = re.compile(r"docs/domain\.md,? §(\d+)")


def _tracked() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / n for n in names.splitlines() if n.endswith((".py", ".md", ".toml", ".yml", ".yaml", ".json"))]


def test_no_file_cites_a_document_outside_the_repository() -> None:
    files = [p for p in _tracked() if p.is_file() and p != Path(__file__).resolve()]
    citing = [str(p.relative_to(ROOT)) for p in files if OUTSIDE.search(p.read_text("utf-8"))]
    assert citing == [], "cite docs/domain.md (in the repository) instead"


def test_every_cited_section_of_the_domain_page_exists() -> None:
    headings = set(re.findall(r"^## (\d+)\.", (ROOT / "docs" / "domain.md").read_text("utf-8"), re.MULTILINE))
    cited = {m for p in _tracked() if p.is_file() for m in SECTION.findall(p.read_text("utf-8"))}
    assert cited, "code names sections of docs/domain.md"
    assert cited <= headings, f"sections cited but missing: {sorted(cited - headings)}"
