"""An account manager's day: follow-ups, service reminders, open complaints, birthdays this week, book mix."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from churn.models import Band
from privacy.models import AccessLog
from reports import selectors
from segmentation.models import CustomerTier
from tests.factories import (
    ComplaintFactory,
    CustomerFactory,
    CustomerScoreFactory,
    FollowUpTaskFactory,
    OwnedTimepieceFactory,
    RunFactory,
    TierFactory,
)


def test_birthdays_this_week_cross_the_year_and_keep_29_february(central):
    from customers.models import Customer

    def born(name, month, day):
        return CustomerFactory(name_en=name, home_store=central, birth_month=month, birth_day=day)

    born("New Year", 1, 1)
    born("Last day", 1, 3)  # 28 Dec + 6 days
    born("Too late", 1, 4)
    born("Today", 12, 28)
    born("Yesterday", 12, 27)
    book = Customer.objects.all()
    found = selectors.birthdays_this_week(book=book, today=datetime.date(2025, 12, 28))
    assert [(c.name_en, c.birthday_on) for c in found] == [
        ("Today", datetime.date(2025, 12, 28)),
        ("New Year", datetime.date(2026, 1, 1)),
        ("Last day", datetime.date(2026, 1, 3)),
    ]
    born("Leap", 2, 29)
    assert [c.name_en for c in selectors.birthdays_this_week(book=book, today=datetime.date(2026, 2, 25))] == ["Leap"]
    leap_year = selectors.birthdays_this_week(book=book, today=datetime.date(2028, 2, 25))
    assert [(c.name_en, c.birthday_on) for c in leap_year] == [("Leap", datetime.date(2028, 2, 29))]


@pytest.fixture
def book(central, manager, colleague):
    today = timezone.localdate()
    soon, sooner = today + datetime.timedelta(days=2), today + datetime.timedelta(days=1)
    mine = CustomerFactory(
        name_en="Mine", home_store=central, account_manager=manager, birth_month=soon.month, birth_day=soon.day
    )
    theirs = CustomerFactory(
        name_en="Theirs", home_store=central, account_manager=colleague, birth_month=sooner.month,
        birth_day=sooner.day,
    )  # fmt: skip
    FollowUpTaskFactory(customer=mine, assignee=manager, due_on=today, title="Call about the strap")
    FollowUpTaskFactory(customer=mine, assignee=manager, due_on=today + datetime.timedelta(days=3), title="Later")
    OwnedTimepieceFactory(customer=mine, service_due_on=today + datetime.timedelta(days=5))
    OwnedTimepieceFactory(customer=theirs, service_due_on=today)
    ComplaintFactory(customer=mine, subject="Scratched crystal")
    ComplaintFactory(customer=theirs, subject="Not mine")
    run = RunFactory()
    CustomerTier.objects.create(customer=mine, tier=TierFactory(rank=1, name="Gold"), since=run.started_at,
                                since_run=run)  # fmt: skip
    CustomerScoreFactory(customer=mine, band=Band.HIGH, spend_12m=Decimal("1"))
    return {"today": today, "mine": mine, "theirs": theirs}


def test_my_day_shows_only_my_book(book, manager):
    day = selectors.my_day(user=manager, today=book["today"])
    assert day["book_size"] == 1
    assert [t.title for t in day["tasks"]] == ["Call about the strap"]
    assert [t.customer for t in day["service_due"]] == [book["mine"]]
    assert [c.subject for c in day["complaints"]] == ["Scratched crystal"]
    assert [c.name_en for c in day["birthdays"]] == ["Mine"]
    assert day["tiers"] == [{"name": "Gold", "count": 1}]
    assert {b["code"]: b["count"] for b in day["bands"]} == {"low": 0, "watch": 0, "high": 1, "lost": 0}


def test_my_day_page_logs_the_birthdays_shown(book, manager, client, django_assert_max_num_queries):
    from django.contrib.auth.models import Permission

    manager.user_permissions.add(Permission.objects.get(codename="view_sensitive"))
    client.force_login(manager)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("reports:my-day"))
    assert response.status_code == 200
    assert "Scratched crystal" in response.content.decode()
    log = AccessLog.objects.get(user=manager)
    assert log.customer == book["mine"]
    assert log.action == AccessLog.Action.VIEW_SENSITIVE


def test_my_day_needs_the_role(book, client, privacy_officer):
    client.force_login(privacy_officer)
    before = AccessLog.objects.count()
    assert client.get(reverse("reports:my-day")).status_code == 404
    assert AccessLog.objects.count() == before


def test_home_and_navbar_link_account_managers_to_their_day(book, manager, client):
    client.force_login(manager)
    html = client.get("/").content.decode()
    assert 'data-testid="my-day-link"' in html
    assert f'href="{reverse("reports:my-day")}">My day</a>' in html


def test_without_sensitive_access_only_the_number_of_birthdays_shows(book, manager, client):
    client.force_login(manager)  # account managers do not see sensitive fields
    response = client.get(reverse("reports:my-day"))
    assert response.context["birthdays"] is None
    assert response.context["birthday_count"] == 1
    assert "Mine</a>" not in response.content.decode().split("my-day-birthdays")[1].split("</section>")[0]
    assert not AccessLog.objects.filter(user=manager).exists()


def test_book_mix_counts_each_customer_once_by_tier_and_band(central, manager):
    """The book's size, tiers, bands, untiered and unscored come from one grouped query (issue #10)."""
    from customers.models import Customer

    run = RunFactory()
    gold, silver = TierFactory(rank=1, name="Gold"), TierFactory(rank=2, name="Silver")
    mix = [(silver, Band.HIGH), (gold, Band.LOW), (gold, Band.LOW), (gold, None), (None, Band.HIGH), (None, None)]
    for tier, band in mix:
        customer = CustomerFactory(home_store=central, account_manager=manager)
        if tier:
            CustomerTier.objects.create(customer=customer, tier=tier, since=run.started_at, since_run=run)
        if band:
            CustomerScoreFactory(customer=customer, band=band, spend_12m=Decimal("1"))
    CustomerFactory(home_store=central)  # not in the book
    book = Customer.objects.visible_to(manager).filter(account_manager=manager)

    result = selectors.book_mix(book=book)

    assert result["book_size"] == book.count() == 6
    assert result["tiers"] == [{"name": "Gold", "count": 3}, {"name": "Silver", "count": 1}]  # by rank
    assert result["untiered"] == book.filter(tier_holding__isnull=True).count() == 2
    assert dict(result["bands"]) == {Band.HIGH: 2, Band.LOW: 2}
    assert result["unscored"] == book.filter(churn_score__isnull=True).count() == 2


