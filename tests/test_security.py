"""CSRF, the home pages per role, the admin and the health check."""

import pytest
from django.test import Client
from django.urls import reverse

from hebi.core.models import AuditLog
from hebi.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def test_a_post_without_csrf_token_is_refused_in_chinese_and_writes_nothing(pat):
    client = Client(enforce_csrf_checks=True)
    client.force_login(pat, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        reverse("orgs:create"), {"name": "伪造机构", "kind": "enterprise", "region": "220100"}
    )
    assert response.status_code == 403
    assert "安全校验" in response.content.decode()
    assert not Organisation.objects.filter(name="伪造机构").exists()
    assert AuditLog.objects.count() == 0


def test_anonymous_visitors_see_the_landing_page(client):
    body = client.get(reverse("core:home")).content.decode()
    assert "合璧：科技成果转化平台" in body


def test_each_role_gets_its_own_home_sections(login, alice, bob, pat, sam):
    assert 'data-role="org_admin"' in login(alice).get("/").content.decode()
    researcher = login(bob).get("/").content.decode()
    assert 'data-role="researcher"' in researcher and 'data-role="org_admin"' not in researcher
    assert 'data-role="platform_admin"' in login(pat).get("/").content.decode()
    assert 'data-role="secretariat"' in login(sam).get("/").content.decode()


def test_someone_without_organisation_is_told_what_to_do(login, nina):
    assert "请联系所在单位的机构管理员" in login(nina).get("/").content.decode()


def test_the_django_admin_is_for_platform_admins_only(login, bob):
    response = login(bob).get(reverse("admin:index"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_health(client, db):
    assert client.get(reverse("core:health")).json() == {"status": "ok"}


def test_pages_render_for_the_reference_sections(login, bob):
    client = login(bob)
    for name in ["governance:committee", "platforms:list", "finance:list"]:
        assert client.get(reverse(name)).status_code == 200
    assert client.get(reverse("platforms:detail", args=[999])).status_code == 404
    assert client.get(reverse("finance:detail", args=[999])).status_code == 404
