"""The Changchun demo data: real facts with their sources, fictional people, idempotent."""

from io import StringIO

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from hebi.accounts.models import User
from hebi.core.demo import iter_quotes, load_demo_file, verify_quotes
from hebi.core.models import AuditLog, Citation
from hebi.finance.models import FundProfile
from hebi.governance.models import ChairTerm, Committee, CommitteeMember, ReportedFigure
from hebi.orgs.models import Organisation
from hebi.platforms.models import PlatformProfile, Target


def test_every_quote_is_word_for_word_in_its_source_document():
    data = load_demo_file()
    assert len(iter_quotes(data)) > 50
    assert settings.HEBI_SEEDS_DIR.is_dir(), (
        "the source documents (../shared/seeds) must sit beside the project"
    )
    assert verify_quotes(data, settings.HEBI_SEEDS_DIR) == []


def test_a_made_up_quote_is_caught(tmp_path):
    (tmp_path / "doc.txt").write_text("长春市科技成果转化战略合作委员会成立。", encoding="utf-8")
    data = {"figures": [{"doc": "doc.txt", "quote": "委员会成立"}, {"doc": "doc.txt", "quote": "委员会解散"}]}
    problems = verify_quotes(data, tmp_path)
    assert len(problems) == 1 and "委员会解散" in problems[0]


@pytest.fixture
def seeded(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_it_loads_the_organisations_committee_parks_and_funds(seeded):
    assert Organisation.objects.filter(name="吉林大学", kind="university").exists()
    assert Organisation.objects.filter(kind="enterprise").count() >= 4
    assert PlatformProfile.objects.filter(organisation__kind="park").count() == 8
    committee = Committee.objects.get()
    assert committee.members.count() >= 4
    first_chair = ChairTerm.objects.order_by("starts_on").first()
    assert first_chair.member.organisation.name == "吉林大学"
    assert str(first_chair.starts_on) == "2023-11-01"
    assert (first_chair.ends_on - first_chair.starts_on).days in range(180, 185)
    changxing = FundProfile.objects.get(organisation__name="长兴基金")
    assert changxing.children.count() >= 2
    assert ReportedFigure.objects.count() >= 20


def test_every_loaded_fact_carries_its_source(seeded):
    for model in (
        Organisation,
        PlatformProfile,
        Target,
        FundProfile,
        Committee,
        CommitteeMember,
        ChairTerm,
        ReportedFigure,
    ):
        content_type = ContentType.objects.get_for_model(model)
        cited = set(Citation.objects.filter(content_type=content_type).values_list("object_id", flat=True))
        missing = [str(instance) for instance in model.objects.all() if str(instance.pk) not in cited]
        assert missing == [], f"{model.__name__} without a source: {missing}"


def test_demo_people_are_fictional_and_say_so(seeded):
    people = User.objects.all()
    assert people.count() >= 8
    assert all(p.is_fictional for p in people)
    assert "password" in seeded.lower() and "jlu_admin" in seeded


def test_running_it_twice_changes_nothing(seeded):
    counts = (
        Organisation.objects.count(),
        Citation.objects.count(),
        AuditLog.objects.count(),
        User.objects.count(),
    )
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "nothing changed" in out.getvalue()
    assert counts == (
        Organisation.objects.count(),
        Citation.objects.count(),
        AuditLog.objects.count(),
        User.objects.count(),
    )


def test_demo_pages_show_sources(seeded, client):
    admin = User.objects.get(username="jlu_admin")
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    committee = client.get("/committee/").content.decode()
    assert "吉林大学" in committee and "轮值主席" in committee and "信息来源" in committee
    park = PlatformProfile.objects.filter(organisation__kind="park").first()
    assert "来源" in client.get(f"/platforms/{park.pk}/").content.decode()


def test_platform_and_fund_pages_show_history_to_overseers_only(seeded, client):
    park = PlatformProfile.objects.filter(organisation__kind="park").first()
    fund = FundProfile.objects.get(organisation__name="长兴基金")
    client.force_login(
        User.objects.get(username="admin"), backend="django.contrib.auth.backends.ModelBackend"
    )
    assert 'id="history"' in client.get(f"/platforms/{park.pk}/").content.decode()
    assert 'id="history"' in client.get(f"/funds/{fund.pk}/").content.decode()
    client.force_login(
        User.objects.get(username="faw_chen"), backend="django.contrib.auth.backends.ModelBackend"
    )
    assert 'id="history"' not in client.get(f"/platforms/{park.pk}/").content.decode()
    assert 'id="history"' not in client.get(f"/funds/{fund.pk}/").content.decode()
