"""The patent API: the same services and rules as the pages, documented in the OpenAPI schema."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hebi.catalog import patent_services
from hebi.catalog.models import ImportJob, Patent

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[1] / "hebi" / "catalog" / "demo_data"


def register(actor, organisation, number, **extra):
    return patent_services.patent_create(
        actor=actor,
        organisation=organisation,
        application_number=number,
        title=extra.pop("title", "一种专利"),
        legal_status=extra.pop("legal_status", "granted"),
        application_date=datetime.date(2019, 5, 6),
        **extra,
    )


def test_anonymous_callers_are_refused(api):
    assert api().get("/api/v1/patents/").status_code == 401
    assert api().get("/api/v1/patent-imports/").status_code == 401


def test_signed_in_people_list_and_filter_patents(api, bob, charlie, university, enterprise):
    register(bob, university, "201910123451.7", title="轮毂电机转矩分配", legal_status="pending")
    register(charlie, enterprise, "201910123454.0", title="车身焊接")
    client = api(charlie)
    assert client.get("/api/v1/patents/").json()["count"] == 2
    rows = client.get("/api/v1/patents/", {"owner": university.pk}).json()["results"]
    assert [r["application_number"] for r in rows] == ["201910123451.7"]
    assert rows[0]["kind"] == "invention" and len(rows[0]["score_parts"]) == 8
    assert client.get("/api/v1/patents/", {"legal_status": "granted"}).json()["count"] == 1
    assert client.get("/api/v1/patents/", {"q": "转矩"}).json()["count"] == 1
    assert client.get("/api/v1/patents/", {"stage": "pooled"}).json()["count"] == 0
    assert client.get("/api/v1/patents/", {"kind": "utility"}).json()["count"] == 0
    assert client.get("/api/v1/patents/abc/").status_code == 404


def test_a_member_registers_a_patent_and_an_outsider_may_not(api, bob, charlie, university):
    payload = {
        "owner": university.pk,
        "application_number": "ZL 2019１01234517",
        "title": "<b>接口登记</b>",
        "legal_status": "pending",
        "application_date": "2019-05-06",
        "ipc_codes": ["B60L 58/12"],
        "inventors": ["王立新"],
    }
    assert api(charlie).post("/api/v1/patents/", payload, format="json").status_code == 403
    response = api(bob).post("/api/v1/patents/", payload, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["application_number"] == "201910123451.7" and data["title"] == "<b>接口登记</b>"
    assert data["ipc_codes"] == ["B60L58/12"] and data["stage"] == "inventory"
    duplicate = api(bob).post("/api/v1/patents/", payload, format="json")
    assert duplicate.status_code == 400 and "application_number" in duplicate.json()


def test_a_wrong_check_digit_is_a_field_error(api, bob, university):
    response = api(bob).post(
        "/api/v1/patents/",
        {
            "owner": university.pk,
            "application_number": "201910123451.8",
            "title": "x",
            "legal_status": "pending",
            "application_date": "2019-05-06",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "校验位应为 7" in response.json()["application_number"][0]


def test_edits_and_stage_moves_follow_the_same_rules(api, bob, charlie, university, enterprise):
    patent = register(bob, university, "201910123451.7")
    url = f"/api/v1/patents/{patent.pk}/"
    assert api(charlie).patch(url, {"title": "改名"}, format="json").status_code == 403
    # A patent does not change hands through an edit: the owner sent along is ignored.
    response = api(bob).patch(url, {"title": "改名", "owner": enterprise.pk}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "改名"
    assert response.json()["owner"] == university.pk
    assert api(charlie).post(f"{url}transition/", {"to": "pooled"}, format="json").status_code == 403
    assert api(bob).post(f"{url}transition/", {"to": "pooled"}, format="json").json()["stage"] == "pooled"
    api(bob).post(f"{url}transition/", {"to": "evaluation"}, format="json")
    refused = api(bob).post(f"{url}transition/", {"to": "promotion"}, format="json")
    assert refused.status_code == 400 and "tier" in refused.json()
    moved = api(bob).post(f"{url}transition/", {"to": "promotion", "tier": "A"}, format="json").json()
    assert (moved["stage"], moved["tier"]) == ("promotion", "A")


def test_an_import_through_the_api_previews_then_commits_the_valid_rows(
    api, bob, university, django_capture_on_commit_callbacks
):
    client = api(bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/patent-imports/",
            {
                "organisation": university.pk,
                "file": SimpleUploadedFile("demo.xlsx", (DEMO / "jlu_patent_portfolio.xlsx").read_bytes()),
            },
            format="multipart",
        )
    assert response.status_code == 201, response.json()
    job = client.get(f"/api/v1/patent-imports/{response.json()['id']}/").json()
    assert job["status"] == "previewed" and job["progress"]["finished"] is True
    assert (job["valid_rows"], job["error_count"]) == (60, 4)
    assert job["errors"][0] == {
        "row": job["errors"][0]["row"],
        "column": "申请号",
        "reason": job["errors"][0]["reason"],
    }
    refused = client.post(f"/api/v1/patent-imports/{job['id']}/commit/", {"valid_only": False}, format="json")
    assert refused.status_code == 400 and not Patent.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(
            f"/api/v1/patent-imports/{job['id']}/commit/", {"valid_only": True}, format="json"
        )
    assert accepted.status_code == 202 and accepted.json()["status"] == "importing"
    done = client.get(f"/api/v1/patent-imports/{job['id']}/").json()
    assert done["status"] == "done" and done["created_count"] == 60
    assert Patent.objects.filter(owner=university).count() == 60


def test_other_organisations_cannot_import_for_the_university_nor_see_its_jobs(
    api, bob, charlie, university, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job_id = (
            api(bob)
            .post(
                "/api/v1/patent-imports/",
                {
                    "organisation": university.pk,
                    "file": SimpleUploadedFile("a.csv", "申请号,专利名称,法律状态,申请日\n".encode()),
                },
                format="multipart",
            )
            .json()["id"]
        )
    client = api(charlie)
    response = client.post(
        "/api/v1/patent-imports/",
        {"organisation": university.pk, "file": SimpleUploadedFile("a.csv", b"x")},
        format="multipart",
    )
    assert response.status_code == 403
    assert client.get(f"/api/v1/patent-imports/{job_id}/").status_code == 404
    assert (
        client.post(
            f"/api/v1/patent-imports/{job_id}/commit/", {"valid_only": True}, format="json"
        ).status_code
        == 404
    )
    assert client.get("/api/v1/patent-imports/").json()["count"] == 0


def test_bad_uploads_are_refused_with_a_clear_message(api, bob, university):
    client = api(bob)
    exe = client.post(
        "/api/v1/patent-imports/",
        {"organisation": university.pk, "file": SimpleUploadedFile("report.xlsx", b"MZ" + bytes(300))},
        format="multipart",
    )
    assert exe.status_code == 400 and "可执行程序" in exe.json()["non_field_errors"][0]
    huge = client.post(
        "/api/v1/patent-imports/",
        data=b"never read",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )
    assert huge.status_code == 413 and "文件过大" in huge.json()["file"][0]
    assert not ImportJob.objects.exists()


def test_the_schema_documents_patents_and_imports(client, db):
    text = client.get("/api/schema/").content.decode()
    assert "/api/v1/patents/" in text and "/api/v1/patent-imports/{id}/commit/" in text
    assert "valid_only" in text and "ImportProgress" in text
