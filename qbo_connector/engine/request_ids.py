"""Request ids: a write is identified by what it says.

Intuit replays the original answer when a requestid is seen again for the same company (docs: "Request ID",
rest-api-features#request-id), so the id must be the same for an identical resend and different for a
changed request. The id of a batch is a hash of the realm, the operation and, per item, the record, the
caller's `revision` of it and the item's body:

- An identical resend (after a timeout, a lost answer, a crash) has the same realm, operation, records,
  revisions and bodies, so the same id: QuickBooks answers it from its cache and runs nothing twice.
- A changed body (the user fixed a mapping; a SyncToken was re-read) changes the hash, so it goes out.
- A record whose earlier definitive answer (a fault, a hold) the caller stored, or that was queued anew after
  being synced, carries a new `revision` from the caller (the queue row's identity and its count of
  definitive answers), so a fault fixed in QuickBooks itself (an item reactivated) is not replayed either.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

BATCH_REQUEST_ID_MAX = 36  # Intuit: 50 for single requests, 36 for a batch (and then bId <= 10)


def request_id_for(realm: str, op: str, items: Iterable[tuple[str, str, dict]]) -> str:
	"""`items`: (record name, revision, body) per batch item, in batch order."""
	digest = hashlib.sha1(f"{realm}\x1f{op}".encode())
	for name, revision, body in items:
		digest.update(f"\x1e{name}\x1f{revision}\x1f".encode())
		digest.update(json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode())
	return digest.hexdigest()[:BATCH_REQUEST_ID_MAX]
