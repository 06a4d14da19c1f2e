"""Scheduled crawls: when a schedule is due, and running due schedules as ``scrapy crawl`` processes.

A schedule repeats either ``--every`` an interval (``30m``, ``6h``, ``1d``, ``1h30m``) or on a
five-field cron expression (``minute hour day-of-month month day-of-week``, evaluated in the
machine's local time like cron itself). Each due schedule runs as its own ``scrapy crawl`` process;
the schedule row records its pid so a job that is still running is never started twice, even when
``hazards schedule run-due`` is called from cron every minute while an earlier call still waits.

The crawl's own run row (written by the pipeline, tagged with the schedule name) says whether it can
be trusted; a crawl that died before it could write one gets a ``failed`` run row here.

Example::

    store.add_schedule("coupang-daily", "coupang", cron="0 2 * * *", next_due_at=...)
    runner = Runner(store, db_path="hazards.db")
    outcomes = runner.run_due()          # start every due job, wait, report
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import crawler

#: Run statuses that an inspector must look at (run-due exits non-zero when a job ends with one).
BAD_STATUSES = ("suspect", "failed", "interrupted")


class ScheduleError(ValueError):
    """A schedule's timing is invalid; the message names the option and how to fix it."""


# --- --every -----------------------------------------------------------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_EVERY = re.compile(r"(\d+)\s*([smhdw])")
MIN_EVERY_SECONDS = 60


def parse_every(text: str) -> int:
    """Seconds in an interval like ``30m``, ``6h``, ``1d``, ``1w`` or ``1h30m`` (at least one minute)."""
    compact = (text or "").strip().lower().replace(" ", "")
    if not compact or _EVERY.sub("", compact) or not _EVERY.search(compact):
        raise ScheduleError(f"--every {text!r}: use a number and a unit (s, m, h, d, w), e.g. 30m, 6h, 1d or 1h30m")
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _EVERY.findall(compact))
    if seconds < MIN_EVERY_SECONDS:
        raise ScheduleError(f"--every {text!r}: the shortest interval is 1m")
    return seconds


def format_every(seconds: int | None) -> str:
    """``21600`` -> ``6h``; ``5400`` -> ``1h30m``."""
    if not seconds:
        return ""
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


# --- cron --------------------------------------------------------------------------------------------

_MACROS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}
_MONTHS = {m: i for i, m in enumerate(("jan feb mar apr may jun jul aug sep oct nov dec").split(), start=1)}
_DAYS = {d: i for i, d in enumerate(("sun mon tue wed thu fri sat").split())}
_FIELDS = (("minute", 0, 59, {}), ("hour", 0, 23, {}), ("day of month", 1, 31, {}), ("month", 1, 12, _MONTHS),
           ("day of week", 0, 7, _DAYS))
_SEARCH_DAYS = 366 * 5


@dataclass(frozen=True)
class Cron:
    """A parsed five-field cron expression (Vixie cron semantics: when both day fields are
    restricted, a day matching either one matches)."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, text: str) -> Cron:
        """Parse ``"0 2 * * *"``, ``"*/15 9-18 * * mon-fri"``, ``"@daily"`` …; ScheduleError if invalid."""
        spec = _MACROS.get((text or "").strip().lower(), (text or "").strip())
        parts = spec.split()
        if len(parts) != 5:
            raise ScheduleError(f"--cron {text!r}: need 5 fields (minute hour day month weekday), "
                                f"e.g. \"0 2 * * *\" for 02:00 every day")
        values = [_parse_field(part, *spec_, text) for part, spec_ in zip(parts, _FIELDS, strict=True)]
        weekdays = frozenset(d % 7 for d in values[4])
        cron = cls(text.strip(), *[frozenset(v) for v in values[:4]], weekdays,
                   parts[2].startswith("*"), parts[4].startswith("*"))
        if cron.next_after(datetime(2000, 1, 1)) is None:
            raise ScheduleError(f"--cron {text!r}: this date never occurs (check day of month and month)")
        return cron

    def _day_matches(self, day: datetime) -> bool:
        if day.month not in self.months:
            return False
        dom, dow = day.day in self.days, (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow

    def next_after(self, after: datetime) -> datetime | None:
        """The first matching minute strictly after ``after`` (naive local wall-clock time)."""
        start = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        hours, minutes = sorted(self.hours), sorted(self.minutes)
        day = start.replace(hour=0, minute=0)
        for offset in range(_SEARCH_DAYS):
            current = day + timedelta(days=offset)
            if not self._day_matches(current):
                continue
            for hour in hours:
                for minute in minutes:
                    candidate = current.replace(hour=hour, minute=minute)
                    if candidate >= start:
                        return candidate
        return None


def _parse_field(part: str, name: str, low: int, high: int, names: dict[str, int], text: str) -> set[int]:
    def bad(why: str) -> ScheduleError:
        return ScheduleError(f"--cron {text!r}: {name} field {part!r} {why}")

    def number(token: str) -> int:
        token = token.lower()
        if token in names:
            return names[token]
        if not token.isdigit():
            raise bad(f"has {token!r}, which is not a number" + (" or a name" if names else ""))
        value = int(token)
        if not low <= value <= high:
            raise bad(f"is outside {low}-{high}")
        return value

    result: set[int] = set()
    for item in part.split(","):
        base, _, step_text = item.partition("/")
        if _ and (not step_text.isdigit() or int(step_text) == 0):
            raise bad("has a bad step (use */15 or 1-30/5)")
        step = int(step_text) if step_text else 1
        if base == "*":
            first, last = low, high
        elif "-" in base:
            first, last = (number(x) for x in base.split("-", 1))
            if first > last:
                raise bad("has a range that runs backwards")
        elif base:
            first = number(base)
            last = high if step_text else first
        else:
            raise bad("is empty")
        result.update(range(first, last + 1, step))
    return result


# --- when is a schedule due -----------------------------------------------------------------------

def utc_now() -> datetime:
    """Now, timezone-aware UTC, whole seconds."""
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """The stored time format (ISO-8601 UTC, seconds)."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def parse_iso(text: str) -> datetime:
    """Inverse of :func:`iso`."""
    return datetime.fromisoformat(text).astimezone(UTC)


