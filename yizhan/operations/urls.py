from django.contrib.auth import views as auth_views
from django.urls import path

from yizhan.operations import views

app_name = "operations"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="operations:login"), name="logout"),
    path("s/<str:code>/", views.station, name="station"),
]
