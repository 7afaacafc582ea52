"""Writes to leads (prospects): create, edit, status, their interactions and tasks, and conversion.

Converting a lead creates the customer through ``customer_create`` (which writes the
privacy CREATE row), or links the lead to an existing customer, and moves the lead's
interactions and follow-up tasks to that customer, all in one transaction.
"""

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import privacy.services
from crm_site import roles
from customers.models import Customer, FollowUpTask, Interaction, Lead, Relationship, Store
from customers.phones import phone_to_e164
from customers.selectors.leads import (
    LEAD_SOURCE_TO_ACQUISITION,
    lead_default_account_manager,
    lead_duplicates_for_user,
    lead_editable_by,
)
from customers.services.customer import CUSTOMER_EDITABLE_FIELDS, customer_create
from privacy.models import AccessLog

LEAD_EDITABLE_FIELDS = (
    "name_en",
    "name_zh",
    "mobile_phone",
    "email",
    "source",
    "campaign",
    "referred_by",
    "store",
    "owner",
    "interest",
    "notes",
)
# Statuses a person may set by hand; "converted" only comes from lead_convert.
LEAD_MANUAL_STATUSES = (Lead.Status.CONTACTED, Lead.Status.QUALIFIED, Lead.Status.LOST)
# An interaction may be logged a little ahead of the server clock, not in the future.
INTERACTION_CLOCK_SKEW = timedelta(minutes=5)
CONVERT_VIEW_NAME = "customers:lead-convert"


# --- rules shared by create and update -----------------------------------------


def _pk_of(value):
    return getattr(value, "pk", value)


def _lead_referrer(*, by, source: str, referred_by) -> Customer | None:
    """A referral names the referring customer, who must be one ``by`` can see; only a referral has one."""
    referrer_id = _pk_of(referred_by)
    if source == Lead.Source.REFERRAL and referrer_id is None:
        raise ValidationError({"referred_by": _("A referral needs the customer who referred them.")})
    if referrer_id is None:
        return None
    if source != Lead.Source.REFERRAL:
        raise ValidationError(
            {"referred_by": _("Only a referral has a referring customer: set the source to referral, or clear this.")}
        )
    referrer = Customer.objects.visible_to(by).filter(pk=referrer_id).first()
    if referrer is None:
        raise ValidationError({"referred_by": _("Choose a referring customer of your own stores.")})
    return referrer


def _lead_store_check(*, by, store) -> None:
    if store is None or not Store.objects.of_user(by).filter(pk=_pk_of(store)).exists():
        raise ValidationError({"store": _("You can only add leads to your own stores.")})


def _lead_owner_check(*, by, store, owner) -> None:
    """An account manager's leads are theirs (or unassigned); an owner is an account manager of the store."""
    if owner is None:
        return
    if roles.keeps_own_book_only(by) and owner != by:
        raise ValidationError({"owner": _("You can only take leads yourself or leave them unassigned.")})
    if (
        not owner.is_active
        or roles.ACCOUNT_MANAGER not in roles.user_roles(owner)
        or not store.staff.filter(pk=owner.pk).exists()
    ):
        raise ValidationError({"owner": _("Choose an account manager who works at the lead's store.")})


def _normalised_contact(lead: Lead) -> None:
    """Phone to E.164 and e-mail to lower case, with field errors a form can show."""
    errors = {}
    try:
        lead.mobile_phone = phone_to_e164(lead.mobile_phone)
    except ValidationError as exc:
        errors["mobile_phone"] = exc
    lead.email = (lead.email or "").strip().lower()
    lead.name_en = (lead.name_en or "").strip()
    lead.name_zh = (lead.name_zh or "").strip()
    if not lead.name_en and not lead.name_zh:
        errors["name_en"] = _("Enter an English or a Chinese name.")
    if errors:
        raise ValidationError(errors)


def _lead_locked_for(*, by, lead_id: int, perm: str, message: str) -> Lead:
    """The lead, locked, if ``by`` may change it: the same refusal for missing and forbidden."""
    lead = lead_editable_by(by).select_for_update().filter(pk=lead_id).first()
    if lead is None or not by.has_perm(perm):
        raise PermissionDenied(message)
    return lead


