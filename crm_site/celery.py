"""The Celery app. Tasks live in each app's tasks.py and are found by autodiscovery."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.local")

app = Celery("crm_site")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.on_after_configure.connect
def _prepare_filesystem_broker(sender, **kwargs):
    """kombu's filesystem transport needs its folders to exist before the first message."""
    from django.conf import settings

    if not str(settings.CELERY_BROKER_URL).startswith("filesystem://"):
        return
    folder = settings.CELERY_BROKER_FOLDER
    for sub in ("processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    sender.conf.broker_transport_options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


app.autodiscover_tasks()
