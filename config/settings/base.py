"""Settings for every environment, driven by environment variables (see README)."""

from __future__ import annotations

import datetime
from pathlib import Path

import xstatic.pkg.bootstrap
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    parse_cache_url,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", default=False)

_DEV_SECRET_KEY = "continuum-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. Set DEBUG=1 for local development."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The public address used in invitation e-mails, e.g. https://survey.example.org
SITE_URL = env_str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "accounts",
    "surveys",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages: both may sign a person out and tell them why.
    "accounts.middleware.SessionExpiryMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "surveys.context_processors.support",
            ],
        },
    },
]

DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'continuum.sqlite3'}"),
        base_dir=BASE_DIR,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 0, minimum=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the task worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }

# Optional read replica for reports (PostgreSQL streaming replica of DATABASE_URL).
_replica_url = env_str("REPLICA_DATABASE_URL", default="")
if _replica_url:
    DATABASES["replica"] = {
        **parse_database_url(_replica_url, base_dir=BASE_DIR),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "TEST": {"MIRROR": "default"},
    }
REPORTS_READ_FROM_REPLICA = bool(_replica_url)
DATABASE_ROUTERS = ["config.routers.ReportsReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out username before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", default="America/Vancouver")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [
    ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
    BASE_DIR / "static",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Same-origin referrers only: no address of ours ever reaches another site.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
# HTTPS in production: secure cookies, HSTS and a redirect, unless explicitly
# turned off (for example behind a proxy that already redirects).
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env_bool("BEHIND_TLS_PROXY", default=False):
    # Only when a reverse proxy you control sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
WHITENOISE_USE_FINDERS = DEBUG

# An account's session ends SESSION_COOKIE_AGE after signing in, and after
# SESSION_IDLE_SECONDS without a request (accounts.middleware.SessionExpiryMiddleware).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8, minimum=300)
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# The cache holds only short-lived counters: failed guesses at secrets and logins, per
# client under a daily-rotating keyed hash of its address (surveys.ratelimit). Several app
# servers must share one: CACHE_URL=redis://host:6379/0, memcached://host:11211 or db://table.
CACHES = {"default": parse_cache_url(env_str("CACHE_URL", default="locmem://"))}

# Guessing secrets (invitation links, resume and receipt codes) and passwords: at most
# RATELIMIT_PER_CLIENT failed attempts per client and RATELIMIT_GLOBAL from everyone per
# RATELIMIT_WINDOW_SECONDS; then 429 until the window ends. Only failures count.
RATELIMIT_PER_CLIENT = env_int("RATELIMIT_PER_CLIENT", 30, minimum=1)
RATELIMIT_GLOBAL = env_int("RATELIMIT_GLOBAL", 1000, minimum=1)
RATELIMIT_WINDOW_SECONDS = env_int("RATELIMIT_WINDOW_SECONDS", 600, minimum=10)
# Behind N reverse proxies you control, the client is the Nth address from the right of
# X-Forwarded-For; 0 (direct) uses the connection's address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# Login throttling (django-axes), by username only: LOGIN_FAILURE_LIMIT wrong passwords or
# codes lock that username for LOGIN_COOLOFF_MINUTES. No address, user agent or access log
# is ever stored (accounts.throttling).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "accounts.throttling.PrivateDatabaseHandler"
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.no_client_address"
AXES_CLIENT_STR_CALLABLE = "accounts.throttling.client_description"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken", "next", "code"]
# axes.W006 asks to lock out by address as well; Continuum never keeps addresses, and the
# per-client guessing limit (surveys.ratelimit) covers one client trying many usernames.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Optional TOTP two-step sign-in (django-otp): the issuer shown in authenticator apps.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", default="Continuum")

# E-mail: console output in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST", default="")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=bool(EMAIL_HOST))
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="Continuum <no-reply@localhost>")
# Invitation and reminder e-mails are spaced so that no more than this many leave per minute,
# across all workers; a failed send is retried with doubling delays up to EMAIL_MAX_ATTEMPTS.
EMAIL_MAX_PER_MINUTE = env_int("EMAIL_MAX_PER_MINUTE", 120, minimum=1)
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS", 5, minimum=1)
EMAIL_RETRY_SECONDS = env_int("EMAIL_RETRY_SECONDS", 60, minimum=0)

# Roster e-mails and invitation links are purged this many days after a wave closes.
ROSTER_RETENTION_DAYS = env_int("ROSTER_RETENTION_DAYS", 30, minimum=0)

# Background work (invitations, reminders, report renders, purges).
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "email"],
    }
}

# The organization's own support settings, shown on every survey page.
CONTINUUM_ORGANIZATION_NAME = env_str("ORGANIZATION_NAME", default="Your organization")
CONTINUUM_EAP_NAME = env_str("EAP_NAME", default="Employee and Family Assistance Program")
CONTINUUM_EAP_PHONE = env_str("EAP_PHONE", default="")
CONTINUUM_EAP_URL = env_str("EAP_URL", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "filters": {
        "redact_secret_paths": {"()": "surveys.logfilters.RedactSecretPaths"},
        "drop_query_values": {"()": "surveys.logfilters.DropQueryValues"},
        "drop_template_context": {"()": "surveys.logfilters.DropTemplateContext"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secret_paths"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own defaults give "django" a second console handler (DEBUG only) and an
        # e-mail handler that sends ADMINS the request with the client's address; neither
        # redacts. Everything goes through the root console handler instead.
        "django": {"handlers": [], "propagate": True},
        # Request lines carry paths; the invitation and resume paths carry secrets, which
        # these loggers redact before anything is written (see surveys.logfilters).
        "django.request": {"level": "WARNING", "filters": ["redact_secret_paths"]},
        "django.security.csrf": {"filters": ["redact_secret_paths"]},
        # SQL with its values would carry e-mail addresses and hashes: never log values.
        "django.db.backends": {"filters": ["redact_secret_paths", "drop_query_values"]},
        # A missing template variable is logged with the whole context (e-mails, links).
        "django.template": {"filters": ["drop_template_context"]},
        "django.server": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
            "filters": ["redact_secret_paths"],
        },
    },
}
