"""System checks: an SMS gateway without its keys, or a template for a kind that does not
exist, is reported by `manage.py check` at start rather than at the first notice."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.utils.module_loading import import_string

from yizhan.notifications.models import NoticeKind
from yizhan.notifications.sms import BACKENDS

GATEWAY_SETTINGS = {
    "aliyun": ["SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME"],
    "tencent": ["SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME", "SMS_SDK_APP_ID"],
}


def check_sms_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    conf = settings.YIZHAN
    name = str(conf.get("SMS_BACKEND", "console"))
    messages: list[CheckMessage] = []
    try:
        import_string(BACKENDS.get(name, name))
    except ImportError:
        messages.append(
            Error(
                f"YIZHAN_SMS_BACKEND={name!r} is neither console, aliyun, tencent nor a class.",
                id="notifications.E001",
            )
        )
    missing = [k for k in GATEWAY_SETTINGS.get(name, []) if not conf.get(k)]
    if missing:
        messages.append(
            Error(
                f"The {name} SMS gateway needs " + ", ".join(f"YIZHAN_{k}" for k in missing) + ".",
                id="notifications.E002",
            )
        )
    unknown = sorted(set(conf.get("SMS_TEMPLATES", {})) - set(NoticeKind.values))
    if unknown:
        messages.append(
            Warning(
                "YIZHAN_SMS_TEMPLATES names kinds that do not exist: " + ", ".join(unknown),
                hint="Kinds: " + ", ".join(NoticeKind.values),
                id="notifications.W001",
            )
        )
    return messages
