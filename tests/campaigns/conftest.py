import pytest
from django.utils import timezone

from campaigns.backends import LocmemBackend
from privacy.models import Channel, Method, SubjectClass
from privacy.services.consent import consent_record
from segmentation.models import SegmentMembership
from tests.factories import CustomerFactory, RunFactory, SegmentFactory
from tests.privacy.helpers import published_notice


@pytest.fixture(autouse=True)
def _locmem_messages(settings):
    settings.CAMPAIGNS_MESSAGE_BACKEND = "campaigns.backends.LocmemBackend"
    settings.CRM_BASE_URL = "https://crm.example.hk"
    LocmemBackend.outbox.clear()
    yield
    LocmemBackend.outbox.clear()


@pytest.fixture
def dm_notice(privacy_officer):
    return published_notice(privacy_officer)


def grant(customer, by, *, classes=(SubjectClass.EVENTS,), channels=(Channel.EMAIL,)):
    return consent_record(
        customer_id=customer.pk,
        by=by,
        subject_classes=list(classes),
        channels=list(channels),
        method=Method.SIGNED_FORM,
    )


def segment_with(customers, **kwargs):
    segment = SegmentFactory(**kwargs)
    run = RunFactory()
    SegmentMembership.objects.bulk_create(
        SegmentMembership(segment=segment, customer=c, entered_run=run, entered_at=timezone.now()) for c in customers
    )
    return segment


@pytest.fixture
def vip_audience(dm_notice, privacy_officer, central):
    """Four VIPs: two consented to event e-mails (one prefers Chinese), one only to SMS, one to nothing."""
    english = CustomerFactory(home_store=central, name_en="Alice Chan", preferred_language="en")
    chinese = CustomerFactory(home_store=central, name_zh="陳大文", preferred_language="zh-hant")
    sms_only = CustomerFactory(home_store=central)
    nothing = CustomerFactory(home_store=central)
    grant(english, privacy_officer)
    grant(chinese, privacy_officer)
    grant(sms_only, privacy_officer, channels=(Channel.SMS,))
    segment = segment_with([english, chinese, sms_only, nothing], name="VIP")
    return {"segment": segment, "english": english, "chinese": chinese, "sms_only": sms_only, "nothing": nothing}
