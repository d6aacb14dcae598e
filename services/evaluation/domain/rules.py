"""The arithmetic of the two evaluations, as pure functions (no framework, no clock): the 总师 window (R-V1), the
优秀 cap (R-V3), the 末位淘汰 ranking (R-V5) and the reward share of a technology contract (R-V7)."""

from __future__ import annotations

import calendar
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from shared.domain import RuleFailure, RuleViolation


class Grade(StrEnum):
    EXCELLENT = "excellent"  # 优秀
    QUALIFIED = "qualified"  # 合格
    UNQUALIFIED = "unqualified"  # 不合格


GRADE_LABELS = {Grade.EXCELLENT: "优秀", Grade.QUALIFIED: "合格", Grade.UNQUALIFIED: "不合格"}
GRADE_ORDER = {Grade.UNQUALIFIED: 0, Grade.QUALIFIED: 1, Grade.EXCELLENT: 2}


class Rounding(StrEnum):
    DOWN = "down"  # the default: the only rounding that never lets 优秀 exceed the ratio
    HALF_UP = "half_up"
    UP = "up"


def rounded(value: float, rounding: Rounding) -> int:
    # A tiny epsilon keeps 0.2 × 10 = 2 from becoming 1.9999… (binary floating point) before rounding down.
    if rounding is Rounding.DOWN:
        return math.floor(value + 1e-9)
    if rounding is Rounding.UP:
        return math.ceil(value - 1e-9)
    return math.floor(value + 0.5 + 1e-9)


# ------------------------------------------------------------------ R-V1: the 总师 evaluation window
def month_before(day: date) -> date:
    """The same day one month earlier (31 March → 28/29 February)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Window:
    """R-V1: the evaluation is held in the last month before the term ends (both days included)."""

    opens_on: date
    closes_on: date

    @classmethod
    def before_term_end(cls, term_end: date) -> Window:
        return cls(month_before(term_end), term_end)

    def check(self, today: date) -> None:
        if not self.opens_on <= today <= self.closes_on:
            raise RuleViolation(
                f"考评须在聘期届满前一个月内进行：本协议的考评期为 {self.opens_on} 至 {self.closes_on}，今天是 {today}",
                [RuleFailure("R-V1", f"考评期 {self.opens_on} 至 {self.closes_on}")],
                code="OUTSIDE_EVALUATION_WINDOW",
                opens_on=self.opens_on.isoformat(),
                closes_on=self.closes_on.isoformat(),
            )


# ------------------------------------------------------------------ R-V3: at most 20% 优秀 per body and round
@dataclass(frozen=True)
class ExcellentCap:
    """优秀 at most ``ratio`` of those graded by one evaluating body in one round. A body with fewer than
    ``small_group_below`` graded gets 优秀 only from places the province allocates (with a recorded reason)."""

    ratio: float = 0.2
    rounding: Rounding = Rounding.DOWN
    small_group_below: int = 5

    def places(self, graded: int, allocated: int | None = None) -> int:
        if graded < self.small_group_below:
            return min(allocated or 0, graded)
        return rounded(self.ratio * graded, self.rounding)

    def check(self, graded: int, excellent: int, allocated: int | None = None) -> None:
        places = self.places(graded, allocated)
        if excellent <= places:
            return
        percent = f"{self.ratio:.0%}"
        why = (
            f"参评不足 {self.small_group_below} 人，优秀名额由省科技厅分配（已分配 {allocated or 0} 个）"
            if graded < self.small_group_below
            else f"优秀比例不超过 {percent}"
        )
        raise RuleViolation(
            f"本轮共 {graded} 人参评，优秀至多 {places} 人，当前 {excellent} 人（{why}）",
            [RuleFailure("R-V3", f"优秀至多 {places} 人")],
            code="EXCELLENT_CAP_EXCEEDED",
            graded=graded,
            excellent=excellent,
            excellent_places=places,
        )


# ------------------------------------------------------------------ R-V5: 末位淘汰
@dataclass(frozen=True)
class Ranked:
    """One commissioner's place in their group (1 = best) and whether the rule proposes them for elimination."""

    evaluation_id: uuid.UUID
    group: str
    rank: int
    ranked: int
    proposed: bool
    note: str


@dataclass(frozen=True)
class Standing:
    """What the ranking reads of one yearly evaluation."""

    evaluation_id: uuid.UUID
    group_key: dict[str, str]  # {"city": …, "county": …}
    grade: Grade
    county_score: float
    served_days: int
    exempt_reason: str | None = None  # served too little of the year, an upheld objection, …

    def key(self) -> tuple[int, float, int]:
        return GRADE_ORDER[self.grade], self.county_score, self.served_days


