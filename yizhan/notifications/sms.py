"""SMS backends, chosen by ``YIZHAN_SMS_BACKEND``: ``console`` (the default: printed, nothing
leaves the machine), ``aliyun`` (阿里云短信), ``tencent`` (腾讯云短信), or a dotted path to a
`SmsBackend` subclass (``yizhan.notifications.sms.MemorySmsBackend`` in tests).

Chinese gateways send only pre-approved templates under an approved signature (签名), so a
message carries the notice kind's template code and its named parameters
(``YIZHAN_SMS_TEMPLATES``, see `sms_template`); the console and memory backends also keep the
plain text for development. The two gateway clients are written by hand with urllib: the
vendors' SDKs (alibabacloud-dysmsapi20170525, tencentcloud-sdk-python) bring dozens of
packages for one signed HTTPS call.

A backend raises `SmsError` when the gateway refuses; ``permanent=True`` means retrying
cannot help (bad number, template not approved, wrong key), anything else is retried by
the task worker with backoff (`yizhan.notifications.tasks`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

BACKENDS = {
    "console": "yizhan.notifications.sms.ConsoleSmsBackend",
    "aliyun": "yizhan.notifications.sms.AliyunSmsBackend",
    "tencent": "yizhan.notifications.sms.TencentSmsBackend",
    "memory": "yizhan.notifications.sms.MemorySmsBackend",
}
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class TextMessage:
    phone: str
    text: str
    kind: str = ""
    template: str = ""
    params: dict[str, str] = field(default_factory=dict)


class SmsError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``: what logs and the delivery log keep."""
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) < 8:
        return "*" * (len(digits) - 4) + digits[-4:]
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def sms_template(kind: str) -> tuple[str, dict[str, str]] | None:
    """The template code for a notice kind and its parameters (template variable → notice
    field: ``title``, ``body``, ``url``, ``site``), or None when the kind has none.

    ``YIZHAN_SMS_TEMPLATES`` is JSON: ``{"report_new": {"code": "SMS_123", "params":
    {"title": "title"}}}``; Tencent's templates take their parameters in this order."""
    entry = settings.YIZHAN.get("SMS_TEMPLATES", {}).get(kind)
    if not isinstance(entry, Mapping) or not entry.get("code"):
        return None
    params = entry.get("params") or {}
    return str(entry["code"]), {str(k): str(v) for k, v in dict(params).items()}


class SmsBackend:
    # Gateways send templates only: a kind without one is skipped, never sent as text.
    needs_template: ClassVar[bool] = False

    def send(self, message: TextMessage) -> str:
        """Send, and answer the provider's message id ("" when there is none)."""
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Prints each message on standard output (development)."""

    def send(self, message: TextMessage) -> str:
        template = f" [{message.template} {message.params}]" if message.template else ""
        sys.stdout.write(f"[SMS to {message.phone}]{template} {message.text}\n")
        sys.stdout.flush()
        return ""


class MemorySmsBackend(SmsBackend):
    """Keeps messages in ``MemorySmsBackend.outbox`` (tests)."""

    outbox: ClassVar[list[TextMessage]] = []

    def send(self, message: TextMessage) -> str:
        self.outbox.append(message)
        return f"memory-{len(self.outbox)}"


def _post(request: urllib.request.Request) -> tuple[int, dict[str, Any]]:
    """Status and JSON body; network errors raise a transient `SmsError`."""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise SmsError(f"network: {error}") from error
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return status, body


# --- Aliyun (阿里云短信服务 Dysmsapi 2017-05-25, RPC style, signature v1 HMAC-SHA1) -----------


def aliyun_percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun signs it: space %20, ``*`` %2A, ``~`` kept."""
    return urllib.parse.quote(value, safe="-_.~")


def aliyun_signature(params: Mapping[str, str], secret: str, method: str = "POST") -> str:
    query = "&".join(
        f"{aliyun_percent_encode(k)}={aliyun_percent_encode(v)}" for k, v in sorted(params.items())
    )
    to_sign = f"{method}&{aliyun_percent_encode('/')}&{aliyun_percent_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


# Codes that a later attempt may get past; any other refusal is permanent.
ALIYUN_TRANSIENT = {
    "Throttling",
    "Throttling.User",
    "ServiceUnavailable",
    "InternalError",
    "isp.SYSTEM_ERROR",
    "isp.RAM_PERMISSION_DENY",
    "isv.BUSINESS_LIMIT_CONTROL",
}


