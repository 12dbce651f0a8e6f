"""Settings come from the environment; nothing needs configuring for the embedded default."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.utils.translation import gettext_lazy as _

# Lets admin and forms classes be subscripted for the type checker at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("CASEDESK_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    # A generated key kept in the data folder, so sessions survive restarts without setup.
    if key := os.environ.get("CASEDESK_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("CASEDESK_DEBUG")
ALLOWED_HOSTS = os.environ.get("CASEDESK_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(
    ","
)
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("CASEDESK_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]
BASE_URL = os.environ.get("CASEDESK_BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "casedesk.core",
    "casedesk.accounts",
    "casedesk.customers",
    "casedesk.cases",
    "casedesk.sla",
    "casedesk.mail",
    "casedesk.portal",
    "casedesk.desk",
    "ninja",
    "casedesk.api",
    "casedesk.webhooks",
]

MIDDLEWARE = [
    "casedesk.core.middleware.ConfigSnapshotMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "casedesk.core.middleware.UserPreferencesMiddleware",
    "casedesk.core.middleware.DomainErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "casedesk.urls"
WSGI_APPLICATION = "casedesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _databases() -> dict[str, Any]:
    # Connections are kept between requests and jobs: opening one costs more than a typical
    # request's queries (for SQLite, a cold page cache and the schema read again).
    url = os.environ.get("DATABASE_URL")
    if url:
        db = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
        # psycopg prepares a statement after its fifth use on a connection (needs server-side
        # binding; Django turns preparing off by default for transaction-mode poolers, which
        # Casedesk does not use), so PostgreSQL can reuse a plan instead of planning every
        # request's statements anew. Only for PostgreSQL URLs (a sqlite:// URL is possible).
        if db["ENGINE"] == "django.db.backends.postgresql":
            options = db.setdefault("OPTIONS", {})
            options.setdefault("server_side_binding", True)
            options.setdefault("prepare_threshold", 5)
        db.setdefault("TEST", {})
        return {"default": db}
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            "NAME": DATA_DIR / "casedesk.sqlite3",
            # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the
            # busy timeout instead of failing when a read lock cannot be upgraded.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA wal_autocheckpoint=10000;"
                ),
            },
            # A file, not the shared in-memory database, so threads in tests see real locking.
            "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
        }
    }


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("nb", _("Norwegian Bokmål")),
    ("sv", _("Swedish")),
    ("da", _("Danish")),
    ("nl", _("Dutch")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("CASEDESK_TIME_ZONE", "Europe/Oslo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "attachments"},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedStaticFilesStorage"
        ),
    },
}
WHITENOISE_USE_FINDERS = True

# Attachments: size and type limits (checked by extension and by sniffed content).
CASEDESK_ATTACHMENT_MAX_BYTES = int(os.environ.get("CASEDESK_ATTACHMENT_MAX_BYTES", 10 * 2**20))
CASEDESK_ATTACHMENT_EXTENSIONS = os.environ.get(
    "CASEDESK_ATTACHMENT_EXTENSIONS",
    "png,jpg,jpeg,gif,webp,pdf,txt,log,csv,xlsx,docx,zip,eml",
).split(",")

# Mail
DEFAULT_FROM_EMAIL = os.environ.get("CASEDESK_FROM_EMAIL", "support@casedesk.localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("CASEDESK_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["CASEDESK_SMTP_HOST"]
    EMAIL_PORT = int(os.environ.get("CASEDESK_SMTP_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("CASEDESK_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("CASEDESK_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = _env_bool("CASEDESK_SMTP_TLS")
else:
    # Without an SMTP server, mail lands as files in the data folder where it can be read.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "outbox"

# Inbound and outbound e-mail (casedesk.mail). Replies route back by `<local>+<token>@domain`
# and by our own Message-IDs, both under this domain.
CASEDESK_MAIL_DOMAIN = os.environ.get(
    "CASEDESK_MAIL_DOMAIN", DEFAULT_FROM_EMAIL.rpartition("@")[2] or "casedesk.localhost"
)
CASEDESK_REPLY_ADDRESS = os.environ.get("CASEDESK_REPLY_ADDRESS", DEFAULT_FROM_EMAIL)
CASEDESK_MAIL_MAX_BYTES = int(os.environ.get("CASEDESK_MAIL_MAX_BYTES", 40 * 2**20))
# RFC 3834: at most this many automatic answers (acknowledgements, refusals) per sender an hour.
CASEDESK_MAIL_AUTO_REPLIES_PER_HOUR = int(os.environ.get("CASEDESK_MAIL_AUTO_REPLIES_PER_HOUR", 5))
# One IMAP mailbox from the environment; more can be added in the admin.
CASEDESK_IMAP_HOST = os.environ.get("CASEDESK_IMAP_HOST", "")
CASEDESK_IMAP_PORT = int(os.environ.get("CASEDESK_IMAP_PORT", "993"))
CASEDESK_IMAP_SSL = _env_bool("CASEDESK_IMAP_SSL", True)
CASEDESK_IMAP_USER = os.environ.get("CASEDESK_IMAP_USER", "")
CASEDESK_IMAP_PASSWORD = os.environ.get("CASEDESK_IMAP_PASSWORD", "")
CASEDESK_IMAP_FOLDER = os.environ.get("CASEDESK_IMAP_FOLDER", "INBOX")
# Empty: processed messages are deleted from the server; else moved to this folder.
CASEDESK_IMAP_PROCESSED_FOLDER = os.environ.get("CASEDESK_IMAP_PROCESSED_FOLDER", "")

# Background work: Redis when configured (scale-out), otherwise an embedded SQLite queue.
REDIS_URL = os.environ.get("CASEDESK_REDIS_URL", "")
HUEY: dict[str, Any] = {
    "name": "casedesk",
    "immediate": _env_bool("CASEDESK_HUEY_IMMEDIATE"),
    "consumer": {"workers": 2, "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update(
        {
            "huey_class": "casedesk.core.queue.CasedeskSqliteHuey",
            "filename": str(DATA_DIR / "huey.sqlite3"),
        }
    )

# The cache is shared by all web processes (API rate limits count across gunicorn workers):
# Redis when configured, otherwise a table in the database (created by `migrate`).
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "casedesk_cache",
        }
    }

# API: requests per token per window (seconds); service accounts (integrations) get more.
CASEDESK_API_RATE_WINDOW = int(os.environ.get("CASEDESK_API_RATE_WINDOW", "60"))
CASEDESK_API_RATE_LIMIT = int(os.environ.get("CASEDESK_API_RATE_LIMIT", "600"))
CASEDESK_API_SERVICE_RATE_LIMIT = int(os.environ.get("CASEDESK_API_SERVICE_RATE_LIMIT", "6000"))
# Without Redis on SQLite, the counters live in a file of their own (see api/ratelimit.py).
CASEDESK_API_RATE_COUNTS_FILE = DATA_DIR / "ratecounts.sqlite3"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
# JSON for /api/ paths, Django's page elsewhere.
CSRF_FAILURE_VIEW = "casedesk.api.handlers.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CASEDESK_LOG_LEVEL", "INFO")},
    # The Huey consumer attaches its own handler; without this every job is logged twice.
    "loggers": {
        "huey": {"propagate": False},
        # aiosmtpd logs every SMTP/LMTP command at INFO: a line per command of every mail.
        "mail.log": {"level": "WARNING"},
    },
}
