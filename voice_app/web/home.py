"""`/`: each role's home (blueprint `home`).

A volunteer sees today's tasks (theirs first, then those offered to all) and their own
figures of the last weeks (voice_app.services.volunteer_activity); a coordinator sees the
counts of open, urgent and overdue tasks and the rounds under way.
"""

from __future__ import annotations

from flask import Blueprint
from flask import render_template

from voice_app.services.follow_ups import current_rounds
from voice_app.services.follow_ups import dashboard
from voice_app.services.follow_ups import open_tasks
from voice_app.services.volunteer_activity import my_activity
from voice_app.web.access import for_area
from voice_app.web.access import me
from voice_app.web.extensions import get_veille

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
@for_area("home")
def index():
    user, veille = me(), get_veille()
    now = veille.clock()
    if user.is_volunteer:
        tasks = open_tasks(veille, user.viewer, limit=50)
        return render_template("home/volunteer.html", tasks=tasks, now=now, title="Mes suivis du jour",
                               activity=my_activity(veille, user.id, now))
    rounds = current_rounds(veille, user.landlord_ids, now) if user.is_landlord_staff else []
    return render_template("home/coordinator.html", counts=dashboard(veille, user.viewer, now),
                           rounds=rounds, now=now)
