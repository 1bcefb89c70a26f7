"""The starting catalogue of supplies a station keeps. Officers edit it in the console."""

from django.db import migrations

# code, name, name_en, category, unit, tracks_expiry, season
CATALOGUE = [
    ("huoxiang", "藿香正气水", "Huoxiang Zhengqi liquid", "medicine", "盒", True, "summer"),
    (
        "heatstroke",
        "防暑降温药(人丹/清凉油)",
        "Heatstroke remedies",
        "medicine",
        "盒",
        True,
        "summer",
    ),
    ("band-aid", "创可贴", "Adhesive bandages", "medicine", "盒", True, "all"),
    ("iodophor", "碘伏", "Iodophor antiseptic", "medicine", "瓶", True, "all"),
    ("cold-medicine", "感冒药", "Cold medicine", "medicine", "盒", True, "all"),
    ("water", "饮用水", "Drinking water", "drink", "瓶", True, "all"),
    ("cold-drink", "冷饮/绿豆汤", "Cold drinks / mung bean soup", "drink", "瓶", True, "summer"),
    ("hand-warmer", "暖宝宝", "Hand warmers", "warmth", "包", True, "winter"),
    ("gloves", "防寒手套", "Winter gloves", "warmth", "件", False, "winter"),
    ("raincoat", "雨衣", "Raincoats", "rain", "件", False, "all"),
    ("mask", "口罩", "Face masks", "hygiene", "包", True, "all"),
    ("noodles", "方便面", "Instant noodles", "food", "包", True, "all"),
    ("hand-cream", "护手霜", "Hand cream", "hygiene", "瓶", True, "winter"),
]


def seed(apps, schema_editor):
    SupplyItem = apps.get_model("supplies", "SupplyItem")
    for order, (code, name, name_en, category, unit, expiry, season) in enumerate(CATALOGUE):
        SupplyItem.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "category": category,
                "unit": unit,
                "tracks_expiry": expiry,
                "season": season,
                "sort_order": (order + 1) * 10,
            },
        )


def unseed(apps, schema_editor):
    SupplyItem = apps.get_model("supplies", "SupplyItem")
    SupplyItem.objects.filter(
        code__in=[row[0] for row in CATALOGUE], stations__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("supplies", "0001_supplies_catalogue_stock")]

    operations = [migrations.RunPython(seed, unseed)]
