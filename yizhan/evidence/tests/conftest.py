"""The operations tests' district (stations, staff, officers) and clock, reused."""

from yizhan.operations.tests.conftest import _fresh_finder, clock, daoli  # noqa: F401
