"""Resource names that are themselves the leak.

When a finding's value sits in a resource's own name (a group named after a customer's account number), the
resource's id and ARN hold the raw value too.  `NameRedactor` replaces, in any text a renderer shows about a
resource, every raw value found on that resource with its redacted preview, so a report that hides values
does not print them in a header, a logical location or a resource id.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...model import Finding, Resource

MIN_HIDDEN = 4  # shorter values are not looked for inside names (they would blank ordinary words)


def describe(f: Finding, names: NameRedactor) -> str:
    """One sentence on a finding for the formats that carry a message (SARIF, OCSF, ASFF): what it is, on
    which resource (its name redacted where it is the leak), field, line and decoding chain, and the redacted
    value (or the evidence of a check)."""
    where = f.location.field
    if f.location.line is not None:
        where += f" line {f.location.line}"
    if f.location.decoding:
        where += f" (decoded: {' > '.join(f.location.decoding)})"
    shown = f.evidence if f.evidence is not None else f.redacted
    return f"{f.title} in {f.resource.type} {names.id(f.resource)}, {where}: {shown}"


class NameRedactor:
    """The raw values of a report's findings, by resource, with their redacted previews."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        self._values: dict[Resource, list[tuple[str, str]]] = {}
        for f in findings:
            if f.match is None or len(f.match) < MIN_HIDDEN:
                continue
            r = f.resource
            if f.match in r.id or (r.arn is not None and f.match in r.arn):
                self._values.setdefault(r, []).append((f.match, f.redacted or "*" * len(f.match)))
        for pairs in self._values.values():
            pairs.sort(key=lambda p: -len(p[0]))  # longest first: a value inside another is replaced with it

    def text(self, resource: Resource, text: str) -> str:
        """`text` (about `resource`) with each raw value found in the resource's name redacted."""
        for raw, shown in self._values.get(resource, ()):
            text = text.replace(raw, shown)
        return text

    def id(self, resource: Resource) -> str:
        return self.text(resource, resource.id)

    def arn(self, resource: Resource) -> str | None:
        return None if resource.arn is None else self.text(resource, resource.arn)

    def resource_dict(self, resource: Resource) -> dict[str, str | None]:
        out = resource.to_dict()
        out["id"], out["arn"] = self.id(resource), self.arn(resource)
        return out
