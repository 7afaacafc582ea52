from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy (PDPO)")

    def ready(self):
        # Each app declares its personal data in <app>/personal_data.py,
        # the way admin.py registers with the admin site.
        autodiscover_modules("personal_data")

        from django.db.backends.signals import connection_created

        from privacy.hashing import sqlite_register

        connection_created.connect(sqlite_register, dispatch_uid="privacy_sqlite_hmac")
