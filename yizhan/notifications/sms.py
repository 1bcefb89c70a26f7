"""SMS backends, chosen by dotted path in ``YIZHAN_SMS_BACKEND``.

A provider's backend (Aliyun, Tencent Cloud...) subclasses `SmsBackend` and implements
``send``; the console backend prints, the memory backend keeps messages for tests."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextMessage:
    phone: str
    text: str


class SmsBackend:
    def send(self, message: TextMessage) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Prints each message on standard output (the default: nothing leaves the machine)."""

    def send(self, message: TextMessage) -> None:
        sys.stdout.write(f"[SMS to {message.phone}] {message.text}\n")
        sys.stdout.flush()


class MemorySmsBackend(SmsBackend):
    """Keeps messages in ``MemorySmsBackend.outbox`` (tests)."""

    outbox: ClassVar[list[TextMessage]] = []

    def send(self, message: TextMessage) -> None:
        self.outbox.append(message)


def sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(str(settings.YIZHAN["SMS_BACKEND"]))()
    return backend
