"""Reference data of the contracts app, loaded from hebi/contracts/data/*.json (each file names
its source). Called by a data migration with the historical models, and by `hebi seed_demo`."""

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
    category = apps.get_model("contracts", "ContractCategory")
    reason = apps.get_model("contracts", "RefusalReason")
    rule = apps.get_model("contracts", "DistributionRule")

    categories = _read("contract_categories.json")
    source = categories["source"][:300]
    order = 0
    for row in categories["categories"]:
        order += 1
        parent, _ = category.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_en": row.get("name_en", ""),
                "order": order,
                "source": source,
            },
        )
        for sub in row["subtypes"]:
            order += 1
            note = sub.get("tax_note", "")
            category.objects.get_or_create(
                code=sub["code"],
                defaults={
                    "parent": parent,
                    "name": sub["name"],
                    "name_en": sub.get("name_en", ""),
                    "order": order,
                    "is_licence": sub.get("licence", False),
                    "is_transfer_income": sub.get("transfer_income", False),
                    "vat_exempt": sub.get("vat_exempt", False),
                    "tax_note": note,
                    "source": categories["tax_source"][:300],
                },
            )
    reasons = _read("refusal_reasons.json")
    for order, row in enumerate(reasons["reasons"]):
        reason.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_en": row.get("name_en", ""),
                "order": order,
                "source": reasons["source"][:300],
            },
        )
    rules = _read("distribution_rules.json")
    for row in rules["rules"]:
        rule.objects.get_or_create(
            basis=row["basis"],
            defaults={
                "name": row["name"],
                "min_team_ratio": Decimal(row["min_team_ratio"]),
                "measure": row["measure"],
                "source": rules["source"][:300],
            },
        )
