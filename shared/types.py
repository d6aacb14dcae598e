"""Bounded input types for every REST schema and query: no text, list or number without its limits.

Every string is stripped, bounded, and free of control characters (NUL included: PostgreSQL refuses it,
and nothing a user types needs it); single-line texts refuse line breaks too. Lists are bounded, and name
lists drop blanks and duplicates. Numbers have a range. The limits are in the OpenAPI document, so clients
(and the schemathesis run in CI) see exactly what is accepted.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints
from pydantic_core import PydanticCustomError

# Tab, line feed and carriage return are allowed in multi-line text; every other C0 control and DEL is not.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f]")
LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def _no_controls(value: str) -> str:
    if _CONTROL.search(value):
        raise PydanticCustomError("control_characters", "不能包含控制字符（如 NUL）")
    return value


def _one_line(value: str) -> str:
    if _CONTROL_OR_BREAK.search(value):
        raise PydanticCustomError("control_characters", "不能包含控制字符或换行")
    return value


def Line(max_length: int, *, min_length: int = 0, description: str | None = None) -> Any:
    """A single-line text: a name, a code, a keyword, a search term."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_one_line),
        Field(json_schema_extra={"pattern": LINE_PATTERN}, description=description),
    ]


def Text(max_length: int, *, min_length: int = 0, description: str | None = None) -> Any:
    """A multi-line text: a description, a reason, a statement."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_no_controls),
        Field(json_schema_extra={"pattern": TEXT_PATTERN}, description=description),
    ]


def _distinct_non_blank(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value and value not in out:
            out.append(value)
    return out


def Names(max_items: int, *, item_max_length: int = 100, min_items: int = 0) -> Any:
    """A list of short names (disciplines, keywords): blanks and repeats are dropped, the count is bounded."""
    return Annotated[
        list[Line(item_max_length)],
        Field(min_length=min_items, max_length=max_items),
        AfterValidator(_distinct_non_blank),
    ]


def Count(minimum: int, maximum: int) -> Any:
    return Annotated[int, Field(ge=minimum, le=maximum)]


# The platform's dates and moments: 2000–2100 is every programme year with room to spare; a moment carries its
# time zone (a meeting at "09:00" is ambiguous without one).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def Day(description: str) -> Any:
    return Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY, description=f"{description}（2000-01-01 至 2100-12-31）")]


def _within_platform_years(value: datetime) -> datetime:
    if not FIRST_DAY.year <= value.year <= LAST_DAY.year:
        raise PydanticCustomError("out_of_range", "时间须在 2000 至 2100 年之间")
    return value


def Moment(description: str) -> Any:
    return Annotated[
        AwareDatetime,
        AfterValidator(_within_platform_years),
        Field(description=f"{description}（带时区的 ISO 8601 时间，例如 2026-12-10T09:30:00+08:00）"),
    ]


# The limits that are the same everywhere.
NAME_MAX = 200
SEARCH_MAX = 100
PAGE_MAX = 10_000  # 100 per page: a million rows, far beyond any list here
INT32_MAX = 2**31 - 1


# ------------------------------------------------------------------ query and path parameters
def SearchQuery(description: str = "搜索词") -> Any:
    """An optional search term in the query string: bounded, one line, no control characters."""
    from fastapi import Query

    return Annotated[str | None, Query(max_length=SEARCH_MAX, pattern=LINE_PATTERN, description=description)]


def CodeQuery(pattern: str, description: str) -> Any:
    """An optional code in the query string (a city code …), checked against its pattern."""
    from fastapi import Query

    return Annotated[str | None, Query(max_length=40, pattern=pattern, description=description)]
