"""The demo calendar: a fixed "today", the three years of history before it, and when watches sell.

Shops in Hong Kong sell most in the weeks before Chinese New Year (red packets, gifts,
year-end bonuses) and in December, and least in the hot, quiet summer; Saturdays and
Sundays are busier than weekdays.
"""

import random
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

DEMO_TODAY = date(2026, 11, 20)  # fixed, so that a load on any later day gives the same data
DEMO_START = date(2023, 11, 20)  # three years of history before DEMO_TODAY
HONG_KONG = ZoneInfo("Asia/Hong_Kong")
CHINESE_NEW_YEARS = (date(2024, 2, 10), date(2025, 1, 29), date(2026, 2, 17))
CNY_WEEKS_BEFORE = 3
CNY_WEEKS_AFTER = 1

# How busy a day is, relative to an ordinary weekday in spring or autumn.
_CNY_WEIGHT = 1.8
_DECEMBER_WEIGHT = 1.7
_SUMMER_WEIGHT = 0.7
_WEEKDAY_WEIGHTS = (0.9, 0.9, 0.9, 0.95, 1.05, 1.35, 1.25)  # Monday … Sunday
SALES_WEIGHT_MAX = max(_CNY_WEIGHT, _DECEMBER_WEIGHT) * max(_WEEKDAY_WEIGHTS)


_CNY_SEASON = frozenset(
    cny + timedelta(days=offset)
    for cny in CHINESE_NEW_YEARS
    for offset in range(-7 * CNY_WEEKS_BEFORE, 7 * CNY_WEEKS_AFTER)
)


def is_cny_season(day: date) -> bool:
    """The three weeks before Chinese New Year and the week after."""
    return day in _CNY_SEASON


def is_christmas_season(day: date) -> bool:
    return day.month == 12


def is_summer(day: date) -> bool:
    return day.month in (6, 7, 8)


@cache
def sales_weight(day: date) -> float:
    """How likely a purchase falls on ``day``: at most SALES_WEIGHT_MAX."""
    if is_cny_season(day):
        season = _CNY_WEIGHT
    elif is_christmas_season(day):
        season = _DECEMBER_WEIGHT if day.day <= 24 else _DECEMBER_WEIGHT * 0.7
    elif is_summer(day):
        season = _SUMMER_WEIGHT
    else:
        season = 1.0
    return season * _WEEKDAY_WEIGHTS[day.weekday()]


def random_day(rng: random.Random, start: date, end: date) -> date:
    """A day from ``start`` up to (not including) ``end``."""
    return start + timedelta(days=rng.randrange((end - start).days))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """``day`` at ``hour``:``minute`` in Hong Kong."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=HONG_KONG)
