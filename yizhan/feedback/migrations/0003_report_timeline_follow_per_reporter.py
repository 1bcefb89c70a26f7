"""Reports: 待受理 before 已受理, a timeline of status changes, and a follow link and
"fixed?" answer for each later reporter of a merged report."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import yizhan.feedback.models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_visitor_moved_to_visitors"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="reportecho",
            name="fixed_confirmed",
            field=models.CharField(
                blank=True,
                choices=[("yes", "修好了"), ("no", "没修好")],
                default="",
                max_length=3,
                verbose_name="反映人确认",
            ),
        ),
        migrations.AddField(
            model_name="reportecho",
            name="fixed_confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="确认时间"),
        ),
        # Added empty (a callable default would give every existing row the same
        # token), then given its default for new rows; 0004 fills the existing ones.
        migrations.AddField(
            model_name="reportecho",
            name="follow_token",
            field=models.CharField(
                blank=True,
                default=None,
                editable=False,
                max_length=32,
                null=True,
                unique=True,
                verbose_name="跟进码",
            ),
        ),
        migrations.AlterField(
            model_name="reportecho",
            name="follow_token",
            field=models.CharField(
                blank=True,
                default=yizhan.feedback.models.follow_token,
                editable=False,
                max_length=32,
                null=True,
                unique=True,
                verbose_name="跟进码",
            ),
        ),
        migrations.AlterField(
            model_name="report",
            name="status",
            field=models.CharField(
                choices=[
                    ("open", "待受理"),
                    ("acknowledged", "已受理"),
                    ("in_progress", "处理中"),
                    ("fixed", "已解决"),
                    ("closed", "已关闭"),
                ],
                default="open",
                max_length=12,
                verbose_name="状态",
            ),
        ),
        migrations.CreateModel(
            name="ReportEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "待受理"),
                            ("acknowledged", "已受理"),
                            ("in_progress", "处理中"),
                            ("fixed", "已解决"),
                            ("closed", "已关闭"),
                        ],
                        max_length=12,
                        verbose_name="状态",
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="时间")),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="feedback.report",
                        verbose_name="问题反映",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="操作人",
                    ),
                ),
            ],
            options={
                "verbose_name": "反映处理记录",
                "verbose_name_plural": "反映处理记录",
                "ordering": ["at", "id"],
            },
        ),
    ]
