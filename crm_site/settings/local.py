"""Development on a laptop: DEBUG on, demo data allowed, SQLite unless DATABASE_URL says otherwise."""

from crm_site.env import env

from .base import *  # noqa: F403
from .base import SECRET_KEY

DEBUG = env.bool("DJANGO_DEBUG", default=True)
DEMO_MODE = env.bool("CRM_DEMO_MODE", default=True)
SECRET_KEY = SECRET_KEY or "local-development-only-not-secret"
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# No collectstatic outside production: serve static files straight from the apps and static/.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
