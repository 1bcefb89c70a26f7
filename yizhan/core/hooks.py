"""Hooks: how a lower app calls a higher one without importing it.

The lower app names what it needs here, with the signature it will call (a stub
function); the higher app registers its implementation in its `AppConfig.ready()`.
Calling a hook nobody registered is a clear error naming the hook and the app that
should provide it, not an ``AttributeError`` somewhere deep.

>>> def _spec(*, n: int) -> int: ...
>>> double = Hook("double", _spec, provider="an example app")
>>> double(n=2)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
yizhan.core.hooks.HookNotRegistered: Nothing registered the hook 'double' (it is provided ...
>>> _ = double.register(lambda *, n: 2 * n)
>>> double(n=2)
4
"""

from __future__ import annotations

from collections.abc import Callable


class HookNotRegistered(RuntimeError):
    """A hook was called before (or without) the app that provides it registering."""


class HookAlreadyRegistered(RuntimeError):
    """A second, different implementation was registered for a one-provider hook."""


class Hook[**P, R]:
    """One named call point with one implementation, typed by ``spec``'s signature."""

    def __init__(self, name: str, spec: Callable[P, R], *, provider: str) -> None:
        self.name = name
        self.provider = provider
        self.__doc__ = spec.__doc__
        self._impl: Callable[P, R] | None = None

    def register(self, impl: Callable[P, R]) -> Callable[P, R]:
        """Install ``impl`` (again is harmless; a different one is an error)."""
        if self._impl is not None and self._impl is not impl:
            raise HookAlreadyRegistered(
                f"The hook {self.name!r} already has {self._impl!r}; refusing {impl!r}"
            )
        self._impl = impl
        return impl

    @property
    def registered(self) -> bool:
        return self._impl is not None

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._impl is None:
            raise HookNotRegistered(
                f"Nothing registered the hook {self.name!r} (it is provided by "
                f"{self.provider} in its AppConfig.ready(); is that app in INSTALLED_APPS?)"
            )
        return self._impl(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name} ({'registered' if self.registered else 'empty'})>"


# The hooks ----------------------------------------------------------------------------------


def _nearby_station_codes(*, lat: float, lon: float, limit: int = 30) -> list[str]:
    """The codes of the active stations nearest a point (WGS-84), nearest first, open or
    not (the lockers' donation exchange lists things near the worker)."""
    raise NotImplementedError


nearby_station_codes = Hook("nearby_station_codes", _nearby_station_codes, provider="yizhan.finder")
