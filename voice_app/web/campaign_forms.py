"""The campaign forms of `/campagnes`: French labels, a decimal comma accepted, and the
translation between the form and the domain's `CampaignPolicy`."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import FloatField
from wtforms import IntegerField
from wtforms import RadioField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange

from voice_app.domain.campaigns import ALL_DAYS
from voice_app.domain.campaigns import FRENCH_LABELS
from voice_app.domain.campaigns import MAX_ATTEMPTS_LIMIT
from voice_app.domain.campaigns import MAX_CONCURRENT_CALLS
from voice_app.domain.campaigns import MAX_RETRY_GAP_MINUTES
from voice_app.domain.campaigns import MAX_ROUND_DAYS
from voice_app.domain.campaigns import MIN_CALLS_PER_SECOND
from voice_app.domain.campaigns import WORKING_DAYS
from voice_app.domain.campaigns import CampaignPolicy
from voice_app.domain.campaigns import InvalidPolicy
from voice_app.domain.campaigns import parse_window
from voice_app.services.campaign_changes import CampaignRequest

REQUIRED = "Ce champ est obligatoire."
WHOLE_NUMBER = "Un nombre entier est attendu."
TARGET_LABELS = {"all": "Tous les locataires inscrits", "site": "Les locataires inscrits de certains sites",
                 "list": "Une liste de locataires (références)"}
RHYTHM_LABELS = {"weekly": "Chaque semaine, les jours choisis", "daily": "Tous les jours"}


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class DecimalCommaField(FloatField):
    """A number typed the French way (`0,5`) or the English way (`0.5`)."""

    widget = widgets.TextInput()  # a number input would refuse the French comma

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data:g}".replace(".", ",") if self.data is not None else ""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [valuelist[0].replace(",", ".").strip()]
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Un nombre est attendu (par exemple 1 ou 0,5).") from error


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def lines(text: str | None, commas: bool = False) -> list[str]:
    text = (text or "").replace(",", "\n") if commas else (text or "")
    return [line.strip() for line in text.splitlines() if line.strip()]


class CampaignForm(FlaskForm):
    name = StringField("Nom de la campagne", validators=[DataRequired(REQUIRED), Length(max=120)])
    rhythm = RadioField("Rythme", choices=_choices(RHYTHM_LABELS), default="weekly")
    weekdays = CheckboxesField("Jours de tournée (rythme hebdomadaire)", coerce=int, default=[0],
                               choices=[SelectChoice(d, label) for d, label in enumerate(FRENCH_LABELS)])
    windows = TextAreaField("Fenêtres d’appel, heure de Paris (une par ligne)",
                            default="lun-ven 10:00-12:30\nlun-ven 14:00-18:00",
                            validators=[DataRequired(REQUIRED), Length(max=2000)])
    include_holidays = BooleanField("Appeler aussi les jours fériés")
    round_days = IntegerField("Durée d’une tournée (jours d’appel)", default=2, validators=[
        InputRequired(WHOLE_NUMBER), NumberRange(1, MAX_ROUND_DAYS, f"Entre 1 et {MAX_ROUND_DAYS}.")])
    max_attempts = IntegerField("Tentatives par locataire et par tournée", default=3, validators=[
        InputRequired(WHOLE_NUMBER), NumberRange(1, MAX_ATTEMPTS_LIMIT, f"Entre 1 et {MAX_ATTEMPTS_LIMIT}.")])
    retry_gap_minutes = IntegerField("Écart minimal entre deux tentatives (minutes)", default=120,
                                     validators=[InputRequired(WHOLE_NUMBER),
                                                 NumberRange(1, MAX_RETRY_GAP_MINUTES, "Au moins 1 minute.")])
    calls_per_second = DecimalCommaField("Appels lancés par seconde au plus", default=1.0, validators=[
        InputRequired("Un nombre est attendu (par exemple 1 ou 0,5)."),
        NumberRange(MIN_CALLS_PER_SECOND, None, "Le débit doit être strictement positif.")])
    max_concurrent_calls = IntegerField("Appels simultanés au plus", default=10, validators=[
        InputRequired(WHOLE_NUMBER), NumberRange(1, MAX_CONCURRENT_CALLS, "Entre 1 et 10 000.")])
    target = RadioField("Qui appeler", choices=_choices(TARGET_LABELS), default="all")
    sites = TextAreaField("Sites (un par ligne)", validators=[Length(max=5000)])
    references = TextAreaField("Références des locataires (une par ligne ou séparées par des virgules)",
                               validators=[Length(max=200_000)])

    def fill_from(self, name: str, policy: CampaignPolicy, target: str, sites: list[str],
                  references: list[str]) -> None:
        self.name.data, self.rhythm.data, self.target.data = name, policy.rhythm, target
        self.weekdays.data = sorted(policy.weekdays)
        self.windows.data = "\n".join(window.label() for window in policy.windows)
        self.include_holidays.data = policy.include_holidays
        self.round_days.data, self.max_attempts.data = policy.round_days, policy.max_attempts
        self.retry_gap_minutes.data = policy.retry_gap_minutes
        self.calls_per_second.data = policy.calls_per_second
        self.max_concurrent_calls.data = policy.max_concurrent_calls
        self.sites.data, self.references.data = "\n".join(sites), "\n".join(references)

    def to_request(self, extra: dict | None = None) -> CampaignRequest | None:
        """The request, or None with the errors set on the fields (French)."""
        daily = self.rhythm.data == "daily"
        default_days = ALL_DAYS if daily else WORKING_DAYS
        weekdays = frozenset(self.weekdays.data or ()) or (ALL_DAYS if daily else frozenset())
        try:
            windows = tuple(parse_window(line, default_days) for line in
                            (self.windows.data or "").splitlines() if line.strip())
        except InvalidPolicy as error:
            self.windows.errors = [str(error)]
            return None
        try:
            policy = CampaignPolicy(
                rhythm=self.rhythm.data, weekdays=weekdays, windows=windows,
                include_holidays=bool(self.include_holidays.data), max_attempts=self.max_attempts.data,
                retry_gap_minutes=self.retry_gap_minutes.data, round_days=self.round_days.data,
                calls_per_second=float(self.calls_per_second.data),
                max_concurrent_calls=self.max_concurrent_calls.data, extra=dict(extra or {}))
        except InvalidPolicy as error:
            self.form_errors.append(str(error))
            return None
        return CampaignRequest(self.name.data, policy, self.target.data,
                               tuple(lines(self.sites.data)), tuple(lines(self.references.data, commas=True)))


class UrgentRoundForm(FlaskForm):
    calls_per_second = DecimalCommaField("Appels lancés par seconde au plus", validators=[
        InputRequired("Un nombre est attendu (par exemple 1 ou 0,5)."),
        NumberRange(MIN_CALLS_PER_SECOND, None, "Le débit doit être strictement positif.")])
    max_concurrent_calls = IntegerField("Appels simultanés au plus", validators=[
        InputRequired(WHOLE_NUMBER), NumberRange(1, MAX_CONCURRENT_CALLS, "Entre 1 et 10 000.")])


class ConfirmForm(FlaskForm):
    """A button alone (pause, resume): only the CSRF token."""
