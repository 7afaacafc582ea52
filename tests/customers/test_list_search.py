"""The customer list at scale: search by every phone format and partial Chinese names, hostile
input, the capped count, sorting, the churn band filter, and a constant query count."""

import pytest
from django.urls import reverse

from crm_site.pagination import CappedCountPaginator
from customers.models import Customer
from customers.querysets import SEARCH_MAX_LENGTH
from tests.customers.test_views import LIST_QUERIES
from tests.factories import AccountManagerFactory, CustomerFactory, CustomerScoreFactory

LIST_URL = reverse("customers:customer-list")


def listed(response) -> list:
    return list(response.context["customers"])


@pytest.fixture
def chan(central):
    return CustomerFactory(
        home_store=central,
        name_en="Peter Chan Tai Man",
        name_zh="陳大文",
        mobile_phone="+85291234567",
        email="peter.chan@example.com",
    )


@pytest.fixture
def others(central):
    """Customers that must not be found by the searches below."""
    return [
        CustomerFactory(home_store=central, name_en="Mary Wong", name_zh="黃美玲", mobile_phone="+85261110000"),
        CustomerFactory(home_store=central, name_en="Lee Ka Yan", name_zh="李嘉欣", mobile_phone="+85255550000"),
    ]


@pytest.mark.parametrize(
    "term",
    [
        "9123 4567",
        "91234567",
        "9123-4567",
        "+852 91234567",
        "+852 9123 4567",
        "+852-9123-4567",
        "+85291234567",
        "(+852) 9123 4567",
        "852 9123 4567",
        "4567",
        "234567",
        " 9123 4567 ",
    ],
)
def test_every_phone_format_finds_the_customer(client, supervisor, chan, others, term):
    # given
    client.force_login(supervisor)
    # when
    response = client.get(LIST_URL, {"q": term})
    # then
    assert response.status_code == 200
    assert listed(response) == [chan]


@pytest.mark.parametrize("term", ["陳大文", "陳大", "大文", "陳", "大", "文"])
def test_partial_chinese_names_match(client, supervisor, chan, others, term):
    # given
    client.force_login(supervisor)
    # when
    response = client.get(LIST_URL, {"q": term})
    # then
    assert listed(response) == [chan]


@pytest.mark.parametrize("term", ["chan tai", "PETER", "tai man", "peter.chan@", "CHAN@EXAMPLE.COM", "chan@example"])
def test_partial_english_names_and_emails_match(client, supervisor, chan, others, term):
    # given
    client.force_login(supervisor)
    # when
    response = client.get(LIST_URL, {"q": term})
    # then
    assert listed(response) == [chan]


@pytest.mark.parametrize(
    "term",
    [
        "' OR 1=1 --",
        "' OR '1'='1",
        "'; DROP TABLE customers_customer; --",
        'Robert"); DELETE FROM customers_customer; --',
        "%",
        "_",
        "%%%",
        "\\",
        "陳%",
        "1' UNION SELECT password FROM crm_site_user --",
        "9123 4567' OR 1=1",
    ],
)
def test_injection_attempts_find_nobody_and_change_nothing(client, supervisor, chan, others, term):
    # given
    client.force_login(supervisor)
    before = Customer.objects.count()
    # when
    response = client.get(LIST_URL, {"q": term})
    # then
    assert response.status_code == 200
    assert listed(response) == []
    assert Customer.objects.count() == before


@pytest.mark.parametrize("term", ["a" * (SEARCH_MAX_LENGTH + 1), "陳" * 5000, "9" * 10000, "chan\x00"])
def test_overlong_or_binary_input_is_a_clear_error_and_no_result(client, supervisor, chan, others, term):
    # given
    client.force_login(supervisor)
    # when
    response = client.get(LIST_URL, {"q": term})
    # then
    assert response.status_code == 200
    assert listed(response) == []
    assert response.context["filter_form"].errors["q"]
    assert b'role="alert"' in response.content


