"""The in-app notice list (staff and officers)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yizhan.notifications.selectors import notifications_for
from yizhan.notifications.services import notifications_mark_read


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = list(notifications_for(user=request.user))  # type: ignore[arg-type]
    return render(request, "notifications/list.html", {"notices": notices, "nav": "notices"})


@login_required
@require_POST
def notice_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    notifications_mark_read(user=request.user, ids=ids)  # type: ignore[arg-type]
    return redirect("notifications:list")
