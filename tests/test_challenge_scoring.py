"""The pure parts of the review, without a database: checking one expert's score sheet against the
rubric, the panel's aggregate (highest and lowest dropped from five scores on), the ranking, the
majority verdict, and the conflict-of-interest reasons."""

from decimal import Decimal

import pytest

from hebi.challenges.conflicts import ApplicationFacts, ExpertFacts, Registry, conflict_reasons, kind_label
from hebi.challenges.scoring import Criterion, SheetError, aggregate, check_sheet, majority, rank

D = Decimal
CRITERIA = [
    Criterion("approach", "技术路线", D("30.0")),  # as stored: one decimal place
    Criterion("team", "团队能力", D("20")),
    Criterion("industry", "产业化前景", D("15")),
]


def full(**overrides):
    return {"approach": "25", "team": "18", "industry": "12.5"} | overrides


# -- score sheets -----------------------------------------------------------------------------------
def test_a_complete_sheet_gives_clean_items_and_the_total():
    clean, total = check_sheet(CRITERIA, full())
    assert clean == {"approach": "25", "team": "18", "industry": "12.5"}
    assert total == D("55.50")


def test_numbers_may_arrive_as_numbers_and_the_bounds_are_allowed():
    clean, total = check_sheet(CRITERIA, {"approach": 30, "team": 0, "industry": D("15.0")})
    assert total == D("45.00")
    assert clean["industry"] == "15"


@pytest.mark.parametrize("value", ["30.5", "-0.5", "100"])
def test_it_rejects_a_score_outside_the_criterion_range(value):
    with pytest.raises(SheetError) as caught:
        check_sheet(CRITERIA, full(approach=value))
    assert caught.value.errors == {"approach": "“技术路线”的分数应在 0 到 30 之间。"}


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", "1e400x"])
def test_it_rejects_what_is_not_a_finite_number(value):
    with pytest.raises(SheetError) as caught:
        check_sheet(CRITERIA, full(team=value))
    assert set(caught.value.errors) == {"team"}


def test_it_rejects_steps_finer_than_half_a_point():
    with pytest.raises(SheetError) as caught:
        check_sheet(CRITERIA, full(team="17.25"))
    assert caught.value.errors["team"] == "“团队能力”的分数以 0.5 分为单位。"


def test_it_names_every_missing_and_unknown_item_at_once():
    items = {"approach": "20", "team": " ", "budget": "10"}
    with pytest.raises(SheetError) as caught:
        check_sheet(CRITERIA, items)
    errors = caught.value.errors
    assert errors["team"] == "请为“团队能力”打分。"
    assert errors["industry"] == "请为“产业化前景”打分。"
    assert "budget" in errors["__all__"]
    assert "approach" not in errors


# -- aggregate and rank -----------------------------------------------------------------------------
def test_with_fewer_than_five_scores_nothing_is_dropped():
    result = aggregate([D("80"), D("70"), D("61")])
    assert result.score == D("70.33")
    assert (result.count, result.dropped_high, result.dropped_low, result.trimmed) == (3, None, None, False)


def test_from_five_scores_the_highest_and_the_lowest_are_dropped():
    result = aggregate([D("90"), D("50"), D("80"), D("70"), D("60")])
    assert result.score == D("70.00")
    assert (result.dropped_high, result.dropped_low, result.count) == (D("90"), D("50"), 5)
    assert result.trimmed


def test_only_one_of_equal_extremes_is_dropped_and_halves_round_up():
    result = aggregate([D("90"), D("90"), D("70.5"), D("70"), D("70")])
    # kept 90, 70.5, 70 → 76.8333…
    assert result.score == D("76.83")
    assert aggregate([D("70.005")]).score == D("70.01")


def test_nobody_scored_gives_no_aggregate():
    assert aggregate([]).score is None
    assert aggregate([]).count == 0


def test_rank_is_competition_ranking_and_leaves_the_unscored_out():
    ranks = rank({"a": D("80"), "b": D("91"), "c": D("80"), "d": D("70"), "e": None})
    assert ranks == {"b": 1, "a": 2, "c": 2, "d": 4, "e": None}


