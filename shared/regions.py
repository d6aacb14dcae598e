"""The 13 市（地）of Heilongjiang, keyed by their administrative division code (GB/T 2260).

City bureaus (市（地）科技局、工信局) are scoped to one of these (RULES.md glossary, R-F1).
"""

from __future__ import annotations

CITIES: dict[str, str] = {
    "230100": "哈尔滨市",
    "230200": "齐齐哈尔市",
    "230300": "鸡西市",
    "230400": "鹤岗市",
    "230500": "双鸭山市",
    "230600": "大庆市",
    "230700": "伊春市",
    "230800": "佳木斯市",
    "230900": "七台河市",
    "231000": "牡丹江市",
    "231100": "黑河市",
    "231200": "绥化市",
    "232700": "大兴安岭地区",
}


def is_city_code(code: str | None) -> bool:
    return code in CITIES
