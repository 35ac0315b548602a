"""Reference data of the challenges app, loaded from hebi/challenges/data/*.json (each file names
its source). Called by a data migration with the historical models, and by tests."""

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
    rubric_model = apps.get_model("challenges", "Rubric")
    criterion_model = apps.get_model("challenges", "RubricCriterion")
    category_model = apps.get_model("challenges", "DecisionCategory")

    rubrics = _read("rubrics.json")
    for row in rubrics["rubrics"]:
        rubric, created = rubric_model.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_en": row.get("name_en", ""),
                "purpose": row["purpose"],
                "min_panel_size": row["min_panel_size"],
                "source": rubrics["source"][:300],
            },
        )
        if created:
            for order, item in enumerate(row["criteria"]):
                criterion_model.objects.create(
                    rubric=rubric,
                    code=item["code"],
                    name=item["name"],
                    name_en=item.get("name_en", ""),
                    description=item.get("description", ""),
                    max_score=Decimal(item["max_score"]),
                    order=order,
                )
    categories = _read("decision_categories.json")
    for order, row in enumerate(categories["categories"]):
        category_model.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_en": row.get("name_en", ""),
                "outcome": row["outcome"],
                "order": order,
                "source": categories["source"][:300],
            },
        )
