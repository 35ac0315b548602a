"""The challenge API: the same rules as the pages, answered as JSON (400 with messages, 403, 404).

Charlie (中国一汽) posts; Sam (secretariat) approves; Bob applies for 吉林大学; Dave administers
another enterprise; Nina belongs nowhere.
"""

import datetime

import pytest
from django.utils import timezone

from hebi.challenges.models import Application, Challenge, ChallengeQuestion
from hebi.core.roles import Role
from tests.challenge_factories import challenge_rubric, make_application, make_challenge
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

TODAY = timezone.localdate()


def challenge_body(**extra):
    return {
        "title": "车规级固态电池电解质界面稳定性攻关",
        "problem": "固态电池在低温下界面阻抗升高。",
        "budget_public": "3000000",
        "budget_enterprise": "6000000",
        "deadline": (TODAY + datetime.timedelta(days=30)).isoformat(),
        "duration_months": 24,
        "eligibility": "在长春注册的高校、院所或企业牵头。",
        "deliverables": "样品电池 10 只。",
        "indicators": [{"name": "能量密度", "target": "≥400", "unit": "Wh/kg"}],
        "milestones": [{"title": "中期考核", "month": 12}, {"title": "验收", "month": 24}],
    } | extra


def application_body(challenge, lead, **extra):
    return {
        "challenge": challenge.pk,
        "lead": lead.pk,
        "title": "原位聚合复合电解质方案",
        "approach": "采用原位聚合复合电解质。",
        "trl_now": 4,
        "trl_promised": 7,
        "team_summary": "教授 2 人。",
        "budget_total": "8000000",
        "budget_public": "3000000",
        "members": [{"name": "鲍勃", "organisation": lead.pk, "role": "项目负责人"}],
        "milestones": [
            {"title": "中期", "month": 12, "amount": "1500000"},
            {"title": "验收", "month": 24, "amount": "1500000"},
        ],
    } | extra


@pytest.fixture(autouse=True)
def rubric(db):
    return challenge_rubric()


@pytest.fixture
def dave(db):
    user = UserFactory(username="dave", display_name="戴夫")
    MembershipFactory(user=user, organisation=OrganisationFactory(kind="enterprise"), role=Role.ORG_ADMIN)
    return user


@pytest.fixture
def published(enterprise, charlie):
    return make_challenge(enterprise, contact=charlie, created_by=charlie)


