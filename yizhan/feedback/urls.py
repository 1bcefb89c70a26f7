from django.urls import URLPattern, URLResolver, path

from yizhan.feedback import views

app_name = "feedback"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("reports/<int:pk>/status/", views.report_status, name="report_status"),
    path("surveys/", views.surveys, name="surveys"),
    path("surveys/<int:pk>/", views.survey, name="survey"),
]
