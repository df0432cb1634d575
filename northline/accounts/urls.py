from __future__ import annotations

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_page, name="login"),
    path("signup/", views.signup_page, name="signup"),
    path("logout/", views.logout_page, name="logout"),
    path("invite/<str:secret>/", views.accept_page, name="accept"),
    path("workspaces/new/", views.workspace_new, name="workspace_new"),
    path("w/<slug:slug>/settings/", views.settings_page, name="settings"),
    path("w/<slug:slug>/settings/export/", views.export_start, name="export"),
    path("w/<slug:slug>/exports/<str:name>", views.export_download, name="export_download"),
    path("w/<slug:slug>/leave/", views.leave_page, name="leave"),
    path("w/<slug:slug>/members/", views.members_page, name="members"),
    path("w/<slug:slug>/members/<int:member_id>/role/", views.member_role, name="member_role"),
    path(
        "w/<slug:slug>/members/<int:member_id>/remove/", views.member_remove, name="member_remove"
    ),
    path(
        "w/<slug:slug>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("w/<slug:slug>/tokens/", views.tokens_page, name="tokens"),
    path("w/<slug:slug>/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
