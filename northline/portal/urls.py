"""Pages of the portal: the public side under /p/<slug>/, the team's under /w/<slug>/portal/."""

from __future__ import annotations

from django.urls import path

from .views import public, team

app_name = "portal"

_P = "p/<slug:slug>/"
_T = "w/<slug:slug>/portal/"
urlpatterns = [
    path(_P, public.idea_list, name="ideas"),
    path(_P + "ideas/new/", public.idea_new, name="idea_new"),
    path(_P + "ideas/similar.json", public.similar_json, name="similar"),
    path(_P + "ideas/<int:pk>/", public.idea_page, name="idea"),
    path(_P + "ideas/<int:pk>/vote/", public.vote, name="vote"),
    path(_P + "ideas/<int:pk>/follow/", public.follow, name="follow"),
    path(_P + "ideas/<int:pk>/comments/", public.comment, name="comment"),
    path(_P + "sign-in/", public.sign_in, name="sign_in"),
    path(_P + "sign-in/<str:secret>/", public.sign_in_link, name="sign_in_link"),
    path(_P + "sign-out/", public.sign_out, name="sign_out"),
    path(_T, team.ideas_page, name="team_ideas"),
    path(_T + "ideas/<int:pk>/", team.idea_page, name="team_idea"),
    path(_T + "ideas/<int:pk>/status/", team.idea_status, name="team_status"),
    path(_T + "ideas/<int:pk>/reply/", team.idea_reply, name="team_reply"),
    path(_T + "ideas/<int:pk>/votes/", team.idea_vote, name="team_vote"),
    path(
        _T + "ideas/<int:pk>/votes/<int:customer_id>/remove/",
        team.idea_unvote,
        name="team_unvote",
    ),
    path(_T + "ideas/<int:pk>/links/", team.idea_link, name="team_link"),
    path(_T + "moderation/", team.moderation_page, name="moderation"),
    path(
        _T + "moderation/ideas/<int:pk>/<str:action>/",
        team.moderate_idea,
        name="moderate_idea",
    ),
    path(
        _T + "moderation/comments/<int:pk>/<str:action>/",
        team.moderate_comment,
        name="moderate_comment",
    ),
    path(_T + "settings/", team.settings_page, name="settings"),
]
