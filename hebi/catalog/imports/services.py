"""The import services: import_start, import_preview, import_queue_commit, import_commit,
import_cancel, and the progress shown while a job runs."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.catalog import patent_services
from hebi.catalog.imports.reading import Table, check_upload, read_table
from hebi.catalog.imports.rows import BATCH_SIZE, PROGRESS_EVERY, Validation, validate_table
from hebi.catalog.models import ImportJob, Patent
from hebi.catalog.search.lexicon import current_lexicon
from hebi.core import audit
from hebi.core.models import AuditLog
from hebi.orgs.models import Organisation

PROGRESS_TIMEOUT = 60 * 60


# -- progress (shared through the cache: the import's own writes are invisible until commit) -----
def progress_key(job_id: int) -> str:
    return f"hebi:patent-import:{job_id}:progress"


def set_progress(job_id: int, phase: str, processed: int, total: int) -> None:
    cache.set(
        progress_key(job_id), {"phase": phase, "processed": processed, "total": total}, PROGRESS_TIMEOUT
    )


def get_progress(job_id: int) -> dict[str, Any] | None:
    value: dict[str, Any] | None = cache.get(progress_key(job_id))
    return value


def clear_progress(job_id: int) -> None:
    cache.delete(progress_key(job_id))


FINISHED_STATUSES = (
    ImportJob.Status.PREVIEWED,
    ImportJob.Status.DONE,
    ImportJob.Status.FAILED,
    ImportJob.Status.CANCELLED,
)


def job_progress(job: ImportJob) -> dict[str, Any]:
    """What the job page's progress bar shows: the cache while running, the job row after."""
    finished = job.status in FINISHED_STATUSES
    state = {} if finished else (get_progress(job.pk) or {})
    total = state.get("total") or job.total_rows
    processed = state.get("processed", job.processed_rows if finished else 0)
    percent = 100 if finished else (int(processed * 100 / total) if total else 0)
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "phase": state.get("phase", job.status),
        "processed": processed,
        "total": total,
        "percent": min(100, percent),
        "finished": finished,
    }


# -- services ------------------------------------------------------------------------------------
def _enqueue_after_commit(task_name: str, *args: Any) -> None:
    """Queue a task once the rows it reads are committed (ENQUEUE_ON_COMMIT is not honoured by
    django-tasks 0.12, so we say it here). Outside a transaction this runs at once."""
    from hebi.catalog import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.enqueue(*args))


def import_start(*, actor: Any, organisation: Organisation, uploaded_file: Any) -> ImportJob:
    """Check the upload (size, then content), store it and queue the dry run."""
    patent_services.require_edit_patents(actor, organisation)
    file_format = check_upload(uploaded_file)
    original = patent_services.plain_text(getattr(uploaded_file, "name", "") or "").rsplit("/", 1)[-1]
    with transaction.atomic():
        job = ImportJob(
            organisation=organisation,
            uploaded_by=actor,
            file_name=original[:200] or f"upload.{file_format}",
            file_format=file_format,
        )
        uploaded_file.seek(0)
        job.file.save(f"{uuid.uuid4().hex}.{file_format}", File(uploaded_file), save=False)
        job.save()
        audit.record_create(
            actor=actor, instance=job, fields=["file_name", "file_format"], organisation=organisation
        )
        set_progress(job.pk, "queued", 0, 0)
        _enqueue_after_commit("preview_import", job.pk)
    return job


def _read_job(job: ImportJob) -> Table:
    with job.file.open("rb") as stream:
        return read_table(stream, job.file_format)


def _store_validation(job: ImportJob, result: Validation) -> None:
    job.total_rows = result.total_rows
    job.valid_rows = len(result.valid)
    job.processed_rows = result.total_rows
    job.errors = result.errors
    job.error_count = result.error_count
    job.preview = {"rows": result.preview, "plan": result.plan, "notices": result.notices}


JOB_RESULT_FIELDS = [
    "status",
    "encoding",
    "total_rows",
    "valid_rows",
    "processed_rows",
    "errors",
    "error_count",
    "preview",
    "message",
    "updated_at",
]