class AliyunSmsBackend(SmsBackend):
    needs_template = True

    def __init__(self) -> None:
        conf = settings.YIZHAN
        self.access_key_id = str(conf["SMS_ACCESS_KEY_ID"])
        self.access_key_secret = str(conf["SMS_ACCESS_KEY_SECRET"])
        self.sign_name = str(conf["SMS_SIGN_NAME"])
        self.endpoint = str(conf.get("SMS_ENDPOINT") or "https://dysmsapi.aliyuncs.com/")

    def signed_params(
        self, message: TextMessage, *, nonce: str | None = None, timestamp: str | None = None
    ) -> dict[str, str]:
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": message.phone,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": message.template,
            "TemplateParam": json.dumps(message.params, ensure_ascii=False),
            "Timestamp": timestamp or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = aliyun_signature(params, self.access_key_secret)
        return params

    def send(self, message: TextMessage) -> str:
        data = urllib.parse.urlencode(self.signed_params(message)).encode()
        request = urllib.request.Request(
            self.endpoint,
            data=data,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        status, body = _post(request)
        code = str(body.get("Code", ""))
        if code == "OK":
            return str(body.get("BizId", ""))
        text = f"aliyun {status} {code}: {body.get('Message', '')}".strip()
        raise SmsError(text, permanent=status < 500 and code not in ALIYUN_TRANSIENT)


# --- Tencent Cloud (腾讯云短信 SendSms 2021-01-11, signature TC3-HMAC-SHA256) ----------------


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    host: str,
    action: str,
    payload: bytes,
    timestamp: int,
    content_type: str = "application/json; charset=utf-8",
) -> str:
    """The ``Authorization`` header of a Tencent Cloud API 3.0 POST (TC3-HMAC-SHA256)."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    signed_headers = "content-type;host;x-tc-action"
    canonical_headers = f"content-type:{content_type}\nhost:{host}\nx-tc-action:{action.lower()}\n"
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, signed_headers, _sha256_hex(payload)]
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, _sha256_hex(canonical_request.encode())]
    )
    key = _hmac256(_hmac256(_hmac256(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )


# Tencent error codes worth another attempt; the rest are permanent.
TENCENT_TRANSIENT_PREFIXES = (
    "InternalError",
    "RequestLimitExceeded",
    "LimitExceeded.PhoneNumberThirtySecondLimit",
    "LimitExceeded.PhoneNumberOneHourLimit",
    "ResourceUnavailable",
)


class TencentSmsBackend(SmsBackend):
    needs_template = True
    service = "sms"
    action = "SendSms"
    version = "2021-01-11"

    def __init__(self) -> None:
        conf = settings.YIZHAN
        self.secret_id = str(conf["SMS_ACCESS_KEY_ID"])
        self.secret_key = str(conf["SMS_ACCESS_KEY_SECRET"])
        self.sign_name = str(conf["SMS_SIGN_NAME"])
        self.sdk_app_id = str(conf["SMS_SDK_APP_ID"])
        self.region = str(conf.get("SMS_REGION") or "ap-guangzhou")
        self.endpoint = str(conf.get("SMS_ENDPOINT") or "https://sms.tencentcloudapi.com/")

    def request_for(self, message: TextMessage, *, timestamp: int | None = None) -> Any:
        phone = message.phone if message.phone.startswith("+") else f"+86{message.phone}"
        payload = json.dumps(
            {
                "PhoneNumberSet": [phone],
                "SmsSdkAppId": self.sdk_app_id,
                "SignName": self.sign_name,
                "TemplateId": message.template,
                "TemplateParamSet": list(message.params.values()),
            },
            ensure_ascii=False,
        ).encode()
        now = timestamp if timestamp is not None else int(time.time())
        host = urllib.parse.urlsplit(self.endpoint).netloc
        content_type = "application/json; charset=utf-8"
        authorization = tc3_authorization(
            secret_id=self.secret_id,
            secret_key=self.secret_key,
            service=self.service,
            host=host,
            action=self.action,
            payload=payload,
            timestamp=now,
            content_type=content_type,
        )
        return urllib.request.Request(
            self.endpoint,
            data=payload,
            method="POST",
            headers={
                "Authorization": authorization,
                "Content-Type": content_type,
                "Host": host,
                "X-TC-Action": self.action,
                "X-TC-Timestamp": str(now),
                "X-TC-Version": self.version,
                "X-TC-Region": self.region,
            },
        )

    def send(self, message: TextMessage) -> str:
        status, body = _post(self.request_for(message))
        response = body.get("Response") if isinstance(body.get("Response"), dict) else {}
        assert isinstance(response, dict)
        error = response.get("Error")
        if isinstance(error, dict):
            code = str(error.get("Code", ""))
            raise SmsError(
                f"tencent {status} {code}: {error.get('Message', '')}",
                permanent=status < 500 and not code.startswith(TENCENT_TRANSIENT_PREFIXES),
            )
        results = response.get("SendStatusSet") or []
        first = results[0] if results and isinstance(results[0], dict) else {}
        code = str(first.get("Code", ""))
        if status == 200 and code == "Ok":
            return str(first.get("SerialNo", ""))
        raise SmsError(
            f"tencent {status} {code}: {first.get('Message', '')}",
            permanent=status < 500
            and bool(code)
            and not code.startswith(TENCENT_TRANSIENT_PREFIXES),
        )


def sms_backend() -> SmsBackend:
    name = str(settings.YIZHAN["SMS_BACKEND"])
    backend: SmsBackend = import_string(BACKENDS.get(name, name))()
    return backend
