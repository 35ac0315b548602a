"""Matching through the API: ranked matches of a need and of a result, feedback on a pair and
one's own notifications, with the pages' scoping and errors.

Bob researches at 吉林大学; Charlie runs 中国一汽 and publishes a need; Dan works at another
enterprise; Nina belongs nowhere."""

from decimal import Decimal

import pytest

from hebi.catalog.models import Achievement, Need
from hebi.core.models import Notification
from hebi.finance.models import FundProfile
from hebi.matching import services
from hebi.matching.models import Match
from tests.factories import OrganisationFactory
from tests.test_catalog import make_need, make_result
from tests.test_matching_web import make_dan, publish_examples

pytestmark = pytest.mark.django_db

FEEDBACK = "/api/v1/matches/feedback/"


@pytest.fixture
def dan(db):
    return make_dan()


@pytest.fixture
def published(bob, charlie, university, enterprise, django_capture_on_commit_callbacks):
    return publish_examples(bob, charlie, university, enterprise, django_capture_on_commit_callbacks)


def pair(published, **extra):
    result, _straw, need = published
    return {"direction": "need_result", "left": need.pk, "right": result.pk, **extra}


# -- ranked matches ----------------------------------------------------------------------------------
def test_a_need_lists_its_results_with_score_components_reasons_and_status(api, published, charlie):
    result, _straw, need = published
    response = api(charlie).get(f"/api/v1/needs/{need.pk}/matches/")
    assert response.status_code == 200
    data = response.json()
    assert data["need"] == need.pk and data["pending_vector"] is False
    top = data["results"][0]
    assert top["achievement"] == {
        "id": result.pk,
        "title": result.title,
        "trl": 7,
        "organisation": {"id": result.owner_id, "name": "吉林大学"},
    }
    assert 0 < top["score"] <= 1 and top["percent"] == round(top["score"] * 100)
    assert (
        set(top["components"]) == {"lexical", "semantic", "fit"} and top["components"]["semantic"] is not None
    )
    assert any(r.startswith("共同关键词") for r in top["reasons_for"])
    assert "成果未提及核心指标：工作噪声" in top["reasons_against"]
    assert (top["status"], top["status_label"]) == ("suggested", "系统推荐")


def test_a_result_lists_the_enterprises_to_push_to_and_its_funds(api, published, bob):
    result, _straw, need = published
    fund = FundProfile.objects.create(
        organisation=OrganisationFactory(name="长春汽车产业基金", kind="fund"),
        kind=FundProfile.Kind.INDUSTRY,
        stage_preferences=["成长期"],
        sector_preferences=["汽车"],
    )
    data = api(bob).get(f"/api/v1/achievements/{result.pk}/matches/").json()
    assert data["achievement"] == result.pk
    assert data["needs"][0]["need"]["id"] == need.pk
    assert data["needs"][0]["need"]["organisation"]["name"] == "中国第一汽车集团有限公司"
    assert data["funds"][0]["fund"] == {
        "id": fund.pk,
        "name": "长春汽车产业基金",
        "kind": "industry",
        "kind_label": "产业基金",
    }
    assert "fit" in data["funds"][0]["components"]


def test_the_stored_status_shows_after_feedback(api, published, charlie):
    result, _straw, need = published
    api(charlie).post(FEEDBACK, pair(published, status="contacted"), format="json")
    rows = api(charlie).get(f"/api/v1/needs/{need.pk}/matches/").json()["results"]
    assert next(r for r in rows if r["achievement"]["id"] == result.pk)["status"] == "contacted"


def test_matches_of_a_record_the_caller_cannot_see_are_404(
    api, published, bob, charlie, university, enterprise
):
    draft_need = make_need(charlie, enterprise, publish=False)
    draft_result = make_result(bob, university, publish=False)
    assert api(bob).get(f"/api/v1/needs/{draft_need.pk}/matches/").status_code == 404
    assert api(charlie).get(f"/api/v1/achievements/{draft_result.pk}/matches/").status_code == 404
    # The owners themselves see their drafts' matches (a preview).
    assert api(charlie).get(f"/api/v1/needs/{draft_need.pk}/matches/").status_code == 200


@pytest.mark.parametrize("pk", ["999999", "abc", "1.5", "9" * 30])
def test_unknown_or_malformed_ids_are_404(api, published, charlie, pk):
    assert api(charlie).get(f"/api/v1/needs/{pk}/matches/").status_code == 404
    assert api(charlie).get(f"/api/v1/achievements/{pk}/matches/").status_code == 404


def test_matches_need_authentication(api, published):
    result, _straw, need = published
    assert api().get(f"/api/v1/needs/{need.pk}/matches/").status_code == 401
    assert api().get(f"/api/v1/achievements/{result.pk}/matches/").status_code == 401
    assert api().post(FEEDBACK, pair(published, status="contacted"), format="json").status_code == 401


