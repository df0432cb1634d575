"""Kano surveys end to end: services (bad input, links, answers, all-or-nothing import,
results), the public questionnaire, the API and the pages for every persona."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from northline.accounts.models import Workspace
from northline.core.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from northline.core.models import Activity
from northline.planning import kano
from northline.planning.models import KanoAnswer, KanoResponse, KanoSurvey
from northline.planning.services import features
from northline.planning.services import kano as service
from tests.conftest import Team, access_for
from tests.personas import PERSONAS, call, error, expected

pytestmark = pytest.mark.django_db

WRITERS = {"owner", "admin", "editor"}
MANAGERS = {"owner", "admin"}
EVERYONE = WRITERS | {"viewer"}
ONE_OF = "is not one of like, expect, neutral, live_with, dislike"


@pytest.fixture
def setup(team: Team) -> dict[str, Any]:
    """F-1 Bulk export and F-2 SSO in a survey with a public link; F-3 Dark mode outside it."""
    access = team.access("editor")
    f1 = features.create_feature(access, "Bulk export", description="Export every record.")
    f2 = features.create_feature(access, "SSO")
    f3 = features.create_feature(access, "Dark mode")
    survey = service.create_survey(
        access, "Spring survey", intro="Five minutes.", features=["F-1", "F-2"]
    )
    secret = service.create_link(access, survey)
    return {"access": access, "survey": survey, "secret": secret, "f1": f1, "f2": f2, "f3": f3}


def nothing_answered() -> bool:
    return not KanoResponse.objects.exists() and not KanoAnswer.objects.exists()


def form_data(pairs: dict[int, tuple[str, str]], **extra: str) -> dict[str, str]:
    data = {"respondent": "", "website": "", **extra}
    for number, (functional, dysfunctional) in pairs.items():
        data[f"F-{number}.functional"] = functional
        data[f"F-{number}.dysfunctional"] = dysfunctional
    return data


GOOD = {1: ("like", "dislike"), 2: ("expect", "dislike")}


# --- services: surveys -----------------------------------------------------------------------


def test_create_survey_keeps_the_features_and_records_it(team: Team, setup: dict[str, Any]) -> None:
    survey = setup["survey"]
    assert [f.ref for f in survey.features.all()] == ["F-1", "F-2"]
    assert survey.created_by == team.editor and survey.is_open
    verbs = list(
        Activity.objects.filter(object_type="planning.kanosurvey").values_list("verb", flat=True)
    )
    assert verbs == ["kano_survey.link_created", "kano_survey.created"]
    assert Activity.objects.filter(verb="kano_survey.created").get().phrase == (
        "created the Kano survey"
    )


CREATE_BAD = [
    ({"title": "", "features": ["F-1"]}, "title: must not be empty"),
    ({"title": "x" * 201, "features": ["F-1"]}, "title: must be at most 200 characters, got 201"),
    ({"title": "T", "features": []}, "features: choose at least one feature"),
    ({"title": "T", "features": ["F-99"]}, "features: F-99 not found"),
    ({"title": "T", "features": ["F-1", "F-98", "99"]}, "features: F-98, F-99 not found"),
    ({"title": "T", "features": ["banana"]},
     "features: 'banana' is not a feature reference like F-12"),
    ({"title": "T", "features": ["F-1"], "intro": "x" * 5001},
     "intro: must be at most 5000 characters, got 5001"),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "message"), CREATE_BAD)
def test_create_survey_bad_input_writes_nothing(
    team: Team, setup: dict[str, Any], fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(Invalid) as caught:
        service.create_survey(setup["access"], **fields)
    assert caught.value.errors == [message]
    assert KanoSurvey.objects.count() == 1


def test_features_may_be_given_as_numbers_and_repeat(team: Team, setup: dict[str, Any]) -> None:
    survey = service.create_survey(setup["access"], "Numbers", features=[3, "f1", "F-3"])
    assert [f.ref for f in survey.features.all()] == ["F-1", "F-3"]


def test_update_survey_records_the_changes(team: Team, setup: dict[str, Any]) -> None:
    survey = setup["survey"]
    service.update_survey(setup["access"], survey, title="Autumn", features=["F-3", "F-1"])
    survey.refresh_from_db()
    assert survey.title == "Autumn" and [f.ref for f in survey.features.all()] == ["F-1", "F-3"]
    changes = Activity.objects.filter(verb="kano_survey.updated").get().changes
    assert changes == {"title": ["Spring survey", "Autumn"],
                       "features": [["F-1", "F-2"], ["F-1", "F-3"]]}  # fmt: skip


def test_update_survey_without_changes_records_nothing(team: Team, setup: dict[str, Any]) -> None:
    survey = setup["survey"]
    stamp = KanoSurvey.objects.get().updated_at
    service.update_survey(setup["access"], survey, title=" Spring survey ", features=[2, 1])
    assert KanoSurvey.objects.get().updated_at == stamp
    assert not Activity.objects.filter(verb="kano_survey.updated").exists()


def test_update_survey_with_a_bad_feature_changes_nothing(
    team: Team, setup: dict[str, Any]
) -> None:
    survey = setup["survey"]
    with pytest.raises(Invalid, match=r"^features: F-42 not found$"):
        service.update_survey(setup["access"], survey, title="Autumn", features=["F-42"])
    survey.refresh_from_db()
    assert survey.title == "Spring survey" and survey.features.count() == 2
    assert not Activity.objects.filter(verb="kano_survey.updated").exists()


def test_add_and_remove_features(team: Team, setup: dict[str, Any]) -> None:
    access, survey = setup["access"], setup["survey"]
    assert service.add_feature(access, survey, "F-3") == setup["f3"]
    with pytest.raises(Conflict, match=r"^feature: F-3 is already in this survey$"):
        service.add_feature(access, survey, "3")
    with pytest.raises(Invalid, match=r"^feature: F-77 not found$"):
        service.add_feature(access, survey, "F-77")
    service.remove_feature(access, survey, setup["f1"])
    service.remove_feature(access, survey, setup["f2"])
    with pytest.raises(NotFound, match=r"^feature: F-1 is not in this survey$"):
        service.remove_feature(access, survey, setup["f1"])
    with pytest.raises(Invalid, match="F-3 is the last feature; a survey needs at least one"):
        service.remove_feature(access, survey, setup["f3"])
    assert [f.ref for f in survey.features.all()] == ["F-3"]


def test_open_and_close_record_only_changes(team: Team, setup: dict[str, Any]) -> None:
    access, survey = setup["access"], setup["survey"]
    service.set_open(access, survey, False)
    service.set_open(access, survey, False)
    service.update_survey(access, survey, is_open=True)
    verbs = Activity.objects.filter(verb__in=["kano_survey.opened", "kano_survey.closed"])
    assert list(verbs.values_list("verb", flat=True)) == [
        "kano_survey.opened",
        "kano_survey.closed",
    ]


def test_roles_are_checked_by_the_services(team: Team, setup: dict[str, Any]) -> None:
    survey = setup["survey"]
    with pytest.raises(Forbidden):
        service.create_survey(team.access("viewer"), "No", features=["F-1"])
    with pytest.raises(Forbidden):
        service.create_link(team.access("viewer"), survey)
    with pytest.raises(Forbidden, match="needs the admin role"):
        service.delete_survey(team.access("editor"), survey)
    service.delete_survey(team.access("admin"), survey)
    assert not KanoSurvey.objects.exists()


def test_the_link_secret_is_stored_only_as_its_hash(team: Team, setup: dict[str, Any]) -> None:
    survey, secret = setup["survey"], setup["secret"]
    survey.refresh_from_db()
    assert survey.link_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps(list(KanoSurvey.objects.values()), default=str)
    assert service.open_survey(secret) == survey
    newer = service.create_link(setup["access"], survey)
    with pytest.raises(NotFound, match="survey not found; check the link you were sent"):
        service.open_survey(secret)
    assert service.open_survey(newer) == survey


# --- services: answers through the link ------------------------------------------------------


def test_submit_stores_one_response_with_a_pair_per_feature(
    team: Team, setup: dict[str, Any]
) -> None:
    response = service.submit_response(
        setup["secret"], GOOD, client="1.2.3.4", respondent=" Carla@Example.com "
    )
    assert response is not None and response.respondent == "carla@example.com"
    assert response.source == KanoResponse.Source.LINK
    pairs = {(a.feature.ref, a.functional, a.dysfunctional) for a in response.answers.all()}
    assert pairs == {("F-1", "like", "dislike"), ("F-2", "expect", "dislike")}
    answered = Activity.objects.get(verb="kano_survey.answered")
    assert answered.actor is None and answered.phrase == "answered the Kano survey"
    assert answered.by == "Someone"  # a respondent, not Northline (`AUTOMATIC`)


SUBMIT_BAD = [
    ({1: ("love", "dislike"), 2: ("like", "like")}, "",
     [f"F-1.functional: 'love' {ONE_OF}"]),
    ({1: ("like", ""), 2: ("", "nope")}, "",
     ["F-1.dysfunctional: choose an answer", "F-2.functional: choose an answer",
      f"F-2.dysfunctional: 'nope' {ONE_OF}"]),
    ({1: ("like", "dislike")}, "",
     ["F-2.functional: choose an answer", "F-2.dysfunctional: choose an answer"]),
    ({**GOOD, 3: ("like", "like")}, "", ["F-3: is not in this survey"]),
    (GOOD, "carla@", ["respondent: 'carla@' is not a valid e-mail address"]),
]  # fmt: skip


@pytest.mark.parametrize(("answers", "respondent", "errors"), SUBMIT_BAD)
def test_submit_bad_input_writes_nothing(
    team: Team,
    setup: dict[str, Any],
    answers: dict[int, tuple[str, str]],
    respondent: str,
    errors: list[str],
) -> None:
    with pytest.raises(Invalid) as caught:
        service.submit_response(setup["secret"], answers, client="c", respondent=respondent)
    assert caught.value.errors == errors
    assert nothing_answered()


def test_submit_to_a_closed_or_unknown_survey(team: Team, setup: dict[str, Any]) -> None:
    service.set_open(setup["access"], setup["survey"], False)
    with pytest.raises(Gone, match="this survey is closed and no longer takes answers"):
        service.submit_response(setup["secret"], GOOD, client="c")
    with pytest.raises(NotFound):
        service.submit_response("not-a-secret", GOOD, client="c")
    assert nothing_answered()


def test_a_filled_honeypot_stores_nothing(team: Team, setup: dict[str, Any]) -> None:
    assert service.submit_response(setup["secret"], GOOD, client="c", website="spam") is None
    assert nothing_answered()


# --- services: import ------------------------------------------------------------------------

CSV = """respondent,feature,functional,dysfunctional
ann@example.com,F-1,like,dislike
ann@example.com,2,expect,dislike
bob@example.com,F-1,like,dislike
"""


def test_import_groups_rows_by_respondent(team: Team, setup: dict[str, Any]) -> None:
    result = service.import_csv(setup["access"], setup["survey"], CSV)
    assert result == service.ImportResult(responses=2, replaced=0, answers=3, dry_run=False)
    responses = KanoResponse.objects.order_by("respondent")
    assert [(r.respondent, r.source, r.answers.count()) for r in responses] == [
        ("ann@example.com", "import", 2),
        ("bob@example.com", "import", 1),
    ]
    assert Activity.objects.get(verb="kano_survey.imported").changes == {
        "responses": 2, "replaced": 0, "answers": 3,
    }  # fmt: skip


def test_dry_run_counts_and_stores_nothing(team: Team, setup: dict[str, Any]) -> None:
    result = service.import_csv(setup["access"], setup["survey"], CSV, dry_run=True)
    assert result == service.ImportResult(responses=2, replaced=0, answers=3, dry_run=True)
    assert nothing_answered() and not Activity.objects.filter(verb__contains="import").exists()


def test_importing_again_replaces_the_respondents_answers(
    team: Team, setup: dict[str, Any]
) -> None:
    access, survey = setup["access"], setup["survey"]
    service.import_csv(access, survey, CSV)
    again = CSV.replace("bob@example.com,F-1,like,dislike", "bob@example.com,F-1,neutral,neutral")
    assert service.import_csv(access, survey, again, dry_run=True).replaced == 2
    result = service.import_csv(access, survey, again)
    assert (result.responses, result.replaced, result.answers) == (0, 2, 3)
    assert KanoResponse.objects.count() == 2 and KanoAnswer.objects.count() == 3
    bob = KanoAnswer.objects.get(response__respondent="bob@example.com")
    assert (bob.functional, bob.dysfunctional) == ("neutral", "neutral")


def test_import_reads_semicolons_a_bom_labels_and_spare_columns(
    team: Team, setup: dict[str, Any]
) -> None:
    text = (
        "\ufeffRespondent;Feature;Functional;Dysfunctional;Comment\n"
        "R1;1;I like it;I can live with it;great\n"
        'R1;F-2;Live with;"I DISLIKE IT"\n'
        ";;;\n"
    )
    result = service.import_csv(setup["access"], setup["survey"], text)
    assert (result.responses, result.answers) == (1, 2)
    stored = {(a.feature.ref, a.functional, a.dysfunctional) for a in KanoAnswer.objects.all()}
    assert stored == {("F-1", "like", "live_with"), ("F-2", "live_with", "dislike")}


IMPORT_BAD = [
    ("", ["file: is empty; expected a header (respondent, feature, functional, dysfunctional) "
          "and answer rows"]),
    ("respondent,feature,functional\nann,F-1,like\n",
     ["file: the header has no column 'dysfunctional'; expected respondent, feature, "
      "functional, dysfunctional"]),
    ("respondent,feature,functional,dysfunctional\n",
     ["rows: no answers found; expected respondent, feature, functional, dysfunctional in each row"]),
    (CSV + "carl,F-1,love,dislike\n", [f"row 5: functional: 'love' {ONE_OF}"]),
    (CSV + ",F-1,like,\n",
     ["row 5: respondent: must not be empty", "row 5: dysfunctional: choose an answer"]),
    (CSV + "carl,F-3,like,like\ncarl,,like,like\ncarl,x,like,like\n",
     ["row 5: feature: F-3 is not in this survey", "row 6: feature: must not be empty",
      "row 7: feature: 'x' is not a feature reference like F-12"]),
    (CSV + "ann@example.com,1,like,like\n",
     ["row 5: feature: F-1 was already answered by 'ann@example.com' in row 2"]),
    (CSV + f"{'x' * 255},F-1,like,like\n",
     ["row 5: respondent: must be at most 254 characters, got 255"]),
    ('respondent,feature,functional,dysfunctional\n"ann,F-1,like,dislike\n',
     ["row 2: unexpected end of data"]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "errors"), IMPORT_BAD)
def test_import_bad_input_names_the_row_and_stores_nothing(
    team: Team, setup: dict[str, Any], text: str, errors: list[str]
) -> None:
    service.submit_response(setup["secret"], GOOD, client="c")  # earlier answers stay as they are
    with pytest.raises(Invalid) as caught:
        service.import_csv(setup["access"], setup["survey"], text)
    assert caught.value.errors == errors
    assert KanoResponse.objects.get().source == "link" and KanoAnswer.objects.count() == 2


def test_import_is_all_or_nothing_after_many_good_rows(team: Team, setup: dict[str, Any]) -> None:
    good = "".join(f"r{i},F-1,like,dislike\nr{i},F-2,expect,dislike\n" for i in range(200))
    text = "respondent,feature,functional,dysfunctional\n" + good + "late,F-2,like,love\n"
    with pytest.raises(Invalid, match=rf"^row 402: dysfunctional: 'love' {ONE_OF}$"):
        service.import_csv(setup["access"], setup["survey"], text)
    assert nothing_answered()


def test_import_lists_at_most_fifty_errors(team: Team, setup: dict[str, Any]) -> None:
    rows = [{"respondent": f"r{i}", "feature": 1, "functional": "x", "dysfunctional": "like"}
            for i in range(60)]  # fmt: skip
    with pytest.raises(Invalid) as caught:
        service.import_rows(setup["access"], setup["survey"], rows)
    assert len(caught.value.errors) == 51
    assert caught.value.errors[0] == f"row 1: functional: 'x' {ONE_OF}"
    assert caught.value.errors[-1] == "rows: 10 more errors not shown"
    assert nothing_answered()


def test_import_needs_write_access(team: Team, setup: dict[str, Any]) -> None:
    with pytest.raises(Forbidden):
        service.import_csv(team.access("viewer"), setup["survey"], CSV)
    assert nothing_answered()


# --- services: results -----------------------------------------------------------------------


def test_results_match_the_pure_evaluation(team: Team, setup: dict[str, Any]) -> None:
    f1_pairs = [("like", "dislike")] * 3
    f2_pairs = [("expect", "dislike"), ("like", "neutral"), ("neutral", "neutral"),
                ("dislike", "like"), ("like", "like")]  # fmt: skip
    rows = [{"respondent": f"r{i}", "feature": "F-1", "functional": a, "dysfunctional": b}
            for i, (a, b) in enumerate(f1_pairs)]  # fmt: skip
    rows += [{"respondent": f"r{i}", "feature": 2, "functional": a, "dysfunctional": b}
             for i, (a, b) in enumerate(f2_pairs)]  # fmt: skip
    service.import_rows(setup["access"], setup["survey"], rows)
    service.submit_response(setup["secret"], GOOD, client="c")
    outcome = service.results(setup["survey"])
    assert (outcome.responses, outcome.by_source) == (6, {"link": 1, "import": 5})
    one, two = outcome.features
    assert one.summary == kano.summarize([*f1_pairs, GOOD[1]])
    assert (one.summary.dominant, one.summary.better, one.summary.worse) == ("O", 1.0, -1.0)
    assert one.dominant_label == "performance (one-dimensional)"
    assert one.counts == [0, 4, 0, 0, 0, 0]
    assert two.summary == kano.summarize([*f2_pairs, GOOD[2]])
    assert two.summary.dominant == "M" and two.dominant_label == "must-be"


def test_three_like_dislike_answers_are_performance(team: Team, setup: dict[str, Any]) -> None:
    for _ in range(3):
        service.submit_response(setup["secret"], {1: ("like", "dislike"), 2: GOOD[2]}, client="c")
    first = service.results(setup["survey"]).features[0]
    assert first.summary.counts["O"] == 3 and first.summary.responses == 3
    assert (first.summary.dominant, first.summary.better, first.summary.worse) == ("O", 1.0, -1.0)


def test_a_feature_without_answers_has_no_category(team: Team, setup: dict[str, Any]) -> None:
    service.add_feature(setup["access"], setup["survey"], "F-3")
    last = service.results(setup["survey"]).features[-1]
    assert last.feature.ref == "F-3" and last.dominant_label is None
    assert (last.summary.responses, last.summary.better, last.summary.worse) == (0, None, None)


# --- the public questionnaire ----------------------------------------------------------------


def public(setup: dict[str, Any]) -> str:
    return f"/kano/{setup['secret']}/"


def test_public_page_asks_the_two_questions_per_feature(team: Team, setup: dict[str, Any]) -> None:
    response = Client().get(public(setup))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Spring survey" in html and "Five minutes." in html and "Export every record." in html
    assert "If Bulk export is available, how do you feel?" in html
    assert "If SSO is NOT available, how do you feel?" in html
    for label in ("I like it", "I expect it", "I am neutral", "I can live with it", "I dislike it"):
        assert html.count(label) == 4
    assert html.count('type="radio"') == 20 and 'name="F-2.dysfunctional"' in html
    assert "Dark mode" not in html and 'class="ref"' not in html
    assert 'class="sidebar"' not in html and "noindex" in html


def test_public_submit_stores_and_thanks(team: Team, setup: dict[str, Any]) -> None:
    client = Client()
    response = client.post(public(setup), form_data(GOOD, respondent="dan@example.com"))
    assert response.status_code == 302 and response["Location"] == public(setup) + "thanks/"
    stored = KanoResponse.objects.get()
    assert stored.respondent == "dan@example.com" and stored.answers.count() == 2
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200 and "Thank you" in thanks.content.decode()


def test_public_submit_shows_errors_beside_the_questions(team: Team, setup: dict[str, Any]) -> None:
    data = form_data({1: ("love", "dislike"), 2: ("like", "")}, respondent="nope")
    response = Client().post(public(setup), data)
    html = response.content.decode()
    assert response.status_code == 422 and nothing_answered()
    assert f"&#x27;love&#x27; {ONE_OF}" in html and "choose an answer" in html
    assert "&#x27;nope&#x27; is not a valid e-mail address" in html
    assert html.count('class="kano-question invalid"') == 2
    assert 'value="like" id="id_F-2.functional_0" checked' in html  # answers are kept


def test_closed_survey_answers_410(team: Team, setup: dict[str, Any]) -> None:
    service.set_open(setup["access"], setup["survey"], False)
    for response in (Client().get(public(setup)), Client().post(public(setup), form_data(GOOD))):
        assert response.status_code == 410
        assert "this survey is closed and no longer takes answers" in response.content.decode()
    assert nothing_answered()


def test_unknown_secret_is_404(team: Team, setup: dict[str, Any]) -> None:
    assert Client().get("/kano/not-the-secret/").status_code == 404
    assert Client().post("/kano/not-the-secret/", form_data(GOOD)).status_code == 404
    assert Client().get("/kano/not-the-secret/thanks/").status_code == 404


def test_honeypot_looks_accepted_but_stores_nothing(team: Team, setup: dict[str, Any]) -> None:
    response = Client().post(public(setup), form_data(GOOD, website="http://spam.example"))
    assert response.status_code == 302 and response["Location"].endswith("/thanks/")
    assert nothing_answered() and not Activity.objects.filter(verb="kano_survey.answered").exists()


def test_rate_limit_per_address_gives_429(team: Team, setup: dict[str, Any]) -> None:
    client = Client()
    for _ in range(service.SUBMISSIONS_PER_HOUR):
        assert client.post(public(setup), form_data(GOOD)).status_code == 302
    refused = client.post(public(setup), form_data(GOOD))
    assert refused.status_code == 429 and "Too many attempts" in refused.content.decode()
    assert KanoResponse.objects.count() == service.SUBMISSIONS_PER_HOUR
    other = Client(REMOTE_ADDR="10.9.8.7").post(public(setup), form_data(GOOD))
    assert other.status_code == 302


def test_public_form_needs_csrf(team: Team, setup: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post(public(setup), form_data(GOOD)).status_code == 403
    assert nothing_answered()
    page = client.get(public(setup)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    data = form_data(GOOD, csrfmiddlewaretoken=token.group(1))
    assert client.post(public(setup), data).status_code == 302
    assert KanoResponse.objects.count() == 1


def test_public_page_escapes_titles(team: Team, setup: dict[str, Any]) -> None:
    features.update_feature(setup["access"], setup["f1"], title="<script>alert(1)</script>")
    service.update_survey(setup["access"], setup["survey"], title="<b>Survey</b>")
    html = Client().get(public(setup)).content.decode()
    assert "<script>alert(1)</script>" not in html and "<b>Survey</b>" not in html
    assert "If &lt;script&gt;alert(1)&lt;/script&gt; is available" in html
    assert "&lt;b&gt;Survey&lt;/b&gt;" in html


# --- API -------------------------------------------------------------------------------------


def api_endpoints(setup: dict[str, Any]) -> list[tuple[str, str, Any, set[str], int]]:
    base = f"/api/v1/workspaces/acme/kano/surveys/{setup['survey'].pk}"
    row = {"respondent": "r", "feature": "F-1", "functional": "like", "dysfunctional": "like"}
    return [
        ("get", "/api/v1/workspaces/acme/kano/surveys", None, EVERYONE, 200),
        ("post", "/api/v1/workspaces/acme/kano/surveys", {"title": "New", "features": ["F-3"]}, WRITERS, 201),
        ("get", base, None, EVERYONE, 200),
        ("patch", base, {"title": "Renamed"}, WRITERS, 200),
        ("delete", base, None, MANAGERS, 204),
        ("post", base + "/features", {"feature": "F-3"}, WRITERS, 201),
        ("delete", base + "/features/F-2", None, WRITERS, 204),
        ("post", base + "/link", None, WRITERS, 201),
        ("post", base + "/import", {"rows": [row]}, WRITERS, 200),
        ("get", base + "/results", None, EVERYONE, 200),
    ]  # fmt: skip


API_ENDPOINTS = 10


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(API_ENDPOINTS))
def test_api_endpoint_for_each_persona(
    team: Team, setup: dict[str, Any], persona: str, index: int
) -> None:
    table = api_endpoints(setup)
    assert len(table) == API_ENDPOINTS
    method, url, body, allowed, ok = table[index]
    before = (KanoSurvey.objects.count(), KanoResponse.objects.count(), Activity.objects.count())
    response = call(team.client(persona), method, url, body)
    assert response.status_code == expected(persona, allowed, ok), response.content
    if response.status_code == 404:
        assert response.json() == error(404, "workspace not found")
    if response.status_code in (401, 403, 404):
        after = (KanoSurvey.objects.count(), KanoResponse.objects.count(), Activity.objects.count())
        assert after == before


def test_api_import_multipart_for_each_persona(team: Team, setup: dict[str, Any]) -> None:
    url = f"/api/v1/workspaces/acme/kano/surveys/{setup['survey'].pk}/import"
    for persona in PERSONAS:
        upload = SimpleUploadedFile("answers.csv", CSV.encode(), content_type="text/csv")
        response = team.client(persona).post(url, {"file": upload})
        assert response.status_code == expected(persona, WRITERS, 200), persona
    assert KanoResponse.objects.count() == 2  # each writer replaced the same two respondents


def test_api_survey_lifecycle(team: Team, setup: dict[str, Any]) -> None:
    client = team.client("editor")
    created = call(client, "post", "/api/v1/workspaces/acme/kano/surveys",
                   {"title": "Onboarding", "intro": "Hi", "features": ["F-3", 1]})  # fmt: skip
    body = created.json()
    assert created.status_code == 201
    assert {k: body[k] for k in ("title", "intro", "features", "is_open", "has_link", "responses",
                                 "created_by", "url")} == {
        "title": "Onboarding", "intro": "Hi", "features": ["F-1", "F-3"], "is_open": True,
        "has_link": False, "responses": 0, "created_by": "editor@example.com", "url": None,
    }  # fmt: skip
    base = f"/api/v1/workspaces/acme/kano/surveys/{body['id']}"
    link = call(client, "post", base + "/link").json()
    assert link["has_link"] is True and link["url"].startswith("http://testserver/kano/")
    assert call(client, "get", base).json()["url"] is None  # shown once
    listed = call(client, "get", "/api/v1/workspaces/acme/kano/surveys").json()
    assert [s["title"] for s in listed] == ["Onboarding", "Spring survey"]
    secret_path = link["url"].removeprefix("http://testserver")
    assert Client().get(secret_path).status_code == 200
    closed = call(client, "patch", base, {"is_open": False, "features": ["F-2"]}).json()
    assert closed["is_open"] is False and closed["features"] == ["F-2"]
    assert Client().get(secret_path).status_code == 410
    assert call(team.client("admin"), "delete", base).status_code == 204
    assert not KanoSurvey.objects.filter(pk=body["id"]).exists()


def test_api_import_dry_run_and_results(team: Team, setup: dict[str, Any]) -> None:
    client = team.client("editor")
    base = f"/api/v1/workspaces/acme/kano/surveys/{setup['survey'].pk}"
    upload = SimpleUploadedFile("answers.csv", CSV.encode(), content_type="text/csv")
    dry = client.post(base + "/import?dry_run=true", {"file": upload})
    assert dry.json() == {"dry_run": True, "responses": 2, "replaced": 0, "answers": 3}
    assert nothing_answered()
    rows = [
        {"respondent": "x", "feature": 2, "functional": "I expect it", "dysfunctional": "dislike"}
    ]
    done = call(client, "post", base + "/import", {"rows": rows})
    assert done.json() == {"dry_run": False, "responses": 1, "replaced": 0, "answers": 1}
    results = call(team.client("viewer"), "get", base + "/results").json()
    assert results["responses"] == 1 and results["by_source"] == {"link": 0, "import": 1}
    assert results["categories"]["O"] == "performance (one-dimensional)"
    assert results["features"][1] == {
        "ref": "F-2", "title": "SSO", "responses": 1,
        "counts": {"A": 0, "O": 0, "M": 1, "I": 0, "R": 0, "Q": 0},
        "dominant": "M", "dominant_name": "must-be", "better": 0.0, "worse": -1.0,
    }  # fmt: skip
    assert results["features"][0]["dominant"] is None


API_BAD = [
    ("post", "", {"title": "T", "features": ["F-99"]}, 422, ["features: F-99 not found"]),
    ("post", "", {"title": "T"}, 422, ["features: Field required"]),
    ("patch", "/{id}", {"title": ""}, 422, ["title: must not be empty"]),
    ("post", "/{id}/features", {"feature": "F-1"}, 409, ["feature: F-1 is already in this survey"]),
    ("delete", "/{id}/features/F-3", None, 404, ["feature: F-3 is not in this survey"]),
    ("get", "/999999", None, 404, ["kano survey not found"]),
    ("post", "/{id}/import", {"rows": [{"respondent": "r", "feature": "F-1",
                                        "functional": "love", "dysfunctional": "like"}]},
     422, [f"row 1: functional: 'love' {ONE_OF}"]),
    ("post", "/{id}/import", {"rows": "nope"}, 422, ["rows: Input should be a valid array"]),
    ("post", "/{id}/import", {}, 422, ["rows: Field required"]),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "status", "errors"), API_BAD)
def test_api_bad_input_answers_the_error_shape_and_writes_nothing(
    team: Team,
    setup: dict[str, Any],
    method: str,
    path: str,
    body: Any,
    status: int,
    errors: list[str],
) -> None:
    url = "/api/v1/workspaces/acme/kano/surveys" + path.format(id=setup["survey"].pk)
    before = Activity.objects.count()
    response = call(team.client("editor"), method, url, body)
    assert response.status_code == status
    assert response.json() == error(status, errors[0], errors)
    assert Activity.objects.count() == before and nothing_answered()
    assert KanoSurvey.objects.get().title == "Spring survey"


def test_api_import_without_a_file_or_with_bad_json(team: Team, setup: dict[str, Any]) -> None:
    url = f"/api/v1/workspaces/acme/kano/surveys/{setup['survey'].pk}/import"
    client = team.client("editor")
    missing = client.post(url, {"other": "x"})
    assert missing.json() == error(422, "file: attach the CSV file as the form field 'file'")
    broken = client.post(url, data="{", content_type="application/json")
    assert broken.status_code == 422 and broken.json()["error"].startswith("body: Invalid JSON")
    assert nothing_answered()


# --- pages -----------------------------------------------------------------------------------


def page_urls(setup: dict[str, Any]) -> dict[str, str]:
    base = f"/w/acme/planning/kano/{setup['survey'].pk}/"
    return {"list": "/w/acme/planning/kano/", "new": "/w/acme/planning/kano/new/",
            "survey": base, "edit": base + "edit/", "import": base + "import/",
            "results": base + "results/", "base": base}  # fmt: skip


def page_status(persona: str, allowed: set[str], ok: int) -> int:
    if persona == "anonymous":
        return 302
    if persona == "outsider":
        return 404
    return ok if persona in allowed else 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_read_pages_for_each_persona(team: Team, setup: dict[str, Any], persona: str) -> None:
    service.import_csv(setup["access"], setup["survey"], CSV)
    urls = page_urls(setup)
    for name, allowed in (("list", EVERYONE), ("survey", EVERYONE), ("results", EVERYONE),
                          ("new", WRITERS), ("edit", WRITERS), ("import", WRITERS)):  # fmt: skip
        response = team.client(persona).get(urls[name])
        assert response.status_code == page_status(persona, allowed, 200), name
        if persona == "anonymous":
            assert response["Location"].startswith("/login/?next=")


def page_writes(setup: dict[str, Any]) -> list[tuple[str, dict[str, str], set[str], int]]:
    urls = page_urls(setup)
    base = urls["base"]
    return [
        (urls["new"], {"title": "New", "intro": "", "features": "F-3"}, WRITERS, 302),
        (urls["edit"], {"title": "Renamed", "intro": "", "features": "F-1 F-3"}, WRITERS, 302),
        (base + "link/", {}, WRITERS, 200),
        (base + "close/", {}, WRITERS, 302),
        (base + "features/", {"feature": "F-3"}, WRITERS, 302),
        (base + "features/2/remove/", {}, WRITERS, 302),
        (urls["import"], {"text": CSV}, WRITERS, 302),
        (base + "delete/", {}, MANAGERS, 302),
    ]


PAGE_WRITES = 8


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(PAGE_WRITES))
def test_write_pages_for_each_persona(
    team: Team, setup: dict[str, Any], persona: str, index: int
) -> None:
    table = page_writes(setup)
    assert len(table) == PAGE_WRITES
    url, data, allowed, ok = table[index]
    before = Activity.objects.count()
    response = team.client(persona).post(url, data)
    assert response.status_code == page_status(persona, allowed, ok), response.content[:300]
    assert (Activity.objects.count() > before) == (response.status_code in (200, 302)
                                                   and persona != "anonymous")  # fmt: skip


def test_survey_pages_create_share_and_edit(team: Team, setup: dict[str, Any]) -> None:
    client = team.client("editor")
    created = client.post("/w/acme/planning/kano/new/",
                          {"title": "Onboarding", "intro": "Hello", "features": "F-3, F-1"})  # fmt: skip
    survey = KanoSurvey.objects.get(title="Onboarding")
    assert created["Location"] == f"/w/acme/planning/kano/{survey.pk}/"
    detail = client.get(created["Location"]).content.decode()
    assert "No public link yet" in detail and "Bulk export" in detail and "Dark mode" in detail
    shared = client.post(created["Location"] + "link/").content.decode()
    link = re.search(r'value="(http://testserver/kano/[^"]+)"', shared)
    assert link is not None and "will not be shown again" in shared
    assert link.group(1) not in client.get(created["Location"]).content.decode()
    assert Client().get(link.group(1)).status_code == 200
    client.post(created["Location"] + "close/")
    assert Client().get(link.group(1)).status_code == 410
    client.post(created["Location"] + "open/")
    assert Client().get(link.group(1)).status_code == 200


def test_page_errors_show_beside_the_fields(team: Team, setup: dict[str, Any]) -> None:
    client = team.client("editor")
    response = client.post("/w/acme/planning/kano/new/",
                           {"title": "", "intro": "", "features": "F-1 F-99"})  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 422 and KanoSurvey.objects.count() == 1
    assert "must not be empty" in html
    edit = client.post(page_urls(setup)["edit"], {"title": "X", "intro": "", "features": "F-99"})
    assert edit.status_code == 422 and "F-99 not found" in edit.content.decode()
    assert KanoSurvey.objects.get().title == "Spring survey"
    added = client.post(page_urls(setup)["base"] + "features/", {"feature": "F-1"}, follow=True)
    assert "feature: F-1 is already in this survey" in added.content.decode()


def test_import_page_previews_then_imports(team: Team, setup: dict[str, Any]) -> None:
    client = team.client("editor")
    url = page_urls(setup)["import"]
    upload = SimpleUploadedFile("answers.csv", CSV.encode(), content_type="text/csv")
    preview = client.post(url, {"file": upload, "dry_run": "on"})
    html = preview.content.decode()
    assert preview.status_code == 200 and nothing_answered()
    assert (
        "<strong>2</strong> new respondents" in html and "<strong>3</strong> answer pairs" in html
    )
    hidden = re.search(
        r'<textarea name="text" hidden aria-hidden="true">(.*?)</textarea>', html, re.S
    )
    assert hidden is not None
    done = client.post(url, {"text": hidden.group(1).replace("&#x27;", "'")})
    assert done.status_code == 302 and done["Location"].endswith("/results/")
    assert KanoResponse.objects.count() == 2


def test_import_page_lists_errors_by_row(team: Team, setup: dict[str, Any]) -> None:
    text = CSV + "carl,F-1,love,dislike\ndora,F-9,like,like\n"
    response = team.client("editor").post(
        page_urls(setup)["import"], {"text": text, "dry_run": "on"}
    )
    html = response.content.decode()
    assert response.status_code == 422 and nothing_answered()
    assert f"row 5: functional: &#x27;love&#x27; {ONE_OF}" in html
    assert "row 6: feature: F-9 is not in this survey" in html


def test_results_page_shows_table_and_chart(team: Team, setup: dict[str, Any]) -> None:
    for _ in range(3):
        service.submit_response(setup["secret"], {1: ("like", "dislike"), 2: GOOD[2]}, client="c")
    html = team.client("viewer").get(page_urls(setup)["results"]).content.decode()
    assert "O · performance (one-dimensional)" in html and "M · must-be" in html
    assert '<td class="num">1.00</td>' in html and '<td class="num">-1.00</td>' in html
    assert "<svg" in html and "Quadrant chart" in html and "Must-be" in html


def test_results_page_without_answers_has_no_chart(team: Team, setup: dict[str, Any]) -> None:
    html = team.client("viewer").get(page_urls(setup)["results"]).content.decode()
    assert "no answers" in html and "<svg" not in html


def test_pages_escape_user_text(team: Team, setup: dict[str, Any]) -> None:
    features.update_feature(setup["access"], setup["f1"], title="<script>x()</script>")
    service.update_survey(setup["access"], setup["survey"], title="<script>y()</script>")
    service.submit_response(setup["secret"], GOOD, client="c", respondent="a@example.com")
    urls = page_urls(setup)
    for name in ("list", "survey", "results", "edit", "import"):
        html = team.client("editor").get(urls[name]).content.decode()
        assert "<script>" not in html, name
        assert "&lt;script&gt;" in html, name


def test_viewer_sees_no_write_buttons(team: Team, setup: dict[str, Any]) -> None:
    html = team.client("viewer").get(page_urls(setup)["survey"]).content.decode()
    assert "Import answers" not in html and "Delete the survey" not in html
    assert "Create the public link" not in html and "Replace the link" not in html
    editor = team.client("editor").get(page_urls(setup)["survey"]).content.decode()
    assert "Replace the link" in editor and "Delete the survey" not in editor


def test_survey_of_another_workspace_is_404(team: Team, setup: dict[str, Any]) -> None:
    elsewhere = access_for(team.outsider, Workspace.objects.get(slug="elsewhere"))
    features.create_feature(elsewhere, "Theirs")
    theirs = service.create_survey(elsewhere, "Theirs", features=["F-1"])
    assert team.client("owner").get(f"/w/acme/planning/kano/{theirs.pk}/").status_code == 404
    assert (
        team.client("owner").get(f"/w/acme/planning/kano/{theirs.pk}/results/").status_code == 404
    )
    url = f"/api/v1/workspaces/acme/kano/surveys/{theirs.pk}"
    assert call(team.client("owner"), "get", url).json() == error(404, "kano survey not found")


def test_openapi_documents_both_import_bodies(team: Team) -> None:
    schema = Client().get("/api/openapi.json").json()
    path = "/api/v1/workspaces/{slug}/kano/surveys/{survey_id}/import"
    content = schema["paths"][path]["post"]["requestBody"]["content"]
    assert set(content) == {"multipart/form-data", "application/json"}
    assert content["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
