from django.urls import URLPattern, URLResolver, path

from yizhan.signage import views

app_name = "qr"
urlpatterns: list[URLPattern | URLResolver] = [
    path("<slug:purpose>/<str:code>/<str:sig>/", views.scan, name="scan"),
]
