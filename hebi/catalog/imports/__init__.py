"""Bulk patent import (存量专利盘活: an institution's whole portfolio at once).

upload → import_start (size and content checked, file stored, job queued)
       → import_preview (a dry run: every row validated, errors as row/column/reason)
       → import_commit (everything in one transaction, or only the valid rows if the user asks)

The format is recognised by content, never by the file name: .xlsx is a zip holding
xl/workbook.xml; CSV is text in UTF-8 (with or without BOM) or GB18030/GBK. Anything else is
refused with a message that says what it is. Excel files with formulas or merged cells are
refused as a whole: their values are not what the person sees, so no row can be trusted.

The package: reading.py reads the file (size, format, encoding, rows, header), rows.py cleans and
validates each row, services.py holds the services and the progress. Every public name is
re-exported here, so callers keep writing ``from hebi.catalog import imports``.
"""

from __future__ import annotations

from hebi.catalog.imports.reading import (
    COLUMN_BY_FIELD,
    COLUMNS,
    FORMULA_CELLS_SHOWN,
    IGNORED_HEADERS,
    MAX_ROWS,
    MAX_UNCOMPRESSED_FACTOR,
    Column,
    HeaderMap,
    Table,
    check_size,
    check_upload,
    header_key,
    map_header,
    read_table,
    sniff_format,
)
from hebi.catalog.imports.rows import (
    ACTION_LABELS,
    BATCH_SIZE,
    DATE_FIELDS,
    LEGAL_STATUS_WORDS,
    MAX_STORED_ERRORS,
    PREVIEW_ROWS,
    PROGRESS_EVERY,
    REQUIRED_FIELDS,
    TEXT_FIELDS,
    Validation,
    parse_count,
    parse_date,
    parse_legal_status,
    validate_table,
)
from hebi.catalog.imports.services import (
    FINISHED_STATUSES,
    JOB_RESULT_FIELDS,
    PROGRESS_TIMEOUT,
    clear_progress,
    get_progress,
    import_cancel,
    import_commit,
    import_preview,
    import_queue_commit,
    import_start,
    job_progress,
    progress_key,
    set_progress,
)

__all__ = [
    "ACTION_LABELS",
    "BATCH_SIZE",
    "COLUMNS",
    "COLUMN_BY_FIELD",
    "DATE_FIELDS",
    "FINISHED_STATUSES",
    "FORMULA_CELLS_SHOWN",
    "IGNORED_HEADERS",
    "JOB_RESULT_FIELDS",
    "LEGAL_STATUS_WORDS",
    "MAX_ROWS",
    "MAX_STORED_ERRORS",
    "MAX_UNCOMPRESSED_FACTOR",
    "PREVIEW_ROWS",
    "PROGRESS_EVERY",
    "PROGRESS_TIMEOUT",
    "REQUIRED_FIELDS",
    "TEXT_FIELDS",
    "Column",
    "HeaderMap",
    "Table",
    "Validation",
    "check_size",
    "check_upload",
    "clear_progress",
    "get_progress",
    "header_key",
    "import_cancel",
    "import_commit",
    "import_preview",
    "import_queue_commit",
    "import_start",
    "job_progress",
    "map_header",
    "parse_count",
    "parse_date",
    "parse_legal_status",
    "progress_key",
    "read_table",
    "set_progress",
    "sniff_format",
    "validate_table",
]
