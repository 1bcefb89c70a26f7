from django.urls import URLPattern, URLResolver, path

from yizhan.signage import views

app_name = "signage"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("s/<str:code>/", views.board, name="board"),
    path("region/<str:region_code>/", views.region, name="region"),
]
