"""Technology contracts and their registration (认定登记): the pages and the services behind them.

Bob (吉林大学, researcher) files the contracts of his university; 中国一汽 is usually the buyer,
Charlie its administrator. Rita is the registry officer. Nina belongs nowhere.
"""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from hebi.contracts import services
from hebi.contracts.models import ContractCategory, ContractVersion, RefusalReason, TechContract
from hebi.core.models import Notification
from hebi.core.roles import Role
from hebi.core.validators import uscc_check_character
from hebi.orgs.models import Region
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, changchun


def code(first17: str) -> str:
    return first17 + uscc_check_character(first17)


SELLER_USCC = code("12220000412345678")
BUYER_USCC = code("91220101MA1234567")
TODAY = timezone.localdate()


def add_regions():
    city = changchun()
    Region.objects.get_or_create(
        code="220104", defaults={"name": "朝阳区", "kind": "district", "parent": city}
    )
    Region.objects.get_or_create(code="110105", defaults={"name": "朝阳区（北京）", "kind": "district"})


def with_uscc(organisation, uscc=SELLER_USCC):
    organisation.uscc = uscc
    organisation.save(update_fields=["uscc"])
    return organisation


@pytest.fixture(autouse=True)
def regions(db):
    add_regions()


@pytest.fixture
def seller_org(university):
    return with_uscc(university)


def signed_pdf(name="合同.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 signed contract", content_type="application/pdf")


def content(**extra):
    return {
        "title": "车用固态电池电解质专利实施许可合同",
        "category": ContractCategory.objects.get(code="licence_patent"),
        "licence_scope": "ordinary",
        "subject": "许可中国一汽在长春实施固态电解质专利，用于动力电池。",
        "total_amount": "1200000",
        "tech_amount": "1000000",
        "non_tech_items": [{"name": "试验设备", "amount": "200000"}],
        "signed_on": TODAY - datetime.timedelta(days=10),
        "term_start": TODAY - datetime.timedelta(days=10),
        "term_end": TODAY + datetime.timedelta(days=1000),
    } | extra


def parties(seller, buyer=None, buyer_region="220104", buyer_uscc=BUYER_USCC):
    return [
        {
            "role": "seller",
            "name": seller.name,
            "uscc": SELLER_USCC,
            "region": "220100",
            "organisation": seller,
        },
        {
            "role": "buyer",
            "name": buyer.name if buyer else "长春某汽车零部件有限公司",
            "uscc": buyer_uscc,
            "region": buyer_region,
            "organisation": buyer,
        },
    ]


def make_contract(actor, seller, buyer=None, file=True, **extra):
    return services.contract_create(
        actor=actor,
        seller=seller,
        data=content(**extra),
        parties=parties(seller, buyer),
        signed_file=signed_pdf() if file else None,
    )


def submitted(actor, seller, buyer=None, **extra):
    contract = make_contract(actor, seller, buyer, **extra)
    services.contract_submit(actor=actor, contract=contract)
    return TechContract.objects.get(pk=contract.pk)


def registered(actor, officer, seller, buyer=None, **extra):
    contract = submitted(actor, seller, buyer, **extra)
    services.contract_register(actor=officer, contract=contract)
    return TechContract.objects.get(pk=contract.pk)


def reason(code):
    return RefusalReason.objects.get(code=code)


def form_post(seller, **extra):
    """What the contract form posts: the fields, 3 party rows and 2 non-technical item rows."""
    data = {
        "seller": seller.pk,
        "title": "车用固态电池电解质专利实施许可合同",
        "category": ContractCategory.objects.get(code="licence_patent").pk,
        "licence_scope": "ordinary",
        "subject": "许可实施固态电解质专利。",
        "total_amount": "1200000",
        "tech_amount": "1000000",
        "signed_on": (TODAY - datetime.timedelta(days=10)).isoformat(),
        "term_start": (TODAY - datetime.timedelta(days=10)).isoformat(),
        "term_end": (TODAY + datetime.timedelta(days=700)).isoformat(),
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-0-name": "试验设备",
        "items-0-amount": "200000",
        "items-1-name": "",
        "items-1-amount": "",
        "parties-TOTAL_FORMS": "3",
        "parties-INITIAL_FORMS": "0",
        "parties-0-role": "seller",
        "parties-0-organisation": seller.pk,
        "parties-0-name": seller.name,
        "parties-0-uscc": SELLER_USCC,
        "parties-0-region": "220100",
        "parties-1-role": "buyer",
        "parties-1-name": "长春某汽车零部件有限公司",
        "parties-1-uscc": BUYER_USCC,
        "parties-1-region": "220104",
        "parties-1-contact": "王经理 0431-12345678",
        "parties-2-role": "other",
        "parties-2-name": "",
        "parties-2-uscc": "",
    }
    data.update(extra)
    return data


