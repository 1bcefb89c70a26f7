from django.urls import URLPattern, URLResolver

app_name = "supplies"
urlpatterns: list[URLPattern | URLResolver] = []
