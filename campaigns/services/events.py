"""Writes of events and focus groups: create, invite (a campaign through the contact gate), RSVP by
single-use link, attendance, feedback, leads met at the event; and brands' co-funding."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import (
    Campaign,
    CoFunding,
    Event,
    EventLead,
    EventQuestion,
    FeedbackAnswer,
    Invitation,
)
from campaigns.services.campaigns import campaign_create, campaign_schedule
from customers.models import Customer, Lead
from customers.services.leads import lead_create
from privacy.models.consent import SubjectClass


def _check(by, perm: str, message: str):
    if not by.has_perm(perm):
        raise PermissionDenied(message)


@transaction.atomic
def event_create(*, by, questions: list[tuple[str, str]] = (), **data) -> Event:
    """A new event; ``questions`` are (text, kind) for structured feedback."""
    _check(by, "campaigns.add_event", _("You may not create events."))
    event = Event(created_by=by, **data)
    event.full_clean()
    event.save()
    EventQuestion.objects.bulk_create(
        EventQuestion(event=event, order=n, text=text, kind=kind) for n, (text, kind) in enumerate(questions)
    )
    return event


@transaction.atomic
def event_invite(*, by, event_id: int) -> Campaign:
    """Send the invitations: a campaign about events to the event's segment, scheduled now. Whom it
    reaches is decided by the contact gate when it sends."""
    _check(by, "campaigns.change_event", _("You may not send invitations."))
    event = Event.objects.select_for_update().get(pk=event_id)
    if Campaign.objects.filter(event=event).exists():
        raise ValidationError(_("The invitations to this event have already been sent."))
    campaign = campaign_create(
        by=by,
        name=_("Invitation: %(event)s") % {"event": event.name},
        segment=event.segment,
        subject_class=SubjectClass.EVENTS,
        channel=event.channel,
        subject_en=event.name,
        subject_zh=event.name,
        body_en=event.invitation_en,
        body_zh=event.invitation_zh,
        control_share=0,
        cost=0,  # the event's cost is counted on the event
        event=event,
    )
    return campaign_schedule(by=by, campaign_id=campaign.pk)


def invitation_for_send(*, event_id: int, customer_id: int) -> Invitation:
    """The customer's invitation (made when their message goes out), with its RSVP token."""
    invitation, _created = Invitation.objects.get_or_create(
        event_id=event_id,
        customer_id=customer_id,
        defaults={"token": secrets.token_urlsafe(32), "invited_at": timezone.now()},
    )
    return invitation


@transaction.atomic
def rsvp_answer(*, token: str, accept: bool, at=None) -> Invitation:
    """The customer's answer through the public link: once only. Accepting a full event puts the
    customer on the waiting list."""
    at = at or timezone.now()
    invitation = Invitation.objects.select_for_update().filter(token=token).first()
    if invitation is None:
        raise Invitation.DoesNotExist
    if invitation.response:
        raise ValidationError(_("This invitation has already been answered."))
    event = Event.objects.select_for_update().get(pk=invitation.event_id)
    if accept:
        taken = event.invitations.filter(response=Invitation.Response.ACCEPTED).count()
        invitation.response = Invitation.Response.ACCEPTED if taken < event.capacity else Invitation.Response.WAITLISTED
    else:
        invitation.response = Invitation.Response.DECLINED
    invitation.responded_at = at
    invitation.save(update_fields=["response", "responded_at"])
    return invitation


def _invitation_for(by, invitation_id, perm):
    _check(by, perm, _("You may not record this."))
    invitation = (
        Invitation.objects.select_for_update()
        .filter(pk=invitation_id, customer__in=Customer.objects.visible_to(by))
        .first()
    )
    if invitation is None:
        raise PermissionDenied(_("You may not record this."))
    return invitation


@transaction.atomic
def attendance_mark(*, by, invitation_id: int, attended: bool) -> Invitation:
    invitation = _invitation_for(by, invitation_id, "campaigns.change_invitation")
    invitation.attended = attended
    invitation.attendance_by = by
    invitation.attendance_at = timezone.now()
    invitation.save(update_fields=["attended", "attendance_by", "attendance_at"])
    return invitation


@transaction.atomic
def feedback_record(*, by, invitation_id: int, answers: dict[int, object]) -> list[FeedbackAnswer]:
    """Record (or correct) an attendee's answers: {question id: score or text}."""
    invitation = _invitation_for(by, invitation_id, "campaigns.add_feedbackanswer")
    questions = {q.pk: q for q in invitation.event.questions.all()}
    saved = []
    for question_id, value in answers.items():
        question = questions.get(int(question_id))
        if question is None or value in (None, ""):
            continue
        fields = {"score": None, "text": ""}
        if question.kind == EventQuestion.Kind.SCORE:
            if int(value) not in range(1, 6):
                raise ValidationError(_("A score is from 1 to 5."))
            fields["score"] = int(value)
        else:
            fields["text"] = str(value).strip()
        answer, _created = FeedbackAnswer.objects.update_or_create(
            invitation=invitation, question=question, defaults=fields
        )
        saved.append(answer)
    return saved


@transaction.atomic
def event_lead_create(*, by, event_id: int, **lead_fields) -> Lead:
    """A lead met at the event, made through the customers app's lead service with the event as source."""
    _check(by, "campaigns.add_eventlead", _("You may not record leads at events."))
    event = Event.objects.get(pk=event_id)
    source = Lead.Source.FOCUS_GROUP if event.kind == Event.Kind.FOCUS_GROUP else Lead.Source.EVENT
    lead = lead_create(by=by, source=source, campaign=event.name, store=event.store, **lead_fields)
    EventLead.objects.create(event=event, lead=lead)
    return lead


def cofunding_add(*, by, brand, share, budget, campaign=None, event=None, note: str = "") -> CoFunding:
    _check(by, "campaigns.add_cofunding", _("You may not record co-funding."))
    funding = CoFunding(brand=brand, share=share, budget=budget, campaign=campaign, event=event, note=note)
    if (campaign is None) == (event is None):
        raise ValidationError(_("A co-funding is for one campaign or one event."))
    funding.full_clean()
    funding.save()
    return funding
