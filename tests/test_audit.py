"""The audit trail and its page."""

import datetime
import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from hebi.core import audit
from hebi.core.models import AuditLog
from hebi.core.templatetags.hebi import change_rows
from hebi.orgs import services
from hebi.orgs.models import Organisation

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


# -- how values read in the trail ------------------------------------------------------------------------
UTC = datetime.UTC
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (datetime.time(9, 30), "09:30"),
        (datetime.time(14, 5, 59), "14:05"),
        (datetime.date(2026, 12, 20), "2026-12-20"),
        # Aware times on the platform's clock (Asia/Shanghai), whatever zone they came in.
        (datetime.datetime(2026, 12, 20, 1, 0, tzinfo=UTC), "2026-12-20 09:00"),
        (datetime.datetime(2026, 12, 20, 17, 30, tzinfo=UTC), "2026-12-21 01:30"),
        (datetime.datetime(2020, 1, 1, 9, 0, tzinfo=SHANGHAI), "2020-01-01 09:00"),
        (datetime.datetime(2020, 1, 1, 9, 0), "2020-01-01 09:00"),
        (Decimal("80.00"), "80"),
    ],
)
def test_values_are_stored_readable_and_as_json(value, stored):
    assert audit._plain(value) == stored
    assert json.loads(json.dumps({"v": audit._plain(value)})) == {"v": stored}


def test_the_same_moment_in_another_zone_is_no_change_and_seconds_still_count(alice):
    alice.last_login = datetime.datetime(2026, 12, 20, 1, 0, tzinfo=UTC)
    alice.save()
    same = datetime.datetime(2026, 12, 20, 9, 0, tzinfo=SHANGHAI)
    assert (
        audit.model_update(actor=alice, instance=alice, data={"last_login": same}, fields=["last_login"])
        == {}
    )
    later = datetime.datetime(2026, 12, 20, 9, 0, 30, tzinfo=SHANGHAI)
    changes = audit.model_update(
        actor=alice, instance=alice, data={"last_login": later}, fields=["last_login"]
    )
    # It reads the same to the minute, but it is saved: a change is never dropped for its looks.
    assert changes == {"last_login": ["2026-12-20 09:00", "2026-12-20 09:00"]}
    alice.refresh_from_db()
    assert alice.last_login == later


def test_history_shows_timestamps_stored_the_old_way_on_the_local_clock(alice, university):
    entry = AuditLog.objects.create(
        actor=alice,
        action=AuditLog.Action.UPDATE,
        content_type=ContentType.objects.get_for_model(Organisation),
        object_id=str(university.pk),
        changes={
            "address": ["2026-12-20T01:00:00+00:00", "2020-01-01T09:00:00+08:00"],
            "name": ["吉林大学", "吉林大学2026-12-20T01:00"],
        },
    )
    rows = dict((field, (before, after)) for field, before, after in change_rows(entry.changes, entry))
    assert rows["地址"] == ("2026-12-20 09:00", "2020-01-01 09:00")
    assert rows["机构名称"] == ("吉林大学", "吉林大学2026-12-20T01:00")  # only whole values are times
