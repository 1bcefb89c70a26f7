"""`Visitor` now lives in the visitors app (``visitors.0001``): feedback's foreign keys
point there and the model leaves feedback's state. State only: the table
``feedback_visitor`` and every constraint on it stay as they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_feedback_visitors_checkins_ratings_reports_surveys"),
        ("visitors", "0001_visitor_moved_from_feedback"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="checkin",
                    name="visitor",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="checkins",
                        to="visitors.visitor",
                        verbose_name="访客",
                    ),
                ),
                migrations.AlterField(
                    model_name="rating",
                    name="visitor",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ratings",
                        to="visitors.visitor",
                        verbose_name="访客",
                    ),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="visitor",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reports",
                        to="visitors.visitor",
                        verbose_name="访客",
                    ),
                ),
                migrations.AlterField(
                    model_name="reportecho",
                    name="visitor",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="visitors.visitor",
                        verbose_name="访客",
                    ),
                ),
                migrations.AlterField(
                    model_name="surveyanswer",
                    name="visitor",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="visitors.visitor",
                        verbose_name="访客",
                    ),
                ),
                migrations.DeleteModel(name="Visitor"),
            ],
            database_operations=[],
        ),
    ]
