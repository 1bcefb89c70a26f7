from django.urls import path

from yizhan.planning import views

app_name = "planning"
urlpatterns = [
    path("", views.index, name="index"),
    path("compare/", views.compare, name="compare"),
    path("<int:pk>/", views.scenario, name="scenario"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("<int:pk>/export.geojson", views.export_geojson, name="export_geojson"),
]
