"""Import a landlord's tenant file, and list the tenants it gave.

The file is read and checked as a whole first (voice_app.domain.tenant_batch). A file with
errors changes nothing unless the coordinator chose to skip invalid lines. Then, in one
transaction, tenants are created or updated by reference: the organisation's tenants are
loaded once into a dict, and rows are written in bulk (insert, and update by primary key).
A tenant any of whose numbers is on the hashed suppression list is imported but marked opted
out (and so never enrolled nor called); an opt-out already recorded is never cleared. An
opted-out tenant's numbers are never stored in clear, neither of them: the row is written
without phones and the numbers of their call attempts are erased (DESIGN §11). An import
only reads the suppression list; only a confirmed opt-out adds to it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import AuditEvent
from db.models import Enrolment
from db.models import Tenant
from voice_app.domain.calendar import paris_date
from voice_app.domain.ivr_script import has_language
from voice_app.domain.tenant_batch import CheckedFile
from voice_app.domain.tenant_batch import check_tenant_file
from voice_app.domain.tenant_file import MAX_FILE_BYTES
from voice_app.domain.tenant_file import TenantFileError
from voice_app.domain.tenant_file import check_size
from voice_app.domain.tenant_rows import RowError
from voice_app.domain.tenant_rows import TenantRow
from voice_app.services import figure_counts
from voice_app.services.organisations import current_organisation
from voice_app.services.ports import Runtime
from voice_app.services.suppression import EMPTY
from voice_app.services.suppression import SuppressionList
from voice_app.services.suppression import forget_numbers
from voice_app.services.suppression import suppression_list

log = logging.getLogger("veille.tenants")

IMPORTED_FIELDS = ("civility", "last_name", "first_name", "birth_year", "partner_birth_year", "household",
                   "phone", "phone2", "language", "site", "caretaker", "preferred_half_day", "manual_flag",
                   "time_zone")
DEFAULTS = {name: None for name in IMPORTED_FIELDS} | {"language": "fr", "manual_flag": False}
NO_PHONES = {"phone": None, "phone2": None}
WRITE_CHUNK = 5_000
Progress = Callable[[str, int, int], None]  # (phase, done, total)


class ImportConflict(RuntimeError):
    """Another import wrote the same tenants meanwhile; nothing of this one was saved."""


@dataclass
class ImportReport:
    """What an import did (or would do, or why it was refused); counts only, no personal data."""

    file_name: str
    encoding: str
    delimiter: str
    lines: int
    dry_run: bool
    skip_invalid: bool
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    marked_opted_out: int = 0  # tenants whose number is on the suppression list
    absent: int = 0  # known tenants missing from this file (left as they are)
    without_birth_year: int = 0
    repeated_lines: list[tuple[int, int]] = field(default_factory=list)  # (line, the line it copies)
    year_only_lines: list[int] = field(default_factory=list)  # birth date given as a bare year
    # Languages the call's script lacks (code -> tenants): these tenants are called in French.
    called_in_french: dict[str, int] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return bool(self.errors) and not self.skip_invalid

    @property
    def skipped_lines(self) -> list[int]:
        return sorted({error.line for error in self.errors}) if self.skip_invalid else []

    @property
    def written(self) -> bool:
        return not self.refused and not self.dry_run


@dataclass
class SavedRows:
    """What writing rows did; tenants only counted, never named."""

    inserts: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    moved: list[int] = field(default_factory=list)  # tenants whose site changes (their figures move)
    unchanged: int = 0
    marked_opted_out: int = 0
    seen: int = 0  # the organisation's tenants before the write
    forgotten: list[int] = field(default_factory=list)  # known tenants whose numbers are erased


def read_tenant_file(path: Path) -> bytes:
    """The file's bytes, refusing an oversized file from its size alone (never read whole)."""
    check_size(path.stat().st_size)
    with path.open("rb") as stream:
        data = stream.read(MAX_FILE_BYTES + 1)
    check_size(len(data))  # a pipe or a file that grew meanwhile
    return data


