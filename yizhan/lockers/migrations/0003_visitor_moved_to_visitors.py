"""Reservations' and claims' visitor is now ``visitors.Visitor`` (the same table,
``feedback_visitor``): state only. Runs before feedback drops the model from its state."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lockers", "0002_welcome_pack_item"),
        ("visitors", "0001_visitor_moved_from_feedback"),
    ]
    run_before = [
        ("feedback", "0002_visitor_moved_to_visitors"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="reservation",
                    name="visitor",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reservations",
                        to="visitors.visitor",
                        verbose_name="访客",
                    ),
                ),
                migrations.AlterField(
                    model_name="claim",
                    name="visitor",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="claims",
                        to="visitors.visitor",
                        verbose_name="访客",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
