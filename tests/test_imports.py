"""Bulk patent import: a dry run with per-row errors, then all or only the valid rows.

Bob (researcher at 吉林大学) imports the university's portfolio. Charlie (中国一汽) may not touch
it: 403 on the import page, 404 on the university's jobs. Every bad file is refused with a clear
message and nothing is written.
"""

import csv
import datetime
import io
import time
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from hebi.catalog import imports, patent_services, tasks
from hebi.catalog.models import ImportJob, Patent
from hebi.catalog.patents import check_character
from hebi.core.models import AuditLog

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[1] / "hebi" / "catalog" / "demo_data"
HEADER = ["申请号", "专利名称", "法律状态", "申请日", "IPC分类号", "发明人", "权利要求数"]


def number(serial, year=2019, kind="1"):
    body = f"{year}{kind}{serial:07d}"
    return f"{body}.{check_character(body)}"


def wrong_number(serial):
    body = f"20191{serial:07d}"
    return f"{body}.{'1' if check_character(body) == '0' else '0'}"


def row(serial, title=None, status="有效", filed="2019-05-06", **extra):
    return [
        number(serial),
        title or f"专利{serial}",
        status,
        filed,
        extra.get("ipc", "B60L15/20"),
        extra.get("inventors", "王立新；李晓东"),
        extra.get("claims", "8"),
    ]


