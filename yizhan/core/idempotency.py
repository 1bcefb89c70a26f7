"""A form or API call sent twice records once: the ``client_id`` replay.

A client (a page, the mini-program's offline queue) sends a fresh ``client_id`` with each
submission. A retry of the same submission carries the same id: it gets the row the first
one recorded. The same id sent by someone else (a copied form, a careless API client) is
refused by name (422 on ``client_id``) rather than failing on the unique key.

Both functions run inside the caller's transaction, after the caller has locked whatever
makes one actor's writes run one at a time (the visitor row, the station's supply row)::

    if (done := replayed(CheckIn.objects, client_id, owner={"visitor_id": visitor.pk})):
        return done
    ...
    return created_once(
        lambda: CheckIn.objects.create(..., client_id=client_id),
        CheckIn.objects, client_id, owner={"visitor_id": visitor.pk},
    )

``owner`` names the columns that say whose row it is (attribute paths, ``__`` between
hops, e.g. ``{"batch__station_supply_id": supply.pk, "kind": kind}``; the caller's
queryset selects the related rows it walks)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from yizhan.core.errors import FieldError, ValidationFailed


def _value(row: Any, path: str) -> Any:
    for hop in path.split("__"):
        row = getattr(row, hop)
    return row


def replayed_rows[M: models.Model](
    rows: models.QuerySet[M] | models.Manager[M],
    client_id: uuid.UUID | None,
    *,
    owner: Mapping[str, Any],
    refusal: str | None = None,
    show_value: bool = False,
) -> list[M]:
    """Every row an earlier submission with ``client_id`` recorded (in id order), or []
    when none did (or there is no ``client_id``). Raises ValidationFailed on ``client_id``
    (``refusal``, by default "请求编号已被使用") when any of them is not ``owner``'s."""
    if client_id is None:
        return []
    found = list(rows.filter(client_id=client_id).order_by("pk"))
    if any(_value(row, k) != v for row in found for k, v in owner.items()):
        raise ValidationFailed(
            errors=[
                FieldError(
                    "client_id",
                    refusal if refusal is not None else _("请求编号已被使用"),
                    value=str(client_id) if show_value else "",
                )
            ]
        )
    return found


def replayed[M: models.Model](
    rows: models.QuerySet[M] | models.Manager[M],
    client_id: uuid.UUID | None,
    *,
    owner: Mapping[str, Any],
    refusal: str | None = None,
    show_value: bool = False,
) -> M | None:
    """The row an earlier submission with ``client_id`` recorded, if it is ``owner``'s;
    None when there is none; ValidationFailed on ``client_id`` when it is someone else's."""
    found = replayed_rows(rows, client_id, owner=owner, refusal=refusal, show_value=show_value)
    return found[0] if found else None


def created_once[T, M: models.Model](
    create: Callable[[], T],
    rows: models.QuerySet[M] | models.Manager[M],
    client_id: uuid.UUID | None,
    *,
    owner: Mapping[str, Any],
    refusal: str | None = None,
    replay: Callable[[M], T] | None = None,
) -> T:
    """``create()`` in a savepoint. When it breaks a unique key because the same
    ``client_id`` was recorded meanwhile (two sends of one submission racing), the row
    that won is returned (through ``replay``, if given), or refused if someone else's.
    Any other IntegrityError is raised as it was."""
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        done = replayed(rows, client_id, owner=owner, refusal=refusal)
        if done is None:
            raise
    return replay(done) if replay is not None else done  # type: ignore[return-value]
