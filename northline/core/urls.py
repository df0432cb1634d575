from __future__ import annotations

from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("w/<slug:slug>/", views.workspace_home, name="workspace"),
    path("w/<slug:slug>/activity/", views.activity_page, name="activity"),
    path("w/<slug:slug>/tasks/<int:task_id>/", views.task_page, name="task"),
    path("w/<slug:slug>/<str:area>/", views.area_page, name="area"),
]
