"""The `Visitor` model moves here from feedback, in Django's state only: its table stays
``feedback_visitor`` (``db_table``) and no row or constraint is touched. Feedback's
``0002_visitor_moved_to_visitors`` and lockers' ``0003_visitor_moved_to_visitors`` point
their foreign keys here and drop the old model from feedback's state."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("feedback", "0001_feedback_visitors_checkins_ratings_reports_surveys"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Visitor",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "key_hash",
                            models.CharField(max_length=64, unique=True, verbose_name="匿名标识"),
                        ),
                        (
                            "occupation",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("rider", "外卖骑手"),
                                    ("courier", "快递员"),
                                    ("driver", "司机"),
                                    ("sanitation", "环卫工人"),
                                    ("other", "其他"),
                                    ("", "未说明"),
                                ],
                                default="",
                                max_length=12,
                                verbose_name="职业",
                            ),
                        ),
                        ("first_seen", models.DateTimeField(verbose_name="首次出现")),
                        ("last_seen", models.DateTimeField(verbose_name="最近出现")),
                    ],
                    options={
                        "verbose_name": "匿名访客",
                        "verbose_name_plural": "匿名访客",
                        "db_table": "feedback_visitor",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
