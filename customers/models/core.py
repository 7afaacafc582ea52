import calendar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm_site.models import BaseModel
from customers.phones import phone_display, phone_to_e164
from customers.querysets import CustomerQuerySet, StoreQuerySet


class District(models.TextChoices):
    """Hong Kong's 18 districts, as used for addresses."""

    CENTRAL_WESTERN = "central_western", _("Central and Western")
    WAN_CHAI = "wan_chai", _("Wan Chai")
    EASTERN = "eastern", _("Eastern")
    SOUTHERN = "southern", _("Southern")
    YAU_TSIM_MONG = "yau_tsim_mong", _("Yau Tsim Mong")
    SHAM_SHUI_PO = "sham_shui_po", _("Sham Shui Po")
    KOWLOON_CITY = "kowloon_city", _("Kowloon City")
    WONG_TAI_SIN = "wong_tai_sin", _("Wong Tai Sin")
    KWUN_TONG = "kwun_tong", _("Kwun Tong")
    KWAI_TSING = "kwai_tsing", _("Kwai Tsing")
    TSUEN_WAN = "tsuen_wan", _("Tsuen Wan")
    TUEN_MUN = "tuen_mun", _("Tuen Mun")
    YUEN_LONG = "yuen_long", _("Yuen Long")
    NORTH = "north", _("North")
    TAI_PO = "tai_po", _("Tai Po")
    SHA_TIN = "sha_tin", _("Sha Tin")
    SAI_KUNG = "sai_kung", _("Sai Kung")
    ISLANDS = "islands", _("Islands")
    OUTSIDE_HK = "outside_hk", _("Outside Hong Kong")


class Store(BaseModel):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=128)
    name_zh = models.CharField(_("Chinese name"), max_length=128, blank=True)
    district = models.CharField(_("district"), max_length=32, choices=District, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("staff"), related_name="stores", blank=True)

    objects = StoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Customer(BaseModel):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        COMPANY = "company", _("Company")

    class Salutation(models.TextChoices):
        NONE = "", _("—")
        MR = "mr", _("Mr")
        MS = "ms", _("Ms")
        MRS = "mrs", _("Mrs")
        MISS = "miss", _("Miss")
        DR = "dr", _("Dr")

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        CHINESE = "zh-hant", _("Traditional Chinese")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone call")
        SMS = "sms", _("SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")
        EMAIL = "email", _("E-mail")
        POST = "post", _("Post")

    class Source(models.TextChoices):
        WALK_IN = "walk_in", _("Walk-in")
        REFERRAL = "referral", _("Referral")
        EVENT = "event", _("Event")
        ONLINE = "online", _("Online")
        FOCUS_GROUP = "focus_group", _("Focus group")
        OTHER = "other", _("Other")

    kind = models.CharField(_("type"), max_length=8, choices=Kind, default=Kind.PERSON)
    salutation = models.CharField(_("salutation"), max_length=8, choices=Salutation, blank=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True, db_index=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True, db_index=True)
    mobile_phone = models.CharField(
        _("mobile phone"), max_length=20, blank=True, db_index=True, help_text=_("Stored as +852…")
    )
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    address = models.TextField(_("address"), blank=True)
    district = models.CharField(_("district"), max_length=32, choices=District, blank=True)
    birth_month = models.PositiveSmallIntegerField(
        _("birth month"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    birth_day = models.PositiveSmallIntegerField(
        _("birth day"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language, default=Language.ENGLISH
    )
    preferred_channel = models.CharField(
        _("preferred contact channel"), max_length=16, choices=Channel, default=Channel.PHONE
    )
    home_store = models.ForeignKey(
        Store, verbose_name=_("home store"), on_delete=models.PROTECT, related_name="customers"
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_book",
    )
    acquisition_source = models.CharField(
        _("acquisition source"), max_length=16, choices=Source, default=Source.WALK_IN
    )
    notes = models.TextField(_("notes"), blank=True)
    external_ref = models.CharField(
        _("reference"), max_length=32, unique=True, null=True, blank=True, help_text=_("Customer number")
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        help_text=_("Set when this record was merged into another; it then stays only as a pointer."),
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name_en", "name_zh", "id"]
        permissions = [
            ("merge_customer", _("Can merge duplicate customers")),
            ("import_customers", _("Can import customers and purchases")),
        ]
        indexes = [
            models.Index(fields=["home_store", "account_manager"], name="customer_store_manager"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(name_en="") | ~Q(name_zh=""), name="customer_has_a_name"),
            models.CheckConstraint(
                condition=Q(birth_month__isnull=True) | Q(birth_month__gte=1, birth_month__lte=12),
                name="customer_birth_month_range",
            ),
            models.CheckConstraint(
                condition=Q(birth_day__isnull=True) | Q(birth_month__isnull=False, birth_day__gte=1, birth_day__lte=31),
                name="customer_birth_day_needs_month",
            ),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("customers:customer-detail", kwargs={"pk": self.pk})

    @property
    def display_name(self) -> str:
        if self.name_en and self.name_zh:
            return f"{self.name_en} ({self.name_zh})"
        return self.name_en or self.name_zh

    @property
    def phone_display(self) -> str:
        return phone_display(self.mobile_phone)

    @property
    def birthday_display(self) -> str:
        if not self.birth_month:
            return ""
        text = f"{self.birth_day or '?'} {calendar.month_abbr[self.birth_month]}"
        return f"{text} {self.birth_year}" if self.birth_year else text

    def clean(self):
        errors = {}
        if not (self.name_en or "").strip() and not (self.name_zh or "").strip():
            errors["name_en"] = _("Enter an English or a Chinese name.")
        if self.mobile_phone:
            try:
                self.mobile_phone = phone_to_e164(self.mobile_phone)
            except ValidationError as exc:
                errors["mobile_phone"] = exc
        if self.email:
            self.email = self.email.strip().lower()
        if self.birth_day and not self.birth_month:
            errors["birth_month"] = _("Enter the month of the birthday too.")
        elif self.birth_month not in (None, *range(1, 13)):
            errors["birth_month"] = _("Enter a month from 1 to 12.")
        elif self.birth_month and self.birth_day:
            # 29 February is allowed when the year is unknown.
            year = self.birth_year or 2000
            if self.birth_day > calendar.monthrange(year, self.birth_month)[1]:
                errors["birth_day"] = _("That day does not exist in that month.")
        if errors:
            raise ValidationError(errors)
