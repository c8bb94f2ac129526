"""Auditing labelled images: likely wrong labels (confident learning on out-of-fold probabilities from cached
features), exact and near-duplicates and the groups that leak, outliers, and an exact similar-image index.

    data = read_audit_set("photos")              # class folders, a `label` table, or plain images
    result = audit(data, "bundled")              # an AuditResult: one AuditRow per image
    write_audit(result, "audit.csv", data.root)  # most suspect first

No Qt; cleanlab (AGPL-3.0) is never imported here, only by the tests and benchmarks as an oracle.
"""

from model.audit.export import write_audit
from model.audit.report import ISSUES, AuditResult, AuditRow
from model.audit.run import AuditProgress, AuditSettings, audit
from model.audit.similar import SimilarIndex
from model.audit.sources import AuditError, AuditSet, read_audit_set

__all__ = [
    "ISSUES",
    "AuditError",
    "AuditProgress",
    "AuditResult",
    "AuditRow",
    "AuditSet",
    "AuditSettings",
    "SimilarIndex",
    "audit",
    "read_audit_set",
    "write_audit",
]
