"""Pages of insights under /w/<slug>/insights/."""

from __future__ import annotations

from django.urls import path

from . import import_views, views, views_text

app_name = "insights"

_I = "w/<slug:slug>/insights/"
_F = _I + "feedback/<int:pk>/"
urlpatterns = [
    path(_I, views.inbox, name="inbox"),
    path(_I + "feedback/new/", views.feedback_new, name="feedback_new"),
    path(_F, views.feedback_page, name="feedback"),
    path(_F + "edit/", views.feedback_edit, name="feedback_edit"),
    path(_F + "triage/", views.feedback_triage, name="feedback_triage"),
    path(_F + "highlights/", views.highlight_add, name="highlight_add"),
    path(
        _F + "highlights/<int:highlight_id>/remove/",
        views.highlight_remove,
        name="highlight_remove",
    ),
    path(_F + "links/", views.link_add, name="link_add"),
    path(_F + "links/<int:number>/remove/", views.link_remove, name="link_remove"),
    path(_I + "customers/", views.customers_page, name="customers"),
    path(_I + "customers/<int:pk>/", views.customer_page, name="customer"),
    path(_I + "customers/<int:pk>/delete/", views.customer_delete, name="customer_delete"),
    path(_I + "companies/", views.companies_page, name="companies"),
    path(_I + "companies/<int:pk>/", views.company_page, name="company"),
    path(_I + "companies/<int:pk>/delete/", views.company_delete, name="company_delete"),
    path(_I + "demand/", views.demand_page, name="demand"),
    path(_I + "imports/", import_views.imports_page, name="imports"),
    path(_I + "imports/<int:pk>/", import_views.import_page, name="import"),
    path(_I + "imports/<int:pk>/dry-run/", import_views.import_dry_run, name="import_dry_run"),
    path(_I + "imports/<int:pk>/start/", import_views.import_start, name="import_start"),
    path(_I + "demand/export.csv", views.demand_export, name="demand_export"),
    path(_F + "type/", views_text.correct_type, name="correct_type"),
    path(_F + "sentiment/", views_text.correct_sentiment, name="correct_sentiment"),
    path(_F + "theme/", views_text.move_theme, name="move_theme"),
    path(_F + "duplicate-of/<int:other>/", views_text.merge_duplicate, name="merge_duplicate"),
    path(_F + "not-duplicate/<int:other>/", views_text.dismiss_duplicate, name="dismiss_duplicate"),
    path(_I + "themes/", views_text.themes_page, name="themes"),
    path(_I + "themes/recluster/", views_text.themes_recluster, name="themes_recluster"),
    path(_I + "themes/<int:pk>/", views_text.theme_page, name="theme"),
    path(_I + "themes/<int:pk>/rename/", views_text.theme_rename, name="theme_rename"),
    path(_I + "themes/<int:pk>/split/", views_text.theme_split, name="theme_split"),
    path(_I + "themes/<int:pk>/merge/", views_text.theme_merge, name="theme_merge"),
    path(_I + "processing/", views_text.processing_page, name="processing"),
    path(_I + "processing/retrain/", views_text.processing_retrain, name="processing_retrain"),
    path(
        _I + "processing/retrain-encoder/",
        views_text.processing_retrain_encoder,
        name="processing_retrain_encoder",
    ),
    path(
        _I + "processing/reprocess/", views_text.processing_reprocess, name="processing_reprocess"
    ),
]
