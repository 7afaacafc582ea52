"""The test suite: fast hashing, in-memory e-mail, demo data allowed."""

from crm_site.env import filesystem_broker_options

from .base import *  # noqa: F403

DEBUG = False
DEMO_MODE = True
SECRET_KEY = "test-only-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# No collectstatic outside production: serve static files straight from the apps and static/.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# Tests never share the development broker folder (a running dev worker would eat their messages).
if CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    CELERY_BROKER_FOLDER = BASE_DIR / "var" / "test-celery-broker"  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(CELERY_BROKER_FOLDER)
