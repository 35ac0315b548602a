"""Reference data shipped with the code: administrative divisions (GB/T 2260) and zones."""

import json
from pathlib import Path
from typing import Any

REGIONS_FILE = Path(__file__).resolve().parent / "data" / "regions.json"


def region_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(REGIONS_FILE.read_text(encoding="utf-8"))
    return rows


def load_regions(region_model: Any) -> int:
    """Insert or update every region in the shipped list; parents come before children. Returns changes."""
    changed = 0
    for row in region_rows():
        values = {
            "name": row["name"],
            "name_en": row.get("name_en", ""),
            "kind": row["kind"],
            "parent_id": row.get("parent") or None,
            "official": bool(row.get("official", True)),
            "source": row.get("source", "")[:300],
            "note": row.get("note", "")[:300],
        }
        existing = region_model.objects.filter(code=row["code"]).first()
        if existing is None:
            region_model.objects.create(code=row["code"], **values)
            changed += 1
        elif any(getattr(existing, k) != v for k, v in values.items()):
            region_model.objects.filter(code=row["code"]).update(**values)
            changed += 1
    return changed