def test_a_challenge_is_drafted_returned_and_published(api, charlie, sam, bob, enterprise):
    response = api(charlie).post("/api/v1/challenges/", challenge_body(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (
        body["status"] == "draft" and body["issuer"] == enterprise.pk and body["rubric"] == "challenge-2024"
    )
    assert [i["name"] for i in body["indicators"]] == ["能量密度"]
    pk = body["id"]

    assert api().get(f"/api/v1/challenges/{pk}/").status_code == 404
    assert api(bob).get(f"/api/v1/challenges/{pk}/").status_code == 404
    assert pk not in [c["id"] for c in api().get("/api/v1/challenges/").json()["results"]]

    assert api(charlie).post(f"/api/v1/challenges/{pk}/submit/").json()["status"] == "pending"
    assert api(charlie).post(f"/api/v1/challenges/{pk}/approve/").status_code == 403
    refused = api(sam).post(f"/api/v1/challenges/{pk}/return/", {"reason": ""}, format="json")
    assert refused.status_code == 400 and refused.json()["reason"] == ["请填写退回原因。"]
    returned = api(sam).post(f"/api/v1/challenges/{pk}/return/", {"reason": "预算不清"}, format="json")
    assert returned.json()["status"] == "returned" and returned.json()["review_note"] == "预算不清"

    patched = api(charlie).patch(
        f"/api/v1/challenges/{pk}/",
        {"indicators": [{"name": "循环寿命", "target": "≥1000", "unit": "次"}]},
        format="json",
    )
    assert patched.status_code == 200
    assert [i["name"] for i in patched.json()["indicators"]] == ["循环寿命"]
    api(charlie).post(f"/api/v1/challenges/{pk}/submit/")
    approved = api(sam).post(f"/api/v1/challenges/{pk}/approve/", {}, format="json").json()
    assert approved["status"] == "published" and approved["is_open"] is True
    assert [h["to_status"] for h in approved["history"]] == ["published", "pending", "returned", "pending"]

    public = api().get(f"/api/v1/challenges/{pk}/").json()
    assert public["title"] == "车规级固态电池电解质界面稳定性攻关"
    assert public["review_note"] == "" and public["history"] == []
    assert pk in [c["id"] for c in api().get("/api/v1/challenges/", {"state": "open"}).json()["results"]]


def test_bad_challenges_answer_400_and_store_nothing(api, charlie):
    response = api(charlie).post(
        "/api/v1/challenges/", challenge_body(budget_public="0", budget_enterprise="0"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["budget_public"] == ["财政资金与企业投入合计应大于 0。"]
    response = api(charlie).post(
        "/api/v1/challenges/",
        challenge_body(duration_months=6, milestones=[{"title": "验收", "month": 12}]),
        format="json",
    )
    assert response.status_code == 400 and "超出实施周期" in response.json()["milestones"][0]
    assert not Challenge.objects.exists()


def test_a_university_cannot_issue(api, bob):
    assert api(bob).post("/api/v1/challenges/", challenge_body(), format="json").status_code == 400
    response = api(bob).post(
        "/api/v1/challenges/", challenge_body(issuer=bob.memberships.get().organisation_id), format="json"
    )
    assert response.status_code == 403
    assert not Challenge.objects.exists()


def test_changing_another_organisations_challenge(api, dave, charlie, enterprise, published):
    draft = make_challenge(enterprise, status="draft")
    assert (
        api(dave).patch(f"/api/v1/challenges/{draft.pk}/", {"title": "x"}, format="json").status_code == 404
    )
    assert (
        api(dave).patch(f"/api/v1/challenges/{published.pk}/", {"title": "x"}, format="json").status_code
        == 403
    )
    response = api(charlie).patch(f"/api/v1/challenges/{published.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 400
    published.refresh_from_db()
    assert published.title != "x"


def test_starting_the_review(api, sam, charlie, enterprise, university):
    open_call = make_challenge(enterprise, days_left=2)
    response = api(sam).post(f"/api/v1/challenges/{open_call.pk}/start-review/")
    assert response.status_code == 400 and "之后才能开始评审" in response.json()["non_field_errors"][0]
    closed = make_challenge(enterprise, days_left=-1)
    make_application(closed, university)
    assert api(charlie).post(f"/api/v1/challenges/{closed.pk}/start-review/").status_code == 403
    assert api(sam).post(f"/api/v1/challenges/{closed.pk}/start-review/").json()["status"] == "reviewing"


def test_questions_and_answers(api, bob, charlie, nina, published, enterprise):
    asked = api(bob).post(
        "/api/v1/challenge-questions/",
        {"challenge": published.pk, "question": "可以联合申报吗？"},
        format="json",
    )
    assert asked.status_code == 201
    qid = asked.json()["id"]
    assert api().get("/api/v1/challenge-questions/", {"challenge": published.pk}).json()["results"] == []
    assert (
        len(api(bob).get("/api/v1/challenge-questions/", {"challenge": published.pk}).json()["results"]) == 1
    )
    assert (
        api(nina)
        .post(f"/api/v1/challenge-questions/{qid}/answer/", {"answer": "可"}, format="json")
        .status_code
        == 404
    )
    assert (
        api(bob)
        .post(f"/api/v1/challenge-questions/{qid}/answer/", {"answer": "可"}, format="json")
        .status_code
        == 403
    )
    answered = api(charlie).post(
        f"/api/v1/challenge-questions/{qid}/answer/", {"answer": "可以。"}, format="json"
    )
    assert answered.status_code == 200 and answered.json()["answer"] == "可以。"
    public = api().get("/api/v1/challenge-questions/", {"challenge": published.pk}).json()["results"]
    assert [q["answer"] for q in public] == ["可以。"]
    # Who asked is not told to the public or to other would-be applicants; the issuer and the asker see it.
    assert public[0]["asked_by"] is None
    assert (
        api(nina)
        .get("/api/v1/challenge-questions/", {"challenge": published.pk})
        .json()["results"][0]["asked_by"]
        is None
    )
    for reader in (bob, charlie):
        rows = api(reader).get("/api/v1/challenge-questions/", {"challenge": published.pk}).json()["results"]
        assert rows[0]["asked_by"] == str(bob)

    closed = make_challenge(enterprise, days_left=-1)
    late = api(bob).post(
        "/api/v1/challenge-questions/", {"challenge": closed.pk, "question": "晚了？"}, format="json"
    )
    assert late.status_code == 400
    assert ChallengeQuestion.objects.count() == 1


def test_apply_submit_withdraw_and_apply_again(api, bob, charlie, published, university):
    created = api(bob).post(
        "/api/v1/challenge-applications/", application_body(published, university), format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft" and body["members"][0]["is_lead"] is True
    pk = body["id"]
    assert api(charlie).get(f"/api/v1/challenge-applications/{pk}/").status_code == 404  # a draft

    submitted = api(bob).post(f"/api/v1/challenge-applications/{pk}/submit/")
    assert submitted.json()["status"] == "submitted" and submitted.json()["submitted_at"]
    assert api(charlie).get(f"/api/v1/challenge-applications/{pk}/").status_code == 200

    duplicate = api(bob).post(
        "/api/v1/challenge-applications/", application_body(published, university), format="json"
    )
    assert duplicate.status_code == 400 and duplicate.json()["lead"] == ["本单位已就该榜单提交过申报。"]

    withdrawn = api(bob).post(
        f"/api/v1/challenge-applications/{pk}/withdraw/", {"reason": "调整"}, format="json"
    )
    assert withdrawn.json()["status"] == "withdrawn"
    again = api(bob).post(
        "/api/v1/challenge-applications/", application_body(published, university), format="json"
    )
    assert again.status_code == 201
    assert Application.objects.filter(lead=university).count() == 2


def test_partial_update_of_a_draft(api, bob, dave, published, university):
    draft = make_application(published, university, status="draft")
    assert (
        api(dave)
        .patch(f"/api/v1/challenge-applications/{draft.pk}/", {"title": "x"}, format="json")
        .status_code
        == 404
    )
    response = api(bob).patch(
        f"/api/v1/challenge-applications/{draft.pk}/", {"trl_now": 8, "trl_promised": 6}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["trl_promised"] == ["承诺的技术成熟度不能低于当前水平。"]
    response = api(bob).patch(
        f"/api/v1/challenge-applications/{draft.pk}/", {"title": "新方案"}, format="json"
    )
    assert response.status_code == 200 and response.json()["title"] == "新方案"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"trl_now": 7, "trl_promised": 5}, "trl_promised", "承诺的技术成熟度不能低于当前水平。"),
        (
            {"milestones": [{"title": "验收", "month": 24, "amount": "100"}]},
            "milestones",
            "各节点拨付金额合计（100 元）应等于申请财政资金（3000000 元）。",
        ),
        (
            {"milestones": [{"title": "验收", "month": 36, "amount": "3000000"}]},
            "milestones",
            "第 1 个节点的月份（第 36 个月）超出实施周期（24 个月）。",
        ),
    ],
)
def test_bad_applications_answer_400(api, bob, published, university, change, field, message):
    response = api(bob).post(
        "/api/v1/challenge-applications/", application_body(published, university, **change), format="json"
    )
    assert response.status_code == 400
    assert message in response.json()[field]
    assert not Application.objects.exists()


def test_the_issuer_cannot_apply_to_itself(api, charlie, published, enterprise):
    response = api(charlie).post(
        "/api/v1/challenge-applications/", application_body(published, enterprise), format="json"
    )
    assert response.status_code == 400 and response.json()["lead"] == ["发榜单位不能揭自己的榜。"]


def test_deadlines_bind_applying_submitting_and_withdrawing(api, bob, enterprise, university):
    closed = make_challenge(enterprise, days_left=-1)
    response = api(bob).post(
        "/api/v1/challenge-applications/", application_body(closed, university), format="json"
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["揭榜截止日期已过，不能再提交申报。"]
    submitted = make_application(closed, university)
    response = api(bob).post(f"/api/v1/challenge-applications/{submitted.pk}/withdraw/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["揭榜截止后不能撤回申报。"]


def test_the_application_list_is_scoped(api, bob, nina, sam, published, university):
    mine = make_application(published, university)
    other = make_application(published, OrganisationFactory(kind="institute"), status="draft")
    assert [a["id"] for a in api(bob).get("/api/v1/challenge-applications/").json()["results"]] == [mine.pk]
    assert api(nina).get("/api/v1/challenge-applications/").json()["results"] == []
    assert api(nina).get(f"/api/v1/challenge-applications/{mine.pk}/").status_code == 404
    ids = {a["id"] for a in api(sam).get("/api/v1/challenge-applications/").json()["results"]}
    assert ids == {mine.pk, other.pk}
    assert api().get("/api/v1/challenge-applications/").status_code in (401, 403)


def test_attachments_through_the_api(api, bob, charlie, published, university):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hebi.challenges.models import ApplicationAttachment

    pk = (
        api(bob)
        .post("/api/v1/challenge-applications/", application_body(published, university), format="json")
        .json()["id"]
    )
    url = f"/api/v1/challenge-applications/{pk}/attachments/"
    pdf = SimpleUploadedFile("方案.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    added = api(bob).post(url, {"file": pdf}, format="multipart")
    assert added.status_code == 201 and added.json()["name"] == "方案.pdf"
    # A file whose content is not what its name says is refused; nothing is stored.
    fake = SimpleUploadedFile("伪装.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    assert api(bob).post(url, {"file": fake}, format="multipart").status_code == 400
    assert ApplicationAttachment.objects.count() == 1
    # Another organisation cannot see the draft, so not its files either.
    other = SimpleUploadedFile("x.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    assert api(charlie).post(url, {"file": other}, format="multipart").status_code == 404
    attachment = added.json()["id"]
    assert api(bob).delete(f"{url}{attachment}/").status_code == 204
    assert not ApplicationAttachment.objects.exists()
    assert api(bob).delete(f"{url}99999999999999999999/").status_code == 404
    # After submission the files are fixed.
    api(bob).post(url, {"file": SimpleUploadedFile("b.pdf", b"%PDF-1.4 b")}, format="multipart")
    api(bob).post(f"/api/v1/challenge-applications/{pk}/submit/")
    late = api(bob).post(url, {"file": SimpleUploadedFile("c.pdf", b"%PDF-1.4 c")}, format="multipart")
    assert late.status_code == 400 and ApplicationAttachment.objects.count() == 1
