"""Recordings shipped inside the library (``sasd::datasets``)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _sasd

__all__ = ["Recording", "ecg"]


class Recording(NamedTuple):
    """A real recording: samples, sampling rate (Hz) and a name."""

    samples: np.ndarray
    rate: float
    name: str


def ecg() -> Recording:
    """One minute of a real ECG (MIT-BIH record 208, lead MLII, 360 Hz, mV).

    Returns
    -------
    Recording
    """
    samples, rate, name = _sasd.ecg()
    return Recording(samples, rate, name)
