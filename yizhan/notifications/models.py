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
