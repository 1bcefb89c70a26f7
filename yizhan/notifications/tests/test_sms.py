"""SMS through Aliyun or Tencent Cloud, sent by the task worker with retries and a delivery
log (issue 19, point 3). The gateways are faked at the boundary: a local HTTP server that
answers as the vendor would."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.tasks import default_task_backend
from django.test import Client, override_settings

from yizhan.notifications.models import NoticeKind, Notification, SmsDelivery, SmsStatus
from yizhan.notifications.services import notify, sms_retry_delay
from yizhan.notifications.sms import (
    AliyunSmsBackend,
    MemorySmsBackend,
    TextMessage,
    aliyun_signature,
    mask_phone,
    sms_template,
    tc3_authorization,
)
from yizhan.stations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
TEMPLATES = {
    "report_new": {"code": "SMS_465", "params": {"title": "title", "link": "url"}},
    "shift_reminder": {"code": "2001", "params": {"who": "驿站", "title": "title"}},
}


class FakeGateway:
    """A vendor endpoint on loopback: answers the queued (status, body) replies in turn,
    the last one for ever, and keeps every request it got."""

    def __init__(self, *replies: tuple[int, dict[str, Any]]) -> None:
        self.replies = list(replies)
        self.requests: list[tuple[dict[str, str], bytes]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status, reply = gateway.replies[0]
                if len(gateway.replies) > 1:
                    gateway.replies.pop(0)
                raw = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _sms_settings(settings, backend: str, url: str = "", **extra: Any) -> None:
    settings.YIZHAN = {
        **settings.YIZHAN,
        "SMS_BACKEND": backend,
        "SMS_ENDPOINT": url,
        "SMS_ACCESS_KEY_ID": "testid",
        "SMS_ACCESS_KEY_SECRET": "testsecret",
        "SMS_SIGN_NAME": "驿站测试",
        "SMS_SDK_APP_ID": "1400000000",
        "SMS_TEMPLATES": TEMPLATES,
        "SMS_MAX_ATTEMPTS": 3,
        "SMS_RETRY_BASE_SECONDS": 60,
        **extra,
    }


def _notify(capture, kind: str = NoticeKind.REPORT_NEW, phone: str = PHONE) -> Notification:
    user = UserFactory(phone=phone, email="")
    with capture(execute=True):
        notice = notify(user=user, kind=kind, title="设备损坏:北大街驿站", key="k1", url="/r/7")
    assert notice is not None
    return notice


def test_aliyun_gateway_fails_once_then_the_worker_retry_sends(
    settings, django_capture_on_commit_callbacks
):
    with FakeGateway(
        (503, {"Code": "ServiceUnavailable", "Message": "busy"}),
        (200, {"Code": "OK", "BizId": "900619746936498440^0", "RequestId": "r2"}),
    ) as gateway:
        _sms_settings(settings, "aliyun", gateway.url)
        notice = _notify(django_capture_on_commit_callbacks)

    delivery = SmsDelivery.objects.get()
    assert delivery.status == SmsStatus.SENT
    assert delivery.attempts == 2
    assert delivery.provider_message_id == "900619746936498440^0"
    assert delivery.phone_masked == "138****5678"
    assert delivery.template == "SMS_465"
    assert delivery.sent_at is not None and delivery.last_error == ""
    notice.refresh_from_db()
    assert notice.texted_at is not None

    assert len(gateway.requests) == 2
    _headers, body = gateway.requests[1]
    params = dict(urllib.parse.parse_qsl(body.decode()))
    assert params["Action"] == "SendSms" and params["PhoneNumbers"] == PHONE
    assert params["SignName"] == "驿站测试" and params["TemplateCode"] == "SMS_465"
    assert json.loads(params["TemplateParam"]) == {
        "title": "设备损坏:北大街驿站",
        "link": f"{settings.YIZHAN['SITE_URL']}/r/7",
    }
    signature = params.pop("Signature")
    assert signature == aliyun_signature(params, "testsecret")


def test_a_gateway_that_keeps_failing_is_given_up_after_max_attempts(
    settings, django_capture_on_commit_callbacks, caplog
):
    with FakeGateway((500, {"Code": "InternalError", "Message": f"down for {PHONE}"})) as gateway:
        _sms_settings(settings, "aliyun", gateway.url)
        _notify(django_capture_on_commit_callbacks)

    delivery = SmsDelivery.objects.get()
    assert delivery.status == SmsStatus.GAVE_UP
    assert delivery.attempts == 3 == len(gateway.requests)
    assert "InternalError" in delivery.last_error
    # The number never reaches the log or the delivery row, even when the gateway echoes it.
    assert PHONE not in delivery.last_error and "138****5678" in delivery.last_error
    assert PHONE not in caplog.text and "138****5678" in caplog.text


def test_a_permanent_refusal_is_not_retried(settings, django_capture_on_commit_callbacks):
    refusal = {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}
    with FakeGateway((400, refusal)) as gateway:
        _sms_settings(settings, "aliyun", gateway.url)
        notice = _notify(django_capture_on_commit_callbacks)

    delivery = SmsDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (SmsStatus.GAVE_UP, 1)
    assert len(gateway.requests) == 1
    notice.refresh_from_db()
    assert notice.texted_at is None


def test_tencent_sends_the_template_with_positional_parameters_and_a_tc3_signature(
    settings, django_capture_on_commit_callbacks
):
    ok = {"Response": {"SendStatusSet": [{"Code": "Ok", "SerialNo": "2028:1"}], "RequestId": "x"}}
    with FakeGateway(
        (200, {"Response": {"Error": {"Code": "InternalError.Timeout", "Message": "t"}}}),
        (200, ok),
    ) as gateway:
        _sms_settings(settings, "tencent", gateway.url)
        _notify(django_capture_on_commit_callbacks, kind=NoticeKind.SHIFT_REMINDER)

    delivery = SmsDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (SmsStatus.SENT, 2)
    assert delivery.provider_message_id == "2028:1"
    headers, body = gateway.requests[-1]
    payload = json.loads(body)
    assert payload["PhoneNumberSet"] == [f"+86{PHONE}"]
    assert payload["TemplateId"] == "2001" and payload["SmsSdkAppId"] == "1400000000"
    assert payload["TemplateParamSet"] == ["驿站", "设备损坏:北大街驿站"]  # the mapping's order
    assert headers["x-tc-action"] == "SendSms" and headers["x-tc-version"] == "2021-01-11"
    expected = tc3_authorization(
        secret_id="testid",
        secret_key="testsecret",
        service="sms",
        host=urllib.parse.urlsplit(gateway.url).netloc,
        action="SendSms",
        payload=body,
        timestamp=int(headers["x-tc-timestamp"]),
    )
    assert headers["authorization"] == expected


def test_a_kind_without_a_template_is_logged_and_not_sent(
    settings, django_capture_on_commit_callbacks, caplog
):
    with FakeGateway((200, {"Code": "OK", "BizId": "1"})) as gateway:
        _sms_settings(settings, "aliyun", gateway.url)
        notice = _notify(django_capture_on_commit_callbacks, kind=NoticeKind.RECTIFICATION_OVERDUE)

    assert gateway.requests == []
    delivery = SmsDelivery.objects.get()
    assert delivery.status == SmsStatus.SKIPPED and delivery.attempts == 0
    assert "rectification_overdue" in delivery.last_error
    assert "no SMS template" in caplog.text
    assert Notification.objects.filter(pk=notice.pk).exists()  # the in-app notice stays


def test_console_and_memory_backends_send_the_text_without_templates(
    settings, django_capture_on_commit_callbacks
):
    _sms_settings(settings, "memory", SMS_TEMPLATES={})
    MemorySmsBackend.outbox.clear()
    _notify(django_capture_on_commit_callbacks)
    [message] = MemorySmsBackend.outbox
    assert message.phone == PHONE and message.text.startswith("【驿站】设备损坏")
    assert SmsDelivery.objects.get().status == SmsStatus.SENT


def test_the_template_mapping_per_kind(settings):
    _sms_settings(settings, "aliyun")
    assert sms_template("report_new") == ("SMS_465", {"title": "title", "link": "url"})
    assert sms_template("shift_reminder") == ("2001", {"who": "驿站", "title": "title"})
    assert sms_template("report_overdue") is None
    settings.YIZHAN = {**settings.YIZHAN, "SMS_TEMPLATES": {"report_new": {"params": {}}}}
    assert sms_template("report_new") is None  # no code: not configured


def test_masking():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+8613812345678") == "+86*******5678"
    assert mask_phone("12345") == "*2345"
    assert mask_phone("123") == "***"


def test_backoff_doubles_and_a_deferring_queue_gets_run_after(settings):
    settings.YIZHAN = {**settings.YIZHAN, "SMS_RETRY_BASE_SECONDS": 60}
    assert [sms_retry_delay(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert sms_retry_delay(30) == dt.timedelta(hours=6)
    with override_settings(
        TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    ):
        from yizhan.notifications.tasks import sms_enqueue

        sms_enqueue(41, delay=dt.timedelta(seconds=120))
        [result] = default_task_backend.results
        assert result.task.run_after is not None
        assert result.args == [] and result.kwargs == {"delivery_id": 41}


def test_aliyun_signature_matches_the_documented_example():
    """Aliyun's RPC signature document (GET, ECS DescribeRegions, secret "testsecret")."""
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert aliyun_signature(params, "testsecret", method="GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_aliyun_send_sms_signature_recomputed(settings):
    _sms_settings(settings, "aliyun")
    message = TextMessage(PHONE, "", template="SMS_1", params={"title": "a b*~"})
    params = AliyunSmsBackend().signed_params(message, nonce="n1", timestamp="2026-12-07T00:00:00Z")
    signature = params.pop("Signature")
    # The string to sign spelt out from the document: sorted, RFC 3986 (space %20, * %2A).
    query = "&".join(
        f"{urllib.parse.quote(k, safe='')}={urllib.parse.quote(v, safe='~')}"
        for k, v in sorted(params.items())
    )
    assert "%2A" in query and "%20" in query and "~" in query
    to_sign = "POST&%2F&" + urllib.parse.quote(query, safe="~")
    digest = hmac.new(b"testsecret&", to_sign.encode(), hashlib.sha1).digest()
    assert signature == base64.b64encode(digest).decode()


def test_tc3_signature_recomputed_step_by_step():
    """Tencent Cloud API 3.0 signature v3 (TC3-HMAC-SHA256), each step as documented."""
    payload = (
        b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    )
    auth = tc3_authorization(
        secret_id="AKIDEXAMPLE",
        secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        service="cvm",
        host="cvm.tencentcloudapi.com",
        action="DescribeInstances",
        payload=payload,
        timestamp=1551113065,
    )
    canonical = (
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n"
        "x-tc-action:describeinstances\n\ncontent-type;host;x-tc-action\n"
        + hashlib.sha256(payload).hexdigest()
    )
    to_sign = (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
        + hashlib.sha256(canonical.encode()).hexdigest()
    )

    def h(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = h(h(h(b"TC3Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2019-02-25"), "cvm"), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    assert auth == (
        "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2019-02-25/cvm/tc3_request, "
        f"SignedHeaders=content-type;host;x-tc-action, Signature={signature}"
    )


def test_the_delivery_log_is_for_superusers_only(settings, django_capture_on_commit_callbacks):
    _sms_settings(settings, "memory")
    _notify(django_capture_on_commit_callbacks)
    url = "/console/notifications/smsdelivery/"
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)
    page = client.get(url)
    assert page.status_code == 200
    assert "138****5678" in page.content.decode() and PHONE not in page.content.decode()
    officer = UserFactory(is_staff=True)
    officer.user_permissions.add(*Permission.objects.filter(codename__endswith="smsdelivery"))
    client.force_login(officer)
    assert client.get(url).status_code == 403


def test_checks_report_a_gateway_without_keys_and_unknown_kinds(settings):
    from yizhan.notifications.checks import check_sms_settings

    _sms_settings(settings, "console")
    assert check_sms_settings() == []
    _sms_settings(settings, "tencent", SMS_SDK_APP_ID="", SMS_TEMPLATES={"report_nwe": {}})
    assert [m.id for m in check_sms_settings()] == ["notifications.E002", "notifications.W001"]
    assert "YIZHAN_SMS_SDK_APP_ID" in check_sms_settings()[0].msg
    _sms_settings(settings, "nonsense")
    assert [m.id for m in check_sms_settings()] == ["notifications.E001"]
