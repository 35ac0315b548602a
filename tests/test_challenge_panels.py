"""Forming a panel: experts in conflict are left out with their reasons, found through
memberships, results' teams, patents' inventors and declarations; the panel keeps the rubric's
minimum size or nothing is written.

Charlie's 中国一汽 posted the challenge; 吉林大学 (Alice, Bob) leads an application with
长春理工大学 as partner; Sam sits in the committee secretariat.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hebi.challenges import conflicts, panels
from hebi.challenges.models import Panel, PanelExclusion, PanelMember
from hebi.core.models import AuditLog, Notification
from hebi.core.roles import Role
from tests.challenge_factories import (
    declare,
    make_application,
    make_challenge,
    make_contract,
    make_expert,
    make_experts,
)
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.test_catalog import make_result
from tests.test_patents import make_patent

pytestmark = pytest.mark.django_db


@pytest.fixture
def cust(db):
    return OrganisationFactory(name="长春理工大学", kind="university")


@pytest.fixture
def challenge(enterprise):
    return make_challenge(enterprise, status="reviewing")


@pytest.fixture
def application(challenge, university, cust, bob):
    return make_application(
        challenge,
        university,
        partners=(cust,),
        members=(("鲍勃", university, bob), ("赵敏", cust, None)),
        created_by=bob,
    )


def reasons_of(panel, expert):
    return PanelExclusion.objects.get(panel=panel, expert=expert).reasons


def test_the_secretariat_forms_a_panel_and_people_in_conflict_are_left_out(
    sam, challenge, application, enterprise, university, cust, django_capture_on_commit_callbacks
):
    clean = make_experts(5)
    from_issuer = make_expert("一汽专家", organisation=enterprise)
    from_partner = make_expert("理工专家", organisation=cust)
    with django_capture_on_commit_callbacks(execute=True):
        panel = panels.form_panel(
            actor=sam, challenge=challenge, experts=[*clean, from_issuer, from_partner], chair=clean[0]
        )
    assert set(panel.experts.all()) == set(clean)
    assert PanelMember.objects.get(panel=panel, expert=clean[0]).is_chair
    assert [r["kind"] for r in reasons_of(panel, from_issuer)] == ["issuer"]
    partner_reasons = reasons_of(panel, from_partner)
    assert [(r["kind"], r["application"]) for r in partner_reasons] == [("same_org", application.pk)]
    assert "长春理工大学" in partner_reasons[0]["detail"]
    assert AuditLog.objects.filter(object_id=str(panel.pk), action="create").exists()
    # The seated experts are invited; the excluded ones are not.
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {e.user_id for e in clean}


def test_a_coauthor_of_a_registered_result_is_found_through_its_team(sam, challenge, university, cust):
    lab = OrganisationFactory(name="汽车仿真与控制国家重点实验室", kind="lab")
    lab_admin = UserFactory(username="lab_admin")
    MembershipFactory(user=lab_admin, organisation=lab, role=Role.ORG_ADMIN)
    coauthor = make_expert("孙教授")
    member = UserFactory(username="lin", display_name="林博士")
    for person in (coauthor.user, member):
        MembershipFactory(user=person, organisation=lab, role=Role.RESEARCHER)
    make_result(lab_admin, lab, title="线控底盘协同控制", team=[coauthor.user, member])
    make_application(challenge, university, members=(("林博士", university, member),))
    clean = make_experts(5)
    panel = panels.form_panel(actor=sam, challenge=challenge, experts=[*clean, coauthor])
    reasons = reasons_of(panel, coauthor)
    assert [r["kind"] for r in reasons] == ["coauthor"]
    assert "林博士" in reasons[0]["detail"] and "线控底盘协同控制" in reasons[0]["detail"]


def test_a_co_inventor_of_a_registered_patent_is_found_through_its_inventors(
    sam, alice, challenge, application, university
):
    inventor = make_expert("王立新")
    make_patent(alice, university, inventors="王立新；赵敏")
    clean = make_experts(5)
    panel = panels.form_panel(actor=sam, challenge=challenge, experts=[*clean, inventor])
    reasons = reasons_of(panel, inventor)
    assert [r["kind"] for r in reasons] == ["coinventor"]
    assert "赵敏" in reasons[0]["detail"]


def test_an_expert_who_declared_the_lead_or_a_team_member_is_left_out(
    sam, challenge, application, university
):
    by_org, by_person = make_expert("周专家"), make_expert("吴专家")
    declare(by_org, organisation=university, reason="兼职教授")
    declare(by_person, person="赵敏", reason="博士导师")
    panel = panels.form_panel(actor=sam, challenge=challenge, experts=[*make_experts(5), by_org, by_person])
    assert reasons_of(panel, by_org)[0]["detail"] == "本人申报回避 吉林大学：兼职教授"
    assert reasons_of(panel, by_person)[0]["detail"] == "本人申报回避 赵敏：博士导师"
    assert panel.memberships.count() == 5


def test_preview_shows_the_same_reasons_and_writes_nothing(sam, challenge, application, enterprise):
    from_issuer = make_expert("一汽专家", organisation=enterprise)
    clean = make_experts(2)
    found = panels.preview(
        challenge=challenge,
        experts=[*clean, from_issuer],
        applications=panels.applications_under_review(challenge),
    )
    assert list(found) == [from_issuer.pk]
    assert found[from_issuer.pk][0]["kind"] == "issuer"
    assert not Panel.objects.exists()


def test_a_panel_too_small_after_exclusions_is_refused_with_the_numbers(
    sam, challenge, application, enterprise
):
    experts = [*make_experts(4), make_expert("一汽专家", organisation=enterprise)]
    with pytest.raises(ValidationError) as caught:
        panels.form_panel(actor=sam, challenge=challenge, experts=experts)
    assert caught.value.messages == [
        "专家组至少需要 5 名无利益冲突的专家；所选 5 人中有 1 人需回避，还差 1 人。"
    ]
    assert not Panel.objects.exists() and not PanelMember.objects.exists()


def test_only_the_secretariat_forms_panels_and_only_during_the_review(
    charlie, sam, enterprise, challenge, application
):
    experts = make_experts(5)
    with pytest.raises(PermissionDenied):
        panels.form_panel(actor=charlie, challenge=challenge, experts=experts)
    published = make_challenge(enterprise, status="published")
    make_application(published, OrganisationFactory())
    with pytest.raises(ValidationError, match="榜单进入评审阶段后才能组建评审专家组"):
        panels.form_panel(actor=sam, challenge=published, experts=experts)
    panels.form_panel(actor=sam, challenge=challenge, experts=experts)
    with pytest.raises(ValidationError, match="该榜单已组建评审专家组"):
        panels.form_panel(actor=sam, challenge=challenge, experts=make_experts(5))
    assert Panel.objects.count() == 1


def test_a_chair_in_conflict_and_an_expert_out_of_the_pool_are_refused(
    sam, challenge, application, enterprise
):
    clean = make_experts(5)
    from_issuer = make_expert("一汽专家", organisation=enterprise)
    with pytest.raises(ValidationError, match="组长须是专家组成员且无需回避"):
        panels.form_panel(actor=sam, challenge=challenge, experts=[*clean, from_issuer], chair=from_issuer)
    retired = make_expert("退休专家", is_active=False)
    with pytest.raises(ValidationError, match="退休专家"):
        panels.form_panel(actor=sam, challenge=challenge, experts=[*clean, retired])
    assert not Panel.objects.exists()


def test_conflicted_for_sees_a_conflict_declared_after_the_panel_was_formed(
    sam, challenge, application, university
):
    clean = make_experts(5)
    panel = panels.form_panel(actor=sam, challenge=challenge, experts=clean)
    assert panels.conflicted_for(panel, clean[0], application) == []
    declare(clean[0], organisation=university, reason="新近受聘为兼职教授")
    reasons = panels.conflicted_for(panel, clean[0], application)
    assert [(r["kind"], r["application"]) for r in reasons] == [("declared", application.pk)]


def test_conflicted_for_returns_the_stored_reasons_of_an_excluded_expert(
    sam, challenge, application, enterprise
):
    from_issuer = make_expert("一汽专家", organisation=enterprise)
    panel = panels.form_panel(actor=sam, challenge=challenge, experts=[*make_experts(5), from_issuer])
    assert [r["kind"] for r in panels.conflicted_for(panel, from_issuer, application)] == ["issuer"]


def test_a_milestone_panel_reviews_the_winners_contract_only(sam, challenge, application, university):
    contract = make_contract(application)
    milestone = contract.milestones.first()
    member_of_winner = make_expert("吉大专家", organisation=university)
    panel = panels.form_panel(
        actor=sam,
        challenge=challenge,
        experts=[*make_experts(5), member_of_winner],
        kind=Panel.Kind.MIDTERM,
        milestone=milestone,
    )
    assert panel.kind == "midterm" and panel.milestone == milestone
    assert reasons_of(panel, member_of_winner)[0]["kind"] == "same_org"


def test_members_are_added_and_removed_on_the_review_panel_only_and_every_change_is_audited(
    sam, challenge, application
):
    clean = make_experts(5)
    panel = panels.form_panel(actor=sam, challenge=challenge, experts=clean)
    extra = make_expert("增补专家")
    member = panels.panel_add_member(actor=sam, panel=panel, expert=extra)
    assert member.panel == panel and not member.is_chair
    added = AuditLog.objects.filter(object_id=str(panel.pk), action="update").latest("at")
    assert added.note == "增补专家 增补专家" and "增补专家" in added.changes["experts"][1]
    panels.panel_remove_member(actor=sam, panel=panel, expert=clean[0], reason="评分期间发现利益冲突")
    assert [r["kind"] for r in reasons_of(panel, clean[0])] == [panels.REMOVED]
    assert AuditLog.objects.filter(object_id=str(panel.pk), action="update").count() == 2

    milestone = make_contract(application).milestones.first()
    midterm = panels.form_panel(
        actor=sam, challenge=challenge, experts=make_experts(5), kind=Panel.Kind.MIDTERM, milestone=milestone
    )
    with pytest.raises(ValidationError, match="只有揭榜评审专家组"):
        panels.panel_add_member(actor=sam, panel=midterm, expert=make_expert("考核增补"))
    with pytest.raises(ValidationError, match="只有揭榜评审专家组"):
        panels.panel_remove_member(actor=sam, panel=midterm, expert=midterm.experts.first(), reason="无")
    assert midterm.memberships.count() == 5


def test_a_milestone_panel_seat_opens_the_contract_but_not_the_other_applications(
    sam, challenge, application, enterprise
):
    from hebi.challenges import permissions

    other = make_application(challenge, OrganisationFactory(name="东北师范大学"), status="not_awarded")
    contract = make_contract(application)
    examiners = make_experts(5)
    panels.form_panel(
        actor=sam,
        challenge=challenge,
        experts=examiners,
        kind=Panel.Kind.ACCEPTANCE,
        milestone=contract.milestones.last(),
    )
    user = examiners[0].user
    assert permissions.sits_on_panel(user, challenge)
    assert permissions.sits_on_panel(user, challenge, application=application)
    assert not permissions.sits_on_panel(user, challenge, application=other)
    assert permissions.can_view_contract(user, contract)
    assert not permissions.can_view_application(user, other)
    reviewer = make_experts(5)
    panels.form_panel(actor=sam, challenge=challenge, experts=reviewer)
    assert permissions.sits_on_panel(reviewer[0].user, challenge, application=other)


def test_a_reason_whose_detail_names_its_kind_is_shown_with_the_kind_once():
    declared = conflicts.labelled(
        {"kind": "declared", "detail": "本人申报回避 吉林大学：兼职教授"}, "本人申报回避"
    )
    assert (declared["repeats"], declared["shown"]) == (True, "吉林大学：兼职教授")
    same_org = conflicts.labelled(
        {"kind": "same_org", "detail": "本人所在单位 吉林大学 为申报单位"}, "申报单位人员"
    )
    assert (same_org["repeats"], same_org["shown"]) == (False, "本人所在单位 吉林大学 为申报单位")
