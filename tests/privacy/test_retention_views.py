"""Pages for retention rules, legal holds, erasure, the breach register and processors."""

import pytest

from privacy.models import Breach, Erasure, LegalHold, Processor, RetentionRule

pytestmark = pytest.mark.django_db


def test_the_privacy_officer_sets_a_retention_rule(client, privacy_officer):
    client.force_login(privacy_officer)
    assert client.get("/privacy/retention/").status_code == 200
    response = client.post(
        "/privacy/retention/interactions/", {"period_months": 36, "action": "anonymise", "active": "on"}
    )
    assert response.status_code == 302
    rule = RetentionRule.objects.get()
    assert (rule.category, rule.period_months, rule.updated_by) == ("interactions", 36, privacy_officer)


def test_others_cannot_set_retention_rules(client, supervisor):
    client.force_login(supervisor)
    assert client.get("/privacy/retention/").status_code == 404
    response = client.post("/privacy/retention/interactions/", {"period_months": 1, "action": "delete"})
    assert response.status_code == 404
    assert not RetentionRule.objects.exists()


def test_the_privacy_officer_places_a_hold_and_erases(client, privacy_officer, customer):
    client.force_login(privacy_officer)
    client.post("/privacy/legal-holds/new/", {"customer": customer.pk, "reason": "dispute"})
    hold = LegalHold.objects.get()
    client.post(f"/privacy/customers/{customer.pk}/erase/")
    assert not Erasure.objects.exists()  # the hold stops it
    client.post(f"/privacy/legal-holds/{hold.pk}/release/")
    response = client.post(f"/privacy/customers/{customer.pk}/erase/")
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name_en.startswith("Anonymised #")
    assert Erasure.objects.get().erased_by == privacy_officer


def test_others_cannot_erase(client, supervisor, customer):
    client.force_login(supervisor)
    assert client.post(f"/privacy/customers/{customer.pk}/erase/").status_code == 404
    customer.refresh_from_db()
    assert not customer.name_en.startswith("Anonymised")
    assert not Erasure.objects.exists()


def test_the_breach_register_and_processors(client, privacy_officer):
    client.force_login(privacy_officer)
    response = client.post(
        "/privacy/breaches/new/",
        {
            "title": "Lost tablet at Central",
            "detected_at": "2026-11-20T09:00",
            "data_kinds": "names, phones",
            "people_affected": 40,
            "risk": "real",
        },
    )
    assert response.status_code == 302
    assert Breach.objects.get().recorded_by == privacy_officer
    assert "Lost tablet" in client.get("/privacy/").content.decode()
    client.post(
        "/privacy/processors/new/",
        {
            "name": "SMS Gateway Ltd",
            "service": "SMS sending",
            "location": "Singapore",
            "clause_retention": "on",
            "clause_security": "on",
            "transfer_mechanism": "rmc_2022",
            "active": "on",
        },
    )
    assert Processor.objects.get().clauses_complete
    assert "SMS Gateway Ltd" in client.get("/privacy/processors/").content.decode()


def test_others_cannot_see_or_write_the_breach_register(client, supervisor):
    client.force_login(supervisor)
    assert client.get("/privacy/breaches/").status_code == 404
    response = client.post("/privacy/breaches/new/", {"title": "x", "detected_at": "2026-11-20T09:00"})
    assert response.status_code == 404
    assert client.post("/privacy/processors/new/", {"name": "x"}).status_code == 404
    assert not Breach.objects.exists()
    assert not Processor.objects.exists()
