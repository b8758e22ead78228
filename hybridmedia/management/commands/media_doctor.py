"""``manage.py media_doctor``: try every layer with a few read-only requests and say what works."""

from __future__ import annotations

from typing import Any

from hybridmedia.management.base import HybridStorageCommand
from hybridmedia.storage import HybridStorage, Layer
from hybridmedia.storage.backends.base import Finding
from hybridmedia.storage.stores import describe_location


class Command(HybridStorageCommand):
    help = (
        "Try each layer of the hybrid with a few read-only requests: reachable, bucket or directory there, "
        "listing allowed, a sample file readable, URLs public or signed. Writes nothing anywhere. Exits with "
        "status 1 if any layer cannot be used."
    )
    # The point is to try layers the checks would refuse to build: report, do not stop.
    requires_system_checks: tuple[str, ...] | list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        storage = self.get_hybrid(options["storage"])
        failed = False
        for layer in storage.layers:
            findings = self.diagnose(storage, layer)
            failed |= any(finding.ok is False for finding in findings)
            self.report(layer, findings)
        if failed:
            self.log(self.style.ERROR("Some layer cannot be used; see the FAIL lines above."), 1)
            self.exit_with_status(1)
        self.log(self.style.SUCCESS("Every layer can be used."), 1)

    def diagnose(self, storage: HybridStorage, layer: Layer) -> list[Finding]:
        """Return what trying ``layer`` found; split from ``handle()`` so tests and code can call it."""
        return layer.adapter.diagnose()

    def report(self, layer: Layer, findings: list[Finding]) -> None:
        role = "write layer" if layer.writable else "read-only"
        self.stdout.write(f"{layer.name} ({role}, {describe_location(layer.storage)}):")
        for finding in findings:
            mark = {True: self.style.SUCCESS("ok  "), False: self.style.ERROR("FAIL"), None: "-   "}[finding.ok]
            detail = f": {finding.detail}" if finding.detail else ""
            self.stdout.write(f"  {mark} {finding.check}{detail}")
