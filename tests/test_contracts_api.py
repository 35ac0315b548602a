"""The contracts API: same scoping, services and refusals as the pages."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hebi.contracts import services
from hebi.contracts.models import TechContract
from tests.test_contracts import (
    BUYER_USCC,
    SELLER_USCC,
    TODAY,
    add_regions,
    make_contract,
    registered,
    submitted,
    with_uscc,
)


@pytest.fixture(autouse=True)
def regions(db):
    add_regions()


@pytest.fixture
def seller_org(university):
    return with_uscc(university)


URL = "/api/v1/contracts/"


def payload(seller, **extra):
    return {
        "seller": seller.pk,
        "title": "光纤传感器专利实施许可合同",
        "category": "licence_patent",
        "licence_scope": "exclusive",
        "subject": "许可在长春生产光纤传感器。",
        "total_amount": "500000",
        "tech_amount": "450000",
        "non_tech_items": [{"name": "样机", "amount": "50000"}],
        "signed_on": (TODAY - datetime.timedelta(days=5)).isoformat(),
        "term_start": (TODAY - datetime.timedelta(days=5)).isoformat(),
        "term_end": (TODAY + datetime.timedelta(days=365)).isoformat(),
        "parties": [
            {"role": "seller", "organisation": seller.pk, "region": "220100"},
            {"role": "buyer", "name": "长春某光电公司", "uscc": BUYER_USCC, "region": "220104"},
        ],
    } | extra


def test_the_list_is_scoped_to_the_callers_contracts(api, bob, charlie, rita, seller_org):
    make_contract(bob, seller_org)
    assert api(bob).get(URL).json()["count"] == 1
    assert api(charlie).get(URL).json()["count"] == 0
    assert api(rita).get(URL).json()["count"] == 1
    assert api().get(URL).status_code == 401


def test_the_list_filters(api, bob, rita, seller_org):
    contract = registered(bob, rita, seller_org)
    make_contract(bob, seller_org, title="草稿合同")
    client = api(bob)
    assert client.get(URL, {"status": "registered"}).json()["count"] == 1
    assert client.get(URL, {"q": contract.registration_number}).json()["count"] == 1
    assert client.get(URL, {"category": "licence"}).json()["count"] == 2
    assert client.get(URL, {"category": "nonsense"}).json()["count"] == 0
    assert client.get(URL, {"local": "false"}).json()["count"] == 0
    assert client.get(URL, {"year": "99999999999"}).status_code == 200


def test_another_organisation_gets_404(api, bob, charlie, seller_org):
    contract = make_contract(bob, seller_org)
    assert api(charlie).get(f"{URL}{contract.pk}/").status_code == 404
    assert api(charlie).post(f"{URL}{contract.pk}/submit/").status_code == 404
    assert api(bob).get(f"{URL}99999999999999999999/").status_code == 404


def test_a_contract_is_created_from_json(api, bob, seller_org):
    response = api(bob).post(URL, payload(seller_org), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    version = body["versions"][0]
    assert body["status"] == "draft" and version["number"] == 1
    assert version["is_local"] is True and version["category"] == "licence_patent"
    seller = next(p for p in version["parties"] if p["role"] == "seller")
    assert seller["name"] == seller_org.name and seller["uscc"] == SELLER_USCC


def test_the_seller_may_be_left_out_by_someone_in_one_organisation(api, bob, seller_org):
    data = payload(seller_org)
    del data["seller"]
    assert api(bob).post(URL, data, format="json").status_code == 201


def test_a_contract_is_created_from_multipart_with_its_signed_file(api, bob, seller_org):
    data = payload(seller_org)
    data["parties"] = json.dumps(data["parties"])
    data["non_tech_items"] = json.dumps(data["non_tech_items"])
    data["signed_file"] = SimpleUploadedFile("signed.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    response = api(bob).post(URL, data, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["versions"][0]["has_signed_file"] is True


def test_bad_input_answers_400_by_field_in_chinese_and_writes_nothing(api, bob, seller_org):
    client = api(bob)
    response = client.post(URL, payload(seller_org, tech_amount="600000"), format="json")
    assert response.status_code == 400
    assert "不能超过合同成交额" in response.json()["tech_amount"][0]
    bad_party = payload(seller_org)
    bad_party["parties"][1]["uscc"] = "123"
    response = client.post(URL, bad_party, format="json")
    assert response.status_code == 400 and "统一社会信用代码" in " ".join(response.json()["parties"])
    response = client.post(URL, payload(seller_org, term_end="2000-01-01"), format="json")
    assert response.status_code == 400 and "term_end" in response.json()
    response = client.post(URL, payload(seller_org, category="nonsense"), format="json")
    assert response.status_code == 400 and "category" in response.json()
    response = client.post(URL, payload(seller_org, achievements=[99999]), format="json")
    assert response.status_code == 400 and "achievements" in response.json()
    response = client.post(URL, payload(seller_org, parties="[oops"), format="json")
    assert response.status_code == 400
    assert not TechContract.objects.exists()


def test_charlie_cannot_create_for_the_university(api, charlie, seller_org):
    assert api(charlie).post(URL, payload(seller_org), format="json").status_code == 403


def test_the_draft_is_patched_and_unchanged_fields_are_kept(api, bob, seller_org):
    contract = make_contract(bob, seller_org)
    response = api(bob).patch(f"{URL}{contract.pk}/", {"title": "新名称"}, format="json")
    assert response.status_code == 200, response.json()
    version = response.json()["versions"][0]
    assert version["title"] == "新名称" and version["tech_amount"] == "1000000.00"
    assert len(version["parties"]) == 2


def test_a_registered_contract_cannot_be_patched(api, bob, rita, seller_org):
    contract = registered(bob, rita, seller_org)
    response = api(bob).patch(f"{URL}{contract.pk}/", {"title": "偷改"}, format="json")
    assert response.status_code == 400
    assert "已登记的合同不能修改" in response.json()["non_field_errors"][0]
    assert TechContract.objects.get(pk=contract.pk).latest.title != "偷改"


def test_a_buyer_may_read_but_not_patch(api, bob, charlie, seller_org, enterprise):
    contract = make_contract(bob, seller_org, enterprise)
    assert api(charlie).get(f"{URL}{contract.pk}/").status_code == 200
    assert api(charlie).patch(f"{URL}{contract.pk}/", {"title": "x"}, format="json").status_code == 403


def test_submission_and_duplicate_submission(api, bob, seller_org):
    contract = make_contract(bob, seller_org)
    response = api(bob).post(f"{URL}{contract.pk}/submit/")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert response.json()["versions"][0]["days_left"] == 30
    again = api(bob).post(f"{URL}{contract.pk}/submit/")
    assert again.status_code == 400 and "不能重复提交" in again.json()["non_field_errors"][0]
    twin = make_contract(bob, seller_org)
    response = api(bob).post(f"{URL}{twin.pk}/submit/")
    assert response.status_code == 400 and "同一合同已提交登记" in response.json()["non_field_errors"][0]


def test_decisions_belong_to_the_registry(api, bob, rita, seller_org):
    contract = submitted(bob, seller_org)
    assert api(bob).post(f"{URL}{contract.pk}/register/").status_code == 403
    assert (
        api(bob).post(f"{URL}{contract.pk}/refuse/", {"reasons": ["invalid"]}, format="json").status_code
        == 403
    )
    response = api(rita).post(f"{URL}{contract.pk}/refuse/", {"reasons": []}, format="json")
    assert response.status_code == 400 and "reasons" in response.json()
    response = api(rita).post(f"{URL}{contract.pk}/refuse/", {"reasons": ["made_up"]}, format="json")
    assert response.status_code == 400 and "made_up" in response.json()["reasons"][0]
    response = api(rita).post(
        f"{URL}{contract.pk}/refuse/", {"reasons": ["price_unclear"], "comment": "价款不明"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["versions"][0]["refusal_reasons"] == ["price_unclear"]


def test_the_full_path_through_the_api(api, bob, rita, seller_org):
    contract = submitted(bob, seller_org)
    api(rita).post(f"{URL}{contract.pk}/refuse/", {"reasons": ["missing_proof"]}, format="json")
    response = api(bob).post(f"{URL}{contract.pk}/amend/", {"change_note": ""}, format="json")
    assert response.status_code == 400 and "change_note" in response.json()
    response = api(bob).post(f"{URL}{contract.pk}/amend/", {"change_note": "补充证明"}, format="json")
    assert [v["number"] for v in response.json()["versions"]] == [2, 1]
    api(bob).post(f"{URL}{contract.pk}/submit/")
    response = api(rita).post(f"{URL}{contract.pk}/register/", {"comment": "同意"}, format="json")
    body = response.json()
    assert body["status"] == "registered" and body["registration_number"] and body["in_force_version"] == 2
    assert [v["status"] for v in body["versions"]] == ["registered", "refused"]
    assert [h["to_status"] for h in body["versions"][0]["history"]] == ["submitted", "registered"]


def test_reference_data_is_readable(api, bob):
    categories = api(bob).get("/api/v1/contract-categories/").json()["results"]
    licence = next(c for c in categories if c["code"] == "licence_patent")
    assert licence["parent"] == "licence" and licence["is_licence"] is True
    assert api(bob).get("/api/v1/contract-categories/licence_patent/").status_code == 200
    reasons = api(bob).get("/api/v1/refusal-reasons/").json()["results"]
    assert {"missing_proof", "other"} <= {r["code"] for r in reasons}
    assert api(bob).post("/api/v1/refusal-reasons/", {"code": "x"}, format="json").status_code == 405


def test_services_keep_working_for_other_callers(bob, seller_org):
    contract = make_contract(bob, seller_org)
    assert services.contract_submit(actor=bob, contract=contract).status == "submitted"