# -- services ------------------------------------------------------------------------------------
def test_a_contract_with_a_changchun_buyer_is_a_local_conversion(bob, seller_org):
    contract = make_contract(bob, seller_org)
    version = contract.latest
    assert version.number == 1 and version.status == "draft"
    assert version.is_local and "220104" in version.local_basis
    assert version.parties.count() == 2


def test_a_buyer_elsewhere_is_not_local(bob, seller_org):
    contract = services.contract_create(
        actor=bob, seller=seller_org, data=content(), parties=parties(seller_org, buyer_region="110105")
    )
    assert contract.latest.is_local is False
    assert "110105" in contract.latest.local_basis


def test_a_buyer_on_the_platform_may_see_the_contract(bob, charlie, seller_org, enterprise):
    contract = make_contract(bob, seller_org, enterprise)
    assert contract.buyer_org == enterprise


def test_the_service_refuses_bad_content_and_writes_nothing(bob, seller_org):
    with pytest.raises(ValidationError) as error:
        make_contract(bob, seller_org, tech_amount="2000000", term_end=TODAY - datetime.timedelta(days=100))
    assert set(error.value.message_dict) >= {"tech_amount", "term_end"}
    assert not TechContract.objects.exists() and not ContractVersion.objects.exists()


def test_a_signed_file_is_checked_by_its_content(bob, seller_org):
    fake = SimpleUploadedFile("合同.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        services.contract_create(
            actor=bob, seller=seller_org, data=content(), parties=parties(seller_org), signed_file=fake
        )
    assert "signed_file" in error.value.message_dict
    assert not TechContract.objects.exists()


def test_charlie_cannot_file_a_contract_for_the_university(charlie, seller_org):
    with pytest.raises(PermissionDenied):
        make_contract(charlie, seller_org)


def test_the_same_contract_cannot_be_submitted_twice(bob, seller_org):
    contract = submitted(bob, seller_org)
    with pytest.raises(ValidationError, match="不能重复提交"):
        services.contract_submit(actor=bob, contract=contract)


def test_another_dossier_with_the_same_content_is_refused_as_a_duplicate(bob, seller_org):
    first = submitted(bob, seller_org)
    again = make_contract(bob, seller_org)
    with pytest.raises(ValidationError, match=f"合同编号 {first.pk}"):
        services.contract_submit(actor=bob, contract=again)
    assert again.latest.status == "draft"


def test_a_contract_without_its_signed_text_cannot_be_submitted(bob, seller_org):
    contract = make_contract(bob, seller_org, file=False)
    with pytest.raises(ValidationError) as error:
        services.contract_submit(actor=bob, contract=contract)
    assert "signed_file" in error.value.message_dict


def test_a_refusal_needs_a_reason_and_only_an_officer_decides(bob, rita, seller_org):
    contract = submitted(bob, seller_org)
    with pytest.raises(ValidationError) as error:
        services.contract_refuse(actor=rita, contract=contract, reasons=[])
    assert "reasons" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.contract_refuse(actor=rita, contract=contract, reasons=[reason("other")])
    assert "comment" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.contract_register(actor=bob, contract=contract)
    assert TechContract.objects.get(pk=contract.pk).latest.status == "submitted"


def test_the_registry_is_told_of_a_submission_and_the_seller_of_the_decision(
    bob, alice, rita, seller_org, django_capture_on_commit_callbacks
):
    contract = make_contract(bob, seller_org)
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_submit(actor=bob, contract=contract)
    assert Notification.objects.filter(recipient=rita, title__contains="待登记").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_refuse(actor=rita, contract=contract, reasons=[reason("missing_proof")])
    assert Notification.objects.filter(recipient=alice, title__contains="未予登记").exists()
    assert Notification.objects.filter(recipient=bob, body__contains="缺少必要的证明文件").exists()


