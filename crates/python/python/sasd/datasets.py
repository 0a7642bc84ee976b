"""Recordings shipped inside the library (``sasd::datasets``)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _sasd

__all__ = ["Recording", "ecg", "photograph", "PHOTOGRAPHS"]

#: The names of the photographs :func:`photograph` returns.
PHOTOGRAPHS = tuple(_sasd.PHOTOGRAPHS)


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


def photograph(name: str) -> np.ndarray:
    """A 256 × 256 crop of a public-domain / CC0 photograph from scikit-image.

    ``camera``, ``astronaut``, ``coffee``, ``chelsea`` and ``brick`` are
    grey, ``(256, 256)``; ``coffee-rgb`` is colour, ``(256, 256, 3)``.
    Values in [0, 1] (8-bit / 255). For trying :func:`sasd.deblur`.

    Raises
    ------
    ValueError
        A name not in :data:`PHOTOGRAPHS`.
    """
    return _sasd.photograph(name)
