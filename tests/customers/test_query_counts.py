"""Query counts of customers pages not covered elsewhere (issue #10): the same exact number for few or many rows.

The customer list and page, purchases, timepieces, service due, tasks, leads, duplicates and imports
have theirs beside their other tests. Inventory: tests/test_query_counts.py.
"""

import pytest
from django.urls import reverse

from tests.customers.factories_duplicates import interaction, person, purchase_with_lines, timepiece_with_job
from tests.customers.factories_imports import csv_bytes, job_checked
from tests.factories import AccountManagerFactory, BrandFactory, ProductFactory, RelationshipFactory
from tests.query_counts import assert_flat_queries

pytestmark = pytest.mark.django_db


def test_duplicate_compare(client, supervisor, manager, central, django_assert_num_queries):
    a = person(store=central, account_manager=manager, name_en="Chan Tai Man", mobile_phone="+85291234567")
    b = person(store=central, account_manager=manager, name_en="Tai Man Chan", mobile_phone="+85291234567")

    def grow(n):
        for customer in (a, b):
            for _ in range(n):
                purchase_with_lines(customer=customer, store=central)
                timepiece_with_job(customer=customer, store=central)
                interaction(customer=customer, staff=AccountManagerFactory(stores=[central]))
                RelationshipFactory(from_customer=customer, to_customer=person(store=central))

    grow(1)
    client.force_login(supervisor)
    assert_flat_queries(
        client,
        reverse("customers:duplicate-compare", kwargs={"a": a.pk, "b": b.pk}),
        expected=7,
        grow=lambda: grow(4),
        django_assert_num_queries=django_assert_num_queries,
    )


def test_import_progress(client, manager, central, django_assert_num_queries):
    few = job_checked(by=manager, content=csv_bytes([["external_id", "name_en"], ["C-1", ""]]), store=central)
    many = job_checked(
        by=manager, content=csv_bytes([["external_id", "name_en"], *[[f"C-{n}", ""] for n in range(50)]]), store=central
    )
    client.force_login(manager)
    client.get(reverse("customers:import-progress", kwargs={"pk": few.pk}))  # warm the session and caches
    for job, errors in ((few, 1), (many, 50)):
        with django_assert_num_queries(6):
            response = client.get(
                reverse("customers:import-progress", kwargs={"pk": job.pk}), headers={"HX-Request": "true"}
            )
        assert response.status_code == 200
        assert len(response.context["job"].errors) == errors


def test_relationship_customer_search(client, manager, customer, central, django_assert_num_queries):
    def grow(n):
        for _ in range(n):
            other = person(
                store=central, account_manager=AccountManagerFactory(stores=[central]), name_en="Wong Siu Ming"
            )
            RelationshipFactory(from_customer=other, to_customer=person(store=central))

    grow(2)
    client.force_login(manager)
    response = assert_flat_queries(
        client,
        reverse("customers:relationship-customer-search"),
        expected=6,
        grow=lambda: grow(6),
        data={"q": "wong", "exclude": customer.pk},
        headers={"HX-Request": "true"},
        django_assert_num_queries=django_assert_num_queries,
    )
    assert len(response.context["picker_results"]) == 8


def test_product_search(client, manager, django_assert_num_queries):
    def grow(n):
        for i in range(n):
            ProductFactory(brand=BrandFactory(name=f"Brand {i}-{n}"), model_name=f"Seamaster {i}-{n}")

    grow(2)
    client.force_login(manager)
    response = assert_flat_queries(
        client,
        reverse("customers:product-search"),
        expected=6,
        grow=lambda: grow(6),
        data={"term": "seamaster"},
        headers={"HX-Request": "true"},
        django_assert_num_queries=django_assert_num_queries,
    )
    assert len(response.context["products"]) == 8
