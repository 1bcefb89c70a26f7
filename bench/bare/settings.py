"""The least Django needs to route a request to a NinjaAPI: no apps, no middleware, no ORM."""

SECRET_KEY = "bench-bare-not-a-secret"  # serves loopback benchmarks only
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bare.urls"
WSGI_APPLICATION = "bare.wsgi.application"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}
USE_I18N = False
USE_TZ = True
