"""The Part 6A consent ledger, the collection records and the suppression list."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

APPEND_ONLY = _("The consent ledger is append-only: record a new event instead.")


class Purpose(models.TextChoices):
    DIRECT_MARKETING = "direct_marketing", _("Use in direct marketing")
    PROVISION = "provision", _("Provision to third parties for their marketing")


class SubjectClass(models.TextChoices):
    NEW_RELEASES = "new_releases", _("New watch releases")
    SERVICING = "servicing", _("Servicing offers")
    EVENTS = "events", _("Events")
    PARTNER_BRANDS = "partner_brands", _("Partner brands")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone call")
    POST = "post", _("Post")
    MESSAGING = "messaging", _("Messaging app")


class DataKind(models.TextChoices):
    NAME = "name", _("Name")
    MOBILE = "mobile", _("Mobile phone number")
    EMAIL = "email", _("E-mail address")
    ADDRESS = "address", _("Postal address")
    PURCHASES = "purchases", _("Purchase history")


# The kind of personal data each channel uses to reach the person.
CHANNEL_DATA_KIND = {
    Channel.EMAIL: DataKind.EMAIL,
    Channel.SMS: DataKind.MOBILE,
    Channel.PHONE: DataKind.MOBILE,
    Channel.MESSAGING: DataKind.MOBILE,
    Channel.POST: DataKind.ADDRESS,
}


class Method(models.TextChoices):
    SIGNED_FORM = "signed_form", _("Signed form in store")
    ONLINE = "online", _("Online")
    WRITTEN = "written", _("Letter or e-mail from the customer")
    ORAL_PHONE = "oral_phone", _("Orally, by phone")
    ORAL_IN_STORE = "oral_in_store", _("Orally, in store")
    OPT_OUT_LINK = "opt_out_link", _("Opt-out link in a message")
    OPT_OUT_PAGE = "opt_out_page", _("Public opt-out page")
    STAFF = "staff", _("Recorded by staff at the customer's request")


ORAL_METHODS = (Method.ORAL_PHONE, Method.ORAL_IN_STORE)
WRITTEN_METHODS = (Method.SIGNED_FORM, Method.ONLINE, Method.WRITTEN)
GRANT_METHODS = (*WRITTEN_METHODS, *ORAL_METHODS)
ORAL_CONFIRMATION_DAYS = 14


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(APPEND_ONLY)

    def delete(self):
        raise ValidationError(APPEND_ONLY)


class ConsentEventQuerySet(AppendOnlyQuerySet):
    def for_customer(self, customer_pk):
        return self.filter(customer_id=customer_pk)


class ConsentEvent(models.Model):
    """One consent or withdrawal for one purpose × class of marketing subject × channel.

    Append-only (the database refuses to delete a row or to change what it says; a merge of
    duplicate records may move it to the surviving record, erasure may blank the note and
    the evidence). A blank class or channel on a withdrawal means "all of them".
    """

    class Action(models.TextChoices):
        GRANTED = "granted", _("Granted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    customer = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="consent_events",
    )
    batch = models.UUIDField(_("capture"), db_index=True, help_text=_("Events recorded together share it."))
    purpose = models.CharField(_("purpose"), max_length=24, choices=Purpose)
    subject_class = models.CharField(_("class of marketing subjects"), max_length=24, choices=SubjectClass, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel, blank=True)
    data_kinds = models.JSONField(_("kinds of personal data"), default=list, blank=True)
    transferee_class = models.CharField(_("class of transferees"), max_length=120, blank=True)
    for_gain = models.BooleanField(_("for gain"), default=False)
    action = models.CharField(_("granted or withdrawn"), max_length=16, choices=Action)
    method = models.CharField(_("how"), max_length=16, choices=Method)
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notice = models.ForeignKey(
        "privacy.Notice",
        verbose_name=_("notice version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consent_events",
    )
    evidence = models.FileField(_("evidence"), upload_to="privacy/consent/%Y/%m/", blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    objects = ConsentEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent ledger")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "purpose", "occurred_at"], name="consent_customer_purpose_at"),
        ]
        permissions = [
            ("record_consent", _("Can record consent and opt-outs")),
            ("view_contact_list", _("Can see who may be contacted for direct marketing")),
        ]

    def __str__(self):
        return f"#{self.customer_id} {self.action} {self.purpose} {self.subject_class or '*'} {self.channel or '*'}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(APPEND_ONLY)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(APPEND_ONLY)

    @property
    def is_oral(self) -> bool:
        return self.method in ORAL_METHODS


class OralConfirmation(models.Model):
    """The written confirmation of an oral consent (s.35E(1)(b)): until it is sent the consent
    is not usable, and if it is not sent within 14 days the consent lapses."""

    customer = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="oral_confirmations",
    )
    batch = models.UUIDField(_("capture"), unique=True)
    sent_at = models.DateTimeField(_("sent"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    body = models.TextField(_("text sent"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("oral consent confirmation")
        verbose_name_plural = _("oral consent confirmations")

    def __str__(self):
        return f"#{self.customer_id} {self.sent_at:%Y-%m-%d}"


class Suppression(models.Model):
    """An opted-out contact point, kept only as a keyed hash (HMAC-SHA256): it survives the
    erasure of the customer, so a re-import or a new record with that phone or e-mail is
    not contactable."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    key_hash = models.CharField(_("keyed hash"), max_length=64, db_index=True)
    method = models.CharField(_("how"), max_length=16, choices=Method)
    created_at = models.DateTimeField(_("since"), db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("suppressed contact point")
        verbose_name_plural = _("suppression list")
        constraints = [models.UniqueConstraint(fields=["kind", "key_hash"], name="suppression_unique")]

    def __str__(self):
        return f"{self.kind} {self.key_hash[:12]}…"


class CollectionRecord(models.Model):
    """Which notice version applied when a customer's data was collected, where and by whom."""

    class Point(models.TextChoices):
        FORM = "form", _("Customer form")
        IMPORT = "import", _("Import")
        COMPLAINT = "complaint", _("Public complaint form")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="collection_records",
    )
    notice = models.ForeignKey(
        "privacy.Notice",
        verbose_name=_("notice version"),
        on_delete=models.PROTECT,
        null=True,
        related_name="collection_records",
    )
    point = models.CharField(_("collection point"), max_length=16, choices=Point)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    collected_at = models.DateTimeField(_("when"), db_index=True)

    class Meta:
        verbose_name = _("collection record")
        verbose_name_plural = _("collection records")
        ordering = ["-collected_at", "-id"]

    def __str__(self):
        return f"#{self.customer_id} {self.point} {self.collected_at:%Y-%m-%d}"
