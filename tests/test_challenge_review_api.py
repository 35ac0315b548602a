"""The review through the API: the expert pool and declared conflicts, reference data, panels,
scores, the ranking and the decision, with the same scoping and refusals as the pages.
Cast as in test_challenge_review, whose fixtures are imported (hence F811 below)."""

# ruff: noqa: F811

from decimal import Decimal

import pytest

from hebi.challenges.models import Application, Challenge, DeclaredConflict, ExpertProfile, Panel, Score
from tests.challenge_factories import make_challenge, make_expert, make_experts
from tests.factories import UserFactory
from tests.test_challenge_review import (  # noqa: F401  (fixtures)
    SPREAD,
    challenge,
    clean,
    cust,
    cust_app,
    dave,
    from_issuer,
    from_jlu,
    jlu_app,
    panel,
    score_everything,
    sheet,
)

pytestmark = pytest.mark.django_db


# -- reference data ---------------------------------------------------------------------------------
def test_rubrics_and_decision_categories_are_read_by_anyone_signed_in(api, nina):
    rubrics = api(nina).get("/api/v1/rubrics/")
    assert rubrics.status_code == 200
    challenge_rubric = next(r for r in rubrics.json() if r["code"] == "challenge-2024")
    assert challenge_rubric["min_panel_size"] == 5 and Decimal(challenge_rubric["max_total"]) == 100
    assert challenge_rubric["criteria"][0]["code"] == "approach"
    categories = api(nina).get("/api/v1/decision-categories/").json()
    assert {"awarded-top", "ranked-below"} <= {c["code"] for c in categories}
    assert api().get("/api/v1/rubrics/").status_code in (401, 403)
    assert api(nina).post("/api/v1/rubrics/", {}).status_code == 405