def import_tenants(veille: Runtime, path: str | Path, *, dry_run: bool = False, skip_invalid: bool = False,
                   progress: Progress | None = None, organisation_id: int | None = None,
                   file_name: str | None = None) -> ImportReport:
    """Check `path` and create or update its tenants; raises TenantFileError for a file that
    cannot be read at all, returns a refused report for a file with invalid lines. The report
    and the audit name the file `file_name` (an upload's own name), else by its path."""
    path, now = Path(path), veille.clock()
    try:
        data = read_tenant_file(path)
        total_lines = data.count(b"\n")
        on_line = (lambda line: progress("Vérification", line, total_lines)) if progress else None
        checked = check_tenant_file(data, paris_date(now), on_line)
    except TenantFileError:
        log.warning("tenants.import_refused reason=unreadable_file")
        raise
    organisation = current_organisation(veille, organisation_id)
    report = _report(file_name or path.name, checked, dry_run, skip_invalid)
    if report.refused:
        log.warning("tenants.import_refused reason=invalid_lines lines=%d errors=%d", report.lines,
                    len(report.errors))
        return report
    if dry_run:
        _dry_run(veille, organisation.id, checked.rows, report, now)
    else:
        _write(veille, organisation.id, checked.rows, report, now, progress)
    log.info("tenants.imported created=%d updated=%d unchanged=%d opted_out=%d skipped=%d dry_run=%s",
             report.created, report.updated, report.unchanged, report.marked_opted_out,
             len(report.skipped_lines), dry_run)
    return report


def _report(file_name: str, checked: CheckedFile, dry_run: bool, skip_invalid: bool) -> ImportReport:
    return ImportReport(
        file_name=file_name, encoding=checked.encoding, delimiter=checked.layout.delimiter,
        lines=checked.lines, dry_run=dry_run, skip_invalid=skip_invalid, errors=checked.errors,
        ignored_columns=checked.layout.ignored,
        without_birth_year=sum(1 for row in checked.rows if row.values.get("birth_year") is None),
        repeated_lines=checked.repeated_lines, year_only_lines=checked.year_only_lines,
        called_in_french=_called_in_french(checked.rows),
    )


def _called_in_french(rows: list[TenantRow]) -> dict[str, int]:
    codes = Counter(row.values.get("language") for row in rows)
    return {code: count for code, count in sorted(codes.items()) if code and not has_language(code)}


def _dry_run(veille: Runtime, organisation_id: int, rows: list[TenantRow], report: ImportReport,
             now: datetime) -> None:
    """Count what an import would do without writing."""
    with veille.session_factory() as session:
        plan = _plan_for(session, organisation_id, rows, now)
    _count(report, plan)


def _write(veille: Runtime, organisation_id: int, rows: list[TenantRow], report: ImportReport,
           now: datetime, progress: Progress | None) -> None:
    try:
        with veille.session_factory.begin() as session:
            _count(report, save_rows(session, organisation_id, rows, now, progress))
            session.add(AuditEvent(organisation_id=organisation_id, actor_label="import",
                                   action="tenants.imported", subject_type="tenant_file", at=now,
                                   details=_audit_details(report)))
    except IntegrityError as error:
        raise ImportConflict("un autre import a enregistré les mêmes locataires pendant celui-ci : "
                             "rien n'a été enregistré, relancez l'import.") from error


def save_rows(session: Session, organisation_id: int, rows: list[TenantRow], now: datetime,
              progress: Progress | None = None) -> SavedRows:
    """Create or update checked rows in the caller's transaction (a file's or the API's); an
    IntegrityError means another import wrote the same references meanwhile."""
    plan = _plan_for(session, organisation_id, rows, now)
    with figure_counts.tenants_regrouped(session, plan.moved):
        _bulk_write(session, plan, progress)
    forget_numbers(session, organisation_id, plan.forgotten)
    return plan


def _plan_for(session: Session, organisation_id: int | None, rows: list[TenantRow],
              now: datetime) -> SavedRows:
    existing = _existing_tenants(session, organisation_id) if organisation_id is not None else {}
    suppressed = suppression_list(session, organisation_id) if organisation_id is not None else EMPTY
    plan = SavedRows()
    for row in rows:
        _plan_row(plan, row, existing.get(row.reference), suppressed, organisation_id, now)
    plan.seen = len(existing)
    return plan


