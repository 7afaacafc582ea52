"""Merging two records of one person, and "not a duplicate" decisions: what moves, what stays,
what is refused — and that no row linked to the merged record is ever lost."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import (
    Customer,
    CustomerMerge,
    DuplicateCandidate,
    DuplicateDismissal,
    FollowUpTask,
    Interaction,
    Lead,
    OwnedTimepiece,
    Purchase,
    PurchaseLine,
    Relationship,
    ServiceJob,
)
from customers.services.data_quality import (
    customer_merge,
    customer_merge_fill_preview,
    customer_relations,
    duplicate_dismiss,
    stays_with_its_record,
)
from privacy.models import AccessLog, Erasure
from privacy.services import access_record
from segmentation.models import CustomerMetrics
from tests.customers.factories_duplicates import (
    converted_lead,
    interaction,
    person,
    purchase_with_lines,
    relationship,
    task,
    timepiece_with_job,
)
from tests.privacy.helpers import privacy_rows
from tests.records import other_apps_rows


@pytest.fixture
def survivor(central, manager):
    return person(store=central, account_manager=manager, name_en="Chan Tai Man", name_zh="陳大文")


@pytest.fixture
def duplicate(central, manager):
    return person(store=central, account_manager=manager, name_en="Tai Man Chan", name_zh="")


def rows_of(customer) -> dict[str, int]:
    """How many rows of each model belong to the customer, the indirect ones included."""
    return {
        "purchases": Purchase.objects.filter(customer=customer).count(),
        "purchase lines": PurchaseLine.objects.filter(purchase__customer=customer).count(),
        "timepieces": OwnedTimepiece.objects.filter(customer=customer).count(),
        "service jobs": ServiceJob.objects.filter(timepiece__customer=customer).count(),
        "interactions": Interaction.objects.filter(customer=customer).count(),
        "tasks": FollowUpTask.objects.filter(customer=customer).count(),
        "relationships out": Relationship.objects.filter(from_customer=customer).count(),
        "relationships in": Relationship.objects.filter(to_customer=customer).count(),
        "converted leads": Lead.objects.filter(converted_customer=customer).count(),
        "referred leads": Lead.objects.filter(referred_by=customer).count(),
        "tombstones": Customer.objects.filter(merged_into=customer).count(),
    }


def everything_about(*customers) -> list:
    """The state a refused merge must leave exactly as it was."""
    state = []
    for customer in customers:
        customer.refresh_from_db()
        values = {f.attname: f.value_from_object(customer) for f in Customer._meta.concrete_fields}
        state.append((values, rows_of(customer), AccessLog.objects.filter(customer=customer).count()))
    state.append(CustomerMerge.objects.count())
    return state


@pytest.fixture
def full_record(central, tst, survivor, duplicate, supervisor, colleague):
    """The duplicate with a whole client record, and links in both directions."""
    friend, cousin, old_tombstone = (person(store=central) for _i in range(3))
    old_tombstone.merged_into = duplicate
    old_tombstone.save()
    for _i in range(2):
        purchase_with_lines(customer=duplicate, store=central, lines=2)
    purchase_with_lines(customer=survivor, store=central, lines=1)
    timepiece_with_job(customer=duplicate, store=central)
    interaction(customer=duplicate, staff=colleague)
    interaction(customer=duplicate)
    task(customer=duplicate, assignee=colleague)
    relationship(duplicate, friend)  # out
    relationship(cousin, duplicate, kind=Relationship.Kind.REFERRAL)  # in
    relationship(duplicate, survivor)  # between the two: must vanish, not become a self-link
    relationship(survivor, duplicate, kind=Relationship.Kind.REFERRAL)  # the same, the other way
    converted_lead(customer=duplicate, store=central)
    Lead.objects.create(name_en="Referred friend", store=central, referred_by=duplicate)
    access_record(user=colleague, customer=duplicate, action=AccessLog.Action.VIEW, view_name="test")
    access_record(user=supervisor, customer=duplicate, action=AccessLog.Action.VIEW, view_name="test")
    # derived figures: moved like any row, recomputed by the nightly segmentation refresh
    CustomerMetrics.objects.create(
        customer=duplicate, home_store=central, as_of=timezone.localdate(), refreshed_at=timezone.now()
    )
    # complaints, classification and churn rows: moved too (derived ones are recomputed for the survivor)
    other_apps_rows(customer=duplicate, staff=colleague)
    privacy_rows(customer=duplicate, by=supervisor)
    Erasure.objects.create(customer=duplicate, source="request", erased_at=timezone.now())
    return {"friend": friend, "cousin": cousin, "old_tombstone": old_tombstone}


# --- what moves ---------------------------------------------------------------------------------


def test_merge_loses_no_row_linked_to_the_merged_record(survivor, duplicate, full_record, supervisor):
    # given
    before_survivor, before_duplicate = rows_of(survivor), rows_of(duplicate)
    log_before = list(AccessLog.objects.filter(customer=duplicate).order_by("pk").values_list("pk", "reason"))
    # when
    merge = customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=duplicate.pk)
    # then: the survivor holds the sum, except the two links between the records themselves
    expected = {name: before_survivor[name] + before_duplicate[name] for name in before_survivor}
    expected["relationships out"] -= 2  # duplicate→survivor dropped; survivor→duplicate dropped
    expected["relationships in"] -= 2
    expected["tombstones"] += 1  # the duplicate itself now points here
    assert rows_of(survivor) == expected
    assert rows_of(duplicate) == dict.fromkeys(expected, 0)
    assert not Relationship.objects.filter(from_customer=survivor, to_customer=survivor).exists()
    # the access log is untouched; the merge added one EDIT row per record
    log_after = list(AccessLog.objects.filter(customer=duplicate).order_by("pk").values_list("pk", "reason"))
    assert log_after[: len(log_before)] == log_before
    assert [reason for _pk, reason in log_after[len(log_before) :]] == [f"#{duplicate.pk} merged into #{survivor.pk}"]
    assert merge.moved == {
        "customers.Purchase": 3,  # one of them earned loyalty points (campaigns)
        "customers.OwnedTimepiece": 1,
        "customers.Interaction": 2,
        "customers.FollowUpTask": 1,
        "customers.Relationship": 2,
        "customers.Lead": 2,
        "customers.Customer": 1,
        "segmentation.CustomerMetrics": 1,
        "segmentation.SegmentMembership": 1,
        "segmentation.CustomerTier": 1,
        "segmentation.TierChange": 1,
        "segmentation.CustomerRfm": 1,
        "complaints.Complaint": 1,
        "privacy.ConsentEvent": 1,
        "privacy.OralConfirmation": 1,
        "privacy.CollectionRecord": 1,
        "privacy.DataRequest": 1,
        "privacy.Disclosure": 1,
        "privacy.OpinionNote": 1,
        "privacy.LegalHold": 1,
        "privacy.IdentityDocument": 1,
        "privacy.Erasure": 1,
        "churn.CustomerScore": 1,
        "churn.ScoreDisagreement": 1,
        "churn.ChurnReason": 1,
        "churn.RemedyAction": 1,
        "campaigns.Recipient": 1,
        "campaigns.LoyaltyAccount": 1,
        "campaigns.PointsEntry": 2,
        "campaigns.Voucher": 1,
        "campaigns.Invitation": 1,
    }


def test_every_relation_to_customer_is_walked_except_the_audit_trail(survivor, duplicate, full_record, supervisor):
    # given rows in every relation the Customer model has today (the test fails when one is empty)
    walked = [
        relation for relation in Customer._meta.related_objects if not stays_with_its_record(relation.related_model)
    ]
    pointing = {
        relation: relation.related_model._base_manager.filter(**{relation.field.attname: duplicate.pk}).count()
        for relation in walked
    }
    assert all(pointing.values()), f"give the duplicate a row in {[r for r, n in pointing.items() if not n]}"
    # when
    customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=duplicate.pk)
    # then: nothing points at the merged record any more — the walk is generic
    for relation in walked:
        assert not relation.related_model._base_manager.filter(**{relation.field.attname: duplicate.pk}).exists()
    assert set(customer_relations()) >= {r for r in Customer._meta.related_objects if not r.many_to_many}


def test_the_audit_models_are_the_ones_left_alone():
    # given / when
    audit = {
        relation.related_model for relation in customer_relations() if stays_with_its_record(relation.related_model)
    }
    # then
    assert audit == {AccessLog, CustomerMerge, DuplicateDismissal, DuplicateCandidate}


def test_a_model_added_later_is_walked_too():
    # given a new model pointing at customers, as the complaints app will add
    class LoyaltyCard(models.Model):
        customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="loyalty_cards")

        class Meta:
            app_label = "customers"
            managed = False

        def __str__(self):
            return str(self.pk)

    from django.apps import apps

    try:
        # when
        walked = {relation.related_model for relation in customer_relations()}
        # then
        assert LoyaltyCard in walked
        assert not stays_with_its_record(LoyaltyCard)
    finally:
        del apps.all_models["customers"]["loyaltycard"]
        apps.clear_cache()


@pytest.mark.django_db(transaction=True)
def test_rows_of_a_model_added_later_move(central, supervisor):
    # given a real table for a new model about customers (its relation hidden from related_objects, even)
    class StampCard(models.Model):
        customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
        stamps = models.PositiveSmallIntegerField(default=0)

        class Meta:
            app_label = "customers"

        def __str__(self):
            return str(self.stamps)

    from django.apps import apps

    with connection.schema_editor() as editor:
        editor.create_model(StampCard)
    try:
        survivor, duplicate = person(store=central), person(store=central)
        StampCard.objects.create(customer=duplicate, stamps=3)
        # when
        merge = customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=duplicate.pk)
        # then
        assert StampCard.objects.get().customer_id == survivor.pk
        assert merge.moved["customers.StampCard"] == 1
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(StampCard)
        del apps.all_models["customers"]["stampcard"]
        apps.clear_cache()


def test_links_the_survivor_already_has_are_dropped_and_other_kinds_move(central, survivor, duplicate, supervisor):
    # given both records linked to the same friend, once as family, and the duplicate also as referral
    friend = person(store=central)
    relationship(survivor, friend)
    relationship(duplicate, friend)
    relationship(duplicate, friend, kind=Relationship.Kind.REFERRAL)
    relationship(friend, duplicate)
    relationship(friend, survivor)
    # when
    customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=duplicate.pk)
    # then
    assert sorted(Relationship.objects.filter(from_customer=survivor).values_list("to_customer", "kind")) == [
        (friend.pk, Relationship.Kind.FAMILY),
        (friend.pk, Relationship.Kind.REFERRAL),
    ]
    assert list(Relationship.objects.filter(to_customer=survivor).values_list("from_customer", "kind")) == [
        (friend.pk, Relationship.Kind.FAMILY)
    ]
    assert not Relationship.objects.filter(models.Q(from_customer=duplicate) | models.Q(to_customer=duplicate)).exists()


def test_when_both_came_from_leads_the_survivor_keeps_its_own_and_the_other_stays_on_the_tombstone(
    central, survivor, duplicate, supervisor
):
    # given
    survivors_lead = converted_lead(customer=survivor, store=central)
    duplicates_lead = converted_lead(customer=duplicate, store=central)
    # when
    merge = customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=duplicate.pk)
    # then
    survivors_lead.refresh_from_db()
    duplicates_lead.refresh_from_db()
    assert survivors_lead.converted_customer_id == survivor.pk
    assert duplicates_lead.converted_customer_id == duplicate.pk
    assert duplicates_lead.status == Lead.Status.CONVERTED
    assert "customers.Lead" not in merge.moved


def test_earlier_tombstones_now_point_at_the_survivor(central, survivor, duplicate, supervisor):
    # given a record merged into the duplicate last year
    older = person(store=central)
    customer_merge(by=supervisor, survivor_id=duplicate.pk, merged_id=older.pk)
    # when
    customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=duplicate.pk)
    # then
    older.refresh_from_db()
    assert older.merged_into_id == survivor.pk


# --- the survivor and the tombstone -------------------------------------------------------------


def test_fill_blanks_copies_into_blank_fields_only(central, manager, supervisor):
    # given a survivor without e-mail, Chinese name, address or birthday
    survivor = person(
        store=central,
        name_en="Chan Tai Man",
        name_zh="",
        email="",
        address="",
        district="",
        birth_month=None,
        notes="Prefers steel bracelets.",
        mobile_phone="+85291234567",
    )
    duplicate = person(
        store=central,
        name_en="CHAN, Tai-man",
        name_zh="陳大文",
        email="taiman@example.com",
        address="Flat A, 12/F, 1 Queen's Road East",
        district="wan_chai",
        birth_month=2,
        birth_day=29,
        birth_year=1980,
        notes="Collects Omega.",
        mobile_phone="+85298765432",
    )
    # when
    preview = customer_merge_fill_preview(survivor=survivor, merged=duplicate)
    customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=duplicate.pk)
    # then
    survivor.refresh_from_db()
    assert (survivor.name_en, survivor.mobile_phone) == ("Chan Tai Man", "+85291234567")  # never overwritten
    assert (survivor.name_zh, survivor.email) == ("陳大文", "taiman@example.com")
    assert (survivor.address, survivor.district) == ("Flat A, 12/F, 1 Queen's Road East", "wan_chai")
    assert (survivor.birth_month, survivor.birth_day, survivor.birth_year) == (2, 29, 1980)
    assert survivor.notes == f"Prefers steel bracelets.\n\nFrom merged record #{duplicate.pk}:\nCollects Omega."
    assert preview == [
        "name_zh",
        "email",
        "address",
        "district",
        "birth_month",
        "birth_day",
        "birth_year",
        "notes",
    ]


def test_half_an_address_is_not_completed_from_the_other_record(central, supervisor):
    # given a survivor with a district but no address
    survivor = person(store=central, address="", district="sha_tin", birth_month=3, birth_day=1, birth_year=None)
    duplicate = person(store=central, address="1 Nathan Road", district="yau_tsim_mong", birth_month=3, birth_day=1)
    Customer.objects.filter(pk=duplicate.pk).update(birth_year=1975)
    # when
    customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=duplicate.pk)
    # then: the address stays blank; the year of the same birthday is taken
    survivor.refresh_from_db()
    assert (survivor.address, survivor.district) == ("", "sha_tin")
    assert (survivor.birth_month, survivor.birth_day, survivor.birth_year) == (3, 1, 1975)


def test_without_fill_blanks_the_survivor_keeps_its_fields(central, supervisor):
    # given
    survivor = person(store=central, email="", name_zh="")
    duplicate = person(store=central, email="other@example.com", name_zh="陳大文")
    before = {f.attname: f.value_from_object(survivor) for f in Customer._meta.concrete_fields}
    # when
    customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=duplicate.pk, fill_blanks=False)
    # then
    survivor.refresh_from_db()
    after = {f.attname: f.value_from_object(survivor) for f in Customer._meta.concrete_fields}
    assert {name for name in after if after[name] != before[name]} == {"updated_at"}


def test_the_merged_record_becomes_a_tombstone_and_its_data_lives_in_the_snapshot(
    central, survivor, duplicate, supervisor
):
    # given
    duplicate.external_ref = "C-0042"
    duplicate.address = "1 Nathan Road"
    duplicate.birth_year = 1980
    duplicate.save()
    # when
    merge = customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=duplicate.pk)
    # then
    duplicate.refresh_from_db()
    survivor.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk
    assert duplicate.name_en == f"Merged into #{survivor.pk}"
    assert (duplicate.name_zh, duplicate.mobile_phone, duplicate.email, duplicate.address) == ("", "", "", "")
    assert (duplicate.birth_month, duplicate.birth_day, duplicate.birth_year, duplicate.external_ref) == (
        None,
        None,
        None,
        None,
    )
    assert survivor.external_ref == "C-0042"  # the survivor had none
    snapshot = merge.merged_snapshot
    assert snapshot["name_en"] == "Tai Man Chan"
    assert snapshot["address"] == "1 Nathan Road"
    assert snapshot["external_ref"] == "C-0042"
    assert snapshot["home_store_id"] == central.pk
    assert isinstance(snapshot["created_at"], str)
    assert merge.merged_by == supervisor
    assert Customer.objects.visible_to(supervisor).filter(pk=duplicate.pk).exists() is False


def test_a_survivor_with_a_customer_number_keeps_it(survivor, duplicate, supervisor):
    # given
    Customer.objects.filter(pk=survivor.pk).update(external_ref="C-0001")
    Customer.objects.filter(pk=duplicate.pk).update(external_ref="C-0002")
    # when
    customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=duplicate.pk)
    # then
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert (survivor.external_ref, duplicate.external_ref) == ("C-0001", None)


def test_merge_records_an_edit_on_both_records(survivor, duplicate, supervisor):
    # given / when
    customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=duplicate.pk, view_name="customers:customer-merge")
    # then
    rows = AccessLog.objects.filter(action=AccessLog.Action.EDIT).order_by("customer_id")
    assert [(row.customer_id, row.user_id, row.view_name) for row in rows] == sorted(
        [
            (survivor.pk, supervisor.pk, "customers:customer-merge"),
            (duplicate.pk, supervisor.pk, "customers:customer-merge"),
        ]
    )
    assert all(f"merged into #{survivor.pk}" in row.reason for row in rows)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
def test_merge_locks_both_rows_in_id_order(survivor, duplicate, supervisor):
    # given the survivor has the higher id
    low, high = sorted((survivor, duplicate), key=lambda c: c.pk)
    # when
    with CaptureQueriesContext(connection) as queries:
        customer_merge(by=supervisor, survivor_id=high.pk, merged_id=low.pk)
    # then
    locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1
    assert 'ORDER BY "customers_customer"."id" ASC' in locks[0]


# --- refusals: nothing changes ------------------------------------------------------------------


def test_a_user_without_the_merge_permission_is_refused(survivor, duplicate, manager):
    # given an account manager: the records are in their own book, but merging is not theirs
    before = everything_about(survivor, duplicate)
    # when / then
    with pytest.raises(PermissionDenied):
        customer_merge(by=manager, survivor_id=survivor.pk, merged_id=duplicate.pk)
    assert everything_about(survivor, duplicate) == before


def test_a_supervisor_of_another_store_is_refused(tst, survivor, duplicate):
    # given
    from tests.factories import SupervisorFactory

    elsewhere = SupervisorFactory(username="sup-tst", stores=[tst])
    before = everything_about(survivor, duplicate)
    # when / then
    with pytest.raises(PermissionDenied):
        customer_merge(by=elsewhere, survivor_id=survivor.pk, merged_id=duplicate.pk)
    assert everything_about(survivor, duplicate) == before


def test_a_record_of_another_store_cannot_be_merged_in(tst, survivor, supervisor):
    # given
    elsewhere = person(store=tst)
    before = everything_about(survivor, elsewhere)
    # when / then
    with pytest.raises(PermissionDenied):
        customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=elsewhere.pk)
    assert everything_about(survivor, elsewhere) == before


def test_a_record_cannot_be_merged_into_itself(survivor, supervisor):
    # given
    before = everything_about(survivor)
    # when / then
    with pytest.raises(ValidationError, match="cannot be merged into itself"):
        customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=survivor.pk)
    assert everything_about(survivor) == before


def test_an_already_merged_record_is_refused_with_a_clear_message(central, survivor, duplicate, supervisor):
    # given the duplicate was merged elsewhere a moment ago
    third = person(store=central)
    customer_merge(by=supervisor, survivor_id=third.pk, merged_id=duplicate.pk)
    before = everything_about(survivor, duplicate, third)
    # when / then
    with pytest.raises(ValidationError, match=f"#{duplicate.pk} has already been merged into #{third.pk}"):
        customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=duplicate.pk)
    with pytest.raises(ValidationError, match="already been merged"):
        customer_merge(by=supervisor, survivor_id=duplicate.pk, merged_id=survivor.pk)
    assert everything_about(survivor, duplicate, third) == before


def test_a_missing_record_is_refused_like_a_forbidden_one(survivor, supervisor):
    # given / when / then
    with pytest.raises(PermissionDenied):
        customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=999_999)


# --- not a duplicate ----------------------------------------------------------------------------


def test_dismiss_stores_the_pair_in_order_and_is_idempotent(survivor, duplicate, supervisor, admin_user):
    # given / when
    first = duplicate_dismiss(by=supervisor, customer_a_id=duplicate.pk, customer_b_id=survivor.pk)
    again = duplicate_dismiss(by=admin_user, customer_a_id=survivor.pk, customer_b_id=duplicate.pk)
    # then
    assert first.pk == again.pk
    assert DuplicateDismissal.objects.count() == 1
    assert (first.customer_a_id, first.customer_b_id) == tuple(sorted((survivor.pk, duplicate.pk)))
    assert again.dismissed_by == supervisor  # the first decision stands


def test_dismiss_refuses_without_permission_out_of_sight_or_the_same_record(
    tst, survivor, duplicate, manager, supervisor
):
    # given
    elsewhere = person(store=tst)
    # when / then
    with pytest.raises(PermissionDenied):
        duplicate_dismiss(by=manager, customer_a_id=survivor.pk, customer_b_id=duplicate.pk)
    with pytest.raises(PermissionDenied):
        duplicate_dismiss(by=supervisor, customer_a_id=survivor.pk, customer_b_id=elsewhere.pk)
    with pytest.raises(ValidationError):
        duplicate_dismiss(by=supervisor, customer_a_id=survivor.pk, customer_b_id=survivor.pk)
    assert DuplicateDismissal.objects.count() == 0
