"""The demo year of the transfer pipeline (hebi/deals/demo.py, hebi/contracts/demo.py): work
teams, engagements, projects with consistent stage histories, contracts in every state, licences,
equity and income distributions; loaded once, the same shape every time.

The whole seed takes ~20 s, so each test seeds once and checks a whole area.
"""

import datetime
from collections import Counter
from decimal import Decimal
from io import StringIO
from itertools import pairwise

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from hebi.accounts.models import User
from hebi.catalog.models import StatusChange
from hebi.contracts.models import (
    ContractVersion,
    DistributionRule,
    DistributionShare,
    EquityArrangement,
    IncomeDistribution,
    Licence,
    TechContract,
)
from hebi.contracts.rules import uscc_problem
from hebi.core.models import AuditLog, Citation, Notification
from hebi.deals.models import Engagement, Funding, StagePeriod, TransferProject, WorkTeam
from hebi.deals.services import HOST_KINDS
from hebi.matching.models import Match
from hebi.orgs.models import Organisation, Region

PAPERS = settings.HEBI_SHARED_DATA_DIR / "csl" / "papers.jsonl"
pytestmark = pytest.mark.skipif(not PAPERS.is_file(), reason=f"the CSL paper records are not at {PAPERS}")
Stage = TransferProject.Stage


