from django.urls import path

from yizhan.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.month, name="month"),
    path("run/", views.run, name="run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("s/<str:code>/", views.station, name="station"),
    path("s/<str:code>/six/", views.six_have, name="six_have"),
    path("cards/<int:pk>/lift/", views.card_lift, name="card_lift"),
    path("proposals/", views.proposals, name="proposals"),
    path("proposals/<int:pk>/", views.proposal, name="proposal"),
    path("rankings/", views.rankings, name="rankings"),
    path("bulletin/", views.bulletin, name="bulletin"),
    path("model/", views.model, name="model"),
]
