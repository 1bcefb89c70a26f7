"""Give each later reporter of a merged report made before 0003 their own follow link."""

import secrets

from django.db import migrations


def fill(apps, schema_editor):
    ReportEcho = apps.get_model("feedback", "ReportEcho")
    for pk in list(
        ReportEcho.objects.filter(follow_token__isnull=True).values_list("pk", flat=True)
    ):
        ReportEcho.objects.filter(pk=pk).update(follow_token=secrets.token_urlsafe(16))


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0003_report_timeline_follow_per_reporter"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
