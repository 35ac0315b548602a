"""The review of a challenge (揭榜评审), through its services and pages: the expert pool, the panel
with conflicts excluded, independent scoring on a phone page, the ranking, closing and the decision
with reasons.

Charlie's 中国一汽 posted the challenge. 吉林大学 (Alice, Bob) and 长春理工大学 (Dave) applied.
Sam sits in the committee secretariat. Five experts have no conflict; one works at 中国一汽 and
one at 吉林大学, so both are left out of the panel. Nina belongs nowhere.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from hebi.challenges import panels, review, review_selectors
from hebi.challenges.models import (
    Application,
    Challenge,
    DecisionCategory,
    DeclaredConflict,
    ExpertProfile,
    Panel,
    Score,
)
from hebi.core.models import AuditLog, Notification
from hebi.core.roles import Role
from tests.challenge_factories import declare, make_application, make_challenge, make_expert, make_experts
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

# Five sheets of the challenge rubric (30/20/20/15/15) whose totals are 90, 80, 70, 60 and 50.
SPREAD = (90, 80, 70, 60, 50)


def sheet(total):
    share = {"approach": "0.3", "indicators": "0.2", "team": "0.2", "plan": "0.15", "industry": "0.15"}
    return {code: f"{Decimal(total) * Decimal(part):g}" for code, part in share.items()}


def text(response):
    return response.content.decode()


@pytest.fixture
def cust(db):
    return OrganisationFactory(name="长春理工大学", short_name="长理工", kind="university")


@pytest.fixture
def dave(cust):
    user = UserFactory(username="dave", display_name="戴夫")
    MembershipFactory(user=user, organisation=cust, role=Role.ORG_ADMIN)
    return user


@pytest.fixture
def challenge(enterprise):
    return make_challenge(enterprise, status="reviewing")


@pytest.fixture
def jlu_app(challenge, university, bob):
    return make_application(
        challenge,
        university,
        members=(("鲍勃", university, bob),),
        created_by=bob,
        title="原位聚合复合电解质",
    )


@pytest.fixture
def cust_app(challenge, cust, dave):
    return make_application(challenge, cust, created_by=dave, title="硫化物电解质界面修饰")


@pytest.fixture
def clean():
    return make_experts(5)


@pytest.fixture
def from_issuer(enterprise):
    return make_expert("一汽专家", organisation=enterprise)


@pytest.fixture
def from_jlu(university):
    return make_expert("吉大专家", organisation=university)


@pytest.fixture
def panel(sam, challenge, jlu_app, cust_app, clean, from_issuer, from_jlu):
    return panels.form_panel(actor=sam, challenge=challenge, experts=[*clean, from_issuer, from_jlu])


def score_everything(panel, experts, apps, totals=SPREAD):
    for expert, total in zip(experts, totals, strict=True):
        for app in apps:
            review.score_submit(
                actor=expert.user, panel=panel, application=app, items=sheet(total), comment=""
            )


def category(code):
    return DecisionCategory.objects.get(code=code)


def render_tag(tag, user, **context):
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load challenge_review %}" + tag).render(Context({"request": request, **context}))


# -- the whole path ---------------------------------------------------------------------------------
def test_the_review_runs_from_the_panel_to_the_decision(
    login,
    sam,
    bob,
    dave,
    charlie,
    challenge,
    jlu_app,
    cust_app,
    clean,
    from_issuer,
    from_jlu,
    django_capture_on_commit_callbacks,
):
    proposed = [*clean, from_issuer, from_jlu]
    client = login(sam)
    url = reverse("challenges:panel", args=[challenge.pk])
    page = client.get(url)
    assert page.status_code == 200 and text(page).count('name="experts"') == 7

    # The secretariat previews the conflicts: both experts are flagged with the reason and the application.
    preview = text(client.post(url, {"experts": [e.pk for e in proposed], "action": "preview", "field": ""}))
    assert "发榜单位人员" in preview and "本人所在单位 中国第一汽车集团有限公司 为发榜单位" in preview
    assert "申报单位人员" in preview and "涉及申报：原位聚合复合电解质" in preview
    assert not Panel.objects.exists()

    response = client.post(
        url, {"experts": [e.pk for e in proposed], "chair": clean[0].pk, "action": "form", "field": ""}
    )
    assert response.status_code == 302
    panel = Panel.objects.get(challenge=challenge)
    assert set(panel.experts.all()) == set(clean)
    formed = text(client.get(url))
    assert "吉大专家" in formed and "本人所在单位 吉林大学 为申报单位" in formed
    assert "已评 0 / 2 份" in formed

    # Five experts score alone on the phone page; each sees only their own sheet.
    totals = dict(zip(clean, SPREAD, strict=True))
    for expert, total in totals.items():
        client = login(expert.user)
        listing = text(client.get(reverse("challenges:score-list")))
        assert listing.count("待评分") == 2
        for app, app_total in ((jlu_app, total), (cust_app, 80)):
            score_url = reverse("challenges:score", args=[panel.pk, app.pk])
            response = client.post(score_url, {**sheet(app_total), "comment": f"{expert.user}的意见"})
            assert response.status_code == 302
        own = text(client.get(reverse("challenges:score", args=[panel.pk, jlu_app.pk])))
        assert "我的评分" in own and f"{expert.user}的意见" in own and 'name="approach"' not in own
        assert not any(f"{other.user}的意见" in own for other in clean if other != expert)
        assert text(client.get(reverse("challenges:score-list"))).count("已评分") == 2

    # The ranking drops the highest and the lowest of five.
    client = login(sam)
    ranking = client.get(reverse("challenges:ranking", args=[challenge.pk]))
    board = {row.application: row for row in ranking.context["board"].rows}
    assert board[jlu_app].aggregate.score == Decimal("70.00")
    assert (board[jlu_app].aggregate.dropped_high, board[jlu_app].aggregate.dropped_low) == (90, 50)
    assert (board[cust_app].rank, board[jlu_app].rank) == (1, 2)
    assert "90 / 50" in text(ranking) and "5 / 5" in text(ranking)
    assert "已评 2 / 2 份" in text(client.get(url))

    assert client.post(reverse("challenges:panel-close", args=[challenge.pk])).status_code == 302
    jlu_app.refresh_from_db()
    cust_app.refresh_from_db()
    assert (jlu_app.score, jlu_app.rank, cust_app.score, cust_app.rank) == (
        Decimal("70"),
        2,
        Decimal("80"),
        1,
    )

    decide_url = reverse("challenges:decide", args=[challenge.pk])
    form = text(client.get(decide_url))
    assert form.index("硫化物电解质界面修饰") < form.index("原位聚合复合电解质")  # ordered by rank
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            decide_url,
            {
                f"category_{cust_app.pk}": "awarded-top",
                f"comment_{cust_app.pk}": "综合得分第一，技术路线清晰可行。",
                f"category_{jlu_app.pk}": "ranked-below",
                f"comment_{jlu_app.pk}": "综合排名第二，低温界面方案尚需验证。",
            },
        )
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert challenge.status == Challenge.Status.DECIDED
    jlu_app.refresh_from_db()
    assert jlu_app.status == "not_awarded" and jlu_app.decision_category.code == "ranked-below"
    assert jlu_app.decided_by == sam and jlu_app.decided_at is not None
    cust_app.refresh_from_db()
    assert cust_app.status == "awarded"

    # Every applicant is told, with a link to its own application.
    told = Notification.objects.get(recipient=bob)
    assert "未入选" in told.title and told.url == reverse("challenges:application-detail", args=[jlu_app.pk])
    assert Notification.objects.filter(recipient=dave, title__contains="揭榜成功").exists()

    # Each applicant sees its own decision with the reasons, score and rank, and not the other's.
    mine = render_tag("{% decision_box application %}", bob, application=jlu_app)
    assert "低温界面方案尚需验证" in mine and "第 2 名 / 共 2 份" in mine and "70.00" in mine
    assert render_tag("{% decision_box application %}", bob, application=cust_app) == ""
    theirs = render_tag("{% decision_box application %}", dave, application=cust_app)
    assert "揭榜成功" in theirs and "第 1 名 / 共 2 份" in theirs
    # Nobody but the secretariat sees individual scores.
    for person in (bob, charlie):
        assert login(person).get(reverse("challenges:ranking", args=[challenge.pk])).status_code == 403
    everyone = render_tag("{% review_box challenge %}", charlie, challenge=challenge)
    assert "硫化物电解质界面修饰" in everyone and "原位聚合复合电解质" not in everyone
    assert "90" not in everyone


# -- the expert pool --------------------------------------------------------------------------------
def test_the_secretariat_lists_and_filters_the_pool_and_others_may_not(login, sam, charlie, bob):
    auto = make_expert("汽车专家", specialties="动力电池热管理")
    auto.fields.set(["auto"])
    make_expert("生物专家", specialties="疫苗")
    retired = make_expert("退休专家", is_active=False)
    client = login(sam)
    url = reverse("challenges:experts")
    page = text(client.get(url))
    assert "汽车专家" in page and "生物专家" in page and "退休专家" in page
    assert text(client.get(url, {"q": "热管理"})).count('data-testid="expert-row"') == 1
    by_field = text(client.get(url, {"field": "auto"}))
    assert "汽车专家" in by_field and "生物专家" not in by_field
    assert "退休专家" not in text(client.get(url, {"active": "1"}))
    assert "没有符合条件的专家" in text(client.get(url, {"q": "无此人"}))
    for person in (charlie, bob):
        client = login(person)
        assert client.get(url).status_code == 403
        assert client.get(reverse("challenges:expert-detail", args=[retired.pk])).status_code == 403
        assert client.get(reverse("challenges:expert-create")).status_code == 403


def test_the_secretariat_adds_an_existing_account_to_the_pool(login, sam, university):
    UserFactory(username="prof_li", display_name="李教授")
    client = login(sam)
    url = reverse("challenges:expert-create")
    response = client.post(
        url,
        {
            "username": "prof_li",
            "organisation": university.pk,
            "title": "教授",
            "expert_fields": ["auto"],
            "specialties": "固态电池",
            "is_enterprise_expert": "",
        },
    )
    expert = ExpertProfile.objects.get(user__username="prof_li")
    assert response.status_code == 302 and response["Location"] == reverse(
        "challenges:expert-detail", args=[expert.pk]
    )
    assert expert.organisation == university and list(expert.fields.values_list("pk", flat=True)) == ["auto"]
    assert "固态电池" in text(client.get(response["Location"]))
    # An unknown name and a second profile are refused on the form.
    assert "没有找到该用户名的有效账号" in text(client.post(url, {"username": "nobody"}))
    assert "该用户已在专家库中" in text(client.post(url, {"username": "prof_li"}))
    assert ExpertProfile.objects.count() == 1


def test_the_secretariat_edits_and_takes_an_expert_out_of_the_pool(login, sam, enterprise):
    expert = make_expert("汽车专家")
    client = login(sam)
    url = reverse("challenges:expert-edit", args=[expert.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"organisation": enterprise.pk, "title": "总工程师", "is_enterprise_expert": "on"})
    expert.refresh_from_db()
    assert (expert.organisation, expert.title, expert.is_enterprise_expert, expert.is_active) == (
        enterprise,
        "总工程师",
        True,
        False,
    )
    client.post(url, {"title": "总工程师", "is_active": "on"})
    expert.refresh_from_db()
    assert expert.is_active and expert.organisation is None


def test_the_expert_detail_shows_fields_conflicts_and_panels(login, sam, panel, clean, university):
    declare(clean[0], organisation=university, reason="曾任客座教授")
    page = text(login(sam).get(reverse("challenges:expert-detail", args=[clean[0].pk])))
    assert "曾任客座教授" in page and panel.challenge.title in page


def test_an_expert_edits_their_own_page_and_declares_conflicts(login, cust):
    expert = make_expert("汽车专家")
    client = login(expert.user)
    url = reverse("challenges:expert-me")
    client.post(url, {"action": "profile", "expert_fields": ["auto"], "specialties": "电池管理"})
    expert.refresh_from_db()
    assert expert.specialties == "电池管理" and expert.fields.filter(pk="auto").exists()

    client.post(url, {"action": "declare", "organisation": cust.pk, "reason": "近三年合作项目"})
    client.post(url, {"action": "declare", "person": "赵敏", "reason": "博士导师"})
    assert sorted(str(c) for c in expert.conflicts.all()) == sorted(
        [f"{expert}: 长春理工大学", f"{expert}: 赵敏"]
    )
    # A reason is required, and a conflict names someone.
    page = text(client.post(url, {"action": "declare", "person": "钱七", "reason": ""}))
    assert "该字段是必填项" in page
    page = text(client.post(url, {"action": "declare", "reason": "无对象"}))
    assert "请选择回避单位或填写回避人员" in page
    assert expert.conflicts.count() == 2

    conflict = expert.conflicts.get(person="赵敏")
    client.post(url, {"action": "remove", "conflict": conflict.pk})
    assert not DeclaredConflict.objects.filter(pk=conflict.pk).exists()


def test_an_expert_cannot_remove_someone_elses_conflict_and_a_non_expert_has_no_page(login, nina, cust):
    mine, theirs = make_expert("甲专家"), make_expert("乙专家")
    declare(theirs, organisation=cust)
    client = login(mine.user)
    response = client.post(
        reverse("challenges:expert-me"), {"action": "remove", "conflict": theirs.conflicts.get().pk}
    )
    assert response.status_code == 404 and theirs.conflicts.exists()
    with pytest.raises(PermissionDenied):
        review.conflict_remove(actor=mine.user, conflict=theirs.conflicts.get())
    with pytest.raises(PermissionDenied):
        review.expert_update(actor=mine.user, expert=mine, title="院士")
    assert login(nina).get(reverse("challenges:expert-me")).status_code == 404


# -- forming the panel on the page ------------------------------------------------------------------
def test_the_panel_page_is_the_secretariats(login, charlie, bob, nina, enterprise, challenge, jlu_app):
    url = reverse("challenges:panel", args=[challenge.pk])
    for person in (charlie, bob, nina):
        assert login(person).get(url).status_code == 403
    draft = make_challenge(enterprise, status="draft")
    assert login(nina).get(reverse("challenges:panel", args=[draft.pk])).status_code == 404
    assert login(bob).get(reverse("challenges:ranking", args=[draft.pk])).status_code == 404
    assert login(bob).get(reverse("challenges:decide", args=[draft.pk])).status_code == 404


def test_a_panel_too_small_is_refused_on_the_form_with_the_numbers(login, sam, challenge, jlu_app, from_jlu):
    experts = [*make_experts(3), from_jlu]
    response = login(sam).post(
        reverse("challenges:panel", args=[challenge.pk]),
        {"experts": [e.pk for e in experts], "action": "form", "field": ""},
    )
    assert response.status_code == 200
    assert "所选 4 人中有 1 人需回避，还差 2 人" in text(response)
    assert not Panel.objects.exists()


def test_the_panel_list_follows_the_field_filter(login, sam, challenge, jlu_app):
    for i in range(5):
        make_expert(f"汽车专家{i}").fields.set(["auto"])
    make_expert("生物专家")
    challenge.field_id = "auto"
    challenge.save()
    client = login(sam)
    url = reverse("challenges:panel", args=[challenge.pk])
    default = text(client.get(url))
    assert "汽车专家4" in default and "生物专家" not in default
    assert "生物专家" in text(client.get(url, {"field": ""}))


def test_too_few_experts_in_the_calls_field_shows_the_whole_pool_field_first(login, sam, challenge, jlu_app):
    make_expert("汽车专家").fields.set(["auto"])
    make_expert("生物专家")
    challenge.field_id = "auto"
    challenge.save()
    page = text(login(sam).get(reverse("challenges:panel", args=[challenge.pk])))
    assert "领域的专家不足 5 人" in page
    assert page.index("汽车专家") < page.index("生物专家")


# -- scoring: the phone page and the refusals --------------------------------------------------------
def test_the_phone_page_has_one_large_input_per_criterion_with_its_range(login, panel, clean, jlu_app):
    page = text(login(clean[0].user).get(reverse("challenges:score", args=[panel.pk, jlu_app.pk])))
    assert 'name="approach"' in page and 'max="30"' in page and 'max="15"' in page
    assert page.count('step="0.5"') == 5 and page.count('min="0"') == 5
    assert page.count('inputmode="decimal"') == 5 and page.count('type="number"') == 5
    assert "技术路线先进性与可行性" in page and "技术路线是否清晰" in page
    assert "能量密度" in page and "≥400" in page  # the challenge's indicators
    assert "TRL 4 → 7" in page and "鲍勃" in page
    assert 'name="viewport"' in page and "width=device-width" in page
    # The lead whose role is 项目负责人 is not called 项目负责人 twice.
    jlu_app.members.update(role="项目负责人")
    page = text(login(clean[0].user).get(reverse("challenges:score", args=[panel.pk, jlu_app.pk])))
    assert "吉林大学 · 项目负责人</span>" in page and "项目负责人 · 项目负责人" not in page
    jlu_app.members.update(role="材料合成")
    page = text(login(clean[0].user).get(reverse("challenges:score", args=[panel.pk, jlu_app.pk])))
    assert "吉林大学 · 材料合成 · 项目负责人</span>" in page


def test_a_score_outside_the_range_is_shown_on_its_field_and_nothing_is_written(login, panel, clean, jlu_app):
    client = login(clean[0].user)
    url = reverse("challenges:score", args=[panel.pk, jlu_app.pk])
    response = client.post(url, {**sheet(80), "approach": "31", "team": "abc", "plan": ""})
    form = response.context["form"]
    assert form.errors["approach"] == ["“技术路线先进性与可行性”的分数应在 0 到 30 之间。"]
    assert form.errors["team"] == ["“团队能力与前期基础”的分数应为数字。"]
    assert form.errors["plan"] == ["请为“预算与进度安排合理性”打分。"]
    assert not Score.objects.exists()


@pytest.mark.parametrize(
    ("items", "field", "message"),
    [
        ({**sheet(80), "approach": "-1"}, "approach", "0 到 30 之间"),
        ({**sheet(80), "industry": "15.5"}, "industry", "0 到 15 之间"),
        ({**sheet(80), "team": "十"}, "team", "应为数字"),
        ({**sheet(80), "team": "12.3"}, "team", "以 0.5 分为单位"),
        ({**sheet(80), "novelty": "5"}, "items", "不属于本指标体系的项：novelty"),
        (
            {k: v for k, v in sheet(80).items() if k != "indicators"},
            "indicators",
            "请为“核心指标响应程度”打分",
        ),
    ],
)
def test_a_bad_sheet_is_refused_by_criterion(panel, clean, jlu_app, items, field, message):
    with pytest.raises(ValidationError) as caught:
        review.score_submit(actor=clean[0].user, panel=panel, application=jlu_app, items=items)
    assert message in " ".join(caught.value.message_dict[field])
    assert not Score.objects.exists()


def test_an_expert_scores_once(login, panel, clean, jlu_app):
    review.score_submit(actor=clean[0].user, panel=panel, application=jlu_app, items=sheet(80))
    with pytest.raises(ValidationError, match="您已为该申报评过分，评分提交后不能修改。"):
        review.score_submit(actor=clean[0].user, panel=panel, application=jlu_app, items=sheet(90))
    assert Score.objects.get().total == Decimal("80")


def test_an_expert_excluded_at_formation_may_not_score(login, panel, from_jlu, jlu_app, cust_app):
    with pytest.raises(
        PermissionDenied, match="您因利益冲突已回避本专家组，不能评分：本人所在单位 吉林大学 为申报单位"
    ):
        review.score_submit(actor=from_jlu.user, panel=panel, application=cust_app, items=sheet(80))
    client = login(from_jlu.user)
    assert (
        client.post(reverse("challenges:score", args=[panel.pk, cust_app.pk]), sheet(80)).status_code == 404
    )
    # 吉林大学's own application is theirs to read, not to score.
    assert client.post(reverse("challenges:score", args=[panel.pk, jlu_app.pk]), sheet(80)).status_code == 403
    assert not Score.objects.exists()


def test_a_conflict_declared_after_the_panel_was_formed_stops_the_score(
    login, panel, clean, jlu_app, cust_app, cust
):
    expert = clean[1]
    declare(expert, organisation=cust, reason="新近受聘为兼职教授")
    with pytest.raises(ValidationError) as caught:
        review.score_submit(actor=expert.user, panel=panel, application=cust_app, items=sheet(80))
    assert caught.value.messages == [
        "您与该申报存在利益冲突，不能评分：本人申报回避 长春理工大学：新近受聘为兼职教授"
    ]
    client = login(expert.user)
    listing = text(client.get(reverse("challenges:score-list")))
    assert "需回避" in listing and "新近受聘为兼职教授" in listing
    page = text(client.get(reverse("challenges:score", args=[panel.pk, cust_app.pk])))
    assert "您与该申报存在利益冲突" in page and 'name="approach"' not in page
    # The other application is still theirs to score.
    review.score_submit(actor=expert.user, panel=panel, application=jlu_app, items=sheet(80))
    assert list(Score.objects.values_list("application_id", flat=True)) == [jlu_app.pk]


def test_someone_outside_the_panel_may_not_score(login, sam, bob, panel, jlu_app):
    outsider = make_expert("局外专家")
    with pytest.raises(PermissionDenied, match="您不是该评审专家组的成员"):
        review.score_submit(actor=outsider.user, panel=panel, application=jlu_app, items=sheet(80))
    with pytest.raises(PermissionDenied):
        review.score_submit(actor=bob, panel=panel, application=jlu_app, items=sheet(80))
    url = reverse("challenges:score", args=[panel.pk, jlu_app.pk])
    assert login(outsider.user).get(url).status_code == 404  # the application is not theirs to see
    assert login(bob).post(url, sheet(80)).status_code == 403  # bob sees his application, not the sheet
    assert login(sam).get(url).status_code == 403
    assert not Score.objects.exists()


def test_the_score_page_answers_404_for_an_application_of_another_challenge(
    login, enterprise, panel, clean, university
):
    other = make_application(make_challenge(enterprise, status="reviewing"), university)
    url = reverse("challenges:score", args=[panel.pk, other.pk])
    assert login(clean[0].user).get(url).status_code == 404


def test_nobody_scores_after_the_panel_closed(sam, panel, clean, jlu_app, cust_app):
    score_everything(panel, clean, [jlu_app, cust_app])
    review.panel_close(actor=sam, panel=panel)
    extra = Score.objects.filter(expert=clean[0]).first()
    extra.delete()
    with pytest.raises(ValidationError, match="该专家组的评分已结束"):
        review.score_submit(actor=clean[0].user, panel=panel, application=extra.application, items=sheet(80))


def test_the_score_list_shows_an_empty_state_and_links_milestone_panels(
    login, nina, sam, clean, challenge, jlu_app
):
    assert "您目前没有参加任何评审专家组" in text(login(nina).get(reverse("challenges:score-list")))
    from tests.challenge_factories import make_contract

    milestone = make_contract(jlu_app).milestones.first()
    midterm = panels.form_panel(
        actor=sam, challenge=challenge, experts=clean, kind="midterm", milestone=milestone
    )
    page = text(login(clean[0].user).get(reverse("challenges:score-list")))
    assert reverse("challenges:verdict", kwargs={"panel": midterm.pk}) in page
    assert "提交考核意见" in page and "查看考核意见" not in page
    # Once the expert gave their opinion, or the review is over, the link is for reading.
    from hebi.challenges import milestones

    milestones.verdict_submit(
        actor=clean[0].user, panel=midterm, verdict="pass", comment="样品达标，同意通过。"
    )
    page = text(login(clean[0].user).get(reverse("challenges:score-list")))
    assert "查看考核意见" in page and "提交考核意见" not in page
    assert "提交考核意见" in text(login(clean[1].user).get(reverse("challenges:score-list")))
    Panel.objects.filter(pk=midterm.pk).update(status=Panel.Status.CLOSED)
    page = text(login(clean[1].user).get(reverse("challenges:score-list")))
    assert "查看考核意见" in page and "提交考核意见" not in page


# -- ranking and closing ----------------------------------------------------------------------------
def test_closing_with_missing_scores_names_who_is_missing_for_which_application(
    login, sam, panel, clean, jlu_app, cust_app
):
    score_everything(panel, clean, [jlu_app])
    score_everything(panel, clean[:4], [cust_app], totals=SPREAD[:4])
    with pytest.raises(ValidationError) as caught:
        review.panel_close(actor=sam, panel=panel)
    message = caught.value.messages[0]
    assert "《硫化物电解质界面修饰》（长春理工大学）缺" in message and str(clean[4].user) in message
    assert "原位聚合复合电解质" not in message
    panel.refresh_from_db()
    assert panel.status == "open" and Application.objects.filter(score__isnull=False).count() == 0
    client = login(sam)
    response = client.post(reverse("challenges:panel-close", args=[panel.challenge.pk]), follow=True)
    assert "还有评分未提交" in text(response)


def test_an_expert_in_conflict_is_not_expected_to_score_but_the_panel_still_needs_enough_scores(
    sam, panel, clean, jlu_app, cust_app, cust
):
    declare(clean[4], organisation=cust, reason="近三年合作项目")
    score_everything(panel, clean, [jlu_app])
    score_everything(panel, clean[:4], [cust_app], totals=SPREAD[:4])
    board = review_selectors.panel_board(panel)
    row = next(r for r in board.rows if r.application == cust_app)
    assert row.missing == [] and clean[4] not in row.expected and row.short
    # Nothing is missing, but four valid scores are fewer than the rubric's five.
    with pytest.raises(ValidationError) as caught:
        review.panel_close(actor=sam, panel=panel)
    assert caught.value.messages == [
        "有效评分不足，不能结束评分（每份申报至少需要 5 份有效评分，请先增补专家）："
        "《硫化物电解质界面修饰》（长春理工大学）只有 4 份"
    ]
    assert Panel.objects.get().status == "open"
    extra = make_expert("增补专家")
    panels.panel_add_member(actor=sam, panel=panel, expert=extra)
    review.score_submit(actor=extra.user, panel=panel, application=cust_app, items=sheet(50))
    review.score_submit(actor=extra.user, panel=panel, application=jlu_app, items=sheet(50))
    review.panel_close(actor=sam, panel=panel)
    cust_app.refresh_from_db()
    # Five scores: 90 and 50 dropped, the mean of 80, 70 and 60.
    assert cust_app.score == Decimal("70.00")


def test_only_the_secretariat_closes_a_panel(charlie, panel, clean, jlu_app, cust_app):
    score_everything(panel, clean, [jlu_app, cust_app])
    with pytest.raises(PermissionDenied):
        review.panel_close(actor=clean[0].user, panel=panel)
    with pytest.raises(PermissionDenied):
        review.panel_close(actor=charlie, panel=panel)
    assert Panel.objects.get().status == "open"


def test_the_ranking_page_before_a_panel_has_a_helpful_sentence(login, sam, challenge, jlu_app):
    assert "尚未组建评审专家组" in text(login(sam).get(reverse("challenges:ranking", args=[challenge.pk])))


# -- the decision -----------------------------------------------------------------------------------
@pytest.fixture
def closed(sam, panel, clean, jlu_app, cust_app):
    score_everything(panel, clean, [jlu_app, cust_app])
    return review.panel_close(actor=sam, panel=panel)


def test_a_decision_before_the_panel_is_closed_is_refused(login, sam, panel, challenge, jlu_app, cust_app):
    decisions = [
        (jlu_app, category("ranked-below"), "综合排名未进入立项范围。"),
        (cust_app, category("awarded-top"), "综合排名第一，予以揭榜。"),
    ]
    with pytest.raises(ValidationError, match="评审专家组结束评分后才能作出决定"):
        review.challenge_decide(actor=sam, challenge=challenge, decisions=decisions)
    page = text(login(sam).get(reverse("challenges:decide", args=[challenge.pk])))
    assert "评审专家组结束评分后才能作出决定" in page and 'data-testid="decide-form"' not in page
    assert Application.objects.filter(status="submitted").count() == 2


def test_a_decision_without_reasons_or_missing_an_application_is_refused(
    login, sam, closed, challenge, jlu_app, cust_app, enterprise, university
):
    cases = [
        (
            [
                (jlu_app, category("ranked-below"), ""),
                (cust_app, category("awarded-top"), "综合排名第一，予以揭榜。"),
            ],
            "《原位聚合复合电解质》（吉林大学）：请为每一份申报选择决定类别并填写评审意见。",
        ),
        (
            [
                (jlu_app, None, "综合排名未进入立项范围。"),
                (cust_app, category("awarded-top"), "综合排名第一，予以揭榜。"),
            ],
            "请为每一份申报选择决定类别并填写评审意见。",
        ),
        (
            [(cust_app, category("awarded-top"), "综合排名第一，予以揭榜。")],
            "《原位聚合复合电解质》（吉林大学）：请为每一份申报选择决定类别并填写评审意见。",
        ),
        (
            [
                (jlu_app, category("ranked-below"), "太短了"),
                (cust_app, category("awarded-top"), "综合排名第一，予以揭榜。"),
            ],
            "评审意见至少 10 个字",
        ),
    ]
    other = make_application(make_challenge(enterprise, status="reviewing"), university, title="别的方案")
    cases.append(
        (
            [
                (jlu_app, category("ranked-below"), "综合排名未进入立项范围。"),
                (cust_app, category("awarded-top"), "综合排名第一，予以揭榜。"),
                (other, category("awarded-top"), "综合排名第一，予以揭榜。"),
            ],
            "《别的方案》（吉林大学）不属于该榜单。",
        )
    )
    for decisions, message in cases:
        with pytest.raises(ValidationError) as caught:
            review.challenge_decide(actor=sam, challenge=challenge, decisions=decisions)
        assert any(message in m for m in caught.value.messages), caught.value.messages
    assert Application.objects.filter(challenge=challenge, status="submitted").count() == 2
    assert Challenge.objects.get(pk=challenge.pk).status == "reviewing"
    # On the page the refusal is shown on the form.
    response = login(sam).post(
        reverse("challenges:decide", args=[challenge.pk]),
        {f"category_{cust_app.pk}": "awarded-top", f"comment_{cust_app.pk}": "综合排名第一，予以揭榜。"},
    )
    assert response.status_code == 200
    assert "《原位聚合复合电解质》（吉林大学）：请为每一份申报选择决定类别并填写评审意见。" in text(response)


def test_awarding_nobody_still_gives_every_applicant_its_reasons(
    sam, closed, challenge, jlu_app, cust_app, bob
):
    review.challenge_decide(
        actor=sam,
        challenge=challenge,
        decisions=[
            (jlu_app, category("indicators-unmet"), "能量密度指标未达到榜单要求。"),
            (cust_app, category("approach-weak"), "界面修饰路线缺乏中试数据支撑。"),
        ],
    )
    assert set(Application.objects.values_list("status", flat=True)) == {"not_awarded"}
    challenge.refresh_from_db()
    assert challenge.status == "decided"
    box = render_tag("{% review_box challenge %}", bob, challenge=challenge)
    assert "流标" in box
    mine = render_tag(
        "{% decision_box application %}", bob, application=Application.objects.get(pk=jlu_app.pk)
    )
    assert "核心指标响应不足" in mine and "能量密度指标未达到榜单要求" in mine


def test_awarding_more_public_money_than_the_call_has_is_refused_whole(
    login, sam, closed, challenge, jlu_app, cust_app
):
    # The call has 3,000,000 元 of public money; each application asks for 3,000,000 元.
    both = [
        (jlu_app, category("awarded-top"), "综合排名第一，予以揭榜。"),
        (cust_app, category("awarded-top"), "综合排名第二，一并揭榜。"),
    ]
    with pytest.raises(ValidationError) as caught:
        review.challenge_decide(actor=sam, challenge=challenge, decisions=both)
    assert caught.value.message_dict["decisions"] == [
        "揭榜成功的申报共申请财政资金 6,000,000.00 元（《原位聚合复合电解质》（吉林大学） 3,000,000.00 元；"
        "《硫化物电解质界面修饰》（长春理工大学） 3,000,000.00 元），超过榜单的财政资金 3,000,000.00 元，"
        "请减少揭榜成功的申报。"
    ]
    assert Application.objects.filter(challenge=challenge, status="submitted").count() == 2
    assert Challenge.objects.get(pk=challenge.pk).status == "reviewing"
    page = login(sam).post(
        reverse("challenges:decide", args=[challenge.pk]),
        {
            f"category_{jlu_app.pk}": "awarded-top",
            f"comment_{jlu_app.pk}": "综合排名第一，予以揭榜。",
            f"category_{cust_app.pk}": "awarded-top",
            f"comment_{cust_app.pk}": "综合排名第二，一并揭榜。",
        },
    )
    assert page.status_code == 200 and "超过榜单的财政资金 3,000,000.00 元" in text(page)
    assert Application.objects.filter(challenge=challenge, status="submitted").count() == 2
    # One winner within the budget is fine.
    review.challenge_decide(
        actor=sam,
        challenge=challenge,
        decisions=[both[0], (cust_app, category("ranked-below"), "综合排名未进入立项范围。")],
    )
    assert Application.objects.get(pk=jlu_app.pk).status == "awarded"


def test_only_the_secretariat_decides(charlie, closed, challenge, jlu_app, cust_app):
    with pytest.raises(PermissionDenied):
        review.challenge_decide(actor=charlie, challenge=challenge, decisions=[])


# -- the boxes on the challenge and application pages -----------------------------------------------
def test_the_review_box_shows_the_secretariat_the_panel_and_the_links(sam, bob, panel, challenge, clean):
    box = render_tag("{% review_box challenge %}", sam, challenge=challenge)
    assert "专家组 5 人，回避 2 人" in box
    assert reverse("challenges:ranking", args=[challenge.pk]) in box
    assert reverse("challenges:decide", args=[challenge.pk]) not in box  # not before the scores are closed
    expert_box = render_tag("{% review_box challenge %}", clean[0].user, challenge=challenge)
    assert reverse("challenges:score-list") in expert_box and "回避" not in expert_box
    assert render_tag("{% review_box challenge %}", bob, challenge=challenge).strip() == ""


def test_the_decision_box_before_the_decision(bob, charlie, panel, jlu_app, challenge, university):
    assert "评审中" in render_tag("{% decision_box application %}", bob, application=jlu_app)
    assert "评审中" in render_tag("{% decision_box application %}", charlie, application=jlu_app)
    draft = make_application(make_challenge(challenge.issuer), university, status="draft")
    assert render_tag("{% decision_box application %}", bob, application=draft).strip() == ""


# -- keeping the panel whole: out of the pool, late conflicts, adding and removing members ----------
def test_an_expert_taken_out_of_the_pool_is_no_longer_awaited_and_another_can_be_seated(
    login, sam, panel, clean, jlu_app, cust_app, django_capture_on_commit_callbacks
):
    score_everything(panel, clean[:4], [jlu_app, cust_app], totals=SPREAD[:4])
    review.expert_update(actor=sam, expert=clean[4], is_active=False)
    board = review_selectors.panel_board(panel)
    assert all(clean[4] not in row.expected and not row.missing for row in board.rows)
    assert "已出库" in text(login(sam).get(reverse("challenges:panel", args=[panel.challenge.pk])))
    # Not stuck on the expert who cannot score any more: the refusal asks for one more expert.
    with pytest.raises(ValidationError) as caught:
        review.panel_close(actor=sam, panel=panel)
    assert "还有评分未提交" not in caught.value.messages[0]
    assert "只有 4 份" in caught.value.messages[0]
    extra = make_expert("增补专家")
    with django_capture_on_commit_callbacks(execute=True):
        panels.panel_add_member(actor=sam, panel=panel, expert=extra)
    assert Notification.objects.filter(recipient=extra.user, title__contains=panel.challenge.title).exists()
    assert "待评分" in text(login(extra.user).get(reverse("challenges:score-list")))
    score_everything(panel, [extra], [jlu_app, cust_app], totals=(50,))
    review.panel_close(actor=sam, panel=panel)
    jlu_app.refresh_from_db()
    assert jlu_app.score == Decimal("70.00")  # 90 80 70 60 50: the highest and lowest dropped


def test_a_score_given_before_a_conflict_was_found_no_longer_counts(
    login, sam, panel, clean, jlu_app, cust_app, cust
):
    extra = make_expert("增补专家")
    panels.panel_add_member(actor=sam, panel=panel, expert=extra)
    score_everything(panel, [*clean, extra], [jlu_app, cust_app], totals=(*SPREAD, 100))
    declare(clean[0], organisation=cust, reason="新近受聘为兼职教授")
    row = next(r for r in review_selectors.panel_board(panel).rows if r.application == cust_app)
    assert clean[0] not in [e for e, _t in row.totals] and row.scored == 5
    assert [(item.expert, item.total) for item in row.left_out] == [(clean[0], Decimal("90"))]
    # 80 70 60 50 100: the highest and lowest dropped, the 90 of the expert in conflict left out.
    assert row.aggregate.score == Decimal("70.00")
    page = text(login(sam).get(reverse("challenges:ranking", args=[panel.challenge.pk])))
    assert "未计入的评分" in page
    # The kind is named once, then what was declared (not "本人申报回避：本人申报回避 …").
    assert "<strong>本人申报回避</strong> 长春理工大学：新近受聘为兼职教授" in page
    assert "本人申报回避</strong>：本人申报回避" not in page
    review.panel_close(actor=sam, panel=panel)
    cust_app.refresh_from_db()
    assert cust_app.score == Decimal("70.00")
    assert Score.objects.filter(expert=clean[0], application=cust_app).exists()  # kept for the record


def test_the_secretariat_removes_a_member_with_a_reason_and_their_scores_stop_counting(
    login, sam, panel, clean, jlu_app, cust_app
):
    score_everything(panel, clean, [jlu_app, cust_app])
    with pytest.raises(ValidationError) as caught:
        panels.panel_remove_member(actor=sam, panel=panel, expert=clean[0], reason="  ")
    assert caught.value.message_dict == {"reason": ["请说明移出该专家的原因。"]}
    with pytest.raises(PermissionDenied):
        panels.panel_remove_member(actor=clean[1].user, panel=panel, expert=clean[0], reason="评分明显失当")
    assert panel.memberships.count() == 5

    panels.panel_remove_member(actor=sam, panel=panel, expert=clean[0], reason="评分期间与申报单位接触")
    assert clean[0] not in panel.experts.all()
    assert Score.objects.filter(expert=clean[0]).count() == 2  # stored, not counted
    log = AuditLog.objects.filter(object_id=str(panel.pk)).latest("at")
    assert "评分期间与申报单位接触" in log.note and "2 份评分不再计入" in log.note
    board = review_selectors.panel_board(panel)
    assert all(row.scored == 4 and row.short for row in board.rows)
    assert [item.reasons[0]["label"] for item in board.rows[0].left_out] == ["移出专家组"]
    page = text(login(sam).get(reverse("challenges:ranking", args=[panel.challenge.pk])))
    assert "移出专家组" in page and "评分期间与申报单位接触" in page and "有效评分 4 份，少于 5 份" in page
    with pytest.raises(ValidationError, match="只有 4 份"):
        review.panel_close(actor=sam, panel=panel)
    # The removed expert may not score again nor come back.
    Score.objects.filter(expert=clean[0], application=jlu_app).delete()
    with pytest.raises(PermissionDenied, match="您已被移出该评审专家组"):
        review.score_submit(actor=clean[0].user, panel=panel, application=jlu_app, items=sheet(80))
    with pytest.raises(ValidationError, match="已被移出该专家组"):
        panels.panel_add_member(actor=sam, panel=panel, expert=clean[0])
    with pytest.raises(ValidationError, match="不是该专家组成员"):
        panels.panel_remove_member(actor=sam, panel=panel, expert=clean[0], reason="再次移出")


def test_adding_a_member_is_checked_like_forming_the_panel(
    sam, charlie, panel, clean, from_issuer, from_jlu, enterprise, jlu_app, cust_app
):
    members_before = set(panel.experts.all())
    fresh_from_issuer = make_expert("一汽新专家", organisation=enterprise)
    retired = make_expert("退休专家", is_active=False)
    cases = [
        (fresh_from_issuer, "存在利益冲突，不能加入专家组：本人所在单位 中国第一汽车集团有限公司 为发榜单位"),
        (from_jlu, "在组建时因利益冲突回避本专家组：本人所在单位 吉林大学 为申报单位"),
        (retired, "已不在专家库中"),
        (clean[0], "已是该专家组成员"),
    ]
    for expert, message in cases:
        with pytest.raises(ValidationError) as caught:
            panels.panel_add_member(actor=sam, panel=panel, expert=expert)
        assert any(message in m for m in caught.value.messages), caught.value.messages
    with pytest.raises(PermissionDenied):
        panels.panel_add_member(actor=charlie, panel=panel, expert=make_expert("局外专家"))
    assert set(panel.experts.all()) == members_before
    score_everything(panel, clean, [jlu_app, cust_app])
    review.panel_close(actor=sam, panel=panel)
    with pytest.raises(ValidationError, match="评分已结束"):
        panels.panel_add_member(actor=sam, panel=panel, expert=make_expert("迟到专家"))
    with pytest.raises(ValidationError, match="评分已结束"):
        panels.panel_remove_member(actor=sam, panel=panel, expert=clean[0], reason="评分明显失当")


def test_the_panel_page_adds_and_removes_members_for_the_secretariat_only(
    login, sam, charlie, panel, clean, from_issuer
):
    challenge = panel.challenge
    page = text(login(sam).get(reverse("challenges:panel", args=[challenge.pk])))
    assert 'data-testid="add-member"' in page and 'data-testid="remove-member"' in page
    # 增补专家 offers only experts of the pool who are neither seated nor excluded.
    free = make_expert("可增补专家")
    offered = {e.pk for e in ExpertProfile.objects.filter(is_active=True)} - {
        *panel.memberships.values_list("expert_id", flat=True),
        *panel.exclusions.values_list("expert_id", flat=True),
    }
    retired = make_expert("出库专家", is_active=False)
    page = text(login(sam).get(reverse("challenges:panel", args=[challenge.pk])))
    listed = {e.pk for e in ExpertProfile.objects.all() if f'data-testid="offered-{e.pk}"' in page}
    assert listed == offered == {free.pk}
    assert retired.pk not in listed
    # Removing is final, so the button asks first.
    assert "onclick=\"return confirm('移出后该专家的评分不再计入" in page
    extra = make_expert("增补专家")
    add = reverse("challenges:panel-add-member", args=[challenge.pk])
    remove = reverse("challenges:panel-remove-member", args=[challenge.pk])
    client = login(sam)
    assert client.post(add, {"expert": extra.pk}).status_code == 302
    assert extra in panel.experts.all()
    refused = text(client.post(add, {"expert": from_issuer.pk}, follow=True))
    assert "在组建时因利益冲突回避本专家组" in refused
    no_reason = text(client.post(remove, {"expert": clean[0].pk, "reason": ""}, follow=True))
    assert "请说明移出该专家的原因。" in no_reason and clean[0] in panel.experts.all()
    assert client.post(remove, {"expert": clean[0].pk, "reason": "评分期间发现利益冲突"}).status_code == 302
    assert clean[0] not in panel.experts.all()
    assert "评分期间发现利益冲突" in text(client.get(reverse("challenges:panel", args=[challenge.pk])))
    for person in (charlie, clean[1].user):
        client = login(person)
        assert client.post(add, {"expert": make_expert("又一专家").pk}).status_code == 403
        assert client.post(remove, {"expert": clean[1].pk, "reason": "无理由"}).status_code == 403
    assert panel.memberships.count() == 5


# -- who reads the applications ------------------------------------------------------------------------
def test_a_milestone_panel_expert_reads_only_the_application_of_their_contract(
    login, sam, panel, clean, challenge, jlu_app, cust_app
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hebi.challenges import permissions, selectors
    from hebi.challenges.models import ApplicationAttachment
    from tests.challenge_factories import make_contract

    Application.objects.filter(pk=cust_app.pk).update(status=Application.Status.NOT_AWARDED)
    contract = make_contract(jlu_app)
    milestone_experts = make_experts(5, prefix="考核专家")
    panels.form_panel(
        actor=sam,
        challenge=challenge,
        experts=milestone_experts,
        kind="midterm",
        milestone=contract.milestones.first(),
    )
    secret = ApplicationAttachment.objects.create(
        application=cust_app,
        file=SimpleUploadedFile("方案.pdf", b"%PDF-1.4 secret"),
        name="方案.pdf",
        size=15,
        content_type="application/pdf",
    )
    cust_app.refresh_from_db()
    jlu_app.refresh_from_db()
    examiner = milestone_experts[0].user
    assert permissions.can_view_application(examiner, jlu_app)
    assert not permissions.can_view_application(examiner, cust_app)
    assert set(selectors.applications_visible(viewer=examiner)) == {jlu_app}
    client = login(examiner)
    assert client.get(reverse("challenges:application-detail", args=[cust_app.pk])).status_code == 404
    assert client.get(reverse("challenges:attachment", args=[secret.pk])).status_code == 404
    assert client.get(reverse("challenges:application-detail", args=[jlu_app.pk])).status_code == 200
    # They still review their contract.
    assert permissions.can_view_contract(examiner, contract)
    assert client.get(reverse("challenges:contract-detail", args=[contract.pk])).status_code == 200
    # The review panel's experts still read every application of the call.
    reviewer = clean[0].user
    assert set(selectors.applications_visible(viewer=reviewer)) == {jlu_app, cust_app}
    assert login(reviewer).get(reverse("challenges:attachment", args=[secret.pk])).status_code == 200


# -- 我的评审 reads a fixed number of queries ---------------------------------------------------------
def test_the_review_list_does_not_read_more_queries_for_more_panels(
    login, sam, enterprise, university, cust, clean, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    expert = clean[0]
    client = login(expert.user)
    url = reverse("challenges:score-list")

    def add_review_panel(n):
        call = make_challenge(enterprise, status="reviewing", title=f"第 {n} 个榜单")
        make_application(call, university, title=f"吉大方案 {n}")
        make_application(call, cust, title=f"长理工方案 {n}")
        return panels.form_panel(actor=sam, challenge=call, experts=clean)

    add_review_panel(1)
    client.get(url)  # warm the per-process caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        assert text(client.get(url)).count('data-testid="task"') == 2
    for n in range(2, 6):
        add_review_panel(n)
    declare(expert, organisation=cust, reason="近三年合作项目")
    with CaptureQueriesContext(connection) as five:
        page = text(client.get(url))
    assert page.count('data-testid="task"') == 10 and page.count("需回避") == 5
    assert len(five.captured_queries) == len(one.captured_queries), [q["sql"] for q in five.captured_queries]
    with django_assert_max_num_queries(20):
        client.get(url)


def test_the_home_page_tells_an_expert_what_is_waiting(login, panel, clean, jlu_app, cust_app):
    client = login(clean[0].user)
    page = text(client.get(reverse("core:home")))
    assert "您在 1 个进行中的专家组，2 份申报待评分。" in page
    assert reverse("challenges:score-list") in page
    review.score_submit(
        actor=clean[0].user,
        panel=panel,
        application=jlu_app,
        items={"approach": "20", "indicators": "15", "team": "15", "plan": "10", "industry": "10"},
    )
    assert "1 份申报待评分" in text(client.get(reverse("core:home")))


def test_the_home_page_of_someone_outside_the_pool_has_no_review_box(login, bob):
    assert "专家评审" not in text(login(bob).get(reverse("core:home")))
