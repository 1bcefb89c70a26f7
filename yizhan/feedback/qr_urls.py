"""The board QR codes' addresses, mounted at ``/q/`` (signed by signage, served here)."""

from django.urls import URLPattern, URLResolver, path

from yizhan.feedback import views

app_name = "qr"
urlpatterns: list[URLPattern | URLResolver] = [
    path("<slug:purpose>/<str:code>/<str:sig>/", views.scan, name="scan"),
]
