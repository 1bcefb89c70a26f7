from django.contrib.auth import views as auth_views
from django.urls import path

from yizhan.operations import views

app_name = "operations"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="operations:login"), name="logout"),
    path("s/<str:code>/", views.station, name="station"),
    path("s/<str:code>/opening/", views.opening, name="opening"),
    path("s/<str:code>/equipment/", views.equipment, name="equipment"),
    path("s/<str:code>/inspect/<str:tier>/", views.inspect, name="inspect"),
    path("inspections/<int:pk>/", views.inspection, name="inspection"),
    path("r/<int:pk>/", views.rectification, name="rectification"),
    path("region/", views.compliance, name="compliance"),
    path("region/rectifications/", views.rectifications, name="rectifications"),
    path("region/seasons/", views.seasons, name="seasons"),
    path("region/spot/", views.spot, name="spot"),
    path("region/mystery/", views.mystery, name="mystery"),
]
