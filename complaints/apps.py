from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        # Complaints join the customer's timeline (customers names no other app: we register).
        from customers.selectors import timeline

        if "complaints.selectors" not in timeline.TIMELINE_PROVIDERS:
            timeline.TIMELINE_PROVIDERS.append("complaints.selectors")
