"""The evidence app reads signs of life from the apps that keep them, without importing
them: each registers its selector in core when Django starts."""

from yizhan.core.evidence import sources


def test_opening_log_feedback_and_devices_feed_the_evidence() -> None:
    names = [name for name, _source in sources()]
    assert names == ["operations", "feedback", "devices"]
    from yizhan.devices.selectors import life_events as device_events
    from yizhan.feedback.selectors import life_events as feedback_events
    from yizhan.operations.selectors import life_events as log_events

    assert [fn for _name, fn in sources()] == [log_events, feedback_events, device_events]