def test_an_amendment_leaves_the_registered_version_unchanged(bob, rita, seller_org):
    contract = registered(bob, rita, seller_org)
    first = contract.in_force
    number = contract.registration_number
    services.contract_amend(actor=bob, contract=contract, change_note="技术交易额更正")
    contract.refresh_from_db()
    services.contract_update(
        actor=bob,
        contract=contract,
        data=content(tech_amount="900000", non_tech_items=[{"name": "试验设备", "amount": "300000"}])
        | {"change_note": "技术交易额更正"},
        parties=parties(seller_org),
    )
    services.contract_submit(actor=bob, contract=contract)
    services.contract_register(actor=rita, contract=contract)
    contract.refresh_from_db()
    first.refresh_from_db()
    assert first.status == "superseded" and str(first.tech_amount) == "1000000.00"
    assert contract.in_force.number == 2 and str(contract.in_force.tech_amount) == "900000.00"
    assert contract.registration_number == number


# -- list ----------------------------------------------------------------------------------------
def test_the_list_shows_the_viewers_contracts_only(login, bob, charlie, seller_org):
    make_contract(bob, seller_org)
    page = login(bob).get(reverse("contracts:list"))
    assert page.status_code == 200
    assert "车用固态电池电解质专利实施许可合同" in page.content.decode()
    assert 'data-testid="new-contract"' in page.content.decode()
    page = login(charlie).get(reverse("contracts:list"))
    assert "车用固态电池电解质专利实施许可合同" not in page.content.decode()
    assert 'data-testid="empty"' in page.content.decode()


def test_the_list_filters_by_status_category_locality_year_and_text(login, bob, rita, seller_org):
    registered(bob, rita, seller_org, title="已登记的许可合同")
    services.contract_create(
        actor=bob,
        seller=seller_org,
        data=content(
            title="外地技术服务合同",
            category=ContractCategory.objects.get(code="service_general"),
            licence_scope="",
        ),
        parties=parties(seller_org, buyer_region="110105", buyer_uscc=code("91110105MA0000001")),
    )
    client = login(bob)

    def titles(**query):
        html = client.get(reverse("contracts:list"), query).content.decode()
        return {t for t in ("已登记的许可合同", "外地技术服务合同") if t in html}

    assert titles() == {"已登记的许可合同", "外地技术服务合同"}
    assert titles(status="registered") == {"已登记的许可合同"}
    assert titles(category="service") == {"外地技术服务合同"}
    assert titles(local="yes") == {"已登记的许可合同"}
    assert titles(local="no") == {"外地技术服务合同"}
    signed_year = (TODAY - datetime.timedelta(days=10)).year
    assert titles(year=signed_year) == {"已登记的许可合同", "外地技术服务合同"}
    assert titles(year=signed_year - 5) == set()
    number = TechContract.objects.get(status="registered").registration_number
    assert titles(q=number) == {"已登记的许可合同"}
    assert titles(q="服务") == {"外地技术服务合同"}
    assert client.get(reverse("contracts:list"), {"year": "abc", "status": "nonsense"}).status_code == 200


def test_the_list_is_paginated(login, bob, seller_org, monkeypatch):
    from hebi.contracts import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for n in range(3):
        make_contract(bob, seller_org, title=f"合同{n}")
    html = login(bob).get(reverse("contracts:list")).content.decode()
    assert "第 1 / 2 页" in html
    assert login(bob).get(reverse("contracts:list"), {"page": "2"}).status_code == 200


def test_people_of_no_organisation_cannot_create_contracts(login, nina):
    assert 'data-testid="new-contract"' not in login(nina).get(reverse("contracts:list")).content.decode()
    assert login(nina).get(reverse("contracts:create")).status_code == 403


