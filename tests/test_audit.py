"""The audit trail and its page."""

import pytest
from django.urls import reverse

from hebi.core.models import AuditLog
from hebi.orgs import services

pytestmark = pytest.mark.django_db


def test_a_service_write_records_who_what_and_before_after(alice, university):
    changes = services.organisation_update(actor=alice, organisation=university, address="前进大街2699号")
    assert changes == {"address": ["", "前进大街2699号"]}
    entry = AuditLog.objects.get(action="update")
    assert entry.actor == alice
    assert entry.organisation == university
    assert entry.object_label == "吉林大学"
    assert entry.changes == {"address": ["", "前进大街2699号"]}


def test_saving_without_changes_records_nothing(alice, university):
    assert services.organisation_update(actor=alice, organisation=university, name="吉林大学") == {}
    assert not AuditLog.objects.filter(action="update").exists()


def test_the_audit_page_is_for_platform_admins(login, pat, alice, bob, sam):
    services.organisation_update(actor=alice, organisation=alice.memberships.get().organisation, address="A")
    assert login(pat).get(reverse("core:audit")).status_code == 200
    assert login(bob).get(reverse("core:audit")).status_code == 403
    assert login(sam).get(reverse("core:audit")).status_code == 403


def test_the_audit_page_filters(login, pat, alice, university, enterprise, charlie):
    services.organisation_update(actor=alice, organisation=university, address="前进大街")
    services.organisation_update(actor=charlie, organisation=enterprise, address="东风大街")
    body = login(pat).get(reverse("core:audit"), {"actor": "charlie", "action": "update"}).content.decode()
    assert "东风大街" in body and "前进大街" not in body
    body = login(pat).get(reverse("core:audit"), {"organisation": university.pk}).content.decode()
    assert "前进大街" in body and "东风大街" not in body


def test_the_audit_page_handles_bad_filters(login, pat):
    response = login(pat).get(
        reverse("core:audit"), {"since": "not-a-date", "action": "explode", "page": "x"}
    )
    assert response.status_code == 200


def test_the_audit_trail_cannot_be_edited_in_the_admin(login, pat, alice, university):
    pat.is_staff = True
    pat.is_superuser = True
    pat.save()
    services.organisation_update(actor=alice, organisation=university, address="X")
    entry = AuditLog.objects.get()
    client = login(pat)
    assert client.get(reverse("admin:core_auditlog_changelist")).status_code == 200
    client.post(reverse("admin:core_auditlog_delete", args=[entry.pk]), {"post": "yes"})
    assert AuditLog.objects.filter(pk=entry.pk).exists()
