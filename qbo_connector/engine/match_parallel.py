"""Plumbing for the matcher's large runs: work split over forked worker processes (they inherit what
they read; only results travel back), work done in one beside this process's, and the cyclic garbage
collector paused while a run builds its hundreds of thousands of small objects (its passes over them
took a third of a 50,000-customer run)."""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os

WORKERS = 2  # processes comparing candidate pairs in a large run (forked; 1 = in this process)
PARALLEL_FROM = 5000  # fewer items than this are worked on in this process

_SHARED: tuple = ()  # what forked workers read (inherited, never pickled)


def shared() -> tuple:
	return _SHARED


def in_parallel(work, data: tuple, count: int) -> list:
	"""`work` over slices of range(count), in forked worker processes when the run is large and the
	machine has the cores (they read `data` through `shared()`), else here; the rows in order."""
	global _SHARED
	_SHARED = data
	try:
		if not forks(count):
			return work((0, count))
		workers = min(WORKERS, os.cpu_count() or 1)
		step = -(-count // (workers * 4))
		parts = [(lo, min(count, lo + step)) for lo in range(0, count, step)]
		with multiprocessing.get_context("fork").Pool(workers) as pool:
			return [row for part in pool.map(work, parts) for row in part]
	finally:
		_SHARED = ()


def beside(work, data: tuple, count: int, task) -> list:
	"""`work((0, count))` in one forked worker process while `task()` runs here, when the run is large and
	the machine has the cores (both here otherwise); work's rows."""
	global _SHARED
	_SHARED = data
	try:
		if not forks(count):
			task()
			return work((0, count))
		with multiprocessing.get_context("fork").Pool(1) as pool:
			pending = pool.apply_async(work, ((0, count),))
			task()
			return pending.get()
	finally:
		_SHARED = ()


def forks(count: int) -> bool:
	"""Whether `count` items are worked on in forked worker processes."""
	workers = min(WORKERS, os.cpu_count() or 1)
	return workers >= 2 and count >= PARALLEL_FROM and "fork" in multiprocessing.get_all_start_methods()


def without_gc(method):
	"""Run `method` with the cyclic garbage collector paused (the matcher makes no cycles worth
	collecting mid-run); it resumes afterwards if it was running."""

	@functools.wraps(method)
	def paused(*args, **kwargs):
		was_enabled = gc.isenabled()
		gc.disable()
		try:
			return method(*args, **kwargs)
		finally:
			if was_enabled:
				gc.enable()

	return paused
