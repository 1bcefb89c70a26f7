from django.urls import path

from yizhan.lockers import views

app_name = "lockers"
urlpatterns = [
    path("", views.region, name="region"),
    path("s/<str:code>/", views.station, name="station"),
    path("s/<str:code>/exchange/", views.exchange_desk, name="exchange_desk"),
]
