from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.ContinuumLoginView.as_view(), name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-step/", views.two_factor, name="two_factor"),
]
