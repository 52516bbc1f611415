"""Chinese and Arabic numbers, units and their normal forms."""
import pytest

from extractors.numbers import parse_chinese_integer, parse_number
from extractors.units import normalise_unit


@pytest.mark.parametrize("text,value,unit", [
    ("0.01", 0.01, ""), ("1,100", 1100.0, ""), ("4万", 40000.0, ""), ("1.5亿", 1.5e8, ""),
    ("三十", 30.0, ""), ("两", 2.0, ""), ("二〇二五", 2025.0, ""), ("一百零五", 105.0, ""),
    ("十二万", 120000.0, ""), ("百分之九十", 90.0, "%"), ("千分之三", 3.0, "‰"),
])
def test_parse_number(text, value, unit):
    assert parse_number(text) == (value, unit)


def test_not_a_number():
    assert parse_number("十四五x") is None
    assert parse_chinese_integer("") is None


@pytest.mark.parametrize("written,normal", [
    ("㎡", "平方米"), ("m²", "平方米"), ("m2", "平方米"), ("平方米", "平方米"), ("日", "天"),
    ("个小时", "小时"), ("%", "%"), ("", ""), (None, ""),
])
def test_normalise_unit(written, normal):
    assert normalise_unit(written) == normal
