"""Worker pages outside the QR scan itself, mounted at the site root (``/f/<token>/``)."""

from django.urls import URLPattern, URLResolver, path

from yizhan.feedback import views

app_name = "worker_feedback"
urlpatterns: list[URLPattern | URLResolver] = [
    path("f/<str:token>/", views.follow, name="follow"),
]
