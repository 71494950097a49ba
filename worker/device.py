"""What this worker runs on: its device (GPUs through NVML, else the CPU), software versions and
the GPU type (pool) it serves. Nothing here is guessed: a figure the host does not report is
left out (None), never filled in.

The type is `LORA_GPU_TYPE` (a catalog slug such as `h100-80gb`) when set; a host without a GPU
is the `cpu` type; a GPU host must declare its type, since a GPU's name does not say which of
the catalog's prices applies (an "H100" may be sold as SXM or PCIe, 80 or 94 GB).
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from typing import Any

from worker.contract.names import CPU_GPU_TYPE as CPU_TYPE

SOFTWARE = ("torch", "transformers", "peft", "celery", "accelerate", "nvidia-ml-py")


class DeviceConfigError(RuntimeError):
    """The worker cannot say which pool it serves."""


def _nvml_gpus() -> list[dict[str, Any]] | None:
    """Every GPU NVML sees (name, memory in GB), or None when NVML is absent or has no driver."""
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
    except Exception:  # NVMLError: no driver / no GPU on this host
        return None
    try:
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        indices = list(range(pynvml.nvmlDeviceGetCount()))
        if visible is not None:
            wanted = [v.strip() for v in visible.split(",") if v.strip()]
            indices = [int(v) for v in wanted if v.isdigit() and int(v) in indices]
        gpus = []
        for index in indices:
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            name = pynvml.nvmlDeviceGetName(handle)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle).total
            gpus.append(
                {
                    "name": name.decode() if isinstance(name, bytes) else str(name),
                    "memory_gb": round(memory / 1024**3, 1),
                }
            )
        return gpus
    finally:
        pynvml.nvmlShutdown()


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "CPU"


def _host_memory_gb() -> float | None:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return round(pages * size / 1024**3, 1) if pages > 0 and size > 0 else None


def discover_device() -> dict[str, Any]:
    """{"kind": "gpu"|"cpu", "name", "count", "memory_gb" (per device, None if unknown)}."""
    gpus = _nvml_gpus()
    if gpus:
        names = sorted({g["name"] for g in gpus})
        return {
            "kind": "gpu",
            "name": " + ".join(names),
            "count": len(gpus),
            "memory_gb": min(g["memory_gb"] for g in gpus),
        }
    return {
        "kind": "cpu",
        "name": _cpu_name(),
        "count": os.cpu_count() or 1,
        "memory_gb": _host_memory_gb(),
    }


def software_versions() -> dict[str, str]:
    """Python and the installed versions of the packages a run depends on."""
    out = {"python": platform.python_version(), "platform": sys.platform}
    for package in SOFTWARE:
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return out


def worker_gpu_type(device: dict[str, Any] | None = None) -> str:
    """The pool this worker serves (see the module docstring)."""
    declared = os.environ.get("LORA_GPU_TYPE", "").strip()
    if declared:
        return declared
    device = device if device is not None else discover_device()
    if device["kind"] == CPU_TYPE:
        return CPU_TYPE
    raise DeviceConfigError(
        f"This host has {device['count']} x {device['name']}: set LORA_GPU_TYPE to the catalog "
        "slug of its GPU type (e.g. h100-80gb) so it serves that pool."
    )