def test_my_day_lists_show_their_first_rows_and_count_them_all(central, manager):
    today = timezone.localdate()
    mine = CustomerFactory(home_store=central, account_manager=manager)
    rows = selectors.MY_DAY_ROWS
    for i in range(rows + 2):
        FollowUpTaskFactory(customer=mine, assignee=manager, due_on=today - datetime.timedelta(days=i))
        OwnedTimepieceFactory(customer=mine, service_due_on=today + datetime.timedelta(days=i % 5))
    FollowUpTaskFactory(customer=mine, assignee=manager, due_on=today + datetime.timedelta(days=1))  # not due yet

    day = selectors.my_day(user=manager, today=today)

    assert day["tasks_count"] == rows + 2
    assert len(day["tasks"]) == rows
    assert [t.due_on for t in day["tasks"]] == sorted(t.due_on for t in day["tasks"])
    assert day["tasks"][0].due_on == today - datetime.timedelta(days=rows + 1)  # the most overdue first
    assert day["service_due_count"] == rows + 2
    assert [t.service_due_on for t in day["service_due"]] == sorted(t.service_due_on for t in day["service_due"])


def test_my_day_with_an_empty_book_counts_nothing(manager):
    day = selectors.my_day(user=manager)
    assert (day["tasks"], day["tasks_count"], day["service_due"], day["service_due_count"]) == ([], 0, [], 0)
    assert (day["book_size"], day["tiers"], day["untiered"], day["unscored"]) == (0, [], 0, 0)
    assert {b["count"] for b in day["bands"]} == {0}
