"""GPU utilization and memory from NVML. On a CPU host, or without NVML, answers None.

Numbers come from the driver or not at all: the dashboard shows a gap rather than a guess.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GpuSample:
    """One NVML reading for the device the loop trains on."""

    utilization_percent: float
    memory_used_mb: float
    memory_total_mb: float


class GpuMonitor:
    """Samples one CUDA device through pynvml; every method is safe to call on a CPU host."""

    def __init__(self, device_index: int | None) -> None:
        self._handle: Any = None
        self._nvml: Any = None
        self._lock = threading.Lock()
        if device_index is None:
            return
        try:
            import pynvml  # nvidia-ml-py

            pynvml.nvmlInit()
            self._handle = pynvml.nvmlDeviceGetHandleByIndex(_physical_index(device_index))
            self._nvml = pynvml
        except Exception:  # no driver, no library, no device: report nothing
            self._handle = None
            self._nvml = None

    @property
    def available(self) -> bool:
        """True when NVML answered for the device."""
        return self._handle is not None

    def sample(self) -> GpuSample | None:
        """Current utilization (percent over the driver's last sample period) and memory."""
        if self._handle is None or self._nvml is None:
            return None
        try:
            with self._lock:
                util = self._nvml.nvmlDeviceGetUtilizationRates(self._handle)
                mem = self._nvml.nvmlDeviceGetMemoryInfo(self._handle)
        except Exception:  # a transient NVML error must not kill training
            return None
        return GpuSample(
            utilization_percent=float(util.gpu),
            memory_used_mb=float(mem.used) / 2**20,
            memory_total_mb=float(mem.total) / 2**20,
        )

    def close(self) -> None:
        """Release NVML."""
        if self._nvml is not None:
            with contextlib.suppress(Exception):
                self._nvml.nvmlShutdown()
        self._handle = None
        self._nvml = None


def _physical_index(device_index: int) -> int:
    """Map a torch device index to an NVML index through CUDA_VISIBLE_DEVICES when it is numeric."""
    import os

    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "").strip()
    if not visible:
        return device_index
    parts = [p.strip() for p in visible.split(",") if p.strip()]
    if device_index < len(parts) and parts[device_index].isdigit():
        return int(parts[device_index])
    return device_index