def next_due(every_seconds: int | None, cron: str | None, after: datetime, previous_due: datetime | None = None
             ) -> datetime:
    """When a schedule is due next after ``after`` (aware UTC).

    ``--every`` keeps its rhythm: the next slot is the previous due time plus whole intervals (a
    missed slot is not made up, it is skipped). ``--cron`` is evaluated in local time, as cron does.
    """
    if cron:
        local = after.astimezone().replace(tzinfo=None)
        found = Cron.parse(cron).next_after(local)
        return found.astimezone().astimezone(UTC)  # naive -> local -> UTC
    step = timedelta(seconds=every_seconds or MIN_EVERY_SECONDS)
    if previous_due is None or previous_due > after:
        return after + step
    missed = (after - previous_due) // step
    return previous_due + (missed + 1) * step


def first_due(every_seconds: int | None, cron: str | None, now: datetime) -> datetime:
    """When a new schedule runs first: ``--every`` at once, ``--cron`` at its next matching minute."""
    return now if every_seconds and not cron else next_due(every_seconds, cron, now)


# --- running due schedules ---------------------------------------------------------------------------

def project_root() -> Path:
    """The folder holding scrapy.cfg (an editable install), else the package's parent folder."""
    return Path(crawler.__file__).resolve().parent.parent


def pid_alive(pid: int | None) -> bool:
    """Whether ``pid`` is a live (not zombie) crawl process; a reused pid of another program is not."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path(f"/proc/{pid}")
    if not proc.exists():
        return True
    try:
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return state != "Z" and (b"scrapy" in cmdline or b"hazards" in cmdline)


def crawl_command(spider: str, args: dict[str, str], db_path: str, schedule: str) -> list[str]:
    """The ``scrapy crawl`` command line of a scheduled job."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for name, value in args.items():
        command += ["-a", f"{name}={value}"]
    return command + ["-s", f"HAZARDS_DB={db_path}", "-s", f"HAZARDS_SCHEDULE={schedule}"]


@dataclass
class Started:
    """A job this process started and still owns."""

    name: str
    spider: str
    process: subprocess.Popen
    log_path: Path
    after_run_id: int
    started_at: str


@dataclass
class Outcome:
    """How a scheduled job ended (or why it was not started)."""

    name: str
    action: str  # finished | skipped | failed_to_start
    run_id: int | None = None
    status: str | None = None
    exit_code: int | None = None
    reasons: list[str] = field(default_factory=list)
    items: int | None = None
    log: str | None = None

    @property
    def bad(self) -> bool:
        """Whether an inspector must look at this job (run-due exits non-zero)."""
        return self.action == "failed_to_start" or (self.action == "finished" and self.status in BAD_STATUSES)

    def line(self) -> str:
        """One line for the terminal or cron mail."""
        if self.action == "skipped":
            return f"{self.name}: {', '.join(self.reasons)}"
        if self.action == "failed_to_start":
            return f"{self.name}: FAILED TO START: {', '.join(self.reasons)}"
        mark = self.status.upper() if self.bad else self.status
        text = f"{self.name}: run {self.run_id} {mark}, {self.items or 0} items, exit code {self.exit_code}"
        if self.reasons:
            text += " — " + "; ".join(self.reasons)
        if self.bad and self.log:
            text += f" (log: {self.log})"
        return text


