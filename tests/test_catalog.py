"""Research results and needs: services, visibility, pages, attachments, export and API.

Alice administers 吉林大学 and Bob researches there; Charlie administers 中国一汽 (an enterprise);
Nina belongs nowhere; Tom is a technology manager at an intermediary.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from hebi.catalog import services
from hebi.catalog.models import AccessGrant, Achievement, Attachment, Need, StatusChange, TechField
from hebi.core.models import AuditLog
from hebi.core.roles import Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def auto():
    return TechField.objects.get(code="auto")


def make_result(actor, owner, publish=True, **extra):
    data = {
        "title": "车用固态电池电解质",
        "summary": "一种高离子电导率的固态电解质，可用于动力电池，提高安全性。",
        "field": auto(),
        "keywords": "固态电池，电解质",
        "trl": 5,
        "transfer_modes": ["licence_ordinary", "transfer"],
        "price_kind": "range",
        "price_min": Decimal("500000"),
        "price_max": Decimal("2000000"),
        "visibility": "public",
    } | extra
    result = services.achievement_create(actor=actor, owner=owner, **data)
    if publish:
        services.achievement_transition(actor=actor, achievement=result, to="published")
        result.refresh_from_db()
    return result


def make_need(actor, owner, publish=True, indicators=None, **extra):
    data = {
        "title": "商用车氢燃料电池低温冷启动",
        "description": "需要在零下30度环境下实现燃料电池系统快速冷启动，提高可靠性。",
        "field": auto(),
        "keywords": ["氢燃料电池", "冷启动"],
        "budget": Decimal("3000000"),
        "deadline": timezone.localdate() + datetime.timedelta(days=200),
        "visibility": "public",
    } | extra
    need = services.need_create(
        actor=actor,
        owner=owner,
        indicators=indicators
        if indicators is not None
        else [{"name": "冷启动温度", "target": "≤ -30", "unit": "℃"}],
        **data,
    )
    if publish:
        services.need_transition(actor=actor, need=need, to="published")
        need.refresh_from_db()
    return need


# -- services ----------------------------------------------------------------------------------
def test_a_researcher_registers_a_result_as_a_draft_and_publishes_it(bob, university):
    result = make_result(bob, university, publish=False)
    assert result.status == "draft" and result.published_at is None
    assert result.keywords == ["固态电池", "电解质"]
    assert " licence_ordinary " in result.mode_tags
    services.achievement_transition(actor=bob, achievement=result, to="published")
    result.refresh_from_db()
    assert result.status == "published" and result.published_at is not None
    change = StatusChange.objects.get(object_id=result.pk, to_status="published")
    assert change.from_status == "draft" and change.actor == bob
    assert AuditLog.objects.filter(object_id=str(result.pk), action="transition").exists()


def test_a_price_range_with_min_above_max_is_refused_and_nothing_is_written(bob, university):
    with pytest.raises(ValidationError) as error:
        make_result(bob, university, price_min=Decimal("3000000"), price_max=Decimal("1000000"))
    assert "价格下限不能高于上限" in str(error.value)
    assert not Achievement.objects.exists()
    assert not AuditLog.objects.filter(action="create").exclude(content_type__model="membership").exists()


def test_a_result_needs_a_transfer_mode(bob, university):
    with pytest.raises(ValidationError, match="至少选择一种转化方式"):
        make_result(bob, university, transfer_modes=[])
    with pytest.raises(ValidationError, match="未知的转化方式"):
        make_result(bob, university, transfer_modes=["gift"])


def test_a_need_with_a_deadline_in_the_past_is_refused(charlie, enterprise):
    with pytest.raises(ValidationError, match="研发时限不能早于今天"):
        make_need(charlie, enterprise, deadline=timezone.localdate() - datetime.timedelta(days=1))
    assert not Need.objects.exists()


def test_an_indicator_needs_a_name_and_a_target(charlie, enterprise):
    with pytest.raises(ValidationError, match="名称和目标值"):
        make_need(charlie, enterprise, indicators=[{"name": "功率密度", "target": "", "unit": "kW/L"}])
    assert not Need.objects.exists()


def test_a_forbidden_move_is_refused(bob, university):
    result = make_result(bob, university, publish=False)
    with pytest.raises(ValidationError, match="不能从"):
        services.achievement_transition(actor=bob, achievement=result, to="transferred")
    result.refresh_from_db()
    assert result.status == "draft"


def test_withdrawing_and_closing_need_a_reason(bob, university, charlie, enterprise):
    result = make_result(bob, university)
    with pytest.raises(ValidationError, match="撤回时请说明原因"):
        services.achievement_transition(actor=bob, achievement=result, to="withdrawn")
    need = make_need(charlie, enterprise)
    with pytest.raises(ValidationError, match="关闭需求时请说明原因"):
        services.need_transition(actor=charlie, need=need, to="closed")


def test_another_organisation_cannot_write_a_result_for_the_university(charlie, university):
    with pytest.raises(PermissionDenied):
        make_result(charlie, university)


def test_a_complex_need_goes_to_the_least_busy_technology_manager(charlie, enterprise):
    broker = OrganisationFactory(name="技术转移中心", kind="intermediary")
    tom = UserFactory(username="tom", display_name="汤姆")
    MembershipFactory(user=tom, organisation=broker, role=Role.TECH_MANAGER)
    need = make_need(charlie, enterprise, is_complex=True)
    assert need.manager == tom
    assert make_need(charlie, enterprise, title="简单需求").manager is None


# -- visibility --------------------------------------------------------------------------------
def test_visitors_see_only_published_public_records(client, bob, university):
    public = make_result(bob, university, title="公开成果甲")
    make_result(bob, university, title="成员成果乙", visibility="members")
    make_result(bob, university, title="草稿成果丙", publish=False)
    page = client.get(reverse("catalog:achievement-hall"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "公开成果甲" in text and "成员成果乙" not in text and "草稿成果丙" not in text
    assert client.get(reverse("catalog:achievement-detail", args=[public.pk])).status_code == 200


def test_another_organisation_gets_404_on_a_draft_and_the_owner_sees_it(login, bob, charlie, university):
    draft = make_result(bob, university, publish=False)
    assert login(charlie).get(reverse("catalog:achievement-detail", args=[draft.pk])).status_code == 404
    assert login(bob).get(reverse("catalog:achievement-detail", args=[draft.pk])).status_code == 200


def test_confidential_details_are_shown_only_to_the_owner_and_granted_organisations(
    login, bob, alice, charlie, university, enterprise
):
    need = make_need(
        charlie, enterprise, visibility="confidential", confidential_details="关键工况数据：电堆功率 120kW"
    )
    url = reverse("catalog:need-detail", args=[need.pk])
    page = login(bob).get(url).content.decode()
    assert "电堆功率 120kW" not in page and 'data-testid="protected-hidden"' in page
    # Alice asks in the university's name, accepting the undertaking; Charlie grants it.
    response = login(alice).post(
        reverse("catalog:access-request", args=["need", need.pk]),
        {"organisation": university.pk, "accepted": "on", "purpose": "评估合作"},
    )
    assert response.status_code == 302
    grant = AccessGrant.objects.get(need=need)
    assert grant.status == "requested" and "保密" in grant.undertaking
    assert "电堆功率 120kW" not in login(bob).get(url).content.decode()
    login(charlie).post(reverse("catalog:access-decide", args=[grant.pk]), {"decision": "granted"})
    assert "电堆功率 120kW" in login(bob).get(url).content.decode()
    # An organisation without a grant still cannot see them.
    other = OrganisationFactory(name="长春理工大学")
    wang = UserFactory(username="wang")
    MembershipFactory(user=wang, organisation=other, role=Role.RESEARCHER)
    assert "电堆功率 120kW" not in login(wang).get(url).content.decode()


def test_a_request_without_accepting_the_undertaking_is_refused_and_duplicates_too(
    alice, charlie, university, enterprise
):
    need = make_need(charlie, enterprise, visibility="confidential", confidential_details="x")
    with pytest.raises(ValidationError, match="保密承诺"):
        services.access_request(actor=alice, subject=need, organisation=university, accepted=False)
    services.access_request(actor=alice, subject=need, organisation=university, accepted=True)
    with pytest.raises(ValidationError, match="无需重复申请"):
        services.access_request(actor=alice, subject=need, organisation=university, accepted=True)
    assert AccessGrant.objects.count() == 1


def test_only_the_owner_decides_on_access(login, alice, bob, charlie, university, enterprise):
    need = make_need(charlie, enterprise, visibility="confidential", confidential_details="x")
    grant = services.access_request(actor=alice, subject=need, organisation=university, accepted=True)
    response = login(bob).post(reverse("catalog:access-decide", args=[grant.pk]), {"decision": "granted"})
    assert response.status_code == 404
    grant.refresh_from_db()
    assert grant.status == "requested"


# -- pages -------------------------------------------------------------------------------------
def test_html_in_a_title_is_shown_escaped(login, bob, university):
    result = make_result(bob, university, title="<script>alert(1)</script>电池")
    text = login(bob).get(reverse("catalog:achievement-detail", args=[result.pk])).content.decode()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;" in text


def test_the_owner_edits_and_another_organisation_gets_403(login, bob, charlie, university):
    result = make_result(bob, university)
    url = reverse("catalog:achievement-edit", args=[result.pk])
    assert login(charlie).get(url).status_code == 403
    assert login(bob).get(url).status_code == 200


def test_the_form_reports_bad_input_and_writes_nothing(login, bob, university):
    response = login(bob).post(
        reverse("catalog:achievement-create") + f"?org={university.pk}",
        {
            "title": "新成果",
            "summary": "简介",
            "field": "auto",
            "trl": "4",
            "transfer_modes": ["transfer"],
            "price_kind": "range",
            "price_min": "900000",
            "price_max": "100000",
            "visibility": "public",
        },
    )
    assert response.status_code == 200
    assert "价格下限不能高于上限" in response.content.decode()
    assert not Achievement.objects.exists()


def test_an_enterprise_publishes_a_need_with_indicators_through_the_page(login, charlie, enterprise):
    client = login(charlie)
    deadline = (timezone.localdate() + datetime.timedelta(days=120)).isoformat()
    response = client.post(
        reverse("catalog:need-create") + f"?org={enterprise.pk}",
        {
            "title": "轻量化车身铝合金连接工艺",
            "description": "需要异种材料连接工艺",
            "field": "auto",
            "keywords": "轻量化、铝合金",
            "budget": "800000",
            "ip_ownership": "shared",
            "deadline": deadline,
            "cooperation": "joint",
            "visibility": "public",
            "ind-TOTAL_FORMS": "2",
            "ind-INITIAL_FORMS": "0",
            "ind-MIN_NUM_FORMS": "0",
            "ind-MAX_NUM_FORMS": "12",
            "ind-0-name": "接头强度",
            "ind-0-target": "≥ 250",
            "ind-0-unit": "MPa",
        },
    )
    need = Need.objects.get()
    assert response.status_code == 302
    assert [str(i) for i in need.indicators.all()] == ["接头强度 ≥ 250MPa"]
    client.post(reverse("catalog:transition", args=["need", need.pk]), {"to": "published"})
    need.refresh_from_db()
    assert need.status == "published"
    assert "接头强度" in client.get(reverse("catalog:need-detail", args=[need.pk])).content.decode()


def test_a_member_of_another_organisation_cannot_create_for_it(login, charlie, university):
    response = login(charlie).get(reverse("catalog:achievement-create") + f"?org={university.pk}")
    assert response.status_code == 403


def test_the_hall_filters_by_facets_and_shows_an_empty_state(client, bob, university):
    make_result(
        bob, university, title="玉米秸秆还田机具", field=TechField.objects.get(code="agriculture"), trl=7
    )
    make_result(bob, university, title="车用电池", trl=3)
    url = reverse("catalog:achievement-hall")
    text = client.get(url, {"field": "agriculture"}).content.decode()
    assert "玉米秸秆还田机具" in text and "车用电池" not in text
    text = client.get(url, {"trl_min": "5"}).content.decode()
    assert "玉米秸秆还田机具" in text and "车用电池" not in text
    text = client.get(url, {"mode": "equity"}).content.decode()
    assert 'data-testid="hall-empty"' in text
    assert (
        client.get(url, {"trl_min": "9", "trl_max": "1", "page": "abc", "sort": "bogus"}).status_code == 200
    )


def test_the_workspace_shows_every_state_to_members_and_404_to_others(login, bob, charlie, university):
    make_result(bob, university, title="草稿一", publish=False)
    url = reverse("catalog:workspace-org", args=[university.pk])
    assert "草稿一" in login(bob).get(url).content.decode()
    assert login(charlie).get(url).status_code == 404


# -- attachments -------------------------------------------------------------------------------
def test_an_executable_renamed_pdf_is_refused(login, bob, university):
    result = make_result(bob, university)
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    response = login(bob).post(
        reverse("catalog:attachment-upload", args=["achievement", result.pk]), {"file": fake}, follow=True
    )
    assert (
        "文件内容与扩展名不符" in response.content.decode() or "不支持的文件类型" in response.content.decode()
    )
    assert not Attachment.objects.exists()


def test_an_oversized_attachment_is_refused(settings, bob, university):
    settings.HEBI_MAX_ATTACHMENT_BYTES = 1024
    result = make_result(bob, university)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 2048)
    with pytest.raises(ValidationError, match="文件过大"):
        services.attachment_add(actor=bob, subject=result, uploaded=big)
    assert not Attachment.objects.exists()


def test_a_confidential_attachment_is_hidden_from_another_organisation(login, bob, charlie, university):
    result = make_result(bob, university, visibility="confidential", confidential_details="工艺参数")
    pdf = SimpleUploadedFile("工艺.pdf", b"%PDF-1.4\n%%EOF\n")
    attachment = services.attachment_add(actor=bob, subject=result, uploaded=pdf, confidential=True)
    url = reverse("catalog:attachment-download", args=[attachment.pk])
    assert login(charlie).get(url).status_code == 404
    response = login(bob).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


# -- export ------------------------------------------------------------------------------------
def test_the_filtered_hall_exports_to_excel_and_csv(login, bob, university):
    make_result(bob, university, title="=cmd|'/c calc'!A1 电池")
    make_result(bob, university, title="农业机具", field=TechField.objects.get(code="agriculture"))
    client = login(bob)
    response = client.get(reverse("catalog:achievement-export"), {"field": "auto", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "成果名称"
    assert len(rows) == 2 and rows[1][1].startswith("'=")
    response = client.get(reverse("catalog:achievement-export"), {"format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "农业机具" in text and text.count("\n") == 3
    assert client.get(reverse("catalog:achievement-export"), {"format": "pdf"}).status_code == 404


# -- API ---------------------------------------------------------------------------------------
def test_the_api_lists_public_results_to_visitors_and_hides_protected_details(api, bob, charlie, university):
    make_result(bob, university, title="公开成果")
    secret = make_result(
        bob, university, title="保密成果", visibility="confidential", confidential_details="配方"
    )
    listing = api().get("/api/v1/achievements/").json()
    assert [r["title"] for r in listing["results"]] == ["公开成果"]
    detail = api(charlie).get(f"/api/v1/achievements/{secret.pk}/").json()
    assert detail["confidential_details"] is None
    assert api(bob).get(f"/api/v1/achievements/{secret.pk}/").json()["confidential_details"] == "配方"


def test_the_api_creates_a_need_for_members_and_refuses_others(api, charlie, bob, enterprise):
    body = {
        "owner": enterprise.pk,
        "title": "卫星遥感影像在线处理",
        "description": "在轨实时处理",
        "field": "auto",
        "indicators": [{"name": "处理时延", "target": "≤ 5", "unit": "s"}],
        "deadline": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
    }
    created = api(charlie).post("/api/v1/needs/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["indicators"][0]["name"] == "处理时延"
    assert api(bob).post("/api/v1/needs/", body, format="json").status_code == 403
    body["deadline"] = "2000-01-01"
    refused = api(charlie).post("/api/v1/needs/", body, format="json")
    assert refused.status_code == 400 and "研发时限" in refused.content.decode()
    need_id = created.json()["id"]
    moved = api(charlie).post(f"/api/v1/needs/{need_id}/transition/", {"to": "published"}, format="json")
    assert moved.json()["status"] == "published"


# -- review findings, pinned ---------------------------------------------------------------------
def test_protected_details_of_an_open_record_stay_with_the_owner(api, login, bob, charlie, university):
    result = make_result(bob, university, visibility="public", confidential_details="烧结温度 1350℃")
    assert api().get(f"/api/v1/achievements/{result.pk}/").json()["confidential_details"] is None
    assert api(charlie).get(f"/api/v1/achievements/{result.pk}/").json()["confidential_details"] is None
    assert (
        api(bob).get(f"/api/v1/achievements/{result.pk}/").json()["confidential_details"] == "烧结温度 1350℃"
    )
    page = login(charlie).get(reverse("catalog:achievement-detail", args=[result.pk])).content.decode()
    assert "烧结温度" not in page


def test_a_confidential_attachment_of_a_public_record_is_hidden_and_an_open_one_is_served(
    client, login, bob, charlie, university
):
    result = make_result(bob, university, visibility="public")
    secret = services.attachment_add(
        actor=bob,
        subject=result,
        uploaded=SimpleUploadedFile("配方.pdf", b"%PDF-1.4 secret"),
        confidential=True,
    )
    brochure = services.attachment_add(
        actor=bob, subject=result, uploaded=SimpleUploadedFile("简介.pdf", b"%PDF-1.4 open")
    )
    assert client.get(reverse("catalog:attachment-download", args=[secret.pk])).status_code == 404
    assert login(charlie).get(reverse("catalog:attachment-download", args=[secret.pk])).status_code == 404
    assert login(charlie).get(reverse("catalog:attachment-download", args=[brochure.pk])).status_code == 200
    page = login(charlie).get(reverse("catalog:achievement-detail", args=[result.pk])).content.decode()
    assert "简介.pdf" in page and "配方.pdf" not in page


def test_absurd_ids_answer_404_or_are_ignored_never_500(api, client, bob, university):
    make_result(bob, university)
    huge = "9" * 25
    assert api().get(f"/api/v1/achievements/?owner={huge}").status_code == 200
    assert api().get(f"/api/v1/needs/?owner={huge}&trl_min={huge}").status_code == 200
    assert api().get(f"/api/v1/achievements/{huge}/").status_code == 404
    assert client.get(f"/results/{huge}/").status_code == 404
    assert client.get(f"/orgs/{huge}/").status_code in (302, 404)


def test_the_halls_list_published_records_only_even_to_their_owner(login, api, bob, university):
    make_result(bob, university, title="已发布成果")
    make_result(bob, university, title="草稿成果", publish=False)
    text = login(bob).get(reverse("catalog:achievement-hall")).content.decode()
    assert "已发布成果" in text and "草稿成果" not in text
    titles = [r["title"] for r in api(bob).get("/api/v1/achievements/").json()["results"]]
    assert titles == ["已发布成果"]


def test_list_pages_use_a_bounded_number_of_queries(
    api, login, bob, charlie, university, enterprise, django_assert_max_num_queries
):
    for i in range(12):
        make_result(bob, university, title=f"成果{i}", visibility="confidential" if i % 2 else "public")
        make_need(charlie, enterprise, title=f"需求{i}")
    with django_assert_max_num_queries(12):
        assert api(charlie).get("/api/v1/achievements/").status_code == 200
    with django_assert_max_num_queries(12):
        assert api(charlie).get("/api/v1/needs/").status_code == 200
    client = login(charlie)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("catalog:achievement-hall"), {"q": "成果"}).status_code == 200
    with django_assert_max_num_queries(20):
        assert (
            client.get(reverse("catalog:workspace-org", args=[enterprise.pk]), {"tab": "need"}).status_code
            == 200
        )


def test_an_expert_cannot_sign_the_undertaking_for_an_organisation(charlie, enterprise, university):
    expert = UserFactory(username="sun")
    MembershipFactory(user=expert, organisation=university, role=Role.EXPERT)
    need = make_need(charlie, enterprise, visibility="confidential", confidential_details="x")
    with pytest.raises(PermissionDenied):
        services.access_request(actor=expert, subject=need, organisation=university, accepted=True)
    assert not AccessGrant.objects.exists()


def test_the_audit_trail_records_that_protected_details_changed_not_what_they_say(bob, university):
    result = make_result(bob, university, visibility="confidential", confidential_details="配方：A 料 35%")
    services.achievement_update(actor=bob, achievement=result, confidential_details="配方：B 料 40%")
    rows = AuditLog.objects.filter(object_id=str(result.pk)).values_list("changes", flat=True)
    text = " ".join(str(r) for r in rows)
    assert "35%" not in text and "40%" not in text
    assert "已隐去" in text


def test_a_zip_renamed_docx_is_refused_and_a_real_docx_is_accepted(bob, university):
    import zipfile

    result = make_result(bob, university)

    def zipped(names):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name in names:
                archive.writestr(name, "x")
        return buffer.getvalue()

    fake = SimpleUploadedFile("说明.docx", zipped(["setup.exe"]))
    with pytest.raises(ValidationError, match="不是有效的 Office 文档"):
        services.attachment_add(actor=bob, subject=result, uploaded=fake)
    real = SimpleUploadedFile("说明.docx", zipped(["[Content_Types].xml", "word/document.xml"]))
    attachment = services.attachment_add(actor=bob, subject=result, uploaded=real)
    assert attachment.content_type.endswith("wordprocessingml.document")


def test_a_200_mb_upload_is_refused_before_its_body_is_read(login, bob, university):
    result = make_result(bob, university)
    response = login(bob).post(
        reverse("catalog:attachment-upload", args=["achievement", result.pk]),
        data=b"never read",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "文件过大" in response.content.decode()
    assert not Attachment.objects.exists()


def test_exports_need_a_sign_in(client):
    response = client.get(reverse("catalog:achievement-export"), {"format": "csv"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_one_bad_filter_keeps_the_others(client, bob, university):
    make_result(bob, university, title="玉米收获机", field=TechField.objects.get(code="agriculture"))
    make_result(bob, university, title="车用电池")
    text = client.get(
        reverse("catalog:achievement-hall"), {"field": "agriculture", "trl_min": "x"}
    ).content.decode()
    assert "玉米收获机" in text and "车用电池" not in text


def test_a_complex_need_prefers_an_intermediarys_manager_who_then_sees_its_details(
    login, charlie, enterprise
):
    institute = OrganisationFactory(name="光机所", kind="institute")
    zhao = UserFactory(username="zhao")
    MembershipFactory(user=zhao, organisation=institute, role=Role.TECH_MANAGER)
    broker = OrganisationFactory(name="技术转移中心", kind="intermediary")
    he = UserFactory(username="he")
    MembershipFactory(user=he, organisation=broker, role=Role.TECH_MANAGER)
    need = make_need(
        charlie, enterprise, is_complex=True, visibility="confidential", confidential_details="工况谱"
    )
    assert need.manager == he
    assert "工况谱" in login(he).get(reverse("catalog:need-detail", args=[need.pk])).content.decode()
    assert "工况谱" not in login(zhao).get(reverse("catalog:need-detail", args=[need.pk])).content.decode()


def test_another_organisation_can_neither_move_nor_attach_nor_edit(
    login, api, bob, charlie, university, enterprise
):
    result = make_result(bob, university)
    need = make_need(charlie, enterprise)
    client = login(bob)
    assert (
        client.post(
            reverse("catalog:transition", args=["need", need.pk]), {"to": "closed", "reason": "x"}
        ).status_code
        == 403
    )
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4")
    assert (
        client.post(
            reverse("catalog:attachment-upload", args=["need", need.pk]), {"file": upload}
        ).status_code
        == 403
    )
    assert client.get(reverse("catalog:need-edit", args=[need.pk])).status_code == 403
    assert api(bob).patch(f"/api/v1/needs/{need.pk}/", {"title": "改"}, format="json").status_code == 403
    assert (
        api(bob)
        .post(f"/api/v1/needs/{need.pk}/transition/", {"to": "closed", "reason": "x"}, format="json")
        .status_code
        == 403
    )
    pdf = services.attachment_add(
        actor=bob, subject=result, uploaded=SimpleUploadedFile("b.pdf", b"%PDF-1.4")
    )
    assert login(charlie).post(reverse("catalog:attachment-delete", args=[pdf.pk])).status_code == 403
    need.refresh_from_db()
    assert need.status == "published" and need.title != "改"
    assert Attachment.objects.filter(pk=pdf.pk).exists()


def test_unseen_records_answer_404_to_access_requests_and_exports(
    login, bob, charlie, university, enterprise
):
    draft = make_need(charlie, enterprise, publish=False, visibility="confidential")
    client = login(bob)
    response = client.post(
        reverse("catalog:access-request", args=["need", draft.pk]),
        {"organisation": university.pk, "accepted": "on"},
    )
    assert response.status_code == 404
    assert (
        client.get(reverse("catalog:need-export"), {"owner": enterprise.pk, "format": "csv"}).status_code
        == 404
    )
    assert not AccessGrant.objects.exists()


# -- walkthrough findings, pinned ------------------------------------------------------------------
def test_a_negotiable_budget_is_never_shown_to_others(api, login, bob, charlie, enterprise):
    need = make_need(charlie, enterprise, budget=Decimal("20000000"), budget_negotiable=True)
    make_need(charlie, enterprise, title="明码需求", budget=Decimal("5000000"))
    client = login(bob)
    export = b"".join(client.get(reverse("catalog:need-export"), {"format": "csv"}).streaming_content).decode(
        "utf-8-sig"
    )
    assert "20000000" not in export and "5000000" in export
    assert api(bob).get(f"/api/v1/needs/{need.pk}/").json()["budget"] is None
    assert api(charlie).get(f"/api/v1/needs/{need.pk}/").json()["budget"] == "20000000.00"
    # Neither sorting nor the budget bands give the figure away.
    hall = client.get(reverse("catalog:need-hall"), {"sort": "budget"}).content.decode()
    assert hall.index("明码需求") < hall.index(need.title)
    banded = client.get(reverse("catalog:need-hall"), {"money": "gte1000w"}).content.decode()
    assert need.title not in banded


def test_marking_a_published_need_complex_routes_it_to_a_manager(charlie, enterprise):
    broker = OrganisationFactory(name="技术转移中心", kind="intermediary")
    he = UserFactory(username="he")
    MembershipFactory(user=he, organisation=broker, role=Role.TECH_MANAGER)
    need = make_need(charlie, enterprise)
    assert need.manager is None
    services.need_update(actor=charlie, need=need, is_complex=True)
    need.refresh_from_db()
    assert need.manager == he


def test_noise_in_a_query_does_not_match_half_the_registry(client, bob, university):
    make_result(bob, university, title="锂电池正极材料")
    make_result(
        bob,
        university,
        title="第1代玉米收获机",
        summary="一次完成摘穗与秸秆还田。",
        field=TechField.objects.get(code="agriculture"),
    )
    text = client.get(reverse("catalog:achievement-hall"), {"q": "<b>锂电池</b> 1"}).content.decode()
    assert "正极材料" in text and "玉米收获机" not in text


def test_a_very_long_query_is_cut_and_keeps_the_filters(client, bob, university):
    make_result(bob, university, title="锂电池正极材料")
    make_result(bob, university, title="玉米收获机", field=TechField.objects.get(code="agriculture"))
    response = client.get(reverse("catalog:achievement-hall"), {"q": "玉米" * 50_000, "field": "auto"})
    assert response.status_code == 200
    assert 'data-testid="hall-empty"' in response.content.decode()


def test_the_history_panel_speaks_the_readers_language(login, bob, university):
    result = make_result(bob, university)
    services.achievement_update(
        actor=bob, achievement=result, transfer_modes=["equity"], visibility="members"
    )
    text = login(bob).get(reverse("catalog:achievement-detail", args=[result.pk])).content.decode()
    assert "转化方式" in text and "作价投资" in text and "平台成员可见" in text
    assert "transfer_modes" not in text and "licence_ordinary" not in text
