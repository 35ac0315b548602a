"""Sign-in, lock-out, passwords, invitations, profiles and language."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from hebi.accounts.models import Invitation, User
from hebi.core.models import AuditLog
from hebi.orgs.models import Membership
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_signs_in_and_out(client, bob):
    response = client.post(reverse("accounts:login"), {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("core:home")).context["user"] == bob
    client.post(reverse("accounts:logout"))
    assert not client.get(reverse("core:home")).context["user"].is_authenticated


def test_a_wrong_password_gets_a_chinese_message(client, bob):
    response = client.post(reverse("accounts:login"), {"username": "bob", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_it_locks_out_after_repeated_failures(client, bob, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "bob", "password": "wrong"})
    response = client.post(reverse("accounts:login"), {"username": "bob", "password": PASSWORD})
    assert response.status_code == 429
    assert "账户已暂时锁定" in response.content.decode()
    assert not client.get(reverse("core:home")).context["user"].is_authenticated


def test_it_changes_the_password_and_audits_it(login, bob):
    client = login(bob)
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-secret-7",
            "new_password2": "a-much-longer-secret-7",
        },
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password("a-much-longer-secret-7")
    entry = AuditLog.objects.get(action="password", object_id=str(bob.pk))
    assert entry.changes == {}


def test_it_resets_a_forgotten_password_by_email(client, bob):
    client.post(reverse("accounts:password-reset"), {"email": bob.email})
    assert len(mail.outbox) == 1
    assert "重设密码" in mail.outbox[0].subject
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "brand-new-secret-99", "new_password2": "brand-new-secret-99"}
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password("brand-new-secret-99")


def test_a_reset_for_an_unknown_email_sends_nothing_and_reveals_nothing(client, bob):
    response = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.cn"})
    assert response.status_code == 302
    assert mail.outbox == []


# -- invitations --------------------------------------------------------------------------
def invite(client, organisation, email="newbie@example.cn", role="researcher"):
    return client.post(
        reverse("orgs:members", args=[organisation.pk]), {"action": "invite", "email": email, "role": role}
    )


def test_an_admin_invites_and_the_invitee_signs_up(
    login, alice, university, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(login(alice), university)
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "吉林大学" in mail.outbox[0].subject
    path = re.search(r"http://testserver(/accounts/invitations/\S+/)", mail.outbox[0].body).group(1)
    client.logout()
    assert "以“科研人员”身份加入" in client.get(path).content.decode()
    response = client.post(
        path,
        {
            "username": "newbie",
            "display_name": "新同事",
            "password1": "long-enough-secret-1",
            "password2": "long-enough-secret-1",
        },
    )
    assert response.status_code == 302
    newbie = User.objects.get(username="newbie")
    assert newbie.email == "newbie@example.cn"
    assert Membership.objects.filter(user=newbie, organisation=university, role="researcher").exists()
    assert Invitation.objects.get().status == "accepted"
    # The same link cannot be used twice.
    assert client.get(path).status_code == 410


def test_an_existing_user_accepts_an_invitation_while_signed_in(login, alice, charlie, university):
    invite(login(alice), university, email=charlie.email, role="expert")
    token = Invitation.objects.get().token
    response = login(charlie).post(reverse("accounts:invitation-accept", args=[token]))
    assert response.status_code == 302
    assert Membership.objects.filter(user=charlie, organisation=university, role="expert").exists()


def test_an_invitation_for_someone_else_cannot_be_taken(login, alice, charlie, university):
    invite(login(alice), university, email="someone@example.cn")
    token = Invitation.objects.get().token
    response = login(charlie).post(reverse("accounts:invitation-accept", args=[token]))
    assert response.status_code == 200
    assert "不一致" in response.content.decode()
    assert not Membership.objects.filter(user=charlie, organisation=university).exists()


def test_a_bad_signup_writes_nothing(login, alice, university, client):
    invite(login(alice), university)
    token = Invitation.objects.get().token
    client.logout()
    audit_rows = AuditLog.objects.count()
    response = client.post(
        reverse("accounts:invitation-accept", args=[token]),
        {"username": "bad name!", "display_name": "", "password1": "123", "password2": "456"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "用户名只能包含" in body and "两次输入的密码不一致" in body
    assert not User.objects.filter(username="bad name!").exists()
    assert AuditLog.objects.count() == audit_rows
    assert Invitation.objects.get().status == "pending"


def test_a_revoked_invitation_cannot_be_accepted(login, alice, university, client):
    invite(login(alice), university)
    invitation = Invitation.objects.get()
    login(alice).post(reverse("orgs:invitation-revoke", args=[university.pk, invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    client.logout()
    assert client.get(reverse("accounts:invitation-accept", args=[invitation.token])).status_code == 410


def test_an_unknown_invitation_is_404(client, db):
    assert client.get(reverse("accounts:invitation-accept", args=["nope"])).status_code == 404


def test_a_duplicate_pending_invitation_is_refused(login, alice, university):
    invite(login(alice), university)
    response = invite(login(alice), university)
    assert "已向该邮箱发出相同角色的邀请" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_a_bad_email_is_refused(login, alice, university):
    response = invite(login(alice), university, email="not-an-email")
    assert "请输入合法的邮件地址" in response.content.decode()
    assert Invitation.objects.count() == 0


def test_another_organisation_cannot_revoke_invitations(login, alice, charlie, university):
    invite(login(alice), university)
    invitation = Invitation.objects.get()
    response = login(charlie).post(reverse("orgs:invitation-revoke", args=[university.pk, invitation.pk]))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"


# -- profile, people, language ----------------------------------------------------------------
def test_it_edits_the_profile_with_history(login, bob):
    response = login(bob).post(
        reverse("accounts:profile"),
        {"display_name": "鲍勃·新", "title": "教授", "phone": "", "email": bob.email, "language": "zh-hans"},
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.display_name == "鲍勃·新"
    assert "鲍勃·新" in login(bob).get(reverse("accounts:profile")).content.decode()


def test_a_taken_email_is_refused_on_the_profile(login, bob, alice):
    response = login(bob).post(
        reverse("accounts:profile"),
        {"display_name": "鲍勃", "title": "", "phone": "", "email": alice.email, "language": "zh-hans"},
    )
    assert "该邮箱已被其他账户使用" in response.content.decode()
    bob.refresh_from_db()
    assert bob.email != alice.email


def test_colleagues_see_each_other_but_strangers_get_404(login, alice, bob, charlie):
    assert login(alice).get(reverse("accounts:person-detail", args=[bob.pk])).status_code == 200
    assert login(charlie).get(reverse("accounts:person-detail", args=[bob.pk])).status_code == 404


def test_chinese_is_the_default_even_for_an_english_browser(client, bob):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录合璧" in response.content.decode()


def test_a_user_switches_to_english_and_it_sticks(login, bob):
    client = login(bob)
    client.post(reverse("accounts:set-language"), {"language": "en", "next": "/"})
    bob.refresh_from_db()
    assert bob.language == "en"
    body = client.get(reverse("core:home")).content.decode()
    assert "My organisations and roles" in body
    assert 'lang="en"' in body


def test_an_anonymous_visitor_switches_language_by_cookie(client, db):
    client.post(reverse("accounts:set-language"), {"language": "en", "next": "/accounts/login/"})
    assert "Sign in to Hebi" in client.get(reverse("accounts:login")).content.decode()


def test_an_unknown_language_or_foreign_redirect_is_refused(login, bob):
    client = login(bob)
    response = client.post(
        reverse("accounts:set-language"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    bob.refresh_from_db()
    assert bob.language == "zh-hans"
