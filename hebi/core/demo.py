"""The Changchun demo: real organisations, committee, parks and funds from the source documents,
each fact with its document and sentence, plus fictional people who say they are fictional.

Loading is idempotent: a second run finds everything in place and writes nothing.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from hebi.core import audit
from hebi.core.models import Citation
from hebi.core.roles import Role
from hebi.finance.models import FundProfile
from hebi.governance.models import ChairTerm, Committee, CommitteeMember, ReportedFigure
from hebi.orgs.models import Membership, Organisation, Region
from hebi.orgs.reference import load_regions
from hebi.platforms.models import PlatformProfile, Target

DEMO_FILE = Path(__file__).resolve().parent / "demo_data" / "changchun.json"
DEMO_PASSWORD_ENV = "HEBI_DEMO_PASSWORD"  # noqa: S105  (the variable name, not a password)
DEFAULT_DEMO_PASSWORD = "hebi-demo-2026"  # noqa: S105  (demo accounts only; override with the env var)

# Fictional people: (username, name, title, organisation key, roles, note)
DEMO_PEOPLE: list[tuple[str, str, str, str, list[str]]] = [
    ("admin", "平台管理员（演示）", "平台运营", "cc_kjj", [Role.PLATFORM_ADMIN, Role.ORG_ADMIN]),
    ("mishu", "秦晓岚（虚构）", "委员会秘书处干事", "cc_kjj", [Role.SECRETARIAT, Role.STAFF]),
    ("dengji", "韩立诚（虚构）", "技术合同登记员", "tech_market", [Role.REGISTRY_OFFICER, Role.STAFF]),
    ("jlu_admin", "周文博（虚构）", "吉林大学科技成果转化中心主任", "jlu", [Role.ORG_ADMIN, Role.STAFF]),
    ("jlu_li", "李明哲（虚构）", "吉林大学 教授", "jlu", [Role.RESEARCHER]),
    ("cust_wang", "王思远（虚构）", "长春理工大学 研究员", "cust", [Role.RESEARCHER]),
    ("ciomp_zhao", "赵一帆（虚构）", "技术经理人", "ciomp", [Role.TECH_MANAGER, Role.ORG_ADMIN]),
    ("faw_chen", "陈浩然（虚构）", "一汽研发总院 技术需求专员", "faw", [Role.ORG_ADMIN, Role.STAFF]),
    ("expert_sun", "孙立群（虚构）", "评审专家", "ciac", [Role.EXPERT, Role.RESEARCHER]),
    ("changxing_liu", "刘嘉禾（虚构）", "投资经理", "changxing_fund", [Role.STAFF, Role.ORG_ADMIN]),
]


class DemoDataError(Exception):
    pass


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # things skipped, for the command's output

    def count(self, kind: str, created: bool, changed: bool = False) -> None:
        if created:
            self.created[kind] = self.created.get(kind, 0) + 1
        elif changed:
            self.updated[kind] = self.updated.get(kind, 0) + 1

    @property
    def wrote_nothing(self) -> bool:
        return not self.created and not self.updated


def _collapse(text: str) -> str:
    return re.sub(r"\s+", "", text)


def load_demo_file(path: Path = DEMO_FILE) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def iter_quotes(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every (context, document, quote) pair in the demo file."""
    found: list[tuple[str, str, str]] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "doc" in node and "quote" in node:
                found.append((where, node["doc"], node["quote"]))
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    walk(data, "demo")
    return found


def verify_quotes(data: dict[str, Any], seeds_dir: Path) -> list[str]:
    """Problems found: quotes that are not, word for word, in their source document."""
    problems = []
    texts: dict[str, str] = {}
    for where, document, quote in iter_quotes(data):
        if document not in texts:
            source = seeds_dir / document
            if not source.is_file():
                problems.append(f"{where}: source document {document} not found in {seeds_dir}")
                texts[document] = ""
                continue
            texts[document] = _collapse(source.read_text(encoding="utf-8"))
        if texts[document] and _collapse(quote) not in texts[document]:
            problems.append(f"{where}: quote not found in {document}: {quote[:40]}…")
    return problems


