"""Settings shared by every environment. Values that vary come from config/env.py."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import env

BASE_DIR = env.BASE_DIR
SECRET_KEY = env.SECRET_KEY
DEBUG = env.DEBUG
ALLOWED_HOSTS = env.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = env.CSRF_TRUSTED_ORIGINS

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves Swagger UI's files locally (the docs page works offline and under CSP)
    "django_tasks_db",
    "axes",
    "yizhan.core",
    "yizhan.regions",
    "yizhan.accounts",
    "yizhan.stations",
    "yizhan.visitors",
    "yizhan.finder",
    "yizhan.notifications",
    "yizhan.operations",
    "yizhan.supplies",
    "yizhan.volunteers",
    "yizhan.signage",
    "yizhan.feedback",
    "yizhan.devices",
    "yizhan.evidence",
    "yizhan.evaluation",
    "yizhan.lockers",
    "yizhan.planning",
    "yizhan.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "yizhan.core.middleware.ApiLanguageMiddleware",
    "yizhan.core.middleware.RejectNulMiddleware",  # 4xx for NUL bytes and broken bodies
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "yizhan.core.busy.DatabaseBusyMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the 429 page
]
if env.LOG_JSON:
    MIDDLEWARE.insert(0, "yizhan.core.requestlog.RequestLogMiddleware")

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
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yizhan.notifications.context.notices",
                "yizhan.operations.nav.staff_nav",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(env.DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    env.VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server and the task worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        # Seconds a writer waits for another (an import is one transaction) before the
        # "busy, try again" page (yizhan.core.busy).
        "timeout": env.SQLITE_BUSY_TIMEOUT,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out sign-in untried
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "operations:login"
LOGIN_REDIRECT_URL = "operations:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.STATIC_ROOT
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing root
STATICFILES_DIRS = [
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    ("vendor/leaflet.markercluster", BASE_DIR / "node_modules" / "leaflet.markercluster" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.MEDIA_ROOT


def media_storage() -> dict[str, Any]:
    """The `default` storage for uploaded photos: local disk, or an S3-compatible bucket
    through django-storages (docs/photos.md)."""
    if env.MEDIA_STORAGE == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if env.MEDIA_STORAGE != "s3":
        raise ImproperlyConfigured("YIZHAN_MEDIA_STORAGE must be 'local' or 's3'")
    if not env.S3_BUCKET:
        raise ImproperlyConfigured("YIZHAN_MEDIA_STORAGE=s3 needs YIZHAN_S3_BUCKET")
    if env.S3_ADDRESSING_STYLE not in ("virtual", "path"):
        raise ImproperlyConfigured("YIZHAN_S3_ADDRESSING_STYLE must be 'virtual' or 'path'")
    from botocore.config import Config

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.S3_BUCKET,
            "endpoint_url": env.S3_ENDPOINT_URL or None,
            "region_name": env.S3_REGION or None,
            "access_key": env.S3_ACCESS_KEY or None,
            "secret_key": env.S3_SECRET_KEY or None,
            # Virtual-hosted (OSS, COS) or path style (MinIO); signature version 4; and no
            # CRC trailers on uploads (boto3 ≥ 1.36 sends them by default, "aws-chunked",
            # which OSS, COS and older MinIO refuse): checksums only where S3 requires them.
            "client_config": Config(
                s3={"addressing_style": env.S3_ADDRESSING_STYLE},
                signature_version="s3v4",
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
            "custom_domain": env.S3_CUSTOM_DOMAIN or None,
            "querystring_auth": env.S3_SIGNED_URLS,
            "querystring_expire": env.S3_URL_EXPIRE_SECONDS,
            "location": env.S3_LOCATION,
            "file_overwrite": False,
            "default_acl": None,  # no per-object ACL: objects follow the bucket's policy
        },
    }


MEDIA_STORAGE = media_storage()
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# The cache holds rate-limit counters and job progress. It must be shared by every
# process (web servers, task workers) and must not ride on a job's own transaction:
# with SQLite (one machine) a file cache beside the database; with PostgreSQL the
# database cache on a second connection to the same database.
#
# Rate-limit counters are written on every anonymous request. With SQLite they live in
# each process's memory (a file cache lists its whole folder on every write: milliseconds
# per request at thousands of clients), so a limit holds per server process; with
# PostgreSQL they share the database cache.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(env.VAR_DIR / "cache"),
        },
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ratelimit",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
    }
else:
    DATABASES["cache"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS = ["yizhan.core.routers.CacheRouter"]
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "yizhan_cache",
        }
    }
    CACHES["ratelimit"] = CACHES["default"]


def _mailer() -> dict[str, Any]:
    """The default mailer from the environment (Django 6.1 MAILERS: the old EMAIL_HOST...
    settings are refused beside it, so SMTP options go in OPTIONS)."""
    if env.EMAIL_URL:
        url = urlsplit(env.EMAIL_URL)
        if url.scheme not in {"smtp", "smtps", "smtp+plain"} or not url.hostname:
            raise ImproperlyConfigured(
                "EMAIL_URL must look like smtp://user:password@host:587 (or smtps://, smtp+plain://)"
            )
        ssl = url.scheme == "smtps"
        options: dict[str, Any] = {
            "host": url.hostname,
            "port": url.port or (465 if ssl else 25 if url.scheme == "smtp+plain" else 587),
            "username": unquote(url.username or ""),
            "password": unquote(url.password or ""),
            "use_ssl": ssl,
            "use_tls": url.scheme == "smtp",
            "timeout": env.EMAIL_TIMEOUT,
        }
    elif env.EMAIL_HOST:
        options = {
            "host": env.EMAIL_HOST,
            "port": env.EMAIL_PORT,
            "username": env.EMAIL_USER,
            "password": env.EMAIL_PASSWORD,
            "use_ssl": env.EMAIL_USE_SSL,
            "use_tls": env.EMAIL_USE_TLS and not env.EMAIL_USE_SSL,
            "timeout": env.EMAIL_TIMEOUT,
        }
    else:
        return {"BACKEND": env.EMAIL_BACKEND}
    return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}


def _sms_templates() -> dict[str, Any]:
    try:
        templates = json.loads(env.SMS_TEMPLATES or "{}")
    except ValueError as error:
        raise ImproperlyConfigured(f"YIZHAN_SMS_TEMPLATES is not valid JSON: {error}") from error
    if not isinstance(templates, dict):
        raise ImproperlyConfigured("YIZHAN_SMS_TEMPLATES must be a JSON object (kind → template)")
    return templates


MAILERS = {"default": _mailer()}
DEFAULT_FROM_EMAIL = env.DEFAULT_FROM_EMAIL
SERVER_EMAIL = env.SERVER_EMAIL

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:", "https:"],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
}

NINJA_NUM_PROXIES = env.NUM_PROXIES

YIZHAN: dict[str, Any] = {
    "TILES": env.TILES,
    "TIANDITU_TILE_KEY": env.TIANDITU_TILE_KEY,
    "TILE_REVIEW_NO": env.TILE_REVIEW_NO,
    "TILE_URL": env.TILE_URL,
    "PHOTO_MAX_SIDE_PX": env.PHOTO_MAX_SIDE_PX,
    "TILE_ATTRIBUTION": env.TILE_ATTRIBUTION,
    "TILE_CRS": env.TILE_CRS,
    "API_ANON_RATE": env.API_ANON_RATE,
    "FINDER_RECHECK_SECONDS": env.FINDER_RECHECK_SECONDS,
    "FINDER_BACKGROUND_REBUILD": env.FINDER_BACKGROUND_REBUILD,
    "AMAP_WEB_KEY": env.AMAP_WEB_KEY,
    "TIANDITU_KEY": env.TIANDITU_KEY,
    "GEOCODER": env.GEOCODER,
    "GEOCODER_CITY": env.GEOCODER_CITY,
    "FINDER_PAGE_RATE_PER_MINUTE": env.FINDER_PAGE_RATE_PER_MINUTE,
    "SMS_BACKEND": env.SMS_BACKEND,
    "SMS_ACCESS_KEY_ID": env.SMS_ACCESS_KEY_ID,
    "SMS_ACCESS_KEY_SECRET": env.SMS_ACCESS_KEY_SECRET,
    "SMS_SIGN_NAME": env.SMS_SIGN_NAME,
    "SMS_SDK_APP_ID": env.SMS_SDK_APP_ID,
    "SMS_REGION": env.SMS_REGION,
    "SMS_ENDPOINT": env.SMS_ENDPOINT,
    "SMS_TEMPLATES": _sms_templates(),
    "SMS_MAX_ATTEMPTS": env.SMS_MAX_ATTEMPTS,
    "SMS_RETRY_BASE_SECONDS": env.SMS_RETRY_BASE_SECONDS,
    "SITE_URL": env.SITE_URL,
    "COMPLAINT_LINE": env.COMPLAINT_LINE,
    "REPORT_ACK_HOURS": env.REPORT_ACK_HOURS,
    "DEVICE_BATCHES_PER_MINUTE": env.DEVICE_BATCHES_PER_MINUTE,
    "LOCKER_HOLD_MINUTES": env.LOCKER_HOLD_MINUTES,
    "CLAIM_HOLD_HOURS": env.CLAIM_HOLD_HOURS,
    "LOCKER_QUOTA_PER_WEEK": env.LOCKER_QUOTA_PER_WEEK,
    "LOCKER_WRITES_PER_MINUTE": env.LOCKER_WRITES_PER_MINUTE,
    "CHINA_DIVISION_DIR": env.CHINA_DIVISION_DIR,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # YIZHAN_LOG_JSON=1 (production): one JSON object per line (yizhan.core.requestlog).
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if env.LOG_JSON else {}),
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The request lines are for the JSON logs; in plain logs runserver prints its own.
        "yizhan.request": {"level": "INFO" if env.LOG_JSON else "WARNING"},
    },
}

# Sign-in throttling on every login (the console's and the staff page's); docs/security.md.
# A (username, address) pair waits 15 minutes after 5 failures; an address that failed on
# 20 usernames within an hour waits an hour (yizhan.accounts.lockout.ThrottleHandler).
AXES_HANDLER = "yizhan.accounts.lockout.ThrottleHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the wait runs from the 5th failure
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # what the address-wide rule counts
AXES_LOCKOUT_CALLABLE = "yizhan.accounts.lockout.locked_out"
# The client address as every rate limit sees it: X-Forwarded-For only through
# YIZHAN_NUM_PROXIES trusted proxies (nginx), REMOTE_ADDR otherwise.
AXES_CLIENT_IP_CALLABLE = "yizhan.core.ratelimit.client_address"
YIZHAN_LOGIN_ADDRESS_ACCOUNTS = 20
YIZHAN_LOGIN_ADDRESS_WINDOW = dt.timedelta(hours=1)

# Where the rate-limit counters live: "sql" (an atomic upsert in the database, core's
# RateCounter). A Redis backend comes with the scale-out issue.
RATE_LIMIT_BACKEND = "sql"
# Counted on their own connection where there is one (PostgreSQL's "cache" alias), so a
# count commits at once whatever transaction the request is in.
RATE_LIMIT_DATABASE = "cache" if "cache" in DATABASES else "default"
