"""Seed the amenity and service catalogues (data migration; no app code imported)."""

from django.db import migrations

AMENITIES = [
    ("hot_water", "热水", "Hot water"),
    ("microwave", "微波炉", "Microwave"),
    ("fridge", "冰箱", "Fridge"),
    ("charging", "手机充电", "Phone charging"),
    ("battery_swap", "电动车换电", "E-bike battery swap"),
    ("toilet", "卫生间", "Toilet"),
    ("seats", "休息座椅", "Seats"),
    ("ac", "空调", "Air conditioning"),
    ("heater", "暖气/取暖器", "Heater"),
    ("first_aid", "急救药箱", "First-aid kit"),
    ("aed", "AED除颤仪", "AED"),
    ("umbrella", "爱心雨伞", "Umbrella"),
    ("books", "图书", "Books"),
    ("wifi", "无线网络", "Wi-Fi"),
    ("shower", "淋浴", "Shower"),
    ("bed", "休息床", "Bed"),
    ("drinking_water", "饮用水", "Drinking water"),
    ("sewing_kit", "针线包", "Sewing kit"),
    ("tire_pump", "打气筒", "Tyre pump"),
    ("locker", "智能储物柜", "Smart locker"),
]

SERVICES = [
    ("legal_aid", "法律援助", "Legal aid"),
    ("job_services", "就业服务", "Job services"),
    ("training", "技能培训", "Training"),
    ("health_check", "健康体检", "Health check"),
    ("haircut", "爱心理发", "Haircut"),
    ("discount_meals", "优惠餐食", "Discounted meals"),
    ("union_membership", "入会服务", "Union membership"),
    ("psychological", "心理咨询", "Counselling"),
]


def seed(apps, schema_editor):
    Amenity = apps.get_model("stations", "Amenity")
    Service = apps.get_model("stations", "Service")
    for order, (code, name, name_en) in enumerate(AMENITIES):
        Amenity.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )
    for order, (code, name, name_en) in enumerate(SERVICES):
        Service.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )


def unseed(apps, schema_editor):
    apps.get_model("stations", "Amenity").objects.filter(
        code__in=[a[0] for a in AMENITIES]
    ).delete()
    apps.get_model("stations", "Service").objects.filter(code__in=[s[0] for s in SERVICES]).delete()


class Migration(migrations.Migration):
    dependencies = [("stations", "0001_registry")]
    operations = [migrations.RunPython(seed, unseed)]
