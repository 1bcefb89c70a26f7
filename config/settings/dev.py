"""Local development and the demo (`make run`): debug on, an insecure key is fine here."""

from config import env

from .base import *  # noqa: F403

DEBUG = env.env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env.SECRET_KEY or "dev-only-insecure-key-never-use-in-production"
