from django.urls import path

from yizhan.finder import offline, views

app_name = "finder"
urlpatterns = [
    path("", views.home, name="home"),
    path("route/", views.route, name="route"),
    path("s/<str:code>/", views.station, name="station"),
    path("offline/", offline.offline, name="offline"),
]
