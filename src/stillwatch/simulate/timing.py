"""When accounts send traffic: activity profiles per time chunk, and session start times.

Modes (``timing.mode``):

- ``diurnal``: a working-day and weekly cycle in the account's local time, with day-to-day
  variation (``dispersion``) so a person is busy some days and idle on others;
- ``uniform``: flat, 24 hours a day, 7 days a week (batch jobs, scripted harvesting);
- ``bursty``: on/off periods of a few hours (``burst`` is the share of time on);
- ``synchronised``: every account of the group fires inside the same short waves.

An account's expected volume is spread over its active period in proportion to the profile,
so the volume a scenario asks for is what comes out whatever the timing.
"""

from __future__ import annotations

import numpy as np

from stillwatch.simulate.actors import Actors

HOUR = 3600.0
DAY = 86_400.0
_MONDAY = 345_600.0  # 1970-01-05T00:00Z was a Monday


def weekly_profile(timing: dict[str, float]) -> np.ndarray:
    """168 hourly weights, Monday 00:00 local first; the busiest working hour weighs 1.

    >>> p = weekly_profile({"night": 0.1, "evening": 0.5, "weekend": 0.5})
    >>> p.shape, float(p.max()), bool(p[3] < p[11]), bool(p[24 * 6 + 11] < p[11])
    ((168,), 1.0, True, True)
    """
    night, evening, weekend = float(timing["night"]), float(timing["evening"]), float(timing["weekend"])
    day = np.array(
        [night] * 6 + [0.25, 0.5, 0.8, 1.0, 1.0, 0.95, 0.75, 0.9, 1.0, 0.95, 0.85, 0.7]
        + [evening * 1.1, evening, evening, evening * 0.8, evening * 0.5, night * 2]
    )
    week = np.concatenate([day] * 5 + [day * weekend] * 2)
    return week / week.max()


class Schedule:
    """Per-chunk activity weights for one group's accounts."""

    def __init__(self, actors: Actors, window: tuple[float, float], chunk_s: float, rng: np.random.Generator) -> None:
        self.a = actors
        self.t = actors.group.timing
        self.mode = str(self.t["mode"])
        if self.mode not in ("diurnal", "uniform", "bursty", "synchronised"):
            from stillwatch.errors import ConfigError

            raise ConfigError(f"group {actors.group.id}: timing.mode {self.mode!r} is not one of "
                              "diurnal, uniform, bursty, synchronised")
        self.window = window
        self.chunk_s = chunk_s
        self.week = weekly_profile(self.t)
        self.waves = self._waves(rng) if self.mode == "synchronised" else np.zeros((0, 2))
        self.on = rng.random(actors.n) < float(self.t["burst"])
        self.day = -1
        self.day_factor = np.ones(actors.n)
        # Pass one: each account's total weight over the window, so rates normalise exactly.
        self.norm = np.zeros(actors.n)
        for t0 in np.arange(window[0], window[1], chunk_s):
            self.norm += self._expected(float(t0), float(min(t0 + chunk_s, window[1])))
        self.norm[self.norm <= 0] = np.inf

    def _expected(self, t0: float, t1: float) -> np.ndarray:
        a = self.a
        frac = np.clip((np.minimum(t1, a.end) - np.maximum(t0, a.start)) / (t1 - t0), 0.0, 1.0)
        if self.mode == "diurnal":
            how = ((t0 + a.tz * HOUR - _MONDAY) // HOUR).astype(np.int64) % 168
            return frac * self.week[how] * (t1 - t0) / HOUR
        if self.mode == "synchronised":
            return frac * self._wave_overlap(t0, t1)
        return frac * (t1 - t0) / HOUR

    def sessions(self, t0: float, t1: float, mean_len: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Sessions each account starts in [t0, t1): Poisson around its expected share."""
        lam = self.a.volume / mean_len * self._expected(t0, t1) / self.norm
        if self.mode == "diurnal":
            day = int((t0 - self.window[0]) // DAY)
            if day != self.day:
                self.day = day
                d = float(self.t["dispersion"])
                self.day_factor = rng.gamma(1 / d**2, d**2, size=self.a.n) if d > 0 else np.ones(self.a.n)
            lam = lam * self.day_factor
        elif self.mode == "bursty":
            p = float(self.t["burst"])
            # A two-state chain: bursts last ~2.5 chunks on average, the on-share is `burst`.
            flip_off = rng.random(self.a.n) < 0.4
            flip_on = rng.random(self.a.n) < 0.4 * p / max(1e-9, 1 - p)
            self.on = np.where(self.on, ~flip_off, flip_on)
            lam = lam * self.on / max(p, 1e-9)
        return rng.poisson(lam)

    def starts(self, t0: float, t1: float, n: int, rng: np.random.Generator) -> np.ndarray:
        """Start times of ``n`` sessions in the chunk."""
        if self.mode != "synchronised":
            return t0 + rng.random(n) * (t1 - t0)
        lo = np.maximum(self.waves[:, 0], t0)
        hi = np.minimum(self.waves[:, 1], t1)
        keep = hi > lo
        lo, hi = lo[keep], hi[keep]
        if len(lo) == 0:
            return t0 + rng.random(n) * (t1 - t0)
        pick = rng.choice(len(lo), size=n, p=(hi - lo) / (hi - lo).sum())
        return lo[pick] + rng.random(n) * (hi - lo)[pick]

    def _waves(self, rng: np.random.Generator) -> np.ndarray:
        per_day = max(1, int(self.t["waves_per_day"]))
        length = float(self.t["wave_minutes"]) * 60.0
        step = DAY / per_day
        t = np.arange(self.window[0] + rng.random() * step, self.window[1], step)
        t = t + rng.normal(0.0, 0.05 * step, size=len(t))
        return np.stack([t, t + length], axis=1)

    def _wave_overlap(self, t0: float, t1: float) -> float:
        lo = np.maximum(self.waves[:, 0], t0)
        hi = np.minimum(self.waves[:, 1], t1)
        return float(np.clip(hi - lo, 0.0, None).sum() / HOUR)
