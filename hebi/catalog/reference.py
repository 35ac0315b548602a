"""Reference data of the registry, loaded from hebi/catalog/data/*.json (each file names its
source). Called by a data migration with the historical models, and by `hebi seed_demo`."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return data


def load_reference(apps: Any = None) -> None:
    """Insert the reference rows that are missing; rows an administrator edited are left alone."""
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    tech_field = apps.get_model("catalog", "TechField")
    level_model = apps.get_model("catalog", "ReadinessLevel")
    indicator = apps.get_model("catalog", "PatentValueIndicator")
    term = apps.get_model("catalog", "SearchTerm")

    fields = _read("fields.json")
    for order, row in enumerate(fields["fields"]):
        tech_field.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_en": row.get("name_en", ""),
                "order": order,
                "disciplines": row.get("disciplines", []),
                "source": fields["source"][:300],
            },
        )
    levels = _read("trl.json")
    for row in levels["levels"]:
        level_model.objects.get_or_create(
            level=row["level"],
            defaults={
                "name": row["name"],
                "name_en": row.get("name_en", ""),
                "description": row["description"],
                "evidence": row.get("evidence", ""),
                "source": levels["source"][:300],
            },
        )
    indicators = _read("patent_indicators.json")
    for row in indicators["indicators"]:
        indicator.objects.get_or_create(
            code=row["code"],
            defaults={
                "dimension": row["dimension"],
                "name": row["name"],
                "name_en": row.get("name_en", ""),
                "rule": row["rule"],
                "weight": Decimal(row["weight"]),
                "source": indicators["source"][:300],
            },
        )
    terms = _read("search_terms.json")
    for row in terms["terms"]:
        term.objects.get_or_create(
            word=row["word"], defaults={"synonyms": row.get("synonyms", []), "note": row.get("note", "")}
        )
