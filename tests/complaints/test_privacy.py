"""Complaints in the personal-data registry: exported with the customer's data, anonymised on request."""

from complaints import services
from complaints.models import Complaint, ComplaintEvent, SatisfactionSurvey
from privacy.registry import Category, registry
from tests.complaints.conftest import put_in_status


def test_complaint_models_are_registered_as_complaints_data():
    for model in (Complaint, ComplaintEvent, SatisfactionSurvey):
        assert registry.get(model).category == Category.COMPLAINTS


def test_export_and_anonymise_a_customers_complaints(complaint, manager):
    services.complaint_acknowledge(by=manager, complaint_id=complaint.pk, expected_version=1, note="Rang Mr Chan")
    put_in_status(complaint, Complaint.Status.RESOLVED)
    survey = services.survey_send(complaint=complaint)
    services.survey_answer(token=services.survey_token(survey), score=2, comment="Mr Chan was unhappy")
    customer_pk = complaint.customer_id
    # export: every complaint row of the customer, the survey without its nonce
    exported = registry.get(Complaint).export_rows(customer_pk)
    assert [row["subject"] for row in exported] == [complaint.subject]
    assert "nonce" not in registry.get(SatisfactionSurvey).export_rows(customer_pk)[0]
    # anonymise: contact details and free text go; the figures stay
    for model in (ComplaintEvent, SatisfactionSurvey, Complaint):
        registry.get(model).anonymise_rows(customer_pk)
    complaint.refresh_from_db()
    assert (complaint.contact_name, complaint.contact_email, complaint.description) == ("Anonymised", "", "")
    assert complaint.status == Complaint.Status.RESOLVED
    assert not ComplaintEvent.objects.filter(complaint=complaint).exclude(note="").exists()
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (2, "")
