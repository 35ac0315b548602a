"""The project board, the follow-up calendar, the work-team pages and the links into them.

Cast as in test_deals_web: Bob and Tess at 吉林大学 (Tess also sits in the 汽车产业专班), Charlie at
中国一汽, Dan at another enterprise with a deal of his own, Sam in the secretariat, Nina nowhere."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from hebi.deals import board, calendar, permissions, services
from hebi.deals.calendar import Month
from hebi.deals.models import TransferProject, WorkTeam, WorkTeamMember
from hebi.matching.models import Match
from hebi.orgs.models import Organisation
from tests.factories import OrganisationFactory
from tests.test_catalog import make_need, make_result
from tests.test_deals import move, record_visit, start_project
from tests.test_matching_web import make_dan

pytestmark = pytest.mark.django_db
Stage = TransferProject.Stage
D = datetime.date


def text(response):
    return response.content.decode()


@pytest.fixture
def dan(db):
    return make_dan()


@pytest.fixture
def dans_deal(dan):
    institute = OrganisationFactory(name="长春光机所", kind="institute")
    return start_project(dan, institute, Organisation.objects.get(name="长春客车厂"), title="客车轻量化车身")


@pytest.fixture
def team(bureau, tess):
    team = WorkTeam.objects.create(name="汽车产业专班", organisation=bureau, focus="汽车及零部件")
    WorkTeamMember.objects.create(team=team, user=tess, is_lead=True)
    return team


@pytest.fixture
def project(bob, university, enterprise):
    return start_project(bob, university, enterprise)


def age(project, days):
    """Pretend the project entered its stage `days` days ago."""
    TransferProject.objects.filter(pk=project.pk).update(
        stage_entered_at=timezone.now() - datetime.timedelta(days=days, hours=1)
    )


# -- months and grids (pure) ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2026-11", Month(2026, 11)), ("2026-1", Month(2026, 1)), (" 2030-12 ", Month(2030, 12))],
)
def test_a_month_is_read_from_year_dash_month(raw, expected):
    assert Month.parse(raw) == expected


@pytest.mark.parametrize(
    "raw", [None, "", "2026-13", "2026-0", "11-2026", "2026/11", "2026-11-01", "99999-01"]
)
def test_anything_else_is_not_a_month(raw):
    assert Month.parse(raw) is None


def test_months_shift_across_years_and_know_their_last_day():
    assert Month(2026, 12).shifted(1) == Month(2027, 1)
    assert Month(2026, 1).shifted(-1) == Month(2025, 12)
    assert Month(2026, 5).shifted(-17) == Month(2024, 12)
    assert Month(2028, 2).last == D(2028, 2, 29) and Month(2026, 2).last == D(2026, 2, 28)
    assert str(Month(2026, 3)) == "2026-03"


def test_the_grid_is_whole_weeks_from_monday_with_each_days_items():
    # November 2026 begins on a Sunday and ends on a Monday.
    items = [
        (D(2026, 11, 15), "回访"),
        (D(2026, 11, 15), "寄样"),
        (D(2026, 10, 26), "上月底"),
        (D(2027, 1, 1), "远"),
    ]
    weeks = calendar.month_grid(Month(2026, 11), items, today=D(2026, 11, 10))
    assert len(weeks) == 6 and all(len(week) == 7 for week in weeks)
    assert weeks[0][0].date == D(2026, 10, 26) and weeks[-1][-1].date == D(2026, 12, 6)
    days = {day.date: day for week in weeks for day in week}
    assert days[D(2026, 11, 15)].items == ["回访", "寄样"]
    assert days[D(2026, 10, 26)].items == ["上月底"] and not days[D(2026, 10, 26)].in_month
    assert sum(len(day.items) for day in days.values()) == 3  # the January item is off the grid
    assert days[D(2026, 11, 10)].is_today and days[D(2026, 11, 9)].is_past
    assert not days[D(2026, 11, 11)].is_past


def test_a_month_starting_on_monday_has_no_leading_days():
    weeks = calendar.month_grid(Month(2027, 2), [], today=D(2027, 2, 1))
    assert weeks[0][0].date == D(2027, 2, 1) and len(weeks) == 4


def test_the_last_twelve_months_end_with_this_one():
    months = calendar.last_months(D(2026, 3, 31), 12)
    assert months[0] == Month(2025, 4) and months[-1] == Month(2026, 3) and len(months) == 12


def test_monthly_counts_count_a_record_once_per_month():
    months = [Month(2026, 1), Month(2026, 2)]
    rows = calendar.counts_by_month(
        months,
        engagements=[D(2026, 1, 3), D(2026, 1, 20), D(2026, 2, 1), D(2025, 12, 31)],
        results=[(D(2026, 1, 3), 7), (D(2026, 1, 20), 7), (D(2026, 1, 20), 8), (D(2026, 2, 1), 7)],
        needs=[(D(2026, 2, 1), 3)],
        projects=[D(2026, 2, 14)],
    )
    assert [(r.engagements, r.results, r.needs, r.projects) for r in rows] == [(2, 2, 0, 0), (1, 1, 1, 1)]


def test_board_columns_keep_the_stage_order_and_the_median_days():
    columns = board.group_columns(
        [("matched", "对接"), ("negotiating", "洽谈")],
        [("negotiating", 4, "b"), ("matched", 10, "a"), ("matched", 20, "c"), ("unknown", 1, "x")],
    )
    assert [(c.stage, c.cards, c.median_days) for c in columns] == [
        ("matched", ["a", "c"], 15),
        ("negotiating", ["b"], 4),
    ]
    assert board.median([]) is None


def test_only_moves_without_a_written_reason_are_board_buttons():
    assert board.next_moves(Stage.NEGOTIATING, TransferProject.TRANSITIONS) == ([Stage.CONTRACTED], True)
    assert board.next_moves(Stage.INDUSTRIAL, TransferProject.TRANSITIONS) == ([], False)
    assert board.next_moves(Stage.STOPPED, TransferProject.TRANSITIONS) == ([], True)


# -- the board ----------------------------------------------------------------------------------------
def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in ("/deals/board/", "/deals/calendar/", "/deals/teams/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_member_sees_her_organisations_projects_only(login, bob, project, dans_deal):
    page = text(login(bob).get(reverse("deals:board")))
    assert "固态电解质中试" in page and "客车轻量化车身" not in page
    assert 'data-testid="count-matched">1<' in page
    assert f'href="/deals/projects/{project.pk}/"' in page


def test_the_board_has_a_column_per_stage_with_stopped_last(login, bob, project):
    page = text(login(bob).get("/deals/board/"))
    positions = [
        page.index(f'data-testid="column-{stage}"') for stage in [*TransferProject.PIPELINE, "stopped"]
    ]
    assert positions == sorted(positions)


def test_an_organisation_of_others_is_refused_and_a_bad_one_not_found(login, bob, dan, dans_deal):
    client = login(bob)
    dans_org = Organisation.objects.get(name="长春客车厂")
    assert client.get(f"/deals/board/?scope=org&org={dans_org.pk}").status_code == 403
    assert client.get("/deals/board/?scope=org&org=abc").status_code == 404
    assert client.get("/deals/board/?scope=org&org=999999999").status_code == 404
    assert client.get("/deals/board/?scope=sideways").status_code == 404


def test_the_city_board_is_for_the_committee_only(login, bob, sam, project, dans_deal):
    assert login(bob).get("/deals/board/?scope=city").status_code == 403
    page = text(login(sam).get("/deals/board/?scope=city"))
    assert "固态电解质中试" in page and "客车轻量化车身" in page
    # The committee reads the board but moves nothing.
    assert 'data-testid="move-' not in page


def test_a_team_board_is_for_its_members_and_the_committee(
    login, tess, charlie, sam, team, university, enterprise, project
):
    teamed = start_project(tess, university, enterprise, title="专班跟进的项目", team=team)
    page = text(login(tess).get(f"/deals/board/?scope=team&team={team.pk}"))
    assert "专班跟进的项目" in page and "固态电解质中试" not in page
    assert login(charlie).get(f"/deals/board/?scope=team&team={team.pk}").status_code == 403
    assert login(charlie).get("/deals/board/?scope=team&team=x1").status_code == 404
    assert str(teamed.pk) in text(login(sam).get(f"/deals/board/?scope=team&team={team.pk}"))


def test_someone_with_no_organisation_gets_an_empty_board(login, nina, project):
    response = login(nina).get("/deals/board/")
    assert response.status_code == 200 and "暂无可查看的项目看板" in text(response)


def test_a_card_shows_days_money_manager_and_flags_a_stalled_deal(login, bob, charlie, project):
    services.funding_add(
        actor=charlie,
        project=project,
        stage=Stage.MATCHED,
        source="enterprise",
        source_org=None,
        amount=Decimal("1500000"),
        received_on=timezone.localdate(),
        note="",
    )
    age(project, 120)
    page = text(login(bob).get("/deals/board/"))
    assert "本阶段 120 天" in page and "board-card stalled" in page and "150 万元" in page
    assert "中位 120 天" in page


def test_a_board_button_moves_the_project(login, bob, project):
    client = login(bob)
    page = text(client.get("/deals/board/"))
    assert f'data-testid="move-{project.pk}-negotiating"' in page
    assert f'action="/deals/projects/{project.pk}/stage/"' in page
    response = client.post(f"/deals/projects/{project.pk}/stage/", {"to": "negotiating"}, follow=True)
    assert "项目阶段已变更为：洽谈" in text(response)
    page = text(client.get("/deals/board/"))
    assert (
        'data-testid="count-negotiating">1<' in page and f'data-testid="move-{project.pk}-contracted"' in page
    )


def test_stopped_projects_sit_in_the_last_collapsed_column(login, bob, project):
    move(bob, project, Stage.STOPPED, stop_reason="funding")
    page = text(login(bob).get("/deals/board/"))
    stopped = page[page.index('data-testid="column-stopped"') :]
    assert "固态电解质中试" in stopped and "<details>" in stopped and "资金不到位" in stopped


def test_the_board_keeps_its_query_count_flat(
    login, bob, tess, team, university, enterprise, sam, django_assert_max_num_queries
):
    for n in range(12):
        start_project(tess, university, enterprise, title=f"项目 {n}", team=team if n % 2 else None)
    for user, url in ((bob, "/deals/board/"), (tess, f"/deals/board/?scope=team&team={team.pk}")):
        client = login(user)
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200
    client = login(sam)
    with django_assert_max_num_queries(12):
        assert client.get("/deals/board/?scope=city").status_code == 200


def test_the_batch_edit_check_agrees_with_the_project_permission(
    bob, charlie, tess, dan, sam, nina, pat, team, university, enterprise, project, dans_deal
):
    teamed = start_project(tess, university, enterprise, title="专班项目", team=team)
    projects = list(TransferProject.objects.all())
    for user in (bob, charlie, tess, dan, sam, nina, pat):
        expected = {p.pk for p in projects if permissions.can_edit_project(user, p)}
        assert board.editable_project_ids(user, projects) == expected
    assert teamed.pk in board.editable_project_ids(tess, projects)


# -- the follow-up calendar ----------------------------------------------------------------------------
def test_my_calendar_shows_my_open_follow_ups_in_grid_and_list(login, tess, bob, university, enterprise):
    today = timezone.localdate()
    mine = record_visit(tess, university, [enterprise], next_step="提交技术方案", next_step_on=today)
    record_visit(bob, university, [enterprise], next_step="鲍勃的事", next_step_on=today)
    page = text(login(tess).get("/deals/calendar/"))
    assert page.count("提交技术方案") >= 2 and "鲍勃的事" not in page
    assert f'data-date="{today:%Y-%m-%d}"' in page and 'data-testid="calendar-grid"' in page
    assert (
        f'action="/deals/engagements/{mine.pk}/follow-up/"' in page
        and f'data-testid="done-{mine.pk}"' in page
    )
    assert "中国一汽" in page


def test_a_closed_follow_up_leaves_the_calendar(login, tess, university, enterprise):
    visit = record_visit(
        tess, university, [enterprise], next_step="提交技术方案", next_step_on=timezone.localdate()
    )
    client = login(tess)
    client.post(f"/deals/engagements/{visit.pk}/follow-up/", {"note": "已提交"})
    assert "提交技术方案" not in text(client.get("/deals/calendar/"))


def test_overdue_follow_ups_are_red(login, tess, university, enterprise):
    today = timezone.localdate()
    record_visit(
        tess,
        university,
        [enterprise],
        held_on=today - datetime.timedelta(days=5),
        next_step="逾期回访",
        next_step_on=today - datetime.timedelta(days=1),
    )
    yesterday = today - datetime.timedelta(days=1)
    page = text(login(tess).get(f"/deals/calendar/?month={Month.of(yesterday)}"))
    assert "已逾期" in page and 'class="overdue"' in page


def test_follow_ups_overdue_from_earlier_months_are_counted_above_the_grid(
    login, tess, university, enterprise
):
    today = timezone.localdate()
    record_visit(
        tess,
        university,
        [enterprise],
        held_on=today - datetime.timedelta(days=80),
        next_step="很久以前的回访",
        next_step_on=today - datetime.timedelta(days=70),
    )
    page = text(login(tess).get("/deals/calendar/"))
    assert 'data-testid="overdue-before"' in page and "另有 1 项更早的跟进已逾期" in page


def test_another_month_is_chosen_with_prev_and_next_links(login, tess, university, enterprise):
    later = Month.of(timezone.localdate()).shifted(2)
    record_visit(
        tess, university, [enterprise], next_step="年底回访", next_step_on=D(later.year, later.month, 15)
    )
    client = login(tess)
    assert "年底回访" not in text(client.get("/deals/calendar/"))
    page = text(client.get(f"/deals/calendar/?month={later}"))
    assert "年底回访" in page and f"{later.year} 年 {later.month} 月" in page
    assert f"month={later.shifted(-1)}" in page and f"month={later.shifted(1)}" in page


def test_a_bad_month_says_so_and_shows_this_month(login, tess):
    today = timezone.localdate()
    response = login(tess).get("/deals/calendar/?month=2026-13")
    assert response.status_code == 200
    page = text(response)
    assert "月份应写作" in page and f"{today.year} 年 {today.month} 月" in page


def test_a_team_calendar_is_for_its_members_and_the_committee(
    login, tess, charlie, sam, team, university, enterprise
):
    record_visit(
        tess, university, [enterprise], team=team, next_step="专班回访", next_step_on=timezone.localdate()
    )
    assert "专班回访" in text(login(tess).get(f"/deals/calendar/?team={team.pk}"))
    assert "专班回访" in text(login(sam).get(f"/deals/calendar/?team={team.pk}"))
    assert login(charlie).get(f"/deals/calendar/?team={team.pk}").status_code == 403
    assert login(charlie).get("/deals/calendar/?team=999999").status_code == 404
    assert login(charlie).get("/deals/calendar/?team=abc").status_code == 404


def test_an_empty_calendar_says_what_fills_it(login, nina):
    response = login(nina).get("/deals/calendar/")
    assert response.status_code == 200 and 'data-testid="calendar-empty"' in text(response)


# -- work teams --------------------------------------------------------------------------------------------
@pytest.fixture
def team_work(tess, bob, charlie, team, university, enterprise):
    """This month: two team visits about two results (one of them twice) and one need, one project."""
    first = make_result(bob, university)
    second = make_result(bob, university, title="低温电池热管理")
    need = make_need(charlie, enterprise)
    record_visit(tess, university, [enterprise], team=team, achievements=[first, second], needs=[need])
    record_visit(tess, university, [enterprise], team=team, achievements=[first])
    record_visit(tess, university, [enterprise])  # not the team's
    start_project(tess, university, enterprise, title="专班立项", team=team)
    return team


def test_everyone_signed_in_sees_the_teams_and_their_totals(login, nina, tess, team_work):
    page = text(login(nina).get("/deals/teams/"))
    card = page[page.index(f'data-testid="team-{team_work.pk}"') :]
    assert "汽车产业专班" in card and "长春市科学技术局" in card and "苔丝（组长）" in card
    assert 'data-testid="engagements">2<' in card and 'data-testid="results">2<' in card
    assert 'data-testid="needs">1<' in card and 'data-testid="projects">1<' in card
    assert f"/deals/teams/{team_work.pk}/" not in page
    assert f"/deals/teams/{team_work.pk}/" in text(login(tess).get("/deals/teams/"))


def test_the_team_list_has_an_empty_state(login, nina):
    assert "还没有工作专班" in text(login(nina).get("/deals/teams/"))


def test_the_team_page_counts_each_month(login, tess, team_work):
    response = login(tess).get(f"/deals/teams/{team_work.pk}/")
    this_month = Month.of(timezone.localdate())
    rows = response.context["monthly"]
    assert len(rows) == 12 and rows[0].month == this_month
    assert (rows[0].engagements, rows[0].results, rows[0].needs, rows[0].projects) == (2, 2, 1, 1)
    assert all(r.engagements == 0 for r in rows[1:])
    page = text(response)
    assert f'data-testid="month-{this_month}"' in page and 'data-testid="total-engagements">2<' in page


def test_the_team_page_is_for_members_and_the_committee(login, sam, charlie, nina, team_work):
    assert login(sam).get(f"/deals/teams/{team_work.pk}/").status_code == 200
    assert login(charlie).get(f"/deals/teams/{team_work.pk}/").status_code == 403
    assert login(nina).get(f"/deals/teams/{team_work.pk}/").status_code == 403
    assert login(nina).get("/deals/teams/999999/").status_code == 404


# -- links in ------------------------------------------------------------------------------------------------
def test_a_stored_match_row_offers_to_start_a_project_to_its_sides_only(
    login, bob, charlie, dan, university, enterprise
):
    result = make_result(bob, university)
    need = make_need(charlie, enterprise)
    need_url = reverse("catalog:need-detail", args=[need.pk])
    client = login(charlie)
    assert 'data-testid="start-project"' not in text(client.get(need_url))  # only suggested so far
    client.post(
        reverse("matching:feedback"),
        {"direction": "need_result", "left": need.pk, "right": result.pk, "status": "contacted"},
    )
    match = Match.objects.get(need=need, achievement=result)
    link = f'href="/deals/projects/new/?match={match.pk}"'
    assert link in text(client.get(need_url))
    assert link in text(login(bob).get(reverse("catalog:achievement-detail", args=[result.pk])))
    assert 'data-testid="start-project"' not in text(login(dan).get(need_url))


def test_the_detail_pages_offer_to_record_an_engagement_to_organisation_members(
    login, bob, tess, charlie, nina, client, university, enterprise
):
    result = make_result(bob, university)
    need = make_need(charlie, enterprise)
    need_page = text(login(tess).get(reverse("catalog:need-detail", args=[need.pk])))
    assert f'href="/deals/engagements/new/?need={need.pk}"' in need_page
    result_page = text(login(charlie).get(reverse("catalog:achievement-detail", args=[result.pk])))
    assert f'href="/deals/engagements/new/?achievement={result.pk}"' in result_page
    assert 'data-testid="record-engagement"' not in text(
        login(nina).get(reverse("catalog:need-detail", args=[need.pk]))
    )
    client.logout()
    assert 'data-testid="record-engagement"' not in text(
        client.get(reverse("catalog:need-detail", args=[need.pk]))
    )


def test_the_calendar_and_team_pages_keep_their_query_counts_flat(
    login, tess, team_work, university, enterprise, django_assert_max_num_queries
):
    for n in range(12):
        record_visit(
            tess,
            university,
            [enterprise],
            team=team_work,
            next_step=f"回访 {n}",
            next_step_on=timezone.localdate(),
        )
    client = login(tess)
    for url, cap in (
        ("/deals/calendar/", 12),
        (f"/deals/calendar/?team={team_work.pk}", 12),
        ("/deals/teams/", 14),
        (f"/deals/teams/{team_work.pk}/", 20),
    ):
        with django_assert_max_num_queries(cap):
            assert client.get(url).status_code == 200


def test_a_match_that_became_a_project_links_to_it_instead_of_offering_another(
    login, bob, charlie, university, enterprise
):
    from hebi.deals import services as deal_services

    result = make_result(bob, university)
    need = make_need(charlie, enterprise)
    need_url = reverse("catalog:need-detail", args=[need.pk])
    client = login(charlie)
    client.post(
        reverse("matching:feedback"),
        {"direction": "need_result", "left": need.pk, "right": result.pk, "status": "contacted"},
    )
    match = Match.objects.get(need=need, achievement=result)
    project = deal_services.project_create(
        actor=charlie, owner=university, enterprise=enterprise, title="缓速器转化", match=match
    )
    page = text(client.get(need_url))
    assert 'data-testid="start-project"' not in page
    assert f'href="/deals/projects/{project.pk}/"' in page and "缓速器转化" in page
