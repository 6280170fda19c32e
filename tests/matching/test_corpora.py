"""The frozen corpus generator: deterministic by seed, and its truth is consistent."""

from qbo_connector.benchmarks.corpora import businesses, persons


def test_corpora_are_deterministic_by_seed():
	for make, size in ((persons, 300), (businesses, 200)):
		a, b, other = make(size, 11), make(size, 11), make(size, 12)
		assert [e.customer_name for e in a.erp] == [e.customer_name for e in b.erp]
		assert [q.display_name for q in a.qbo] == [q.display_name for q in b.qbo]
		assert [e.customer_name for e in a.erp] != [e.customer_name for e in other.erp]


def test_truth_points_at_real_records_and_some_partners_are_missing():
	for data in (persons(500, 1), businesses(300, 1)):
		ids = {q.id for q in data.qbo}
		partners = [q for q in data.truth.values() if q]
		assert set(partners) <= ids and len(set(partners)) == len(partners)
		assert 0.3 < len(partners) / len(data.erp) < 0.7
		assert data.linkable <= {e for e, q in data.truth.items() if q}
