"""A URLconf for test_busy: one page that writes, as every form post does."""

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path


def write(request: HttpRequest) -> HttpResponse:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE django_migrations SET app = app WHERE id = 0")
    return HttpResponse("written")


urlpatterns = [path("write/", write), path("api/v1/write/", write)]
