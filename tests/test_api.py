"""The REST API: token authentication, schema, and the same rules as the pages."""

import pytest
from django.core import mail

from hebi.accounts.models import Invitation
from hebi.core.models import AuditLog
from hebi.orgs.models import Membership, Organisation

pytestmark = pytest.mark.django_db


def test_it_requires_authentication(api):
    response = api().get("/api/v1/organisations/")
    assert response.status_code == 401


def test_it_lists_organisations_with_a_token(api, bob, university, enterprise):
    response = api(bob).get("/api/v1/organisations/", {"kind": "enterprise"})
    assert response.status_code == 200
    names = [row["name"] for row in response.json()["results"]]
    assert names == ["中国第一汽车集团有限公司"]


def test_errors_come_in_chinese_by_default_and_english_for_english_users(api, pat, bob):
    response = api(pat).post(
        "/api/v1/organisations/", {"name": "X", "kind": "enterprise", "region": "220100", "uscc": "123"}
    )
    assert response.status_code == 400
    assert "18位" in response.json()["uscc"][0]
    bob.language = "en"
    bob.save()
    response = api(bob).patch("/api/v1/organisations/999999/", {"name": "Y"})
    assert response.status_code == 404
    assert response.json()["detail"] == "No Organisation matches the given query."


def test_a_platform_admin_creates_an_organisation_via_the_api(api, pat):
    response = api(pat).post(
        "/api/v1/organisations/",
        {
            "name": "长春光华微电子设备工程中心有限公司",
            "kind": "enterprise",
            "region": "220100",
            "uscc": "91350100M000100Y43",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    organisation = Organisation.objects.get(pk=response.json()["id"])
    assert AuditLog.objects.filter(object_id=str(organisation.pk), action="create", actor=pat).exists()


def test_others_cannot_create_organisations(api, alice):
    response = api(alice).post(
        "/api/v1/organisations/", {"name": "Z", "kind": "enterprise", "region": "220100"}
    )
    assert response.status_code == 403
    assert not Organisation.objects.filter(name="Z").exists()


def test_a_duplicate_organisation_is_refused_via_the_api(api, pat, enterprise):
    response = api(pat).post(
        "/api/v1/organisations/",
        {"name": "中国第一汽车集团有限公司", "kind": "enterprise", "region": "220100"},
    )
    assert response.status_code == 400
    assert "已有同名机构" in str(response.json())


def test_an_org_admin_updates_their_own_and_gets_403_on_others(api, alice, university, enterprise):
    assert (
        api(alice).patch(f"/api/v1/organisations/{university.pk}/", {"address": "前进大街"}).status_code
        == 200
    )
    university.refresh_from_db()
    assert university.address == "前进大街"
    response = api(alice).patch(f"/api/v1/organisations/{enterprise.pk}/", {"address": "篡改"})
    assert response.status_code == 403
    enterprise.refresh_from_db()
    assert enterprise.address == ""


def test_members_are_private_to_the_organisation(api, alice, bob, charlie, university):
    response = api(bob).get(f"/api/v1/organisations/{university.pk}/members/")
    assert sorted(row["user"] for row in response.json()) == ["alice", "bob"]
    assert api(charlie).get(f"/api/v1/organisations/{university.pk}/members/").status_code == 404


def test_people_are_scoped_to_colleagues(api, alice, bob, charlie):
    usernames = [row["username"] for row in api(bob).get("/api/v1/people/").json()["results"]]
    assert sorted(usernames) == ["alice", "bob"]
    assert api(charlie).get(f"/api/v1/people/{bob.pk}/").status_code == 404


def test_memberships_are_scoped_and_managed_by_admins(api, alice, bob, charlie, university, enterprise):
    listed = api(charlie).get("/api/v1/memberships/").json()["results"]
    assert {row["organisation"] for row in listed} == {enterprise.pk}
    created = api(alice).post(
        "/api/v1/memberships/", {"user": "bob", "organisation": university.pk, "role": "expert"}
    )
    assert created.status_code == 201
    assert Membership.objects.filter(user=bob, role="expert").exists()
    # Charlie cannot grant himself a role in the university: it is not his to look into.
    forged = api(charlie).post(
        "/api/v1/memberships/", {"user": "charlie", "organisation": university.pk, "role": "org_admin"}
    )
    assert forged.status_code == 404
    assert not Membership.objects.filter(user=charlie, organisation=university).exists()
    # Bob may see the university's memberships, but not change them.
    bobs = api(bob).post(
        "/api/v1/memberships/", {"user": "bob", "organisation": university.pk, "role": "org_admin"}
    )
    assert bobs.status_code == 403
    membership = Membership.objects.get(user=bob, role="expert")
    assert api(charlie).delete(f"/api/v1/memberships/{membership.pk}/").status_code == 404
    assert api(bob).delete(f"/api/v1/memberships/{membership.pk}/").status_code == 403
    assert api(alice).delete(f"/api/v1/memberships/{membership.pk}/").status_code == 204


def test_bad_membership_input(api, alice, university):
    response = api(alice).post(
        "/api/v1/memberships/", {"user": "ghost", "organisation": university.pk, "role": "boss"}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"user", "role"}


def test_invitations_through_the_api(api, alice, charlie, university, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(alice).post(
            f"/api/v1/organisations/{university.pk}/invitations/",
            {"email": "x@example.cn", "role": "researcher"},
        )
    assert response.status_code == 201
    assert len(mail.outbox) == 1
    assert (
        api(charlie)
        .post(
            f"/api/v1/organisations/{university.pk}/invitations/",
            {"email": "y@example.cn", "role": "researcher"},
        )
        .status_code
        == 404
    )
    assert Invitation.objects.count() == 1


def test_regions_are_reference_data(api, bob):
    response = api(bob).get("/api/v1/regions/")
    codes = [row["code"] for row in response.json()]
    assert "220100" in codes


def test_the_openapi_schema_and_docs_are_served_locally(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "openapi: 3" in text and "/api/v1/organisations/" in text and "/api/v1/memberships/" in text
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower() and "unpkg" not in docs.lower()


def test_a_person_obtains_a_token_with_their_password(api, bob):
    from tests.factories import PASSWORD

    response = api().post("/api/v1/auth/token/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/people/").status_code == 200
    assert api().post("/api/v1/auth/token/", {"username": "bob", "password": "wrong"}).status_code == 400
