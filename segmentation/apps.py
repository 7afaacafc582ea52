from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentationConfig(AppConfig):
    name = "segmentation"
    verbose_name = _("Segmentation")

    def ready(self):
        from customers.selectors import timeline

        # Tier moves appear on the customer's timeline (one query, see segmentation.selectors).
        if "segmentation.selectors" not in timeline.TIMELINE_PROVIDERS:
            timeline.TIMELINE_PROVIDERS.append("segmentation.selectors")
