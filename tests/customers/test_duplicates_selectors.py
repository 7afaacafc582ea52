"""Duplicate detection: which pairs are suggested, why, to whom, and at what cost in queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer, DuplicateDismissal
from customers.selectors.data_quality import (
    BIRTHDAY,
    DISTRICT,
    EMAIL,
    EMAIL_NAME,
    MAX_SHARED_VALUE,
    NAME_EN,
    NAME_ZH,
    PHONE,
    duplicate_candidates,
    duplicate_pair_get_for_user,
    merged_redirect_target,
    name_key,
    name_key_any_order,
)
from tests.customers.factories_duplicates import person


@pytest.fixture
def crowd(central, tst):
    """About 200 customers of both stores, none of them alike."""
    return [person(store=central if i % 3 else tst) for i in range(200)]


def pair_ids(pairs) -> set[tuple[int, int]]:
    return {(pair.a.pk, pair.b.pk) for pair in pairs}


def ordered(x, y) -> tuple[int, int]:
    return (min(x.pk, y.pk), max(x.pk, y.pk))


# --- normalisation ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Chan Tai Man", "CHAN, Tai-man", "chan  tai man", "Chan Taiman", "Chan. Tai Man"])
def test_name_key_ignores_case_punctuation_and_spaces(name):
    # given / when / then
    assert name_key(name) == "chantaiman"


def test_name_key_any_order_ignores_word_order():
    # given / when / then
    assert name_key_any_order("Tai Man Chan") == name_key_any_order("CHAN, Tai-man") == "chan man tai"
    assert name_key_any_order("Chan Tai Ming") != name_key_any_order("Chan Tai Man")


# --- detection ----------------------------------------------------------------------------------


def test_the_crowd_alone_has_no_duplicates(crowd, admin_user):
    # given about 200 distinct customers
    # when
    pairs = duplicate_candidates(user=admin_user)
    # then
    assert pairs == []


def test_same_mobile_phone_is_a_pair(crowd, central, admin_user):
    # given two records with one phone number and nothing else in common
    first = person(store=central, mobile_phone="+85291234567")
    second = person(store=central, mobile_phone="+85291234567")
    # when
    pairs = duplicate_candidates(user=admin_user)
    # then
    assert pair_ids(pairs) == {ordered(first, second)}
    assert pairs[0].signals == {PHONE}
    assert pairs[0].reasons == ["Same mobile phone"]
    assert pairs[0].a.pk < pairs[0].b.pk


def test_same_email_in_any_case_is_a_pair(crowd, central, admin_user):
    # given two records whose e-mails differ only in case (an import kept the capitals)
    first = person(store=central, email="Tai.Man@Example.com")
    second = person(store=central, email="tai.man@example.com")
    # when
    pairs = duplicate_candidates(user=admin_user)
    # then
    assert pair_ids(pairs) == {ordered(first, second)}
    assert pairs[0].signals == {EMAIL}


def test_a_value_shared_by_many_records_is_a_placeholder_not_a_duplicate(crowd, central, admin_user):
    # given the store's own number typed in for many walk-ins
    for _i in range(MAX_SHARED_VALUE + 1):
        person(store=central, mobile_phone="+85223456789")
    # when
    pairs = duplicate_candidates(user=admin_user)
    # then
    assert pairs == []


def test_reordered_and_punctuated_english_names_with_the_same_birthday_are_pairs(crowd, central, admin_user):
    # given one person written three ways, born on the same day, with different phones and e-mails
    hkid_order = person(store=central, name_en="Chan Tai Man", name_zh="", birth_month=2, birth_day=29)
    western = person(store=central, name_en="Tai Man Chan", name_zh="", birth_month=2, birth_day=29)
    shouting = person(store=central, name_en="CHAN, Tai-man", name_zh="", birth_month=2, birth_day=29)
    # when
    pairs = duplicate_candidates(user=admin_user)
    # then
    assert pair_ids(pairs) == {
        ordered(hkid_order, western),
        ordered(hkid_order, shouting),
        ordered(western, shouting),
    }
    assert all(pair.signals >= {NAME_EN, BIRTHDAY} for pair in pairs)
    assert all("Similar English name" in pair.reasons and "Same birthday" in pair.reasons for pair in pairs)


def test_a_reordered_name_in_the_same_district_is_a_pair(crowd, central, admin_user):
    # given
    first = person(store=central, name_en="Wong Siu Fung", name_zh="", district="sha_tin", birth_month=None)
    second = person(store=central, name_en="Siu Fung Wong", name_zh="", district="sha_tin", birth_month=None)
    # when
    pairs = duplicate_candidates(user=admin_user)
    # then
    assert pair_ids(pairs) == {ordered(first, second)}
    assert pairs[0].signals == {NAME_EN, DISTRICT}


def test_the_same_chinese_name_with_the_same_birthday_is_a_pair(crowd, central, admin_user):
    # given
    first = person(store=central, name_en="", name_zh="陳大文", birth_month=5, birth_day=4, district="")
    second = person(store=central, name_en="Peter Chan", name_zh="陳大文", birth_month=5, birth_day=4, district="")
    # when
    pairs = duplicate_candidates(user=admin_user)
    # then
    assert pair_ids(pairs) == {ordered(first, second)}
    assert pairs[0].signals == {NAME_ZH, BIRTHDAY}


def test_the_same_name_and_email_name_at_another_domain_is_a_pair(crowd, central, admin_user):
    # given
    first = person(store=central, name_en="Lee Ka Wing", email="kayan.lee@gmail.com", birth_month=None, district="")
    second = person(store=central, name_en="Lee Ka Wing", email="kayan.lee@yahoo.com.hk", birth_month=None, district="")
    # when
    pairs = duplicate_candidates(user=admin_user)
    # then
    assert pair_ids(pairs) == {ordered(first, second)}
    assert pairs[0].signals == {NAME_EN, EMAIL_NAME}


def test_a_common_name_alone_is_not_a_pair(crowd, central, admin_user):
    # given two 陳大文 / Chan Tai Man with no second signal in common
    person(store=central, name_en="Chan Tai Man", name_zh="陳大文", birth_month=1, birth_day=2, district="sha_tin")
    person(store=central, name_en="Tai Man Chan", name_zh="陳大文", birth_month=3, birth_day=4, district="tai_po")
    # when
    pairs = duplicate_candidates(user=admin_user)
    # then
    assert pairs == []


def test_a_second_signal_without_a_similar_name_is_not_a_pair(crowd, central, admin_user):
    # given the same birthday and district, different people
    person(store=central, name_en="Chan Tai Man", name_zh="", birth_month=7, birth_day=7, district="sha_tin")
    person(store=central, name_en="Man Ho Chan", name_zh="", birth_month=7, birth_day=7, district="sha_tin")
    # when
    pairs = duplicate_candidates(user=admin_user)
    # then: "Man Ho Chan" has the surname last and as many letters, but other words
    assert pairs == []


def test_pairs_come_strongest_first_with_their_score(crowd, central, admin_user):
    # given a pair with one phone, and a pair with the phone, the e-mail and the names
    weak = [person(store=central, mobile_phone="+85261111111") for _i in range(2)]
    strong = [
        person(
            store=central,
            mobile_phone="+85262222222",
            email="same@example.com",
            name_en="Lam Ka Lok",
            name_zh="林家豪",
            birth_month=9,
            birth_day=9,
            district="islands",
        )
        for _i in range(2)
    ]
    # when
    pairs = duplicate_candidates(user=admin_user)
    # then
    assert [(pair.a.pk, pair.b.pk) for pair in pairs] == [ordered(*strong), ordered(*weak)]
    assert pairs[0].score == 100
    assert pairs[1].score == 45


def test_limit_keeps_the_strongest(crowd, central, admin_user):
    # given three pairs
    for number in ("+85263333331", "+85263333332", "+85263333333"):
        person(store=central, mobile_phone=number)
        person(store=central, mobile_phone=number)
    # when
    pairs = duplicate_candidates(user=admin_user, limit=2)
    # then
    assert len(pairs) == 2


def test_dismissed_pairs_are_left_out(crowd, central, admin_user):
    # given two pairs, one dismissed as different people
    kept = [person(store=central, mobile_phone="+85264444444") for _i in range(2)]
    dismissed = [person(store=central, mobile_phone="+85265555555") for _i in range(2)]
    low, high = ordered(*dismissed)
    DuplicateDismissal.objects.create(customer_a_id=low, customer_b_id=high, dismissed_by=admin_user)
    # when
    pairs = duplicate_candidates(user=admin_user)
    # then
    assert pair_ids(pairs) == {ordered(*kept)}


def test_merged_records_are_left_out(crowd, central, admin_user):
    # given a tombstone that still has the survivor's phone
    survivor = person(store=central, mobile_phone="+85266666666")
    person(store=central, mobile_phone="+85266666666", merged_into=survivor)
    # when
    pairs = duplicate_candidates(user=admin_user)
    # then
    assert pairs == []


def test_only_pairs_of_customers_the_user_sees_are_suggested(crowd, central, tst, supervisor, admin_user):
    # given a pair at Central, a pair at Tsim Sha Tsui, and a pair across the two stores
    at_central = [person(store=central, mobile_phone="+85267777777") for _i in range(2)]
    at_tst = [person(store=tst, mobile_phone="+85268888888") for _i in range(2)]
    across = [person(store=central, mobile_phone="+85269999999"), person(store=tst, mobile_phone="+85269999999")]
    # when
    seen_by_supervisor = duplicate_candidates(user=supervisor)
    seen_by_admin = duplicate_candidates(user=admin_user)
    # then
    assert pair_ids(seen_by_supervisor) == {ordered(*at_central)}
    assert pair_ids(seen_by_admin) == {ordered(*at_central), ordered(*at_tst), ordered(*across)}


def test_a_user_without_a_role_sees_no_pairs(crowd, central):
    # given
    from tests.factories import UserFactory

    nobody = UserFactory(username="nobody")
    person(store=central, mobile_phone="+85251111111")
    person(store=central, mobile_phone="+85251111111")
    # when / then
    assert duplicate_candidates(user=nobody) == []


def make_phone_pairs(store, count):
    for i in range(count):
        number = f"+85256{i:06d}"
        person(store=store, mobile_phone=number)
        person(store=store, mobile_phone=number)


@pytest.mark.parametrize("count", [3, 20])
def test_detection_costs_the_same_queries_for_3_or_20_pairs(crowd, central, supervisor, count):
    # given
    make_phone_pairs(central, count)
    supervisor = type(supervisor).objects.get(pk=supervisor.pk)  # no cached roles
    # when
    with CaptureQueriesContext(connection) as queries:
        pairs = duplicate_candidates(user=supervisor)
        for pair in pairs:  # what the list page shows of each record
            str(pair.a.home_store), str(pair.b.account_manager)
    # then: the roles, five signal queries, the dismissals, the customers shown
    assert len(pairs) == count
    assert len(queries) == 8


# --- one pair, and where a merged record's links go --------------------------------------------


def test_pair_get_refuses_the_same_record_twice_and_invisible_records(central, tst, supervisor):
    # given
    from django.http import Http404

    here = person(store=central)
    there = person(store=tst)
    # when / then
    with pytest.raises(Http404):
        duplicate_pair_get_for_user(user=supervisor, a=here.pk, b=here.pk)
    with pytest.raises(Http404):
        duplicate_pair_get_for_user(user=supervisor, a=here.pk, b=there.pk)
    with pytest.raises(Http404):
        duplicate_pair_get_for_user(user=supervisor, a=here.pk, b=999_999)


def test_merged_redirect_target_is_the_visible_survivor(central, tst, supervisor, other_manager):
    # given a tombstone at Central merged into a Central record
    survivor = person(store=central)
    tombstone = person(store=central, name_en="Merged into", name_zh="", merged_into=survivor)
    # when / then
    assert merged_redirect_target(user=supervisor, pk=tombstone.pk) == survivor
    assert merged_redirect_target(user=other_manager, pk=tombstone.pk) is None  # not their store
    assert merged_redirect_target(user=supervisor, pk=survivor.pk) is None  # not a tombstone
    assert merged_redirect_target(user=supervisor, pk=999_999) is None


def test_merged_redirect_target_costs_one_query(central, supervisor, django_assert_num_queries):
    # given
    survivor = person(store=central)
    tombstone = person(store=central, merged_into=survivor)
    roles_cached = list(Customer.objects.visible_to(supervisor)[:0])  # noqa: F841 (caches the roles)
    # when / then
    with django_assert_num_queries(1):
        target = merged_redirect_target(user=supervisor, pk=tombstone.pk)
        str(target.home_store)
