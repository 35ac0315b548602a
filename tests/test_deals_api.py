"""Engagements and transfer projects through the API, with the pages' scoping and errors."""

import datetime

import pytest
from django.utils import timezone

from hebi.deals.models import Engagement, TransferProject
from hebi.matching.models import Match
from tests.factories import OrganisationFactory
from tests.test_catalog import make_need, make_result
from tests.test_deals import move, record_visit, start_project
from tests.test_matching_web import make_dan

pytestmark = pytest.mark.django_db
Stage = TransferProject.Stage
ENGAGEMENTS = "/api/v1/engagements/"
PROJECTS = "/api/v1/projects/"


@pytest.fixture
def dan(db):
    return make_dan()


@pytest.fixture
def result(bob, university):
    return make_result(bob, university)


@pytest.fixture
def need(charlie, enterprise):
    return make_need(charlie, enterprise)


@pytest.fixture
def match(result, need):
    return Match.objects.create(direction="need_result", need=need, achievement=result, score=0.72)


@pytest.fixture
def pilot_base(db):
    return OrganisationFactory(name="长春中试基地", kind="pilot_base")


@pytest.fixture
def project(bob, university, enterprise):
    return start_project(bob, university, enterprise)


def today():
    return timezone.localdate().isoformat()


# -- engagements ------------------------------------------------------------------------------------
def test_an_engagement_is_recorded_and_read_back(api, tess, university, enterprise, need):
    response = api(tess).post(
        ENGAGEMENTS,
        {
            "recorder_org": university.pk,
            "kind": "visit",
            "held_on": today(),
            "organisations": [enterprise.pk],
            "needs": [need.pk],
            "summary": "走访一汽，了解冷启动需求。",
            "outcome": "interested",
            "next_step": "提交方案",
            "next_step_on": today(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["recorder_org"] == university.pk and data["organisations"] == [enterprise.pk]
    assert data["next_step_owner"] == tess.pk and data["follow_up_open"] is True
    assert data["kind_label"] == "上门走访（扫街）"


def test_a_bad_engagement_is_a_400_in_chinese_and_writes_nothing(api, tess, university, enterprise):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = api(tess).post(
        ENGAGEMENTS,
        {
            "recorder_org": university.pk,
            "kind": "visit",
            "held_on": tomorrow,
            "organisations": [enterprise.pk],
            "summary": "x",
            "outcome": "interested",
        },
        format="json",
    )
    assert response.status_code == 400 and "对接日期不能晚于今天" in response.json()["held_on"][0]
    assert not Engagement.objects.exists()


def test_recording_for_another_organisation_is_a_403(api, charlie, university, enterprise):
    response = api(charlie).post(
        ENGAGEMENTS,
        {
            "recorder_org": university.pk,
            "kind": "visit",
            "held_on": today(),
            "organisations": [enterprise.pk],
            "summary": "x",
            "outcome": "interested",
        },
        format="json",
    )
    assert response.status_code == 403


def test_an_absurd_organisation_id_is_a_400_not_a_crash(api, tess):
    response = api(tess).post(ENGAGEMENTS, {"recorder_org": 10**30, "organisations": [10**30]}, format="json")
    assert response.status_code == 400


def test_engagements_are_listed_for_the_people_involved_only(api, tess, charlie, dan, university, enterprise):
    engagement = record_visit(tess, university, [enterprise])
    assert [e["id"] for e in api(charlie).get(ENGAGEMENTS).json()["results"]] == [engagement.pk]
    assert api(dan).get(ENGAGEMENTS).json()["results"] == []
    assert api(dan).get(f"{ENGAGEMENTS}{engagement.pk}/").status_code == 404
    assert api(dan).get(f"{ENGAGEMENTS}99999999999999999999/").status_code == 404
    assert api(tess).get(f"{ENGAGEMENTS}?date_from=not-a-date").status_code == 400


def test_an_engagement_is_edited_by_its_recorders_and_its_follow_up_closed(
    api, tess, charlie, university, enterprise
):
    engagement = record_visit(
        tess, university, [enterprise], next_step="回访", next_step_on=timezone.localdate()
    )
    assert (
        api(charlie).patch(f"{ENGAGEMENTS}{engagement.pk}/", {"place": "x"}, format="json").status_code == 403
    )
    response = api(tess).patch(f"{ENGAGEMENTS}{engagement.pk}/", {"place": "一汽研发总院"}, format="json")
    assert response.status_code == 200 and response.json()["place"] == "一汽研发总院"
    response = api(tess).post(
        f"{ENGAGEMENTS}{engagement.pk}/follow-up-done/", {"note": "完成"}, format="json"
    )
    assert response.status_code == 200 and response.json()["follow_up_open"] is False
    again = api(tess).post(f"{ENGAGEMENTS}{engagement.pk}/follow-up-done/", {}, format="json")
    assert again.status_code == 400


# -- projects --------------------------------------------------------------------------------------------
def test_a_project_is_started_from_a_match(api, bob, match, university, enterprise, result, need):
    response = api(bob).post(
        PROJECTS,
        {"title": "冷启动中试", "owner": university.pk, "enterprise": enterprise.pk, "match": match.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["stage"] == "matched" and data["need"] == need.pk and data["achievements"] == [result.pk]
    assert data["periods"][0]["stage"] == "matched" and data["funding_total"] == "0.00"


def test_a_project_between_the_same_organisation_is_a_400(api, bob, university):
    response = api(bob).post(
        PROJECTS, {"title": "x", "owner": university.pk, "enterprise": university.pk}, format="json"
    )
    assert response.status_code == 400 and "enterprise" in response.json()


def test_a_project_moves_and_an_illegal_move_is_a_400(api, charlie, project, pilot_base):
    client = api(charlie)
    url = f"{PROJECTS}{project.pk}/transition/"
    assert client.post(url, {"to": "negotiating"}, format="json").json()["stage"] == "negotiating"
    response = client.post(url, {"to": "industrial"}, format="json")
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["不能从“洽谈”变更为“产业化”。"]
    client.post(url, {"to": "contracted"}, format="json")
    data = client.post(url, {"to": "pilot", "host": pilot_base.pk}, format="json").json()
    assert data["periods"][-1]["host"] == pilot_base.pk and data["periods"][-1]["host_name"] == "长春中试基地"
    history = client.get(f"{PROJECTS}{project.pk}/history/").json()
    assert [h["to_label"] for h in history] == ["中试", "签约", "洽谈"]


def test_stopping_through_the_api_needs_a_reason(api, bob, project):
    url = f"{PROJECTS}{project.pk}/transition/"
    assert "stop_reason" in api(bob).post(url, {"to": "stopped"}, format="json").json()
    data = api(bob).post(url, {"to": "stopped", "stop_reason": "market"}, format="json").json()
    assert data["stage"] == "stopped" and data["stop_reason_label"] == "市场需求变化"


def test_outsiders_get_404_and_overseers_403_on_a_project(api, dan, sam, project):
    assert api(dan).get(f"{PROJECTS}{project.pk}/").status_code == 404
    assert api(dan).post(f"{PROJECTS}{project.pk}/transition/", {"to": "negotiating"}).status_code == 404
    assert api(sam).get(f"{PROJECTS}{project.pk}/").status_code == 200
    assert api(sam).post(f"{PROJECTS}{project.pk}/transition/", {"to": "negotiating"}).status_code == 403
    assert api(sam).patch(f"{PROJECTS}{project.pk}/", {"title": "x"}, format="json").status_code == 403


def test_the_sides_of_a_project_do_not_change(api, bob, project, dan):
    other = dan.memberships.first().organisation
    response = api(bob).patch(f"{PROJECTS}{project.pk}/", {"enterprise": other.pk}, format="json")
    assert response.status_code == 400 and "enterprise" in response.json()
    response = api(bob).patch(f"{PROJECTS}{project.pk}/", {"title": "新名称"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "新名称"


def test_money_is_recorded_listed_and_removed(api, bob, charlie, dan, project):
    url = f"{PROJECTS}{project.pk}/fundings/"
    response = api(charlie).post(
        url, {"source": "enterprise", "amount": "1200000.00", "received_on": today()}, format="json"
    )
    assert response.status_code == 201, response.content
    funding = response.json()
    assert funding["stage"] == "matched" and funding["amount"] == "1200000.00"
    bad = api(charlie).post(
        url, {"source": "enterprise", "amount": "-1", "received_on": today()}, format="json"
    )
    assert bad.status_code == 400
    assert [f["id"] for f in api(bob).get(url).json()] == [funding["id"]]
    assert api(bob).get(f"{PROJECTS}{project.pk}/").json()["funding_total"] == "1200000.00"
    assert api(dan).delete(f"{url}{funding['id']}/").status_code == 404
    assert api(bob).delete(f"{url}{funding['id']}/").status_code == 204
    assert api(bob).delete(f"{url}{funding['id']}/").status_code == 404


def test_the_pipeline_counts_stages_and_days_for_the_viewer(api, bob, dan, project, university, enterprise):
    move(bob, project, Stage.NEGOTIATING)
    start_project(bob, university, enterprise, title="另一项目")
    data = api(bob).get(f"{PROJECTS}pipeline/").json()
    rows = {r["stage"]: r for r in data["stages"]}
    assert rows["matched"]["count"] == 1 and rows["negotiating"]["count"] == 1
    assert rows["matched"]["finished"] == 1 and rows["negotiating"]["ongoing"] == 1 and data["stopped"] == 0
    assert all(r["count"] == 0 for r in api(dan).get(f"{PROJECTS}pipeline/").json()["stages"])


def test_projects_are_listed_with_filters(api, bob, project, university, enterprise):
    move(
        bob,
        start_project(bob, university, enterprise, title="已终止项目"),
        Stage.STOPPED,
        stop_reason="terms",
    )
    titles = [p["title"] for p in api(bob).get(f"{PROJECTS}?open=1").json()["results"]]
    assert titles == ["固态电解质中试"]
    titles = [p["title"] for p in api(bob).get(f"{PROJECTS}?stage=stopped").json()["results"]]
    assert titles == ["已终止项目"]


def test_the_schema_documents_the_deals_api(client):
    text = client.get("/api/schema/").content.decode()
    assert "/api/v1/projects/{id}/transition/" in text and "/api/v1/engagements/{id}/follow-up-done/" in text