# -- feedback -----------------------------------------------------------------------------------------
def test_feedback_moves_the_need_and_returns_the_pair_with_its_history(api, published, charlie):
    result, _straw, need = published
    response = api(charlie).post(FEEDBACK, pair(published, status="negotiating"), format="json")
    assert response.status_code == 200
    data = response.json()
    assert (data["need"], data["achievement"], data["status"]) == (need.pk, result.pk, "negotiating")
    assert data["status_label"] == "洽谈中" and data["rank"] == 1
    assert data["reasons_for"] and data["history"][0]["to_status"] == "negotiating"
    assert data["history"][0]["actor"] == "查理"
    need.refresh_from_db()
    result.refresh_from_db()
    assert (need.status, result.status) == (Need.Status.NEGOTIATING, Achievement.Status.NEGOTIATING)


def test_a_decline_keeps_its_reason_and_note(api, published, bob):
    data = (
        api(bob)
        .post(
            FEEDBACK, pair(published, status="declined", reason="other", note="企业已有供应商"), format="json"
        )
        .json()
    )
    assert (data["status"], data["decline_reason"], data["decline_note"]) == (
        "declined",
        "other",
        "企业已有供应商",
    )
    assert data["history"][0]["reason"] == "其他；企业已有供应商"


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"status": "married"}, "status", "请选择已联系、洽谈中或婉拒。"),
        ({"status": "declined"}, "reason", "婉拒时请选择原因。"),
        ({"status": "declined", "reason": "other"}, "note", "选择“其他”时请简要说明原因。"),
        ({"status": "contacted", "reason": "price"}, "reason", "只有婉拒时才需要选择原因。"),
        ({"status": "contacted", "direction": "need_patent"}, "direction", "不是合法选项"),
        ({"status": "contacted", "left": "abc"}, "left", "请填写合法的整数值"),
        ({"status": "contacted", "right": ""}, "right", "请填写合法的整数值"),
        ({"status": "contacted", "left": "9" * 30}, "left", ""),
        ({}, "status", "该字段是必填项"),
    ],
)
def test_bad_feedback_is_400_in_chinese_and_writes_nothing(api, published, charlie, extra, field, message):
    response = api(charlie).post(FEEDBACK, pair(published, **extra), format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors and message in " ".join(errors[field])
    assert not Match.objects.exclude(status="suggested").exists()


def test_feedback_from_another_organisation_is_403(api, published, dan, nina):
    for outsider in (dan, nina):
        response = api(outsider).post(FEEDBACK, pair(published, status="contacted"), format="json")
        assert response.status_code == 403
        assert response.json()["detail"] == "只有匹配双方机构的成员可以反馈匹配结果。"
    assert not Match.objects.exclude(status="suggested").exists()


def test_feedback_on_a_pair_the_caller_cannot_see_or_that_does_not_exist_is_404(
    api, published, bob, charlie, enterprise
):
    draft_need = make_need(charlie, enterprise, publish=False)
    assert (
        api(bob)
        .post(FEEDBACK, pair(published, left=draft_need.pk, status="contacted"), format="json")
        .status_code
        == 404
    )
    for extra in (
        {"left": 999999},
        {"right": 999999},
        {"direction": "result_fund", "right": 999999},
        {"direction": "need_expert", "right": 999999},
    ):
        response = api(charlie).post(FEEDBACK, pair(published, status="contacted", **extra), format="json")
        assert response.status_code == 404


def test_a_fund_takes_feedback_through_the_api(api, published, bob):
    result = published[0]
    fund = FundProfile.objects.create(
        organisation=OrganisationFactory(name="天使基金", kind="fund"),
        kind=FundProfile.Kind.ANGEL,
        ticket_max_yuan=Decimal("100000"),
    )
    data = (
        api(bob)
        .post(
            FEEDBACK,
            {"direction": "result_fund", "left": result.pk, "right": fund.pk, "status": "contacted"},
            format="json",
        )
        .json()
    )
    assert (data["achievement"], data["fund"], data["status"]) == (result.pk, fund.pk, "contacted")


# -- notifications ------------------------------------------------------------------------------------
def test_notifications_are_the_callers_own_unread_first(api, bob, charlie):
    old, _new = (services.notify(recipients=[bob], key=k, title=k, body="", url="/")[0] for k in ("旧", "新"))
    services.notification_read(actor=bob, notification=old)
    services.notify(recipients=[charlie], key="c", title="查理的", body="", url="/")
    data = api(bob).get("/api/v1/notifications/").json()
    assert [n["title"] for n in data["results"]] == ["新", "旧"]
    assert [n["title"] for n in api(bob).get("/api/v1/notifications/?unread=1").json()["results"]] == ["新"]
    assert api().get("/api/v1/notifications/").status_code == 401


def test_a_notification_is_marked_read_by_its_recipient_only(api, bob, charlie):
    note = services.notify(recipients=[bob], key="k", title="t", body="", url="/")[0]
    assert api(charlie).post(f"/api/v1/notifications/{note.pk}/read/").status_code == 404
    assert api(bob).post("/api/v1/notifications/abc/read/").status_code == 404
    response = api(bob).post(f"/api/v1/notifications/{note.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    assert Notification.objects.get(pk=note.pk).read_at is not None


def test_the_matching_endpoints_are_in_the_openapi_schema(client, db):
    text = client.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/needs/{id}/matches/",
        "/api/v1/achievements/{id}/matches/",
        "/api/v1/matches/feedback/",
        "/api/v1/notifications/",
        "/api/v1/notifications/{id}/read/",
    ):
        assert path in text, path
    assert "reasons_against" in text
