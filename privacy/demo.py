"""Demo privacy data: published notices (English and Chinese), consent events of every kind,
an opt-out or two, data requests at different stages, a retention rule and a processor.

Called by ``manage.py load_demo_data`` with the demo's people (privacy imports no other app);
a second run changes nothing."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from privacy.models import ConsentEvent, DataRequest, Notice, Processor, RetentionRule
from privacy.models.consent import Method
from privacy.services import consent, notices, requests

PICS_EN = (
    "We collect your name, contact details, birthday and purchase history to sell and service your watches, "
    "to keep your warranty and service records, and to tell you about your watches' servicing. Your name and one "
    "contact point are obligatory; everything else is voluntary. We may pass your data to the brands whose "
    "warranties we register and to our service workshops. You may ask for access to and correction of your data "
    "from our Data Protection Officer, 12/F, 88 Des Voeux Road Central, Hong Kong."
)
PICS_ZH = (
    "本公司收集閣下的姓名、聯絡資料、生日及購買紀錄，用於銷售及保養閣下的鐘錶、保存保用及維修紀錄，以及通知閣下保養事宜。"
    "姓名及一項聯絡方法必須提供，其餘屬自願提供。本公司可能將閣下的資料轉交代為登記保用的品牌及維修中心。"
    "閣下可向本公司資料保障主任（香港德輔道中88號12樓）要求查閱及改正閣下的個人資料。"
)
DM_EN = (
    "We intend to use your name, mobile number, e-mail address, postal address and purchase history to send you "
    "direct marketing about: new watch releases of the brands we sell; servicing offers; in-store events and trunk "
    "shows; offers of our partner brands. We may not do so without your consent. You may tell us at any time, free "
    "of charge, to stop: reply STOP, call 2123 4567 or use the link in every message."
)
DM_ZH = (
    "本公司擬使用閣下的姓名、手機號碼、電郵地址、郵寄地址及購買紀錄，向閣下發出以下直接促銷：本公司所售品牌的新款腕錶；"
    "保養優惠；店內活動及品牌展覽；合作品牌的優惠。未得閣下同意，本公司不會如此使用。閣下可隨時免費要求停止："
    "回覆 STOP、致電 2123 4567 或使用每則訊息內的連結。"
)


def _at(day, hour=11):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@transaction.atomic
def privacy_demo_load(*, officer, customers: list, today) -> dict[str, int]:
    """``customers``: the demo customers (with their account managers), ``today``: the demo's date."""
    if Notice.objects.exists():
        return {}
    created = {}
    for kind, title_en, title_zh, body_en, body_zh, extra in (
        (Notice.Kind.PICS, "Personal Information Collection Statement", "收集個人資料聲明", PICS_EN, PICS_ZH, {}),
        (
            Notice.Kind.POLICY,
            "Privacy Policy Statement",
            "私隱政策聲明",
            "How we keep, use, retain and protect personal data, and whom to contact. " + PICS_EN,
            "本公司如何保存、使用及保護個人資料，以及聯絡方法。" + PICS_ZH,
            {},
        ),
        (
            Notice.Kind.DIRECT_MARKETING,
            "Use of personal data in direct marketing",
            "在直接促銷中使用個人資料",
            DM_EN,
            DM_ZH,
            {
                "data_kinds": ["name", "mobile", "email", "address", "purchases"],
                "subject_classes": ["new_releases", "servicing", "events", "partner_brands"],
                "transferee_classes": "Watch brands we sell (not for gain)",
                "response_channel": "Reply STOP, call 2123 4567, or the link in every message",
            },
        ),
    ):
        notice = notices.notice_create(
            by=officer, kind=kind, title_en=title_en, title_zh=title_zh, body_en=body_en, body_zh=body_zh, **extra
        )
        notices.notice_publish(by=officer, notice_id=notice.pk, now=_at(today - timedelta(days=400)))
    created["notices"] = 3
    for index, customer in enumerate(customers, start=1):
        by = customer.account_manager or officer
        when = _at(today - timedelta(days=(index * 37) % 300 + 20))
        if index % 7 == 0:
            consent.consent_record(
                customer_id=customer.pk,
                by=by,
                subject_classes=["new_releases", "servicing"],
                channels=["sms", "email"],
                method=Method.SIGNED_FORM,
                occurred_at=when,
                include_purchases=True,
                log_access=False,
            )
        elif index % 11 == 0:
            consent.consent_record(
                customer_id=customer.pk,
                by=by,
                subject_classes=["events"],
                channels=["email"],
                method=Method.ONLINE,
                occurred_at=when,
                log_access=False,
            )
        elif index % 13 == 0:
            consent.consent_record(
                customer_id=customer.pk,
                by=by,
                subject_classes=["new_releases"],
                channels=["phone"],
                method=Method.ORAL_IN_STORE,
                occurred_at=timezone.now() - timedelta(days=3),
                note="Said yes at the counter; confirmation letter to send",
                log_access=False,
            )
        if index % 49 == 0:
            consent.consent_withdraw(
                customer_id=customer.pk,
                by=by,
                channels=["sms"],
                occurred_at=when + timedelta(days=10),
                log_access=False,
            )
        if index % 98 == 0:
            consent.optout_record(customer_id=customer.pk, method=Method.OPT_OUT_LINK, at=when + timedelta(days=15))
    created["consent events"] = ConsentEvent.objects.count()
    now = timezone.now()
    if customers:
        first = requests.request_register(
            by=officer,
            kind=DataRequest.Kind.ACCESS,
            requestor=str(customers[0]),
            customer_id=customers[0].pk,
            received_at=now - timedelta(days=30),
            details="A copy of all personal data held, by e-mail.",
        )
        requests.request_verify_identity(by=officer, request_id=first.pk, method="HKID card sighted at Central")
        requests.request_fee_quote(by=officer, request_id=first.pk, fee=Decimal("50.00"))
    if len(customers) > 1:
        requests.request_register(
            by=officer,
            kind=DataRequest.Kind.CORRECTION,
            requestor=str(customers[1]),
            customer_id=customers[1].pk,
            received_at=now - timedelta(days=6),
            details="My birthday is 12 March, not 21 March.",
        )
    created["requests"] = DataRequest.objects.count()
    RetentionRule.objects.get_or_create(
        category="interactions",
        defaults={"period_months": 36, "action": "anonymise", "legal_basis": "Service history for 3 years"},
    )
    Processor.objects.get_or_create(
        name="HK SMS Gateway Ltd",
        defaults={
            "service": "Sending SMS messages",
            "location": "Hong Kong",
            "clause_retention": True,
            "clause_security": True,
            "clause_breach_notice": True,
            "clause_return_delete": True,
        },
    )
    return created
