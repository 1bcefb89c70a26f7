"""The move of `Visitor` from feedback is state only: a database made before it keeps
its visitors and what points at them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from yizhan.stations.tests.factories import StationFactory

BEFORE = [("visitors", None)]  # unapplies feedback.0002 and lockers.0003 with it


# Serialized like every other transactional test here: a flush that re-creates the content
# types would collide with the next serialized test restoring its own.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_visitors_and_their_check_ins_survive_the_move():
    # Stations' tables are the same either side of the move (no amenities: a flush by an
    # earlier transactional test removes their seeded catalogue).
    station = StationFactory(code="HRB-DL-001", amenities=[])
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(
        [("feedback", "0001_feedback_visitors_checkins_ratings_reports_surveys")]
    ).apps
    assert "visitors" not in {m._meta.app_label for m in old.get_models()}
    now = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    visitor = old.get_model("feedback", "Visitor").objects.create(
        key_hash="h" * 64, occupation="rider", first_seen=now, last_seen=now
    )
    old.get_model("feedback", "CheckIn").objects.create(
        station_id=station.pk, visitor=visitor, at=now
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    new = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    moved = new.get_model("visitors", "Visitor").objects.get()
    assert (moved.pk, moved.key_hash, moved.occupation) == (visitor.pk, "h" * 64, "rider")
    assert new.get_model("feedback", "CheckIn").objects.get().visitor_id == moved.pk
