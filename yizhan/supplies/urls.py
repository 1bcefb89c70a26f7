from django.urls import path

from yizhan.supplies import views

app_name = "supplies"
urlpatterns = [
    path("region/", views.region, name="region"),
    path("s/<str:code>/", views.station, name="station"),
    path("s/<str:code>/history/", views.history, name="history"),
    path("s/<str:code>/restock/", views.restock, name="restock"),
    path("s/<str:code>/i/<slug:item>/", views.item_detail, name="item"),
    path("s/<str:code>/i/<slug:item>/use/", views.use, name="use"),
    path("s/<str:code>/i/<slug:item>/min/", views.min_level, name="min_level"),
    path("s/<str:code>/b/<int:batch_id>/discard/", views.batch_discard, name="discard"),
    path("s/<str:code>/b/<int:batch_id>/count/", views.batch_count, name="count"),
]
