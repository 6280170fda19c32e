"""Customer phase of a run: load the QBO name directory once, follow merges, decide link/review/create
with the matcher, create what must be created in batches, and reconcile 6240 name clashes.

Never a duplicate when a match exists, never a wrong link: anything uncertain ends as Needs Review."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from qbo_connector.engine.client import BATCH_LIMIT, QBOClient
from qbo_connector.engine.directory import load_directory  # re-exported: callers import it from here
from qbo_connector.engine.errors import NameClash, QBOError
from qbo_connector.engine.matching import Matcher
from qbo_connector.engine.names import display_name_for, normalize_name
from qbo_connector.engine.records import (
	CREATE,
	FAILED,
	LINK,
	NEEDS_REVIEW,
	QUEUED,
	SYNCED,
	ERPCustomer,
	MatchDecision,
	Outcome,
	QBOCustomer,
)
from qbo_connector.engine.request_ids import request_id_for

CUSTOMER = "Customer"
DELETED_SUFFIX = " (deleted)"
ORIGIN = "Created from ERPNext customer "  # Notes of a customer this app created: its own business key
HOLD_FOR_REVIEW = "Hold for review"
CREATE_NEW = "Create new customer"


@dataclass
class CustomerSettings:
	uncertain_policy: str = HOLD_FOR_REVIEW  # or CREATE_NEW
	clash_suffix: str = " (Customer)"  # naming policy when a vendor/employee has the name
	multicurrency: bool = False


def build_customer_payload(customer: ERPCustomer, display_name: str, settings: CustomerSettings) -> dict:
	"""The QBO Customer body, built explicitly: no library defaults, no empty strings."""
	payload: dict = {"DisplayName": display_name, "Notes": f"{ORIGIN}{customer.id}"[:2000]}
	if customer.customer_type == "Individual":
		first, _, last = _clean(customer.customer_name).rpartition(" ")
		if first:
			payload["GivenName"] = first[:100]
		payload["FamilyName"] = (last or first)[:100]
	else:
		payload["CompanyName"] = _clean(customer.customer_name)[:100]
	if customer.email:
		payload["PrimaryEmailAddr"] = {"Address": customer.email.strip()[:100]}
	if customer.phone:
		payload["PrimaryPhone"] = {"FreeFormNumber": customer.phone.strip()[:30]}
	address = {
		"Line1": customer.address_line1,
		"Line2": customer.address_line2,
		"City": customer.city,
		"CountrySubDivisionCode": customer.state,
		"PostalCode": customer.pincode,
		"Country": customer.country,
	}
	address = {k: _clean(v)[:500] for k, v in address.items() if v and _clean(v)}
	if address:
		payload["BillAddr"] = address
	if customer.tax_id:
		payload["ResaleNum"] = customer.tax_id.strip()[:16]
	if settings.multicurrency and customer.currency:
		payload["CurrencyRef"] = {"value": customer.currency}
	return payload


def _clean(value: str) -> str:
	return " ".join(str(value or "").replace(":", " ").split())


class CustomerSync:
	def __init__(
		self,
		client: QBOClient,
		settings: CustomerSettings,
		on_outcome: Callable[[Outcome], None],
		directory: Sequence[QBOCustomer] | None = None,
	):
		self.client = client
		self.settings = settings
		self.on_outcome = on_outcome
		self.directory = list(directory) if directory is not None else load_directory(client)
		self.by_id = {c.id: c for c in self.directory if c.entity_type == CUSTOMER}
		self.taken = {c.display_name.strip().lower() for c in self.directory if c.entity_type != CUSTOMER}
		self.holders: dict[str, list[str]] | None = None  # name -> ids holding it (built on first create)
		self.own: dict[str, QBOCustomer] | None = None  # ERPNext id -> the record created for it (Notes)

	def emit(self, customer: ERPCustomer, status: str, **kwargs) -> Outcome:
		record = self.by_id.get(kwargs.get("qbo_id") or "")
		if record is not None:  # the forms name the QuickBooks customer, not only its id
			kwargs["extra"] = {"display_name": record.display_name, **kwargs.get("extra", {})}
		outcome = Outcome(CUSTOMER, customer.id, status, **kwargs)
		self.on_outcome(outcome)
		return outcome

	def run(
		self,
		customers: Sequence[ERPCustomer],
		already_linked: dict[str, str] | None = None,
		force_create: set[str] | frozenset = frozenset(),
	) -> list[Outcome]:
		"""Decide and act for every customer; returns the outcomes (also streamed to on_outcome).
		`force_create` holds customers a reviewer decided to create anew."""
		linked = dict(already_linked or {})
		outcomes: list[Outcome] = []
		to_match: list[ERPCustomer] = []
		for customer in customers:
			relinked = self.follow_merge(customer, linked) if customer.qbo_id else None
			relinked = relinked or self.find_own_record(customer, linked)
			if relinked:
				outcomes.append(relinked)
			else:
				to_match.append(customer)
		decisions = Matcher(self.directory).decide(to_match, already_linked=linked)
		to_create: list[tuple[ERPCustomer, MatchDecision]] = []
		for customer, decision in zip(to_match, decisions, strict=True):
			if decision.decision == LINK:
				linked[decision.qbo_id] = customer.id
				outcomes.append(self.emit_link(customer, decision))
			elif (
				decision.decision == CREATE
				or customer.id in force_create
				or self.settings.uncertain_policy == CREATE_NEW
			):
				to_create.append((customer, decision))
			else:
				outcomes.append(self.emit_review(customer, decision))
		outcomes.extend(self.create_customers(to_create))
		return outcomes

	def emit_link(self, customer: ERPCustomer, decision: MatchDecision) -> Outcome:
		record = self.by_id.get(decision.qbo_id)
		return self.emit(
			customer,
			SYNCED,
			qbo_id=decision.qbo_id,
			qbo_sync_token=record.sync_token if record else "",
			extra={"match_status": "Linked", "score": decision.score, "reason": decision.reason},
		)

	def emit_review(self, customer: ERPCustomer, decision: MatchDecision, message: str = "") -> Outcome:
		return self.emit(
			customer,
			NEEDS_REVIEW,
			qbo_id="",
			message=message or f"Needs review: {decision.reason}",
			extra={"match_status": "Needs Review", "decision": decision},
		)

	def find_own_record(self, customer: ERPCustomer, linked: dict[str, str]) -> Outcome | None:
		"""The active QBO customer this app created for this ERPNext customer (its Notes say so), e.g. by a
		run killed before it could save the link: linked as Created, never sent to review or made twice."""
		if self.own is None:
			self.own = {}
			for record in self.by_id.values():
				if record.active and record.notes.startswith(ORIGIN):
					self.own.setdefault(record.notes[len(ORIGIN) :], record)
		record = self.own.get(customer.id)
		if record is None or linked.get(record.id, customer.id) != customer.id:
			return None
		if customer.qbo_id == record.id:
			return None  # already linked to it: the matcher re-checks the link as usual
		linked[record.id] = customer.id
		reason = f"QuickBooks customer {record.id} was created by this app for {customer.id}"
		return self.emit(
			customer,
			SYNCED,
			qbo_id=record.id,
			qbo_sync_token=record.sync_token,
			extra={"match_status": "Created", "display_name": record.display_name, "reason": reason},
		)

	# -- merges ---------------------------------------------------------------------------------
	def follow_merge(self, customer: ERPCustomer, linked: dict[str, str]) -> Outcome | None:
		"""If the linked QBO customer was merged away (inactive, ' (deleted)'), relink to the survivor.
		Returns None when the link is healthy or unknown, so the matcher decides as usual."""
		record = self.by_id.get(customer.qbo_id)
		if record is None or record.active:
			return None
		survivor = self.find_survivor(record)
		if survivor is None:
			return None
		linked.pop(customer.qbo_id, None)
		linked[survivor.id] = customer.id
		return self.emit(
			customer,
			SYNCED,
			qbo_id=survivor.id,
			qbo_sync_token=survivor.sync_token,
			message="",
			extra={
				"match_status": "Linked",
				"relinked_from": record.id,
				"reason": f"QuickBooks customer {record.id} was merged into {survivor.id} ({survivor.display_name})",
			},
		)

	def find_survivor(self, merged: QBOCustomer) -> QBOCustomer | None:
		name = merged.display_name
		if name.endswith(DELETED_SUFFIX):
			name = name[: -len(DELETED_SUFFIX)]
		key = normalize_name(name)
		matches = [
			c
			for c in self.by_id.values()
			if c.active and c.id != merged.id and normalize_name(c.display_name) == key
		]
		return matches[0] if len(matches) == 1 else None

	# -- creates --------------------------------------------------------------------------------
	def create_customers(self, pending: Iterable[tuple[ERPCustomer, MatchDecision]]) -> list[Outcome]:
		outcomes: list[Outcome] = []
		planned: dict[str, ERPCustomer] = {}
		items: list[tuple[ERPCustomer, MatchDecision, dict]] = []
		for customer, decision in pending:
			name = display_name_for(customer, self.taken, self.settings.clash_suffix)
			if name.lower() in planned:
				other = planned[name.lower()]
				outcomes.append(
					self.emit_review(
						customer, decision, f"Same QuickBooks name as customer {other.id}: {name}"
					)
				)
				continue
			planned[name.lower()] = customer
			items.append((customer, decision, build_customer_payload(customer, name, self.settings)))
		for start in range(0, len(items), BATCH_LIMIT):
			outcomes.extend(self.send_batch(items[start : start + BATCH_LIMIT]))
		return outcomes

	def occupants(self, payload: dict) -> str:
		"""Ids of QBO records that hold (or, merged away, held) this DisplayName. Part of the requestid, so
		a customer created again later (its first record made inactive or merged away) never gets the first
		create's "created id N" back from QuickBooks' requestid cache."""
		if self.holders is None:
			self.holders = {}
			for record in self.directory:
				name = record.display_name.strip().lower().removesuffix(DELETED_SUFFIX)
				self.holders.setdefault(name, []).append(record.id)
		return ",".join(sorted(self.holders.get(payload["DisplayName"].strip().lower(), [])))

	def send_batch(self, chunk: list[tuple[ERPCustomer, MatchDecision, dict]]) -> list[Outcome]:
		batch = [
			{"bId": str(i), "operation": "create", CUSTOMER: payload}
			for i, (_, _, payload) in enumerate(chunk)
		]
		rid = request_id_for(
			self.client.config.realm_id,
			"customers",
			((c.id, f"{c.revision}/{self.occupants(body)}", body) for c, _, body in chunk),
		)
		try:
			results = self.client.batch(batch, request_id=rid)
		except QBOError as exc:
			if not exc.transient:
				raise
			return [self.emit(c, QUEUED, message=exc.user_message(), detail=str(exc)) for c, _, _ in chunk]
		outcomes = []
		for i, (customer, decision, payload) in enumerate(chunk):
			result = results.get(str(i))
			if isinstance(result, dict) and result.get("Id"):
				created = QBOCustomer.from_qbo(result)
				self.by_id[created.id] = created
				outcomes.append(
					self.emit(
						customer,
						SYNCED,
						qbo_id=created.id,
						qbo_sync_token=created.sync_token,
						extra={"match_status": "Created", "display_name": created.display_name},
					)
				)
			elif isinstance(result, NameClash):
				outcomes.append(self.reconcile_clash(customer, decision, payload, result))
			elif isinstance(result, QBOError):
				status = QUEUED if result.transient else FAILED
				outcomes.append(
					self.emit(customer, status, message=result.user_message(), detail=str(result))
				)
			else:
				outcomes.append(
					self.emit(customer, QUEUED, message="QuickBooks gave no answer for this customer")
				)
		return outcomes

	def reconcile_clash(
		self, customer: ERPCustomer, decision: MatchDecision, payload: dict, clash: NameClash
	):
		"""6240: read the clashing record; adopt it only if it is an active Customer with the same identity."""
		existing_id = clash.existing_id
		record = None
		if existing_id:
			try:
				record = QBOCustomer.from_qbo(self.client.read(CUSTOMER, existing_id))
			except QBOError:
				record = None  # 610: the Id is a vendor or employee, not a customer
		if record and record.active and Matcher([record]).decide_one(customer).decision == LINK:
			self.by_id[record.id] = record
			return self.emit(
				customer,
				SYNCED,
				qbo_id=record.id,
				qbo_sync_token=record.sync_token,
				extra={
					"match_status": "Linked",
					"reason": "adopted the existing QuickBooks customer after 6240",
				},
			)
		who = "an inactive customer" if record and not record.active else "another QuickBooks record"
		if record is None:
			who = "a vendor or employee"
		message = (
			f"The name {payload['DisplayName']!r} is already used by {who} in QuickBooks (id {existing_id})."
		)
		return self.emit_review(customer, decision, message)


def customer_currencies(client: QBOClient, qbo_ids: Iterable[str]) -> dict[str, str]:
	"""QBO customer id -> its fixed currency, for the export's currency check (multicurrency realms)."""
	rows = client.query_in("Customer", "Id", qbo_ids, extra="Active IN (true, false)")
	return {str(r["Id"]): (r.get("CurrencyRef") or {}).get("value", "") for r in rows}


