import pytest
from django.core.exceptions import ValidationError

from hebi.core.validators import uscc_check_character, validate_uscc


def test_it_accepts_the_standard_example_and_a_real_code():
    validate_uscc("91350100M000100Y43")  # the example printed in GB 32100-2015
    validate_uscc("11220000013544429K")  # 吉林省科学技术厅, from its 2025 document index number
    validate_uscc(" 11220000013544429k ")  # case and blanks are forgiven


def test_it_computes_the_check_character():
    assert uscc_check_character("91350100M000100Y4") == "3"
    assert uscc_check_character("11220000013544429") == "K"


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91350100M000100Y44", "校验位错误"),
        ("91350100M000100Y4", "18位"),
        ("91350100M000100Y4300", "18位"),
        ("91350100I000100Y43", "不允许的字符"),
        ("913501A0M000100Y43", "行政区划代码"),
        ("", "18位"),
    ],
)
def test_it_rejects_bad_codes_with_a_chinese_reason(code, fragment):
    with pytest.raises(ValidationError) as caught:
        validate_uscc(code)
    assert fragment in caught.value.messages[0]