class DemoLoader:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.report = SeedReport()
        self.titles = {d["file"]: d.get("title") or "" for d in data.get("documents", [])}
        self.orgs: dict[str, Organisation] = {}

    # -- generic helpers -------------------------------------------------------------------
    def _upsert(
        self,
        model: type[models.Model],
        lookup: dict[str, Any],
        values: dict[str, Any],
        kind: str,
        org: Any = None,
    ) -> Any:
        instance = model._default_manager.filter(**lookup).first()
        if instance is None:
            instance = model(**lookup, **values)
            instance.full_clean()
            instance.save()
            audit.record_create(
                actor=None,
                instance=instance,
                fields=[*lookup, *values],
                organisation=org,
                note="演示数据导入",
            )
            self.report.count(kind, created=True)
            return instance
        changes = audit.model_update(
            actor=None, instance=instance, data=values, fields=list(values), organisation=org
        )
        self.report.count(kind, created=False, changed=bool(changes))
        return instance

    def _cite(self, instance: models.Model, sources: list[dict[str, str]], fact: str = "") -> None:
        content_type = ContentType.objects.get_for_model(instance)
        for source in sources or []:
            _, created = Citation.objects.get_or_create(
                content_type=content_type,
                object_id=str(instance.pk),
                fact=fact,
                document=source["doc"],
                quote=source["quote"],
                defaults={"document_title": self.titles.get(source["doc"], "")[:300]},
            )
            self.report.count("citation", created=created)

    def _region(self, code: str | None) -> Region:
        code = code or "220100"
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise DemoDataError(f"unknown region code {code}")
        return region

    def _org(self, key: str) -> Organisation:
        if key not in self.orgs:
            raise DemoDataError(f"unknown organisation key {key}")
        return self.orgs[key]

    # -- sections --------------------------------------------------------------------------
    def organisation(self, row: dict[str, Any], kind: str | None = None) -> Organisation:
        values = {
            "short_name": row.get("short_name") or "",
            "name_en": row.get("name_en") or "",
            "kind": kind or row["kind"],
            "region": self._region(row.get("region")),
            "uscc": row.get("uscc") or None,
            "description": row.get("description") or "",
        }
        org = self._upsert(Organisation, {"name": row["name"]}, values, "organisation")
        org = Organisation.objects.get(pk=org.pk)
        self._cite(org, row.get("sources", []))
        self.orgs[row["key"]] = org
        return org

    def platform(self, row: dict[str, Any]) -> PlatformProfile:
        org = self.organisation(row, kind=row.get("kind", "park"))
        profile = self._upsert(
            PlatformProfile,
            {"organisation": org},
            {
                "fields": row.get("fields", []),
                "co_builder_note": row.get("co_builder_note") or "",
                "status": row.get("status") or PlatformProfile.Status.UNKNOWN,
            },
            "platform",
            org,
        )
        wanted = {self._org(key).pk for key in row.get("co_builders", [])}
        current = set(profile.co_builders.values_list("pk", flat=True))
        if wanted != current:
            profile.co_builders.set(wanted)
            audit.record(
                actor=None,
                action="update",
                instance=profile,
                changes={"co_builders": [sorted(current), sorted(wanted)]},
                organisation=org,
            )
            self.report.count("platform", created=False, changed=True)
        self._cite(profile, row.get("sources", []))
        for target in row.get("targets", []):
            item = self._upsert(
                Target,
                {"platform": profile, "metric": target["metric"]},
                {
                    "minimum": Decimal(str(target["value"])),
                    "unit": target.get("unit", ""),
                    "years": int(target.get("years", 3)),
                },
                "target",
                org,
            )
            self._cite(item, [target])
        return profile

    def fund(self, row: dict[str, Any]) -> FundProfile:
        org_row = {**row, "kind": "fund"}
        org = self.organisation(org_row, kind="fund")
        parent = FundProfile.objects.get(organisation=self._org(row["parent"])) if row.get("parent") else None
        profile = self._upsert(
            FundProfile,
            {"organisation": org},
            {
                "parent": parent,
                "kind": row["fund_kind"],
                "size_yuan": Decimal(str(row["size_yuan"])) if row.get("size_yuan") else None,
                "loss_tolerance": Decimal(str(row["loss_tolerance"])) if row.get("loss_tolerance") else None,
                "stage_preferences": row.get("stage_preferences", []),
                "sector_preferences": row.get("sector_preferences", []),
            },
            "fund",
            org,
        )
        self._cite(profile, row.get("sources", []))
        return profile

    def committee(self, row: dict[str, Any]) -> Committee:
        renamed = row.get("renamed_to") or {}
        committee = self._upsert(
            Committee,
            {"name": row["name"]},
            {
                "name_en": row.get("name_en", ""),
                "founded_on": date.fromisoformat(row["founded_on"]) if row.get("founded_on") else None,
                "description": row.get("description", ""),
                "renamed_to": renamed.get("name", ""),
                "renamed_year": renamed.get("year"),
            },
            "committee",
        )
        self._cite(committee, row.get("sources", []))
        self._cite(committee, renamed.get("sources", []), fact="renamed")
        members: dict[str, CommitteeMember] = {}
        for member_row in row.get("members", []):
            org = self._org(member_row["org"])
            member = self._upsert(
                CommitteeMember,
                {"committee": committee, "organisation": org},
                {
                    "rotating": bool(member_row.get("rotating")),
                    "representative_title": member_row.get("representative_title", ""),
                },
                "committee_member",
                org,
            )
            self._cite(member, member_row.get("sources", []))
            members[member_row["org"]] = member
        for term_row in row.get("chair_terms", []):
            member = members.get(term_row["org"])
            if member is None:
                raise DemoDataError(f"chair term for {term_row['org']}, which is not a committee member")
            term = self._upsert(
                ChairTerm,
                {
                    "committee": committee,
                    "member": member,
                    "starts_on": date.fromisoformat(term_row["start"]),
                },
                {
                    "ends_on": date.fromisoformat(term_row["end"]),
                    "holder_title": term_row.get("holder_title", ""),
                },
                "chair_term",
                member.organisation,
            )
            self._cite(term, term_row.get("sources", []))
        return committee

    def figure(self, row: dict[str, Any]) -> ReportedFigure:
        subject = self._org(row["subject"]) if row.get("subject") else None
        figure = self._upsert(
            ReportedFigure,
            {"subject": subject, "metric": row["metric"], "label": row["label"]},
            {
                "value": Decimal(str(row["value"])),
                "unit": row.get("unit", ""),
                "as_of": date.fromisoformat(row["as_of"]) if row.get("as_of") else None,
            },
            "figure",
            subject,
        )
        self._cite(figure, [row])
        return figure

    def people(self, password: str) -> list[tuple[str, str, list[str]]]:
        user_model = get_user_model()
        accounts = []
        for username, name, title, org_key, roles in DEMO_PEOPLE:
            org = self.orgs.get(org_key)
            if org is None:
                continue
            user = user_model.objects.filter(username=username).first()
            if user is None:
                user = user_model(
                    username=username,
                    display_name=name,
                    title=title,
                    email=f"{username}@demo.hebi.local",
                    is_fictional=True,
                    is_staff=Role.PLATFORM_ADMIN in roles,
                    is_superuser=Role.PLATFORM_ADMIN in roles,
                )
                user.set_password(password)
                user.save()
                audit.record_create(
                    actor=None,
                    instance=user,
                    fields=["username", "display_name", "title"],
                    note="演示数据导入（虚构人物）",
                )
                self.report.count("person", created=True)
            for role in roles:
                membership, created = Membership.objects.get_or_create(user=user, organisation=org, role=role)
                if created:
                    audit.record_create(
                        actor=None,
                        instance=membership,
                        fields=["user", "organisation", "role"],
                        organisation=org,
                    )
                self.report.count("membership", created=created)
            accounts.append((username, f"{name} · {org.name}", [str(Role(r).label) for r in roles]))
        # The committee's liaisons and representatives are roles; demo people fill two of them.
        liaison = user_model.objects.filter(username="mishu").first()
        member = CommitteeMember.objects.filter(organisation=self.orgs.get("cc_kjj")).first()
        if liaison and member and member.liaison_id is None:
            audit.model_update(actor=None, instance=member, data={"liaison": liaison}, fields=["liaison"])
            self.report.count("committee_member", created=False, changed=True)
        return accounts

    def run(self, password: str) -> list[tuple[str, str, list[str]]]:
        changed_regions = load_regions(Region)
        if changed_regions:
            self.report.created["region"] = changed_regions
        for row in self.data.get("organisations", []):
            self.organisation(row)
        for row in self.data.get("parks", []):
            self.platform({**row, "kind": row.get("kind", "park")})
        for row in self.data.get("platforms", []):
            self.platform(row)
        for row in self.data.get("funds", []):
            self.fund(row)
        if self.data.get("committee"):
            self.committee(self.data["committee"])
        for row in self.data.get("figures", []):
            self.figure(row)
        accounts = self.people(password)
        # The registry: research results (CSL papers) and enterprise needs; after the people,
        # who appear in teams and as authors. Imported here: hebi.catalog.demo imports this module.
        from hebi.catalog.demo import load_catalog_demo

        load_catalog_demo(orgs=self.orgs, report=self.report)
        from hebi.matching.demo import load_matching_demo

        load_matching_demo(report=self.report)
        from hebi.contracts.demo import load_contracts_demo
        from hebi.deals.demo import load_deals_demo

        load_deals_demo(report=self.report)
        load_contracts_demo(report=self.report)
        from hebi.challenges.demo import load_challenges_demo
        from hebi.events.demo import load_events_demo

        load_challenges_demo(report=self.report, password=password)
        load_events_demo(report=self.report)
        return accounts


def seed_demo(*, verify: bool = True) -> tuple[SeedReport, list[tuple[str, str, list[str]]]]:
    data = load_demo_file()
    if verify:
        seeds_dir = Path(settings.HEBI_SEEDS_DIR)
        if seeds_dir.is_dir():
            problems = verify_quotes(data, seeds_dir)
            if problems:
                raise DemoDataError(
                    "demo data cites sentences its documents do not contain:\n" + "\n".join(problems)
                )
    password = os.environ.get(DEMO_PASSWORD_ENV, DEFAULT_DEMO_PASSWORD)
    loader = DemoLoader(data)
    with transaction.atomic():
        accounts = loader.run(password)
    return loader.report, accounts
