from decimal import Decimal

from django.utils import translation

from hebi.core.templatetags.hebi import format_yuan, percent


def test_it_shows_money_in_chinese_units():
    with translation.override("zh-hans"):
        assert format_yuan(Decimal("15400000000")) == "154 亿元"
        assert format_yuan(Decimal("1000000000")) == "10 亿元"
        assert format_yuan(Decimal("10000000")) == "1,000 万元"
        assert format_yuan(Decimal("125000")) == "12.5 万元"
        assert format_yuan(Decimal("9800.5")) == "9,800.5 元"
        assert format_yuan(None) == "—"


def test_it_shows_money_in_english_units():
    with translation.override("en"):
        assert format_yuan(Decimal("15400000000")) == "CNY 15.4 billion"
        assert format_yuan(Decimal("2500000")) == "CNY 2.5 million"


def test_percent():
    assert percent(Decimal("0.5")) == "50%"
    assert percent(None) == "—"
