"""Organisation pages: the directory, profiles, registration, editing and the members page."""

import pytest
from django.urls import reverse

from hebi.core.models import AuditLog
from hebi.orgs.models import Membership, Organisation
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

VALID_USCC = "91350100M000100Y43"


def org_form(**overrides):
    data = {
        "name": "长春新材料科技有限公司",
        "short_name": "新材料",
        "name_en": "",
        "kind": "enterprise",
        "uscc": VALID_USCC,
        "region": "220100",
        "description": "",
        "website": "",
        "address": "",
        "contact_email": "",
        "contact_phone": "",
    }
    data.update(overrides)
    return data


# -- directory and profile ------------------------------------------------------------------
def test_it_requires_sign_in_for_the_directory(client):
    response = client.get(reverse("orgs:directory"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_it_lists_and_filters_organisations(login, bob, university, enterprise):
    response = login(bob).get(reverse("orgs:directory"), {"kind": "enterprise"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "中国第一汽车集团有限公司" in body
    assert "吉林大学" not in body


def test_it_searches_the_directory_by_short_name(login, bob, university, enterprise):
    body = login(bob).get(reverse("orgs:directory"), {"q": "一汽"}).content.decode()
    assert "中国第一汽车集团有限公司" in body and "吉林大学</a>" not in body


def test_it_shows_an_empty_state(login, bob):
    body = login(bob).get(reverse("orgs:directory"), {"q": "不存在的机构"}).content.decode()
    assert "没有符合条件的机构" in body


def test_it_paginates_the_directory(login, bob):
    OrganisationFactory.create_batch(25)
    first = login(bob).get(reverse("orgs:directory")).content.decode()
    assert "第 1 / 2 页" in first
    second = login(bob).get(reverse("orgs:directory"), {"page": 2})
    assert second.status_code == 200


def test_it_ignores_bad_filter_input(login, bob, university):
    response = login(bob).get(reverse("orgs:directory"), {"kind": "<script>", "page": "abc"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_the_profile_is_public_but_history_is_for_members(login, alice, charlie, university):
    url = reverse("orgs:detail", args=[university.pk])
    assert 'id="history"' in login(alice).get(url).content.decode()
    other = login(charlie).get(url)
    assert other.status_code == 200
    assert 'id="history"' not in other.content.decode()


def test_it_404s_for_an_unknown_organisation(login, bob):
    assert login(bob).get(reverse("orgs:detail", args=[99999])).status_code == 404


# -- registration by platform admins ------------------------------------------------------
def test_a_platform_admin_registers_an_organisation(login, pat):
    response = login(pat).post(reverse("orgs:create"), org_form())
    organisation = Organisation.objects.get(name="长春新材料科技有限公司")
    assert response.status_code == 302
    assert organisation.uscc == VALID_USCC
    entry = AuditLog.objects.get(object_id=str(organisation.pk), action="create")
    assert entry.actor == pat and entry.changes["uscc"] == [None, VALID_USCC]


def test_an_org_admin_cannot_register_organisations(login, alice):
    assert login(alice).get(reverse("orgs:create")).status_code == 403
    response = login(alice).post(reverse("orgs:create"), org_form())
    assert response.status_code == 403
    assert not Organisation.objects.filter(name="长春新材料科技有限公司").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"uscc": "91350100M000100Y44"}, "校验位错误"),
        ({"name": ""}, "该字段是必填项"),
        ({"name": "长" * 101}, "不超过 100 字符"),
        ({"region": "999999"}, "选择一个有效的选项"),
    ],
)
def test_bad_organisation_input_is_refused_in_chinese_and_writes_nothing(login, pat, overrides, message):
    before = AuditLog.objects.count()
    response = login(pat).post(reverse("orgs:create"), org_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Organisation.objects.filter(kind="enterprise").count() == 0
    assert AuditLog.objects.count() == before


def test_a_duplicate_organisation_is_refused(login, pat, enterprise):
    response = login(pat).post(reverse("orgs:create"), org_form(name="中国第一汽车集团有限公司"))
    assert "已有同名机构" in response.content.decode()
    assert Organisation.objects.filter(name="中国第一汽车集团有限公司").count() == 1


def test_a_duplicate_credit_code_is_refused(login, pat, enterprise):
    enterprise.uscc = VALID_USCC
    enterprise.save()
    response = login(pat).post(reverse("orgs:create"), org_form(uscc=VALID_USCC.lower()))
    assert "统一社会信用代码" in response.content.decode()
    assert Organisation.objects.filter(uscc=VALID_USCC).count() == 1


# -- editing --------------------------------------------------------------------------------
def test_an_org_admin_edits_their_organisation_and_the_change_is_audited(login, alice, university):
    response = login(alice).post(
        reverse("orgs:edit", args=[university.pk]),
        org_form(name="吉林大学", kind="university", uscc="", description="综合性大学"),
    )
    assert response.status_code == 302
    university.refresh_from_db()
    assert university.description == "综合性大学"
    entry = AuditLog.objects.get(object_id=str(university.pk), action="update")
    assert entry.changes["description"] == ["", "综合性大学"]
    history = login(alice).get(reverse("orgs:detail", args=[university.pk])).content.decode()
    assert "综合性大学" in history and "爱丽丝" in history


def test_a_researcher_cannot_edit_their_organisation(login, bob, university):
    response = login(bob).post(reverse("orgs:edit", args=[university.pk]), org_form(name="改名大学"))
    assert response.status_code == 403
    university.refresh_from_db()
    assert university.name == "吉林大学"


def test_another_organisation_cannot_edit(login, charlie, university):
    assert login(charlie).get(reverse("orgs:edit", args=[university.pk])).status_code == 403
    assert login(charlie).post(reverse("orgs:edit", args=[university.pk]), org_form()).status_code == 403
    assert not AuditLog.objects.filter(object_id=str(university.pk), action="update").exists()


def test_html_in_fields_is_shown_escaped(login, alice, university):
    login(alice).post(
        reverse("orgs:edit", args=[university.pk]),
        org_form(name="吉林大学", kind="university", uscc="", description="<script>alert(1)</script>"),
    )
    body = login(alice).get(reverse("orgs:detail", args=[university.pk])).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# -- members --------------------------------------------------------------------------------
def test_members_see_the_members_page(login, bob, alice, university):
    body = login(bob).get(reverse("orgs:members", args=[university.pk])).content.decode()
    assert "爱丽丝" in body and "鲍勃" in body
    assert "邀请新成员" not in body  # only admins manage


def test_another_organisation_gets_404_for_the_members_page(login, charlie, university):
    assert login(charlie).get(reverse("orgs:members", args=[university.pk])).status_code == 404


def test_the_secretariat_may_look_at_members(login, sam, alice, university):
    assert login(sam).get(reverse("orgs:members", args=[university.pk])).status_code == 200


def test_a_member_who_is_not_admin_cannot_post_to_members(login, bob, university):
    response = login(bob).post(
        reverse("orgs:members", args=[university.pk]),
        {"action": "invite", "email": "x@example.cn", "role": "staff"},
    )
    assert response.status_code == 403


def test_an_admin_adds_a_role_to_a_colleague(login, alice, bob, university):
    response = login(alice).post(
        reverse("orgs:members", args=[university.pk]),
        {"action": "add_role", "username": "bob", "role": "expert"},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=bob, organisation=university, role="expert").exists()


def test_an_admin_cannot_grant_platform_roles(login, alice, bob, university):
    response = login(alice).post(
        reverse("orgs:members", args=[university.pk]),
        {"action": "add_role", "username": "bob", "role": "platform_admin"},
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(user=bob, role="platform_admin").exists()


def test_an_admin_cannot_add_a_stranger_by_username(login, alice, charlie, university):
    response = login(alice).post(
        reverse("orgs:members", args=[university.pk]),
        {"action": "add_role", "username": "charlie", "role": "staff"},
    )
    assert "没有找到该用户" in response.content.decode()
    assert not Membership.objects.filter(user=charlie, organisation=university).exists()


def test_an_admin_removes_a_role(login, alice, bob, university):
    membership = Membership.objects.get(user=bob, organisation=university)
    response = login(alice).post(reverse("orgs:membership-remove", args=[university.pk, membership.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditLog.objects.filter(action="delete", object_id=str(membership.pk)).exists()


def test_the_last_admin_cannot_be_removed(login, alice, university):
    membership = Membership.objects.get(user=alice, organisation=university, role="org_admin")
    login(alice).post(reverse("orgs:membership-remove", args=[university.pk, membership.pk]))
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_another_organisation_cannot_remove_roles(login, charlie, bob, university):
    membership = Membership.objects.get(user=bob, organisation=university)
    response = login(charlie).post(reverse("orgs:membership-remove", args=[university.pk, membership.pk]))
    assert response.status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_membership_of_another_org_cannot_be_removed_through_mine(
    login, alice, charlie, university, enterprise
):
    membership = Membership.objects.get(user=charlie, organisation=enterprise)
    response = login(alice).post(reverse("orgs:membership-remove", args=[university.pk, membership.pk]))
    assert response.status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_person_with_two_roles_is_listed_once_with_both(login, alice, bob, university):
    Membership.objects.create(user=bob, organisation=university, role="expert")
    body = login(alice).get(reverse("orgs:members", args=[university.pk])).content.decode()
    assert body.count(reverse("accounts:person-detail", args=[bob.pk])) == 1
    assert "科研人员" in body and "专家" in body
