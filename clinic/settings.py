"""Settings of the clinic booking service, read from the environment.

Safe local defaults make `make run` work with nothing but Python (SQLite and kombu's
filesystem transport under `var/`). With DEBUG off there is no default secret.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless asked for: `make run` and the test suite turn it on; production never does.
DEBUG = env.bool("DEBUG", default=False)

_secret = env.str("SECRET_KEY", default="")
if not _secret:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # `make run` writes a dev-only secret to var/ (so sessions survive a restart); without
    # it, a key for this process only. Importing the settings never writes a file.
    _secret_file = VAR_DIR / "dev-secret-key"
    _secret = _secret_file.read_text().strip() if _secret_file.exists() else secrets.token_urlsafe(50)
SECRET_KEY = _secret

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "clinic.apps.ClinicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "clinic",
    "audit",
    "locations",
    "therapists",
    "booking",
    "payments",
    "waitlist",
    "courses",
    "notifications",
    "portal",
    "website",
    "frontdesk",
    "clinic.two_factor.apps.TwoFactorConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Above every middleware that reads or changes the body (Django's docs); below WhiteNoise,
    # which serves its own precompressed static files. JSON only: see clinic/compression.py.
    "clinic.compression.JsonGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "clinic.two_factor.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "clinic.headers.PrivacyHeadersMiddleware",
    "clinic.outage.DatabaseOutageMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

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
                "clinic.context_processors.clinic",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'clinic.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two bookings serialise instead of
    # failing with "database is locked" halfway through.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_POOL", default=False):
    # psycopg 3's pool, one per process (gunicorn worker); it needs CONN_MAX_AGE = 0.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=8),
        "timeout": 10,
        # A connection handed out within these seconds is not tested first (clinic/postgresql/base.py).
        "check_after": env.float("DATABASE_POOL_CHECK_AFTER", default=5.0),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, reading timestamps with psycopg's compiled loader (clinic/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "clinic.postgresql"
    # A booking's statements prepared once per connection with one generic plan (clinic/postgresql/base.py);
    # off for a pooler that cannot keep prepared statements or refuses the plan_cache_mode option.
    DATABASES["default"].setdefault("OPTIONS", {})["prepared_statements"] = env.bool(
        "DATABASE_PREPARED_STATEMENTS", default=True
    )
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A PostgreSQL read replica of the primary, if any: only clinic.db_router.replica_reads()
# blocks (the public availability and therapists' answers) read it; all else is the primary's.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db_url("DATABASE_REPLICA_URL"),
        "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        # The test suite reads the primary through this alias; tests/multi_machine starts a real replica.
        "TEST": {"MIRROR": "default"},
    }
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"]["ENGINE"] = "clinic.postgresql"
DATABASE_ROUTERS = ["clinic.db_router.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "clinic.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "clinic.storage.ClinicStaticFilesStorage"  # whitenoise's, with ES module imports hashed
        )
    },
}

# E-mail: console by default, SMTP (or any backend) through EMAIL_URL.
_email = env.email_url("EMAIL_URL", default="consolemail://")
if _email.get("EMAIL_FILE_PATH") and env.str("EMAIL_URL", default="").startswith("filemail:///"):
    # django-environ reads filemail:///tmp/x as the relative tmp/x; the URL meant /tmp/x
    # (and filemail:////tmp/x, its working form, already gives /tmp/x).
    _email["EMAIL_FILE_PATH"] = "/" + _email["EMAIL_FILE_PATH"].lstrip("/")
vars().update(_email)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Back & Balance Massage <bookings@clinic.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds an SMTP connection may hang before the send fails and is retried.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# Celery: Redis in production and tests; kombu's filesystem transport for `make run`.
_broker_dir = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The folders are made by `make run` (manage.py prepare_var): settings write no files.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Each therapist gets the day's agenda at this hour, clinic time.
NOTIFICATION_AGENDA_HOUR = env.int("NOTIFICATION_AGENDA_HOUR", default=7)
CELERY_BEAT_SCHEDULE = {
    # Reminders and anything whose enqueue was lost (broker down) go out from this scan,
    # never from a long ETA, which Redis would redeliver after its visibility timeout.
    "dispatch-due-notifications": {"task": "notifications.tasks.dispatch_due_notifications", "schedule": 60.0},
    # In the clinic's zone, as CELERY_TIMEZONE is.
    "plan-daily-agendas": {
        "task": "notifications.tasks.plan_daily_agendas",
        "schedule": crontab(hour=NOTIFICATION_AGENDA_HOUR, minute=0),
    },
    # Charges and refunds whose hand-off was lost, or whose worker died mid-call.
    "sweep-payments": {"task": "payments.tasks.sweep_payments", "schedule": 60.0},
    # Waitlist offers that ran out go to the next in line; freed time whose hand-off was lost is offered.
    "sweep-waitlist": {"task": "waitlist.tasks.sweep_waitlist", "schedule": 60.0},
}

# The notification outbox. A claim older than the timeout is a dead worker's and is taken
# over; it must outlast CELERY_TASK_TIME_LIMIT plus EMAIL_TIMEOUT, or a slow send could run twice.
NOTIFICATION_CLAIM_TIMEOUT = timedelta(seconds=env.int("NOTIFICATION_CLAIM_TIMEOUT_SECONDS", default=300))
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
# Pause before retry n is BACKOFF * 2**(n-1) seconds, at most BACKOFF_MAX (30, 60, 120, 240, 300).
NOTIFICATION_RETRY_BACKOFF = env.float("NOTIFICATION_RETRY_BACKOFF_SECONDS", default=30)
NOTIFICATION_RETRY_BACKOFF_MAX = env.float("NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS", default=300)
# Most rows in flight (claimed, not yet settled): the beat tops up to this, the rest wait
# for a later tick. Keep it below what the workers send within the claim timeout.
NOTIFICATION_DISPATCH_LIMIT = env.int("NOTIFICATION_DISPATCH_LIMIT", default=2000)

# The clinic and its booking policy.
CLINIC_NAME = env.str("CLINIC_NAME", default="Back & Balance Massage Clinic")
CLINIC_ADDRESS = env.str("CLINIC_ADDRESS", default="12 Harbor Street, Suite 3, Boston, MA 02110")
CLINIC_PHONE = env.str("CLINIC_PHONE", default="+1 617 555 0142")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
BOOKING_SLOT_GRID_MINUTES = env.int("BOOKING_SLOT_GRID_MINUTES", default=15)
BOOKING_MIN_NOTICE = timedelta(hours=env.float("BOOKING_MIN_NOTICE_HOURS", default=2))
BOOKING_HORIZON = timedelta(days=env.int("BOOKING_HORIZON_DAYS", default=60))
CANCELLATION_WINDOW = timedelta(hours=env.float("CANCELLATION_WINDOW_HOURS", default=24))
MAX_ACTIVE_APPOINTMENTS = env.int("MAX_ACTIVE_APPOINTMENTS", default=4)
# Courses of care (courses/): the most sessions one course books at once (it counts as one booking above).
COURSE_MAX_SESSIONS = env.int("COURSE_MAX_SESSIONS", default=8)
REMINDER_OFFSETS = [timedelta(hours=h) for h in env.list("REMINDER_OFFSETS_HOURS", cast=float, default=[24, 2])]
# The waitlist (waitlist/): how long an offer holds a freed slot for its patient (less when
# the slot is soon: a hold ends by the minimum notice), and how many entries a patient keeps.
WAITLIST_HOLD_MINUTES = env.int("WAITLIST_HOLD_MINUTES", default=30)
WAITLIST_MAX_ENTRIES = env.int("WAITLIST_MAX_ENTRIES", default=3)

# Payments (payments/). Without a secret key online payments are off: nothing goes to Stripe,
# no card is asked for, and the front desk still records what is paid at the desk.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Stripe's API, or a local stand-in (localstripe) in tests; Stripe.js is loaded from STRIPE_JS_URL.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_JS_URL = env.str("STRIPE_JS_URL", default="https://js.stripe.com/v3/")
CURRENCY = env.str("CURRENCY", default="usd").lower()
# The clinic's payment policy: defaults for the policy the owner edits in admin.
PAYMENTS_CARD_REQUIRED = env.bool("PAYMENTS_CARD_REQUIRED", default=False)
PAYMENTS_DEPOSIT_PERCENT = Decimal(env.str("PAYMENTS_DEPOSIT_PERCENT", default="0"))
PAYMENTS_LATE_CANCEL_FEE_PERCENT = Decimal(env.str("PAYMENTS_LATE_CANCEL_FEE_PERCENT", default="50"))
PAYMENTS_NO_SHOW_FEE_PERCENT = Decimal(env.str("PAYMENTS_NO_SHOW_FEE_PERCENT", default="100"))
PAYMENTS_NO_SHOW_NEEDS_APPROVAL = env.bool("PAYMENTS_NO_SHOW_NEEDS_APPROVAL", default=False)
# A charge claimed for sending longer ago than this is a dead worker's: it is reconciled with Stripe.
PAYMENTS_CLAIM_TIMEOUT = timedelta(seconds=env.int("PAYMENTS_CLAIM_TIMEOUT_SECONDS", default=120))

# Staff and therapists read health data: with this on they open the admin, the portal and
# the therapist API only after a code from an authenticator app (clinic.two_factor).
# On in production; `make run` (DEBUG=1) leaves it off for the demo logins.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = CLINIC_NAME
# The admin never shows a device's secret or QR code, not even to the owner.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# How many proxies in front of the site set X-Forwarded-For. With 0 (the default) the header
# is ignored and the client is the connection's address; with n, the n-th address from the
# right. Every per-client limit (sign-in, sign-up, tokens, throttles) identifies clients so.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous call a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "booking.api.errors.handle_exception",
    # JSON only: every body is offered as one media type in the schema, so generated clients
    # have one way to send it; a form or multipart body answers 415 (booking.api.errors).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "NUM_PROXIES": TRUSTED_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "register": env.str("THROTTLE_REGISTER", default="10/hour"),
        "token": env.str("THROTTLE_TOKEN", default="20/hour"),
        "booking": env.str("THROTTLE_BOOKING", default="30/hour"),
    },
}

# API tokens (django-rest-knox): one per sign-in, stored as a SHA-512 digest only, ending
# after TOKEN_TTL without use (each use slides the expiry), revoked at logout and with the password.
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Token",  # clients keep sending `Authorization: Token <token>`
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30)),
    "AUTO_REFRESH": True,
    # A new sign-in beyond the limit ends the account's oldest token (booking.api.tokens).
    "TOKEN_LIMIT_PER_USER": env.int("API_TOKEN_LIMIT_PER_USER", default=20),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Massage clinic booking API",
    "DESCRIPTION": "Book massage therapy sessions: catalogue, therapists, free slots and appointments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc are served by the project itself (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Throttle and sign-in counters live in the cache, so it must be shared by every process:
# the database by default (its table is made by a migration), Redis where CACHE_URL says so.
CACHES = {
    "default": env.cache_url("CACHE_URL", default="dbcache://clinic_cache"),
}


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Every script and stylesheet is served by the project: no inline code, no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
