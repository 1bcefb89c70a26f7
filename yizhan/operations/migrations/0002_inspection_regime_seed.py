"""Seed the inspection regime (who does each tier, how often) and version 1 of each tier's
checklist (data migration; no app code imported). Officers edit them in the console;
a changed checklist is published as a new version."""

from django.db import migrations
from django.utils import timezone

RULES = [
    # tier, performer, period, spot-check share drawn per month
    ("daily", "administrator", "day", 0.0),
    ("weekly", "master", "week", 0.0),
    ("monthly", "district", "month", 0.0),
    ("spot", "city", "assigned", 0.1),
    ("mystery", "worker", "assigned", 0.0),
]

# code, text, English, kind, ok_min, ok_max, unit, season, severity
DAILY = [
    (
        "door_open",
        "开放时间内门未上锁、可自由进入",
        "Door unlocked during opening hours",
        "yes_no",
        None,
        None,
        "",
        "all",
        "high",
    ),
    (
        "water_temp",
        "饮水机热水温度",
        "Hot water temperature",
        "number",
        85,
        100,
        "°C",
        "all",
        "medium",
    ),
    (
        "chargers_work",
        "充电设备正常可用",
        "Chargers work",
        "yes_no",
        None,
        None,
        "",
        "all",
        "medium",
    ),
    (
        "clean",
        "室内整洁、卫生间干净",
        "Clean room and toilet",
        "yes_no",
        None,
        None,
        "",
        "all",
        "low",
    ),
    (
        "sign_visible",
        "驿站标识和公示牌清晰可见",
        "Sign and board visible",
        "yes_no",
        None,
        None,
        "",
        "all",
        "low",
    ),
    (
        "medicine_in_date",
        "药箱药品均在有效期内",
        "All medicine in date",
        "yes_no",
        None,
        None,
        "",
        "all",
        "high",
    ),
    (
        "cooling_works",
        "空调/风扇制冷正常",
        "Cooling (AC, fans) works",
        "yes_no",
        None,
        None,
        "",
        "summer",
        "high",
    ),
    (
        "cold_drinks",
        "清凉饮品、防暑药品已备足",
        "Cold drinks and heatstroke medicine stocked",
        "yes_no",
        None,
        None,
        "",
        "summer",
        "medium",
    ),
    ("room_temp_winter", "室内温度", "Room temperature", "number", 16, 30, "°C", "winter", "high"),
    (
        "hand_warmers",
        "暖宝宝、热饮已备足",
        "Hand warmers and hot drinks stocked",
        "yes_no",
        None,
        None,
        "",
        "winter",
        "medium",
    ),
]
WEEKLY = DAILY[:6] + [
    (
        "medicine_counted",
        "药品已清点，数量与台账一致",
        "Medicine counted, matches the ledger",
        "yes_no",
        None,
        None,
        "",
        "all",
        "medium",
    ),
    (
        "equipment_all",
        "微波炉、冰箱等设施全部正常",
        "Microwave, fridge and other equipment work",
        "yes_no",
        None,
        None,
        "",
        "all",
        "medium",
    ),
    (
        "log_kept",
        "开闭站记录和日巡记录完整",
        "Opening log and daily checks complete",
        "yes_no",
        None,
        None,
        "",
        "all",
        "low",
    ),
    (
        "cooling_works",
        "空调/风扇制冷正常",
        "Cooling (AC, fans) works",
        "yes_no",
        None,
        None,
        "",
        "summer",
        "high",
    ),
    (
        "heating_works",
        "取暖设备正常，室内温暖",
        "Heating works, room warm",
        "yes_no",
        None,
        None,
        "",
        "winter",
        "high",
    ),
]
MONTHLY = WEEKLY[:9] + [
    (
        "people_named",
        "站长、管理员在岗且公示电话可接通",
        "Master and administrator on duty; posted phones answer",
        "yes_no",
        None,
        None,
        "",
        "all",
        "medium",
    ),
    (
        "hours_kept",
        "按公示时间开放",
        "Opens at the posted hours",
        "yes_no",
        None,
        None,
        "",
        "all",
        "high",
    ),
    (
        "on_map",
        "已在高德/百度地图上标注且信息正确",
        "On Amap/Baidu with correct details",
        "yes_no",
        None,
        None,
        "",
        "all",
        "low",
    ),
    (
        "visitors_today",
        "检查时在站劳动者人数",
        "Workers in the station during the visit",
        "number",
        None,
        None,
        "人",
        "all",
        "low",
    ),
]
SPOT = MONTHLY
MYSTERY = [
    (
        "door_open",
        "到达时驿站开放、可以进入",
        "Open and could get in when I arrived",
        "yes_no",
        None,
        None,
        "",
        "all",
        "high",
    ),
    ("hot_water", "能接到热水", "Got hot water", "yes_no", None, None, "", "all", "medium"),
    (
        "charged",
        "能给手机/电动车充电",
        "Could charge phone or e-bike",
        "yes_no",
        None,
        None,
        "",
        "all",
        "medium",
    ),
    (
        "staff_friendly",
        "工作人员态度友好(无人值守站选“是”)",
        "Staff friendly (unstaffed: yes)",
        "yes_no",
        None,
        None,
        "",
        "all",
        "low",
    ),
    ("clean", "环境整洁", "Clean", "yes_no", None, None, "", "all", "low"),
    ("comment", "其他意见", "Other comments", "text", None, None, "", "all", "low"),
]
CHECKLISTS = {
    "daily": DAILY,
    "weekly": WEEKLY,
    "monthly": MONTHLY,
    "spot": SPOT,
    "mystery": MYSTERY,
}


def seed(apps, schema_editor):
    rule = apps.get_model("operations", "InspectionRule")
    checklist = apps.get_model("operations", "Checklist")
    item = apps.get_model("operations", "ChecklistItem")
    for tier, performer, period, share in RULES:
        rule.objects.update_or_create(
            tier=tier, defaults={"performer": performer, "period": period, "draw_share": share}
        )
    now = timezone.now()
    for tier, items in CHECKLISTS.items():
        cl, created = checklist.objects.get_or_create(
            tier=tier, version=1, defaults={"published_at": now, "note": "初始版本"}
        )
        if not created:
            continue
        for order, (code, text, en, kind, lo, hi, unit, season, severity) in enumerate(items):
            item.objects.create(
                checklist=cl,
                code=code,
                text=text,
                text_en=en,
                kind=kind,
                ok_min=lo,
                ok_max=hi,
                unit=unit,
                season=season,
                severity=severity,
                sort_order=order,
                photo_on_fail=kind != "text",
            )


def unseed(apps, schema_editor):
    apps.get_model("operations", "Checklist").objects.filter(version=1, inspections=None).delete()
    apps.get_model("operations", "InspectionRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("operations", "0001_operations_regime")]
    operations = [migrations.RunPython(seed, unseed)]
