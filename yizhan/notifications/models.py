"""Notices to staff and officers: always in the app, and by e-mail and SMS where set up."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NoticeKind(models.TextChoices):
    INSPECTION_DUE = "inspection_due", pgettext_lazy("notice kind", "巡查到期")
    INSPECTION_ASSIGNED = "inspection_assigned", pgettext_lazy("notice kind", "巡查任务")
    RECTIFICATION_ASSIGNED = "rectification_assigned", pgettext_lazy("notice kind", "整改任务")
    RECTIFICATION_FIXED = "rectification_fixed", pgettext_lazy("notice kind", "整改待复核")
    RECTIFICATION_OVERDUE = "rectification_overdue", pgettext_lazy("notice kind", "整改逾期")
    STOCK_EXPIRING = "stock_expiring", pgettext_lazy("notice kind", "物资临期")
    STOCK_LOW = "stock_low", pgettext_lazy("notice kind", "物资不足")
    SHIFT_REMINDER = "shift_reminder", pgettext_lazy("notice kind", "值班提醒")
    REPORT_NEW = "report_new", pgettext_lazy("notice kind", "劳动者反映")
    REPORT_OVERDUE = "report_overdue", pgettext_lazy("notice kind", "反映超时未受理")
    EVALUATION_CARD = "evaluation_card", pgettext_lazy("notice kind", "红黄牌")
    EVALUATION_DELISTING = "evaluation_delisting", pgettext_lazy("notice kind", "摘牌建议")
    OTHER = "other", pgettext_lazy("notice kind", "其他")


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    kind = models.CharField(_("类别"), max_length=24, choices=NoticeKind.choices)
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    # The same event notifies a person once: "rect:17:overdue", "insp:daily:F001:2026-11-23".
    key = models.CharField(_("去重键"), max_length=120)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    texted_at = models.DateTimeField(_("短信发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = pgettext_lazy("plural", "通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key")
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class SmsStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("sms status", "排队中")
    SENT = "sent", pgettext_lazy("sms status", "已发送")
    FAILED = "failed", pgettext_lazy("sms status", "失败待重试")
    GAVE_UP = "gave_up", pgettext_lazy("sms status", "已放弃")
    SKIPPED = "skipped", pgettext_lazy("sms status", "未发送(无模板)")


class SmsDelivery(models.Model):
    """One SMS notice on its way: sent by the task worker, retried with backoff. The phone
    is kept masked; the worker reads the number from the recipient's account."""

    notification = models.ForeignKey(
        Notification,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sms_deliveries",
        verbose_name=_("通知"),
    )
    kind = models.CharField(_("类别"), max_length=24, choices=NoticeKind.choices)
    phone_masked = models.CharField(_("手机号(脱敏)"), max_length=24)
    backend = models.CharField(_("通道"), max_length=24)
    template = models.CharField(_("短信模板"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=SmsStatus.choices, default=SmsStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    provider_message_id = models.CharField(_("服务商消息编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    last_attempt_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("下次重试时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信发送记录")
        verbose_name_plural = pgettext_lazy("plural", "短信发送记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="sms_delivery_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.phone_masked} {self.get_status_display()}"