# -- experts ----------------------------------------------------------------------------------------
def test_the_secretariat_manages_the_pool(api, sam, university):
    UserFactory(username="prof_li", display_name="李教授")
    client = api(sam)
    created = client.post(
        "/api/v1/experts/",
        {"username": "prof_li", "organisation": university.pk, "fields": ["auto"], "specialties": "固态电池"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["name"] == "李教授" and body["fields"] == ["auto"] and body["organisation_name"] == "吉林大学"
    again = client.post("/api/v1/experts/", {"username": "prof_li"}, format="json")
    assert again.status_code == 400 and "该用户已在专家库中。" in again.json()["username"]
    assert client.post("/api/v1/experts/", {"username": "ghost"}, format="json").status_code == 400
    changed = client.patch(
        f"/api/v1/experts/{body['id']}/", {"is_active": False, "title": "教授"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    listed = client.get("/api/v1/experts/", {"active": "0"}).json()
    assert [e["id"] for e in listed["results"]] == [body["id"]]


def test_an_expert_reads_and_edits_their_own_profile_only(api, charlie):
    mine, theirs = make_expert("甲专家"), make_expert("乙专家")
    client = api(mine.user)
    assert client.get(f"/api/v1/experts/{mine.pk}/").status_code == 200
    assert client.get(f"/api/v1/experts/{theirs.pk}/").status_code == 404
    assert client.get("/api/v1/experts/").status_code == 403
    ok = client.patch(f"/api/v1/experts/{mine.pk}/", {"specialties": "电池管理"}, format="json")
    assert ok.status_code == 200 and ok.json()["specialties"] == "电池管理"
    assert client.patch(f"/api/v1/experts/{mine.pk}/", {"title": "院士"}, format="json").status_code == 403
    assert (
        client.patch(f"/api/v1/experts/{theirs.pk}/", {"specialties": "x"}, format="json").status_code == 404
    )
    assert api(charlie).post("/api/v1/experts/", {"username": "charlie"}, format="json").status_code == 403
    assert ExpertProfile.objects.get(pk=mine.pk).title == "研究员"


def test_an_expert_declares_and_removes_own_conflicts(api, nina, cust):
    mine, theirs = make_expert("甲专家"), make_expert("乙专家")
    client = api(mine.user)
    created = client.post(
        "/api/v1/expert-conflicts/", {"organisation": cust.pk, "reason": "合作项目"}, format="json"
    )
    assert created.status_code == 201 and created.json()["organisation_name"] == "长春理工大学"
    missing = client.post("/api/v1/expert-conflicts/", {"person": "赵敏", "reason": ""}, format="json")
    assert missing.status_code == 400
    nobody = client.post("/api/v1/expert-conflicts/", {"reason": "无对象"}, format="json")
    assert nobody.status_code == 400 and "请选择回避单位或填写回避人员。" in nobody.json()["organisation"]
    assert [c["id"] for c in client.get("/api/v1/expert-conflicts/").json()] == [created.json()["id"]]
    other = DeclaredConflict.objects.create(expert=theirs, person="钱七", reason="亲属")
    assert client.delete(f"/api/v1/expert-conflicts/{other.pk}/").status_code == 404
    assert client.delete(f"/api/v1/expert-conflicts/{created.json()['id']}/").status_code == 204
    assert list(DeclaredConflict.objects.all()) == [other]
    assert (
        api(nina).post("/api/v1/expert-conflicts/", {"person": "x", "reason": "y"}, format="json").status_code
        == 403
    )


# -- panels -----------------------------------------------------------------------------------------
def test_the_secretariat_forms_a_panel_and_only_it_sees_the_exclusions(
    api, sam, bob, challenge, jlu_app, cust_app, clean, from_issuer, from_jlu
):
    response = api(sam).post(
        "/api/v1/panels/",
        {
            "challenge": challenge.pk,
            "experts": [e.pk for e in [*clean, from_issuer, from_jlu]],
            "chair": clean[0].pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["members"]) == 5 and body["members"][0]["is_chair"]
    excluded = {x["name"]: x["reasons"] for x in body["exclusions"]}
    assert excluded["一汽专家"][0]["kind"] == "issuer"
    assert excluded["吉大专家"][0]["kind_label"] == "申报单位人员"
    assert excluded["吉大专家"][0]["application"] == jlu_app.pk

    seen_by_member = api(clean[1].user).get(f"/api/v1/panels/{body['id']}/")
    assert seen_by_member.status_code == 200
    assert len(seen_by_member.json()["members"]) == 5 and seen_by_member.json()["exclusions"] is None
    assert api(bob).get(f"/api/v1/panels/{body['id']}/").status_code == 404
    assert api(from_jlu.user).get(f"/api/v1/panels/{body['id']}/").status_code == 404


def test_a_panel_too_small_is_refused_with_the_numbers(
    api, sam, charlie, challenge, jlu_app, from_jlu, enterprise
):
    experts = [e.pk for e in [*make_experts(4), from_jlu]]
    response = api(sam).post(
        "/api/v1/panels/", {"challenge": challenge.pk, "experts": experts}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [
        "专家组至少需要 5 名无利益冲突的专家；所选 5 人中有 1 人需回避，还差 1 人。"
    ]
    assert (
        api(charlie)
        .post("/api/v1/panels/", {"challenge": challenge.pk, "experts": experts}, format="json")
        .status_code
        == 403
    )
    draft = make_challenge(enterprise, status="draft")
    nina_like = make_expert("外单位专家")
    refused = api(nina_like.user).post(
        "/api/v1/panels/", {"challenge": draft.pk, "experts": experts}, format="json"
    )
    assert refused.status_code == 404
    assert not Panel.objects.exists()


# -- scores -----------------------------------------------------------------------------------------
def test_an_expert_scores_through_the_api_once_and_reads_only_own_scores(api, sam, panel, clean, jlu_app):
    client = api(clean[0].user)
    payload = {"panel": panel.pk, "application": jlu_app.pk, "items": sheet(80), "comment": "路线可行"}
    created = client.post("/api/v1/scores/", payload, format="json")
    assert created.status_code == 201 and Decimal(created.json()["total"]) == 80
    again = client.post("/api/v1/scores/", payload, format="json")
    assert again.status_code == 400 and again.json()["non_field_errors"] == [
        "您已为该申报评过分，评分提交后不能修改。"
    ]
    api(clean[1].user).post("/api/v1/scores/", {**payload, "items": sheet(60)}, format="json")
    own = client.get("/api/v1/scores/").json()["results"]
    assert [Decimal(s["total"]) for s in own] == [80]
    assert len(api(sam).get("/api/v1/scores/", {"panel": panel.pk}).json()["results"]) == 2


def test_bad_score_sheets_are_refused_by_criterion(api, panel, clean, jlu_app):
    client = api(clean[0].user)
    base = {"panel": panel.pk, "application": jlu_app.pk}
    out_of_range = client.post(
        "/api/v1/scores/", {**base, "items": {**sheet(80), "approach": "31"}}, format="json"
    )
    assert out_of_range.status_code == 400
    assert out_of_range.json()["approach"] == ["“技术路线先进性与可行性”的分数应在 0 到 30 之间。"]
    unknown = client.post("/api/v1/scores/", {**base, "items": {**sheet(80), "novelty": "1"}}, format="json")
    assert "novelty" in unknown.json()["items"][0]
    missing = client.post("/api/v1/scores/", {**base, "items": {"approach": "20"}}, format="json")
    assert set(missing.json()) == {"indicators", "team", "plan", "industry"}
    assert not Score.objects.exists()


def test_outsiders_and_excluded_experts_may_not_score(api, bob, panel, from_jlu, jlu_app, cust_app):
    payload = {"panel": panel.pk, "application": jlu_app.pk, "items": sheet(80)}
    excluded = api(from_jlu.user).post("/api/v1/scores/", payload, format="json")
    assert excluded.status_code == 403 and "回避" in excluded.json()["detail"]
    assert api(bob).post("/api/v1/scores/", payload, format="json").status_code == 403
    outsider = make_expert("局外专家")
    assert api(outsider.user).post("/api/v1/scores/", payload, format="json").status_code == 404
    assert api(bob).post("/api/v1/scores/", {**payload, "panel": 999999}, format="json").status_code == 404
    assert not Score.objects.exists()


# -- ranking, closing and the decision --------------------------------------------------------------
def test_the_ranking_close_and_decision_through_the_api(
    api, sam, bob, charlie, challenge, panel, clean, jlu_app, cust_app
):
    score_everything(panel, clean, [jlu_app])
    early = api(sam).post(f"/api/v1/panels/{panel.pk}/close/")
    assert early.status_code == 400 and "硫化物电解质界面修饰" in early.json()["non_field_errors"][0]
    score_everything(panel, clean, [cust_app], totals=(80,) * 5)

    ranking = api(sam).get(f"/api/v1/challenges/{challenge.pk}/ranking/")
    assert ranking.status_code == 200
    rows = {r["application"]: r for r in ranking.json()["rows"]}
    assert Decimal(rows[jlu_app.pk]["score"]) == 70 and rows[jlu_app.pk]["rank"] == 2
    assert (Decimal(rows[jlu_app.pk]["dropped_high"]), Decimal(rows[jlu_app.pk]["dropped_low"])) == (90, 50)
    assert len(rows[jlu_app.pk]["totals"]) == 5 and rows[jlu_app.pk]["expected"] == 5
    for person in (bob, charlie, clean[0].user):
        assert api(person).get(f"/api/v1/challenges/{challenge.pk}/ranking/").status_code == 403

    decide_url = f"/api/v1/challenges/{challenge.pk}/decide/"
    before_close = api(sam).post(decide_url, {"decisions": []}, format="json")
    assert before_close.status_code == 400
    assert api(clean[0].user).post(f"/api/v1/panels/{panel.pk}/close/").status_code == 403
    assert api(sam).post(f"/api/v1/panels/{panel.pk}/close/").status_code == 200

    without_reasons = api(sam).post(
        decide_url,
        {
            "decisions": [
                {
                    "application": cust_app.pk,
                    "category": "awarded-top",
                    "comment": "综合排名第一，予以揭榜。",
                },
                {"application": jlu_app.pk, "category": "ranked-below", "comment": ""},
            ]
        },
        format="json",
    )
    assert without_reasons.status_code == 400
    assert without_reasons.json()["decisions"] == [
        "《原位聚合复合电解质》（吉林大学）：请为每一份申报选择决定类别并填写评审意见。"
    ]
    wrong_category = api(sam).post(
        decide_url,
        {"decisions": [{"application": jlu_app.pk, "category": "lucky", "comment": "x" * 12}]},
        format="json",
    )
    assert wrong_category.status_code == 400 and "lucky" in wrong_category.json()["decisions"][0]
    assert Application.objects.filter(status="submitted").count() == 2
    assert api(charlie).post(decide_url, {"decisions": []}, format="json").status_code == 403

    decided = api(sam).post(
        decide_url,
        {
            "decisions": [
                {
                    "application": cust_app.pk,
                    "category": "awarded-top",
                    "comment": "综合排名第一，予以揭榜。",
                },
                {
                    "application": jlu_app.pk,
                    "category": "ranked-below",
                    "comment": "综合排名第二，未进入立项范围。",
                },
            ]
        },
        format="json",
    )
    assert decided.status_code == 200, decided.json()
    assert [(a["id"], a["status"], a["rank"]) for a in decided.json()] == [
        (cust_app.pk, "awarded", 1),
        (jlu_app.pk, "not_awarded", 2),
    ]
    assert Challenge.objects.get(pk=challenge.pk).status == "decided"


def test_the_ranking_of_a_draft_answers_404_to_outsiders(api, bob, enterprise):
    draft = make_challenge(enterprise, status="draft")
    assert api(bob).get(f"/api/v1/challenges/{draft.pk}/ranking/").status_code == 404
    assert (
        api(bob).post(f"/api/v1/challenges/{draft.pk}/decide/", {"decisions": []}, format="json").status_code
        == 404
    )


def test_a_panel_member_lists_only_own_panels(api, sam, panel, clean, nina):
    assert [p["id"] for p in api(clean[0].user).get("/api/v1/panels/").json()["results"]] == [panel.pk]
    assert api(nina).get("/api/v1/panels/").json()["results"] == []


# -- adjusting the panel and bounded ids --------------------------------------------------------------
def test_the_secretariat_adds_and_removes_members_through_the_api(
    api, sam, bob, panel, clean, from_issuer, jlu_app, cust_app
):
    extra = make_expert("增补专家")
    add = f"/api/v1/panels/{panel.pk}/add-member/"
    remove = f"/api/v1/panels/{panel.pk}/remove-member/"
    added = api(sam).post(add, {"expert": extra.pk}, format="json")
    assert added.status_code == 200, added.json()
    assert extra.pk in [m["expert"] for m in added.json()["members"]]
    conflicted = api(sam).post(add, {"expert": from_issuer.pk}, format="json")
    assert conflicted.status_code == 400 and "利益冲突" in conflicted.json()["expert"][0]
    no_reason = api(sam).post(remove, {"expert": clean[0].pk}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    blank = api(sam).post(remove, {"expert": clean[0].pk, "reason": "   "}, format="json")
    assert blank.status_code == 400

    score_everything(panel, [*clean, extra], [jlu_app, cust_app], totals=(*SPREAD, 100))
    removed = api(sam).post(
        remove, {"expert": clean[0].pk, "reason": "评分期间与申报单位接触"}, format="json"
    )
    assert removed.status_code == 200 and clean[0].pk not in [m["expert"] for m in removed.json()["members"]]
    assert any(x["reasons"][0]["kind"] == "removed" for x in removed.json()["exclusions"])
    ranking = api(sam).get(f"/api/v1/challenges/{panel.challenge.pk}/ranking/").json()
    row = next(r for r in ranking["rows"] if r["application"] == jlu_app.pk)
    assert row["scored"] == 5 and row["needed"] == 5 and len(row["totals"]) == 5
    assert [(x["expert"], Decimal(x["total"])) for x in row["left_out"]] == [(clean[0].pk, 90)]
    assert row["left_out"][0]["reasons"][0]["detail"] == "评分期间与申报单位接触"
    assert Decimal(row["score"]) == Decimal("70.00")  # 80 70 60 50 100 without 100 and 50

    # A member sees the panel but may not change it; an outsider does not see it.
    assert (
        api(clean[1].user).post(add, {"expert": make_expert("某专家").pk}, format="json").status_code == 403
    )
    assert (
        api(bob).post(remove, {"expert": clean[1].pk, "reason": "无理由"}, format="json").status_code == 404
    )
    assert Score.objects.filter(expert=clean[0]).count() == 2


@pytest.mark.parametrize("huge", [10**18, 10**30])
def test_an_absurd_id_in_a_review_payload_is_a_400_not_a_server_error(
    api, sam, challenge, panel, clean, jlu_app, huge
):
    client = api(sam)
    decided = client.post(
        f"/api/v1/challenges/{challenge.pk}/decide/",
        {
            "decisions": [
                {"application": huge, "category": "awarded-top", "comment": "综合排名第一，予以揭榜。"}
            ]
        },
        format="json",
    )
    assert decided.status_code == 400 and "application" in decided.json()["decisions"]["0"]
    formed = client.post("/api/v1/panels/", {"challenge": huge, "experts": [clean[0].pk]}, format="json")
    assert formed.status_code == 400 and "challenge" in formed.json()
    listed = client.post("/api/v1/panels/", {"challenge": challenge.pk, "experts": [huge]}, format="json")
    assert listed.status_code == 400 and "experts" in listed.json()
    chair = client.post(
        "/api/v1/panels/", {"challenge": challenge.pk, "experts": [clean[0].pk], "chair": huge}, format="json"
    )
    assert chair.status_code == 400 and "chair" in chair.json()
    too_many = client.post(
        "/api/v1/panels/", {"challenge": challenge.pk, "experts": list(range(1, 200))}, format="json"
    )
    assert too_many.status_code == 400 and "experts" in too_many.json()
    for path, body in (
        (f"/api/v1/panels/{panel.pk}/add-member/", {"expert": huge}),
        (f"/api/v1/panels/{panel.pk}/remove-member/", {"expert": huge, "reason": "评分明显失当"}),
    ):
        response = client.post(path, body, format="json")
        assert response.status_code == 400 and "expert" in response.json()
    expert = api(clean[0].user)
    for body in ({"panel": huge, "application": jlu_app.pk}, {"panel": panel.pk, "application": huge}):
        scored = expert.post("/api/v1/scores/", {**body, "items": sheet(80)}, format="json")
        assert scored.status_code == 400
    assert not Score.objects.exists() and Panel.objects.count() == 1