def _refuse_if_converted(lead: Lead, message: str) -> None:
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError(message, code="converted")


# --- create, update, status ------------------------------------------------------


@transaction.atomic
def lead_create(
    *,
    by,
    name_en: str = "",
    name_zh: str = "",
    mobile_phone: str = "",
    email: str = "",
    source: str,
    campaign: str = "",
    referred_by=None,
    store,
    owner=None,
    interest: str = "",
    notes: str = "",
) -> Lead:
    """A new lead at one of ``by``'s stores; an account manager's new leads are theirs."""
    if not by.has_perm("customers.add_lead"):
        raise PermissionDenied(_("You may not add leads."))
    _lead_store_check(by=by, store=store)
    if owner is None and roles.ACCOUNT_MANAGER in roles.user_roles(by):
        owner = by
    _lead_owner_check(by=by, store=store, owner=owner)
    lead = Lead(
        name_en=name_en,
        name_zh=name_zh,
        mobile_phone=mobile_phone,
        email=email,
        source=source,
        campaign=campaign.strip(),
        referred_by=_lead_referrer(by=by, source=source, referred_by=referred_by),
        store=store,
        owner=owner,
        interest=interest.strip(),
        notes=notes,
    )
    _normalised_contact(lead)
    lead.full_clean()
    lead.save()
    return lead


@transaction.atomic
def lead_update(*, by, lead_id: int, **fields) -> Lead:
    """Change the fields named in LEAD_EDITABLE_FIELDS; status has its own service."""
    unknown = set(fields) - set(LEAD_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"lead_update() got fields it cannot change: {', '.join(sorted(unknown))}")
    lead = _lead_locked_for(
        by=by, lead_id=lead_id, perm="customers.change_lead", message=_("You may not edit this lead.")
    )
    _refuse_if_converted(lead, _("This lead is already a customer: edit the customer's record instead."))
    changed = set()
    for name, value in fields.items():
        model_field = Lead._meta.get_field(name)
        if model_field.is_relation:
            # A foreign key may be given as an instance or as an id (None clears it).
            if getattr(lead, model_field.attname) != _pk_of(value):
                setattr(lead, model_field.attname, _pk_of(value))
                changed.add(name)
        elif getattr(lead, name) != value:
            setattr(lead, name, value)
            changed.add(name)
    if "store" in changed:
        _lead_store_check(by=by, store=lead.store)
    if {"store", "owner"} & changed:
        _lead_owner_check(by=by, store=lead.store, owner=lead.owner)
    if {"source", "referred_by"} & changed:
        lead.referred_by = _lead_referrer(by=by, source=lead.source, referred_by=lead.referred_by_id)
    _normalised_contact(lead)
    lead.full_clean()
    lead.save()
    return lead


@transaction.atomic
def lead_set_status(*, by, lead_id: int, status: str) -> Lead:
    """Contacted, qualified or lost; a lead becomes "converted" only by converting it."""
    lead = _lead_locked_for(
        by=by, lead_id=lead_id, perm="customers.change_lead", message=_("You may not edit this lead.")
    )
    _refuse_if_converted(lead, _("This lead is already a customer: its status cannot change."))
    if status == Lead.Status.CONVERTED:
        raise ValidationError(
            _("A lead becomes a customer only through “Convert to customer”."), code="convert_by_hand"
        )
    if status not in LEAD_MANUAL_STATUSES:
        raise ValidationError(
            _("Choose contacted, qualified or lost."), code="invalid_status", params={"status": status}
        )
    if lead.status != status:
        lead.status = status
        lead.save(update_fields=["status", "updated_at"])
    return lead


# --- the lead's own history ------------------------------------------------------


