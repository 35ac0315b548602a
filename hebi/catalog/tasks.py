"""Background work of the catalogue, through the one task API (django-tasks).

The embedded default is the database queue served by `manage.py db_worker`; tests run tasks
inline (ImmediateBackend). Tasks take ids, never objects: they may run in another process.
Progress goes to the cache (imports.set_progress), because an import's own writes are invisible
to the page polling it until the transaction commits; the job row gets the final state.
"""

from __future__ import annotations

import io
import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils.translation import gettext as _
from django_tasks import task

from hebi.catalog import imports
from hebi.catalog.models import ImportJob

logger = logging.getLogger(__name__)


@task()
def preview_import(job_id: int) -> str:
    """The dry run of an uploaded patent file: validate every row, store counts and errors."""
    job = ImportJob.objects.select_related("organisation").filter(pk=job_id).first()
    if job is None:
        return "missing"
    try:
        return imports.import_preview(job).status
    except Exception:
        logger.exception("Patent import %s: preview failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            message=_("校验文件时发生错误，未写入任何数据。请重新上传或联系管理员。"),
        )
        imports.clear_progress(job_id)
        raise


@task()
def commit_import(job_id: int, valid_only: bool, actor_id: int) -> str:
    """Write a previewed import in one transaction; on any failure nothing is written."""
    job = ImportJob.objects.select_related("organisation").filter(pk=job_id).first()
    actor = get_user_model().objects.filter(pk=actor_id, is_active=True).first()
    if job is None:
        return "missing"
    try:
        if actor is None:
            raise PermissionDenied(_("导入人账号已停用。"))
        return imports.import_commit(actor=actor, job=job, valid_only=valid_only).status
    except (ValidationError, PermissionDenied) as error:
        # import_commit has stored fresh errors when the file no longer validates; the person
        # can look at them and choose again.
        message = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.IMPORTING).update(
            status=ImportJob.Status.PREVIEWED
        )
        ImportJob.objects.filter(pk=job_id).update(message=message[:500])
        return "refused"
    except Exception:
        logger.exception("Patent import %s: commit failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, message=_("导入失败，未写入任何数据。请重新上传或联系管理员。")
        )
        raise
    finally:
        imports.clear_progress(job_id)


@task()
def reindex_search() -> str:
    """Recompute every record's search text with the current dictionary (the admin's action after
    the search dictionary changed); the work is the `reindex_search` command's."""
    output = io.StringIO()
    call_command("reindex_search", stdout=output)
    return output.getvalue()