def import_preview(job: ImportJob) -> ImportJob:
    """The dry run: read and validate every row, store counts, errors and the first rows."""
    if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.VALIDATING, ImportJob.Status.FAILED):
        return job
    job.status = ImportJob.Status.VALIDATING
    job.save(update_fields=["status", "updated_at"])
    set_progress(job.pk, "validating", 0, 0)
    try:
        table = _read_job(job)
        job.encoding = table.encoding
        result = validate_table(
            table,
            job.organisation,
            progress=lambda done, total: set_progress(job.pk, "validating", done, total),
        )
    except ValidationError as error:
        job.status = ImportJob.Status.FAILED
        job.message = " ".join(error.messages)[:500]
        job.errors, job.error_count, job.preview = [], 0, []
        job.save(update_fields=JOB_RESULT_FIELDS)
        clear_progress(job.pk)
        return job
    _store_validation(job, result)
    job.status = ImportJob.Status.PREVIEWED
    job.message = " ".join(result.notices)[:500]
    job.save(update_fields=JOB_RESULT_FIELDS)
    clear_progress(job.pk)
    return job


def _refusal_for_errors(job: ImportJob) -> ValidationError:
    return ValidationError(
        _("文件中有 %(n)d 处错误，未导入任何数据。请修正后重新上传，或选择“仅导入有效行”。")
        % {"n": job.error_count},
        code="has_errors",
    )


def import_queue_commit(*, actor: Any, job: ImportJob, valid_only: bool) -> ImportJob:
    """The person confirmed the preview: queue the import (it runs in the background)."""
    patent_services.require_edit_patents(actor, job.organisation)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("organisation").get(pk=job.pk)
        if job.status != ImportJob.Status.PREVIEWED:
            raise ValidationError(
                _("该导入任务当前为“%(status)s”，不能导入。") % {"status": job.get_status_display()},
                code="status",
            )
        if job.error_count and not valid_only:
            raise _refusal_for_errors(job)
        if valid_only and not job.valid_rows:
            raise ValidationError(_("没有可导入的有效行。"), code="no_valid_rows")
        job.status = ImportJob.Status.IMPORTING
        job.valid_only = valid_only
        job.save(update_fields=["status", "valid_only", "updated_at"])
        set_progress(job.pk, "importing", 0, job.valid_rows)
        _enqueue_after_commit("commit_import", job.pk, valid_only, actor.pk)
    return job


class _Refused(Exception):
    """Validation refused the commit: the transaction is rolled back, then the job is updated."""

    def __init__(self, result: Validation, error: ValidationError) -> None:
        super().__init__(str(error))
        self.result = result
        self.error = error


def _audit_rows(
    *, actor: Any, job: ImportJob, created: list[Patent], updated: list[tuple[Patent, dict[str, list[Any]]]]
) -> list[AuditLog]:
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = (user.get_full_name() or user.get_username()) if user else "系统"
    content_type = ContentType.objects.get_for_model(Patent)
    note = _("批量导入（任务 #%(id)d，%(file)s）") % {"id": job.pk, "file": job.file_name}
    common = {
        "actor": user,
        "actor_label": label,
        "content_type": content_type,
        "organisation": job.organisation,
        "note": note[:500],
    }
    rows = [
        AuditLog(
            action=AuditLog.Action.CREATE,
            object_id=str(p.pk),
            object_label=str(p)[:300],
            changes={
                k: [None, v]
                for k, v in audit.snapshot(p, patent_services.PATENT_FIELDS).items()
                if v not in (None, "", [])
            },
            **common,
        )
        for p in created
    ]
    rows += [
        AuditLog(
            action=AuditLog.Action.UPDATE,
            object_id=str(p.pk),
            object_label=str(p)[:300],
            changes=changes,
            **common,
        )
        for p, changes in updated
    ]
    return rows


def import_commit(*, actor: Any, job: ImportJob, valid_only: bool) -> ImportJob:
    """Write the validated rows in one transaction: all of them, or nothing.

    The file is validated again (the registry may have changed since the preview). With errors
    and not valid_only, nothing is written. Same number → update; same data → unchanged."""
    patent_services.require_edit_patents(actor, job.organisation)
    organisation = job.organisation
    try:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().select_related("organisation").get(pk=job.pk)
            if job.status not in (ImportJob.Status.PREVIEWED, ImportJob.Status.IMPORTING):
                raise ValidationError(
                    _("该导入任务当前为“%(status)s”，不能导入。") % {"status": job.get_status_display()},
                    code="status",
                )
            set_progress(job.pk, "validating", 0, job.total_rows)
            result = validate_table(
                _read_job(job), organisation, progress=lambda d, t: set_progress(job.pk, "validating", d, t)
            )
            if result.error_count and not valid_only:
                raise _Refused(result, _refusal_for_errors(job))
            if not result.valid:
                raise _Refused(result, ValidationError(_("没有可导入的有效行。"), code="no_valid_rows"))
            counts = _write(actor=actor, job=job, result=result)
            _store_validation(job, result)
            job.status = ImportJob.Status.DONE
            job.valid_only = valid_only
            job.created_count, job.updated_count, job.unchanged_count = counts
            job.message = (
                _("已导入：新增 %(c)d 条，更新 %(u)d 条，%(n)d 条无变化。")
                % {"c": counts[0], "u": counts[1], "n": counts[2]}
                + (_("跳过有错误的行 %(e)d 行。") % {"e": result.invalid_rows} if result.invalid_rows else "")
            )[:500]
            job.save(
                update_fields=[
                    *JOB_RESULT_FIELDS,
                    "valid_only",
                    "created_count",
                    "updated_count",
                    "unchanged_count",
                ]
            )
            audit.record(
                actor=actor,
                action=AuditLog.Action.UPDATE,
                instance=job,
                changes={
                    "status": [ImportJob.Status.PREVIEWED.value, ImportJob.Status.DONE.value],
                    "created_count": [0, counts[0]],
                    "updated_count": [0, counts[1]],
                    "unchanged_count": [0, counts[2]],
                    "valid_only": [None, valid_only],
                },
                organisation=organisation,
                note=job.message,
            )
    except _Refused as refused:
        _store_validation(job, refused.result)
        job.status = ImportJob.Status.PREVIEWED
        job.message = " ".join(refused.error.messages)[:500]
        job.save(update_fields=JOB_RESULT_FIELDS)
        raise refused.error from None
    finally:
        clear_progress(job.pk)
    return job


