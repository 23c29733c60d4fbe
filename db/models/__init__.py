"""Typed SQLAlchemy models (DESIGN §8), one module per area.

Importing this package registers every table on `Base.metadata` (Alembic reads it).
"""

from db.models.api_tokens import ApiToken
from db.models.audit import AuditEvent
from db.models.base import Base
from db.models.calls import CallAttempt
from db.models.calls import CallEvent
from db.models.calls import Response
from db.models.campaigns import Campaign
from db.models.campaigns import CampaignTarget
from db.models.campaigns import Round
from db.models.figures import FigureCount
from db.models.figures import FigureEnrolment
from db.models.follow_ups import BridgedCall
from db.models.follow_ups import FollowUp
from db.models.follow_ups import Notification
from db.models.imports import PendingImport
from db.models.opt_outs import OptOutRequest
from db.models.organisations import Organisation
from db.models.organisations import Partnership
from db.models.organisations import ServiceNumber
from db.models.tenants import AwayPeriod
from db.models.tenants import Enrolment
from db.models.tenants import PhoneSuppression
from db.models.tenants import Tenant
from db.models.users import DutySlot
from db.models.users import Invitation
from db.models.users import LoginAttempt
from db.models.users import User
from db.models.users import VolunteerAbsence

__all__ = [
    "ApiToken",
    "AuditEvent",
    "AwayPeriod",
    "BridgedCall",
    "Base",
    "CallAttempt",
    "CallEvent",
    "Campaign",
    "CampaignTarget",
    "FigureCount",
    "FigureEnrolment",
    "DutySlot",
    "Enrolment",
    "FollowUp",
    "Invitation",
    "LoginAttempt",
    "Notification",
    "OptOutRequest",
    "Organisation",
    "Partnership",
    "PendingImport",
    "PhoneSuppression",
    "Response",
    "Round",
    "ServiceNumber",
    "Tenant",
    "User",
    "VolunteerAbsence",
]
