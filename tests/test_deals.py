"""Engagements and transfer projects through their services, and the stage-time arithmetic.

Tess is 吉林大学's technology manager and records visits; Bob researches there and owns the
result; Charlie runs 中国一汽 and owns the need; Dan runs another enterprise and sees none of
it; Sam (secretariat) oversees everything; Nina belongs nowhere."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from hebi.catalog.models import Achievement, Need
from hebi.core.models import AuditLog, Notification
from hebi.deals import selectors, services, timing
from hebi.deals.models import Engagement, StagePeriod, TransferProject, WorkTeam, WorkTeamMember
from hebi.matching.models import Match
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.test_catalog import make_need, make_result
from tests.test_matching_web import make_dan

pytestmark = pytest.mark.django_db
Stage = TransferProject.Stage
TODAY = datetime.date.today


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


def record_visit(actor, recorder_org, organisations, **extra):
    data = {
        "kind": "visit",
        "held_on": timezone.localdate(),
        "summary": "走访一汽研发总院，了解低温冷启动需求。",
        "outcome": "interested",
    } | extra
    return services.engagement_create(
        actor=actor, recorder_org=recorder_org, organisations=organisations, **data
    )


def start_project(actor, owner, enterprise, **extra):
    return services.project_create(
        actor=actor, owner=owner, enterprise=enterprise, title=extra.pop("title", "固态电解质中试"), **extra
    )


def move(actor, project, *stages, **extra):
    for stage in stages:
        project = services.project_transition(actor=actor, project=project, to=stage, **extra)
    return project


# -- engagements ------------------------------------------------------------------------------------
def test_a_technology_manager_records_a_visit_with_a_follow_up_she_owns(tess, university, enterprise, need):
    due = timezone.localdate() + datetime.timedelta(days=5)
    engagement = record_visit(
        tess,
        university,
        [enterprise],
        needs=[need],
        next_step="提交技术方案",
        next_step_on=due,
        people="王工",
    )
    assert engagement.recorded_by == tess and engagement.next_step_owner == tess
    assert list(engagement.organisations.all()) == [enterprise] and list(engagement.needs.all()) == [need]
    assert engagement.follow_up_open and not engagement.follow_up_overdue
    entry = AuditLog.objects.get(
        content_type__model="engagement", object_id=str(engagement.pk), action="create"
    )
    assert entry.organisation == university and "中国第一汽车集团有限公司" in entry.note
    assert list(selectors.follow_ups_due(viewer=tess)) == [engagement]


def test_the_follow_up_owner_hears_of_it_after_the_commit(
    alice, bob, university, enterprise, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        engagement = record_visit(
            alice,
            university,
            [enterprise],
            next_step="约见技术负责人",
            next_step_on=TODAY(),
            next_step_owner=bob,
        )
    note = Notification.objects.get(recipient=bob)
    assert "约见技术负责人" in note.title and note.url == f"/deals/engagements/{engagement.pk}/"
    assert not Notification.objects.filter(recipient=alice).exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"held_on": datetime.date.today() + datetime.timedelta(days=1)}, "held_on"),
        ({"summary": "   "}, "summary"),
        ({"next_step_on": datetime.date.today()}, "next_step"),
        (
            {"next_step": "回访", "next_step_on": datetime.date.today() - datetime.timedelta(days=1)},
            "next_step_on",
        ),
        ({"outcome": "project"}, "outcome"),
    ],
)
def test_it_refuses_a_bad_engagement_and_writes_nothing(tess, university, enterprise, extra, field):
    with pytest.raises(ValidationError) as error:
        record_visit(tess, university, [enterprise], **extra)
    assert field in error.value.message_dict
    assert (
        not Engagement.objects.exists()
        and not AuditLog.objects.filter(action="create")
        .exclude(content_type__model__in=["achievement", "need"])
        .exists()
    )


def test_it_refuses_an_engagement_with_no_organisation_met(tess, university):
    with pytest.raises(ValidationError) as error:
        record_visit(tess, university, [])
    assert error.value.message_dict["organisations"] == ["请至少选择一家对接单位。"]


def test_it_refuses_a_follow_up_owner_from_another_organisation(tess, charlie, university, enterprise):
    with pytest.raises(ValidationError) as error:
        record_visit(
            tess, university, [enterprise], next_step="回访", next_step_on=TODAY(), next_step_owner=charlie
        )
    assert "next_step_owner" in error.value.message_dict


def test_it_refuses_to_record_for_an_organisation_one_does_not_belong_to(charlie, university, enterprise):
    with pytest.raises(PermissionDenied):
        record_visit(charlie, university, [enterprise])


def test_it_refuses_to_link_another_organisations_draft_need(tess, charlie, university, enterprise):
    draft = make_need(charlie, enterprise, publish=False)
    with pytest.raises(ValidationError) as error:
        record_visit(tess, university, [enterprise], needs=[draft])
    assert str(draft.pk) in error.value.message_dict["needs"][0]


def test_a_work_team_member_records_for_her_team_but_not_for_another(tess, university, enterprise, bureau):
    team = WorkTeam.objects.create(name="汽车产业专班", organisation=bureau)
    WorkTeamMember.objects.create(team=team, user=tess)
    other = WorkTeam.objects.create(name="光电产业专班", organisation=bureau)
    engagement = record_visit(tess, university, [enterprise], team=team)
    assert engagement.team == team
    with pytest.raises(ValidationError) as error:
        record_visit(tess, university, [enterprise], team=other)
    assert "team" in error.value.message_dict


def test_closing_a_follow_up_and_reopening_it_with_a_new_next_step(tess, university, enterprise):
    engagement = record_visit(tess, university, [enterprise], next_step="回访", next_step_on=TODAY())
    services.engagement_follow_up_done(actor=tess, engagement=engagement, note="已回访")
    engagement.refresh_from_db()
    assert engagement.next_step_done_at is not None and not engagement.follow_up_open
    with pytest.raises(ValidationError):
        services.engagement_follow_up_done(actor=tess, engagement=engagement)
    later = TODAY() + datetime.timedelta(days=10)
    changes = services.engagement_update(
        actor=tess, engagement=engagement, next_step="签保密协议", next_step_on=later
    )
    engagement.refresh_from_db()
    assert set(changes) == {"next_step", "next_step_on"}
    assert engagement.follow_up_open and engagement.next_step_done_at is None


def test_only_the_recorders_edit_an_engagement_and_the_organisations_met_read_it(
    tess, alice, charlie, dan, sam, nina, university, enterprise
):
    engagement = record_visit(tess, university, [enterprise])
    services.engagement_update(actor=alice, engagement=engagement, place="一汽研发总院")
    with pytest.raises(PermissionDenied):
        services.engagement_update(actor=charlie, engagement=engagement, place="别处")
    for viewer, sees in ((charlie, True), (sam, True), (dan, False), (nina, False)):
        assert selectors.engagement_list(viewer=viewer).filter(pk=engagement.pk).exists() is sees


def test_engagement_edits_are_audited_with_the_organisations_met(tess, university, enterprise, bureau):
    engagement = record_visit(tess, university, [enterprise])
    changes = services.engagement_update(
        actor=tess, engagement=engagement, organisations=[enterprise, bureau]
    )
    assert changes["organisations"][1] == sorted([str(enterprise), str(bureau)])
    assert (
        AuditLog.objects.filter(
            content_type__model="engagement", object_id=str(engagement.pk), action="update"
        ).count()
        == 1
    )


# -- projects --------------------------------------------------------------------------------------------
def test_a_project_from_a_match_takes_its_need_and_result_and_opens_its_first_stage(
    bob, university, enterprise, match, result, need, charlie, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        project = start_project(bob, university, enterprise, match=match, members=[bob, charlie])
    assert (
        project.stage == Stage.MATCHED
        and project.need == need
        and list(project.achievements.all()) == [result]
    )
    period = StagePeriod.objects.get(project=project)
    assert period.stage == Stage.MATCHED and period.left_at is None
    assert Notification.objects.filter(recipient=charlie, key=f"project:new:{project.pk}").exists()
    with pytest.raises(ValidationError) as error:
        start_project(bob, university, enterprise, match=match)
    assert error.value.message_dict["match"] == ["该匹配已立项为转化项目。"]


def test_a_project_from_an_engagement_marks_the_engagement_as_taken_up(tess, university, enterprise):
    engagement = record_visit(tess, university, [enterprise])
    project = start_project(tess, university, enterprise, engagement=engagement)
    engagement.refresh_from_db()
    assert engagement.project == project and engagement.outcome == Engagement.Outcome.PROJECT
    assert list(project.members.all()) == [tess]


@pytest.mark.parametrize(
    ("sides", "field"),
    [(("university", "university"), "enterprise"), (("enterprise", "university"), "enterprise")],
)
def test_it_refuses_a_project_whose_sides_are_not_a_supplier_and_an_enterprise(
    request, alice, sides, field, enterprise
):
    owner, adopter = (request.getfixturevalue(name) for name in sides)
    with pytest.raises(ValidationError) as error:
        start_project(alice, owner, adopter)
    assert field in error.value.message_dict
    assert not TransferProject.objects.exists()


def test_it_refuses_another_owners_result_and_another_enterprises_need(
    bob, dan, university, enterprise, need
):
    foreign = make_result(dan, dan.memberships.first().organisation, title="别家成果")
    with pytest.raises(ValidationError) as error:
        start_project(bob, university, enterprise, achievements=[foreign])
    assert "achievements" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        start_project(bob, university, dan.memberships.first().organisation, need=need)
    assert "need" in error.value.message_dict


def test_only_the_two_sides_start_a_project(dan, nina, university, enterprise):
    for outsider in (dan, nina):
        with pytest.raises(PermissionDenied):
            start_project(outsider, university, enterprise)


def test_a_deal_moves_along_its_pipeline_and_each_stage_keeps_its_time_and_host(
    bob, charlie, university, enterprise, pilot_base
):
    project = start_project(bob, university, enterprise)
    project = move(charlie, project, Stage.NEGOTIATING, Stage.CONTRACTED)
    project = services.project_transition(actor=bob, project=project, to=Stage.PILOT, host=pilot_base)
    project = move(bob, project, Stage.INDUSTRIAL)
    assert project.stage == Stage.INDUSTRIAL and not project.is_open
    periods = list(project.periods.order_by("entered_at", "id"))
    assert [p.stage for p in periods] == ["matched", "negotiating", "contracted", "pilot", "industrial"]
    assert all(p.left_at is not None for p in periods[:-1]) and periods[-1].left_at is None
    assert periods[3].host == pilot_base
    steps = {s["stage"]: s for s in selectors.project_pipeline(project)}
    assert steps["concept"]["state"] == "skipped" and steps["pilot"]["host"] == pilot_base
    assert steps["industrial"]["state"] == "current"


def test_nothing_is_signed_without_negotiation(bob, university, enterprise):
    project = start_project(bob, university, enterprise)
    with pytest.raises(ValidationError) as error:
        move(bob, project, Stage.CONTRACTED)
    assert error.value.messages == ["不能从“对接”变更为“签约”。"]
    assert StagePeriod.objects.filter(project=project).count() == 1


def test_negotiation_shows_in_the_halls_for_the_movers_own_records(bob, university, enterprise, result, need):
    """Bob's university's result moves to 洽谈中; 中国一汽's need is theirs to move, not Bob's."""
    project = start_project(bob, university, enterprise, achievements=[result], need=need)
    move(bob, project, Stage.NEGOTIATING)
    result.refresh_from_db()
    need.refresh_from_db()
    assert result.status == Achievement.Status.NEGOTIATING
    assert need.status == Need.Status.PUBLISHED


def test_stopping_needs_a_reason_and_reopening_needs_an_explanation(bob, university, enterprise):
    project = start_project(bob, university, enterprise)
    with pytest.raises(ValidationError) as error:
        move(bob, project, Stage.STOPPED)
    assert "stop_reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        move(bob, project, Stage.STOPPED, stop_reason="other")
    assert "reason" in error.value.message_dict
    project = move(bob, project, Stage.STOPPED, stop_reason="funding", reason="企业预算冻结")
    assert (project.stop_reason, project.stop_note) == ("funding", "企业预算冻结")
    with pytest.raises(ValidationError):
        move(bob, project, Stage.MATCHED)
    project = move(bob, project, Stage.MATCHED, reason="企业追加预算")
    assert project.stage == Stage.MATCHED and project.stop_reason == "" and project.stop_note == ""


def test_a_host_must_be_a_platform_and_only_for_the_hosted_stages(bob, university, enterprise, pilot_base):
    project = move(bob, start_project(bob, university, enterprise), Stage.NEGOTIATING)
    with pytest.raises(ValidationError) as error:
        services.project_transition(actor=bob, project=project, to=Stage.CONTRACTED, host=pilot_base)
    assert "host" in error.value.message_dict
    project = move(bob, project, Stage.CONTRACTED)
    with pytest.raises(ValidationError) as error:
        services.project_transition(actor=bob, project=project, to=Stage.PILOT, host=enterprise)
    assert "host" in error.value.message_dict
    project = move(bob, project, Stage.PILOT)
    period = services.project_host_set(actor=bob, project=project, host=pilot_base)
    assert period.host == pilot_base and period.stage == Stage.PILOT
    assert AuditLog.objects.filter(
        content_type__model="transferproject", object_id=str(project.pk), changes__host__1="长春中试基地"
    ).exists()


def test_the_technology_manager_and_members_move_a_project_but_outsiders_do_not(
    bob, tess, dan, sam, nina, university, enterprise
):
    manager = UserFactory(username="mike", display_name="迈克")
    MembershipFactory(
        user=manager, organisation=OrganisationFactory(kind="intermediary"), role="tech_manager"
    )
    project = start_project(bob, university, enterprise, manager=manager)
    move(manager, project, Stage.NEGOTIATING)
    for outsider in (dan, sam, nina):
        with pytest.raises(PermissionDenied):
            move(outsider, project, Stage.MATCHED, reason="x")
    assert selectors.project_list(viewer=sam).filter(pk=project.pk).exists()
    assert not selectors.project_list(viewer=dan).filter(pk=project.pk).exists()


def test_the_manager_must_be_a_technology_manager(bob, charlie, university, enterprise):
    with pytest.raises(ValidationError) as error:
        start_project(bob, university, enterprise, manager=charlie)
    assert "manager" in error.value.message_dict


def test_project_edits_keep_results_to_the_owner_and_members_to_the_two_sides(
    bob, charlie, dan, university, enterprise, result
):
    project = start_project(bob, university, enterprise)
    changes = services.project_update(
        actor=bob, project=project, title="固态电解质中试线", achievements=[result], members=[bob, charlie]
    )
    assert set(changes) == {"title", "achievements", "members"}
    with pytest.raises(ValidationError) as error:
        services.project_update(actor=bob, project=project, members=[dan])
    assert "members" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.project_update(actor=bob, project=project, title="  ")


# -- money ---------------------------------------------------------------------------------------------------
def test_money_put_in_is_recorded_in_yuan_at_a_stage_and_summed(bob, charlie, university, enterprise, bureau):
    project = move(bob, start_project(bob, university, enterprise), Stage.NEGOTIATING, Stage.CONTRACTED)
    services.funding_add(
        actor=charlie, project=project, source="enterprise", amount="1,500,000", received_on=TODAY()
    )
    services.funding_add(
        actor=bob,
        project=project,
        source="subsidy",
        amount=Decimal("500000"),
        received_on=TODAY(),
        source_org=bureau,
        stage="negotiating",
    )
    summary = selectors.funding_summary(project)
    assert summary.total == Decimal("2000000")
    assert [(s, amount) for s, _label, amount in summary.by_stage] == [
        ("negotiating", Decimal("500000")),
        ("contracted", Decimal("1500000")),
    ]
    assert selectors.project_list(viewer=bob).get(pk=project.pk).funding_total == Decimal("2000000")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "很多"}, "amount"),
        ({"received_on": datetime.date.today() + datetime.timedelta(days=1)}, "received_on"),
        ({"stage": "pilot"}, "stage"),
        ({"source": "gift"}, "source"),
    ],
)
def test_it_refuses_bad_money_and_writes_nothing(bob, university, enterprise, extra, field):
    project = start_project(bob, university, enterprise)
    data = {"source": "enterprise", "amount": "100000", "received_on": datetime.date.today()} | extra
    with pytest.raises(ValidationError) as error:
        services.funding_add(actor=bob, project=project, **data)
    assert field in error.value.message_dict
    assert not project.fundings.exists()


def test_removing_a_mistaken_entry_keeps_it_in_the_audit_trail(bob, dan, university, enterprise):
    project = start_project(bob, university, enterprise)
    funding = services.funding_add(
        actor=bob, project=project, source="fund", amount="80000", received_on=TODAY()
    )
    with pytest.raises(PermissionDenied):
        services.funding_remove(actor=dan, funding=funding)
    services.funding_remove(actor=bob, funding=funding)
    assert not project.fundings.exists()
    entry = AuditLog.objects.filter(
        content_type__model="transferproject", object_id=str(project.pk), changes__has_key="fundings"
    ).latest("id")
    assert entry.changes["fundings"][1] is None and "80000 元" in entry.changes["fundings"][0]


# -- stage times -------------------------------------------------------------------------------------------
def _at(day):
    return datetime.datetime(2025, 1, day, tzinfo=datetime.UTC)


def test_stage_times_average_finished_stays_and_count_ongoing_ones_apart():
    periods = [
        timing.PeriodFacts(1, "matched", _at(1), _at(5)),
        timing.PeriodFacts(2, "matched", _at(1), _at(11)),
        timing.PeriodFacts(3, "matched", _at(1), _at(3)),
        timing.PeriodFacts(1, "negotiating", _at(5), None),
        timing.PeriodFacts(9, "stopped", _at(5), None),
    ]
    rows = {r.stage: r for r in timing.stage_times(periods, ["matched", "negotiating", "pilot"], _at(25))}
    assert list(rows) == ["matched", "negotiating", "pilot"]
    assert (rows["matched"].finished, rows["matched"].mean_days, rows["matched"].median_days) == (3, 5.3, 4.0)
    assert (rows["negotiating"].ongoing, rows["negotiating"].longest_ongoing_days) == (1, 20.0)
    assert rows["negotiating"].mean_days is None and rows["pilot"].finished == 0


def test_a_stage_visited_twice_adds_up():
    periods = [
        timing.PeriodFacts(1, "matched", _at(1), _at(3)),
        timing.PeriodFacts(1, "negotiating", _at(3), _at(4)),
        timing.PeriodFacts(1, "matched", _at(4), None),
    ]
    assert timing.days_per_stage(periods, _at(10)) == {"matched": 8.0, "negotiating": 1.0}


def test_stage_time_summary_covers_only_the_viewers_projects(bob, dan, university, enterprise):
    project = start_project(bob, university, enterprise)
    move(bob, project, Stage.NEGOTIATING)
    rows = {r.stage: r for r in selectors.stage_time_summary(viewer=bob)}
    assert rows["matched"].finished == 1 and rows["negotiating"].ongoing == 1
    assert all(r.finished == 0 and r.ongoing == 0 for r in selectors.stage_time_summary(viewer=dan))