def ensure_currency_customers(
	client: QBOClient, needed: dict[tuple[str, str], str]
) -> dict[tuple[str, str], str]:
	"""The policy "a customer per currency": for (ERPNext customer, currency) -> base QBO customer id,
	find or create "<base DisplayName> (<currency>)" in that currency. Returns (customer, currency) -> id;
	a pair whose customer could not be made is left out (its invoices keep waiting, with the reason)."""
	if not needed:
		return {}
	bases = {str(r["Id"]): r for r in client.query_in("Customer", "Id", set(needed.values()))}
	wanted = {
		pair: f"{bases[base]['DisplayName'][: 500 - len(pair[1]) - 3]} ({pair[1]})"
		for pair, base in needed.items()
		if base in bases
	}
	found = {r["DisplayName"].lower(): r for r in client.query_in("Customer", "DisplayName", wanted.values())}
	result: dict[tuple[str, str], str] = {}
	to_create = []
	for pair, name in wanted.items():
		row = found.get(name.lower())
		if row and (row.get("CurrencyRef") or {}).get("value", "").upper() == pair[1].upper():
			result[pair] = str(row["Id"])
		elif not row:
			to_create.append((pair, name))
	for start in range(0, len(to_create), BATCH_LIMIT):
		chunk = to_create[start : start + BATCH_LIMIT]
		items = [
			{
				"bId": str(i),
				"operation": "create",
				CUSTOMER: {"DisplayName": name, "CurrencyRef": {"value": cur}},
			}
			for i, ((_, cur), name) in enumerate(chunk)
		]
		answers = client.batch(
			items, request_id=request_id_for(client.config.realm_id, "fx", ((n, "", {}) for _, n in chunk))
		)
		for i, (pair, _) in enumerate(chunk):
			answer = answers.get(str(i))
			if isinstance(answer, dict) and answer.get("Id"):
				result[pair] = str(answer["Id"])
	return result


def add_currency_facts(client: QBOClient, settings, facts, invoices: Sequence) -> None:
	"""Multicurrency realms: tell the export each linked customer's fixed currency, and under the
	"a customer per currency" policy find or create the per-currency customers the invoices need."""
	if not settings.multicurrency:
		return
	linked = {inv.customer_qbo_id for inv in invoices if inv.customer_qbo_id}
	# a run's later pages ask only for customers its earlier pages did not
	linked -= facts.customer_currencies.keys()
	facts.customer_currencies.update(customer_currencies(client, linked))
	if settings.currency_policy != "per_currency_customer":
		return
	needed = {}
	for inv in invoices:
		currency = (inv.currency or settings.home_currency).upper()
		known = facts.customer_currencies.get(inv.customer_qbo_id, "").upper()
		if inv.customer_qbo_id and known and known != currency:
			needed[(inv.customer, currency)] = inv.customer_qbo_id
	facts.currency_customers.update(ensure_currency_customers(client, needed))
