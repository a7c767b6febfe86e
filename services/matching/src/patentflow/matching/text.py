"""Chinese text to index terms: rjieba (jieba in Rust) with the domain dictionary, so compound technical terms stay
whole (正极材料, not 正极 / 材料), and their parts are kept beside them (search mode), so a demand that says 材料
still meets a patent that says 正极材料. Stop words, punctuation and single characters carry no meaning here."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path

import rjieba

from patentflow.contracts.industries import INDUSTRY_TABLE

TERMS = Path(__file__).with_name("reference") / "terms.txt"
_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
STOP_WORDS = Path(__file__).with_name("reference") / "stopwords.txt"


class Tokeniser:
    """Text to terms with the domain dictionary loaded."""

    def __init__(
        self, terms: Path = TERMS, industry_table: Path = INDUSTRY_TABLE, stop_words: Path = STOP_WORDS
    ) -> None:
        self._jieba = rjieba.Jieba()
        self.stop_words = frozenset(w for line in _lines(stop_words) for w in line.split())
        self.words = frozenset(_dictionary(terms, industry_table))
        for word in self.words:
            self._jieba.add_word(word, 20000, None)  # above any general word it would otherwise be split into

    def terms(self, text: str) -> list[str]:
        """The index terms of a text, in order, repeated as often as they occur."""
        return [
            token.lower()
            for token in self._jieba.cut_for_search(text, True)
            if len(token) > 1 and _WORD.match(token) and token not in self.stop_words
        ]


def _lines(path: Path) -> Iterable[str]:
    """The lines of a reference file without comments and blanks."""
    for line in path.read_text(encoding="utf-8").splitlines():
        kept = line.split("#", 1)[0].strip()
        if kept:
            yield kept


def _dictionary(terms: Path, industry_table: Path) -> Iterable[str]:
    yield from _lines(terms)
    with industry_table.open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        for row in rows:
            for name in (row["sei_name"], row["gbt4754_name"]):
                yield from (part for part in re.split(r"[、和及与]", name.removesuffix("业")) if len(part) > 1)
