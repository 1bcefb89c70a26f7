"""Workers' locker and exchange pages, mounted at the site root."""

from django.urls import URLPattern, URLResolver, path

from yizhan.lockers import views

app_name = "lockers_worker"
urlpatterns: list[URLPattern | URLResolver] = [
    path("s/<str:code>/free/", views.free, name="free"),
    path("s/<str:code>/free/reserve/", views.reserve, name="reserve"),
    path("my/", views.mine, name="mine"),
    path("my/r/<int:pk>/", views.reservation, name="reservation"),
    path("my/c/<int:pk>/", views.claim, name="claim"),
    path("exchange/", views.exchange, name="exchange"),
    path("exchange/<int:pk>/", views.donation, name="donation"),
]