# -- create and edit -----------------------------------------------------------------------------
def test_the_form_prefills_the_seller_and_groups_the_categories(login, bob, seller_org):
    page = login(bob).get(reverse("contracts:create"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'optgroup label="技术许可"' in html
    assert f'value="{SELLER_USCC}"' in html
    assert 'name="items-TOTAL_FORMS"' in html and 'name="parties-TOTAL_FORMS"' in html


def test_someone_in_two_organisations_chooses_the_seller(login, bob, seller_org):
    other = OrganisationFactory(name="长春理工大学")
    MembershipFactory(user=bob, organisation=other, role=Role.RESEARCHER)
    page = login(bob).get(reverse("contracts:create"))
    assert 'data-testid="sellers"' in page.content.decode()
    page = login(bob).get(reverse("contracts:create"), {"seller": other.pk})
    assert "长春理工大学" in page.content.decode() and 'data-testid="contract-form"' in page.content.decode()


def test_bob_creates_a_contract_through_the_form(login, bob, seller_org):
    data = form_post(seller_org, signed_file=signed_pdf())
    response = login(bob).post(reverse("contracts:create"), data)
    contract = TechContract.objects.get()
    assert response.status_code == 302 and response.url == reverse("contracts:detail", args=[contract.pk])
    version = contract.latest
    assert version.is_local and version.signed_file_type == "application/pdf"
    assert version.non_tech_items == [{"name": "试验设备", "amount": "200000.00"}]
    assert [p.role for p in version.parties.all()] == ["buyer", "seller"]


def test_a_technology_amount_above_the_total_is_shown_and_nothing_saved(login, bob, seller_org):
    response = login(bob).post(reverse("contracts:create"), form_post(seller_org, tech_amount="1500000"))
    assert response.status_code == 200
    assert "不能超过合同成交额" in response.content.decode()
    assert not TechContract.objects.exists()


def test_a_party_without_a_valid_credit_code_is_shown_in_the_parties_box(login, bob, seller_org):
    response = login(bob).post(
        reverse("contracts:create"), form_post(seller_org, **{"parties-1-uscc": "91220101MA123456"})
    )
    html = response.content.decode()
    assert 'data-testid="party-errors"' in html
    assert "长春某汽车零部件有限公司：统一社会信用代码应为18位" in html
    assert not TechContract.objects.exists()


def test_dates_out_of_order_are_shown_next_to_the_field(login, bob, seller_org):
    response = login(bob).post(
        reverse("contracts:create"),
        form_post(seller_org, term_end=(TODAY - datetime.timedelta(days=400)).isoformat()),
    )
    assert "履行期限的终止日期不能早于" in response.content.decode()
    assert not TechContract.objects.exists()


def test_a_licence_needs_its_scope_and_other_contracts_must_not_have_one(login, bob, seller_org):
    response = login(bob).post(reverse("contracts:create"), form_post(seller_org, licence_scope=""))
    assert "技术许可合同需选择许可方式" in response.content.decode()
    service = ContractCategory.objects.get(code="service_general").pk
    response = login(bob).post(reverse("contracts:create"), form_post(seller_org, category=service))
    assert "只有技术许可合同才填写许可方式" in response.content.decode()
    assert not TechContract.objects.exists()


def test_an_unlisted_difference_between_total_and_technology_amounts_is_refused(login, bob, seller_org):
    response = login(bob).post(
        reverse("contracts:create"), form_post(seller_org, **{"items-0-amount": "1000"})
    )
    assert 'data-testid="item-errors"' in response.content.decode()
    assert not TechContract.objects.exists()


def test_a_file_that_is_not_what_it_claims_is_refused(login, bob, seller_org):
    fake = SimpleUploadedFile("合同.pdf", b"MZ\x90\x00 executable", content_type="application/pdf")
    response = login(bob).post(reverse("contracts:create"), form_post(seller_org, signed_file=fake))
    assert (
        "文件内容与扩展名不符" in response.content.decode() or "不支持的文件类型" in response.content.decode()
    )
    assert not TechContract.objects.exists()


def test_a_platform_organisation_fills_in_a_party_without_javascript(login, bob, seller_org, enterprise):
    enterprise.uscc = BUYER_USCC
    enterprise.save(update_fields=["uscc"])
    data = form_post(seller_org, signed_file=signed_pdf())
    data.update({"parties-1-organisation": enterprise.pk, "parties-1-name": "", "parties-1-uscc": ""})
    login(bob).post(reverse("contracts:create"), data)
    contract = TechContract.objects.get()
    assert contract.buyer_org == enterprise
    assert contract.latest.parties.get(role="buyer").name == enterprise.name


def test_a_contract_may_be_filed_under_a_project_the_viewer_sees(login, bob, charlie, seller_org, enterprise):
    from hebi.deals.models import TransferProject

    project = TransferProject.objects.create(title="固态电池中试", owner=seller_org, enterprise=enterprise)
    page = login(bob).get(reverse("contracts:create"), {"project": project.pk})
    assert page.status_code == 200 and "固态电池中试" in page.content.decode()
    login(bob).post(reverse("contracts:create") + f"?project={project.pk}", form_post(seller_org))
    assert TechContract.objects.get().project == project
    stranger = OrganisationFactory(name="某研究所")
    nobody = UserFactory(username="ivan")
    MembershipFactory(user=nobody, organisation=stranger, role=Role.ORG_ADMIN)
    assert login(nobody).get(reverse("contracts:create"), {"project": project.pk}).status_code == 404
    assert login(bob).get(reverse("contracts:create"), {"project": "99999999999999999999"}).status_code == 404


def test_bob_edits_his_draft(login, bob, seller_org):
    contract = make_contract(bob, seller_org)
    page = login(bob).get(reverse("contracts:edit", args=[contract.pk]))
    assert page.status_code == 200 and "车用固态电池电解质专利实施许可合同" in page.content.decode()
    data = form_post(seller_org, title="改过的名称")
    response = login(bob).post(reverse("contracts:edit", args=[contract.pk]), data)
    assert response.status_code == 302
    assert TechContract.objects.get(pk=contract.pk).latest.title == "改过的名称"


def test_a_bad_edit_changes_nothing(login, bob, seller_org):
    contract = make_contract(bob, seller_org)
    response = login(bob).post(
        reverse("contracts:edit", args=[contract.pk]),
        form_post(seller_org, title="新名称", tech_amount="9999999"),
    )
    assert "不能超过合同成交额" in response.content.decode()
    assert TechContract.objects.get(pk=contract.pk).latest.title == "车用固态电池电解质专利实施许可合同"


def test_a_registered_contract_cannot_be_edited_and_the_page_says_to_amend(login, bob, rita, seller_org):
    contract = registered(bob, rita, seller_org)
    page = login(bob).get(reverse("contracts:edit", args=[contract.pk]))
    assert 'data-testid="locked"' in page.content.decode() and "修订版本" in page.content.decode()
    response = login(bob).post(
        reverse("contracts:edit", args=[contract.pk]), form_post(seller_org, title="偷改")
    )
    assert response.status_code == 409
    assert TechContract.objects.get(pk=contract.pk).latest.title == "车用固态电池电解质专利实施许可合同"


def test_a_contract_under_review_cannot_be_edited(login, bob, seller_org):
    contract = submitted(bob, seller_org)
    page = login(bob).get(reverse("contracts:edit", args=[contract.pk]))
    assert "正在审核中" in page.content.decode()


def test_other_organisations_cannot_edit(login, bob, charlie, seller_org, enterprise):
    contract = make_contract(bob, seller_org)
    assert login(charlie).get(reverse("contracts:edit", args=[contract.pk])).status_code == 404
    bought = make_contract(bob, seller_org, enterprise, title="买方可见的合同")
    assert login(charlie).get(reverse("contracts:edit", args=[bought.pk])).status_code == 403
    response = login(charlie).post(reverse("contracts:edit", args=[bought.pk]), form_post(seller_org))
    assert response.status_code == 403


# -- detail --------------------------------------------------------------------------------------
def test_the_detail_page_shows_amounts_parties_and_local_conversion(login, bob, seller_org):
    contract = make_contract(bob, seller_org)
    page = login(bob).get(reverse("contracts:detail", args=[contract.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "1,200,000 元" in html and "120 万元" in html
    assert "试验设备" in html and BUYER_USCC in html and "220104" in html
    assert "属本地转化" in html
    assert 'data-testid="submit"' in html and 'data-testid="file-1"' in html


def test_the_detail_page_is_hidden_from_other_organisations(login, charlie, bob, seller_org, nina):
    contract = make_contract(bob, seller_org)
    assert login(charlie).get(reverse("contracts:detail", args=[contract.pk])).status_code == 404
    assert login(nina).get(reverse("contracts:detail", args=[contract.pk])).status_code == 404
    assert login(bob).get("/contracts/99999999999999999999/").status_code == 404


def test_the_buyer_and_the_registry_see_the_contract_but_cannot_edit(
    login, bob, charlie, rita, seller_org, enterprise
):
    contract = make_contract(bob, seller_org, enterprise)
    html = login(charlie).get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert "车用固态电池电解质专利实施许可合同" in html and 'data-testid="submit"' not in html
    assert login(rita).get(reverse("contracts:detail", args=[contract.pk])).status_code == 200


def test_the_signed_file_is_downloaded_as_an_attachment_by_those_who_see_it(login, bob, charlie, seller_org):
    contract = make_contract(bob, seller_org)
    response = login(bob).get(reverse("contracts:file", args=[contract.pk, 1]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert login(charlie).get(reverse("contracts:file", args=[contract.pk, 1])).status_code == 404
    assert login(bob).get(reverse("contracts:file", args=[contract.pk, 7])).status_code == 404


def test_submitting_twice_from_the_page_says_so(login, bob, seller_org):
    contract = make_contract(bob, seller_org)
    client = login(bob)
    client.post(reverse("contracts:submit", args=[contract.pk]))
    response = client.post(reverse("contracts:submit", args=[contract.pk]), follow=True)
    assert "不能重复提交" in response.content.decode()
    assert ContractVersion.objects.get().status == "submitted"


def test_only_registry_officers_decide(login, bob, charlie, seller_org, enterprise):
    contract = submitted(bob, seller_org, enterprise)
    assert login(bob).post(reverse("contracts:register", args=[contract.pk])).status_code == 403
    response = login(charlie).post(
        reverse("contracts:refuse", args=[contract.pk]), {"reasons": [reason("invalid").pk]}
    )
    assert response.status_code == 403
    other = submitted(bob, seller_org, title="另一份合同")
    assert login(charlie).post(reverse("contracts:register", args=[other.pk])).status_code == 404
    assert TechContract.objects.get(pk=contract.pk).status == "submitted"


def test_a_refusal_without_a_reason_is_refused(login, bob, rita, seller_org):
    contract = submitted(bob, seller_org)
    response = login(rita).post(
        reverse("contracts:refuse", args=[contract.pk]), {"comment": "不行"}, follow=True
    )
    assert "请至少选择一条不予登记的理由" in response.content.decode()
    assert TechContract.objects.get(pk=contract.pk).latest.status == "submitted"


def test_the_full_path_keeps_every_version(login, bob, rita, seller_org, django_capture_on_commit_callbacks):
    client = login(bob)
    client.post(reverse("contracts:create"), form_post(seller_org, signed_file=signed_pdf()))
    contract = TechContract.objects.get()
    detail = reverse("contracts:detail", args=[contract.pk])
    client.post(reverse("contracts:submit", args=[contract.pk]))

    officer = login(rita)
    assert 'data-testid="refuse"' in officer.get(detail).content.decode()
    officer.post(
        reverse("contracts:refuse", args=[contract.pk]),
        {"reasons": [reason("missing_proof").pk], "comment": "请补充专利证书"},
    )
    contract.refresh_from_db()
    assert contract.status == "refused"

    client = login(bob)
    html = client.get(detail).content.decode()
    assert "缺少必要的证明文件" in html and "请补充专利证书" in html
    response = client.post(reverse("contracts:amend", args=[contract.pk]), {"change_note": ""}, follow=True)
    assert "请填写修改说明" in response.content.decode()
    client.post(reverse("contracts:amend", args=[contract.pk]), {"change_note": "补充专利证书"})
    client.post(reverse("contracts:submit", args=[contract.pk]))
    login(rita).post(reverse("contracts:register", args=[contract.pk]), {"comment": "材料齐全"})

    contract.refresh_from_db()
    assert contract.status == "registered" and contract.in_force.number == 2
    assert list(contract.versions.values_list("number", "status")) == [(1, "refused"), (2, "registered")]
    html = login(bob).get(detail).content.decode()
    assert contract.registration_number in html
    assert 'data-testid="version-1"' in html and 'data-testid="version-2"' in html
    assert "补充专利证书" in html and "材料齐全" in html
    assert "以下为政策信息，仅供参考，不构成税务建议" in html

    certificate = login(bob).get(reverse("contracts:certificate", args=[contract.pk]))
    text = certificate.content.decode()
    assert certificate.status_code == 200
    assert contract.registration_number in text and "第 2 版" in text and BUYER_USCC in text
    assert "@media print" in text and 'data-testid="verification"' in text
    pdf = login(bob).get(reverse("contracts:certificate-pdf", args=[contract.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert contract.registration_number.encode() in pdf.content
    assert BUYER_USCC.encode() in pdf.content


def test_the_tax_block_counts_the_sellers_registered_transfer_income_of_the_year(
    login, bob, rita, seller_org
):
    registered(bob, rita, seller_org, title="许可一")
    second = registered(bob, rita, seller_org, title="许可二", tech_amount="4500000", total_amount="4700000")
    html = login(bob).get(reverse("contracts:detail", args=[second.pk])).content.decode()
    assert "合计 5,500,000.00 元" in html and "超过部分 500,000.00 元" in html


def test_there_is_no_certificate_before_registration(login, bob, charlie, rita, seller_org):
    contract = submitted(bob, seller_org)
    response = login(bob).get(reverse("contracts:certificate", args=[contract.pk]))
    assert response.status_code == 404 and "尚未登记" in response.content.decode()
    assert login(bob).get(reverse("contracts:certificate-pdf", args=[contract.pk])).status_code == 404
    services.contract_register(actor=rita, contract=contract)
    assert login(charlie).get(reverse("contracts:certificate", args=[contract.pk])).status_code == 404
    assert login(charlie).get(reverse("contracts:certificate-pdf", args=[contract.pk])).status_code == 404


def test_the_certificate_shows_the_version_in_force_while_an_amendment_is_pending(
    login, bob, rita, seller_org
):
    contract = registered(bob, rita, seller_org)
    services.contract_amend(actor=bob, contract=contract, change_note="更正名称")
    contract.refresh_from_db()
    services.contract_update(
        actor=bob,
        contract=contract,
        data=content(title="更正后的名称") | {"change_note": "更正名称"},
        parties=parties(seller_org),
    )
    html = login(bob).get(reverse("contracts:certificate", args=[contract.pk])).content.decode()
    assert "车用固态电池电解质专利实施许可合同" in html and "更正后的名称" not in html
    detail = login(bob).get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert 'id="in-force"' in detail and 'id="latest"' in detail


# -- registry queue ------------------------------------------------------------------------------
def test_the_queue_is_for_registry_officers(login, bob, sam):
    assert login(bob).get(reverse("contracts:review")).status_code == 403
    assert login(sam).get(reverse("contracts:review")).status_code == 403


def test_the_queue_shows_days_left_and_highlights_overdue_contracts(login, bob, rita, seller_org):
    soon = submitted(bob, seller_org, title="快到期的合同")
    late = submitted(bob, seller_org, title="已超期的合同", signed_on=TODAY - datetime.timedelta(days=20))
    fresh = submitted(bob, seller_org, title="刚提交的合同", signed_on=TODAY - datetime.timedelta(days=30))
    ContractVersion.objects.filter(pk=soon.latest_id).update(due_on=TODAY + datetime.timedelta(days=3))
    ContractVersion.objects.filter(pk=late.latest_id).update(due_on=TODAY - datetime.timedelta(days=2))
    page = login(rita).get(reverse("contracts:review"))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index("已超期的合同") < html.index("快到期的合同") < html.index("刚提交的合同")
    assert re.search(r'data-testid="waiting">3<', html)
    assert re.search(r'data-testid="due-this-week">1<', html)
    assert re.search(r'data-testid="overdue-count">1<', html)
    assert "已超期 2 天" in html and "剩余 3 天" in html and "剩余 30 天" in html
    overdue = login(rita).get(reverse("contracts:review"), {"overdue": "1"}).content.decode()
    assert "已超期的合同" in overdue and "快到期的合同" not in overdue
    assert fresh.latest.days_left() == 30


def test_an_empty_queue_says_so(login, rita):
    assert 'data-testid="empty"' in login(rita).get(reverse("contracts:review")).content.decode()


def test_the_list_and_queue_take_a_bounded_number_of_queries(
    login, bob, rita, seller_org, django_assert_max_num_queries
):
    for n in range(6):
        submitted(bob, seller_org, title=f"合同{n}")
    client = login(bob)
    with django_assert_max_num_queries(12):
        client.get(reverse("contracts:list"))
    officer = login(rita)
    with django_assert_max_num_queries(12):
        officer.get(reverse("contracts:review"))


def test_the_decision_forms_do_not_share_field_ids(login, alice, rita, seller_org):
    contract = submitted(alice, seller_org)
    page = login(rita).get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert page.count('id="register_comment"') == 1 and page.count('id="refuse_comment"') == 1
    assert 'id="id_comment"' not in page


def test_the_registry_officers_home_page_counts_the_queue(login, rita):
    page = login(rita).get(reverse("core:home")).content.decode()
    assert "待审核 0 份，其中 7 日内到期 0 份，已逾期 0 份。" in page
    assert reverse("contracts:review") in page
