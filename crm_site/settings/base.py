"""Settings shared by every mode (local, test, production)."""

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from crm_site.env import BASE_DIR, env, filesystem_broker_options

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Demo mode allows loading the demo data set with its published passwords.
DEMO_MODE = env.bool("CRM_DEMO_MODE", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "crm_site",
    "privacy",
    "customers",
    "segmentation",
    "churn",
    "complaints",
    "reports",
    "campaigns",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "crm_site.urls"
WSGI_APPLICATION = "crm_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "crm_site.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite by default (embedded, nothing to install); PostgreSQL with a
# postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/crm
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'crm.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    (BASE_DIR / "var").mkdir(exist_ok=True)
    # Web, worker and beat share one file: wait for locks instead of failing,
    # and let readers run beside the writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "crm_site.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: English now, Traditional Chinese (Hong Kong) next.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hant", _("Traditional Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Hong_Kong"
USE_I18N = True
USE_TZ = True
CRM_CURRENCY = "HKD"
# Phone numbers without a country code are read as Hong Kong numbers.
CRM_DEFAULT_PHONE_REGION = "HK"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
# Uploaded files (imports). Not served by the web server: only through views that check permissions.
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"
# Largest upload accepted by an import (bytes).
CRM_IMPORT_MAX_BYTES = env.int("CRM_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: Redis in production and tests; the embedded default is kombu's
# filesystem transport, which needs no server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_FOLDER = env.path("CELERY_BROKER_FOLDER", default=BASE_DIR / "var" / "celery-broker")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    filesystem_broker_options(CELERY_BROKER_FOLDER) if CELERY_BROKER_URL.startswith("filesystem://") else {}
)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Upserted into django-celery-beat's tables by `manage.py sync_schedules`, so
# admins can change them in the browser afterwards.
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "crm_site.tasks.heartbeat", "schedule": 60.0},
    "segmentation-metrics-refresh": {
        "task": "segmentation.tasks.metrics_refresh",
        "schedule": crontab(hour=2, minute=30),
    },
    # Screening and classification: metrics, segments, tiers and RFM (segmentation.services.run_execute).
    "segmentation-run": {
        "task": "segmentation.tasks.segmentation_run_scheduled",
        "schedule": crontab(hour=3, minute=0),
    },
    "complaints-sla-check": {"task": "complaints.tasks.sla_check", "schedule": 300.0},
    "privacy-request-reminders": {"task": "privacy.tasks.request_reminders", "schedule": crontab(hour=8, minute=0)},
    "privacy-retention": {"task": "privacy.tasks.retention_apply", "schedule": crontab(hour=3, minute=15)},
    # After the metrics refresh (2:30), so the night's figures agree.
    "churn-score": {"task": "churn.tasks.churn_score", "schedule": crontab(hour=3, minute=15)},
    # Yesterday's KPI snapshot, after the segmentation run and the churn scores.
    "reports-kpi-snapshot": {"task": "reports.tasks.kpi_snapshot", "schedule": crontab(hour=4, minute=0)},
    "churn-remedy-playbooks": {"task": "churn.tasks.remedy_playbooks", "schedule": crontab(hour=3, minute=45)},
    "campaigns-due": {"task": "campaigns.tasks.campaigns_due", "schedule": 60.0},
    "loyalty-nightly": {"task": "campaigns.tasks.loyalty_nightly", "schedule": crontab(hour=1, minute=30)},
    # The possible duplicates of every scope in use, read by the duplicates list (customers.DuplicateScan).
    "customers-duplicate-scans": {
        "task": "customers.tasks.duplicate_scans_nightly",
        "schedule": crontab(hour=1, minute=0),
    },
}
# SMS and messaging-app delivery (campaigns.backends): console or file in development, a provider's class in production.
CAMPAIGNS_MESSAGE_BACKEND = env("CAMPAIGNS_MESSAGE_BACKEND", default="campaigns.backends.ConsoleBackend")
CAMPAIGNS_MESSAGE_FILE = env("CAMPAIGNS_MESSAGE_FILE", default=str(BASE_DIR / "var" / "messages.jsonl"))
# A heartbeat older than this means the worker (or beat) is not running.
CRM_HEARTBEAT_STALE_AFTER_SECONDS = env.int("CRM_HEARTBEAT_STALE_AFTER_SECONDS", default=300)

# Cache: per-process memory by default; a shared Redis cache in compose and production
# (CACHE_URL=redis://redis:6379/1), so rate limits hold across web processes.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Complaints: approval, reopening, surveys, the public form and the default business hours.
COMPLAINTS_GOODWILL_APPROVAL_ABOVE = env.int("COMPLAINTS_GOODWILL_APPROVAL_ABOVE", default=1000)  # HKD
COMPLAINTS_REOPEN_WITHIN_DAYS = env.int("COMPLAINTS_REOPEN_WITHIN_DAYS", default=30)
COMPLAINTS_SURVEY_VALID_DAYS = env.int("COMPLAINTS_SURVEY_VALID_DAYS", default=14)
COMPLAINTS_PUBLIC_RATE_LIMIT = env.int("COMPLAINTS_PUBLIC_RATE_LIMIT", default=5)  # submissions per address
COMPLAINTS_PUBLIC_RATE_WINDOW_SECONDS = env.int("COMPLAINTS_PUBLIC_RATE_WINDOW_SECONDS", default=3600)
# Behind a reverse proxy, the request header that carries the visitor's address (e.g. HTTP_X_FORWARDED_FOR).
COMPLAINTS_CLIENT_IP_HEADER = env("COMPLAINTS_CLIENT_IP_HEADER", default="")
# Store hours used for SLA clocks when a store has none of its own (Monday = 0; Sundays closed).
COMPLAINTS_DEFAULT_OPENING_HOURS = {day: ("10:00", "19:00") for day in range(6)}
# Where the site is reached: links in e-mails (surveys, notifications) start with it.
CRM_BASE_URL = env("CRM_BASE_URL", default="http://localhost:8000")
# The address e-mails to customers and staff come from.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="crm@localhost")

# Privacy: the model that is the data subject of the personal-data registry.
PRIVACY_SUBJECT_MODEL = "customers.Customer"
# Key of the suppression list's HMAC (opted-out phones and e-mails): keep it like a password;
# changing it orphans the list. Falls back to SECRET_KEY.
PRIVACY_SUPPRESSION_KEY = env("PRIVACY_SUPPRESSION_KEY", default="")
# Exports of more customers than this need a stated reason, kept in the access log.
PRIVACY_BULK_EXPORT_LIMIT = env.int("PRIVACY_BULK_EXPORT_LIMIT", default=200)
# Identity documents (HKID, passport): off by default, as the PCPD's Code on the ID card number asks.
# When on, numbers are encrypted at rest (Fernet) with PRIVACY_FIELD_KEY (falls back to a key derived
# from SECRET_KEY); PRIVACY_FIELD_OLD_KEYS (comma-separated) still decrypt after a key rotation.
PRIVACY_IDENTITY_DOCUMENTS = env.bool("PRIVACY_IDENTITY_DOCUMENTS", default=False)
PRIVACY_FIELD_KEY = env("PRIVACY_FIELD_KEY", default="")
PRIVACY_FIELD_OLD_KEYS = env.list("PRIVACY_FIELD_OLD_KEYS", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # Django's own logger would print every line twice (its handler, then the root's).
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
