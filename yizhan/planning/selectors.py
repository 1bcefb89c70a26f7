"""Planning reads: what an officer may see in a region, newest first."""

from __future__ import annotations

from django.db.models import QuerySet

from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.planning.models import DemandLayer, RoadNetwork, Scenario
from yizhan.regions.models import Region
from yizhan.regions.selectors import region_subtree_q


def _in(region: Region) -> dict[str, str]:
    return {"region__code__startswith": region.code}


def layers_for(*, region: Region) -> QuerySet[DemandLayer]:
    return DemandLayer.objects.filter(**_in(region)).select_related("region").defer("data")


def networks_for(*, region: Region) -> QuerySet[RoadNetwork]:
    return RoadNetwork.objects.filter(**_in(region)).select_related("region").defer("data")


def scenarios_for(*, region: Region) -> QuerySet[Scenario]:
    return (
        Scenario.objects.filter(region_subtree_q(region))
        .select_related("region", "network", "created_by")
        .defer("result", "network__data")
    )


def scenario_visible(*, user: User, pk: int, light: bool = False) -> Scenario | None:
    """A scenario the user may read (their region's or below), else None; ``light``:
    without its answer (for the progress poll)."""
    qs = Scenario.objects.select_related("region", "network").defer("network__data")
    if light:
        qs = qs.defer("result", "params")
    s = qs.filter(pk=pk).first()
    if s is None or not user_scope(user=user).contains(s.region):
        return None
    return s
