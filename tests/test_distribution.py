"""收益分配: 吉林大学 (Alice) shares the money a licence brought with the inventors and the
transfer team, with the statutory defaults of 促进科技成果转化法 第45条 as the yardstick."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from hebi.contracts import licence_selectors, licence_services
from hebi.contracts.models import IncomeDistribution
from hebi.core.models import Notification
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.test_licences import make_contract

TODAY = timezone.localdate()


def income(**overrides):
    data = {"basis": "licence", "received_on": TODAY, "income": "1000000", "costs": "100000", "note": ""}
    data.update(overrides)
    return data


def shares(*amounts_by_role):
    return [
        {"role": role, "recipient": f"获得者{n}", "amount": amount}
        for n, (role, amount) in enumerate(amounts_by_role, start=1)
    ]


GENEROUS = shares(("inventor", "400000"), ("team", "100000"), ("organisation", "400000"))  # team 500k of 900k
MEAN = shares(("inventor", "200000"), ("organisation", "700000"))


def test_it_computes_net_income_and_the_team_share(alice, university):
    d = licence_services.distribution_create(
        actor=alice, organisation=university, data=income(), shares=GENEROUS
    )
    assert d.net_income == Decimal("900000") and d.team_amount == Decimal("500000")
    assert d.team_ratio == Decimal("55.56") and d.year == TODAY.year
    assert not d.below_default
    assert d.shares.count() == 3


def test_a_team_share_below_the_default_is_stored_and_cites_the_law(alice, university):
    d = licence_services.distribution_create(actor=alice, organisation=university, data=income(), shares=MEAN)
    assert d.below_default
    (warning,) = licence_services.distribution_warnings(d)
    assert "低于法定默认比例 50%" in warning and "第四十五条" in warning


def test_own_use_has_a_five_percent_default(alice, university):
    d = licence_services.distribution_create(
        actor=alice,
        organisation=university,
        data=income(basis="own_use"),
        shares=shares(("team", "50000"), ("organisation", "100000")),
    )
    assert d.team_ratio == Decimal("5.56") and not d.below_default


def test_it_refuses_shares_over_the_net_income(alice, university):
    with pytest.raises(ValidationError) as error:
        licence_services.distribution_create(
            actor=alice,
            organisation=university,
            data=income(),
            shares=shares(("inventor", "600000"), ("organisation", "300001")),
        )
    assert "分配合计超过净收入（100%）" in error.value.message_dict["shares"][0]
    assert not IncomeDistribution.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-100"])
def test_it_refuses_shares_that_are_not_positive(alice, university, amount):
    with pytest.raises(ValidationError) as error:
        licence_services.distribution_create(
            actor=alice, organisation=university, data=income(), shares=shares(("inventor", amount))
        )
    assert "第 1 行" in error.value.message_dict["shares"][0]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"income": "0"}, "income"),
        ({"income": "-5"}, "income"),
        ({"costs": "1000000"}, "costs"),  # nothing left to share
        ({"costs": "-1"}, "costs"),
        ({"received_on": TODAY + datetime.timedelta(days=1)}, "received_on"),
        ({"basis": "gift"}, "basis"),
    ],
)
def test_it_refuses_bad_figures(alice, university, overrides, field):
    with pytest.raises(ValidationError) as error:
        licence_services.distribution_create(
            actor=alice, organisation=university, data=income(**overrides), shares=GENEROUS
        )
    assert field in error.value.message_dict


def test_it_needs_at_least_one_share(alice, university):
    with pytest.raises(ValidationError) as error:
        licence_services.distribution_create(actor=alice, organisation=university, data=income(), shares=[])
    assert "shares" in error.value.message_dict


def test_only_the_organisations_contributors_record(charlie, nina, university):
    for user in (charlie, nina):
        with pytest.raises(PermissionDenied):
            licence_services.distribution_create(
                actor=user, organisation=university, data=income(), shares=GENEROUS
            )


def test_it_links_only_contracts_the_organisation_sold(alice, charlie, university, enterprise, rita):
    bought = make_contract(charlie, enterprise, university, officer=rita)
    with pytest.raises(ValidationError) as error:
        licence_services.distribution_create(
            actor=alice, organisation=university, data=income(contract=bought), shares=GENEROUS
        )
    assert "contract" in error.value.message_dict


def test_recipients_with_an_account_are_told(alice, bob, university, django_capture_on_commit_callbacks):
    rows = [{"role": "inventor", "recipient": "鲍勃", "amount": "500000", "user": bob}]
    with django_capture_on_commit_callbacks(execute=True):
        d = licence_services.distribution_create(
            actor=alice, organisation=university, data=income(), shares=rows
        )
    assert Notification.objects.get(recipient=bob).key == f"distribution:{d.pk}"


def test_totals_per_organisation_and_year(alice, charlie, sam, university, enterprise):
    licence_services.distribution_create(actor=alice, organisation=university, data=income(), shares=GENEROUS)
    licence_services.distribution_create(actor=alice, organisation=university, data=income(), shares=MEAN)
    last_year = datetime.date(TODAY.year - 1, 6, 30)
    licence_services.distribution_create(
        actor=alice,
        organisation=university,
        data=income(received_on=last_year, costs="0"),
        shares=shares(("inventor", "700000")),
    )
    licence_services.distribution_create(
        actor=charlie,
        organisation=enterprise,
        data=income(basis="own_use"),
        shares=shares(("team", "100000")),
    )
    mine = licence_selectors.distribution_totals(viewer=alice)
    assert [(t.organisation_name, t.year) for t in mine] == [
        ("吉林大学", TODAY.year),
        ("吉林大学", TODAY.year - 1),
    ]
    this_year = mine[0]
    assert (this_year.count, this_year.income, this_year.net_income, this_year.team_amount) == (
        2,
        Decimal("2000000"),
        Decimal("1800000"),
        Decimal("700000"),
    )
    assert this_year.team_ratio == Decimal("38.89") and this_year.below_default_count == 1
    everyone = licence_selectors.distribution_totals(viewer=sam, year=TODAY.year)
    assert {t.organisation_name for t in everyone} == {"吉林大学", "中国第一汽车集团有限公司"}
    assert licence_selectors.distribution_totals(viewer=charlie, year=TODAY.year - 1) == []


# -- pages ------------------------------------------------------------------------------------------------
def _post_data(**overrides):
    data = {
        "basis": "licence",
        "received_on": TODAY.isoformat(),
        "income": "1000000",
        "costs": "100000",
        "shares-TOTAL_FORMS": "4",
        "shares-INITIAL_FORMS": "0",
        "shares-0-role": "inventor",
        "shares-0-recipient": "张教授",
        "shares-0-amount": "300000",
        "shares-1-role": "organisation",
        "shares-1-recipient": "吉林大学",
        "shares-1-amount": "500000",
    }
    data.update(overrides)
    return data


def test_recording_on_the_page_shows_the_warning_prominently(login, alice, university):
    client = login(alice)
    url = reverse("licences:distribution-create") + f"?org={university.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, _post_data(), follow=True)
    d = IncomeDistribution.objects.get()
    assert response.redirect_chain[-1][0] == reverse("licences:distribution-detail", args=[d.pk])
    assert 'data-testid="below-default"' in response.content.decode()


def test_the_page_refuses_over_100_percent(login, alice, university):
    url = reverse("licences:distribution-create") + f"?org={university.pk}"
    response = login(alice).post(url, _post_data(**{"shares-1-amount": "700000"}))
    assert response.status_code == 400
    assert "分配合计超过净收入（100%）" in response.content.decode()
    assert not IncomeDistribution.objects.exists()


def test_the_page_refuses_zero_amounts(login, alice, university):
    url = reverse("licences:distribution-create") + f"?org={university.pk}"
    response = login(alice).post(url, _post_data(**{"shares-0-amount": "0"}))
    assert response.status_code == 400 and not IncomeDistribution.objects.exists()


def test_recording_from_a_contract_page(login, alice, university, enterprise, rita):
    contract = make_contract(alice, university, enterprise, officer=rita)
    url = reverse("licences:distribution-create") + f"?contract={contract.pk}"
    response = login(alice).get(url)
    assert response.status_code == 200 and response.context["form"].initial["basis"] == "licence"
    login(alice).post(url, _post_data(contract=contract.pk))
    assert IncomeDistribution.objects.get().contract == contract


def test_other_organisations_get_403_or_404(login, alice, charlie, university):
    d = licence_services.distribution_create(
        actor=alice, organisation=university, data=income(), shares=GENEROUS
    )
    client = login(charlie)
    assert client.get(reverse("licences:distribution-create") + f"?org={university.pk}").status_code == 403
    assert client.get(reverse("licences:distribution-detail", args=[d.pk])).status_code == 404
    assert client.get(reverse("licences:distribution-create") + "?org=999999").status_code == 404


def test_the_totals_page(login, alice, sam, nina, university):
    licence_services.distribution_create(actor=alice, organisation=university, data=income(), shares=MEAN)
    response = login(alice).get(reverse("licences:distributions"), {"year": TODAY.year})
    assert response.status_code == 200 and len(response.context["totals"]) == 1
    assert login(sam).get(reverse("licences:distributions")).context["totals"]
    nobody = login(nina).get(reverse("licences:distributions"))
    assert nobody.status_code == 200 and not nobody.context["totals"]
    assert "暂无收益分配记录" in nobody.content.decode()


def test_another_universitys_records_stay_private(login, alice, university):
    other = OrganisationFactory(name="长春理工大学")
    olga = UserFactory(username="olga")
    MembershipFactory(user=olga, organisation=other, role="org_admin")
    d = licence_services.distribution_create(
        actor=alice, organisation=university, data=income(), shares=GENEROUS
    )
    assert login(olga).get(reverse("licences:distribution-detail", args=[d.pk])).status_code == 404
    assert licence_selectors.distribution_totals(viewer=olga) == []


# -- API ----------------------------------------------------------------------------------------------------
def _api_body(university, **overrides):
    body = {
        **income(received_on=TODAY.isoformat()),
        "organisation": university.pk,
        "shares": shares(("inventor", "300000"), ("organisation", "500000")),
    }
    body.update(overrides)
    return body


def test_api_creates_with_shares_and_flags_below_default(api, alice, university):
    response = api(alice).post("/api/v1/distributions/", _api_body(university), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["below_default"] is True and response.json()["warnings"]
    assert response.json()["team_ratio"] == "33.33"


def test_api_refusals(api, alice, charlie, university):
    over = _api_body(university, shares=shares(("inventor", "900000"), ("team", "1")))
    response = api(alice).post("/api/v1/distributions/", over, format="json")
    assert response.status_code == 400 and "分配合计超过净收入（100%）" in response.json()["shares"][0]
    zero = _api_body(university, shares=shares(("inventor", "0")))
    assert api(alice).post("/api/v1/distributions/", zero, format="json").status_code == 400
    assert (
        api(charlie).post("/api/v1/distributions/", _api_body(university), format="json").status_code == 403
    )
    assert not IncomeDistribution.objects.exists()


def test_api_lists_retrieves_and_totals(api, alice, charlie, university):
    pk = api(alice).post("/api/v1/distributions/", _api_body(university), format="json").json()["id"]
    assert api(alice).get("/api/v1/distributions/").json()["count"] == 1
    assert api(charlie).get(f"/api/v1/distributions/{pk}/").status_code == 404
    totals = api(alice).get("/api/v1/distributions/totals/", {"year": TODAY.year}).json()
    assert totals == [
        {
            "organisation_id": university.pk,
            "organisation_name": "吉林大学",
            "year": TODAY.year,
            "count": 1,
            "income": "1000000.00",
            "net_income": "900000.00",
            "team_amount": "300000.00",
            "team_ratio": "33.33",
            "below_default_count": 1,
        }
    ]
    assert api(charlie).get("/api/v1/distributions/totals/").json() == []


def test_a_share_cannot_name_someone_from_another_organisation(alice, charlie, university):
    with pytest.raises(ValidationError) as error:
        licence_services.distribution_create(
            actor=alice,
            organisation=university,
            data=income(),
            shares=[{"role": "inventor", "recipient": "查理", "amount": "100000", "user": charlie}],
        )
    assert "平台账号不是本单位人员" in error.value.message_dict["shares"][0]
    assert not IncomeDistribution.objects.exists()
