"""The anonymous worker: a `Visitor` is a keyed hash of a random id kept in their phone's
cookie (or sent by a mini-program), and the occupation category they chose. Nothing here
says who they are.

The table is still ``feedback_visitor``: the model moved here from feedback without
touching the database (migrations ``visitors.0001`` and ``feedback.0002``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yizhan.core.occupation import Occupation


class Visitor(models.Model):
    """A pseudonymous worker: nothing here says who they are."""

    key_hash = models.CharField(_("匿名标识"), max_length=64, unique=True)
    occupation = models.CharField(
        _("职业"), max_length=12, choices=Occupation.choices, blank=True, default=""
    )
    first_seen = models.DateTimeField(_("首次出现"))
    last_seen = models.DateTimeField(_("最近出现"))

    class Meta:
        db_table = "feedback_visitor"
        verbose_name = pgettext_lazy("model", "匿名访客")
        verbose_name_plural = pgettext_lazy("plural", "匿名访客")

    def __str__(self) -> str:
        return self.key_hash[:10]