def csv_bytes(rows, header=HEADER, encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER, *, merge=None, formula_cells=()):
    workbook = Workbook(write_only=merge is None)
    sheet = workbook.create_sheet("专利") if merge is None else workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    if merge is not None:
        sheet.merge_cells(merge)
    if formula_cells:
        raise AssertionError("use rows with '=…' strings for formulas")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Start an import the way the page does; the preview task runs once the upload commits."""

    def _upload(actor, organisation, name, content):
        with django_capture_on_commit_callbacks(execute=True):
            job = imports.import_start(
                actor=actor, organisation=organisation, uploaded_file=SimpleUploadedFile(name, content)
            )
        job.refresh_from_db()
        return job

    return _upload


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def _commit(actor, job, valid_only):
        with django_capture_on_commit_callbacks(execute=True):
            imports.import_queue_commit(actor=actor, job=job, valid_only=valid_only)
        job.refresh_from_db()
        return job

    return _commit


# -- cell values -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        "2019-05-06",
        "2019/5/6",
        "20190506",
        "2019.5.6",
        "2019年5月6日",
        "２０１９－０５－０６",
        20190506,
        datetime.datetime(2019, 5, 6, 0, 0),
        datetime.date(2019, 5, 6),
        43591,
        "2019-05-06 00:00:00",
    ],
)
def test_it_reads_dates_as_people_write_them(value):
    assert imports.parse_date(value) == datetime.date(2019, 5, 6)


@pytest.mark.parametrize("value", ["2019-02-30", "2019-13-01", "明天", "5/6/2019"])
def test_it_refuses_what_is_not_a_date(value):
    with pytest.raises(ValueError):
        imports.parse_date(value)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("有效", "granted"),
        ("授权", "granted"),
        ("审中", "pending"),
        ("实审", "pending"),
        ("实质审查", "pending"),
        ("失效", "lapsed"),
        ("未缴年费专利权终止", "lapsed"),
        ("期限届满终止", "expired"),
        ("驳回", "rejected"),
        ("视为撤回", "withdrawn"),
        ("granted", "granted"),
    ],
)
def test_it_maps_chinese_legal_status_words(text, status):
    assert imports.parse_legal_status(text) == status


def test_it_maps_header_aliases_and_notes():
    header = imports.map_header(
        ["申请号*", "发明名称", "当前法律状态", "申请日（yyyy-mm-dd）", "Applicants", "序号"]
    )
    assert set(header.columns.values()) == {
        "application_number",
        "title",
        "legal_status",
        "application_date",
        "applicants",
    }
    assert header.unknown == []


# -- the demo portfolio --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "encoding"), [("jlu_patent_portfolio.xlsx", ""), ("jlu_patent_portfolio.csv", "GBK")]
)
def test_the_demo_portfolio_previews_sixty_valid_rows_and_four_errors(
    upload, bob, university, name, encoding
):
    job = upload(bob, university, name, (DEMO / name).read_bytes())
    assert job.status == ImportJob.Status.PREVIEWED, job.message
    assert (job.total_rows, job.valid_rows, job.error_count) == (64, 60, 4)
    assert job.encoding == encoding
    reasons = {e["column"]: e["reason"] for e in job.errors}
    assert "校验位" in reasons["申请号"] or "重复" in reasons["申请号"]
    assert [e["column"] for e in job.errors] == ["申请号", "专利名称", "申请日", "申请号"]
    assert "必填项为空" in reasons["专利名称"] and "2019-02-30" in reasons["申请日"]
    assert "重复" in job.errors[-1]["reason"] and "校验位" in job.errors[0]["reason"]
    assert len(job.preview["rows"]) == 20 and job.preview["plan"] == {
        "create": 60,
        "update": 0,
        "unchanged": 0,
    }
    assert not Patent.objects.exists()


def test_importing_everything_is_refused_while_rows_have_errors(upload, bob, university):
    job = upload(bob, university, "demo.xlsx", (DEMO / "jlu_patent_portfolio.xlsx").read_bytes())
    with pytest.raises(ValidationError) as caught:
        imports.import_queue_commit(actor=bob, job=job, valid_only=False)
    assert "4 处错误" in caught.value.messages[0]
    with pytest.raises(ValidationError):
        imports.import_commit(actor=bob, job=job, valid_only=False)
    assert not Patent.objects.exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED


def test_importing_the_valid_rows_writes_them_once_and_reimporting_changes_nothing(
    upload, commit, bob, university
):
    content = (DEMO / "jlu_patent_portfolio.xlsx").read_bytes()
    job = commit(bob, upload(bob, university, "demo.xlsx", content), valid_only=True)
    assert job.status == ImportJob.Status.DONE, job.message
    assert (job.created_count, job.updated_count, job.unchanged_count) == (60, 0, 0)
    assert Patent.objects.filter(owner=university).count() == 60
    assert not Patent.objects.filter(score_total__isnull=True).exists()
    assert Patent.objects.filter(search_text="").count() == 0
    summary = AuditLog.objects.get(object_id=str(job.pk), action=AuditLog.Action.UPDATE)
    assert summary.actor == bob and "新增 60 条" in summary.note
    assert (
        AuditLog.objects.filter(action=AuditLog.Action.CREATE, note__contains=f"任务 #{job.pk}").count() == 60
    )

    again = commit(
        bob, upload(bob, university, "demo.csv", (DEMO / "jlu_patent_portfolio.csv").read_bytes()), True
    )
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 60)
    assert Patent.objects.count() == 60


def test_a_reimport_with_changed_facts_updates_and_keeps_the_screening_stage(upload, commit, bob, university):
    commit(bob, upload(bob, university, "a.csv", csv_bytes([row(1), row(2)])), False)
    first = Patent.objects.get(application_number=number(1))
    patent_services.patent_transition(actor=bob, patent=first, to="pooled")
    job = commit(bob, upload(bob, university, "b.csv", csv_bytes([row(1, title="新名称"), row(2)])), False)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 1)
    first.refresh_from_db()
    assert first.title == "新名称" and first.stage == "pooled"
    change = AuditLog.objects.get(
        object_id=str(first.pk), action=AuditLog.Action.UPDATE, note__contains="批量导入"
    )
    assert change.changes["title"] == ["专利1", "新名称"]


def test_a_narrower_file_never_blanks_fields_recorded_earlier(upload, commit, bob, university):
    commit(bob, upload(bob, university, "a.csv", csv_bytes([row(1, claims="12")])), False)
    narrow = csv_bytes(
        [[number(1), "专利1", "有效", "2019-05-06"]], header=["申请号", "专利名称", "法律状态", "申请日"]
    )
    job = commit(bob, upload(bob, university, "b.csv", narrow), False)
    assert job.unchanged_count == 1
    patent = Patent.objects.get()
    assert patent.claims_count == 12 and patent.inventors == ["王立新", "李晓东"]


def test_a_number_registered_by_another_organisation_is_a_row_error(
    upload, charlie, enterprise, bob, university
):
    patent_services.patent_create(
        actor=charlie,
        organisation=enterprise,
        application_number=number(2),
        title="一汽的专利",
        legal_status="granted",
        application_date=datetime.date(2019, 5, 6),
    )
    job = upload(bob, university, "a.csv", csv_bytes([row(1), row(2)]))
    assert job.error_count == 1 and job.errors[0]["row"] == 3
    assert "其他机构" in job.errors[0]["reason"] and "中国第一汽车集团有限公司" in job.errors[0]["reason"]
    imports.import_commit(actor=bob, job=job, valid_only=True)
    assert Patent.objects.get(application_number=number(2)).owner == enterprise
    assert Patent.objects.filter(owner=university).count() == 1


def test_the_commit_validates_again_what_changed_since_the_preview(
    upload, charlie, enterprise, bob, university
):
    job = upload(bob, university, "a.csv", csv_bytes([row(1), row(2)]))
    assert job.error_count == 0
    patent_services.patent_create(
        actor=charlie,
        organisation=enterprise,
        application_number=number(2),
        title="抢先登记",
        legal_status="granted",
        application_date=datetime.date(2019, 5, 6),
    )
    with pytest.raises(ValidationError):
        imports.import_commit(actor=bob, job=job, valid_only=False)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED and job.error_count == 1
    assert not Patent.objects.filter(owner=university).exists()


def test_a_failure_while_writing_leaves_nothing_behind(upload, commit, bob, university, monkeypatch):
    job = upload(bob, university, "a.csv", csv_bytes([row(1), row(2)]))

    def explode(patents, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(patent_services, "patents_score", explode)
    job = commit(bob, job, valid_only=False)
    assert job.status == ImportJob.Status.FAILED and "未写入任何数据" in job.message
    assert not Patent.objects.exists()


def test_html_in_a_text_field_is_stored_as_text_and_shown_escaped(upload, commit, login, bob, university):
    rows = [row(1, title='<script>alert("x")</script>专利', inventors="<b>王</b>")]
    commit(bob, upload(bob, university, "a.csv", csv_bytes(rows)), False)
    patent = Patent.objects.get()
    assert patent.title == '<script>alert("x")</script>专利'
    body = login(bob).get(reverse("patents:detail", args=[patent.pk])).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;专利" in body and "<script>alert" not in body
    assert "&lt;b&gt;王&lt;/b&gt;" in body


def test_a_preview_page_escapes_html_in_rows_and_file_names(upload, login, bob, university):
    job = upload(
        bob, university, "<b>清单.csv", csv_bytes([row(1, title="<img src=x>名称"), row(2, filed="<u>")])
    )
    body = login(bob).get(reverse("patents:import-job", args=[job.pk])).content.decode()
    assert "&lt;img src=x&gt;名称" in body and "<img src=x>" not in body
    assert "&lt;b&gt;清单.csv" in body and "&lt;u&gt;" in body and "<u>" not in body


# -- bad files: each refused with a clear message, nothing written --------------------------------
def test_an_executable_renamed_xlsx_or_csv_is_refused_before_anything_is_stored(bob, university):
    for name, content in (
        ("report.xlsx", b"MZ\x90\x00\x03" + b"\x00" * 200),
        ("list.csv", b"\x7fELF\x02\x01" + bytes(100)),
    ):
        with pytest.raises(ValidationError) as caught:
            imports.import_start(
                actor=bob, organisation=university, uploaded_file=SimpleUploadedFile(name, content)
            )
        assert "可执行程序" in caught.value.messages[0]
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(50), "不是 Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(50), ".xls"),
        (b"\xff\xfeA\x00B\x00", "UTF-16"),
        (b"", "文件为空"),
    ],
)
def test_other_files_that_are_not_tables_are_refused(bob, university, content, words):
    with pytest.raises(ValidationError) as caught:
        imports.import_start(
            actor=bob, organisation=university, uploaded_file=SimpleUploadedFile("x.csv", content)
        )
    assert words in caught.value.messages[0]


def test_a_zip_that_is_not_a_workbook_is_refused(bob, university):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ValidationError) as caught:
        imports.import_start(
            actor=bob, organisation=university, uploaded_file=SimpleUploadedFile("x.xlsx", buffer.getvalue())
        )
    assert "不是 Excel 工作簿" in caught.value.messages[0]


def test_a_200_mb_upload_is_refused_by_its_size_before_it_is_read(bob, university, tmp_path):
    sparse = tmp_path / "huge.xlsx"
    with sparse.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # a sparse file: 200 MB long, no disk used
    with sparse.open("rb") as handle, pytest.raises(ValidationError) as caught:
        imports.import_start(actor=bob, organisation=university, uploaded_file=File(handle, name="huge.xlsx"))
    assert "文件过大（200 MB）" in caught.value.messages[0] and "30 MB" in caught.value.messages[0]
    assert not ImportJob.objects.exists()


def test_the_upload_page_refuses_a_200_mb_body_without_reading_it(login, bob, university):
    response = login(bob).post(
        f"{reverse('patents:import')}?org={university.pk}",
        data=b"never read",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "文件过大" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_excel_file_with_formulas_is_refused_naming_the_cells(upload, bob, university):
    rows = [row(1), [number(2), '=A2&"x"', "有效", "=TODAY()", "", "", "=1+1"]]
    job = upload(bob, university, "f.xlsx", xlsx_bytes(rows))
    assert job.status == ImportJob.Status.FAILED
    assert "3 个公式单元格（B3、D3、G3）" in job.message
    assert not Patent.objects.exists()


def test_an_excel_file_with_merged_cells_is_refused_naming_the_range(upload, bob, university):
    job = upload(bob, university, "m.xlsx", xlsx_bytes([row(1), row(2), row(3)], merge="C2:C4"))
    assert job.status == ImportJob.Status.FAILED
    assert "合并单元格（C2:C4）" in job.message
    assert not Patent.objects.exists()


def test_ten_thousand_bad_rows_are_all_counted_but_only_the_first_500_stored(upload, bob, university):
    bad = [[wrong_number(i), "名称", "有效", "2019-05-06", "", "", ""] for i in range(10_000)]
    started = time.monotonic()
    job = upload(bob, university, "bad.xlsx", xlsx_bytes(bad))
    assert job.status == ImportJob.Status.PREVIEWED
    assert (job.total_rows, job.valid_rows, job.error_count) == (10_000, 0, 10_000)
    assert len(job.errors) == imports.MAX_STORED_ERRORS and job.errors[0]["row"] == 2
    with pytest.raises(ValidationError):
        imports.import_queue_commit(actor=bob, job=job, valid_only=True)
    assert not Patent.objects.exists()
    assert time.monotonic() - started < 20


def test_a_gbk_csv_with_a_wrong_header_names_the_missing_and_unknown_columns(upload, bob, university):
    content = csv_bytes(
        [["201910123451.7", "名称", "有效"]], header=["专利号码", "标题名", "状态说明"], encoding="gbk"
    )
    job = upload(bob, university, "wrong.csv", content)
    assert job.status == ImportJob.Status.FAILED
    assert "缺少必填列：申请号、专利名称、法律状态、申请日" in job.message
    assert "“专利号码”" in job.message and "“标题名”" in job.message and "GBK" in job.message
    assert not Patent.objects.exists()


def test_a_wrong_check_digit_is_a_row_error_naming_the_right_digit(upload, bob, university):
    job = upload(
        bob, university, "a.csv", csv_bytes([row(1), ["201910123451.8", "名称", "有效", "2019-05-06"]])
    )
    assert job.errors == [
        {"row": 3, "column": "申请号", "reason": "申请号校验位错误：201910123451 的校验位应为 7，而不是 8。"}
    ]
    assert job.valid_rows == 1


def test_a_utf8_csv_with_bom_and_a_gbk_csv_read_the_same(upload, bob, university):
    rows = [row(1, title="吉林大学专利"), row(2)]
    with_bom = upload(bob, university, "a.csv", b"\xef\xbb\xbf" + csv_bytes(rows))
    gbk = upload(bob, university, "b.csv", csv_bytes(rows, encoding="gbk"))
    assert with_bom.encoding == "UTF-8" and gbk.encoding == "GBK"
    assert with_bom.preview["rows"][0]["title"] == gbk.preview["rows"][0]["title"] == "吉林大学专利"


def test_other_organisations_may_not_import_for_the_university(charlie, university):
    with pytest.raises(PermissionDenied):
        imports.import_start(
            actor=charlie,
            organisation=university,
            uploaded_file=SimpleUploadedFile("a.csv", csv_bytes([row(1)])),
        )


# -- background tasks and progress -----------------------------------------------------------------
def test_progress_is_shared_through_the_cache_while_a_job_runs(bob, university, upload):
    job = upload(bob, university, "a.csv", csv_bytes([row(1)]))
    job.status = ImportJob.Status.VALIDATING
    imports.set_progress(job.pk, "validating", 400, 1000)
    assert imports.job_progress(job)["percent"] == 40
    job.status = ImportJob.Status.PREVIEWED
    assert imports.job_progress(job) == {
        "status": "previewed",
        "status_label": "待确认",
        "phase": "previewed",
        "processed": 1,
        "total": 1,
        "percent": 100,
        "finished": True,
    }


def test_the_preview_task_marks_a_vanished_file_as_failed(bob, university, upload):
    job = upload(bob, university, "a.csv", csv_bytes([row(1)]))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    job.file.storage.delete(job.file.name)
    tasks.preview_import.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "未写入任何数据" in job.message


def test_a_cancelled_import_deletes_its_file(bob, university, upload, django_capture_on_commit_callbacks):
    job = upload(bob, university, "a.csv", csv_bytes([row(1)]))
    stored = job.file.name
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_cancel(actor=bob, job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED and not job.file.storage.exists(stored)
    with pytest.raises(ValidationError):
        imports.import_queue_commit(actor=bob, job=job, valid_only=True)


# -- pages ---------------------------------------------------------------------------------------
def test_a_member_uploads_previews_and_imports_through_the_pages(
    login, bob, university, django_capture_on_commit_callbacks
):
    client = login(bob)
    page = client.get(f"{reverse('patents:import')}?org={university.pk}")
    assert page.status_code == 200 and "演示文件" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{reverse('patents:import')}?org={university.pk}",
            {"file": SimpleUploadedFile("吉大.xlsx", (DEMO / "jlu_patent_portfolio.xlsx").read_bytes())},
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "patents:import-job", args=[job.pk]
    )
    body = client.get(response["Location"]).content.decode()
    assert "仅导入有效行（60 行）" in body and "disabled" in body and "校验位" in body
    progress = client.get(reverse("patents:import-progress", args=[job.pk])).json()
    assert progress["finished"] is True and progress["status"] == "previewed"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("patents:import-commit", args=[job.pk]), {"valid_only": "1"})
    body = client.get(reverse("patents:import-job", args=[job.pk])).content.decode()
    assert "导入完成" in body and 'data-testid="created-count">60<' in body
    assert Patent.objects.filter(owner=university).count() == 60


def test_the_page_refuses_importing_everything_when_there_are_errors(login, bob, university, upload):
    job = upload(bob, university, "a.csv", csv_bytes([row(1), row(2, filed="bad")]))
    response = login(bob).post(
        reverse("patents:import-commit", args=[job.pk]), {"valid_only": "0"}, follow=True
    )
    assert "1 处错误" in response.content.decode()
    assert not Patent.objects.exists()


def test_a_refused_file_is_explained_on_the_upload_form(login, bob, university):
    response = login(bob).post(
        f"{reverse('patents:import')}?org={university.pk}",
        {"file": SimpleUploadedFile("x.csv", b"MZ" + bytes(64))},
    )
    assert response.status_code == 200 and "可执行程序" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_other_organisations_get_403_on_import_and_404_on_the_universitys_jobs(
    login, charlie, bob, university, upload
):
    job = upload(bob, university, "a.csv", csv_bytes([row(1)]))
    client = login(charlie)
    assert client.get(f"{reverse('patents:import')}?org={university.pk}").status_code == 403
    assert (
        client.post(
            f"{reverse('patents:import')}?org={university.pk}", {"file": SimpleUploadedFile("a.csv", b"x")}
        ).status_code
        == 403
    )
    assert client.get(reverse("patents:import-job", args=[job.pk])).status_code == 404
    assert client.get(reverse("patents:import-progress", args=[job.pk])).status_code == 404
    assert (
        client.post(reverse("patents:import-commit", args=[job.pk]), {"valid_only": "1"}).status_code == 404
    )
    assert client.post(reverse("patents:import-cancel", args=[job.pk])).status_code == 404
    assert not Patent.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, bob, university, upload):
    job = upload(bob, university, "a.csv", csv_bytes([row(1)]))
    for url in (
        reverse("patents:import-job", args=[job.pk]),
        reverse("patents:import-progress", args=[job.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_demo_and_template_files_can_be_downloaded(login, bob):
    client = login(bob)
    response = client.get(reverse("patents:import-download", args=["template.csv"]))
    assert response.status_code == 200
    assert (
        b"".join(response.streaming_content).decode("utf-8-sig").startswith("申请号,公开（公告）号,专利名称")
    )
    assert client.get(reverse("patents:import-download", args=["settings.py"])).status_code == 404


def test_the_upload_still_checks_the_csrf_token(bob, university):
    # The page checks the size before the CSRF token (reading the token reads the whole body).
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        f"{reverse('patents:import')}?org={university.pk}",
        {"file": SimpleUploadedFile("a.csv", csv_bytes([row(1)]))},
    )
    assert response.status_code == 403
    assert not ImportJob.objects.exists()
