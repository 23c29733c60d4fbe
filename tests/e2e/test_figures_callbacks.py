"""Real calls whose provider repeats or delays its callbacks: the figures' summary, kept by the
fold of what calls did, counts each tenant once and stays equal to the facts' figures."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.integration.test_figure_counts import assert_summary_is_the_facts
from voice_app.domain.figures import current_month
from voice_app.domain.people import Viewer
from voice_app.services import figure_counts
from voice_app.services.figures import compute
from voice_app.telephony.simulation.behaviours import Behaviour

pytestmark = pytest.mark.slow  # a real server and real calls over HTTP


def test_duplicated_and_late_callbacks_count_each_tenant_once(live):
    live.call(live.tenant("T-0001"), Behaviour.presses("2", "1").with_duplicated_callbacks())
    live.call(live.tenant("T-0002"), Behaviour.presses("1").with_late_callbacks())
    live.call(live.tenant("T-0003"), Behaviour.presses("1").with_duplicated_callbacks().with_late_callbacks())
    landlord = live.organisation_id
    viewer = Viewer(0, "coordinator", landlord, "landlord", (landlord,), (landlord,))
    month = current_month(live.veille.clock())
    total = compute(live.veille, viewer, month).total
    assert (total.planned, total.called, total.reached, total.needs) == (3, 3, 3, {"help_health": 1})
    assert_summary_is_the_facts(live.veille, viewer, month)
    figure_counts.rebuild(live.veille, landlord)
    assert compute(live.veille, viewer, month).total == total


def test_calls_write_nothing_to_the_summary_and_one_fold_counts_them_once(live):
    written = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "figure_counts" in statement:
            written.append(statement.split()[0])

    event.listen(live.veille.engine, "before_cursor_execute", record)
    try:
        behaviour = Behaviour.presses("1").with_duplicated_callbacks().with_late_callbacks()
        live.call(live.tenant("T-0001"), behaviour)
        # planned (as planning counts it); nothing for the dial, the ringing, the answer, the key
        # press, the status callbacks, their duplicates or the late one
        assert written == ["INSERT"]
        assert figure_counts.fold_pending(live.veille) == 1
        assert written == ["INSERT", "INSERT"]  # called and reached, in one statement
        assert figure_counts.fold_pending(live.veille) == 0
        assert written == ["INSERT", "INSERT"]
    finally:
        event.remove(live.veille.engine, "before_cursor_execute", record)
    landlord = live.organisation_id
    viewer = Viewer(0, "coordinator", landlord, "landlord", (landlord,), (landlord,))
    total = compute(live.veille, viewer, current_month(live.veille.clock())).total
    assert (total.planned, total.called, total.reached) == (1, 1, 1)
