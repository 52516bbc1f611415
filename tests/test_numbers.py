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


@pytest.mark.parametrize("text,found", [
    ("达到万兆到县", [("万", "兆")]), ("千兆到乡镇", [("千", "兆")]), ("20兆进户", [("20", "兆")]),
    ("出口扩容至5G。", [("5", "G")]), ("100Mbps", [("100", "Mbps")]), ("存储10TB", [("10", "TB")]),
    ("新增5G基站", [("5", None)]), ("推动5G、大数据", [("5", None)]),
    ("19类功能模块", [("19", "类")]), ("600颗卫星", [("600", "颗")]), ("注册证超500件", [("500", "件")]),
])
def test_data_units_and_classifiers(text, found):
    """Bandwidth and storage units stand after a number only where they are one (5G基站 is a
    network generation); 类, 颗, 件 are classifiers."""
    from extractors.targets import VALUE_RE

    assert [(m.group("num"), m.group("unit")) for m in VALUE_RE.finditer(text)] == found


def test_wan_zhao_is_ten_thousand():
    assert parse_number("万") == (10000.0, "")
    assert parse_number("千") == (1000.0, "")
