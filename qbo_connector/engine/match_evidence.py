"""Evidence between one ERPNext customer and one QBO customer, how it reads, and which links it allows."""

from __future__ import annotations

from dataclasses import dataclass, field

REVIEW_NAME = 80  # a name this similar is worth a human look

# Evidence weights: support must outweigh contradictions before a link.
SUPPORT = {"tax id": 3, "email": 2, "phone": 1, "address": 1}
CLOSE_NAMES = {"typo", "reordered", "initials", "person"}  # close enough to link with a strong identifier
NAME_TEXT = {
	"exact": "same name",
	"reordered": "same name words in another order",
	"typo": "name {}% similar (typo)",
	"initials": "name matches with initials",
	"person": "same person's name (QBO display name has extra words)",
	"contact": "same name as the contact person of a QBO company",
	"partial": "one name contains the other",
	"fuzzy": "name {}% similar",
	"": "no name in common",
}


@dataclass
class Assessment:
	"""Evidence between one ERPNext customer and one QBO customer."""

	index: int
	name_score: int
	name_kind: str
	support: int = 0  # weighted strong (not shared, not generic) agreements
	weak: int = 0  # agreements on shared or generic values
	against: int = 0  # weighted contradictions
	hard: bool = False  # tax ids differ: never link
	notes: list[str] = field(default_factory=list)
	blockers: list[str] = field(default_factory=list)
	rule: str = ""  # why it could be linked, "" when it cannot

	@property
	def score(self) -> int:
		evidence = min(30, 15 * self.support + 5 * self.weak) - 12 * self.against - (40 if self.hard else 0)
		return max(
			0, min(100, round(0.7 * self.name_score + evidence + (15 if self.rule == "unique" else 0)))
		)

	@property
	def plausible(self) -> bool:
		if self.support or self.name_kind in {"exact", "contact"} or self.name_kind in CLOSE_NAMES:
			return True
		# a merely similar name needs clean details: each contradiction asks for 10 points more
		return self.name_score - 10 * self.against >= REVIEW_NAME or (self.weak and self.name_score >= 60)


def competes(other: Assessment, pick: Assessment) -> bool:
	"""Does another candidate make the pick doubtful? One sharing an identifier (with a similar name,
	or any name when the pick rests on its name alone), an exact name when the pick's name is not
	exact, or an uncontradicted name at least as close."""
	if other.support and (other.name_score >= REVIEW_NAME or pick.rule == "unique"):
		return True
	if other.name_kind == "exact" and pick.name_kind != "exact" and not other.against:
		return True
	return pick.rule != "corroborated" and not other.against and other.name_score >= pick.name_score


def compare_value(a: Assessment, label: str, mine: str, theirs: str, others: int) -> None:
	"""Record agreement (weak when the value is shared by several records) or contradiction."""
	if not mine or not theirs:
		return
	if mine != theirs:
		if label == "tax id":
			a.hard = True
		a.against += 0 if label == "address" else 1
		a.notes.append(f"{label} differs")
	elif others > 1:
		a.weak += 1
		a.notes.append(f"same {label} (shared by {others} records)")
	else:
		a.support += SUPPORT[label]
		a.notes.append(f"same {label}")


def describe(a: Assessment, blockers: bool = True) -> str:
	name = NAME_TEXT.get(a.name_kind, "name {}% similar").format(a.name_score)
	return ", ".join([name, *a.notes, *(a.blockers if blockers else ())])


def contains(a: str, b: str) -> bool:
	"""All words of the shorter name (2 words at least) appear in the longer one."""
	ta, tb = set(a.split()), set(b.split())
	small, large = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
	return len(small) >= 2 and small <= large
