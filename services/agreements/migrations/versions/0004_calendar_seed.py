"""agreements_0004: the working-day calendar of 2004–2026, seeded from ``chinesecalendar`` (R-F7).

Later years are loaded by the province as the State Council publishes them (``PUT /calendar/years/{year}``);
a year it loads replaces what was seeded. The seed is computed here once, so this migration gives the
same rows whatever version of the library is installed later.
"""

from datetime import UTC, datetime

import chinese_calendar
import sqlalchemy as sa
from alembic import op

revision, down_revision = "agreements_0004", "agreements_0003"

SEEDED_BY = "migration:agreements_0004"
REFERENCE = f"chinesecalendar {chinese_calendar.__version__}（国务院办公厅历年部分节假日安排）"
NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
FIRST, LAST = 2004, 2026


def _name(holiday) -> str:
    english = holiday.value if hasattr(holiday, "value") else str(holiday)
    return NAMES.get(english, english)


def upgrade() -> None:
    years = sa.table(
        "calendar_years",
        sa.column("year", sa.Integer),
        sa.column("reference", sa.String),
        sa.column("revision", sa.Integer),
        sa.column("loaded_by", sa.String),
        sa.column("loaded_at", sa.DateTime(timezone=True)),
    )
    days = sa.table(
        "calendar_days",
        sa.column("day", sa.Date),
        sa.column("year", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("name", sa.String),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        years,
        [
            {"year": y, "reference": REFERENCE, "revision": 1, "loaded_by": SEEDED_BY, "loaded_at": now}
            for y in range(FIRST, LAST + 1)
        ],
    )
    rows = [
        {"day": d, "year": d.year, "kind": "holiday", "name": _name(h)}
        for d, h in chinese_calendar.holidays.items()
        if FIRST <= d.year <= LAST
    ] + [
        {"day": d, "year": d.year, "kind": "adjusted_working", "name": _name(h)}
        for d, h in chinese_calendar.workdays.items()
        if FIRST <= d.year <= LAST
    ]
    op.bulk_insert(days, sorted(rows, key=lambda r: r["day"]))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM calendar_years WHERE loaded_by = :by").bindparams(by=SEEDED_BY))
