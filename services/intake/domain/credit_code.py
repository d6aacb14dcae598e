"""统一社会信用代码 (unified social credit code), GB 32100-2015 — R-C7.

18 characters from a 31-character alphabet (digits and capitals without I, O, Z, S, V):
1 registration authority, 1 organisation type, 6 administrative division, 9 organisation code,
1 check character computed over the first 17 with weights 3^i mod 31.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """None if ``code`` is a valid unified social credit code, else the reason in Chinese."""
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位，实际为 {len(code)} 位"
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        return f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、Z、S、V 及小写字母）"
    if not code[2:8].isdigit():
        return "统一社会信用代码第 3–8 位应为行政区划代码（数字）"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误（应为 {expected}）"
    return None


def is_valid_credit_code(code: str) -> bool:
    return credit_code_problem(code) is None