def _write(*, actor: Any, job: ImportJob, result: Validation) -> tuple[int, int, int]:
    """Upsert the valid rows in batches, scores computed before writing (one write per row)."""
    organisation = job.organisation
    total = len(result.valid)
    now = timezone.now()
    lexicon = current_lexicon()
    to_create: list[Patent] = []
    to_update: list[tuple[Patent, dict[str, list[Any]]]] = []
    unchanged = 0
    for row_data in result.valid:
        data = row_data[1]
        number = data["application_number"]
        action = result.actions[number]
        if action == "create":
            patent = Patent(owner=organisation, **data)
            patent.search_text = patent_services.search_text_for(patent, lexicon)
            to_create.append(patent)
        elif action == "update":
            patent = result.existing[number]
            before = audit.snapshot(patent, data.keys())
            for key, value in data.items():
                setattr(patent, key, value)
            patent.search_text = patent_services.search_text_for(patent, lexicon)
            patent.updated_at = now
            to_update.append((patent, audit.diff(before, audit.snapshot(patent, data.keys()))))
        else:
            unchanged += 1
    patent_services.patents_score([*to_create, *(p for p, _c in to_update)])
    done = unchanged
    for start in range(0, len(to_create), BATCH_SIZE):
        batch = to_create[start : start + BATCH_SIZE]
        Patent.objects.bulk_create(batch)
        done += len(batch)
        set_progress(job.pk, "importing", done, total)
    # One UPDATE per changed patent, of its changed columns only: Django's bulk_update builds a
    # CASE per column and row, several times slower for wide rows.
    for patent, changes in to_update:
        columns = [*changes, "search_text", "updated_at", *patent_services.SCORE_FIELDS]
        Patent.objects.filter(pk=patent.pk).update(**{name: getattr(patent, name) for name in columns})
        done += 1
        if done % PROGRESS_EVERY == 0:
            set_progress(job.pk, "importing", done, total)
    # Some databases do not return the new primary keys from bulk_create: read them back.
    created_numbers = [p.application_number for p in to_create]
    created: list[Patent] = []
    for start in range(0, len(created_numbers), BATCH_SIZE):
        created.extend(
            Patent.objects.filter(
                owner=organisation, application_number__in=created_numbers[start : start + BATCH_SIZE]
            ).only("pk", "title", "application_number", *patent_services.PATENT_FIELDS)
        )
    AuditLog.objects.bulk_create(
        _audit_rows(actor=actor, job=job, created=created, updated=to_update), batch_size=BATCH_SIZE
    )
    return len(created), len(to_update), unchanged


def import_cancel(*, actor: Any, job: ImportJob) -> ImportJob:
    """Abandon an import before it is written; the stored file is deleted."""
    patent_services.require_edit_patents(actor, job.organisation)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("organisation").get(pk=job.pk)
        if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED):
            raise ValidationError(
                _("该导入任务当前为“%(status)s”，不能取消。") % {"status": job.get_status_display()},
                code="status",
            )
        before = job.status
        job.status = ImportJob.Status.CANCELLED
        job.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            instance=job,
            changes={"status": [before, job.status]},
            organisation=job.organisation,
            note=_("取消导入"),
        )
        stored = job.file.name
        transaction.on_commit(lambda: job.file.storage.delete(stored) if stored else None)
    clear_progress(job.pk)
    return job
