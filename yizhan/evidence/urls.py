from django.urls import path

from yizhan.evidence import views

app_name = "evidence"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("s/<str:code>/", views.station, name="station"),
    path("s/<str:code>/rectify/", views.rectify, name="rectify"),
]
