"""What the complaints app holds about a person, for the privacy registry.

A complaint is kept (its figures count in SLA reports) but anonymising blanks the
complainant's contact details and every free text that may describe them; events and
survey comments go with it (their free text is blanked too).
"""

from complaints.models import Complaint, ComplaintEvent, SatisfactionSurvey
from privacy.registry import Category, register


def anonymise_complaints(queryset) -> int:
    ComplaintEvent.objects.filter(complaint__in=queryset.values("pk")).update(note="")
    SatisfactionSurvey.objects.filter(complaint__in=queryset.values("pk")).update(comment="")
    return queryset.update(
        contact_name="Anonymised",
        contact_phone="",
        contact_email="",
        subject="—",
        description="",
        corrective_action="",
        resolution_summary="",
    )


register(
    Complaint,
    category=Category.COMPLAINTS,
    customer_path="customer",
    sensitive_fields=("description",),
    anonymise=anonymise_complaints,
    description="Complaints: what happened, contact details given, resolution and goodwill.",
)
register(
    ComplaintEvent,
    category=Category.COMPLAINTS,
    customer_path="complaint__customer",
    anonymise=lambda qs: qs.update(note=""),
    description="The timeline of each complaint: who did what, and their notes.",
)
register(
    SatisfactionSurvey,
    category=Category.COMPLAINTS,
    customer_path="complaint__customer",
    exclude_from_export=("nonce",),
    kept_fields=("nonce",),  # a random token, nothing about the person
    anonymise=lambda qs: qs.update(comment=""),
    description="Satisfaction survey answers after a complaint (score and comment).",
)