def _existing_tenants(session: Session, organisation_id: int) -> dict[str, dict]:
    """Every tenant of the organisation by reference, with the fields a file can change."""
    columns = [Tenant.id, Tenant.reference, Tenant.opted_out_at] + [
        getattr(Tenant, name) for name in IMPORTED_FIELDS]
    result = session.execute(select(*columns).where(Tenant.organisation_id == organisation_id))
    return {row.reference: row._asdict() for row in result}


def _plan_row(plan: SavedRows, row: TenantRow, current: dict | None, suppressed: SuppressionList,
              organisation_id: int | None, now: datetime) -> None:
    merged = (current or DEFAULTS) | row.values
    opted_out_at = current["opted_out_at"] if current else None
    if opted_out_at is None and suppressed and _is_suppressed(merged, suppressed):
        opted_out_at = now
        plan.marked_opted_out += 1
    values = row.values
    if opted_out_at is not None:  # the tenant stopped the calls: neither number is kept
        values = values | NO_PHONES
        merged = merged | NO_PHONES
    if current is None:
        plan.inserts.append({name: merged[name] for name in IMPORTED_FIELDS} | {
            "organisation_id": organisation_id, "reference": row.reference, "opted_out_at": opted_out_at,
            "created_at": now, "updated_at": now})
        return
    if opted_out_at == current["opted_out_at"] and all(
            current[name] == value for name, value in values.items()):
        plan.unchanged += 1
        return
    if opted_out_at is not None:
        plan.forgotten.append(current["id"])
    if merged["site"] != current["site"]:
        plan.moved.append(current["id"])
    plan.updates.append({"id": current["id"], "opted_out_at": opted_out_at, "updated_at": now}
                        | {name: merged[name] for name in IMPORTED_FIELDS})


def _is_suppressed(values: dict, suppressed: SuppressionList) -> bool:
    return any(number in suppressed for number in (values["phone"], values["phone2"]))


def _count(report: ImportReport, plan: SavedRows) -> None:
    report.created, report.updated, report.unchanged = len(plan.inserts), len(plan.updates), plan.unchanged
    report.marked_opted_out = plan.marked_opted_out
    report.absent = plan.seen - len(plan.updates) - plan.unchanged


def _bulk_write(session: Session, plan: SavedRows, progress: Progress | None) -> None:
    total, done = len(plan.inserts) + len(plan.updates), 0
    # render_nulls keeps every row's key set identical, so each chunk goes to the driver as one
    # executemany (by default a None value drops its key, and each change of key set starts a
    # new statement). No RETURNING: with it, psycopg spends longer parsing the multi-row
    # statement than PostgreSQL takes to run it.
    inserts = insert(Tenant).execution_options(render_nulls=True)
    for statement, rows in ((inserts, plan.inserts), (update(Tenant), plan.updates)):
        for start in range(0, len(rows), WRITE_CHUNK):
            chunk = rows[start:start + WRITE_CHUNK]
            session.execute(statement, chunk)
            done += len(chunk)
            if progress is not None:
                progress("Enregistrement", done, total)


def _audit_details(report: ImportReport) -> dict:
    return {"file": report.file_name, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "opted_out": report.marked_opted_out,
            "skipped_lines": len(report.skipped_lines)}


@dataclass(frozen=True)
class TenantListing:
    reference: str
    name: str
    birth_year: int | None
    household: str
    site: str | None
    phone: str | None
    phone2: str | None
    enrolment: str | None  # enrolled | unenrolled | None
    opted_out: bool


def list_tenants(veille: Runtime, site: str | None = None,
                 organisation_id: int | None = None) -> list[TenantListing]:
    """The organisation's tenants by reference, optionally of one site."""
    organisation = current_organisation(veille, organisation_id)
    query = (select(Tenant, Enrolment.status)
             .outerjoin(Enrolment, (Enrolment.tenant_id == Tenant.id)
                        & (Enrolment.organisation_id == Tenant.organisation_id))
             .where(Tenant.organisation_id == organisation.id).order_by(Tenant.reference))
    if site is not None:
        query = query.where(Tenant.site == site)
    with veille.session_factory() as session:
        return [TenantListing(tenant.reference, " ".join(filter(None, (tenant.last_name, tenant.first_name))),
                              tenant.birth_year, tenant.household, tenant.site, tenant.phone, tenant.phone2,
                              status, tenant.opted_out_at is not None)
                for tenant, status in session.execute(query)]
