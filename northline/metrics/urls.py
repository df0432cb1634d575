"""Pages of metrics under /w/<slug>/metrics/."""

from __future__ import annotations

from django.urls import path

from . import dashboard_views as boards
from . import survey_views as surveys
from . import views

app_name = "metrics"

_M = "w/<slug:slug>/metrics/"
_K = _M + "kpis/<slug:key>/"
_D = _M + "dashboards/<int:pk>/"
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
    path(_M + "dashboards/", boards.dashboard_list, name="dashboards"),
    path(_D, boards.dashboard_page, name="dashboard"),
    path(_D + "rename/", boards.dashboard_rename, name="dashboard_rename"),
    path(_D + "delete/", boards.dashboard_delete, name="dashboard_delete"),
    path(_D + "tiles/", boards.tile_add, name="tile_add"),
    path(_D + "tiles/<int:tile_id>/remove/", boards.tile_remove, name="tile_remove"),
    path(_D + "tiles/<int:tile_id>/<str:direction>/", boards.tile_move, name="tile_move"),
    path(_D + "shares/", boards.share_create, name="share_create"),
    path(_D + "shares/<int:share_id>/revoke/", boards.share_revoke, name="share_revoke"),
    path(_M + "surveys/", surveys.survey_list, name="surveys"),
    path(_M + "surveys/<int:pk>/", surveys.survey_page, name="survey"),
    path(_M + "surveys/<int:pk>/responses/", surveys.response_add, name="response_add"),
    path(_M + "surveys/<int:pk>/import/", surveys.survey_import, name="survey_import"),
    path(_M + "surveys/<int:pk>/link/", surveys.survey_link, name="survey_link"),
    path(_M + "surveys/<int:pk>/link/close/", surveys.survey_link_close, name="survey_link_close"),
    path("s/<str:secret>/", surveys.survey_public, name="survey_public"),
    path("d/<str:secret>/", boards.dashboard_public, name="dashboard_public"),
]
