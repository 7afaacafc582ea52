"""Business-time arithmetic: SLA clocks count only the hours a store is open.

A ``BusinessCalendar`` knows a store's opening hours per weekday and the days it is
closed (Hong Kong general holidays, from the ``holidays`` package). ``add`` walks forward
from a moment by a number of business seconds; ``seconds_between`` counts the business
seconds between two moments. Results of ``add`` always fall inside opening hours
(the closing minute included).
"""

from collections.abc import Container, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# No store is closed for more than this many days in a row (a longer search means no opening hours).
MAX_CLOSED_DAYS = 400


@lru_cache(maxsize=1)
def hong_kong_holidays() -> holidays.HolidayBase:
    """Hong Kong general holidays (statutory and the other general holidays), any year, computed lazily."""
    return holidays.country_holidays("HK", categories=("public", "optional"))


def _parse(value) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def default_hours() -> dict[int, tuple[time, time]]:
    """settings.COMPLAINTS_DEFAULT_OPENING_HOURS: {weekday: ("10:00", "19:00")}, Monday = 0."""
    configured = getattr(settings, "COMPLAINTS_DEFAULT_OPENING_HOURS", None) or {
        day: ("10:00", "19:00") for day in range(6)
    }
    return {int(day): (_parse(opens), _parse(closes)) for day, (opens, closes) in configured.items()}


@dataclass(frozen=True)
class BusinessCalendar:
    hours: Mapping[int, tuple[time, time]]  # weekday (Monday = 0) → (opens, closes); missing: closed
    closed_days: Container[date]
    tz: ZoneInfo

    def __post_init__(self):
        if not self.hours:
            raise ImproperlyConfigured("A business calendar needs opening hours on at least one weekday.")
        for opens, closes in self.hours.values():
            if closes <= opens:
                raise ImproperlyConfigured("Opening hours must close after they open.")

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """When the store is open on ``day``, or None when it is closed all day."""
        if day in self.closed_days or day.weekday() not in self.hours:
            return None
        opens, closes = self.hours[day.weekday()]
        return datetime.combine(day, opens, tzinfo=self.tz), datetime.combine(day, closes, tzinfo=self.tz)

    def is_open(self, moment: datetime) -> bool:
        window = self.window(moment.astimezone(self.tz).date())
        return window is not None and window[0] <= moment <= window[1]

    def add(self, start: datetime, seconds: float) -> datetime:
        """The moment ``seconds`` of opening time after ``start``; always within opening hours."""
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        moment = start.astimezone(self.tz)
        day = moment.date()
        remaining = timedelta(seconds=seconds)
        for _i in range(MAX_CLOSED_DAYS + int(seconds // 3600) + 1):
            window = self.window(day)
            if window is not None:
                opens, closes = window
                begin = max(moment, opens)
                if begin <= closes:
                    available = closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += timedelta(days=1)
            moment = datetime.combine(day, time.min, tzinfo=self.tz)
        raise ImproperlyConfigured("No opening hours found: check the store's opening hours.")

    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Business seconds from ``start`` to ``end`` (0 when ``end`` is not after ``start``)."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        if end <= start:
            return 0.0
        start, end = start.astimezone(self.tz), end.astimezone(self.tz)
        total = timedelta()
        day = start.date()
        while day <= end.date():
            window = self.window(day)
            if window is not None:
                begin, finish = max(start, window[0]), min(end, window[1])
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total.total_seconds()


def calendar_for(hours: Mapping[int, tuple[time, time]] | None = None) -> BusinessCalendar:
    return BusinessCalendar(
        hours=hours if hours else default_hours(),
        closed_days=hong_kong_holidays(),
        tz=ZoneInfo(settings.TIME_ZONE),
    )


def calendar_for_store(store_id: int) -> BusinessCalendar:
    """The store's own opening hours (one query), or the default hours when it has none."""
    from complaints.models import OpeningHours

    rows = OpeningHours.objects.filter(store_id=store_id).values_list("weekday", "opens_at", "closes_at")
    return calendar_for({weekday: (opens, closes) for weekday, opens, closes in rows})
