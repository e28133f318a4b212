"""The staff journey, mounted at /s/. Staff have no account: these views skip the login."""

from django.urls import path

from surveys.views import entry, result, self_rating, support, survey, withdraw

app_name = "surveys"

urlpatterns = [
    path("i/<str:token>/", entry.invitation, name="invitation"),
    path("r/<str:code>/", entry.resume_link, name="resume_link"),
    path("resume/", entry.resume, name="resume"),
    path("support/", support.support, name="support"),
    path("<slug:slug>/", survey.welcome, name="welcome"),
    path("<slug:slug>/start/", entry.start, name="start"),
    path("<slug:slug>/privacy/", survey.privacy, name="privacy"),
    path("<slug:slug>/page/<int:number>/", survey.page, name="page"),
    path("<slug:slug>/saved/", survey.saved, name="saved"),
    path("<slug:slug>/result/", result.result, name="result"),
    path("<slug:slug>/withdraw/", withdraw.withdraw, name="withdraw"),
    path(
        "<slug:slug>/self-rating/<str:unit_code>/",
        self_rating.self_rating,
        name="self_rating",
    ),
]
