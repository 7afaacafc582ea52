"""The demo data set: what ``manage.py load_demo_data`` puts in the database, and that it does it only once."""

import io
import re
from collections import Counter

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from crm_site import roles
from crm_site.models import User
from customers import demo
from customers.models import Customer, District, Store
from customers.phones import phone_to_e164
from privacy.models import AccessLog

ROLE_OF_PREFIX = {
    "am": roles.ACCOUNT_MANAGER,
    "am2": roles.ACCOUNT_MANAGER,
    "sup": roles.SUPERVISOR,
    "admin": roles.ADMIN,
    "dpo": roles.PRIVACY_OFFICER,
}


def _load(customers=60) -> str:
    out = io.StringIO()
    call_command("load_demo_data", customers=customers, stdout=out)
    return out.getvalue()


def _snapshot() -> dict:
    """Every row the demo data touches, with every value (``updated_at`` and password hashes too)."""
    return {
        "stores": list(Store.objects.order_by("pk").values()),
        "staff": list(Store.staff.through.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values()),
        "groups": list(User.groups.through.objects.order_by("pk").values()),
        "customers": list(Customer.objects.order_by("pk").values()),
    }


@pytest.mark.django_db
def test_load_creates_the_three_stores_and_their_staff():
    # given an empty database
    # when
    output = _load()
    # then
    assert {(s.code, s.name, s.name_zh, s.district) for s in Store.objects.all()} == {
        ("central", "Central", "中環", District.CENTRAL_WESTERN),
        ("tst", "Tsim Sha Tsui", "尖沙咀", District.YAU_TSIM_MONG),
        ("cwb", "Causeway Bay", "銅鑼灣", District.WAN_CHAI),
    }
    users = User.objects.prefetch_related("groups", "stores")
    assert sorted(u.username for u in users) == sorted(
        f"{prefix}.{store}" for prefix in ROLE_OF_PREFIX for store in ("central", "tst", "cwb")
    )
    for user in users:
        prefix, store_code = user.username.split(".")
        assert [g.name for g in user.groups.all()] == [ROLE_OF_PREFIX[prefix]]
        assert [s.code for s in user.stores.all()] == [store_code]
        assert user.email == f"{user.username}@demo.example.hk"
        assert re.fullmatch(r"[A-Z][a-z]+", user.first_name)
        assert re.fullmatch(r"[A-Z][a-z]+", user.last_name)
        assert user.is_staff == (prefix == "admin")
        assert not user.is_superuser
    assert "Created 60 customers, 15 users and 3 stores." in output


@pytest.mark.django_db
def test_load_creates_realistic_customers():
    # given an empty database
    # when
    _load(customers=60)
    # then
    customers = list(Customer.objects.select_related("home_store", "account_manager"))
    assert len(customers) == 60
    assert sorted(c.external_ref for c in customers) == [f"DEMO-{n:06d}" for n in range(1, 61)]
    phones = [c.mobile_phone for c in customers]
    assert all(re.fullmatch(r"\+852[569]\d{7}", phone) for phone in phones)
    assert all(phone_to_e164(phone) == phone for phone in phones)
    assert len(set(phones)) == len(phones)
    emails = [c.email for c in customers if c.email]
    assert len(set(emails)) == len(emails)
    assert all(email == email.lower() and email.endswith((".com", ".net", ".org")) for email in emails)
    assert any(c.name_en and c.name_zh for c in customers)
    assert any(re.fullmatch(r"[\u4e00-\u9fff]{3}", c.name_zh) for c in customers)
    assert {c.home_store.code for c in customers} == {"central", "tst", "cwb"}
    account_managers = Group.objects.get(name=roles.ACCOUNT_MANAGER).user_set.all()
    for customer in customers:
        if customer.account_manager is not None:
            assert customer.account_manager in account_managers
            assert customer.home_store.staff.filter(pk=customer.account_manager.pk).exists()


def test_the_full_data_set_has_hong_kong_proportions():
    # given
    # when the default 2,000 customers are generated (no database needed)
    rows = demo.demo_customer_rows()
    # then
    assert len(rows) == demo.DEMO_CUSTOMERS == 2000

    def share(predicate) -> float:
        return sum(1 for row in rows if predicate(row)) / len(rows)

    assert 0.03 < share(lambda r: r["kind"] == Customer.Kind.COMPANY) < 0.07
    assert 0.50 < share(lambda r: r["preferred_language"] == Customer.Language.CHINESE) < 0.60
    assert 0.65 < share(lambda r: r["email"]) < 0.75
    assert 0.55 < share(lambda r: r["address"]) < 0.67
    assert 0.53 < share(lambda r: r["birth_month"]) < 0.65
    assert 0.01 < share(lambda r: r["manager_prefix"] is None) < 0.08
    sources = Counter(row["acquisition_source"] for row in rows)
    assert sources.most_common(1)[0][0] == Customer.Source.WALK_IN
    assert set(sources) == {"walk_in", "referral", "event", "online", "focus_group"}
    hong_kong_districts = {d for d in District.values if d != District.OUTSIDE_HK}
    assert {row["district"] for row in rows} - {""} == hong_kong_districts
    assert len({row["mobile_phone"] for row in rows}) == 2000
    assert "海港珠寶貿易有限公司" in {row["name_zh"] for row in rows if row["kind"] == Customer.Kind.COMPANY}
    assert all(row["name_en"] or row["name_zh"] for row in rows)


def test_a_customer_is_the_same_whatever_the_count():
    # given
    # when
    small, large = demo.demo_customer_rows(count=60), demo.demo_customer_rows(count=200)
    # then
    assert small == large[:60]
    assert small == demo.demo_customer_rows(count=60)


@pytest.mark.django_db
def test_second_run_creates_nothing_and_changes_no_row():
    # given the demo data, loaded once
    _load()
    before = _snapshot()
    # when
    output = _load()
    # then
    assert _snapshot() == before
    assert "Nothing to do" in output


@pytest.mark.django_db
def test_a_larger_count_adds_only_the_missing_customers():
    # given
    _load(customers=60)
    before = list(Customer.objects.order_by("pk").values())
    # when
    output = _load(customers=80)
    # then
    assert "Created 20 customers, 0 users and 0 stores." in output
    assert list(Customer.objects.order_by("pk").values())[:60] == before
    assert Customer.objects.count() == 80


@pytest.mark.django_db
def test_load_refuses_outside_demo_mode(settings):
    # given
    settings.DEMO_MODE = False
    # when
    with pytest.raises(CommandError, match="DEMO_MODE"):
        _load()
    # then
    assert not Store.objects.exists()
    assert not User.objects.exists()
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_load_writes_no_access_log():
    # given
    # when
    _load()
    # then
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_demo_users_log_in_with_the_published_password(client):
    # given
    output = _load(customers=0)
    # when
    logins = {
        user.username: client.login(username=user.username, password=demo.DEMO_PASSWORD) for user in demo.DEMO_USERS
    }
    # then
    assert logins == {user.username: True for user in demo.DEMO_USERS}
    assert demo.DEMO_PASSWORD == "watch-demo-2026"
    assert "watch-demo-2026" in output
    assert all(user.username in output for user in demo.DEMO_USERS)
    assert not client.login(username="am.central", password="wrong")
