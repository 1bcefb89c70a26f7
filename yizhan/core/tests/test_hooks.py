"""Hooks: a lower app calls a higher one's registered implementation, or gets a clear
error naming what is missing."""

from __future__ import annotations

import pytest

from yizhan.core.hooks import Hook, HookAlreadyRegistered, HookNotRegistered, nearby_station_codes


def _spec(*, lat: float, lon: float, limit: int = 30) -> list[str]:
    raise NotImplementedError


def test_an_empty_hook_names_itself_and_its_provider():
    hook = Hook("nearby_test", _spec, provider="yizhan.finder")
    with pytest.raises(HookNotRegistered, match="'nearby_test'.*yizhan.finder"):
        hook(lat=45.7, lon=126.6)


def test_one_implementation_per_hook():
    hook = Hook("nearby_test", _spec, provider="yizhan.finder")

    def first(*, lat: float, lon: float, limit: int = 30) -> list[str]:
        return ["A"][:limit]

    def second(*, lat: float, lon: float, limit: int = 30) -> list[str]:
        return []

    hook.register(first)
    hook.register(first)  # an app's ready() run twice is harmless
    with pytest.raises(HookAlreadyRegistered):
        hook.register(second)
    assert hook(lat=0.0, lon=0.0) == ["A"]


def test_the_finder_provides_nearby_station_codes():
    from yizhan.finder.selectors import stations_nearby_codes

    assert nearby_station_codes.registered
    assert nearby_station_codes._impl is stations_nearby_codes


def test_the_officers_day_figures_come_from_every_app_that_keeps_the_rows():
    """Feedback, evaluation and evidence each register their figures once (operations
    reads the union: it may not import them), in their order."""
    from yizhan.core.hooks import day_figure_providers
    from yizhan.evaluation.selectors import card_figures
    from yizhan.evidence.selectors import flag_figures
    from yizhan.feedback.selectors import report_figures

    assert day_figure_providers() == [
        ("feedback", report_figures),
        ("evaluation", card_figures),
        ("evidence", flag_figures),
    ]
