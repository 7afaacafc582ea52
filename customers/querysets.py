import re

from django.db import models

from crm_site import roles
from customers.phones import phone_search_key

SEARCH_MAX_LENGTH = 100
# Digits with the usual separators: a phone number, or part of one.
_PHONE_LIKE = re.compile(r"[+(\d][\d\s()+.\-]*")
# CJK ideographs (unified, extension A, compatibility): a Chinese name.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class StoreQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def of_user(self, user):
        """The stores whose data ``user`` sees: all of them for admins and privacy officers."""
        if roles.sees_all_stores(user):
            return self.all()
        if not roles.user_roles(user):
            return self.none()
        return self.filter(staff=user)


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The one rule for who sees which customer (design card).

        Admins and privacy officers see all customers; supervisors and account
        managers see the customers of their own stores; anybody else sees none.
        """
        if roles.sees_all_stores(user):
            return self.current()
        if not roles.user_roles(user) & {roles.SUPERVISOR, roles.ACCOUNT_MANAGER}:
            return self.none()
        return self.current().filter(home_store_id__in=_store_ids(user))

    def current(self):
        """Not merged into another record (a merged record stays only as a pointer)."""
        return self.filter(merged_into__isnull=True)

    def editable_by(self, user):
        """Supervisors edit their stores' customers; account managers their own book."""
        if roles.sees_all_stores(user):
            return self.current()
        user_roles = roles.user_roles(user)
        if roles.SUPERVISOR in user_roles:
            return self.current().filter(home_store_id__in=_store_ids(user))
        if roles.ACCOUNT_MANAGER in user_roles:
            return self.current().filter(home_store_id__in=_store_ids(user), account_manager=user)
        return self.none()

    def search(self, term: str):
        """Name in English or Chinese (partial), e-mail, or phone number in any format.

        The term's shape picks the columns, so that each search is one index lookup at a million
        customers (PostgreSQL: the pg_trgm GIN indexes of migration 0005) rather than an OR over
        every column: an ``@`` searches e-mails; digits (with spaces, ``+``, ``-``, brackets) search
        phones, a whole number exactly (``9123 4567``, ``+852 9123-4567``), four or more digits
        anywhere in the E.164 number (the last four, say); Chinese characters search the Chinese
        name, anywhere; anything else searches the English name and the e-mail, anywhere. A term
        longer than ``SEARCH_MAX_LENGTH``, or of too few digits, matches nobody. A trigram index
        needs three characters: a one- or two-character term (``小明``) scans the table
        (bench/README.md, "Lists and search"). The term is always a bound
        parameter (never SQL) and ``%``/``_`` match themselves (Django escapes LIKE patterns).
        """
        term = " ".join((term or "").split())
        if not term:
            return self
        if len(term) > SEARCH_MAX_LENGTH or "\x00" in term:  # PostgreSQL refuses NUL in text
            return self.none()
        if "@" in term:
            return self.filter(email__icontains=term)
        if _PHONE_LIKE.fullmatch(term):
            digits = "".join(ch for ch in term if ch.isdigit())
            phone = phone_search_key(term)
            if phone:
                return self.filter(mobile_phone=phone)
            if len(digits) >= 4:
                return self.filter(mobile_phone__contains=digits)
            return self.none()
        if _CJK.search(term):
            return self.filter(name_zh__contains=term)
        return self.filter(models.Q(name_en__icontains=term) | models.Q(email__icontains=term))


def _store_ids(user) -> tuple[int, ...]:
    """The user's store ids as numbers (read with the roles, once a request): see roles.user_store_ids."""
    return roles.user_store_ids(user)
