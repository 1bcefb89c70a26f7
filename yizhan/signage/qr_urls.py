from django.urls import URLPattern, URLResolver

app_name = "qr"
urlpatterns: list[URLPattern | URLResolver] = []
