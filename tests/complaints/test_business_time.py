"""Business-time arithmetic: SLA clocks count only opening hours (default Monday–Saturday 10:00–19:00),
never nights, Sundays or Hong Kong general holidays."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.business_time import BusinessCalendar, calendar_for, hong_kong_holidays

HK = ZoneInfo("Asia/Hong_Kong")
HOUR = 3600


def at(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HK)


@pytest.fixture(scope="module")
def calendar():
    return calendar_for()  # default hours, Hong Kong holidays


# --- add --------------------------------------------------------------------------------


def test_within_one_day(calendar):
    # Tuesday 10 March 2026, 11:00 + 3 h
    assert calendar.add(at(2026, 3, 10, 11), 3 * HOUR) == at(2026, 3, 10, 14)


def test_across_a_night(calendar):
    # Tuesday 17:00 + 4 h: 2 h that evening, 2 h from Wednesday's opening
    assert calendar.add(at(2026, 3, 10, 17), 4 * HOUR) == at(2026, 3, 11, 12)


def test_received_at_night_starts_at_the_next_opening(calendar):
    assert calendar.add(at(2026, 3, 10, 23, 30), 1 * HOUR) == at(2026, 3, 11, 11)
    assert calendar.add(at(2026, 3, 11, 6), 1 * HOUR) == at(2026, 3, 11, 11)


def test_across_a_sunday(calendar):
    # Saturday 14 March 18:00 + 2 h: 1 h on Saturday, Sunday closed, 1 h on Monday
    assert calendar.add(at(2026, 3, 14, 18), 2 * HOUR) == at(2026, 3, 16, 11)


def test_received_on_a_sunday(calendar):
    assert calendar.add(at(2026, 3, 15, 12), 8 * HOUR) == at(2026, 3, 16, 18)


def test_across_chinese_new_year(calendar):
    # Monday 16 Feb 2026 18:00 + 2 h: 17–19 Feb are Chinese New Year holidays → Friday 20 Feb 11:00
    assert {date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19)} <= set(hong_kong_holidays().keys())
    assert calendar.add(at(2026, 2, 16, 18), 2 * HOUR) == at(2026, 2, 20, 11)


def test_across_easter_and_a_sunday(calendar):
    # Thursday 2 April 2026 18:00 + 2 h: Good Friday 3, Saturday 4 (day following), Sunday 5,
    # Monday 6 and Tuesday 7 April (Easter Monday; Tomb-Sweeping observed) closed → Wednesday 8 April 11:00
    assert calendar.add(at(2026, 4, 2, 18), 2 * HOUR) == at(2026, 4, 8, 11)


def test_a_due_time_can_be_the_closing_minute(calendar):
    assert calendar.add(at(2026, 3, 10, 10), 9 * HOUR) == at(2026, 3, 10, 19)


def test_zero_seconds_at_night_is_the_next_opening(calendar):
    assert calendar.add(at(2026, 3, 10, 20), 0) == at(2026, 3, 11, 10)


def test_forty_business_hours_is_about_a_working_week(calendar):
    # Monday 9 March 10:00 + 40 h (9 h a day) = Friday 13 March 14:00
    assert calendar.add(at(2026, 3, 9, 10), 40 * HOUR) == at(2026, 3, 13, 14)


def test_a_store_open_on_sundays():
    hours = {day: (time(11), time(21)) for day in range(7)}
    calendar = calendar_for(hours)
    assert calendar.add(at(2026, 3, 14, 20), 2 * HOUR) == at(2026, 3, 15, 12)


def test_naive_datetimes_and_no_hours_are_refused(calendar):
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.add(datetime(2026, 3, 10, 11), HOUR)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ImproperlyConfigured):
        BusinessCalendar(hours={}, closed_days=set(), tz=HK)
    with pytest.raises(ImproperlyConfigured):
        BusinessCalendar(hours={0: (time(19), time(10))}, closed_days=set(), tz=HK)


# --- seconds between (paused periods) ------------------------------------------------------


def test_seconds_between_counts_only_opening_hours(calendar):
    # Friday 13 March 18:00 → Monday 16 March 11:00: 1 h Friday, 9 h Saturday, Sunday closed, 1 h Monday
    assert calendar.seconds_between(at(2026, 3, 13, 18), at(2026, 3, 16, 11)) == 11 * HOUR


def test_seconds_between_over_a_holiday_is_zero(calendar):
    assert calendar.seconds_between(at(2026, 2, 17, 9), at(2026, 2, 19, 22)) == 0


def test_a_paused_period_moves_the_due_time_by_its_business_length(calendar):
    # given a 16 h resolve clock started Monday 9 March 10:00, paused Tuesday 15:00 → Thursday 12:00
    received = at(2026, 3, 9, 10)
    paused = calendar.seconds_between(at(2026, 3, 10, 15), at(2026, 3, 12, 12))
    # then: 4 h Tuesday + 9 h Wednesday + 2 h Thursday = 15 h more on the clock
    assert paused == 15 * HOUR
    assert calendar.add(received, 16 * HOUR) == at(2026, 3, 10, 17)
    assert calendar.add(received, 16 * HOUR + paused) == at(2026, 3, 12, 14)


# --- properties ----------------------------------------------------------------------------

# hypothesis takes naive bounds and attaches the time zone itself.
moments = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001
    max_value=datetime(2028, 12, 31),  # noqa: DTZ001
    timezones=st.just(HK),
)
durations = st.integers(min_value=0, max_value=200 * HOUR)


@settings(max_examples=300, deadline=None)
@given(start=moments, seconds=durations)
def test_due_times_never_fall_outside_opening_hours(calendar, start, seconds):
    due = calendar.add(start, seconds)
    assert calendar.is_open(due), f"{due} is outside opening hours"
    assert due >= start


@settings(max_examples=200, deadline=None)
@given(start=moments, seconds=st.integers(min_value=1, max_value=200 * HOUR))
def test_adding_then_measuring_gives_back_the_duration(calendar, start, seconds):
    due = calendar.add(start, seconds)
    assert calendar.seconds_between(start, due) == pytest.approx(seconds)


@settings(max_examples=200, deadline=None)
@given(start=moments, first=durations, second=durations)
def test_adding_in_two_steps_is_adding_once(calendar, start, first, second):
    assert calendar.add(calendar.add(start, first), second) == calendar.add(start, first + second)


@settings(max_examples=100, deadline=None)
@given(
    start=moments,
    seconds=st.integers(min_value=0, max_value=60 * HOUR),
    opens=st.integers(min_value=6, max_value=12),
    length=st.integers(min_value=1, max_value=11),
    weekdays=st.sets(st.integers(min_value=0, max_value=6), min_size=1),
)
def test_any_store_hours_keep_due_times_inside_them(start, seconds, opens, length, weekdays):
    calendar = calendar_for({day: (time(opens), time(opens + length)) for day in weekdays})
    due = calendar.add(start, seconds)
    assert calendar.is_open(due)
    assert due.weekday() in weekdays
    assert due.date() not in hong_kong_holidays()


def test_the_search_gives_up_on_a_calendar_closed_for_ever():
    calendar = BusinessCalendar(hours={0: (time(10), time(11))}, closed_days=_Everything(), tz=HK)
    with pytest.raises(ImproperlyConfigured):
        calendar.add(at(2026, 3, 10, 10), HOUR)


class _Everything:
    def __contains__(self, item):
        return True


def test_timedelta_is_not_needed_by_callers(calendar):
    # the API takes seconds; a float works too
    assert calendar.add(at(2026, 3, 10, 10), timedelta(minutes=90).total_seconds()) == at(2026, 3, 10, 11, 30)
