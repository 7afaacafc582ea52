"""The privacy demo data: notices published, consent of every kind, requests; once only."""

import pytest

from privacy.demo import privacy_demo_load
from privacy.models import ConsentEvent, DataRequest, Notice
from privacy.selectors import contactable, notice_current
from tests.factories import CustomerFactory
from tests.privacy.helpers import hk

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once(privacy_officer, central, manager):
    customers = [CustomerFactory(home_store=central, account_manager=manager) for _i in range(30)]
    first = privacy_demo_load(officer=privacy_officer, customers=customers, today=hk(2026, 11, 20).date())
    assert first["notices"] == 3
    assert {notice_current(kind=kind) is not None for kind in Notice.Kind.values} == {True}
    assert ConsentEvent.objects.filter(method="oral_in_store").exists()
    assert DataRequest.objects.count() == 2
    sms = contactable(purpose="direct_marketing", subject_class="new_releases", channel="sms")
    assert sms.count() == 4  # customers 7, 14, 21, 28 signed the form
    assert privacy_demo_load(officer=privacy_officer, customers=customers, today=hk(2026, 11, 20).date()) == {}
    assert DataRequest.objects.count() == 2


def test_the_demo_writes_no_access_log(privacy_officer, central, manager):
    from privacy.models import AccessLog

    customers = [CustomerFactory(home_store=central, account_manager=manager) for _i in range(15)]
    privacy_demo_load(officer=privacy_officer, customers=customers, today=hk(2026, 11, 20).date())
    assert not AccessLog.objects.exists()
