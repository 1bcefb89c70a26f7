from django.urls import URLPattern, URLResolver

app_name = "signage"
urlpatterns: list[URLPattern | URLResolver] = []
