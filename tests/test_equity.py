"""作价投资 and 先投后股: 吉林大学 (Alice) contributes a result to a spin-off or takes public money
first and converts it to shares later; 中国一汽 (Charlie) has no say over them."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from hebi.catalog.workflow import status_history
from hebi.contracts import licence_services
from hebi.contracts.models import EquityArrangement
from hebi.deals.models import TransferProject
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.test_licences import make_contract

TODAY = timezone.localdate()


def equity_data(**overrides):
    data = {
        "kind": "equity",
        "company": "长春光芯科技有限公司",
        "amount": "3000000",
        "equity_ratio": "30",
        "team_equity_ratio": "70",
        "agreed_on": TODAY - datetime.timedelta(days=30),
    }
    data.update(overrides)
    return data


@pytest.fixture
def arrangement(alice, university):
    return licence_services.equity_create(actor=alice, owner=university, data=equity_data())


@pytest.fixture
def invest_first(alice, university, bureau):
    return licence_services.equity_create(
        actor=alice,
        owner=university,
        data=equity_data(
            kind="invest_first",
            amount="2000000",
            equity_ratio="",
            team_equity_ratio="",
            investor=bureau,
            conversion_trigger="下一轮市场化融资时按该轮估值转股",
        ),
    )


def test_the_owner_records_an_equity_arrangement(arrangement, university):
    assert arrangement.owner == university
    assert arrangement.status == EquityArrangement.Status.AGREED
    assert arrangement.amount == Decimal("3000000")
    assert licence_services.equity_warnings(arrangement) == []


def test_a_team_share_below_the_statutory_default_is_saved_with_a_warning(alice, university):
    arrangement = licence_services.equity_create(
        actor=alice, owner=university, data=equity_data(team_equity_ratio="30")
    )
    (warning,) = licence_services.equity_warnings(arrangement)
    assert "低于法定默认比例 50%" in warning and "第四十五条" in warning


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "0"),
        ("amount", "-1"),
        ("equity_ratio", "120"),
        ("team_equity_ratio", "-5"),
        ("company", ""),
    ],
)
def test_it_refuses_bad_figures(alice, university, field, value):
    with pytest.raises(ValidationError) as error:
        licence_services.equity_create(actor=alice, owner=university, data=equity_data(**{field: value}))
    assert field in error.value.message_dict
    assert not EquityArrangement.objects.exists()


def test_only_the_owners_contributors_record_arrangements(charlie, nina, university):
    for user in (charlie, nina):
        with pytest.raises(PermissionDenied):
            licence_services.equity_create(actor=user, owner=university, data=equity_data())


def test_it_links_only_the_owners_contracts_and_projects(alice, charlie, university, enterprise, rita):
    theirs = make_contract(charlie, enterprise, university, officer=rita, category="transfer_patent")
    with pytest.raises(ValidationError) as error:
        licence_services.equity_create(actor=alice, owner=university, data=equity_data(contract=theirs))
    assert "contract" in error.value.message_dict
    elsewhere = OrganisationFactory(name="长春理工大学")
    project = TransferProject.objects.create(title="别人的项目", owner=elsewhere, enterprise=enterprise)
    with pytest.raises(ValidationError) as error:
        licence_services.equity_create(actor=alice, owner=university, data=equity_data(project=project))
    assert "project" in error.value.message_dict
    ours = TransferProject.objects.create(title="光芯孵化", owner=university, enterprise=enterprise)
    linked = licence_services.equity_create(actor=alice, owner=university, data=equity_data(project=ours))
    assert linked.project == ours


def test_invest_first_converts_with_a_date_and_the_ratio_obtained(alice, invest_first):
    with pytest.raises(ValidationError) as error:
        licence_services.equity_transition(actor=alice, arrangement=invest_first, to="converted")
    assert set(error.value.message_dict) == {"converted_on", "equity_ratio"}
    licence_services.equity_transition(
        actor=alice, arrangement=invest_first, to="converted", converted_on=TODAY, equity_ratio="12.5"
    )
    invest_first.refresh_from_db()
    assert invest_first.status == "converted" and invest_first.equity_ratio == Decimal("12.5")
    assert status_history(invest_first).get().to_status == "converted"


def test_exit_needs_a_reason_and_exited_is_final(alice, arrangement):
    with pytest.raises(ValidationError) as error:
        licence_services.equity_transition(actor=alice, arrangement=arrangement, to="exited")
    assert "reason" in error.value.message_dict
    licence_services.equity_transition(actor=alice, arrangement=arrangement, to="exited", reason="股权转让")
    with pytest.raises(ValidationError, match="不能从"):
        licence_services.equity_transition(
            actor=alice, arrangement=arrangement, to="converted", converted_on=TODAY
        )


def test_converted_arrangements_are_no_longer_edited(alice, arrangement):
    licence_services.equity_transition(
        actor=alice, arrangement=arrangement, to="converted", converted_on=TODAY
    )
    with pytest.raises(ValidationError, match="不能再修改"):
        licence_services.equity_update(
            actor=alice, arrangement=arrangement, data=equity_data(company="新名称")
        )


# -- pages -------------------------------------------------------------------------------------------
def test_creating_on_the_page_warns_below_the_default(login, alice, university):
    client = login(alice)
    url = reverse("licences:equity-create") + f"?org={university.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, equity_data(team_equity_ratio="20"), follow=True)
    arrangement = EquityArrangement.objects.get()
    assert response.redirect_chain[-1][0] == reverse("licences:equity-detail", args=[arrangement.pk])
    assert "低于法定默认比例" in response.content.decode()


def test_the_page_shows_errors_and_saves_nothing(login, alice, university):
    url = reverse("licences:equity-create") + f"?org={university.pk}"
    response = login(alice).post(url, equity_data(amount="0"))
    assert response.status_code == 200 and "金额须大于 0" in response.content.decode()
    assert not EquityArrangement.objects.exists()


def test_other_organisations_cannot_create_or_see(login, charlie, arrangement, university):
    client = login(charlie)
    url = reverse("licences:equity-create") + f"?org={university.pk}"
    assert client.get(url).status_code == 403
    assert client.get(reverse("licences:equity-detail", args=[arrangement.pk])).status_code == 404
    assert (
        client.post(
            reverse("licences:equity-transition", args=[arrangement.pk]), {"to": "exited", "reason": "x"}
        ).status_code
        == 404
    )


def test_a_researcher_sees_but_an_expert_cannot_edit(login, bob, university, arrangement):
    expert = UserFactory(username="eddie")
    MembershipFactory(user=expert, organisation=university, role="expert")
    assert login(bob).get(reverse("licences:equity-edit", args=[arrangement.pk])).status_code == 200
    client = login(expert)
    assert client.get(reverse("licences:equity-detail", args=[arrangement.pk])).status_code == 200
    assert client.get(reverse("licences:equity-edit", args=[arrangement.pk])).status_code == 403


def test_transitions_on_the_page(login, alice, invest_first):
    url = reverse("licences:equity-transition", args=[invest_first.pk])
    client = login(alice)
    response = client.post(url, {"to": "converted", "converted_on": TODAY})
    assert response.status_code == 400 and "股权比例" in response.content.decode()
    assert (
        client.post(url, {"to": "converted", "converted_on": TODAY, "equity_ratio": "10"}).status_code == 302
    )


def test_the_organisation_page_lists_its_arrangements(login, alice, sam, university, arrangement):
    url = reverse("licences:equity-list") + f"?org={university.pk}"
    response = login(alice).get(url)
    assert list(response.context["page"].object_list) == [arrangement]
    assert response.context["can_create"]
    assert list(login(sam).get(url).context["page"].object_list) == [arrangement]


# -- API ------------------------------------------------------------------------------------------------
def test_api_creates_and_lists(api, alice, charlie, university):
    response = api(alice).post(
        "/api/v1/equity/", {**equity_data(team_equity_ratio="40"), "owner": university.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["warnings"]
    assert api(alice).get("/api/v1/equity/").json()["count"] == 1
    assert api(charlie).get("/api/v1/equity/").json()["count"] == 0
    pk = response.json()["id"]
    assert api(charlie).get(f"/api/v1/equity/{pk}/").status_code == 404


def test_api_refusals(api, alice, charlie, university, arrangement):
    data = {**equity_data(amount="0"), "owner": university.pk}
    response = api(alice).post("/api/v1/equity/", data, format="json")
    assert response.status_code == 400 and "amount" in response.json()
    assert (
        api(charlie)
        .post("/api/v1/equity/", {**equity_data(), "owner": university.pk}, format="json")
        .status_code
        == 403
    )
    url = f"/api/v1/equity/{arrangement.pk}/transition/"
    assert api(alice).post(url, {"to": "exited"}, format="json").status_code == 400
    assert (
        api(alice)
        .post(url, {"to": "converted", "converted_on": TODAY.isoformat()}, format="json")
        .json()["status"]
        == "converted"
    )


def test_api_updates_while_agreed(api, alice, arrangement):
    response = api(alice).patch(
        f"/api/v1/equity/{arrangement.pk}/", {"company": "长春光芯有限公司"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["company"] == "长春光芯有限公司"
