"""The contract rules are pure functions: amounts, dates, parties, local conversion and tax."""

import datetime
from decimal import Decimal

from hebi.contracts import rules
from hebi.contracts.rules import PartyFacts
from hebi.core.validators import uscc_check_character


def code(first17: str) -> str:
    return first17 + uscc_check_character(first17)


SELLER = code("12220000412345678")
BUYER = code("91220101MA1234567")
TODAY = datetime.date(2026, 6, 1)


def seller(**extra):
    return PartyFacts(
        **({"role": "seller", "name": "吉林大学", "uscc": SELLER, "region_code": "220102"} | extra)
    )


def buyer(**extra):
    return PartyFacts(
        **({"role": "buyer", "name": "长春某企业", "uscc": BUYER, "region_code": "220104"} | extra)
    )


def test_money_reads_yuan_with_thousands_separators_and_refuses_words():
    assert rules.money("1,200,000") == Decimal("1200000.00")
    assert rules.money("12.345") == Decimal("12.35")
    assert rules.money("abc") is None
    assert rules.money("NaN") is None
    assert rules.money("") is None


def test_a_technology_amount_above_the_total_is_refused():
    errors = rules.check_amounts(Decimal(100), Decimal(120), [])
    assert "不能超过合同成交额" in errors["tech_amount"]


def test_the_non_technical_items_must_account_for_the_difference():
    assert rules.check_amounts(Decimal(100), Decimal(80), [{"name": "设备", "amount": "20"}]) == {}
    errors = rules.check_amounts(Decimal(100), Decimal(80), [{"name": "设备", "amount": "10"}])
    assert "两者应相等" in errors["non_tech_items"]
    errors = rules.check_amounts(Decimal(100), Decimal(80), [{"name": "", "amount": "20"}])
    assert "第 1 项" in errors["non_tech_items"]


def test_amounts_must_be_given_and_positive():
    errors = rules.check_amounts(None, Decimal(-1), [])
    assert set(errors) == {"total_amount", "tech_amount"}


def test_dates_out_of_order_are_refused():
    errors = rules.check_dates(TODAY, datetime.date(2027, 1, 1), datetime.date(2026, 12, 1), TODAY)
    assert "不能早于起始日期" in errors["term_end"]
    errors = rules.check_dates(TODAY, datetime.date(2025, 1, 1), datetime.date(2026, 1, 1), TODAY)
    assert "不能早于签订日期" in errors["term_end"]


def test_a_contract_cannot_be_signed_in_the_future():
    errors = rules.check_dates(TODAY + datetime.timedelta(days=1), TODAY, TODAY, TODAY)
    assert "晚于今天" in errors["signed_on"]


def test_parties_need_a_seller_a_buyer_and_valid_credit_codes():
    assert rules.check_parties([seller(), buyer()]) == []
    problems = rules.check_parties([seller()])
    assert any("买方" in p for p in problems)
    problems = rules.check_parties([seller(), buyer(uscc=BUYER[:-1] + ("0" if BUYER[-1] != "0" else "1"))])
    assert any("长春某企业" in p and "校验位" in p for p in problems)
    problems = rules.check_parties([seller(), buyer(uscc=SELLER)])
    assert any("出现了两次" in p for p in problems)
    problems = rules.check_parties([seller(), buyer(region_code="")])
    assert any("所在区域" in p for p in problems)


def test_a_buyer_in_changchun_makes_a_local_conversion_and_says_why():
    local, basis = rules.local_conversion([seller(), buyer(region_name="朝阳区")], "2201")
    assert local is True
    assert "朝阳区" in basis and "220104" in basis


def test_a_buyer_outside_the_city_is_not_local():
    local, basis = rules.local_conversion([seller(), buyer(region_code="110105")], "220100")
    assert local is False
    assert "110105" in basis


def test_the_income_tax_information_splits_the_year_total_at_five_million():
    lines = rules.tax_information(
        vat_exempt=True,
        transfer_income=True,
        tax_note="",
        tech_amount=Decimal("1000000"),
        year=2026,
        year_transfer_total=Decimal("6000000"),
    )
    assert [line.title for line in lines] == ["增值税", "企业所得税"]
    assert "5,000,000.00" in lines[1].text and "1,000,000.00" in lines[1].text


def test_a_service_contract_gets_its_own_vat_note_and_no_income_tax_line():
    lines = rules.tax_information(
        vat_exempt=False,
        transfer_income=False,
        tax_note="单独签订的不适用。",
        tech_amount=Decimal(1),
        year=2026,
        year_transfer_total=Decimal(0),
    )
    assert len(lines) == 1 and lines[0].text == "单独签订的不适用。"


def test_an_amount_too_large_for_the_register_is_refused():
    errors = rules.check_amounts(Decimal("1e15"), Decimal(1), [])
    assert "金额过大" in errors["total_amount"]


def test_a_term_of_centuries_is_refused_as_a_typing_error():
    import datetime as _dt

    from hebi.contracts import rules as _rules

    errors = _rules.check_dates(
        _dt.date(2026, 1, 5), _dt.date(2026, 1, 5), _dt.date(9999, 12, 1), _dt.date(2026, 2, 1)
    )
    assert "term_end" in errors and "50" in errors["term_end"]


def test_a_city_code_ending_in_zero_keeps_its_last_digit():
    from hebi.contracts import rules as _rules

    buyer = _rules.PartyFacts("buyer", "某公司", "x", "321201", "")
    assert _rules.local_conversion([buyer], "3210")[0] is False
    assert _rules.local_conversion([buyer], "321200")[0] is True
    assert _rules.local_conversion([_rules.PartyFacts("buyer", "甲", "x", "220104")], "220100")[0] is True


def test_two_parties_without_a_code_are_told_to_fill_it_in_not_that_it_repeats():
    from hebi.contracts import rules as _rules

    problems = _rules.check_parties(
        [
            _rules.PartyFacts("seller", "甲大学", "", "220100"),
            _rules.PartyFacts("buyer", "乙公司", "", "220104"),
        ]
    )
    assert len(problems) == 2 and all("18位" in p for p in problems)
