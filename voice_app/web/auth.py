"""Sign-in, sign-out and invitations (blueprint `auth`).

A refused sign-in always says the same thing, whether the e-mail is unknown, the password
wrong or the account throttled, so the page never tells who has an account.
"""

from __future__ import annotations

import logging

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms import PasswordField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length

from voice_app.domain.people import MAX_PASSWORD_LENGTH
from voice_app.domain.people import MIN_PASSWORD_LENGTH
from voice_app.domain.people import safe_next
from voice_app.services.accounts import AccountError
from voice_app.services.accounts import SignInRefused
from voice_app.services.accounts import accept_invitation
from voice_app.services.accounts import authenticate
from voice_app.services.accounts import end_sessions
from voice_app.services.accounts import invitation_user
from voice_app.web.access import load_user
from voice_app.web.access import session_id
from voice_app.web.access import sign_in_started
from voice_app.web.extensions import get_veille
from voice_app.web.extensions import limiter

log = logging.getLogger("veille.web.auth")

blueprint = Blueprint("auth", __name__)

# The same words whatever the cause (unknown e-mail, wrong password, throttled): they say what
# to do now (check and retry) and, for everyone alike, that many failures make it wait.
REFUSED = ("Adresse e-mail ou mot de passe incorrect : vérifiez-les et réessayez. Après de nombreux essais "
           "manqués, la connexion est suspendue quelques minutes.")
REQUIRED = "Ce champ est obligatoire."


class SignInForm(FlaskForm):
    email = EmailField("Adresse e-mail", validators=[DataRequired(REQUIRED), Length(max=254)],
                       render_kw={"autocomplete": "username", "inputmode": "email"})
    password = PasswordField("Mot de passe",
                             validators=[DataRequired(REQUIRED), Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "current-password"})


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "Nouveau mot de passe", validators=[DataRequired(REQUIRED), Length(
            min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
            message=f"Entre {MIN_PASSWORD_LENGTH} et {MAX_PASSWORD_LENGTH} caractères.")],
        render_kw={"autocomplete": "new-password"})
    confirmation = PasswordField(
        "Le même mot de passe, une seconde fois", validators=[
            DataRequired(REQUIRED), EqualTo("password", "Les deux mots de passe diffèrent.")],
        render_kw={"autocomplete": "new-password"})


def _after_sign_in() -> str:
    return safe_next(request.args.get("next")) or url_for("home.index")


@blueprint.route("/connexion", methods=["GET", "POST"])
@limiter.limit("60 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_after_sign_in())
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = authenticate(get_veille(), form.email.data, form.password.data, request.remote_addr or "-")
        except SignInRefused:
            flash(REFUSED, "error")
            return render_template("auth/login.html", form=form), 200
        session.clear()  # a fresh session: nothing from before sign-in carries over
        sign_in_started()
        login_user(load_user(session_id(user.id, user.session_version)))
        session.permanent = True  # expires after SESSION_IDLE_LIMIT without a request
        return redirect(_after_sign_in())
    return render_template("auth/login.html", form=form)


@blueprint.route("/deconnexion", methods=["GET", "POST"])
@login_required
def logout():
    if request.method == "GET":
        return render_template("auth/logout.html", form=FlaskForm())
    if not FlaskForm().validate_on_submit():
        abort(400)
    end_sessions(get_veille(), current_user.id)  # a copy of the cookie dies too
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté(e).", "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    veille = get_veille()
    if len(token) > 64 or invitation_user(veille, token) is None:
        return render_template("auth/invitation_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accept_invitation(veille, token, form.password.data)
        except AccountError as error:
            flash(str(error), "error")
            return render_template("auth/invitation.html", form=form), 400
        logout_user()
        session.clear()
        flash("Votre mot de passe est enregistré : connectez-vous.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/invitation.html", form=form)
