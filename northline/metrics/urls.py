"""Pages of metrics under /w/<slug>/metrics/."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "metrics"

_M = "w/<slug:slug>/metrics/"
_K = _M + "kpis/<slug:key>/"
urlpatterns = [
    path(_M, views.home, name="home"),
    path(_M + "kpis/new/", views.kpi_new, name="kpi_new"),
    path(_K, views.kpi_page, name="kpi"),
    path(_K + "edit/", views.kpi_edit, name="kpi_edit"),
    path(_K + "delete/", views.kpi_delete, name="kpi_delete"),
    path(_K + "points/", views.point_add, name="point_add"),
    path(_K + "csv/", views.csv_upload, name="csv_upload"),
    path(_K + "targets/", views.target_add, name="target_add"),
    path(_K + "targets/<int:pk>/remove/", views.target_remove, name="target_remove"),
    path(_K + "annotations/", views.annotation_add, name="annotation_add"),
    path(_K + "annotations/<int:pk>/remove/", views.annotation_remove, name="annotation_remove"),
    path(_K + "sql-source/", views.sql_source_save, name="sql_source_save"),
    path(_K + "sql-source/refresh/", views.sql_source_refresh, name="sql_source_refresh"),
    path(_K + "sql-source/delete/", views.sql_source_delete, name="sql_source_delete"),
    path(_M + "alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
]
