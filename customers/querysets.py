from django.db import models

from crm_site import roles
from customers.phones import phone_search_key


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
        return self.current().filter(home_store__in=_store_ids(user))

    def current(self):
        """Not merged into another record (a merged record stays only as a pointer)."""
        return self.filter(merged_into__isnull=True)

    def editable_by(self, user):
        """Supervisors edit their stores' customers; account managers their own book."""
        if roles.sees_all_stores(user):
            return self.current()
        user_roles = roles.user_roles(user)
        if roles.SUPERVISOR in user_roles:
            return self.current().filter(home_store__in=_store_ids(user))
        if roles.ACCOUNT_MANAGER in user_roles:
            return self.current().filter(home_store__in=_store_ids(user), account_manager=user)
        return self.none()

    def search(self, term: str):
        """Name in English or Chinese (partial), e-mail, or phone number in any format."""
        term = (term or "").strip()
        if not term:
            return self
        condition = (
            models.Q(name_en__icontains=term) | models.Q(name_zh__icontains=term) | models.Q(email__icontains=term)
        )
        phone = phone_search_key(term)
        if phone:
            condition |= models.Q(mobile_phone=phone)
        digits = "".join(ch for ch in term if ch.isdigit())
        if len(digits) >= 4:
            condition |= models.Q(mobile_phone__contains=digits)
        return self.filter(condition)


def _store_ids(user):
    from customers.models import Store

    return Store.staff.through.objects.filter(user=user).values("store_id")
