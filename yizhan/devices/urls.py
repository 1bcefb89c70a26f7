from django.urls import URLPattern, URLResolver

app_name = "devices"
urlpatterns: list[URLPattern | URLResolver] = []
