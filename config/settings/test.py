"""Test settings: same apps, fast hashing, tasks run in-process unless a test asks otherwise."""

from config import env

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = env.VAR_DIR / "test-media"
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# One process: an in-memory cache (rate limits, progress) that each test can clear.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl"},
}
# Tests may use only the default alias ("cache" mirrors it on PostgreSQL).
RATE_LIMIT_DATABASE = "default"
# Every request sees the registry as it is now (tests change it between requests).
YIZHAN = dict(YIZHAN)  # noqa: F405
YIZHAN["FINDER_RECHECK_SECONDS"] = 0
YIZHAN["FINDER_BACKGROUND_REBUILD"] = False
YIZHAN["AMAP_WEB_KEY"] = ""
YIZHAN["TIANDITU_KEY"] = ""
YIZHAN["GEOCODER"] = ""
YIZHAN["FINDER_PAGE_RATE_PER_MINUTE"] = 100_000  # a test that checks the limit lowers it
# No tile server in tests: the plain base map (tests that need tiles fake the server).
YIZHAN["TILES"] = "none"
YIZHAN["TILE_CRS"] = "wgs84"
YIZHAN["TILE_REVIEW_NO"] = ""