@transaction.atomic
def lead_interaction_log(
    *, by, lead_id: int, kind: str, occurred_at: datetime, summary: str, outcome: str = ""
) -> Interaction:
    """Record a visit, call or message with a lead. A new lead becomes "contacted"."""
    lead = _lead_locked_for(
        by=by,
        lead_id=lead_id,
        perm="customers.add_interaction",
        message=_("You may not log interactions with this lead."),
    )
    _refuse_if_converted(lead, _("This lead is now a customer: log the interaction on the customer's record."))
    if timezone.is_naive(occurred_at):
        raise ValueError("occurred_at must be timezone-aware")
    if occurred_at > timezone.now() + INTERACTION_CLOCK_SKEW:
        raise ValidationError({"occurred_at": _("An interaction cannot be in the future.")})
    interaction = Interaction(
        lead=lead, customer=None, kind=kind, occurred_at=occurred_at, staff=by, summary=summary.strip(), outcome=outcome
    )
    interaction.full_clean()
    interaction.save()
    if lead.status == Lead.Status.NEW:
        lead.status = Lead.Status.CONTACTED
        lead.save(update_fields=["status", "updated_at"])
    return interaction


@transaction.atomic
def lead_task_create(
    *, by, lead_id: int, title: str, due_on: date, assignee=None, interaction_id: int | None = None
) -> FollowUpTask:
    """A follow-up task about a lead, for ``by`` unless given to someone working at the lead's store."""
    lead = _lead_locked_for(
        by=by,
        lead_id=lead_id,
        perm="customers.add_followuptask",
        message=_("You may not add tasks to this lead."),
    )
    _refuse_if_converted(lead, _("This lead is now a customer: add the task on the customer's record."))
    assignee = assignee or by
    if assignee != by and (not assignee.is_active or not lead.store.staff.filter(pk=assignee.pk).exists()):
        raise ValidationError({"assignee": _("Choose someone who works at the lead's store.")})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": _("Choose today or a later date.")})
    if interaction_id is not None and not Interaction.objects.filter(pk=interaction_id, lead=lead).exists():
        raise ValidationError(_("That interaction is not one of this lead's."))
    task = FollowUpTask(
        lead=lead,
        customer=None,
        interaction_id=interaction_id,
        title=title.strip(),
        due_on=due_on,
        assignee=assignee,
        created_by=by,
    )
    task.full_clean()
    task.save()
    return task


# --- conversion ----------------------------------------------------------------


def _current_customer(customer: Customer) -> Customer:
    """Follow a merged record to the customer it was merged into."""
    seen = set()
    while customer.merged_into_id and customer.pk not in seen:
        seen.add(customer.pk)
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


def _duplicate_refusal(duplicates) -> ValidationError:
    if duplicates.linkable_ids:
        message = _(
            "The duplicate check found a customer with this phone number or e-mail. "
            "Link the lead to that customer instead of creating a second record."
        )
    elif duplicates.visible:
        message = _(
            "The duplicate check found a customer with this phone number or e-mail in another account "
            "manager's book. Ask them or a supervisor to link the lead to that customer."
        )
    else:
        message = _(
            "The duplicate check found a customer with this phone number or e-mail at a store you cannot see. "
            "Ask a supervisor or an admin to look before converting."
        )
    return ValidationError(message, code="duplicate")


def _customer_data(*, lead: Lead, home_store, account_manager, overrides: dict) -> dict:
    unknown = set(overrides) - set(CUSTOMER_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"lead_convert() got customer fields it does not know: {', '.join(sorted(unknown))}")
    home_store = home_store or lead.store
    data = {
        "name_en": lead.name_en,
        "name_zh": lead.name_zh,
        "mobile_phone": lead.mobile_phone,
        "email": lead.email,
        "acquisition_source": LEAD_SOURCE_TO_ACQUISITION[lead.source],
        **overrides,
        "home_store": home_store,
        # The lead's owner keeps the customer when they are an account manager of its store;
        # otherwise customer_create's own rules apply (an account manager's customers are theirs).
        "account_manager": account_manager or lead_default_account_manager(lead=lead, store=home_store),
    }
    try:
        data["mobile_phone"] = phone_to_e164(data["mobile_phone"])
    except ValidationError as exc:
        raise ValidationError({"mobile_phone": exc}) from exc
    data["email"] = (data["email"] or "").strip().lower()
    return data


