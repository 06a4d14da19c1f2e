"""SandboxMarket: serves every site skin from one catalog on loopback ports, with takedowns and faults."""

from __future__ import annotations

import threading
from urllib.parse import parse_qsl, urlsplit

from .catalog import ALL_SITES, load_catalog
from .faults import Fault
from .generate import generate_catalog
from .recalls import load_recalls
from .server import SiteServer
from .skins import SKINS, Request, Response, Skin
from .skins.base import REMOVAL_HOWS, json_response


class SandboxMarket:
    """A local fixture market. `catalog=None` loads catalog.json, a list is used as is, `size=N` generates N
    synthetic entries (`generate_catalog(N, seed)`); `sites` limits which sites are served.

    Example:
        with SandboxMarket() as market:
            market.urls["coupang"]  # 'http://127.0.0.1:41234'
    """

    def __init__(
        self,
        catalog: list[dict] | None = None,
        size: int | None = None,
        seed: int = 0,
        sites: list[str] | tuple[str, ...] | None = None,
        recalls: list[dict] | None = None,
    ):
        if size is not None:
            catalog = generate_catalog(size, seed)
        elif catalog is None:
            catalog = load_catalog()
        self.catalog = catalog
        self.sites = tuple(sites or ALL_SITES)
        unknown = set(self.sites) - set(SKINS)
        if unknown:
            raise ValueError(f"unknown site(s): {', '.join(sorted(unknown))}")
        self.removed: dict[str, dict[str, str]] = {s: {} for s in self.sites}
        self.faults: dict[str, list[Fault]] = {s: [] for s in self.sites}
        self._lock = threading.Lock()
        self.skins: dict[str, Skin] = {}
        for site in self.sites:
            if site == "recalls_kr":
                self.skins[site] = SKINS[site](recalls if recalls is not None else load_recalls(), self.removed[site])
            else:
                self.skins[site] = SKINS[site](catalog, self.removed[site])
        self.urls: dict[str, str] = {}
        self._servers: list[tuple[SiteServer, threading.Thread]] = []

    def __enter__(self) -> SandboxMarket:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, port: int = 0) -> SandboxMarket:
        """Bind each site to 127.0.0.1 (port 0: free ports; else port, port+1, ...) and serve in daemon threads."""
        for i, site in enumerate(self.sites):
            server = SiteServer(("127.0.0.1", port + i if port else 0), self, site)
            thread = threading.Thread(target=server.serve_forever, name=f"sandbox-{site}", daemon=True)
            thread.start()
            self._servers.append((server, thread))
            self.urls[site] = f"http://127.0.0.1:{server.server_address[1]}"
        return self

    def stop(self) -> None:
        """Stop every site server and free its port."""
        for server, thread in self._servers:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        self._servers.clear()
        self.urls.clear()

    # --- listings --------------------------------------------------------------------------------------
    def listing_ids(self, site: str) -> dict[str, str]:
        """{listing id on the site: catalog id} (recalls_kr: {recallUid: recallUid})."""
        return {lid: e["id"] for lid, e in self.skins[site].by_id.items()}

    def product_url(self, site: str, catalog_id: str) -> str:
        """Absolute URL of a catalog entry's product page on a started site."""
        skin = self.skins[site]
        entry = next(e for e in skin.by_id.values() if e["id"] == catalog_id)
        return self.urls[site] + skin.product_path(entry)

    def render(self, site: str, path: str, base: str = "http://127.0.0.1:8000") -> Response:
        """Render one page without HTTP (no faults), as if requested from `base`; for golden page files."""
        split = urlsplit(path)
        return self.skins[site].handle(Request("GET", split.path, dict(parse_qsl(split.query)), base))

    # --- takedowns -------------------------------------------------------------------------------------
    def remove(self, site: str, listing_id: str, how: str | None = None) -> None:
        """Take a listing down: how = 404 | 410 | soldout | redirect | gone (default: the site's own way)."""
        skin = self.skins[site]
        if listing_id not in skin.by_id:
            raise KeyError(f"{site} has no listing {listing_id}")
        how = how or skin.removal_default
        if how not in REMOVAL_HOWS:
            raise ValueError(f"unknown removal {how!r}; use one of {', '.join(REMOVAL_HOWS)}")
        with self._lock:
            self.removed[site][listing_id] = how

    def restore(self, site: str, listing_id: str) -> None:
        """Put a removed listing back."""
        with self._lock:
            self.removed[site].pop(listing_id, None)

    # --- faults ----------------------------------------------------------------------------------------
    def set_fault(self, site: str, mode: str, path_prefix: str = "", **opts: object) -> Fault:
        """Arm a fault on a site for request paths starting with path_prefix (see faults.FAULT_MODES)."""
        fault = Fault(mode, path_prefix, dict(opts))
        with self._lock:
            self.faults[site].append(fault)
        return fault

    def clear_faults(self, site: str | None = None) -> None:
        """Disarm every fault (of one site, or of all)."""
        with self._lock:
            for name in [site] if site else self.sites:
                self.faults[name].clear()

    def fault_for(self, site: str, raw_path: str) -> Fault | None:
        """The most recently armed fault matching a request path, if any."""
        with self._lock:
            return next((f for f in reversed(self.faults[site]) if f.matches(raw_path)), None)

    # --- HTTP control ----------------------------------------------------------------------------------
    def control(self, site: str, req: Request) -> Response:
        """POST /_sandbox/remove?id=&how=, /_sandbox/restore?id=, /_sandbox/fault?mode=&path=&<opts>,
        /_sandbox/clear."""
        if req.method != "POST":
            return json_response({"ok": False, "error": "use POST"}, 405)
        action = req.path.removeprefix("/_sandbox/").strip("/")
        q = dict(req.query)
        try:
            if action == "remove":
                self.remove(site, q.get("id", ""), q.get("how") or None)
            elif action == "restore":
                self.restore(site, q.get("id", ""))
            elif action == "fault":
                mode, prefix = q.pop("mode", ""), q.pop("path", "")
                if mode == "clear":
                    self.clear_faults(site)
                else:
                    self.set_fault(site, mode, prefix, **q)
            elif action == "clear":
                self.clear_faults(site)
            else:
                return json_response({"ok": False, "error": f"unknown action {action!r}"}, 404)
        except KeyError as exc:
            return json_response({"ok": False, "error": str(exc.args[0])}, 404)
        except ValueError as exc:
            return json_response({"ok": False, "error": str(exc)}, 400)
        return json_response({"ok": True, "site": site, "action": action})
