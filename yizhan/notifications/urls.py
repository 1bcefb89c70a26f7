from django.urls import path

from yizhan.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("read/", views.notice_read, name="read"),
]
