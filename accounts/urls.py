from django.urls import path

import accounts.converters  # noqa: F401  (registers the <username:...> converter)
from accounts import views
from accounts.models import Block, Mute

app_name = "accounts"

urlpatterns = [
    path("auth/login/", views.LoginView.as_view(), name="login"),
    path("auth/login/code/", views.LoginCodeView.as_view(), name="login_code"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path("auth/register/", views.RegisterView.as_view(), name="register"),
    path("auth/password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("auth/password_reset/done/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("auth/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("auth/reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("auth/password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("edit_profile/", views.EditProfileView.as_view(), name="edit_profile"),
    path("two_factor/", views.TwoFactorView.as_view(), name="two_factor"),
    path("two_factor/setup/", views.TwoFactorSetupView.as_view(), name="two_factor_setup"),
    path("two_factor/recovery_codes/", views.RecoveryCodesView.as_view(), name="recovery_codes"),
    path("two_factor/disable/", views.TwoFactorDisableView.as_view(), name="two_factor_disable"),
    path("delete_account/", views.DeleteAccountView.as_view(), name="delete_account"),
    path("follow/<username:username>/", views.FollowView.as_view(follow=True), name="follow"),
    path("unfollow/<username:username>/", views.FollowView.as_view(follow=False), name="unfollow"),
    path("block/<username:username>/", views.BlockView.as_view(), name="block"),
    path("unblock/<username:username>/", views.UndoBoundaryView.as_view(undo="unblock_user"), name="unblock"),
    path("mute/<username:username>/", views.MuteView.as_view(), name="mute"),
    path("unmute/<username:username>/", views.UndoBoundaryView.as_view(undo="unmute_user"), name="unmute"),
    path("blocks/", views.BoundaryListView.as_view(model=Block), name="blocks"),
    path("mutes/", views.BoundaryListView.as_view(model=Mute), name="mutes"),
    path("user/<username:username>/popup/", views.UserPopupView.as_view(), name="popup"),
    path("user/<username:username>/followers/", views.FollowListView.as_view(relation="followers"), name="followers"),
    path("user/<username:username>/following/", views.FollowListView.as_view(relation="following"), name="following"),
    path("notifications/", views.NotificationsView.as_view(), name="notifications"),
    path("avatar/<str:seed>.svg", views.identicon, name="identicon"),
]
