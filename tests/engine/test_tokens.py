import threading

from qbo_connector.engine.tokens import MemoryTokenStore, TokenSet, refresh_if_needed


def make_refresher(log):
	def do_refresh(refresh_token):
		log.append(refresh_token)
		n = len(log)
		return TokenSet(access_token=f"a{n}", refresh_token=f"r{n}", access_expires_at=10_000)

	return do_refresh


def test_refresh_only_when_near_expiry_and_saves_the_rotated_token():
	log = []
	store = MemoryTokenStore(TokenSet("a0", "r0", access_expires_at=1000, hard_expires_at=5))
	assert refresh_if_needed(store, make_refresher(log), now=lambda: 0).access_token == "a0"
	assert log == []
	fresh = refresh_if_needed(store, make_refresher(log), now=lambda: 800)  # within the 300 s margin
	assert log == ["r0"]
	assert store.load().refresh_token == "r1" == fresh.refresh_token
	assert store.load().hard_expires_at == 5  # carried over when Intuit does not send it
	assert store.saves == 1


def test_forced_refresh_is_skipped_when_another_worker_already_replaced_the_token():
	log = []
	store = MemoryTokenStore(TokenSet("a-new", "r-new", access_expires_at=10_000))
	result = refresh_if_needed(
		store, make_refresher(log), force=True, stale_access_token="a-old", now=lambda: 0
	)
	assert result.access_token == "a-new"
	assert log == []


def test_concurrent_refreshes_use_each_refresh_token_once():
	log = []
	store = MemoryTokenStore(TokenSet("", "r0"))
	threads = [
		threading.Thread(
			target=refresh_if_needed, args=(store, make_refresher(log)), kwargs={"now": lambda: 0}
		)
		for _ in range(8)
	]
	for t in threads:
		t.start()
	for t in threads:
		t.join()
	assert log == ["r0"]  # single flight: the other seven saw a fresh token under the lock


def test_repr_never_shows_tokens():
	tokens = TokenSet("secret-access", "secret-refresh")
	assert "secret" not in repr(tokens)
