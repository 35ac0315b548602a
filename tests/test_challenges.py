"""Challenge calls (揭榜挂帅): drafting and approval, the hall, public Q&A and applications.

Charlie administers 中国一汽 and posts the challenges; Sam sits in the committee secretariat and
approves them. Bob (吉林大学, researcher) applies for his university; Nina belongs nowhere;
Dave administers another enterprise, 长光卫星, which has nothing to do with the call.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from hebi.catalog.models import StatusChange, TechField
from hebi.challenges import application_services, selectors, services
from hebi.challenges.models import Application, ApplicationAttachment, Challenge, ChallengeQuestion
from hebi.core.models import Notification
from hebi.core.roles import Role
from tests.challenge_factories import challenge_rubric, make_application, make_challenge
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def formset(prefix, rows, extra=1):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows) + extra),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{n}-{key}"] = value
    return data


def challenge_post(issuer, **extra):
    indicators = extra.pop("indicators", [{"name": "能量密度", "target": "≥400", "unit": "Wh/kg"}])
    milestones = extra.pop(
        "milestones",
        [{"title": "中期考核", "month": "12", "deliverable": "小试样品"}, {"title": "验收", "month": "24"}],
    )
    data = {
        "issuer": issuer.pk,
        "title": "车规级固态电池电解质界面稳定性攻关",
        "field": "",
        "problem": "固态电池在低温下界面阻抗升高。",
        "budget_public": "3000000",
        "budget_enterprise": "6000000",
        "deadline": days(30).isoformat(),
        "duration_months": "24",
        "eligibility": "在长春注册的高校、院所或企业牵头。",
        "deliverables": "样品电池 10 只。",
        "rubric": "challenge-2024",
        "contact": "",
    }
    data.update(extra)
    return {**data, **formset("indicators", indicators), **formset("milestones", milestones)}


def application_post(lead, *, members=None, milestones=None, **extra):
    data = {
        "lead": lead.pk,
        "title": "原位聚合复合电解质方案",
        "approach": "采用原位聚合复合电解质，界面修饰降低阻抗。",
        "trl_now": "4",
        "trl_promised": "7",
        "team_summary": "教授 2 人，博士后 3 人。",
        "budget_total": "8000000",
        "budget_public": "3000000",
        "budget_note": "",
    }
    data.update(extra)
    if members is None:
        members = [{"name": "鲍勃", "organisation": lead.pk, "role": "项目负责人", "user": ""}]
    if milestones is None:
        milestones = [
            {"title": "中期", "month": "12", "deliverable": "小试", "amount": "1500000"},
            {"title": "验收", "month": "24", "deliverable": "装车", "amount": "1500000"},
        ]
    return {**data, **formset("members", members), **formset("milestones", milestones)}


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture(autouse=True)
def rubric(db):
    return challenge_rubric()


@pytest.fixture
def other_enterprise(db):
    return OrganisationFactory(name="长光卫星技术股份有限公司", kind="enterprise")


@pytest.fixture
def dave(other_enterprise):
    user = UserFactory(username="dave", display_name="戴夫")
    MembershipFactory(user=user, organisation=other_enterprise, role=Role.ORG_ADMIN)
    return user


@pytest.fixture
def published(enterprise, charlie):
    return make_challenge(enterprise, contact=charlie, created_by=charlie)


# -- drafting and approval --------------------------------------------------------------------------
def test_the_whole_call_flow_from_draft_to_the_hall(
    client, login, charlie, sam, bob, enterprise, django_capture_on_commit_callbacks
):
    response = login(charlie).post(reverse("challenges:create"), challenge_post(enterprise))
    challenge = Challenge.objects.get()
    assert response.status_code == 302
    assert challenge.status == "draft" and challenge.issuer == enterprise and challenge.contact == charlie
    assert [i.name for i in challenge.indicators.all()] == ["能量密度"]
    assert [m.month for m in challenge.milestones.all()] == [12, 24]
    assert challenge.rubric.code == "challenge-2024"

    client.logout()
    assert client.get(reverse("challenges:detail", args=[challenge.pk])).status_code == 404
    assert login(bob).get(reverse("challenges:detail", args=[challenge.pk])).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        login(charlie).post(reverse("challenges:submit", args=[challenge.pk]))
    challenge.refresh_from_db()
    assert challenge.status == "pending"
    assert Notification.objects.filter(recipient=sam, title__contains=challenge.title).exists()

    response = login(sam).post(reverse("challenges:return", args=[challenge.pk]), {"reason": ""}, follow=True)
    assert "请填写退回原因。" in messages_of(response)
    challenge.refresh_from_db()
    assert challenge.status == "pending"

    with django_capture_on_commit_callbacks(execute=True):
        login(sam).post(reverse("challenges:return", args=[challenge.pk]), {"reason": "指标单位不清楚"})
    challenge.refresh_from_db()
    assert challenge.status == "returned" and challenge.review_note == "指标单位不清楚"
    assert Notification.objects.filter(recipient=charlie, body__contains="指标单位不清楚").exists()

    page = login(charlie).get(reverse("challenges:detail", args=[challenge.pk]))
    assert "指标单位不清楚" in page.content.decode()
    response = login(charlie).post(
        reverse("challenges:edit", args=[challenge.pk]),
        challenge_post(enterprise, indicators=[{"name": "能量密度", "target": "≥420", "unit": "Wh/kg"}]),
    )
    assert response.status_code == 302
    assert challenge.indicators.get().target == "≥420"
    login(charlie).post(reverse("challenges:submit", args=[challenge.pk]))
    login(sam).post(reverse("challenges:approve", args=[challenge.pk]))
    challenge.refresh_from_db()
    assert challenge.status == "published"
    assert challenge.approved_by == sam and challenge.published_at is not None
    moves = [(c.from_status, c.to_status) for c in StatusChange.objects.order_by("id")]
    assert moves == [
        ("draft", "pending"),
        ("pending", "returned"),
        ("returned", "pending"),
        ("pending", "published"),
    ]

    client.logout()
    hall = client.get(reverse("challenges:hall"))
    assert challenge.title in hall.content.decode()
    detail = client.get(reverse("challenges:detail", args=[challenge.pk])).content.decode()
    assert "技术路线先进性与可行性" in detail  # the rubric's criteria, for the applicants
    assert "≥420" in detail
    assert "指标单位不清楚" not in detail  # the return's reason stays between issuer and secretariat


def test_only_enterprises_and_government_bodies_may_draft(login, bob, university):
    assert login(bob).get(reverse("challenges:create")).status_code == 403


def test_a_draft_of_another_organisation_answers_404(login, enterprise, dave):
    draft = make_challenge(enterprise, status="draft")
    assert login(dave).get(reverse("challenges:detail", args=[draft.pk])).status_code == 404
    assert login(dave).get(reverse("challenges:edit", args=[draft.pk])).status_code == 404
    assert login(dave).post(reverse("challenges:submit", args=[draft.pk])).status_code == 404


def test_the_secretariat_sees_a_call_once_submitted_not_as_a_draft(login, sam, enterprise, bureau):
    """Sam's secretariat (at the bureau) does not read 中国一汽's draft; its own drafts it does."""
    draft = make_challenge(enterprise, title="一汽草稿", status="draft")
    pending = make_challenge(enterprise, title="一汽待审", status="pending")
    returned = make_challenge(enterprise, title="一汽退回", status="returned")
    own = make_challenge(bureau, title="本局草稿", status="draft")
    client = login(sam)
    assert client.get(reverse("challenges:detail", args=[draft.pk])).status_code == 404
    for call in (pending, returned, own):
        assert client.get(reverse("challenges:detail", args=[call.pk])).status_code == 200
    visible = set(selectors.challenges_visible(viewer=sam))
    assert draft not in visible and {pending, returned, own} <= visible
    listed = client.get("/api/v1/challenges/").json()
    titles = {c["title"] for c in listed.get("results", listed)}
    assert "一汽草稿" not in titles and {"一汽待审", "一汽退回", "本局草稿"} <= titles


def test_a_draft_cancelled_without_submission_stays_private_from_the_secretariat(
    login, sam, charlie, enterprise
):
    never_sent = make_challenge(enterprise, title="从未提交", status="draft")
    services.challenge_cancel(actor=charlie, challenge=never_sent)
    sent = make_challenge(enterprise, title="提交后退回再撤销", status="draft")
    sent.deadline = timezone.localdate() + datetime.timedelta(days=20)
    sent.save()
    services.challenge_submit(actor=charlie, challenge=sent)
    services.challenge_return(actor=sam, challenge=sent, reason="预算拆分不清楚，请补充说明。")
    services.challenge_cancel(actor=charlie, challenge=sent)
    client = login(sam)
    assert client.get(reverse("challenges:detail", args=[never_sent.pk])).status_code == 404
    assert client.get(reverse("challenges:detail", args=[sent.pk])).status_code == 200
    visible = set(selectors.challenges_visible(viewer=sam))
    assert never_sent not in visible and sent in visible


def test_an_account_renamed_later_does_not_block_other_edits(bob, published, university):
    application = make_application(
        published, university, status="draft", members=(("鲍勃", university, bob),), created_by=bob
    )
    bob.display_name = "鲍勃博士"
    bob.save()
    application_services.application_update(actor=bob, application=application, partners=[])
    application_services.application_update(actor=bob, application=application, title="新的方案名称")
    application.refresh_from_db()
    assert application.title == "新的方案名称"
    # A new row whose name differs from its account is still refused.
    with pytest.raises(ValidationError) as refused:
        application_services.application_update(
            actor=bob,
            application=application,
            members=[{"name": "张三", "organisation": university, "user": bob, "role": "负责人"}],
        )
    assert "关联的账号是“鲍勃博士”" in str(refused.value)


def test_editing_another_organisations_published_challenge_is_forbidden(login, dave, published):
    assert login(dave).get(reverse("challenges:edit", args=[published.pk])).status_code == 403
    response = login(dave).post(reverse("challenges:edit", args=[published.pk]), {"title": "改掉"})
    assert response.status_code == 403
    published.refresh_from_db()
    assert published.title != "改掉"


def test_a_published_challenge_is_no_longer_editable(login, charlie, published):
    response = login(charlie).get(reverse("challenges:edit", args=[published.pk]), follow=True)
    assert "只有草稿或退回修改的榜单可以编辑。" in messages_of(response)


@pytest.mark.parametrize(
    ("public", "private", "message"),
    [("0", "0", "财政资金与企业投入合计应大于 0。"), ("-1", "100", "确保该值大于或等于 0。")],
)
def test_the_budget_split_must_be_positive(login, charlie, enterprise, public, private, message):
    response = login(charlie).post(
        reverse("challenges:create"),
        challenge_post(enterprise, budget_public=public, budget_enterprise=private),
    )
    assert response.status_code == 200
    assert message.replace(" ", "") in response.content.decode().replace(" ", "")
    assert not Challenge.objects.exists()


def test_required_milestones_must_fit_the_duration(login, charlie, enterprise):
    response = login(charlie).post(
        reverse("challenges:create"),
        challenge_post(enterprise, duration_months="12", milestones=[{"title": "验收", "month": "18"}]),
    )
    assert "超出实施周期（12 个月）" in response.content.decode()
    assert not Challenge.objects.exists()


def test_a_challenge_needs_an_indicator_and_a_milestone(login, charlie, enterprise):
    response = login(charlie).post(
        reverse("challenges:create"), challenge_post(enterprise, indicators=[], milestones=[])
    )
    text = response.content.decode()
    assert "请至少填写一项核心技术指标。" in text and "请至少填写一个节点。" in text
    assert not Challenge.objects.exists()


def test_submission_needs_a_deadline_from_tomorrow(login, charlie, enterprise):
    draft = make_challenge(enterprise, status="draft", days_left=0)
    response = login(charlie).post(reverse("challenges:submit", args=[draft.pk]), follow=True)
    assert "揭榜截止日期至少应为明天，请先修改截止日期。" in messages_of(response)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_approval_refuses_a_deadline_already_passed(sam, enterprise):
    pending = make_challenge(enterprise, status="pending", days_left=-1)
    with pytest.raises(ValidationError, match="揭榜截止日期已过"):
        services.challenge_approve(actor=sam, challenge=pending)
    pending.refresh_from_db()
    assert pending.status == "pending" and pending.published_at is None


def test_only_the_secretariat_approves_returns_and_starts_the_review(login, charlie, bob, enterprise):
    pending = make_challenge(enterprise, status="pending")
    closed = make_challenge(enterprise, days_left=-1)
    client = login(charlie)
    assert client.post(reverse("challenges:approve", args=[pending.pk])).status_code == 403
    assert client.post(reverse("challenges:return", args=[pending.pk]), {"reason": "x"}).status_code == 403
    assert client.post(reverse("challenges:start-review", args=[closed.pk])).status_code == 403
    assert login(bob).post(reverse("challenges:cancel", args=[closed.pk]), {"reason": "x"}).status_code == 403
    pending.refresh_from_db()
    closed.refresh_from_db()
    assert (pending.status, closed.status) == ("pending", "published")


def test_the_review_starts_only_after_the_deadline_with_a_submitted_application(
    login, sam, enterprise, university
):
    open_call = make_challenge(enterprise, days_left=3)
    response = login(sam).post(reverse("challenges:start-review", args=[open_call.pk]), follow=True)
    assert any("之后才能开始评审" in m for m in messages_of(response))

    closed = make_challenge(enterprise, days_left=-1)
    make_application(closed, university, status="draft")
    response = login(sam).post(reverse("challenges:start-review", args=[closed.pk]), follow=True)
    assert any("没有已提交的申报" in m for m in messages_of(response))
    closed.refresh_from_db()
    assert closed.status == "published"

    other = OrganisationFactory(kind="institute")
    make_application(closed, other)
    login(sam).post(reverse("challenges:start-review", args=[closed.pk]))
    closed.refresh_from_db()
    assert closed.status == "reviewing"


def test_the_issuer_cancels_its_draft(login, charlie, enterprise):
    draft = make_challenge(enterprise, status="draft")
    login(charlie).post(reverse("challenges:cancel", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "cancelled"


def test_cancelling_a_published_call_needs_a_reason_and_tells_the_applicants(
    login, sam, bob, published, university, django_capture_on_commit_callbacks
):
    make_application(published, university, created_by=bob)
    response = login(sam).post(reverse("challenges:cancel", args=[published.pk]), {"reason": ""}, follow=True)
    assert "撤销已发布的榜单时请说明原因。" in messages_of(response)
    with django_capture_on_commit_callbacks(execute=True):
        login(sam).post(reverse("challenges:cancel", args=[published.pk]), {"reason": "发榜单位已自行解决"})
    published.refresh_from_db()
    assert published.status == "cancelled"
    assert Notification.objects.filter(recipient=bob, body__contains="发榜单位已自行解决").exists()


# -- the hall and the lists -------------------------------------------------------------------------
def test_the_hall_lists_published_calls_with_filters_for_anyone(client, enterprise, bureau, university):
    field, _ = TechField.objects.get_or_create(code="new-energy", defaults={"name": "新能源"})
    soon = make_challenge(enterprise, title="电池榜", days_left=3, field=field)
    later = make_challenge(bureau, title="城市交通榜", days_left=20)
    closed = make_challenge(enterprise, title="已截止的榜", days_left=-2)
    make_challenge(enterprise, title="评审中的榜", status="reviewing", days_left=-5)
    make_challenge(enterprise, title="已定榜的榜", status="decided", days_left=-9)
    make_challenge(enterprise, title="草稿榜", status="draft")
    make_application(soon, university)
    make_application(soon, OrganisationFactory(kind="institute"), status="draft")

    page = client.get(reverse("challenges:hall"))
    titles = [c.title for c in page.context["page"].object_list]
    assert titles == ["电池榜", "城市交通榜", "已截止的榜", "评审中的榜", "已定榜的榜"]
    assert page.context["page"].object_list[0].applications_count == 1
    assert "还剩 3 天" in page.content.decode()

    def listed(**query):
        return [c.title for c in client.get(reverse("challenges:hall"), query).context["page"].object_list]

    assert listed(state="open") == ["电池榜", "城市交通榜"]
    assert listed(state="closed") == ["已截止的榜"]
    assert listed(state="reviewing") == ["评审中的榜"]
    assert listed(state="decided") == ["已定榜的榜"]
    states = [label for _value, label in page.context["form"].fields["state"].choices]
    assert states == ["全部", "征集中", "已截止", "评审中", "已定榜"]
    assert listed(issuer_kind="government") == ["城市交通榜"]
    assert listed(q="交通") == ["城市交通榜"]
    assert listed(field="new-energy") == ["电池榜"]
    assert later.pk and closed.pk


def test_the_hall_says_when_nothing_matches(client, db):
    response = client.get(reverse("challenges:hall"), {"q": "量子"})
    assert response.status_code == 200
    assert "没有符合条件的榜单" in response.content.decode()
    assert "目前还没有发布的榜单" in client.get(reverse("challenges:hall")).content.decode()


def test_the_hall_does_not_grow_queries_with_its_rows(client, enterprise, django_assert_max_num_queries):
    for n in range(12):
        make_challenge(enterprise, title=f"第 {n} 个榜单")
    with django_assert_max_num_queries(8):
        assert client.get(reverse("challenges:hall")).status_code == 200


def test_my_page_lists_my_organisations_calls_and_applications(login, charlie, bob, enterprise, university):
    draft = make_challenge(enterprise, title="一汽的草稿", status="draft")
    other = make_challenge(OrganisationFactory(kind="enterprise"), title="别人的榜")
    application = make_application(other, university)
    page = login(charlie).get(reverse("challenges:mine")).content.decode()
    assert draft.title in page and other.title not in page
    page = login(bob).get(reverse("challenges:mine")).content.decode()
    assert application.title in page and draft.title not in page


def test_the_queue_is_for_the_secretariat(login, sam, bob, enterprise):
    pending = make_challenge(enterprise, title="待审的榜", status="pending")
    closed = make_challenge(enterprise, title="截止的榜", days_left=-1)
    page = login(sam).get(reverse("challenges:queue")).content.decode()
    assert pending.title in page and closed.title in page
    assert login(bob).get(reverse("challenges:queue")).status_code == 403


# -- public Q&A -------------------------------------------------------------------------------------
def test_questions_are_public_once_answered(
    client, login, bob, charlie, nina, published, django_capture_on_commit_callbacks
):
    url = reverse("challenges:detail", args=[published.pk])
    login(bob).post(
        reverse("challenges:question-ask", args=[published.pk]), {"question": "是否接受联合申报？"}
    )
    question = ChallengeQuestion.objects.get()
    assert question.asked_by == bob
    assert "是否接受联合申报？" in login(bob).get(url).content.decode()
    assert "是否接受联合申报？" not in login(nina).get(url).content.decode()
    client.logout()
    assert "是否接受联合申报？" not in client.get(url).content.decode()

    forbidden = login(nina).post(
        reverse("challenges:question-answer", args=[question.pk]), {"answer": "可以"}
    )
    assert forbidden.status_code == 404  # nina cannot even see the open question

    with django_capture_on_commit_callbacks(execute=True):
        login(charlie).post(
            reverse("challenges:question-answer", args=[question.pk]), {"answer": "接受，牵头单位须在长春。"}
        )
    question.refresh_from_db()
    assert question.answered_by == charlie
    client.logout()
    page = client.get(url).content.decode()
    assert "是否接受联合申报？" in page and "接受，牵头单位须在长春。" in page
    assert Notification.objects.filter(recipient=bob, title__contains="已答复").exists()


def test_only_the_issuer_and_the_secretariat_answer(login, bob, published):
    question = ChallengeQuestion.objects.create(
        challenge=published, asked_by=bob, question="问题？", answer="旧答复"
    )
    response = login(bob).post(
        reverse("challenges:question-answer", args=[question.pk]), {"answer": "自问自答"}
    )
    assert response.status_code == 403
    question.refresh_from_db()
    assert question.answer == "旧答复"


def test_no_questions_after_the_deadline(login, bob, enterprise):
    closed = make_challenge(enterprise, days_left=-1)
    response = login(bob).post(
        reverse("challenges:question-ask", args=[closed.pk]), {"question": "还能申报吗？"}, follow=True
    )
    assert any("征集期内才能提问" in m for m in messages_of(response))
    assert not ChallengeQuestion.objects.exists()


def test_anonymous_visitors_sign_in_to_ask(client, published):
    response = client.post(reverse("challenges:question-ask", args=[published.pk]), {"question": "?"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not ChallengeQuestion.objects.exists()


# -- applications -----------------------------------------------------------------------------------
def test_apply_submit_withdraw_and_apply_again(
    login, bob, sam, charlie, published, university, django_capture_on_commit_callbacks
):
    client = login(bob)
    assert client.get(reverse("challenges:apply", args=[published.pk])).status_code == 200
    response = client.post(reverse("challenges:apply", args=[published.pk]), application_post(university))
    application = Application.objects.get()
    assert response.status_code == 302
    assert application.status == "draft" and application.lead == university and application.created_by == bob
    member = application.members.get()
    assert member.is_lead and member.name == "鲍勃"
    assert [m.amount for m in application.milestones.all()] == [Decimal("1500000"), Decimal("1500000")]

    # The issuer does not see a draft.
    assert (
        login(charlie).get(reverse("challenges:application-detail", args=[application.pk])).status_code == 404
    )

    with django_capture_on_commit_callbacks(execute=True):
        login(bob).post(reverse("challenges:application-submit", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == "submitted" and application.submitted_at is not None
    assert Notification.objects.filter(recipient=sam, title__contains="新的揭榜申报").exists()
    detail = login(charlie).get(reverse("challenges:detail", args=[published.pk])).content.decode()
    assert application.title in detail  # the issuer's people see the submitted applications

    login(bob).post(reverse("challenges:application-withdraw", args=[application.pk]), {"reason": "方案调整"})
    application.refresh_from_db()
    assert application.status == "withdrawn" and application.withdrawn_at is not None
    page = login(bob).get(reverse("challenges:application-detail", args=[application.pk])).content.decode()
    assert "方案调整" in page  # in the status history

    response = login(bob).post(reverse("challenges:apply", args=[published.pk]), application_post(university))
    assert response.status_code == 302
    assert Application.objects.filter(challenge=published, lead=university).count() == 2


def test_a_second_application_of_the_same_lead_is_refused(login, bob, published, university):
    existing = make_application(published, university, status="draft")
    response = login(bob).post(reverse("challenges:apply", args=[published.pk]), application_post(university))
    assert response.status_code == 302
    assert response.url == reverse("challenges:application-detail", args=[existing.pk])
    assert Application.objects.count() == 1
    followed = login(bob).get(reverse("challenges:apply", args=[published.pk]), follow=True)
    assert "本单位已就该榜单提交过申报。" in messages_of(followed)


def test_once_every_organisation_applied_the_call_offers_the_application_not_the_form(
    login, bob, published, university
):
    """Bob applies for 吉林大学 only: after its application the call shows 查看我的申报."""
    detail = reverse("challenges:detail", args=[published.pk])
    assert 'data-testid="apply"' in login(bob).get(detail).content.decode()
    mine = make_application(published, university, status="submitted")
    page = login(bob).get(detail).content.decode()
    assert 'data-testid="apply"' not in page and "我要揭榜" not in page
    assert (
        f'href="{reverse("challenges:application-detail", args=[mine.pk])}" data-testid="my-application"'
        in page
    )
    assert "查看我的申报" in page
    # Withdrawn, it no longer counts: Bob may apply again.
    Application.objects.filter(pk=mine.pk).update(status="withdrawn")
    assert 'data-testid="apply"' in login(bob).get(detail).content.decode()


def test_the_apply_form_offers_only_the_organisations_without_an_application(
    login, bob, published, university
):
    """Bob also administers an institute: 吉林大学 applied, so the form leads for the institute only."""
    institute = OrganisationFactory(name="长春应化所", kind="institute")
    MembershipFactory(user=bob, organisation=institute, role=Role.ORG_ADMIN)
    make_application(published, university, status="draft")
    page = login(bob).get(reverse("challenges:detail", args=[published.pk])).content.decode()
    assert 'data-testid="apply"' in page and 'data-testid="my-application"' not in page
    response = login(bob).get(reverse("challenges:apply", args=[published.pk]))
    assert list(response.context["form"].fields["lead"].queryset) == [institute]
    assert response.context["members"].forms[0].initial["organisation"] == institute.pk
    refused = login(bob).post(reverse("challenges:apply", args=[published.pk]), application_post(university))
    assert refused.status_code == 200 and "lead" in refused.context["form"].errors
    assert Application.objects.count() == 1


def test_a_member_renamed_away_from_the_linked_account_is_refused(login, bob, published, university):
    """The first row comes filled in with Bob and his account; renamed to 张三, it would check the
    wrong person for conflicts, so the service asks to correct the name or drop the account."""
    form = login(bob).get(reverse("challenges:apply", args=[published.pk])).context["members"].forms[0]
    assert (form.initial["name"], form.initial["user"]) == ("鲍勃", bob.pk)
    renamed = [{"name": "张三", "organisation": university.pk, "role": "项目负责人", "user": bob.pk}]
    response = login(bob).post(
        reverse("challenges:apply", args=[published.pk]), application_post(university, members=renamed)
    )
    assert response.status_code == 200
    assert response.context["member_errors"] == [
        "团队成员“张三”关联的账号是“鲍勃”，请改正姓名或取消关联账号。"
    ]
    assert not Application.objects.exists()
    with pytest.raises(ValidationError) as caught:
        application_services.application_create(
            actor=bob,
            challenge=published,
            lead=university,
            members=[{"name": "张三", "organisation": university, "user": bob}],
            title="方案",
        )
    assert caught.value.message_dict["members"] == [
        "团队成员“张三”关联的账号是“鲍勃”，请改正姓名或取消关联账号。"
    ]
    # The right name, or no account, is fine.
    for row in ({**renamed[0], "name": "鲍勃"}, {**renamed[0], "name": "张三", "user": ""}):
        Application.objects.all().delete()
        response = login(bob).post(
            reverse("challenges:apply", args=[published.pk]), application_post(university, members=[row])
        )
        assert response.status_code == 302, response.context["member_errors"]


def test_the_database_constraint_catches_a_duplicate_the_check_missed(
    monkeypatch, bob, published, university
):
    make_application(published, university)
    monkeypatch.setattr(application_services, "_live_duplicate", lambda *args, **kwargs: False)
    with pytest.raises(ValidationError) as caught:
        application_services.application_create(
            actor=bob,
            challenge=published,
            lead=university,
            title="并发的第二份",
            approach="同上",
            trl_now=4,
            trl_promised=6,
            team_summary="同上",
            budget_total=Decimal("100"),
            budget_public=Decimal("0"),
        )
    assert caught.value.message_dict == {"lead": ["本单位已就该榜单提交过申报。"]}
    assert Application.objects.count() == 1


def test_no_application_after_the_deadline(login, bob, enterprise, university):
    closed = make_challenge(enterprise, days_left=-1)
    response = login(bob).get(reverse("challenges:apply", args=[closed.pk]), follow=True)
    assert "揭榜截止日期已过，不能再提交申报。" in messages_of(response)
    response = login(bob).post(reverse("challenges:apply", args=[closed.pk]), application_post(university))
    assert not Application.objects.exists()


def test_a_draft_cannot_be_submitted_after_the_deadline(login, bob, enterprise, university):
    closed = make_challenge(enterprise, days_left=-1)
    draft = make_application(closed, university, status="draft", members=(("鲍勃", university, bob),))
    response = login(bob).post(reverse("challenges:application-submit", args=[draft.pk]), follow=True)
    assert "揭榜截止日期已过，不能再提交申报。" in messages_of(response)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_submission_needs_a_team_member(login, bob, published, university):
    draft = make_application(published, university, status="draft")
    response = login(bob).post(reverse("challenges:application-submit", args=[draft.pk]), follow=True)
    assert any("请至少填写一位团队成员" in m for m in messages_of(response))
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_no_withdrawal_after_the_deadline(login, bob, enterprise, university):
    closed = make_challenge(enterprise, days_left=-1)
    application = make_application(closed, university)
    response = login(bob).post(reverse("challenges:application-withdraw", args=[application.pk]), follow=True)
    assert "揭榜截止后不能撤回申报。" in messages_of(response)
    application.refresh_from_db()
    assert application.status == "submitted"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"trl_now": "6", "trl_promised": "5"}, "承诺的技术成熟度不能低于当前水平。"),
        ({"budget_public": "4000000", "budget_total": "9000000"}, "申请财政资金不能超过榜单的财政资金"),
        ({"budget_public": "3000000", "budget_total": "1000000"}, "申请财政资金不能超过预算总额。"),
        (
            {"milestones": [{"title": "验收", "month": "24", "amount": "1000000"}]},
            "各节点拨付金额合计（1000000 元）应等于申请财政资金（3000000 元）。",
        ),
        (
            {"milestones": [{"title": "验收", "month": "30", "amount": "3000000"}]},
            "超出实施周期（24 个月）",
        ),
    ],
)
def test_bad_applications_are_refused_with_a_reason(login, bob, published, university, change, message):
    response = login(bob).post(
        reverse("challenges:apply", args=[published.pk]), application_post(university, **change)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Application.objects.exists()


def test_a_team_member_must_belong_to_the_team(login, bob, published, university, enterprise):
    outsider = OrganisationFactory(kind="institute", name="不在团队的所")
    response = login(bob).post(
        reverse("challenges:apply", args=[published.pk]),
        application_post(university, members=[{"name": "路人", "organisation": outsider.pk}]),
    )
    assert "第 1 位成员的单位须为牵头单位或联合单位。" in response.content.decode()
    assert not Application.objects.exists()


def test_the_issuer_may_not_apply_to_its_own_challenge(login, charlie, published, enterprise):
    response = login(charlie).post(
        reverse("challenges:apply", args=[published.pk]), application_post(enterprise)
    )
    assert "发榜单位不能揭自己的榜。" in response.content.decode()
    assert not Application.objects.exists()
    assert (
        "我要揭榜"
        not in login(charlie).get(reverse("challenges:detail", args=[published.pk])).content.decode()
    )


def test_applying_for_an_organisation_one_does_not_belong_to_is_forbidden(
    login, bob, published, other_enterprise
):
    response = login(bob).post(
        reverse("challenges:apply", args=[published.pk]), application_post(other_enterprise)
    )
    assert response.status_code == 200  # not among the form's choices
    assert not Application.objects.exists()
    with pytest.raises(PermissionDenied):
        application_services.application_create(actor=bob, challenge=published, lead=other_enterprise)


def test_an_application_is_private_to_its_team_the_secretariat_and_after_submission_the_issuer(
    login, bob, sam, dave, nina, charlie, published, university
):
    application = make_application(published, university)
    url = reverse("challenges:application-detail", args=[application.pk])
    assert login(bob).get(url).status_code == 200
    assert login(sam).get(url).status_code == 200
    assert login(charlie).get(url).status_code == 200
    assert login(dave).get(url).status_code == 404
    assert login(nina).get(url).status_code == 404


def test_editing_a_draft_and_refusing_others(login, bob, charlie, dave, published, university):
    draft = make_application(published, university, status="draft")
    edit = reverse("challenges:application-edit", args=[draft.pk])
    assert login(dave).get(edit).status_code == 404
    response = login(bob).post(edit, application_post(university, title="改过的方案"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "改过的方案"
    submitted = make_application(published, OrganisationFactory(kind="institute"))
    assert login(charlie).get(reverse("challenges:application-edit", args=[submitted.pk])).status_code == 403


def test_attachments_are_checked_and_only_the_team_downloads_them(login, bob, nina, published, university):
    draft = make_application(published, university, status="draft")
    upload = reverse("challenges:attachment-upload", args=[draft.pk])
    pdf = SimpleUploadedFile("可行性报告.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    login(bob).post(upload, {"file": pdf})
    attachment = ApplicationAttachment.objects.get()
    assert attachment.name == "可行性报告.pdf" and attachment.content_type == "application/pdf"

    fake = SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = login(bob).post(upload, {"file": fake}, follow=True)
    assert any("不支持的文件类型" in m for m in messages_of(response))
    assert ApplicationAttachment.objects.count() == 1

    download = reverse("challenges:attachment", args=[attachment.pk])
    response = login(bob).get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 report"
    assert login(nina).get(download).status_code == 404


def test_each_role_sees_its_own_actions(client, login, sam, charlie, bob, enterprise, published, university):
    pending = make_challenge(enterprise, status="pending")
    page = login(sam).get(reverse("challenges:detail", args=[pending.pk])).content.decode()
    assert 'data-testid="approve"' in page and 'data-testid="return"' in page
    assert (
        'data-testid="approve"'
        not in login(charlie).get(reverse("challenges:detail", args=[pending.pk])).content.decode()
    )

    draft = make_challenge(enterprise, status="draft")
    page = login(charlie).get(reverse("challenges:detail", args=[draft.pk])).content.decode()
    assert 'data-testid="submit"' in page and 'data-testid="edit"' in page

    page = login(bob).get(reverse("challenges:detail", args=[published.pk])).content.decode()
    assert 'data-testid="apply"' in page and 'data-testid="submit"' not in page
    client.logout()
    page = client.get(reverse("challenges:detail", args=[published.pk])).content.decode()
    assert "登录后揭榜" in page and 'data-testid="apply"' not in page


def test_the_edit_form_shows_the_stored_rows(login, bob, published, university):
    draft = make_application(published, university, status="draft", members=(("鲍勃", university, bob),))
    page = login(bob).get(reverse("challenges:application-edit", args=[draft.pk])).content.decode()
    assert 'value="鲍勃"' in page and 'value="1500000' in page
