from qbo_connector.engine.limiter import Limits, RateLimiter


class FakeClock:
	def __init__(self):
		self.now = 0.0
		self.sleeps = []

	def __call__(self):
		return self.now

	def sleep(self, seconds):
		self.sleeps.append(seconds)
		self.now += seconds


def test_batch_window_waits_instead_of_exceeding_the_limit():
	clock = FakeClock()
	limiter = RateLimiter("r", Limits(per_minute=500, batch_per_minute=40), clock=clock, sleep=clock.sleep)
	for _ in range(41):
		with limiter.slot(batch=True):
			pass
	assert clock.sleeps == [60.0]  # the 41st batch waited exactly until the first left the window


def test_time_scale_compresses_the_window_and_the_429_pause():
	clock = FakeClock()
	limiter = RateLimiter("r", Limits(per_minute=2), time_scale=60, clock=clock, sleep=clock.sleep)
	for _ in range(3):
		with limiter.slot():
			pass
	assert clock.sleeps == [1.0]
	limiter.throttled()
	with limiter.slot():
		pass
	assert clock.sleeps[-1] == 1.0  # 60 s pause scaled to 1 s


def test_refused_batch_does_not_consume_a_general_slot():
	clock = FakeClock()
	limiter = RateLimiter("r", Limits(per_minute=3, batch_per_minute=1), clock=clock, sleep=clock.sleep)
	with limiter.slot(batch=True):
		pass
	with limiter.slot(batch=True):  # waits 60 s for the batch window
		pass
	assert clock.sleeps == [60.0]
	for _ in range(3):  # the window holds 2 requests from t=0 and t=60 ... only uses actually made count
		with limiter.slot():
			pass
	assert len(clock.sleeps) == 2
