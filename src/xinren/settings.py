"""Settings, twelve-factor style: everything that differs between machines comes from the
environment.

- ``XINREN_DATA_DIR``  where the embedded database, uploaded files and the generated secret
  key live (default ``./var`` under the project root).
- ``DATABASE_URL``     any dj-database-url URL; default is SQLite (WAL) in the data dir.
- ``XINREN_ENV``       ``production`` turns on HTTPS-only cookies, HSTS and SSL redirect.
- ``XINREN_ALLOWED_HOSTS``  comma-separated host names (default: loopback only).
- ``XINREN_DEBUG``     ``1`` for Django's debug pages (never in production).
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent  # the project checkout (src/xinren/../..)


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("XINREN_DATA_DIR") or BASE_DIR / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The key comes from the environment or from a file generated once in the data dir,
    so a fresh checkout needs no configuration and restarts keep sessions valid."""
    if os.environ.get("XINREN_SECRET_KEY"):
        return os.environ["XINREN_SECRET_KEY"]
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
PRODUCTION = os.environ.get("XINREN_ENV", "").lower() == "production"
DEBUG = _env_flag("XINREN_DEBUG") and not PRODUCTION
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("XINREN_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(
        ","
    )
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("XINREN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from our static files, not from a CDN
    "axes",
    "xinren.audit",
    "xinren.orgs",
    "xinren.standards",
    "xinren.customers",
    "xinren.timeline",
    "xinren.activities",
    "xinren.sales",
    "xinren.cadence",
    "xinren.quality",
    "xinren.kyc",
    "xinren.risk",
    "xinren.notifications",
    "xinren.jobs",
    "huey.contrib.djhuey",
    "xinren.web",
    "xinren.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "xinren.web.middleware.DropGarbledCookiesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "xinren.web.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "xinren.urls"
WSGI_APPLICATION = "xinren.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xinren.web.context_processors.xinren",
                "xinren.notifications.context_processors.notifications",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
_default_db_url = f"sqlite:///{DATA_DIR / 'xinren.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or _default_db_url, conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue instead of failing half-way with "database is locked".
        # synchronous=FULL: a commit is on disk before it is acknowledged, so not even a power
        # cut loses it (NORMAL would only survive a process crash).
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
            "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "orgs.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:customer-list"
LOGOUT_REDIRECT_URL = "web:login"

# Login throttling (django-axes): lock a user name after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("XINREN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("XINREN_LOGIN_LOCK_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "xinren.orgs.auth.lockout_response"
AXES_VERBOSE = False
# Staff of one enterprise share a few NAT addresses: locking an IP would lock out a whole
# office for one person's typos. The user name is what is locked (axes.W006 says otherwise).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

API_TOKEN_TTL = timedelta(hours=int(os.environ.get("XINREN_API_TOKEN_HOURS", "12")))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_ENGINE = "django.contrib.sessions.backends.db"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_flag("XINREN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing root before collectstatic
NODE_MODULES = Path(os.environ.get("XINREN_NODE_MODULES") or BASE_DIR / "node_modules")
STATICFILES_DIRS = [
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve straight from node_modules before collectstatic ran
MEDIA_ROOT = DATA_DIR / "files"
MEDIA_URL = "/files/"  # never served directly: documents go through a scoped view

DOCUMENT_MAX_BYTES = int(os.environ.get("XINREN_DOCUMENT_MAX_BYTES", str(20 * 1024 * 1024)))
# The customer's upload link (kyc): per file, PDF / JPEG / PNG only.
KYC_UPLOAD_MAX_BYTES = int(os.environ.get("XINREN_KYC_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# E-mail: console by default; SMTP when EMAIL_HOST is set; any backend via XINREN_EMAIL_BACKEND.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("XINREN_EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_flag("EMAIL_USE_TLS")
EMAIL_USE_SSL = _env_flag("EMAIL_USE_SSL")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH") or str(DATA_DIR / "mail")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "xinren@localhost")

# --- background jobs (Huey): SQLite file in the data dir, Redis when REDIS_URL is set; tasks
# run in-process (immediate) under pytest or with XINREN_JOBS_IMMEDIATE=1.
REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY = {
    "name": "xinren",
    "huey_class": "huey.RedisHuey" if REDIS_URL else "huey.SqliteHuey",
    "immediate": _env_flag("XINREN_JOBS_IMMEDIATE", "pytest" in sys.modules),
    **({"url": REDIS_URL} if REDIS_URL else {"filename": str(DATA_DIR / "jobs.sqlite3")}),
}

# Reminders: a first scan of an existing database announces only what fell due (overdue
# payments, next steps, visits) or was logged late within these many days, not years of backlog.
REMINDER_OVERDUE_DAYS = int(os.environ.get("XINREN_REMINDER_OVERDUE_DAYS", "30"))
REMINDER_LATE_LOG_DAYS = int(os.environ.get("XINREN_REMINDER_LATE_LOG_DAYS", "7"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("XINREN_LOG_LEVEL", "WARNING")},
    "loggers": {"axes": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50
