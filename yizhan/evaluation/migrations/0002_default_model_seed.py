"""Seed version 1 of the evaluation model (data migration; no app code imported).
Officers change it in the console by copying it to a new version, editing the draft and
publishing it; docs/evaluation.md explains every number."""

from django.db import migrations
from django.utils import timezone

MODEL = {
    "version": 1,
    "name": "工会驿站月度评估模型",
    "note": "初始版本：开放合规、使用量、满意度、巡查、整改、投诉六项指标；星级与“六有”标准。",
    "min_evidence_share": 0.5,
    "yellow_below": 60,
    "yellow_grace_months": 1,
    "red_grace_months": 1,
    "response_days": 7,
    "star_step": 1,
    "top_share": 0.15,
    "upgrade_share": 0.15,
    "night_from_hour": 20,
    "night_to_hour": 6,
    "upgrade_weight_night": 0.4,
    "upgrade_weight_usage": 0.3,
    "upgrade_weight_pressure": 0.3,
}

# code, weight, floor (0 points), target (100 points), card threshold, min evidence
INDICATORS = [
    ("opening", 30, 0.5, 0.95, 0.8, 0),
    ("usage", 20, 0.1, 1.0, 0.15, 0),
    ("satisfaction", 20, 3.0, 4.8, 3.0, 5),
    ("inspection", 15, 0.5, 1.0, None, 0),
    ("rectification", 10, 0.5, 1.0, None, 0),
    ("complaints", 5, 10.0, 0.0, None, 5),
]

# kind, hours the union requires whatever is declared, least hours open every day
# (weekends and holidays included), expected visits a day
NORMS = [
    ("fixed", "", 6, 10),
    ("smart", "24/7", 0, 15),
    ("mobile", "", 0, 12),
]

# level, min score, min area m², min capacity, working amenities, six-haves met at least
STARS = [
    (1, 0, None, None, ["hot_water"], 4),
    (2, 60, None, None, ["hot_water", "charging"], 5),
    (3, 70, 15, 6, ["hot_water", "charging", "first_aid"], 5),
    (4, 80, 20, 10, ["hot_water", "charging", "first_aid", "microwave"], 6),
    (5, 90, 30, 20, ["hot_water", "charging", "first_aid", "microwave", "aed"], 6),
]

# code, text, English, rule, parameter, amenities
SIX_HAVES = [
    ("sign", "有统一的标识名称", "A unified sign and name", "name_contains", "工会驿站", []),
    ("location", "有合理的站点布局", "A sound location", "officer", "", []),
    (
        "facilities",
        "有健全的服务设施",
        "Complete facilities",
        "amenities",
        "",
        ["hot_water", "charging", "seats", "first_aid"],
    ),
    ("functions", "有完善的服务功能", "Full services", "services_min", "1", []),
    (
        "rules",
        "有规范的管理制度",
        "Management rules and people in charge",
        "staff_roles",
        "master,administrator",
        [],
    ),
    ("map", "有地图可查", "On the map (Amap or Baidu)", "listed", "", []),
]


def seed(apps, schema_editor):
    models = apps.get_model("evaluation", "EvaluationModel").objects
    if models.filter(version=MODEL["version"]).exists():
        return
    Amenity = apps.get_model("stations", "Amenity")
    amenities = {a.code: a for a in Amenity.objects.all()}
    now = timezone.now()
    model = models.create(**MODEL, status="published", published_at=now)
    for code, weight, floor, target, threshold, needed in INDICATORS:
        apps.get_model("evaluation", "Indicator").objects.create(
            model=model,
            code=code,
            weight=weight,
            floor=floor,
            target=target,
            card_threshold=threshold,
            min_evidence=needed,
        )
    for kind, hours, least, expected in NORMS:
        apps.get_model("evaluation", "KindNorm").objects.create(
            model=model,
            kind=kind,
            required_hours=hours,
            min_daily_hours=least,
            expected_daily_visits=expected,
        )
    for level, score, area, capacity, needs, six in STARS:
        star = apps.get_model("evaluation", "StarLevel").objects.create(
            model=model,
            level=level,
            min_score=score,
            min_area_m2=area,
            min_capacity=capacity,
            six_haves_min=six,
        )
        star.amenities.set([amenities[c] for c in needs if c in amenities])
    for code, text, text_en, rule, param, needs in SIX_HAVES:
        item = apps.get_model("evaluation", "SixHave").objects.create(
            model=model, code=code, text=text, text_en=text_en, rule=rule, param=param
        )
        item.amenities.set([amenities[c] for c in needs if c in amenities])


def unseed(apps, schema_editor):
    apps.get_model("evaluation", "EvaluationModel").objects.filter(
        version=MODEL["version"], runs__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0001_evaluation_model"),
        ("stations", "0002_amenity_service_catalogue"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
