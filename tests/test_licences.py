"""Licences after a licence contract is signed: terms, 先使用后付费 trials, the payment schedule,
payments, evidence of use, conversion and reminders.

Alice (吉林大学) licenses a patent to 中国一汽 (Charlie). Bob and Tess work at 吉林大学, Rita
registers contracts, Sam sits in the secretariat, Nina belongs nowhere.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from hebi.catalog.workflow import status_history
from hebi.contracts import licence_selectors, licence_services
from hebi.contracts import services as contract_services
from hebi.contracts.licence_services import add_months, plan_schedule
from hebi.contracts.models import ContractCategory, Licence, LicencePayment
from hebi.core.models import Notification
from hebi.core.validators import uscc_check_character
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

TODAY = timezone.localdate()


def _uscc(stem: str) -> str:
    return stem + uscc_check_character(stem)


def make_contract(
    actor,
    seller,
    buyer_org=None,
    *,
    officer=None,
    category="licence_patent",
    signed_on=None,
    tech_amount="1000000",
    title="一种车用光纤传感器专利实施许可",
):
    """A contract through the real services: created, submitted and, with an officer, registered."""
    signed = signed_on or TODAY - datetime.timedelta(days=400)
    category_obj = ContractCategory.objects.get(code=category)
    data = {
        "title": title,
        "category": category_obj,
        "licence_scope": "ordinary" if category_obj.is_licence else "",
        "subject": "许可使用专利技术",
        "total_amount": tech_amount,
        "tech_amount": tech_amount,
        "non_tech_items": [],
        "signed_on": signed,
        "term_start": signed,
        "term_end": add_months(signed, 36),
    }
    parties = [
        {"role": "seller", "name": seller.name, "uscc": _uscc("12220000412345678"), "region": "220100"},
        {
            "role": "buyer",
            "name": "中国第一汽车集团有限公司",
            "uscc": _uscc("91220101MA1234567"),
            "region": "220100",
        },
    ]
    contract = contract_services.contract_create(
        actor=actor,
        seller=seller,
        data=data,
        parties=parties,
        signed_file=SimpleUploadedFile("signed.pdf", b"%PDF-1.4 test"),
        buyer_org=buyer_org,
    )
    contract_services.contract_submit(actor=actor, contract=contract)
    if officer is not None:
        contract_services.contract_register(actor=officer, contract=contract)
    contract.refresh_from_db()
    return contract


@pytest.fixture
def contract(alice, university, enterprise, rita):
    return make_contract(alice, university, enterprise, officer=rita)


def staged(**overrides):
    data = {
        "mode": "standard",
        "payment": "staged",
        "entry_fee": "100000",
        "instalments": 3,
        "interval_months": 6,
    }
    data.update(overrides)
    return data


def use_first(**overrides):
    data = {
        "mode": "use_first",
        "entry_fee": "0",
        "trial_start": TODAY - datetime.timedelta(days=380),
        "trial_end": TODAY - datetime.timedelta(days=10),
        "payment": "deferred",
        "deferred_months": 2,
        "fee": "600000",
    }
    data.update(overrides)
    return data


@pytest.fixture
def licence(alice, contract):
    return licence_services.licence_create(actor=alice, contract=contract, data=use_first())


# -- the schedule, without a database ------------------------------------------------------------
def test_staged_payments_come_every_k_months_and_add_up_to_the_fee():
    rows = plan_schedule(
        mode="standard",
        payment="staged",
        signed=datetime.date(2025, 1, 10),
        start=datetime.date(2025, 1, 31),
        end=None,
        entry_fee=Decimal(0),
        fee=Decimal("1000000"),
        instalments=3,
        interval_months=1,
    )
    assert [r.due_on for r in rows] == [
        datetime.date(2025, 1, 31),
        datetime.date(2025, 2, 28),
        datetime.date(2025, 3, 31),
    ]
    assert sum(r.amount for r in rows) == Decimal("1000000")
    assert [r.amount for r in rows] == [Decimal("333333.34"), Decimal("333333.33"), Decimal("333333.33")]


def test_deferred_payment_falls_m_months_after_the_trial_and_entry_fee_at_signing():
    rows = plan_schedule(
        mode="use_first",
        payment="deferred",
        signed=datetime.date(2025, 1, 1),
        start=datetime.date(2026, 1, 1),
        end=None,
        entry_fee=Decimal("5000"),
        fee=Decimal("80000"),
        deferred_months=6,
    )
    assert [(r.kind, r.due_on, r.amount) for r in rows] == [
        ("entry", datetime.date(2025, 1, 1), Decimal("5000")),
        ("instalment", datetime.date(2026, 7, 1), Decimal("80000")),
    ]


def test_revenue_share_plans_quarterly_royalties_to_compute_until_the_term_ends():
    rows = plan_schedule(
        mode="use_first",
        payment="revenue_share",
        signed=datetime.date(2025, 1, 1),
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2027, 1, 1),
        entry_fee=Decimal(0),
        fee=Decimal(0),
    )
    assert len(rows) == 4
    assert {r.kind for r in rows} == {"royalty"} and {r.amount for r in rows} == {Decimal(0)}
    assert rows[0].due_on == datetime.date(2026, 4, 1) + datetime.timedelta(days=30)


# -- creating the terms ------------------------------------------------------------------------------
def test_a_use_first_licence_starts_in_trial_with_its_licensee_and_schedule(alice, contract, enterprise):
    licence = licence_services.licence_create(actor=alice, contract=contract, data=use_first())
    assert licence.status == Licence.Status.TRIAL
    assert licence.licensee == enterprise
    assert licence.scope == "ordinary"  # from the contract
    (payment,) = licence.payments.all()
    assert payment.due_on == add_months(licence.trial_end, 2)
    assert payment.amount == Decimal("600000")


def test_a_standard_licence_is_paying_from_the_start(alice, contract):
    licence = licence_services.licence_create(actor=alice, contract=contract, data=staged())
    assert licence.status == Licence.Status.PAYING
    kinds = list(licence.payments.values_list("kind", flat=True))
    assert kinds == ["entry", "instalment", "instalment", "instalment"]
    # The fee defaults to the technology amount less the entry fee.
    assert sum(p.amount for p in licence.payments.all()) == Decimal("1000000")


def test_a_short_trial_is_saved_with_a_warning(alice, contract):
    licence = licence_services.licence_create(
        actor=alice,
        contract=contract,
        data=use_first(trial_start=TODAY - datetime.timedelta(days=100), trial_end=TODAY),
    )
    assert any("短于通常的一年" in w for w in licence_services.licence_warnings(licence))


def test_it_refuses_a_trial_ending_before_it_starts(alice, contract):
    with pytest.raises(ValidationError) as error:
        licence_services.licence_create(
            actor=alice, contract=contract, data=use_first(trial_end=TODAY - datetime.timedelta(days=400))
        )
    assert "试用期止必须晚于试用期起" in error.value.message_dict["trial_end"][0]
    assert not Licence.objects.exists()


def test_it_refuses_a_trial_of_centuries(alice, contract):
    with pytest.raises(ValidationError) as error:
        licence_services.licence_create(
            actor=alice, contract=contract, data=use_first(trial_end=datetime.date(9999, 12, 1))
        )
    assert "试用期不能超过10年" in error.value.message_dict["trial_end"][0]
    assert not Licence.objects.exists()


def test_it_refuses_use_first_with_a_lump_sum_and_revenue_share_without_a_rate(alice, contract):
    with pytest.raises(ValidationError) as error:
        licence_services.licence_create(actor=alice, contract=contract, data=use_first(payment="lump_sum"))
    assert "payment" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        licence_services.licence_create(
            actor=alice, contract=contract, data=use_first(payment="revenue_share")
        )
    assert "royalty_rate" in error.value.message_dict


def test_it_refuses_a_negative_entry_fee(alice, contract):
    with pytest.raises(ValidationError) as error:
        licence_services.licence_create(actor=alice, contract=contract, data=staged(entry_fee="-1"))
    assert "entry_fee" in error.value.message_dict


def test_only_licence_contracts_get_licence_terms(alice, university, enterprise, rita):
    transfer = make_contract(alice, university, enterprise, officer=rita, category="transfer_patent")
    with pytest.raises(ValidationError, match="只有技术许可合同"):
        licence_services.licence_create(actor=alice, contract=transfer, data=staged())


def test_a_licence_is_recorded_once(alice, contract, licence):
    with pytest.raises(ValidationError, match="已有许可条款"):
        licence_services.licence_create(actor=alice, contract=contract, data=staged())


def test_the_licensee_cannot_write_the_terms(charlie, contract):
    with pytest.raises(PermissionDenied):
        licence_services.licence_create(actor=charlie, contract=contract, data=staged())


# -- payments ------------------------------------------------------------------------------------------
def test_the_licensor_records_a_payment(alice, licence):
    payment = licence.payments.get()
    licence_services.payment_record(actor=alice, payment=payment, paid_on=TODAY, paid_amount="600000")
    payment.refresh_from_db()
    assert payment.paid_on == TODAY and payment.paid_amount == Decimal("600000")
    assert payment.recorded_by == alice


def test_it_refuses_a_payment_on_an_ended_licence(alice, licence):
    licence_services.licence_transition(actor=alice, licence=licence, to="ended", reason="企业停产")
    with pytest.raises(ValidationError, match="许可已终止，不能再登记付款"):
        licence_services.payment_record(
            actor=alice, payment=licence.payments.get(), paid_on=TODAY, paid_amount="1"
        )
    assert not LicencePayment.objects.filter(paid_on__isnull=False).exists()


@pytest.mark.parametrize(
    ("paid_on", "amount", "field"),
    [
        (TODAY + datetime.timedelta(days=1), "100", "paid_on"),
        (TODAY - datetime.timedelta(days=500), "100", "paid_on"),  # before the contract was signed
        (TODAY, "0", "paid_amount"),
        (TODAY, "-5", "paid_amount"),
    ],
)
def test_it_refuses_impossible_payments(alice, licence, paid_on, amount, field):
    with pytest.raises(ValidationError) as error:
        licence_services.payment_record(
            actor=alice, payment=licence.payments.get(), paid_on=paid_on, paid_amount=amount
        )
    assert field in error.value.message_dict
    assert licence.payments.get().paid_on is None


def test_a_paid_row_cannot_be_paid_or_edited_again(alice, licence):
    payment = licence.payments.get()
    licence_services.payment_record(actor=alice, payment=payment, paid_on=TODAY, paid_amount="10")
    with pytest.raises(ValidationError):
        licence_services.payment_record(actor=alice, payment=payment, paid_on=TODAY, paid_amount="10")
    with pytest.raises(ValidationError, match="已登记付款"):
        licence_services.payment_update(
            actor=alice, payment=payment, data={"due_on": TODAY, "amount": "5", "note": ""}
        )


def test_planned_rows_can_be_edited_added_and_removed(alice, licence):
    payment = licence.payments.get()
    changes = licence_services.payment_update(
        actor=alice, payment=payment, data={"due_on": TODAY, "amount": "500000", "note": "协商调整"}
    )
    assert set(changes) == {"due_on", "amount", "note"}
    extra = licence_services.payment_add(
        actor=alice, licence=licence, data={"kind": "instalment", "due_on": TODAY, "amount": "100000"}
    )
    licence_services.payment_delete(actor=alice, payment=extra)
    assert licence.payments.count() == 1


def test_the_licensee_cannot_record_payments(charlie, licence):
    with pytest.raises(PermissionDenied):
        licence_services.payment_record(
            actor=charlie, payment=licence.payments.get(), paid_on=TODAY, paid_amount="1"
        )


def test_schedule_states_and_totals(alice, licence):
    payment = licence.payments.get()
    licence_services.payment_update(
        actor=alice, payment=payment, data={"due_on": TODAY - datetime.timedelta(days=3), "amount": "600000"}
    )
    licence_services.payment_add(
        actor=alice,
        licence=licence,
        data={"kind": "instalment", "due_on": TODAY + datetime.timedelta(days=10), "amount": "1000"},
    )
    schedule = licence_selectors.licence_schedule(licence)
    assert [row.state for row in schedule.rows] == ["overdue", "due"]
    assert schedule.overdue == Decimal("600000") and schedule.outstanding == Decimal("601000")


# -- evidence and royalties ----------------------------------------------------------------------------
def test_reported_sales_compute_the_royalty_of_their_quarter(alice, charlie, contract):
    trial_end = TODAY - datetime.timedelta(days=200)
    licence = licence_services.licence_create(
        actor=alice,
        contract=contract,
        data=use_first(
            trial_start=trial_end - datetime.timedelta(days=365),
            trial_end=trial_end,
            payment="revenue_share",
            royalty_rate="3",
        ),
    )
    first = licence.payments.order_by("due_on").first()
    licence_services.evidence_report(
        actor=charlie,
        licence=licence,
        period_end=trial_end + datetime.timedelta(days=30),
        description="首批 2000 套量产",
        sales_amount="2000000",
    )
    licence_services.evidence_report(
        actor=charlie,
        licence=licence,
        period_end=trial_end + datetime.timedelta(days=60),
        description="第二批",
        sales_amount="1000000",
    )
    first.refresh_from_db()
    assert first.amount == Decimal("90000.00")  # 3% of 3,000,000


def test_evidence_needs_a_description_and_a_past_date(charlie, licence):
    with pytest.raises(ValidationError) as error:
        licence_services.evidence_report(
            actor=charlie, licence=licence, period_end=TODAY + datetime.timedelta(days=3), description=""
        )
    assert set(error.value.message_dict) == {"period_end", "description"}


def test_outsiders_cannot_report_use(nina, licence):
    with pytest.raises(PermissionDenied):
        licence_services.evidence_report(actor=nina, licence=licence, period_end=TODAY, description="x")


# -- conversion --------------------------------------------------------------------------------------
def test_a_trial_converts_to_a_paying_licence_with_history(alice, licence):
    licence_services.licence_transition(actor=alice, licence=licence, to="paying")
    licence.refresh_from_db()
    assert licence.status == "paying" and licence.converted_on == TODAY
    change = status_history(licence).get()
    assert (change.from_status, change.to_status, change.actor) == ("trial", "paying", alice)


def test_ending_needs_a_reason(alice, licence):
    with pytest.raises(ValidationError) as error:
        licence_services.licence_transition(actor=alice, licence=licence, to="ended")
    assert "reason" in error.value.message_dict
    licence_services.licence_transition(actor=alice, licence=licence, to="ended", reason="试用未达预期")
    licence.refresh_from_db()
    assert licence.ended_on == TODAY and licence.end_reason == "试用未达预期"


def test_a_paying_licence_cannot_go_back_to_trial(alice, contract):
    licence = licence_services.licence_create(actor=alice, contract=contract, data=staged())
    with pytest.raises(ValidationError, match="不能从"):
        licence_services.licence_transition(actor=alice, licence=licence, to="trial")


# -- reminders ------------------------------------------------------------------------------------------
def test_reminders_go_to_both_sides_once_per_window(alice, bob, charlie, nina, licence):
    payment = licence.payments.get()
    due = payment.due_on
    assert licence_services.send_payment_reminders(today=due - datetime.timedelta(days=40)) == 0
    sent = licence_services.send_payment_reminders(today=due - datetime.timedelta(days=25))
    assert sent == 3  # alice, bob, charlie
    assert licence_services.send_payment_reminders(today=due - datetime.timedelta(days=20)) == 0
    assert licence_services.send_payment_reminders(today=due - datetime.timedelta(days=5)) == 3
    assert licence_services.send_payment_reminders(today=due + datetime.timedelta(days=1)) == 3
    keys = set(Notification.objects.filter(recipient=charlie).values_list("key", flat=True))
    assert keys == {f"licence-payment:{payment.pk}:{w}" for w in ("30", "7", "overdue")}
    assert not Notification.objects.filter(recipient=nina).exists()


def test_paid_and_ended_licences_are_not_reminded(alice, licence):
    payment = licence.payments.get()
    licence_services.payment_record(actor=alice, payment=payment, paid_on=TODAY, paid_amount="1")
    assert licence_services.send_payment_reminders(today=payment.due_on) == 0


def test_the_command_and_the_task_send_reminders(alice, charlie, licence):
    due = licence.payments.get().due_on
    call_command("licence_reminders", "--date", (due - datetime.timedelta(days=3)).isoformat())
    assert Notification.objects.filter(recipient=charlie, key__endswith=":7").exists()
    from hebi.contracts.licence_tasks import payment_reminders

    result = payment_reminders.enqueue()
    assert result.return_value >= 0


# -- pages -----------------------------------------------------------------------------------------------
def test_the_licensor_fills_in_terms_on_a_page(login, alice, contract):
    client = login(alice)
    url = reverse("licences:create", args=[contract.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            **use_first(),
            "scope": "ordinary",
            "trial_start": use_first()["trial_start"],
            "trial_end": use_first()["trial_end"],
        },
    )
    licence = Licence.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "licences:detail", args=[licence.pk]
    )


def test_the_terms_page_shows_errors_without_saving(login, alice, contract):
    data = {**use_first(), "scope": "ordinary", "trial_end": TODAY - datetime.timedelta(days=500)}
    response = login(alice).post(reverse("licences:create", args=[contract.pk]), data)
    assert response.status_code == 200
    assert "试用期止必须晚于试用期起" in response.content.decode()
    assert not Licence.objects.exists()


def test_the_licensee_cannot_open_the_terms_form(login, charlie, contract):
    assert login(charlie).get(reverse("licences:create", args=[contract.pk])).status_code == 403


def test_other_organisations_do_not_see_the_licence(login, licence):
    outsider = UserFactory(username="olga")
    MembershipFactory(user=outsider, organisation=OrganisationFactory(name="长春理工大学"), role="org_admin")
    client = login(outsider)
    assert client.get(reverse("licences:detail", args=[licence.pk])).status_code == 404
    assert client.get(reverse("licences:create", args=[licence.contract_id])).status_code == 404
    payment = licence.payments.get()
    assert client.get(reverse("licences:payment-record", args=[payment.pk])).status_code == 404


def test_the_detail_page_shows_terms_schedule_and_history(login, alice, charlie, rita, sam, licence):
    for user in (alice, charlie, rita, sam):
        response = login(user).get(reverse("licences:detail", args=[licence.pk]))
        assert response.status_code == 200
        assert "先使用后付费" in response.content.decode()
    body = login(alice).get(reverse("licences:detail", args=[licence.pk])).content.decode()
    assert "转为付费许可" in body and "登记付款" in body
    body = login(charlie).get(reverse("licences:detail", args=[licence.pk])).content.decode()
    assert "登记付款" not in body and "报告使用情况" in body


def test_recording_a_payment_on_the_page(login, alice, licence):
    payment = licence.payments.get()
    client = login(alice)
    url = reverse("licences:payment-record", args=[payment.pk])
    response = client.post(url, {"paid_on": TODAY + datetime.timedelta(days=2), "paid_amount": "10"})
    assert response.status_code == 400 and "不能晚于今天" in response.content.decode()
    response = client.post(url, {"paid_on": TODAY, "paid_amount": "600000"})
    assert response.status_code == 302
    assert login(alice).get(reverse("licences:detail", args=[licence.pk])).status_code == 200


def test_the_licensee_cannot_record_a_payment_on_the_page(login, charlie, licence):
    payment = licence.payments.get()
    response = login(charlie).post(
        reverse("licences:payment-record", args=[payment.pk]), {"paid_on": TODAY, "paid_amount": "1"}
    )
    assert response.status_code == 403


def test_converting_and_ending_on_the_page(login, alice, charlie, licence):
    url = reverse("licences:transition", args=[licence.pk])
    assert login(charlie).post(url, {"to": "paying"}).status_code == 403
    client = login(alice)
    response = client.post(url, {"to": "ended", "reason": ""})
    assert response.status_code == 400 and "终止许可须说明原因" in response.content.decode()
    assert client.post(url, {"to": "paying"}).status_code == 302
    licence.refresh_from_db()
    assert licence.status == "paying"
    response = client.post(url, {"to": "trial"})
    assert response.status_code == 400


def test_reporting_evidence_on_the_page(login, charlie, licence):
    url = reverse("licences:evidence", args=[licence.pk])
    client = login(charlie)
    assert client.post(url, {"period_end": TODAY, "description": ""}).status_code == 400
    assert client.post(url, {"period_end": TODAY, "description": "试产 500 件"}).status_code == 302
    assert licence.evidence.count() == 1


def test_editing_a_planned_row_on_the_page(login, alice, licence):
    payment = licence.payments.get()
    url = reverse("licences:payment-edit", args=[payment.pk])
    client = login(alice)
    assert client.get(url).status_code == 200
    assert client.post(url, {"due_on": TODAY, "amount": "-1"}).status_code == 200  # form shows the error
    assert client.post(url, {"due_on": TODAY, "amount": "300000"}).status_code == 302
    payment.refresh_from_db()
    assert payment.amount == Decimal("300000")


def test_the_list_filters_and_shows_upcoming_payments(login, alice, nina, contract, licence):
    licence_services.payment_update(
        actor=alice,
        payment=licence.payments.get(),
        data={"due_on": TODAY + datetime.timedelta(days=5), "amount": "1"},
    )
    client = login(alice)
    response = client.get(reverse("licences:list"), {"mode": "use_first", "upcoming": "on"})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [licence]
    assert list(response.context["upcoming"])
    assert not list(client.get(reverse("licences:list"), {"status": "ended"}).context["page"].object_list)
    assert not list(login(nina).get(reverse("licences:list")).context["page"].object_list)


def test_the_contract_panel_offers_the_terms_then_shows_them(rf, alice, contract):
    from django.template import Context, Template

    request = rf.get("/")
    request.user = alice
    template = Template("{% load licence_tags %}{% licence_panel contract %}")
    html = template.render(Context({"request": request, "contract": contract}))
    assert reverse("licences:create", args=[contract.pk]) in html
    licence = licence_services.licence_create(actor=alice, contract=contract, data=use_first())
    html = template.render(Context({"request": request, "contract": contract}))
    assert reverse("licences:detail", args=[licence.pk]) in html


# -- API ---------------------------------------------------------------------------------------------------
def test_api_lists_and_retrieves_licences(api, alice, nina, licence):
    response = api(alice).get("/api/v1/licences/")
    assert response.status_code == 200 and response.json()["count"] == 1
    detail = api(alice).get(f"/api/v1/licences/{licence.pk}/").json()
    assert detail["status"] == "trial" and detail["totals"]["planned"] == "600000.00"
    assert api(nina).get(f"/api/v1/licences/{licence.pk}/").status_code == 404
    assert api(alice).get(f"/api/v1/licences/{licence.pk}/payments/").json()[0]["amount"] == "600000.00"


def test_api_creates_terms(api, alice, contract):
    response = api(alice).post(
        "/api/v1/licences/",
        {"contract": contract.pk, "mode": "standard", "payment": "lump_sum", "entry_fee": "0"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "paying"


def test_api_records_payments_with_the_same_refusals(api, alice, charlie, licence):
    payment = licence.payments.get()
    url = f"/api/v1/licences/{licence.pk}/record-payment/"
    assert (
        api(charlie)
        .post(url, {"payment": payment.pk, "paid_on": TODAY, "paid_amount": "1"}, format="json")
        .status_code
        == 403
    )
    response = api(alice).post(
        url, {"payment": payment.pk, "paid_on": TODAY, "paid_amount": "0"}, format="json"
    )
    assert response.status_code == 400 and "paid_amount" in response.json()
    licence_services.licence_transition(actor=alice, licence=licence, to="ended", reason="停产")
    response = api(alice).post(
        url, {"payment": payment.pk, "paid_on": TODAY, "paid_amount": "5"}, format="json"
    )
    assert response.status_code == 400
    assert "许可已终止，不能再登记付款" in str(response.json())


def test_api_evidence_and_transitions(api, alice, charlie, licence):
    url = f"/api/v1/licences/{licence.pk}/"
    response = api(charlie).post(
        url + "evidence/", {"period_end": TODAY, "description": "试产"}, format="json"
    )
    assert response.status_code == 201
    assert api(charlie).post(url + "transition/", {"to": "paying"}, format="json").status_code == 403
    response = api(alice).post(url + "transition/", {"to": "ended"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert api(alice).post(url + "transition/", {"to": "paying"}, format="json").json()["status"] == "paying"
    assert api(alice).post(url + "transition/", {"to": "trial"}, format="json").status_code == 400


def test_the_list_page_does_not_grow_queries_with_rows(
    login, alice, university, enterprise, rita, django_assert_max_num_queries
):
    for n in range(3):
        contract = make_contract(alice, university, enterprise, officer=rita, title=f"许可合同 {n}")
        licence_services.licence_create(actor=alice, contract=contract, data=staged())
    client = login(alice)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("licences:list"))
    assert len(response.context["page"].object_list) == 3


def test_staged_instalments_add_up_to_the_fee_and_none_is_negative():
    import datetime as _dt
    from decimal import Decimal as _D

    from hebi.contracts.licence_services import plan_schedule

    rows = plan_schedule(
        mode="standard",
        payment="staged",
        signed=_dt.date(2026, 1, 1),
        start=_dt.date(2026, 1, 1),
        end=None,
        entry_fee=_D(0),
        fee=_D("10.00"),
        instalments=60,
        interval_months=1,
    )
    assert len(rows) == 60
    assert sum(row.amount for row in rows) == _D("10.00")
    assert min(row.amount for row in rows) >= 0
