from django.urls import URLPattern, URLResolver, path

from yizhan.volunteers import views

app_name = "volunteers"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.shift_list, name="list"),
    path("<int:shift_id>/signup/", views.signup, name="signup"),
    path("<int:shift_id>/cancel/", views.shift_cancel, name="cancel"),
    path("signups/<int:signup_id>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("signups/<int:signup_id>/check-in/", views.check_in, name="check_in"),
    path("signups/<int:signup_id>/check-out/", views.check_out, name="check_out"),
    path("s/<str:code>/", views.station, name="station"),
]
