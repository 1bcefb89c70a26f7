"""Data: the content type of a database made before the move says ``feedback.visitor``;
it becomes ``visitors.visitor`` so the model's permissions (and anything pointing at the
content type) follow it instead of being created anew beside a stale one. A new
database has no content types yet: nothing to do."""

from django.db import migrations


def content_type_to_visitors(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not content_types.objects.using(db).filter(app_label="visitors", model="visitor").exists():
        content_types.objects.using(db).filter(app_label="feedback", model="visitor").update(
            app_label="visitors"
        )


def content_type_to_feedback(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not content_types.objects.using(db).filter(app_label="feedback", model="visitor").exists():
        content_types.objects.using(db).filter(app_label="visitors", model="visitor").update(
            app_label="feedback"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("visitors", "0001_visitor_moved_from_feedback"),
    ]

    operations = [migrations.RunPython(content_type_to_visitors, content_type_to_feedback)]
