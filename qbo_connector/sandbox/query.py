"""The QBO query language: parse, validate against an entity's queryable fields, and run over rows.

SELECT * | *, f1 | COUNT(*) | f1, f2 FROM Entity [WHERE c AND c ...] [ORDER BY | ORDERBY f [ASC|DESC], ...]
[STARTPOSITION n] [MAXRESULTS n]. Conditions: =, <, >, <=, >=, IN (...), LIKE '%x%'. No OR, no NOT, no
parentheses. Keywords, field names and string values compare case-insensitively, as Intuit documents.

Intuit, "Query operations and syntax"
(https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries):
the select statement is `SELECT * | count(*) FROM IntuitEntity [WHERE WhereClause] [ORDERBY OrderByClause]
[STARTPOSITION Number] [MAXRESULTS Number]`; operators IN, =, <, >, <=, >=, LIKE ('%' only); multiple
filters joined with AND, no OR; one entity per query; MAXRESULTS at most 1000, default 100."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from qbo_connector.sandbox.clock import parse_instant
from qbo_connector.sandbox.faults import Fault, invalid_query, parse_error

MAX_RESULTS = 1000
DEFAULT_MAX_RESULTS = 100

TOKEN = re.compile(
	r"""\s*(?:
	(?P<string>'(?:\\.|[^'\\])*')
	|(?P<number>-?\d+(?:\.\d+)?(?![\w.]))
	|(?P<name>[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)
	|(?P<op><=|>=|=|<|>)
	|(?P<punct>[(),*])
	)""",
	re.VERBOSE,
)
DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")
ESCAPE = re.compile(r"\\(.)")


@dataclass
class Condition:
	field: str
	op: str  # = < > <= >= in like
	values: list


@dataclass
class Query:
	entity: str
	fields: list[str] | None = None  # None = *
	count: bool = False
	where: list[Condition] = field(default_factory=list)
	order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
	start: int = 1
	max_results: int = DEFAULT_MAX_RESULTS

	def mentions(self, name: str) -> bool:
		return any(c.field.lower() == name.lower() for c in self.where)


def tokenize(text: str) -> list[tuple[str, str]]:
	tokens, pos, text = [], 0, text.strip().rstrip(";")
	while pos < len(text):
		if text[pos:].strip() == "":
			break
		found = TOKEN.match(text, pos)
		if not found or found.end() == pos:
			snippet = text[pos:].strip()[:20]
			raise parse_error(f'Encountered " {snippet!r} " at line 1, column {pos + 1}. Lexical error.')
		kind = found.lastgroup
		tokens.append((kind, found.group(kind)))
		pos = found.end()
	return tokens


class Parser:
	def __init__(self, text: str):
		self.tokens = tokenize(text)
		self.pos = 0

	def peek(self, offset: int = 0) -> tuple[str, str]:
		index = self.pos + offset
		return self.tokens[index] if index < len(self.tokens) else ("end", "")

	def take(self) -> tuple[str, str]:
		token = self.peek()
		self.pos += 1
		return token

	def fail(self, expected: str) -> Fault:
		kind, value = self.peek()
		shown = value if kind != "end" else "<EOF>"
		return parse_error(f'Encountered " {shown} " at token {self.pos + 1}. Was expecting: {expected}')

	def at_keyword(self, word: str) -> bool:
		kind, value = self.peek()
		return kind == "name" and value.upper() == word

	def keyword(self, word: str) -> None:
		if not self.at_keyword(word):
			raise self.fail(word)
		self.pos += 1

	def punct(self, char: str) -> None:
		if self.peek() != ("punct", char):
			raise self.fail(f'"{char}"')
		self.pos += 1

	def name(self) -> str:
		kind, value = self.peek()
		if kind != "name":
			raise self.fail("<IDENTIFIER>")
		self.pos += 1
		return value

	def integer(self) -> int:
		kind, value = self.take()
		if kind != "number" or not value.lstrip("-").isdigit():
			self.pos -= 1
			raise self.fail("<INTEGER>")
		return int(value)

	def value(self):
		kind, value = self.take()
		if kind == "string":
			return ESCAPE.sub(r"\1", value[1:-1])
		if kind == "number":
			return Decimal(value)
		if kind == "name" and value.lower() in ("true", "false"):
			return value.lower() == "true"
		self.pos -= 1
		raise self.fail("<STRING_LITERAL> | <NUMBER> | true | false")

	def parse(self) -> Query:
		self.keyword("SELECT")
		fields, count = self.projection()
		self.keyword("FROM")
		query = Query(entity=self.name(), fields=fields, count=count)
		if self.at_keyword("WHERE"):
			self.pos += 1
			query.where.append(self.condition())
			while self.at_keyword("AND"):
				self.pos += 1
				query.where.append(self.condition())
		if self.at_keyword("OR"):
			raise parse_error("OR is not supported in the WHERE clause")
		if self.at_keyword("ORDERBY") or self.at_keyword("ORDER"):
			if self.take()[1].upper() == "ORDER":
				self.keyword("BY")
			query.order.append(self.ordering())
			while self.peek() == ("punct", ","):
				self.pos += 1
				query.order.append(self.ordering())
		while self.at_keyword("STARTPOSITION") or self.at_keyword("MAXRESULTS"):
			word = self.take()[1].upper()
			if word == "STARTPOSITION":
				query.start = self.integer()
			else:
				query.max_results = self.integer()
		if self.peek()[0] != "end":
			raise self.fail("<EOF>")
		return query

	def projection(self) -> tuple[list[str] | None, bool]:
		if self.peek() == ("punct", "*"):
			# `*, Sku`: python-quickbooks 0.9.12 Item.all() names Sku next to `*` (its comment: QBO returns Sku
			# only when asked). `*` already returns every property here, so the extra names add nothing.
			self.pos += 1
			while self.peek() == ("punct", ","):
				self.pos += 1
				self.name()
			return None, False
		if self.at_keyword("COUNT"):
			self.pos += 1
			self.punct("(")
			self.punct("*")
			self.punct(")")
			return None, True
		fields = [self.name()]
		while self.peek() == ("punct", ","):
			self.pos += 1
			fields.append(self.name())
		return fields, False

	def condition(self) -> Condition:
		name = self.name()
		kind, value = self.peek()
		if kind == "op":
			self.pos += 1
			return Condition(name, value, [self.value()])
		if self.at_keyword("IN"):
			self.pos += 1
			self.punct("(")
			values = [self.value()]
			while self.peek() == ("punct", ","):
				self.pos += 1
				values.append(self.value())
			self.punct(")")
			return Condition(name, "in", values)
		if self.at_keyword("LIKE"):
			self.pos += 1
			pattern = self.value()
			if not isinstance(pattern, str):
				raise parse_error("LIKE needs a quoted string")
			return Condition(name, "like", [pattern])
		raise self.fail('"=" | "<" | ">" | "<=" | ">=" | "IN" | "LIKE"')

	def ordering(self) -> tuple[str, bool]:
		name = self.name()
		if self.at_keyword("DESC") or self.at_keyword("ASC"):
			return name, self.take()[1].upper() == "DESC"
		return name, False


def parse(text: str) -> Query:
	if not text or not text.strip():
		raise parse_error('Encountered " <EOF> " at line 1, column 1. Was expecting: SELECT')
	return Parser(text).parse()


def check(query: Query, canonical: dict[str, str], queryable: frozenset) -> Query:
	"""Resolve the entity name and every field against what QBO lets you filter and sort on."""
	entity = canonical.get(query.entity.lower())
	if not entity:
		raise invalid_query(f"Invalid entity name {query.entity}")
	query.entity = entity
	lookup = {name.lower(): name for name in queryable}
	for condition in query.where:
		condition.field = resolve_field(condition.field, lookup, entity)
		if condition.field == "Id" and condition.op not in ("=", "in"):
			raise invalid_query("Id supports only the = and IN operators")
	query.order = [(resolve_field(name, lookup, entity), desc) for name, desc in query.order]
	if query.max_results > MAX_RESULTS:
		raise invalid_query(f"value {query.max_results} is too large. Max allowed value is {MAX_RESULTS}")
	if query.max_results < 1 or query.start < 1:
		raise invalid_query("STARTPOSITION and MAXRESULTS must be positive")
	return query


def resolve_field(name: str, lookup: dict[str, str], entity: str) -> str:
	found = lookup.get(name.lower())
	if not found:
		raise invalid_query(f"property '{name}' is not queryable for entity {entity}")
	return found


def lookup_path(row: dict, path: str):
	value = row
	for part in path.split("."):
		if not isinstance(value, dict):
			return None
		value = value.get(part)
	if isinstance(value, dict):  # references compare by id, e-mail and phone by their text
		for key in ("value", "Address", "FreeFormNumber"):
			if key in value:
				return value[key]
	return value


def comparable(left, right):
	"""Bring a row value and a literal to one comparable type, or None when they can't be compared."""
	if left is None:
		return None
	if isinstance(right, bool) or isinstance(left, bool):
		as_bool = {"true": True, "false": False}
		lval = left if isinstance(left, bool) else as_bool.get(str(left).lower())
		rval = right if isinstance(right, bool) else as_bool.get(str(right).lower())
		return None if lval is None or rval is None else (lval, rval)
	try:
		return Decimal(str(left)), Decimal(str(right))
	except InvalidOperation:
		pass
	if DATE_LIKE.match(str(left)) and DATE_LIKE.match(str(right)):
		try:
			return parse_instant(str(left)), parse_instant(str(right))
		except ValueError:
			pass
	return str(left).casefold(), str(right).casefold()


