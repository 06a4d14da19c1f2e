"""Crawls that resume after a hard kill (SIGKILL, power loss, OOM killer) without losing a listing.

Scrapy's own JOBDIR state only survives a *graceful* stop: the request queue's index
(``requests.queue/active.json``) is written when the spider closes, and ``requests.seen`` records a
request as soon as it is *scheduled*. After a SIGKILL the resumed crawl finds an empty queue and a
dupefilter that already "saw" most product pages, whose listings were perhaps still in the pipeline's
buffer or in flight: they would never be fetched again.

hazards keeps a different, crash-safe record in the job directory instead:

* ``hazards-done.txt`` — fingerprints of the product requests whose listings are **committed** to the
  database. The pipeline appends them (flushed and fsynced) right after each batch is written, so a
  request is "done" only once its listing is safely stored. A listing that was scraped but not yet
  written is not done and is fetched again; writing it twice is harmless because the store upserts
  on (site, listing_id).
* ``hazards-runs.txt`` — the run ids of every attempt at this job, so a resumed run can close the
  killed one (status ``killed``) and say which run it resumes.

:class:`ResumableDupeFilter` skips requests whose fingerprint is done and keeps everything else in
memory only; :class:`ResumableScheduler` keeps the request queue in memory even with JOBDIR (the
resumed crawl re-reads the start and category pages, which are few, and re-discovers every product
link). Both are plain Scrapy components enabled in crawler/settings.py, so ``scrapy crawl -s
JOBDIR=…``, ``hazards crawl --jobdir`` and Scrapyd jobs behave the same.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from scrapy import Request
from scrapy.core.scheduler import Scheduler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.job import job_dir

DONE_FILE = "hazards-done.txt"
RUNS_FILE = "hazards-runs.txt"
_FINGERPRINT = re.compile(r"^[0-9a-f]{16,128}$")


class ResumeJournal:
    """The crash-safe record of one job directory (see the module docstring)."""

    def __init__(self, jobdir: str | Path, fingerprinter):
        self.dir = Path(jobdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.fingerprinter = fingerprinter

    @classmethod
    def for_crawler(cls, crawler) -> ResumeJournal | None:
        """The journal of the crawl's JOBDIR, or None without one."""
        jobdir = job_dir(crawler.settings)
        return cls(jobdir, crawler.request_fingerprinter) if jobdir else None

    def done(self) -> set[str]:
        """Fingerprints (hex) of requests whose listings are stored; a torn last line is ignored."""
        path = self.dir / DONE_FILE
        if not path.exists():
            return set()
        return {line for line in path.read_text(encoding="ascii", errors="replace").split("\n")
                if _FINGERPRINT.match(line)}

    def mark_done(self, urls: Iterable[str]) -> int:
        """Record that the listings of these URLs are committed; durable when this returns."""
        lines = "".join(self.fingerprinter.fingerprint(Request(url)).hex() + "\n" for url in urls if url)
        if not lines:
            return 0
        with (self.dir / DONE_FILE).open("a", encoding="ascii") as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())
        return lines.count("\n")

    def previous_runs(self) -> list[int]:
        """Run ids of earlier attempts at this job, oldest first."""
        path = self.dir / RUNS_FILE
        if not path.exists():
            return []
        return [int(line) for line in path.read_text(encoding="ascii").split() if line.isdigit()]

    def add_run(self, run_id: int) -> None:
        """Record this attempt's run id."""
        with (self.dir / RUNS_FILE).open("a", encoding="ascii") as handle:
            handle.write(f"{run_id}\n")
            handle.flush()
            os.fsync(handle.fileno())


class ResumableDupeFilter(RFPDupeFilter):
    """Filters duplicates in memory and, with JOBDIR, skips requests whose listings are already stored.

    Nothing is persisted at scheduling time (unlike Scrapy's ``requests.seen``), so a request that
    was scheduled but never completed before a kill is fetched again on resume.
    """

    def __init__(self, path: str | None = None, debug: bool = False, *, fingerprinter=None, stats=None):
        super().__init__(None, debug, fingerprinter=fingerprinter)
        self.stats = stats
        self.done: set[bytes] = set()
        if path:
            self.done = {bytes.fromhex(fp) for fp in ResumeJournal(path, self.fingerprinter).done()}
            if self.done:
                self.logger.info("resuming job %s: %d product pages already stored will be skipped",
                                 path, len(self.done))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(job_dir(crawler.settings), crawler.settings.getbool("DUPEFILTER_DEBUG"),
                   fingerprinter=crawler.request_fingerprinter, stats=crawler.stats)

    def request_seen(self, request: Request) -> bool:
        if self.done:
            fp = self._fingerprint(request)
            if fp in self.done:
                if fp not in self._fingerprints and self.stats is not None:
                    self.stats.inc_value("hazards/resume/skipped")
                self._fingerprints.add(fp)
                return True
        return super().request_seen(request)


class ResumableScheduler(Scheduler):
    """Scrapy's scheduler with its queue always in memory: with JOBDIR, resuming is the job of
    :class:`ResumableDupeFilter` and the journal, which survive a hard kill; the disk queue does not."""

    def _dqdir(self, jobdir: str | None) -> str | None:
        return None
