"""Satisfaction surveys: a signed link that expires and can be answered once.

The link carries the survey's id and a random nonce, signed with the site's secret
(``django.core.signing``): it cannot be forged or pointed at another survey, and a new
survey for the same complaint (after a reopening) makes the old link useless.
"""

import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import Complaint, ComplaintEvent, SatisfactionSurvey

SALT = "complaints.survey"


class SurveyLinkInvalid(Exception):
    """The link is forged, expired or already used; ``str(exc)`` says which, for the public page."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


def survey_token(survey: SatisfactionSurvey) -> str:
    return signing.dumps({"s": survey.pk, "n": survey.nonce}, salt=SALT, compress=True)


def survey_url(survey: SatisfactionSurvey) -> str:
    return reverse("complaints:survey", kwargs={"token": survey_token(survey)})


def _recipient(complaint: Complaint) -> tuple[str, str]:
    """(e-mail, language) of the complainant."""
    if complaint.customer_id:
        return complaint.customer.email, complaint.customer.preferred_language
    return complaint.contact_email or (complaint.lead.email if complaint.lead_id else ""), "en"


def survey_send(*, complaint: Complaint) -> SatisfactionSurvey:
    """A new survey for a resolved complaint; e-mailed (after the commit) when there is an address."""
    now = timezone.now()
    survey = SatisfactionSurvey.objects.create(
        complaint=complaint,
        nonce=secrets.token_hex(16),
        expires_at=now + timedelta(days=settings.COMPLAINTS_SURVEY_VALID_DAYS),
    )
    email, language = _recipient(complaint)
    link = settings.CRM_BASE_URL.rstrip("/") + survey_url(survey)
    with translation.override(language):
        subject = _("How did we handle your complaint %(ref)s?") % {"ref": complaint.reference}
        body = _(
            "Thank you for letting us put things right. Please tell us how satisfied you are "
            "with how we handled your complaint (one question, one minute):\n\n%(link)s\n\n"
            "The link works once and until %(date)s."
        ) % {"link": link, "date": timezone.localdate(survey.expires_at).isoformat()}
    if email:
        transaction.on_commit(
            partial(send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True)
        )
    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=ComplaintEvent.Kind.SURVEY,
        at=now,
        note=_("Satisfaction survey sent to %(email)s.") % {"email": email}
        if email
        else _("Satisfaction survey ready (no e-mail address: give the customer the link)."),
    )
    return survey


def survey_from_token(token: str, *, lock: bool = False) -> SatisfactionSurvey:
    """The survey a link points at, if it may still be answered; else SurveyLinkInvalid."""
    try:
        data = signing.loads(token, salt=SALT, max_age=timedelta(days=settings.COMPLAINTS_SURVEY_VALID_DAYS))
    except signing.SignatureExpired as exc:
        raise SurveyLinkInvalid(_("This survey link has expired."), code="expired") from exc
    except signing.BadSignature as exc:
        raise SurveyLinkInvalid(_("This survey link is not valid."), code="forged") from exc
    queryset = SatisfactionSurvey.objects.select_related("complaint")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    survey = queryset.filter(pk=data.get("s"), nonce=data.get("n")).first() if isinstance(data, dict) else None
    if survey is None:
        raise SurveyLinkInvalid(_("This survey link is not valid."), code="forged")
    if survey.answered_at is not None:
        raise SurveyLinkInvalid(_("This survey has already been answered. Thank you!"), code="used")
    if survey.expires_at <= timezone.now():
        raise SurveyLinkInvalid(_("This survey link has expired."), code="expired")
    return survey


@transaction.atomic
def survey_answer(*, token: str, score: int, comment: str = "") -> SatisfactionSurvey:
    """Record the customer's answer, once; it joins the complaint's timeline."""
    survey = survey_from_token(token, lock=True)
    if score not in range(1, 6):
        raise ValidationError({"score": _("Choose from 1 (very dissatisfied) to 5 (very satisfied).")})
    now = timezone.now()
    survey.score = score
    survey.comment = (comment or "").strip()[:2000]
    survey.answered_at = now
    survey.save(update_fields=["score", "comment", "answered_at"])
    ComplaintEvent.objects.create(
        complaint=survey.complaint,
        kind=ComplaintEvent.Kind.SURVEY,
        at=now,
        note=_("Customer satisfaction %(score)s/5. %(comment)s") % {"score": score, "comment": survey.comment},
    )
    return survey