class Runner:
    """Starts due schedules as ``scrapy crawl`` processes and records how each ended.

    ``log_dir`` receives one log file per job (default: ``hazards-logs`` beside the database).
    """

    def __init__(self, store, db_path: str, log_dir: str | Path | None = None, env: dict[str, str] | None = None):
        self.store = store
        self.db_path = str(Path(db_path).resolve())
        self.log_dir = Path(log_dir) if log_dir else Path(self.db_path).parent / "hazards-logs"
        self.env = env
        self.running: dict[str, Started] = {}

    # The claim is one conditional UPDATE, so two run-due calls racing for a job start it once.
    def start(self, schedule: dict[str, Any], now: datetime, force: bool = False) -> Started | Outcome:
        """Claim a schedule and start its crawl; an Outcome when it was not started."""
        name = schedule["name"]
        if pid_alive(schedule.get("pid")):
            return Outcome(name, "skipped", reasons=[f"still running (pid {schedule['pid']}), not started again"])
        due = next_due(schedule["every_seconds"], schedule["cron"], now,
                       parse_iso(schedule["next_due_at"]) if schedule.get("next_due_at") else None)
        if not self.store.claim_schedule(name, os.getpid(), schedule.get("pid"), iso(now), iso(due),
                                         None if force else iso(now)):
            return Outcome(name, "skipped", reasons=["claimed by another scheduler"])
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}-{now.strftime('%Y%m%dT%H%M%SZ')}.log"
        after = self.store.last_run_id()
        command = crawl_command(schedule["spider"], schedule.get("args") or {}, self.db_path, name)
        env = dict(self.env if self.env is not None else os.environ)
        env.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
        env["HAZARDS_DB"] = self.db_path
        root = project_root()
        try:
            with log_path.open("ab") as log:
                process = subprocess.Popen(command, cwd=root if (root / "scrapy.cfg").exists() else None, env=env,
                                           stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                           start_new_session=True)
        except OSError as error:
            self.store.release_schedule(name, None)
            return Outcome(name, "failed_to_start", reasons=[str(error)], log=str(log_path))
        self.store.set_schedule_pid(name, process.pid)
        started = Started(name, schedule["spider"], process, log_path, after, iso(now))
        self.running[name] = started
        return started

    def start_due(self, now: datetime | None = None) -> tuple[list[Started], list[Outcome]]:
        """Start every enabled schedule that is due; (started, skipped)."""
        now = now or utc_now()
        started, skipped = [], []
        for schedule in self.store.due_schedules(iso(now)):
            if schedule["name"] in self.running:
                continue
            result = self.start(schedule, now)
            (started if isinstance(result, Started) else skipped).append(result)
        return started, skipped

    def poll(self) -> list[Outcome]:
        """Outcomes of this runner's jobs that have ended since the last poll."""
        done = []
        for name, job in list(self.running.items()):
            code = job.process.poll()
            if code is not None:
                del self.running[name]
                done.append(self.finish(name, job.spider, code, job.after_run_id, str(job.log_path)))
        return done

    def finish(self, name: str, spider: str, exit_code: int | None, after_run_id: int, log: str | None) -> Outcome:
        """Link the job's run row to its schedule (or write a failed one) and release the schedule."""
        run = self.store.scheduled_run(name, after_run_id)
        if run is None:
            run_id = self.store.start_run("crawl", spider, {"schedule": name})
            self.store.finish_run(run_id, "failed", {"exit_code": exit_code, "log": log,
                                                      "suspect_reasons": ["the crawl process ended without a run"]})
            run = self.store.get_run(run_id)
        elif run["status"] == "running":
            why = f"the crawl process ended (exit code {exit_code}) without closing its run"
            self.store.finish_run(run["id"], "failed", {**run["stats"], "exit_code": exit_code, "log": log,
                                                         "suspect_reasons": [why]})
            run = self.store.get_run(run["id"])
        elif exit_code is not None:
            status = run["status"] if exit_code == 0 or run["status"] != "ok" else "failed"
            reasons = run["stats"].get("suspect_reasons") or []
            if status != run["status"]:
                reasons = [*reasons, f"scrapy exited with code {exit_code}"]
            self.store.finish_run(run["id"], status, {**run["stats"], "exit_code": exit_code, "log": log,
                                                       "suspect_reasons": reasons})
            run = self.store.get_run(run["id"])
        self.store.release_schedule(name, run["id"])
        return Outcome(name, "finished", run["id"], run["status"], exit_code,
                       list((run.get("stats") or {}).get("suspect_reasons") or []), run.get("items"), log)

    def reconcile(self) -> list[Outcome]:
        """Close jobs started by a runner that is gone (a killed run-due) whose crawl has ended."""
        outcomes = []
        for schedule in self.store.list_schedules():
            pid = schedule.get("pid")
            if not pid or schedule["name"] in self.running or pid_alive(pid):
                continue
            after = schedule.get("last_run_id") or 0
            outcomes.append(self.finish(schedule["name"], schedule["spider"], None, after, None))
        return outcomes

    def signal_children(self, signum: int = signal.SIGINT) -> None:
        """Ask every running crawl to stop (Scrapy closes gracefully on SIGINT; the run says interrupted)."""
        for job in self.running.values():
            try:
                job.process.send_signal(signum)
            except ProcessLookupError:
                pass

    def wait(self, poll_seconds: float = 0.5) -> list[Outcome]:
        """Wait for every running job; their outcomes."""
        outcomes = []
        while self.running:
            outcomes += self.poll()
            if self.running:
                time.sleep(poll_seconds)
        return outcomes

    def run_due(self) -> list[Outcome]:
        """Reconcile, start every due job, wait for them all; every outcome (skipped jobs too)."""
        outcomes = self.reconcile()
        _, skipped = self.start_due()
        return outcomes + skipped + self.wait()
