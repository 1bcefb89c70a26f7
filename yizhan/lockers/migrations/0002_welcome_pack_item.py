"""The union's welcome pack (入会礼包), handed out from lockers, in the supplies
catalogue (data migration; no app code imported)."""

from django.db import migrations


def seed(apps, schema_editor):
    apps.get_model("supplies", "SupplyItem").objects.get_or_create(
        code="welcome-pack",
        defaults={
            "name": "入会礼包",
            "name_en": "Union welcome pack",
            "category": "other",
            "unit": "份",
            "tracks_expiry": False,
            "season": "all",
            "sort_order": 200,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("supplies", "SupplyItem").objects.filter(code="welcome-pack").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("lockers", "0001_lockers_exchange"),
        ("supplies", "0002_supplies_catalogue_seed"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
