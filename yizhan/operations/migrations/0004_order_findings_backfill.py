"""Orders made before orders listed their findings and kept their deadline:

- each order gets the finding that opened it (its inspection, item and failed answer, or
  its detail), and each "再次发现" event its own finding (the event becomes "again");
- an escalated order's ``deadline`` had been moved to its level's deadline at each step:
  that becomes ``level_deadline``, and the station's deadline is the one its severity
  gave at issue (an officer's hand-set deadline before escalation cannot be recovered);
- the responsible person's basis is read from their role at the station (master,
  administrator), else "chosen"; an order not yet closed without one gets one as a new
  order would (the station master or administrator with an account, else its issuer,
  else the officers of the nearest union level above the station), written in its
  history. Nobody is notified by a migration: the order shows in their day."""

import datetime as dt

from django.db import migrations
from django.utils import timezone

# As yizhan.operations.regime.DEADLINE_DAYS when this migration was written.
DEADLINE_DAYS = {"critical": 1, "high": 3, "medium": 7, "low": 14}
AGAIN_PREFIX = "再次发现："


def _name(user):
    """As ``accounts.User.display_name``: a Chinese name family name first, no space."""
    first, last = user.first_name.strip(), user.last_name.strip()
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip() or user.username


def _owner(apps, order):
    """As ``operations.services.assignee_default`` when this migration was written."""
    staff_model = apps.get_model("stations", "StationStaff")
    user_model = apps.get_model("accounts", "User")
    for role in ("master", "administrator"):
        row = (
            staff_model.objects.filter(station_id=order.station_id, role=role, user__is_active=True)
            .select_related("user")
            .order_by("id")
            .first()
        )
        if row is not None:
            return row.user, role
    if order.issued_by_id is not None:
        issuer = user_model.objects.filter(pk=order.issued_by_id, is_active=True).first()
        if issuer is not None:
            return issuer, "issuer"
    code = order.station.region.code
    for length in (9, 6, 4):
        if len(code) < length:
            continue
        officer = (
            user_model.objects.filter(is_active=True, role="officer", region__code=code[:length])
            .order_by("id")
            .first()
        )
        if officer is not None:
            return officer, "officer"
    return None, ""


def backfill(apps, schema_editor):
    order_model = apps.get_model("operations", "Rectification")
    finding_model = apps.get_model("operations", "RectificationFinding")
    event_model = apps.get_model("operations", "RectificationEvent")
    answer_model = apps.get_model("operations", "InspectionAnswer")
    staff_model = apps.get_model("stations", "StationStaff")
    for order in order_model.objects.select_related("station__region").iterator(chunk_size=1000):
        value = ""
        if order.inspection_id and order.item_id:
            value = (
                answer_model.objects.filter(
                    inspection_id=order.inspection_id, item_id=order.item_id
                )
                .values_list("value", flat=True)
                .first()
                or ""
            )
        finding_model.objects.create(
            rectification=order,
            at=order.created_at,
            found_by_id=order.issued_by_id,
            source=order.source,
            inspection_id=order.inspection_id,
            item_id=order.item_id,
            value=value,
            detail=order.detail,
        )
        for event in event_model.objects.filter(
            rectification=order, action="issued", note__startswith=AGAIN_PREFIX
        ):
            detail = event.note.removeprefix(AGAIN_PREFIX)
            found = finding_model.objects.create(
                rectification=order,
                at=event.at,
                found_by_id=event.user_id,
                source=order.source,
                detail=detail,
            )
            event.action, event.note, event.finding = "again", detail, found
            event.save(update_fields=["action", "note", "finding"])
        fields = []
        if order.assignee_id is None and order.status != "closed":
            owner, basis = _owner(apps, order)
            if owner is not None:
                order.assignee_id, order.assignee_basis = owner.pk, basis
                fields += ["assignee", "assignee_basis"]
                event_model.objects.create(
                    rectification=order,
                    action="reassigned",
                    at=timezone.now(),
                    note=f"— → {_name(owner)}",
                )
        if order.level > 0:
            order.level_deadline = order.deadline
            order.deadline = order.created_at + dt.timedelta(
                days=DEADLINE_DAYS.get(order.severity, 7)
            )
            fields += ["level_deadline", "deadline"]
        if order.assignee_id and not order.assignee_basis:
            roles = set(
                staff_model.objects.filter(
                    station_id=order.station_id, user_id=order.assignee_id
                ).values_list("role", flat=True)
            )
            order.assignee_basis = next(
                (r for r in ("master", "administrator") if r in roles), "chosen"
            )
            fields.append("assignee_basis")
        if fields:
            order.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0003_order_owners_findings"),
        ("stations", "0008_staff_role_one_day_master"),
        ("accounts", "0002_user_role"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
