"""Forms of the supplies pages. They parse; the services decide (their errors are put back
on the field they name)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yizhan.core.errors import ValidationFailed
from yizhan.supplies.models import SupplyItem
from yizhan.supplies.selectors import DAYS_CHOICES, EXPIRING_DAYS

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise
else:
    StrOrPromise = str


class SubmitForm(forms.Form):
    """A form whose submission is recorded once: the page carries a fresh ``client_id``
    and the service ignores a second submission with the same id (a double tap, a retry)."""

    client_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_id", uuid.uuid4())

    def apply(self, exc: ValidationFailed) -> None:
        """Show a service's errors next to the fields they name."""
        for error in exc.errors:
            self.add_error(error.field if error.field in self.fields else None, error.message)


def _quantity(label: StrOrPromise, minimum: int = 1) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": minimum}),
    )


class UseForm(SubmitForm):
    quantity = _quantity(_("领用数量"))
    note = forms.CharField(label=_("备注"), required=False, max_length=200)


class RestockForm(SubmitForm):
    item = forms.ModelChoiceField(
        label=_("物资"),
        queryset=SupplyItem.objects.all(),
        to_field_name="code",
        empty_label=_("请选择物资"),
    )
    quantity = _quantity(_("入库数量"))
    batch_no = forms.CharField(label=_("批号"), required=False, max_length=40)
    expires_on = forms.DateField(
        label=_("有效期至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("药品、食品、饮品必填，见包装上的“有效期至”。"),
    )
    note = forms.CharField(label=_("备注"), required=False, max_length=200)


class DiscardForm(SubmitForm):
    quantity = _quantity(_("报废数量"))
    reason = forms.CharField(label=_("原因"), max_length=200, initial=_("已过期"))


class CountForm(SubmitForm):
    counted = _quantity(_("实点数量"), minimum=0)


class MinLevelForm(forms.Form):
    min_level = forms.IntegerField(
        label=_("最低库存"),
        min_value=0,
        help_text=_("可用数量低于此值时提醒站长和管理员补货；0 表示不提醒。"),
    )


class RegionFilterForm(forms.Form):
    region = forms.ChoiceField(label=_("区域"), required=False)
    days = forms.TypedChoiceField(
        label=_("期限"),
        coerce=int,
        initial=EXPIRING_DAYS,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("全部管辖区域")), *regions]  # type: ignore[attr-defined]
        self.fields["days"].choices = [  # type: ignore[attr-defined]
            (d, gettext("%(d)d 天内到期") % {"d": d}) for d in DAYS_CHOICES
        ]
