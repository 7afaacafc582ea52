"""What the customers' views share: the customer of the URL, and a service's refusal shown on the form."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from customers import selectors


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


class CustomerMixin:
    """The customer of the URL, through a selector: the same 404 for missing and forbidden.

    Listed after PermissionRequired404Mixin, so the customer is read only once the permission
    check passed. ``customer_editable = False`` for views that only need to see the customer.
    """

    customer_editable = True
    customer_url_kwarg = "customer_pk"

    def dispatch(self, request, *args, **kwargs):
        get = selectors.customer_get_editable_for_user if self.customer_editable else selectors.customer_get_for_user
        self.customer = get(user=request.user, pk=kwargs[self.customer_url_kwarg])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "customer": self.customer}


class ServiceFormMixin:
    """For form views whose ``form_valid`` calls a service: its refusal goes back on the form.

    A ValidationError goes on the fields it names (when the form has them), the rest on top;
    a PermissionDenied goes on top, or is a 404 with ``service_denied_404`` (the answer the
    view gives for a record the user may not see).
    """

    service_denied_404 = False

    def run_service(self, form, call):
        """``call()``'s result; ``None`` once its refusal is on ``form`` (then answer ``self.form_invalid(form)``).

        Every service called through here returns the row it wrote, never ``None``.
        """
        try:
            return call()
        except PermissionDenied as exc:
            if self.service_denied_404:
                raise Http404 from exc
            self.add_service_error(form, exc)
        except ValidationError as exc:
            self.add_service_error(form, exc)
        return None

    def add_service_error(self, form, exc: ValidationError | PermissionDenied) -> None:
        if isinstance(exc, PermissionDenied):
            form.add_error(None, str(exc) or _("You may not do this."))
        elif hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, exc)
