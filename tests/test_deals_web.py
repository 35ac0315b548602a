"""The engagement and transfer-project pages: each for its owner, for another organisation and for
bad input. Cast as in test_deals: Tess and Bob at 吉林大学, Charlie at 中国一汽, Dan at another
enterprise, Sam in the secretariat."""

import datetime

import pytest
from django.utils import timezone

from hebi.deals import services
from hebi.deals.models import Engagement, Funding, TransferProject
from hebi.matching.models import Match
from tests.factories import OrganisationFactory
from tests.test_catalog import make_need, make_result
from tests.test_deals import move, record_visit, start_project
from tests.test_matching_web import make_dan

pytestmark = pytest.mark.django_db
Stage = TransferProject.Stage


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
def visit(tess, university, enterprise):
    return record_visit(
        tess, university, [enterprise], next_step="提交技术方案", next_step_on=timezone.localdate()
    )


@pytest.fixture
def project(bob, university, enterprise):
    return start_project(bob, university, enterprise)


def text(response):
    return response.content.decode()


# -- engagements ------------------------------------------------------------------------------------
def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in ("/deals/engagements/", "/deals/projects/", "/deals/projects/new/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_engagement_list_shows_the_viewers_records_and_her_follow_ups(login, tess, visit):
    page = text(login(tess).get("/deals/engagements/"))
    assert "走访一汽研发总院" in page and 'id="my-follow-ups"' in page and "提交技术方案" in page


def test_the_engagement_list_has_an_empty_state_and_hides_other_organisations_records(login, dan, visit):
    page = text(login(dan).get("/deals/engagements/"))
    assert "走访一汽研发总院" not in page and "还没有对接记录" in page


def test_the_engagement_list_filters_overdue_follow_ups(login, tess, university, enterprise):
    record_visit(
        tess,
        university,
        [enterprise],
        summary="逾期的那次",
        held_on=timezone.localdate() - datetime.timedelta(days=9),
        next_step="回访",
        next_step_on=timezone.localdate() - datetime.timedelta(days=2),
    )
    record_visit(tess, university, [enterprise], summary="没有下一步的那次")
    page = text(login(tess).get("/deals/engagements/?follow_up=overdue"))
    assert "逾期的那次" in page and "没有下一步的那次" not in page


def test_the_engagement_list_keeps_its_query_count_flat(
    login, tess, university, enterprise, django_assert_max_num_queries
):
    for n in range(12):
        record_visit(tess, university, [enterprise], summary=f"第 {n} 次走访")
    client = login(tess)
    with django_assert_max_num_queries(14):
        assert client.get("/deals/engagements/").status_code == 200


def test_a_technology_manager_records_an_engagement(login, tess, university, enterprise, need):
    response = login(tess).post(
        "/deals/engagements/new/",
        {
            "org": university.pk,
            "kind": "online",
            "held_on": timezone.localdate().isoformat(),
            "organisations": [enterprise.pk],
            "needs": [need.pk],
            "summary": "线上讨论冷启动指标。",
            "outcome": "follow_up",
            "next_step": "寄送样品",
            "next_step_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        },
    )
    engagement = Engagement.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/deals/engagements/{engagement.pk}/"
    assert engagement.recorder_org == university and engagement.next_step_owner == tess
    assert list(engagement.needs.all()) == [need]


def test_the_engagement_form_prefills_a_need_from_its_page(login, tess, need):
    page = text(login(tess).get(f"/deals/engagements/new/?need={need.pk}"))
    assert f'<option value="{need.pk}" selected>' in page


def test_a_bad_engagement_is_shown_back_with_its_error_and_not_saved(login, tess, university, enterprise):
    response = login(tess).post(
        "/deals/engagements/new/",
        {
            "org": university.pk,
            "kind": "visit",
            "held_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
            "organisations": [enterprise.pk],
            "summary": "未来的走访",
            "outcome": "information",
        },
    )
    assert response.status_code == 200 and "对接日期不能晚于今天" in text(response)
    assert not Engagement.objects.exists()


def test_one_cannot_record_for_another_organisation(login, charlie, university):
    assert login(charlie).get(f"/deals/engagements/new/?org={university.pk}").status_code == 403
    assert login(charlie).get("/deals/engagements/new/?org=999999").status_code == 404


def test_someone_with_no_organisation_cannot_record(login, nina):
    assert login(nina).get("/deals/engagements/new/").status_code == 403


def test_the_engagement_page_for_the_recorder_the_organisation_met_and_an_outsider(
    login, tess, charlie, dan, visit
):
    page = text(login(tess).get(f"/deals/engagements/{visit.pk}/"))
    assert "立项为转化项目" in page and "标记跟进完成" in page and 'id="history"' in page
    page = text(login(charlie).get(f"/deals/engagements/{visit.pk}/"))
    assert "走访一汽研发总院" in page and "立项为转化项目" not in page
    assert login(dan).get(f"/deals/engagements/{visit.pk}/").status_code == 404
    assert login(dan).get("/deals/engagements/9999999999999999999/").status_code == 404


def test_the_organisation_met_may_read_but_not_edit(login, charlie, visit):
    client = login(charlie)
    assert client.get(f"/deals/engagements/{visit.pk}/edit/").status_code == 403
    assert client.post(f"/deals/engagements/{visit.pk}/edit/", {"summary": "改"}).status_code == 403


def test_editing_an_engagement(login, tess, visit, enterprise):
    response = login(tess).post(
        f"/deals/engagements/{visit.pk}/edit/",
        {
            "kind": "visit",
            "held_on": visit.held_on.isoformat(),
            "organisations": [enterprise.pk],
            "summary": "走访一汽研发总院，确认了指标。",
            "outcome": "interested",
            "next_step": "提交技术方案",
            "next_step_on": visit.next_step_on.isoformat(),
            "next_step_owner": visit.next_step_owner_id,
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.summary == "走访一汽研发总院，确认了指标。"


def test_closing_a_follow_up_from_the_page(login, tess, dan, visit):
    assert login(dan).post(f"/deals/engagements/{visit.pk}/follow-up/").status_code == 404
    response = login(tess).post(f"/deals/engagements/{visit.pk}/follow-up/", {"note": "已提交"}, follow=True)
    assert "已标记跟进完成" in text(response)
    visit.refresh_from_db()
    assert visit.next_step_done_at is not None
    response = login(tess).post(f"/deals/engagements/{visit.pk}/follow-up/", follow=True)
    assert "没有待完成的跟进事项" in text(response)


def test_a_follow_up_cannot_be_closed_with_get(login, tess, visit):
    assert login(tess).get(f"/deals/engagements/{visit.pk}/follow-up/").status_code == 405


# -- projects --------------------------------------------------------------------------------------------
def test_the_project_list_counts_stages_and_has_an_empty_state(login, bob, charlie, dan, project):
    page = text(login(bob).get("/deals/projects/"))
    assert "固态电解质中试" in page and 'data-testid="stage-matched"' in page
    assert "还没有转化项目" in text(login(dan).get("/deals/projects/"))
    page = text(login(bob).get("/deals/projects/?stage=pilot"))
    assert "没有符合条件的转化项目" in page


def test_the_project_list_keeps_its_query_count_flat(
    login, bob, university, enterprise, django_assert_max_num_queries
):
    for n in range(12):
        start_project(bob, university, enterprise, title=f"项目 {n}")
    client = login(bob)
    with django_assert_max_num_queries(12):
        assert client.get("/deals/projects/").status_code == 200


def test_a_project_is_started_from_a_match(login, bob, match, university, enterprise, result, need):
    client = login(bob)
    page = text(client.get(f"/deals/projects/new/?match={match.pk}"))
    assert "来自匹配" in page and result.title in page
    response = client.post(
        "/deals/projects/new/",
        {
            "match": match.pk,
            "title": result.title,
            "owner": university.pk,
            "enterprise": enterprise.pk,
            "achievements": [result.pk],
            "need": need.pk,
        },
    )
    project = TransferProject.objects.get()
    assert response["Location"] == f"/deals/projects/{project.pk}/"
    assert project.match == match and project.need == need


def test_a_match_another_organisation_cannot_see_is_not_found(login, dan, charlie, enterprise, match):
    hidden = match.need
    hidden.status = "draft"
    hidden.save(update_fields=["status"])
    assert login(dan).get(f"/deals/projects/new/?match={match.pk}").status_code == 404


def test_a_project_is_started_from_an_engagement_by_its_recorder_only(
    login, tess, charlie, visit, university, enterprise
):
    assert login(charlie).get(f"/deals/projects/new/?engagement={visit.pk}").status_code == 403
    response = login(tess).post(
        "/deals/projects/new/",
        {
            "engagement": visit.pk,
            "title": "冷启动联合攻关",
            "owner": university.pk,
            "enterprise": enterprise.pk,
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.project is not None and visit.outcome == "project"


def test_a_bad_project_is_shown_back_and_not_saved(login, bob, university):
    response = login(bob).post(
        "/deals/projects/new/", {"title": "自己转给自己", "owner": university.pk, "enterprise": university.pk}
    )
    assert response.status_code == 200 and "errorlist" in text(response)
    assert not TransferProject.objects.exists()


def test_the_project_page_for_both_sides_the_committee_and_an_outsider(
    login, bob, charlie, sam, dan, project
):
    page = text(login(bob).get(f"/deals/projects/{project.pk}/"))
    assert "推进阶段" in page and 'data-testid="to-negotiating"' in page and "记录一笔资金投入" in page
    assert "推进阶段" in text(login(charlie).get(f"/deals/projects/{project.pk}/"))
    page = text(login(sam).get(f"/deals/projects/{project.pk}/"))
    assert "固态电解质中试" in page and "推进阶段" not in page
    assert login(dan).get(f"/deals/projects/{project.pk}/").status_code == 404


def test_moving_a_project_from_its_page(login, charlie, project, pilot_base):
    client = login(charlie)
    response = client.post(f"/deals/projects/{project.pk}/stage/", {"to": "negotiating"}, follow=True)
    assert "项目阶段已变更为：洽谈" in text(response)
    response = client.post(f"/deals/projects/{project.pk}/stage/", {"to": "industrial"}, follow=True)
    assert "不能从“洽谈”变更为“产业化”" in text(response)
    project.refresh_from_db()
    assert project.stage == Stage.NEGOTIATING


def test_stopping_from_the_page_without_a_reason_is_refused(login, bob, project):
    response = login(bob).post(f"/deals/projects/{project.pk}/stage/", {"to": "stopped"}, follow=True)
    assert "终止项目时请选择终止原因" in text(response)
    project.refresh_from_db()
    assert project.stage == Stage.MATCHED


def test_outsiders_and_overseers_cannot_move_a_project(login, dan, sam, project):
    assert login(dan).post(f"/deals/projects/{project.pk}/stage/", {"to": "negotiating"}).status_code == 404
    assert login(sam).post(f"/deals/projects/{project.pk}/stage/", {"to": "negotiating"}).status_code == 403


def test_setting_the_host_of_the_current_stage(login, bob, project, pilot_base):
    move(bob, project, Stage.NEGOTIATING, Stage.CONTRACTED, Stage.PILOT)
    response = login(bob).post(f"/deals/projects/{project.pk}/host/", {"host": pilot_base.pk}, follow=True)
    assert "已更新承载平台" in text(response) and "长春中试基地" in text(response)


def test_recording_money_from_the_page(login, charlie, project):
    client = login(charlie)
    today = timezone.localdate().isoformat()
    response = client.post(
        f"/deals/projects/{project.pk}/fundings/",
        {"source": "enterprise", "amount": "300000", "received_on": today},
        follow=True,
    )
    assert "已记录资金投入" in text(response) and "30 万元" in text(response)
    response = client.post(
        f"/deals/projects/{project.pk}/fundings/",
        {"source": "enterprise", "amount": "0", "received_on": today},
        follow=True,
    )
    assert "请填写大于 0 的金额" in text(response)
    assert Funding.objects.count() == 1


def test_removing_money_is_for_the_project_people_only(login, bob, dan, sam, project):
    funding = services.funding_add(
        actor=bob, project=project, source="fund", amount="50000", received_on=timezone.localdate()
    )
    assert login(dan).post(f"/deals/fundings/{funding.pk}/delete/").status_code == 404
    assert login(sam).post(f"/deals/fundings/{funding.pk}/delete/").status_code == 403
    assert login(bob).post(f"/deals/fundings/{funding.pk}/delete/").status_code == 302
    assert not Funding.objects.exists()


def test_editing_a_project(login, bob, charlie, project, result):
    response = login(bob).post(
        f"/deals/projects/{project.pk}/edit/",
        {"title": "固态电解质中试线", "achievements": [result.pk], "members": [bob.pk, charlie.pk]},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "固态电解质中试线" and set(project.members.all()) == {bob, charlie}


def test_an_outsider_cannot_open_the_project_edit_page(login, dan, sam, project):
    assert login(dan).get(f"/deals/projects/{project.pk}/edit/").status_code == 404
    assert login(sam).get(f"/deals/projects/{project.pk}/edit/").status_code == 403


def test_the_seller_can_file_the_projects_contract_from_its_page_and_the_enterprise_cannot(
    login, bob, charlie, project
):
    page = text(login(bob).get(f"/deals/projects/{project.pk}/"))
    assert f"/contracts/new/?project={project.pk}" in page
    page = text(login(charlie).get(f"/deals/projects/{project.pk}/"))
    assert 'data-testid="file-contract"' not in page