def equal(left, right) -> bool:
	if isinstance(left, str) and isinstance(right, str):
		if left.casefold() == right.casefold():
			return True
		if not (left[:1].isdigit() or left[:1] in "-."):  # plain text: no numeric or date reading possible
			return False
	pair = comparable(left, right)
	return pair is not None and pair[0] == pair[1]


def matches(row: dict, condition: Condition) -> bool:
	left = lookup_path(row, condition.field)
	if left is None:
		return False
	if condition.op == "like":
		pattern = "".join(".*" if ch == "%" else re.escape(ch) for ch in condition.values[0])
		return re.fullmatch(pattern, str(left), re.IGNORECASE | re.DOTALL) is not None
	if condition.op in ("=", "in"):
		numbers = whole_numbers(condition)
		if numbers is not None and isinstance(left, str) and left.isdigit():
			return int(left) in numbers  # what `equal` says of two digit strings, without a Decimal per pair
		return any(equal(left, value) for value in condition.values)
	pair = comparable(left, condition.values[0])
	if pair is None:
		return False
	lval, rval = pair
	return {"<": lval < rval, ">": lval > rval, "<=": lval <= rval, ">=": lval >= rval}[condition.op]


def whole_numbers(condition: Condition) -> frozenset | None:
	"""The values of an = or IN condition as integers when every one is a string of digits (ids), else None;
	kept on the condition, so that a query reads each row once against a set."""
	if not hasattr(condition, "numbers"):
		digits = all(isinstance(v, str) and v.isdigit() for v in condition.values)
		condition.numbers = frozenset(int(v) for v in condition.values) if digits else None
	return condition.numbers


def sort_key(value):
	if value is None:
		return (2, "")
	try:
		return (0, Decimal(str(value)))
	except InvalidOperation:
		return (1, str(value).casefold())


def run(query: Query, rows: list[dict], active_only: bool) -> dict:
	"""Execute a checked query; returns the QueryResponse payload."""
	selected = [row for row in rows if all(matches(row, c) for c in query.where)]
	if active_only and not query.mentions("Active"):
		selected = [row for row in selected if row.get("Active", True)]
	if query.count:
		return {"totalCount": len(selected)}
	selected.sort(key=lambda row: sort_key(row.get("Id")))
	for name, desc in reversed(query.order):
		selected.sort(key=lambda row, name=name: sort_key(lookup_path(row, name)), reverse=desc)
	page = selected[query.start - 1 : query.start - 1 + query.max_results]
	if not page:
		return {}
	if query.fields:
		page = [project(row, query.fields) for row in page]
	return {query.entity: page, "startPosition": query.start, "maxResults": len(page)}


def project(row: dict, fields: list[str]) -> dict:
	keys = {key.lower(): key for key in row}
	out = {"Id": row.get("Id")}
	for name in fields:
		key = keys.get(name.split(".")[0].lower())
		if key:
			out[key] = row[key]
	return out