@dataclass(frozen=True)
class EliminationRule:
    """Who is proposed for 末位淘汰 within each group (R-V5). Rank by the city's grade, then the county's score,
    then confirmed service days (higher is better). In each group of at least ``min_group`` ranked, the bottom
    ``n`` (``mode="bottom_n"``) or ``percent`` % rounded by ``rounding`` (``mode="bottom_percent"``) are proposed,
    counting from the bottom and skipping the exempt. When the cut falls inside a tie, ``ties="spare"`` spares
    everyone tied at the cut and ``ties="include"`` proposes them all."""

    scope: Literal["city", "county"] = "city"
    mode: Literal["bottom_n", "bottom_percent"] = "bottom_percent"
    n: int = 1
    percent: float = 10.0
    rounding: Rounding = Rounding.UP
    min_group: int = 3
    ties: Literal["spare", "include"] = "spare"
    exempt_months_below: int = 6  # served less than this many months of the year: not eliminated

    def cut(self, ranked: int) -> int:
        if ranked < self.min_group:
            return 0
        if self.mode == "bottom_n":
            return min(self.n, ranked)
        return min(rounded(ranked * self.percent / 100, self.rounding), ranked)

    def describe(self) -> str:
        rounding = {Rounding.DOWN: "向下取整", Rounding.UP: "向上取整", Rounding.HALF_UP: "四舍五入"}[self.rounding]
        share = f"末位 {self.n} 人" if self.mode == "bottom_n" else f"末位 {self.percent:g}%（{rounding}）"
        scope = "每个县（市、区）" if self.scope == "county" else "全市"
        return (
            f"{scope}按年度考评等次、县级考核得分、确认服务天数排名，{share}拟淘汰；不足 {self.min_group} 人不淘汰；"
            f"服务不满 {self.exempt_months_below} 个月或异议成立者不淘汰；并列于淘汰线时"
            f"{'均不淘汰' if self.ties == 'spare' else '均拟淘汰'}"
        )

    def rank(self, standings: Iterable[Standing]) -> list[Ranked]:
        groups: dict[str, list[Standing]] = {}
        for s in standings:
            groups.setdefault(s.group_key[self.scope], []).append(s)
        out: list[Ranked] = []
        for group, members in sorted(groups.items()):
            members.sort(key=lambda s: (s.key(), str(s.evaluation_id)), reverse=True)  # best first
            proposed = self._proposed(members)
            for i, s in enumerate(members, start=1):
                note = s.exempt_reason or ("拟淘汰" if s.evaluation_id in proposed else "")
                out.append(Ranked(s.evaluation_id, group, i, len(members), s.evaluation_id in proposed, note))
        return out

    def _proposed(self, best_first: list[Standing]) -> set[uuid.UUID]:
        cut = self.cut(len(best_first))
        candidates = [s for s in reversed(best_first) if not s.exempt_reason]  # worst first
        if cut == 0 or not candidates:
            return set()
        chosen, rest = candidates[:cut], candidates[cut:]
        boundary = chosen[-1].key()
        if rest and rest[0].key() == boundary:  # the cut splits a tie
            if self.ties == "include":
                chosen += [s for s in rest if s.key() == boundary]
            else:
                chosen = [s for s in chosen if s.key() != boundary]
        return {s.evaluation_id for s in chosen}


# ------------------------------------------------------------------ R-V7: the commissioner's reward
ENCOURAGED_REWARD_SHARE = Decimal("0.10")


def reward_below_encouraged(subsidy: Decimal | None, reward: Decimal | None) -> bool:
    """R-V7: the enterprise is encouraged (not required) to reward the commissioner with at least 10% of the
    technology-transaction subsidy it received. A flag to show, never a refusal."""
    if subsidy is None or subsidy <= 0:
        return False
    return (reward or Decimal(0)) < subsidy * ENCOURAGED_REWARD_SHARE


def months_served(term_start: date, term_end: date, ended_on: date | None, year: int) -> float:
    """How much of calendar ``year`` the agreement ran, in months (30.4-day months)."""
    start = max(term_start, date(year, 1, 1))
    end = min(ended_on or term_end, term_end, date(year, 12, 31))
    return max(0, (end - start).days + 1) / 30.4