def test_majority_takes_the_commonest_verdict_and_a_tie_leans_to_the_stricter():
    assert majority(["pass", "pass", "fail"]) == "pass"
    assert majority(["pass", "fail"]) == "fail"
    assert majority(["pass", "extend"]) == "extend"
    assert majority([]) is None


# -- conflict reasons -------------------------------------------------------------------------------
ISSUER, JLU, CUST, LAB = 1, 2, 3, 4


def expert(**kwargs):
    values = {"expert_id": 10, "user_id": 100, "name": "王立新", "org_ids": frozenset({LAB})} | kwargs
    return ExpertFacts(**values)


def application(**kwargs):
    values = {
        "application_id": 7,
        "title": "固态电解质方案",
        "org_names": {JLU: "吉林大学", CUST: "长春理工大学"},
        "member_users": {200: "李晓东"},
        "member_names": frozenset({"李晓东", "赵敏"}),
    } | kwargs
    return ApplicationFacts(**values)


def test_an_unrelated_expert_has_no_reason():
    assert conflict_reasons(expert(), [application()], issuer_id=ISSUER) == []


def test_the_issuers_people_are_excluded_from_the_whole_review():
    reasons = conflict_reasons(
        expert(org_ids=frozenset({ISSUER})), [application()], issuer_id=ISSUER, issuer_name="中国一汽"
    )
    assert reasons == [{"kind": "issuer", "detail": "本人所在单位 中国一汽 为发榜单位", "application": None}]


def test_a_partners_people_are_excluded_too():
    reasons = conflict_reasons(expert(org_ids=frozenset({CUST})), [application()], issuer_id=ISSUER)
    assert [(r["kind"], r["application"]) for r in reasons] == [("same_org", 7)]
    assert "长春理工大学" in reasons[0]["detail"]


def test_shared_results_and_patents_are_found_through_the_registry():
    registry = Registry(
        coauthored={(100, 200): ["车用固态电池电解质"]},
        coinvented={("王立新", "赵敏"): ["201910012345.6", "202010012345.1", "202110012345.2", "1"]},
    )
    reasons = conflict_reasons(expert(), [application()], issuer_id=ISSUER, registry=registry)
    assert [r["kind"] for r in reasons] == ["coauthor", "coinventor"]
    assert "李晓东" in reasons[0]["detail"] and "《车用固态电池电解质》" in reasons[0]["detail"]
    assert "赵敏" in reasons[1]["detail"] and "等 4 项" in reasons[1]["detail"]


def test_sharing_a_name_with_oneself_is_not_a_co_inventor():
    registry = Registry(coinvented={("王立新", "王立新"): ["201910012345.6"]})
    app = application(member_names=frozenset({"王立新"}))
    assert conflict_reasons(expert(), [app], issuer_id=ISSUER, registry=registry) == []


def test_declared_organisations_and_people_count_with_their_reason():
    facts = expert(declared_orgs={JLU: "兼职教授"}, declared_people={"赵敏": "博士导师"})
    reasons = conflict_reasons(facts, [application()], issuer_id=ISSUER)
    assert [r["kind"] for r in reasons] == ["declared", "declared"]
    assert reasons[0]["detail"] == "本人申报回避 吉林大学：兼职教授"
    assert reasons[1]["detail"] == "本人申报回避 赵敏：博士导师"


def test_reasons_name_the_application_they_concern():
    other = application(
        application_id=8, org_names={LAB: "某实验室"}, member_users={}, member_names=frozenset()
    )
    reasons = conflict_reasons(expert(), [application(), other], issuer_id=ISSUER)
    assert [(r["kind"], r["application"]) for r in reasons] == [("same_org", 8)]


def test_every_kind_has_a_label():
    assert kind_label("coinventor") == "共同发明人"
    assert kind_label("issuer") == "发榜单位人员"
    assert kind_label("unknown") == "unknown"
