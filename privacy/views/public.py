"""Pages anyone can use without signing in: opt-out by link and by phone or e-mail."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.generic import FormView, View

from privacy import selectors
from privacy.contact import subject_model
from privacy.forms import OptOutPublicForm
from privacy.models.consent import Method
from privacy.services import consent as services


@method_decorator(login_not_required, name="dispatch")
class OptOutLinkView(View):
    """The link in every electronic marketing message. GET asks, POST opts out (a link checker
    that fetches the URL does not opt anyone out). Free, no login, no expiry."""

    template_name = "privacy/optout_link.html"

    def get_customer_id(self):
        customer_id = selectors.optout_customer_id(token=self.kwargs["token"])
        if customer_id is None or not subject_model()._default_manager.filter(pk=customer_id).exists():
            raise Http404
        return customer_id

    def get(self, request, token):
        self.get_customer_id()
        return render(request, self.template_name, {"done": False})

    def post(self, request, token):
        services.optout_record(customer_id=self.get_customer_id(), method=Method.OPT_OUT_LINK)
        return render(request, self.template_name, {"done": True})


@method_decorator(login_not_required, name="dispatch")
class OptOutPublicView(FormView):
    """Opt out by phone number or e-mail. The answer is the same whether or not we hold it."""

    template_name = "privacy/optout_public.html"
    form_class = OptOutPublicForm

    def form_valid(self, form):
        services.optout_contact_point(phone=form.cleaned_data["phone"], email=form.cleaned_data["email"])
        return render(self.request, self.template_name, {"done": True})