@pytest.fixture
def seeded(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _project_history(project):
    return list(
        StatusChange.objects.filter(
            content_type=ContentType.objects.get_for_model(TransferProject), object_id=project.pk
        ).order_by("at", "id")
    )


def test_teams_engagements_and_projects_make_a_consistent_year(seeded, client):
    today = timezone.localdate()
    year_ago = today - datetime.timedelta(days=366)

    # 4 work teams led by the city's science bureau, cited, with the demo people in them.
    teams = WorkTeam.objects.all()
    assert teams.count() == 4
    assert {t.organisation.name for t in teams} == {"长春市科学技术局"}
    assert all("演示虚构" in t.description for t in teams)
    cited = Citation.objects.filter(content_type=ContentType.objects.get_for_model(WorkTeam))
    assert cited.count() == 4 and all("4个科技成果转化专班" in c.quote for c in cited)
    mishu, zhao = User.objects.get(username="mishu"), User.objects.get(username="ciomp_zhao")
    assert WorkTeam.objects.filter(memberships__user=mishu, memberships__is_lead=True).count() == 1
    assert WorkTeam.objects.filter(memberships__user=zhao).exists()

    # ~95 engagements over the last 12 months touching 200+ distinct results.
    engagements = Engagement.objects.all()
    assert 90 <= engagements.count() <= 100
    assert all(year_ago <= e.held_on < today and e.held_on.weekday() < 5 for e in engagements)
    assert len(set(engagements.values_list("achievements", flat=True)) - {None}) >= 200
    assert engagements.filter(team__isnull=True).exists()
    assert len(set(Counter(e.kind for e in engagements))) == 4
    assert set(engagements.values_list("outcome", flat=True)) == set(Engagement.Outcome.values)
    open_ = engagements.filter(next_step_on__isnull=False, next_step_done_at__isnull=True)
    assert open_.filter(next_step_on__lt=today).count() >= 3  # a few overdue
    for person in (zhao, mishu):
        due = open_.filter(
            next_step_owner=person, next_step_on__range=(today, today + datetime.timedelta(days=6))
        )
        assert due.count() >= 1, person
    assert all(e.project.owner in e.organisations.all() for e in engagements.filter(project__isnull=False))

    # ~40 projects at every stage; periods in order, contiguous, one open, matching the stage.
    projects = TransferProject.objects.all()
    assert 35 <= projects.count() <= 45
    assert set(projects.values_list("stage", flat=True)) == set(Stage.values)
    for project in projects:
        periods = list(project.periods.order_by("entered_at", "id"))
        assert periods[0].stage == Stage.MATCHED and periods[0].entered_at.date() >= year_ago
        assert [p.left_at for p in periods[:-1]] == [p.entered_at for p in periods[1:]]
        assert all(p.left_at is None or p.left_at > p.entered_at for p in periods)
        assert periods[-1].left_at is None and periods[-1].stage == project.stage
        assert periods[-1].entered_at == project.stage_entered_at
        for before, after in pairwise(periods):
            assert after.stage in TransferProject.TRANSITIONS[before.stage], project
        history = _project_history(project)
        assert [(h.from_status, h.to_status, h.at) for h in history] == [
            (b.stage, a.stage, a.entered_at) for b, a in pairwise(periods)
        ]
        for period in periods:
            if period.stage in (Stage.CONCEPT, Stage.PILOT, Stage.INCUBATION, Stage.INDUSTRIAL):
                assert period.host is not None and period.host.kind in HOST_KINDS, period
        if project.stage == Stage.STOPPED:
            assert project.stop_reason in TransferProject.StopReason.values
    assert StagePeriod.objects.filter(stage=Stage.CONCEPT, host__kind="cv_centre").exists()
    assert StagePeriod.objects.filter(stage=Stage.PILOT, host__kind="pilot_base").exists()
    pilot_bases = Organisation.objects.filter(kind="pilot_base")
    assert pilot_bases.exists() and all("虚构" in base.description for base in pilot_bases)

    # Money: positive, at a stage the project went through, inside that stay, subsidies capped.
    for funding in Funding.objects.select_related("project"):
        stays = funding.project.periods.filter(stage=funding.stage)
        assert funding.amount > 0 and funding.received_on <= today and stays.exists()
        assert any(
            timezone.localdate(s.entered_at) <= funding.received_on
            and (
                s.left_at is None
                or funding.received_on <= timezone.localdate(s.left_at) + datetime.timedelta(1)
            )
            for s in stays
        ), funding
    subsidies = Counter()
    for funding in Funding.objects.filter(source=Funding.Source.SUBSIDY):
        subsidies[(funding.project_id, funding.received_on.year)] += funding.amount
    assert subsidies and max(subsidies.values()) <= Decimal(10_000_000)
    fund_names = set(Funding.objects.filter(source="fund").values_list("source_org__name", flat=True))
    assert "长春未来种子基金" in fund_names and any("长兴" in name for name in fund_names)

    # The acceptance walk-through: 长春光机所 has a deal in 洽谈 to sign, and matches to start from.
    ciomp = Organisation.objects.get(name="中国科学院长春光学精密机械与物理研究所")
    assert projects.filter(owner=ciomp, stage=Stage.NEGOTIATING, manager=zhao).exists()
    if Match.objects.exists():
        free = Match.objects.filter(achievement__owner=ciomp, transfer_project__isnull=True)
        assert free.count() >= 3

    # The report shows the year to the committee, and ciomp_zhao his institute's part of it.
    client.force_login(mishu, backend="django.contrib.auth.backends.ModelBackend")
    city = client.get(reverse("report-transfers")).json()
    client.force_login(zhao, backend="django.contrib.auth.backends.ModelBackend")
    own = client.get(reverse("report-transfers")).json()
    assert city["scope"]["city"] and not own["scope"]["city"]
    assert 0 < own["totals"]["count"] < city["totals"]["count"]
    assert client.get(reverse("insights:transfers")).status_code == 200


def test_contracts_licences_and_distributions_keep_their_rules_and_load_once(seeded):
    today = timezone.localdate()
    contracts = TechContract.objects.all()
    assert 55 <= contracts.count() <= 70
    categories = set(ContractVersion.objects.values_list("category__code", flat=True))
    assert len(categories) == 12  # every sub-type
    statuses = Counter(contracts.values_list("status", flat=True))
    assert statuses["registered"] >= 45 and statuses["refused"] >= 3 and statuses["submitted"] >= 3
    assert statuses["draft"] >= 1

    for contract in contracts.filter(status="registered"):
        version = contract.in_force
        assert version is not None and version.status == ContractVersion.Status.REGISTERED
        assert contract.latest == version
        assert contract.registration_number.startswith(str(timezone.localdate(contract.registered_at).year))
        assert version.decided_at >= version.submitted_at
        assert version.due_on == timezone.localdate(version.submitted_at) + datetime.timedelta(days=30)
        assert version.signed_file.open("rb").read(5) == b"%PDF-"
        assert version.tech_amount <= version.total_amount
        assert version.total_amount - version.tech_amount == version.non_tech_total
        for party in version.parties.all():
            assert uscc_problem(party.uscc) is None, party.uscc
    numbers = list(contracts.exclude(registration_number=None).values_list("registration_number", flat=True))
    assert len(numbers) == len(set(numbers))
    months = {
        timezone.localdate(c.registered_at).strftime("%Y-%m") for c in contracts.filter(status="registered")
    }
    assert len(months) >= 8

    for contract in contracts.filter(status="refused"):
        assert contract.latest.status == "refused" and contract.latest.refusal_reasons.exists()
    twice = [c for c in contracts.filter(status="registered") if c.versions.count() == 2]
    refused_first = [c for c in twice if c.versions.get(number=1).status == "refused"]
    superseded = [c for c in twice if c.versions.get(number=1).status == "superseded"]
    assert len(refused_first) >= 2 and len(superseded) == 1
    waiting = ContractVersion.objects.filter(status="submitted")
    assert any(v.days_left(today) < 0 for v in waiting)
    assert any(0 <= v.days_left(today) <= 7 for v in waiting)
    local = Counter(ContractVersion.objects.filter(status="registered").values_list("is_local", flat=True))
    assert local[True] > local[False] > 0
    assert Region.objects.filter(code__in=["110108", "310115"]).count() == 2
    assert TechContract.objects.filter(
        project__isnull=False, project__enterprise=models_f("buyer_org")
    ).exists()
    # The decided contracts' notices are history (read), not sixty unread bells.
    assert not Notification.objects.filter(key__startswith="contract:", read_at__isnull=True).exists()

    licences = {licence.mode + ":" + licence.status: licence for licence in Licence.objects.all()}
    trial = licences["use_first:trial"]
    assert trial.entry_fee == 0 and (trial.trial_end - trial.trial_start).days >= 365
    assert trial.payments.exists() and not trial.payments.filter(paid_on__isnull=False).exists()
    converted = licences["use_first:paying"]
    assert converted.converted_on and converted.payments.filter(paid_on__isnull=False).exists()
    royalty = licences["standard:paying"]
    assert royalty.royalty_rate and royalty.payment == "revenue_share"
    for licence in Licence.objects.all():
        assert licence.contract.in_force.category.is_licence

    kinds = {e.kind: e for e in EquityArrangement.objects.all()}
    assert (
        kinds["invest_first"].investor.name == "长春未来种子基金" and kinds["invest_first"].status == "agreed"
    )
    assert kinds["equity"].equity_ratio and kinds["equity"].team_equity_ratio >= 50

    distributions = IncomeDistribution.objects.all()
    assert 6 <= distributions.count() <= 10
    assert {d.organisation.short_name for d in distributions} == {"吉大", "长春光机所"}
    rules = dict(DistributionRule.objects.values_list("basis", "min_team_ratio"))
    for d in distributions:
        shares = list(d.shares.all())
        team = sum(s.amount for s in shares if s.role in DistributionShare.TEAM_ROLES)
        assert d.net_income == d.income - d.costs
        assert d.team_amount == team and sum(s.amount for s in shares) == d.net_income
        assert d.team_ratio == (team / d.net_income * 100).quantize(Decimal("0.01"))
        assert d.below_default == (d.team_ratio < rules[d.basis])
    assert distributions.filter(below_default=True).count() == 1

    # A second run finds everything in place and writes nothing.
    counts = [
        m.objects.count()
        for m in (
            TechContract,
            ContractVersion,
            TransferProject,
            Engagement,
            AuditLog,
            StatusChange,
            Notification,
            User,
            Organisation,
            Funding,
        )
    ]
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "nothing changed" in out.getvalue()
    assert counts == [
        m.objects.count()
        for m in (
            TechContract,
            ContractVersion,
            TransferProject,
            Engagement,
            AuditLog,
            StatusChange,
            Notification,
            User,
            Organisation,
            Funding,
        )
    ]


def models_f(name):
    from django.db.models import F

    return F(name)


def test_demo_licences_run_inside_their_contracts_term(seeded):
    from hebi.contracts.models import Licence

    for licence in Licence.objects.select_related("contract__in_force"):
        term_end = licence.contract.in_force.term_end
        assert licence.trial_end is None or licence.trial_end <= term_end
        assert all(p.due_on <= term_end + datetime.timedelta(days=60) for p in licence.payments.all())
