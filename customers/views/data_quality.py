"""Duplicate review: the list of likely duplicates, two records side by side, merge and dismiss.

Every page needs customers.merge_customer (supervisors, admins, privacy officers); both
records of a pair must be visible to the user. Otherwise: the same 404, and nothing changes.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import FormView, TemplateView, View

import privacy.services
from crm_site.permissions import PermissionRequired404Mixin
from customers.forms.data_quality import CustomerMergeForm
from customers.models import Customer
from customers.selectors import data_quality as selectors
from customers.services import data_quality as services
from customers.views.mixins import ServiceFormMixin
from privacy.models import AccessLog

LIST_LIMIT = 100


class DuplicateListView(PermissionRequired404Mixin, TemplateView):
    permission_required = "customers.merge_customer"
    template_name = "customers/duplicates/duplicate_list.html"

    def get_context_data(self, **kwargs):
        found = selectors.duplicate_list_for_user(user=self.request.user, limit=LIST_LIMIT)
        if found.scan is None and selectors.duplicate_scope(self.request.user) is not None:
            found.scan = services.duplicate_scan_request(user=self.request.user)  # the first visit of a scope
        return {
            **super().get_context_data(**kwargs),
            "pairs": found.pairs,
            "scan": found.scan,
            "limit_reached": len(found.pairs) >= LIST_LIMIT,
        }


class DuplicateScanView(PermissionRequired404Mixin, View):
    """POST: search the user's customers for duplicates again, in the background."""

    permission_required = "customers.merge_customer"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        services.duplicate_scan_request(user=request.user)
        messages.success(request, _("The search for duplicates has started. Reload this page in a few minutes."))
        return redirect("customers:duplicate-list")


class DuplicatePairMixin:
    """Loads the pair of the URL (``a``, ``b``) for the user: 404 unless both are visible.

    Listed after PermissionRequired404Mixin, so the permission is checked first.
    """

    def dispatch(self, request, *args, **kwargs):
        self.a, self.b = selectors.duplicate_pair_get_for_user(user=request.user, a=kwargs["a"], b=kwargs["b"])
        return super().dispatch(request, *args, **kwargs)

    def record_view(self, view_name: str) -> None:
        """Both records' personal data is on the page: one access row each (one INSERT)."""
        privacy.services.access_record_many(
            user=self.request.user,
            customers=[self.a, self.b],
            action=AccessLog.Action.VIEW,
            view_name=view_name,
            path=self.request.path,
        )

    def suggested_survivor(self) -> Customer:
        """The record with more history; the older one when they have as much."""

        def history(customer):
            return customer.purchase_count + customer.timepiece_count + customer.interaction_count

        if history(self.a) != history(self.b):
            return max((self.a, self.b), key=history)
        return min((self.a, self.b), key=lambda customer: customer.pk)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "a": self.a, "b": self.b}

    def get_initial(self):
        return {"survivor": self.suggested_survivor().pk, "fill_blanks": True}

    def get_context_data(self, **kwargs):
        signals = selectors.pair_signals(self.a, self.b)
        return {
            **super().get_context_data(**kwargs),
            "a": self.a,
            "b": self.b,
            "rows": self.compared_rows(),
            "reasons": selectors.pair_reasons(signals),
            "score": selectors.pair_score(signals),
        }

    def compared_rows(self) -> list[dict]:
        """The identity fields of both records, and whether they agree."""
        rows = []
        for name in ("name_en", "name_zh", "mobile_phone", "email", "district", "address", "birth_month"):
            label = Customer._meta.get_field(name).verbose_name
            if name == "birth_month":
                label = _("Birthday")
                values = (self.a.birthday_display, self.b.birthday_display)
            elif name == "mobile_phone":
                values = (self.a.phone_display, self.b.phone_display)
            elif name == "district":
                values = (self.a.get_district_display(), self.b.get_district_display())
            else:
                values = (getattr(self.a, name), getattr(self.b, name))
            rows.append(
                {
                    "label": label,
                    "a": values[0],
                    "b": values[1],
                    "same": bool(values[0]) and values[0] == values[1],
                    "sensitive": name in ("address", "birth_month"),
                }
            )
        return rows


class DuplicateCompareView(PermissionRequired404Mixin, DuplicatePairMixin, FormView):
    """The two records side by side; the merge form posts to CustomerMergeView."""

    permission_required = "customers.merge_customer"
    template_name = "customers/duplicates/duplicate_compare.html"
    form_class = CustomerMergeForm
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        self.record_view("customers:duplicate-compare")
        return super().get(request, *args, **kwargs)


class CustomerMergeView(PermissionRequired404Mixin, DuplicatePairMixin, ServiceFormMixin, FormView):
    """POST once to review what will happen, then again with ``confirm`` to merge."""

    permission_required = "customers.merge_customer"
    template_name = "customers/duplicates/duplicate_compare.html"
    confirm_template_name = "customers/duplicates/merge_confirm.html"
    form_class = CustomerMergeForm
    http_method_names = ["get", "post"]
    service_denied_404 = True

    def get(self, request, *args, **kwargs):
        return redirect("customers:duplicate-compare", a=self.a.pk, b=self.b.pk)

    def form_valid(self, form):
        if not form.cleaned_data["confirm"]:
            return self.review(form)
        merge = self.run_service(
            form,
            lambda: services.customer_merge(
                by=self.request.user,
                survivor_id=form.survivor_id,
                merged_id=form.merged_id,
                fill_blanks=form.cleaned_data["fill_blanks"],
                view_name="customers:customer-merge",
            ),
        )
        if merge is None:
            return self.form_invalid(form)
        moved = sum(merge.moved.values())
        messages.success(
            self.request,
            ngettext(
                "Record #%(merged)s was merged into %(name)s; %(count)s linked row moved.",
                "Record #%(merged)s was merged into %(name)s; %(count)s linked rows moved.",
                moved,
            )
            % {"merged": merge.merged_id, "name": merge.survivor.display_name, "count": moved},
        )
        return redirect(merge.survivor)

    def review(self, form):
        """The confirm step: what moves, what is filled in, and the button that does it."""
        self.record_view("customers:customer-merge")
        survivor, merged = form.survivor_record, form.merged_record
        filled = services.customer_merge_fill_preview(survivor=survivor, merged=merged)
        confirm_form = CustomerMergeForm(
            initial={**form.cleaned_data, "confirm": True}, a=self.a, b=self.b, confirming=True
        )
        return self.response_class(
            request=self.request,
            template=[self.confirm_template_name],
            context={
                "a": self.a,
                "b": self.b,
                "survivor": survivor,
                "merged": merged,
                "form": confirm_form,
                "fill_blanks": form.cleaned_data["fill_blanks"],
                "filled": [Customer._meta.get_field(name).verbose_name for name in filled]
                if form.cleaned_data["fill_blanks"]
                else [],
                "compare_url": reverse("customers:duplicate-compare", kwargs={"a": self.a.pk, "b": self.b.pk}),
            },
            using=self.template_engine,
        )


class DuplicateDismissView(PermissionRequired404Mixin, DuplicatePairMixin, View):
    """Marks a pair as "not a duplicate": it is not suggested again."""

    permission_required = "customers.merge_customer"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            services.duplicate_dismiss(by=request.user, customer_a_id=self.a.pk, customer_b_id=self.b.pk)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("#%(a_pk)s %(a)s and #%(b_pk)s %(b)s are marked as different people.")
                % {"a_pk": self.a.pk, "a": self.a.display_name, "b_pk": self.b.pk, "b": self.b.display_name},
            )
        return redirect("customers:duplicate-list")