@pytest.mark.parametrize("term", ["a" * (SEARCH_MAX_LENGTH + 1), "chan\x00", "12", "+"])
def test_the_queryset_search_refuses_what_cannot_match(chan, term):
    # given / when / then: other callers (the relationship picker) get no result, not an error
    assert list(Customer.objects.search(term)) == []


def test_the_count_is_exact_below_the_cap_and_capped_above(client, supervisor, central, monkeypatch):
    # given five customers and a cap of three
    for i in range(5):
        CustomerFactory(home_store=central, name_en=f"Customer {i}")
    monkeypatch.setattr(CappedCountPaginator, "count_cap", 3)
    client.force_login(supervisor)
    # when
    capped = client.get(LIST_URL)
    exact = client.get(LIST_URL, {"q": "Customer 1"})
    # then
    assert capped.context["paginator"].is_capped is True
    assert capped.context["paginator"].count == 3
    assert "More than 3 customers" in capped.content.decode()
    assert exact.context["paginator"].is_capped is False
    assert exact.context["paginator"].count == 1
    assert "1 customer" in exact.content.decode()


def test_the_count_stops_at_the_cap(client, supervisor, central, django_assert_num_queries, monkeypatch):
    # given
    for i in range(5):
        CustomerFactory(home_store=central, name_en=f"Customer {i}")
    monkeypatch.setattr(CappedCountPaginator, "count_cap", 3)
    client.force_login(supervisor)
    # when
    with django_assert_num_queries(LIST_QUERIES) as captured:
        client.get(LIST_URL)
    # then: the count query reads at most cap + 1 rows
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1
    assert "LIMIT 4" in counts[0]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["Amy", "Bob", "Cat", "陳大文"]),
        ("name", ["Amy", "Bob", "Cat", "陳大文"]),
        ("-name", ["陳大文", "Cat", "Bob", "Amy"]),
        ("newest", ["陳大文", "Cat", "Amy", "Bob"]),
        ("oldest", ["Bob", "Amy", "Cat", "陳大文"]),
        ("nonsense", ["Amy", "Bob", "Cat", "陳大文"]),
    ],
)
def test_the_list_sorts(client, supervisor, central, sort, expected):
    # given customers added in this order: Bob, Amy, Cat, a Chinese name only
    for en, zh in (("Bob", ""), ("Amy", ""), ("Cat", ""), ("", "陳大文")):
        CustomerFactory(home_store=central, name_en=en, name_zh=zh)
    client.force_login(supervisor)
    # when
    response = client.get(LIST_URL, {"sort": sort})
    # then
    assert response.status_code == 200
    assert [c.name_en or c.name_zh for c in listed(response)] == expected


def test_the_list_filters_by_churn_risk_band(client, supervisor, central):
    # given
    high = CustomerScoreFactory(customer=CustomerFactory(home_store=central), band="high").customer
    CustomerScoreFactory(customer=CustomerFactory(home_store=central), band="low", risk=0.1)
    CustomerFactory(home_store=central)  # no score
    client.force_login(supervisor)
    # when
    response = client.get(LIST_URL, {"risk": "high"})
    # then
    assert listed(response) == [high]


def test_a_search_filtered_sorted_page_costs_the_same_queries(client, django_assert_num_queries, supervisor, central):
    # given a full page of matching customers with scores
    for i in range(30):
        customer = CustomerFactory(
            home_store=central, account_manager=AccountManagerFactory(stores=[central]), name_en=f"Chan {i:02d}"
        )
        CustomerScoreFactory(customer=customer, band="watch", risk=0.5)
    client.force_login(supervisor)
    # when / then: the same queries as the plain list (the band choices are not a query),
    # + 1 when a store is chosen (the form looks the chosen store up)
    with django_assert_num_queries(LIST_QUERIES + 1):
        response = client.get(LIST_URL, {"q": "chan", "risk": "watch", "sort": "-name", "store": central.pk})
    assert len(listed(response)) == 25
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL, {"q": "chan", "risk": "watch", "sort": "-name", "page": 2})
    assert len(listed(response)) == 5