def _linkable_customer(*, by, customer_id: int) -> Customer:
    customer = Customer.objects.editable_by(by).select_for_update().filter(pk=customer_id).first()
    if customer is None or not by.has_perm("customers.change_customer"):
        raise ValidationError(
            _("You can only link the lead to a customer you may edit: ask their account manager or a supervisor."),
            code="link_forbidden",
        )
    earlier = Lead.objects.filter(converted_customer=customer).first()
    if earlier is not None:
        raise ValidationError(
            _("%(customer)s already came from another lead (%(lead)s); a customer can come from one lead only."),
            code="link_taken",
            params={"customer": customer.display_name, "lead": str(earlier)},
        )
    return customer


@transaction.atomic
def lead_convert(
    *,
    by,
    lead_id: int,
    home_store=None,
    account_manager=None,
    link_existing_customer_id: int | None = None,
    **customer_overrides,
) -> Customer:
    """Make the lead a customer and move its history to them, in one transaction.

    A new customer is made with ``customer_create`` from the lead's name, phone and e-mail
    (``customer_overrides`` replaces any customer field), at ``home_store`` (default: the
    lead's store) with ``account_manager`` (default: the lead's owner when an account
    manager of that store). If the lead's phone or e-mail already belongs to a customer,
    the conversion is refused: pass ``link_existing_customer_id`` to convert the lead to
    that (editable) customer instead, which changes none of their fields.
    The lead's interactions and tasks move to the customer, the referrer is credited
    with a referral relationship, and the lead is marked converted.
    """
    if not (by.has_perm("customers.change_lead") and by.has_perm("customers.add_customer")):
        raise PermissionDenied(_("You may not convert leads."))
    lead = _lead_locked_for(
        by=by, lead_id=lead_id, perm="customers.change_lead", message=_("You may not convert this lead.")
    )
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError(
            _("This lead was already converted to a customer on %(date)s."),
            code="already_converted",
            params={"date": timezone.localdate(lead.converted_at).isoformat()},
        )

    if link_existing_customer_id is not None:
        customer = _linkable_customer(by=by, customer_id=link_existing_customer_id)
        privacy.services.access_record(
            user=by,
            customer=customer,
            action=AccessLog.Action.EDIT,
            view_name=CONVERT_VIEW_NAME,
            reason=f"lead {lead.pk} linked",
        )
    else:
        data = _customer_data(
            lead=lead, home_store=home_store, account_manager=account_manager, overrides=customer_overrides
        )
        duplicates = lead_duplicates_for_user(user=by, mobile_phone=data["mobile_phone"], email=data["email"])
        if duplicates:
            raise _duplicate_refusal(duplicates)
        customer = customer_create(by=by, view_name=CONVERT_VIEW_NAME, **data)

    # The history moves in two UPDATEs; each sets both columns, as the one-subject check requires.
    Interaction.objects.filter(lead=lead).update(lead=None, customer=customer)
    FollowUpTask.objects.filter(lead=lead).update(lead=None, customer=customer)

    if lead.referred_by_id:
        referrer = _current_customer(lead.referred_by)
        if referrer.pk != customer.pk:
            Relationship.objects.get_or_create(
                from_customer=referrer,
                to_customer=customer,
                kind=Relationship.Kind.REFERRAL,
                defaults={"role": "referred", "since": timezone.localdate(lead.created_at)},
            )

    lead.status = Lead.Status.CONVERTED
    lead.converted_customer = customer
    lead.converted_at = timezone.now()
    lead.save(update_fields=["status", "converted_customer", "converted_at", "updated_at"])
    return customer


@transaction.atomic
def lead_create_from_enquiry(
    *, name: str, mobile_phone: str = "", email: str = "", store, interest: str = "", notes: str = ""
) -> Lead:
    """A lead from a public web form (no member of staff): unassigned, at ``store``, for staff to confirm.

    Nobody is matched or merged here: staff link the lead to a customer or convert it.
    """
    lead = Lead(
        name_en=name,
        mobile_phone=mobile_phone,
        email=email,
        source=Lead.Source.ONLINE,
        store=store,
        owner=None,
        interest=interest.strip()[:200],
        notes=notes,
    )
    _normalised_contact(lead)
    lead.full_clean()
    lead.save()
    return lead
