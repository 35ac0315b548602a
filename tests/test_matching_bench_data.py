"""The graded needs behind bench/match_quality.py are well formed and point at real papers."""

import json
from pathlib import Path

import pytest
from django.conf import settings

NEEDS = Path(__file__).resolve().parents[1] / "bench" / "data" / "needs_graded.jsonl"


@pytest.fixture(scope="module")
def needs() -> list[dict]:
    return [json.loads(line) for line in NEEDS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def paper_ids() -> set[str]:
    papers = settings.HEBI_SHARED_DATA_DIR / "csl" / "papers.jsonl"
    if not papers.exists():
        pytest.skip(f"CSL papers not available at {papers}")
    return {
        json.loads(line)["id"] for line in papers.read_text(encoding="utf-8").splitlines() if line.strip()
    }


def test_there_are_at_least_thirty_needs_with_unique_ids(needs):
    assert len(needs) >= 30
    assert len({n["id"] for n in needs}) == len(needs)


def test_every_need_is_a_problem_statement_of_sixty_to_two_hundred_chinese_characters(needs):
    for need in needs:
        chinese = sum("\u4e00" <= c <= "\u9fff" for c in need["text"])
        assert 60 <= chinese <= 200, need["id"]


def test_every_grade_is_between_0_and_3(needs):
    for need in needs:
        assert need["judgments"], need["id"]
        assert all(isinstance(g, int) and 0 <= g <= 3 for g in need["judgments"].values()), need["id"]


def test_every_need_has_a_paper_graded_at_least_clearly_useful(needs):
    for need in needs:
        assert max(need["judgments"].values()) >= 2, need["id"]


def test_every_judged_paper_exists_in_the_corpus(needs, paper_ids):
    for need in needs:
        assert set(need["judgments"]) <= paper_ids, need["id"]
